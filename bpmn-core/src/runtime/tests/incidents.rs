//! Incidents instead of failed steps, retries, the terminate command, and states that do not
//! fit the process.

use serde_json::json;

use super::*;

/// start → route (exclusive, one flow when `ok`) → done (user task) → end.
fn guarded() -> Process {
    model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="route"/><bpmn:userTask id="done"/><bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "route", ""),
            &flow("f2", "route", "done", "${ok}"),
            &flow("f3", "done", "end", ""),
        ]
        .join("\n"),
    )
}

#[test]
fn a_retry_fails_again_until_the_data_is_fixed() {
    let p = guarded();
    let route = node(&p, "route");
    let (s, _) = ok(&p, InstanceState::default(), start(json!({"ok": false})), 0);
    let incident = Effect::Incident {
        token: 0,
        node: route,
        message: "element `route`: no outgoing flow's condition is true and there is no default flow".into(),
    };

    let (mut s, effects) = ok(&p, s, Command::Retry { token: 0 }, 1);
    assert_eq!(effects, [Effect::ResolveIncident { token: 0 }, incident], "no second `started` entry");
    assert_eq!(s.tokens, [tok(0, route, None, TokenState::Failed)]);

    s.variables.insert("ok".into(), json!(true));
    let (s, effects) = ok(&p, s, Command::Retry { token: 0 }, 2);
    assert_eq!(history(&effects), ["ended:route", "started:done"]);
    assert_eq!(actions(&effects), [Effect::ResolveIncident { token: 0 }, plain_task(0, node(&p, "done"))]);

    assert_eq!(
        step(&p, s.clone(), Command::Retry { token: 0 }, 3),
        Err(RuntimeError::NotWaiting { token: 0, node_id: "done".into(), expected: "a retry" })
    );
    assert_eq!(step(&p, s, Command::Retry { token: 7 }, 3), Err(RuntimeError::UnknownToken { token: 7 }));
}

#[test]
fn a_failed_token_holds_the_inclusive_join_until_it_is_retried() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:inclusiveGateway id="fork"/><bpmn:inclusiveGateway id="join"/>"#,
            r#"<bpmn:userTask id="t1"/><bpmn:exclusiveGateway id="check"/><bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "fork", ""),
            &flow("f2", "fork", "t1", ""),
            &flow("f3", "fork", "check", ""),
            &flow("f4", "t1", "join", ""),
            &flow("f5", "check", "join", "${ready}"),
            &flow("f6", "join", "end", ""),
        ]
        .join("\n"),
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"ready": false})), 0);
    assert_eq!(
        history(&effects),
        ["started:start", "ended:start", "started:fork", "ended:fork", "started:t1", "started:check"]
    );
    assert!(matches!(actions(&effects)[..], [Effect::CreateTask { token: 0, .. }, Effect::Incident { token: 1, .. }]));

    let (mut s, effects) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(history(&effects), ["ended:t1"], "the failed branch may still arrive");
    assert!(matches!(s.tokens[0].state, TokenState::Joining { .. }));

    s.variables.insert("ready".into(), json!(true));
    let (s, effects) = ok(&p, s, Command::Retry { token: 1 }, 2);
    assert_eq!(history(&effects), ["ended:check", "started:join", "ended:join", "started:end", "ended:end"]);
    assert_eq!(actions(&effects), [Effect::ResolveIncident { token: 1 }, Effect::InstanceCompleted]);
    assert!(s.ended);
}

#[test]
fn a_task_whose_flows_all_fail_stops_on_the_task_and_a_retry_runs_it_again() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="review"/><bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "review", ""),
            &flow("f2", "review", "end", "${score > 5}"),
        ]
        .join("\n"),
    );
    let review = node(&p, "review");
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, complete(0, json!({"score": 1})), 1);
    assert_eq!(history(&effects), ["ended:review", "started:review"]);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: review,
            message: "element `review`: no outgoing flow's condition is true and there is no default flow".into()
        }]
    );
    let (mut s, effects) = ok(&p, s, Command::Retry { token: 0 }, 2);
    assert!(history(&effects).is_empty());
    assert_eq!(actions(&effects), [Effect::ResolveIncident { token: 0 }, plain_task(0, review)]);
    s.variables.insert("score".into(), json!(9));
    let (s, effects) = ok(&p, s, complete(0, json!({})), 3);
    assert_eq!(history(&effects), ["ended:review", "started:end", "ended:end"]);
    assert!(s.ended);
}

