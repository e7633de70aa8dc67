//! Asynchronous continuations (`camunda:asyncBefore`, `flowable:async`): the token stops in
//! front of the activity with a job to create, and `ContinueAsync` lets it in; moves,
//! terminations, retries and withdrawals around a waiting continuation.

use serde_json::json;

use super::*;

fn flow_idx(p: &Process, id: &str) -> usize {
    p.flows.iter().position(|f| f.id == id).unwrap_or_else(|| panic!("no flow {id}"))
}

fn waiting_async(id: TokenId, node: usize, flow: Option<usize>) -> Token {
    tok(id, node, None, TokenState::WaitingAsync { flow })
}

fn cont(token: TokenId) -> Command {
    Command::ContinueAsync { token }
}

#[test]
fn an_async_user_task_is_entered_only_when_its_continuation_runs() {
    let p = around("a", r#"<bpmn:userTask id="a" camunda:asyncBefore="true" camunda:assignee="${who}"/>"#, &[]);
    let a = node(&p, "a");
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"who": "lina"})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start"], "nothing of `a` has started");
    assert_eq!(actions(&effects), [Effect::ScheduleAsync { token: 0, node: a }]);
    assert_eq!(s.tokens, [waiting_async(0, a, Some(flow_idx(&p, "f1")))]);
    assert_eq!(active_activities(&p, &s), [(0, a)], "the instance shows where it waits");

    // The token does not wait for a task yet.
    assert_eq!(
        step(&p, s.clone(), complete(0, json!({})), 1),
        Err(RuntimeError::NotWaiting { token: 0, node_id: "a".into(), expected: "a task to complete" })
    );

    let (s, effects) = ok(&p, s, cont(0), 5);
    assert_eq!(history_t(&effects), ["started:a#0"]);
    let Effect::History(h) = &effects[0] else { panic!("{effects:?}") };
    assert_eq!(h.at, 5, "the activity starts when the continuation runs");
    assert_eq!(created(&effects), [(0, Some("lina".to_owned()))]);
    assert_eq!(effects.len(), 2);
    assert_eq!(s.tokens, [tok(0, a, None, TokenState::WaitingTask)]);
    assert_eq!(
        step(&p, s.clone(), cont(0), 6),
        Err(RuntimeError::NotWaiting { token: 0, node_id: "a".into(), expected: "an asynchronous continuation" })
    );
    assert_eq!(step(&p, s.clone(), cont(9), 6), Err(RuntimeError::UnknownToken { token: 9 }));

    let (s, effects) = ok(&p, s, complete(0, json!({})), 7);
    assert_eq!(history(&effects), ["ended:a", "started:after"]);
    let text = serde_json::to_string(&s).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(serde_json::from_str::<InstanceState>(&text).ok(), Some(s));
}

#[test]
fn an_async_service_task_calls_and_arms_its_boundary_timer_after_the_continuation() {
    let p = around(
        "svc",
        r#"<bpmn:serviceTask id="svc" flowable:async="true" xmlns:flowable="http://flowable.org/bpmn"/>"#,
        &[&format!(
            r#"<bpmn:boundaryEvent id="late" attachedToRef="svc">{}</bpmn:boundaryEvent>"#,
            timer_def("timeDuration", "PT1H")
        )],
    );
    let (svc, late) = (node(&p, "svc"), node(&p, "late"));
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(actions(&effects), [Effect::ScheduleAsync { token: 0, node: svc }], "no call, no timer yet");
    let (s, effects) = ok(&p, s, cont(0), 1);
    assert_eq!(history(&effects), ["started:svc"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::CallService { token: 0, node: svc },
            Effect::ScheduleTimer { token: 1, node: late, kind: TimerKind::Duration, definition: "PT1H".into() },
        ]
    );
    let (_, effects) = ok(&p, s, complete(0, json!({"paid": true})), 2);
    assert_eq!(history(&effects), ["ended:svc", "started:after"]);
}

#[test]
fn terminating_or_moving_drops_the_continuation_without_history() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="a" camunda:asyncBefore="true"/>"#,
            r#"<bpmn:userTask id="c"/><bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "a", ""),
            &flow("f2", "a", "c", ""),
            &flow("f3", "c", "end", ""),
        ]
        .join("\n"),
    );
    let (a, c) = (node(&p, "a"), node(&p, "c"));
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);

    let (after, effects) = ok(&p, s.clone(), Command::Terminate, 1);
    assert_eq!(history(&effects), Vec::<String>::new(), "`a` never started");
    assert_eq!(effects, [Effect::CancelAsync { token: 0, node: a }, Effect::InstanceTerminated]);
    assert!(after.tokens.is_empty());

    assert_eq!(check_move(&p, &s, &[0], c), Ok(vec![]));
    let moved = Command::Move { tokens: vec![0], to: c, reason: EndReason::Moved };
    let (after, effects) = ok(&p, s.clone(), moved, 1);
    assert_eq!(history_t(&effects), ["started:c#1"]);
    assert_eq!(actions(&effects), [Effect::CancelAsync { token: 0, node: a }, plain_task(1, c)]);
    assert_eq!(after.tokens, [tok(1, c, None, TokenState::WaitingTask)]);

    // An adjustment onto the async activity honours the mark: a new continuation.
    let back = Command::Move { tokens: vec![1], to: a, reason: EndReason::Moved };
    let (after, effects) = ok(&p, after, back, 2);
    assert_eq!(history_t(&effects), ["moved:c#1"]);
    assert_eq!(
        actions(&effects),
        [Effect::CancelTask { token: 1, node: c }, Effect::ScheduleAsync { token: 2, node: a }]
    );
    assert_eq!(after.tokens, [waiting_async(2, a, None)]);
}