#[test]
fn a_join_whose_fork_fails_keeps_the_joined_token() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/><bpmn:task id="a"/><bpmn:task id="b"/>"#,
            r#"<bpmn:inclusiveGateway id="mid"/><bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "fork", ""),
            &flow("fa", "fork", "a", ""),
            &flow("fb", "fork", "b", ""),
            &flow("ja", "a", "mid", ""),
            &flow("jb", "b", "mid", ""),
            &flow("f2", "mid", "end", "${go}"),
        ]
        .join("\n"),
    );
    let mid = node(&p, "mid");
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"go": false})), 0);
    assert_eq!(history(&effects)[4..], ["started:a", "ended:a", "started:b", "ended:b", "started:mid"]);
    assert!(matches!(actions(&effects)[..], [Effect::Incident { token: 0, node, .. }] if node == mid));
    assert_eq!(s.tokens, [tok(0, mid, None, TokenState::Failed)]);

    let (mut s, effects) = ok(&p, s, Command::Retry { token: 0 }, 1);
    assert!(history(&effects).is_empty(), "the join is not started twice: {effects:?}");
    assert!(matches!(effects[..], [Effect::ResolveIncident { token: 0 }, Effect::Incident { token: 0, .. }]));

    s.variables.insert("go".into(), json!(true));
    let (s, effects) = ok(&p, s, Command::Retry { token: 0 }, 1);
    assert_eq!(history(&effects), ["ended:mid", "started:end", "ended:end"]);
    assert_eq!(actions(&effects), [Effect::ResolveIncident { token: 0 }, Effect::InstanceCompleted]);
    assert!(s.ended);
}

#[test]
fn invalid_timers_are_incidents_and_nothing_is_left_half_done() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>"#,
            &format!(
                r#"<bpmn:intermediateCatchEvent id="wait">{}</bpmn:intermediateCatchEvent>"#,
                timer_def("timeDuration", "${delay}")
            ),
            &flow("f1", "start", "wait", ""),
            &flow("f2", "wait", "end", ""),
        ]
        .join("\n"),
    );
    let (_, effects) = ok(&p, InstanceState::default(), start(json!({"delay": null})), 0);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: node(&p, "wait"),
            message: "element `wait`: the timer definition is empty".into()
        }]
    );

    // A boundary timer that cannot be resolved stops the task before its task is created.
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="review"/><bpmn:endEvent id="end"/>"#,
            &format!(
                r#"<bpmn:boundaryEvent id="late" attachedToRef="review">{}</bpmn:boundaryEvent>"#,
                timer_def("timeDate", "${limit}")
            ),
            &flow("f1", "start", "review", ""),
            &flow("f2", "review", "end", ""),
            &flow("f3", "late", "end", ""),
        ]
        .join("\n"),
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(history(&effects)[2..], ["started:review"]);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: node(&p, "review"),
            message: "element `late`: expression `${limit}`: unknown variable `limit`".into()
        }]
    );
    assert_eq!(s.tokens.len(), 1, "no boundary token was created");
}

/// Every kind of waiting token at once, in parallel branches.
fn everything() -> Process {
    model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:userTask id="review"/><bpmn:serviceTask id="svc"/><bpmn:callActivity id="call" calledElement="child"/>"#,
            &format!(r#"<bpmn:intermediateCatchEvent id="wait">{}</bpmn:intermediateCatchEvent>"#, timer_def("timeDuration", "PT1H")),
            &format!(r#"<bpmn:boundaryEvent id="late" attachedToRef="review">{}</bpmn:boundaryEvent>"#, timer_def("timeDuration", "PT2H")),
            r#"<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start"/><bpmn:userTask id="inner"/><bpmn:endEvent id="s_end"/>"#,
            &flow("s1", "s_start", "inner", ""),
            &flow("s2", "inner", "s_end", ""),
            r#"</bpmn:subProcess><bpmn:exclusiveGateway id="route"/>"#,
            &flow("f1", "start", "fork", ""),
            &flow("f2", "fork", "review", ""),
            &flow("f3", "fork", "svc", ""),
            &flow("f4", "fork", "wait", ""),
            &flow("f5", "fork", "call", ""),
            &flow("f6", "fork", "sub", ""),
            &flow("f7", "fork", "route", ""),
            &flow("e1", "review", "end", ""),
            &flow("e2", "svc", "end", ""),
            &flow("e3", "wait", "end", ""),
            &flow("e4", "call", "end", ""),
            &flow("e5", "sub", "end", ""),
            &flow("e6", "route", "end", "${never}"),
            &flow("e7", "late", "end", ""),
        ]
        .join("\n"),
    )
}

#[test]
fn terminate_cancels_every_kind_of_waiting_token() {
    let p = everything();
    let n = |id| node(&p, id);
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        active_activities(&p, &s),
        [(0, n("review")), (1, n("svc")), (2, n("wait")), (3, n("call")), (5, n("route")), (7, n("inner"))],
        "not the sub-process token (4) nor the boundary timer (6)"
    );
    assert_eq!(step(&p, InstanceState::default(), Command::Terminate, 0), Err(RuntimeError::NotStarted));

    let (s, effects) = ok(&p, s, Command::Terminate, 1);
    assert_eq!(
        history(&effects),
        [
            "cancelled:review",
            "cancelled:svc",
            "cancelled:wait",
            "cancelled:call",
            "cancelled:sub",
            "cancelled:route",
            "cancelled:inner"
        ]
    );
    assert_eq!(
        actions(&effects),
        [
            Effect::CancelTask { token: 0, node: n("review") },
            Effect::CancelServiceCall { token: 1, node: n("svc") },
            Effect::CancelTimer { token: 2, node: n("wait") },
            Effect::CancelChild { token: 3, node: n("call") },
            Effect::ResolveIncident { token: 5 },
            Effect::CancelTimer { token: 6, node: n("late") },
            Effect::CancelTask { token: 7, node: n("inner") },
            Effect::InstanceTerminated,
        ]
    );
    assert!(s.ended && s.tokens.is_empty());
    assert_eq!(step(&p, s, Command::Terminate, 2), Err(RuntimeError::InstanceEnded));
}