#[test]
fn a_withdrawal_gives_the_task_back_at_once_and_a_retry_enters_at_once() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="a" camunda:asyncBefore="true" camunda:assignee="${who}"/>"#,
            r#"<bpmn:userTask id="b"/><bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "a", ""),
            &flow("f2", "a", "b", ""),
            &flow("f3", "b", "end", ""),
        ]
        .join("\n"),
    );
    let (a, b) = (node(&p, "a"), node(&p, "b"));
    // The continuation fails on the assignee: an incident on `a`, as for any arrival.
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (mut s, effects) = ok(&p, s, cont(0), 1);
    assert_eq!(history(&effects), ["started:a"]);
    assert!(matches!(actions(&effects)[..], [Effect::Incident { token: 0, node, .. }] if node == a), "{effects:?}");
    assert_eq!(s.tokens, [tok(0, a, None, TokenState::Failed)]);

    // A retry enters `a` directly: no second continuation.
    s.variables.insert("who".into(), json!("lina"));
    let (s, effects) = ok(&p, s, Command::Retry { token: 0 }, 2);
    assert_eq!(history(&effects), Vec::<String>::new());
    assert_eq!(effects[0], Effect::ResolveIncident { token: 0 });
    assert_eq!(created(&effects), [(0, Some("lina".to_owned()))]);

    let (s, _) = ok(&p, s, complete(0, json!({})), 3);
    let withdraw = Command::Move { tokens: vec![0], to: a, reason: EndReason::Withdrawn };
    let (s, effects) = ok(&p, s, withdraw, 4);
    assert_eq!(history_t(&effects), ["withdrawn:b#0", "started:a#1"]);
    assert_eq!(actions(&effects)[0], Effect::CancelTask { token: 0, node: b });
    assert_eq!(created(&effects), [(1, Some("lina".to_owned()))]);
    assert_eq!(s.tokens, [tok(1, a, None, TokenState::WaitingTask)]);
}

#[test]
fn an_async_join_joins_by_the_flow_each_token_came_by() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>"#,
            r#"<bpmn:parallelGateway id="join" camunda:asyncBefore="true"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "fork", ""),
            &flow("fa", "fork", "join", ""),
            &flow("fb", "fork", "join", ""),
            &flow("f2", "join", "after", ""),
            &flow("f3", "after", "end", ""),
        ]
        .join("\n"),
    );
    let (join, after) = (node(&p, "join"), node(&p, "after"));
    let (fa, fb) = (flow_idx(&p, "fa"), flow_idx(&p, "fb"));
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        actions(&effects),
        [Effect::ScheduleAsync { token: 0, node: join }, Effect::ScheduleAsync { token: 1, node: join }]
    );
    assert_eq!(s.tokens, [waiting_async(0, join, Some(fa)), waiting_async(1, join, Some(fb))]);
    let (s, effects) = ok(&p, s, cont(1), 1);
    assert!(effects.is_empty(), "the join waits for the other branch: {effects:?}");
    assert_eq!(s.tokens[1], tok(1, join, None, TokenState::Joining { flow: Some(fb) }));
    let (s, effects) = ok(&p, s, cont(0), 2);
    assert_eq!(history_t(&effects), ["started:join#0", "ended:join#0", "started:after#0"]);
    assert_eq!(actions(&effects), [plain_task(0, after)]);
    assert_eq!(s.tokens, [tok(0, after, None, TokenState::WaitingTask)]);
}

#[test]
fn an_async_multi_instance_activity_continues_once_for_the_body() {
    let p = around(
        "sign",
        r#"<bpmn:userTask id="sign" camunda:asyncBefore="true"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"#,
        &[],
    );
    let sign = node(&p, "sign");
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(actions(&effects), [Effect::ScheduleAsync { token: 0, node: sign }]);
    let (s, effects) = ok(&p, s, cont(0), 1);
    assert_eq!(history_t(&effects), ["started:sign#0", "started:sign#1", "started:sign#2"]);
    assert_eq!(actions(&effects), [plain_task(1, sign), plain_task(2, sign)], "instances are not async again");
    assert_eq!(s.tokens[0].state, TokenState::MultiInstanceBody);
}