#[test]
fn states_that_do_not_fit_the_process_are_refused_not_panics() {
    let p = guarded();
    let (good, _) = ok(&p, InstanceState::default(), start(json!({"ok": true})), 0);
    let broken = |f: &dyn Fn(&mut InstanceState)| {
        let mut s = good.clone();
        f(&mut s);
        s
    };
    let cases = [
        (
            broken(&|s| s.tokens[0].node = 99),
            "the instance state puts token 0 on node #99, which this process does not have",
        ),
        (broken(&|s| s.next_token = 0), "the instance state has token 0 but the next token id is 0"),
        (broken(&|s| s.tokens.push(s.tokens[0].clone())), "the instance state has token 0 twice"),
        (
            broken(&|s| s.tokens[0].scope = Some(5)),
            "the instance state's token 0 refers to token 5, which does not exist",
        ),
        (broken(&|s| s.tokens[0].scope = Some(0)), "the instance state's token 0 encloses itself"),
        (
            broken(&|s| {
                s.next_token = 2;
                s.tokens[0].scope = Some(1);
                s.tokens.push(Token { id: 1, scope: Some(0), ..s.tokens[0].clone() });
            }),
            "the instance state's token 0 encloses itself",
        ),
    ];
    for (state, message) in cases {
        let message = format!("the instance state is inconsistent ({message}); terminate the instance");
        let refused = RuntimeError::InvalidModel { node_id: "P".into(), message: message.into() };
        assert_eq!(plain(step(&p, state.clone(), complete(0, json!({})), 1)), Err(refused.clone()));
        assert_eq!(plain(check_move(&p, &state, &[0], node(&p, "done"))), Err(refused));
        let _ = active_activities(&p, &state);
    }
}

/// A tiny property test: random commands (most of them refused) on a few processes never
/// panic, and every state a step returns is consistent.
#[test]
fn random_commands_never_panic() {
    // The same elements again, each one `asyncBefore`.
    let mut asynced = everything();
    asynced.nodes.iter_mut().for_each(|n| n.async_before = true);
    let processes = [everything(), guarded(), expense(), inclusive(), asynced];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n.max(1)
    };
    for p in &processes {
        let movable = movable_activities(p);
        for _ in 0..40 {
            let v =
                json!({"initiator": "a", "amount": next(3000), "approvers": ["x"], "x": next(6), "ok": next(2) == 0});
            let (mut s, _) = ok(p, InstanceState::default(), start(v), 0);
            for at in 1..30 {
                if s.ended {
                    break;
                }
                let token = next(s.next_token + 2);
                let to = match next(4) {
                    0 => next(p.nodes.len() as u64 + 1) as usize,
                    _ => movable.get(next(movable.len() as u64) as usize).copied().unwrap_or(0),
                };
                let cmd = match next(10) {
                    0..=2 => complete(token, json!({"ok": true, "x": next(6)})),
                    3 => Command::FireTimer { token },
                    8 => Command::ContinueAsync { token },
                    4 => Command::ChildCompleted { token, variables: Map::new() },
                    5 => Command::Retry { token },
                    6 => Command::Terminate,
                    _ => Command::Move { tokens: vec![token], to, reason: EndReason::Moved },
                };
                let _ = check_move(p, &s, &[token], to);
                let _ = active_activities(p, &s);
                if let Ok((after, _)) = step(p, s.clone(), cmd, at) {
                    assert!(after.tokens.iter().all(|t| t.state != TokenState::Active), "{after:?}");
                    assert!(after
                        .tokens
                        .iter()
                        .all(|t| t.scope.is_none_or(|o| after.tokens.iter().any(|x| x.id == o))));
                    s = after;
                }
            }
        }
    }
}

#[test]
fn states_with_local_variables_and_incidents_round_trip_through_json() {
    let p = everything();
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let text = serde_json::to_string(&s).unwrap_or_else(|e| panic!("{e}"));
    assert!(!text.contains("\"vars\""), "empty local variables are not written: {text}");
    let back: InstanceState = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, s);

    let mut s = s;
    s.tokens[0].vars = vars(json!({"loopCounter": 1}));
    let text = serde_json::to_string(&s).unwrap_or_else(|e| panic!("{e}"));
    let back: InstanceState = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, s);
}
