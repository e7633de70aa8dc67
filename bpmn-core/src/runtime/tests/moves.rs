//! Moving tokens (调整) and withdrawing completed tasks (撤回): what may be moved where, the
//! warnings of `check_move`, and the history a move writes.

use serde_json::json;

use super::*;
use crate::text::Text;

fn moved(tokens: &[TokenId], to: usize) -> Command {
    Command::Move { tokens: tokens.to_vec(), to, reason: EndReason::Moved }
}

fn withdrawn(tokens: &[TokenId], to: usize) -> Command {
    Command::Move { tokens: tokens.to_vec(), to, reason: EndReason::Withdrawn }
}

/// A process made of user tasks `ids` in a row: start → ids... → end.
fn row(ids: &[&str]) -> Process {
    let mut parts = vec![r#"<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>"#.to_owned()];
    let mut chain = vec!["start"];
    chain.extend(ids);
    chain.push("end");
    for id in ids {
        parts.push(format!(r#"<bpmn:userTask id="{id}"/>"#));
    }
    for (i, pair) in chain.windows(2).enumerate() {
        parts.push(flow(&format!("f{i}"), pair[0], pair[1], ""));
    }
    model(&parts.join("\n"))
}

fn refused(node_id: &str, message: &str) -> RuntimeError {
    RuntimeError::InvalidModel { node_id: node_id.into(), message: message.into() }
}

#[test]
fn movable_activities_are_runnable_activities_and_catch_events_outside_event_sub_processes() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="a"/><bpmn:exclusiveGateway id="gw"/>"#,
            r#"<bpmn:callActivity id="call" calledElement="child"/><bpmn:scriptTask id="script"/><bpmn:endEvent id="end"/>"#,
            &format!(r#"<bpmn:intermediateCatchEvent id="wait">{}</bpmn:intermediateCatchEvent>"#, timer_def("timeDuration", "PT1H")),
            &format!(r#"<bpmn:boundaryEvent id="late" attachedToRef="a">{}</bpmn:boundaryEvent>"#, timer_def("timeDuration", "PT1H")),
            r#"<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start"/><bpmn:serviceTask id="inner"/><bpmn:endEvent id="s_end"/>"#,
            &flow("s1", "s_start", "inner", ""),
            &flow("s2", "inner", "s_end", ""),
            r#"</bpmn:subProcess>"#,
            r#"<bpmn:subProcess id="evt" triggeredByEvent="true"><bpmn:startEvent id="e_start"/><bpmn:userTask id="e_task"/><bpmn:endEvent id="e_end"/>"#,
            &flow("e1", "e_start", "e_task", ""),
            &flow("e2", "e_task", "e_end", ""),
            r#"</bpmn:subProcess>"#,
            &flow("f1", "start", "a", ""),
            &flow("f2", "a", "gw", ""),
            &flow("f3", "gw", "sub", ""),
            &flow("f4", "sub", "call", ""),
            &flow("f5", "call", "wait", ""),
            &flow("f6", "wait", "script", ""),
            &flow("f7", "script", "end", ""),
            &flow("f8", "late", "end", ""),
        ]
        .join("\n"),
    );
    let mut expected: Vec<usize> = ["a", "call", "wait", "sub", "inner"].iter().map(|id| node(&p, id)).collect();
    expected.sort_unstable();
    assert_eq!(movable_activities(&p), expected);
}

#[test]
fn moving_along_a_sequence_has_no_warnings() {
    let p = row(&["a", "b", "c"]);
    let (b, c) = (node(&p, "b"), node(&p, "c"));
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, _) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(check_move(&p, &s, &[0], c), Ok(vec![]));

    let (after, effects) = ok(&p, s.clone(), moved(&[0], c), 2);
    assert_eq!(history_t(&effects), ["moved:b#0", "started:c#1"]);
    assert_eq!(actions(&effects), [Effect::CancelTask { token: 0, node: b }, plain_task(1, c)]);
    assert_eq!(after.tokens, [tok(1, c, None, TokenState::WaitingTask)]);

    // Refusals name what is wrong; the command is refused the same way.
    let not_movable = "tokens can be moved only to a task, receive task, embedded sub-process, call activity or timer, message or signal catch event";
    let cases = [
        (vec![], c, refused("c", "choose at least one active activity to move")),
        (vec![9], c, RuntimeError::UnknownToken { token: 9 }),
        (vec![0], node(&p, "start"), refused("start", not_movable)),
        (vec![0], 99, refused("#99", not_movable)),
    ];
    for (tokens, to, err) in cases {
        assert_eq!(plain(check_move(&p, &s, &tokens, to)), Err(err.clone()));
        assert_eq!(plain(step(&p, s.clone(), moved(&tokens, to), 3)), Err(err));
    }
    assert_eq!(check_move(&p, &InstanceState::default(), &[0], c), Err(RuntimeError::NotStarted));
}

#[test]
fn boundary_timers_sub_process_tokens_and_joining_tokens_cannot_be_chosen() {
    let p = review_with_timers();
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        plain(check_move(&p, &s, &[1], node(&p, "review"))),
        Err(refused(
            "late",
            "token 1 does not wait in an activity; only the activities an instance is at can be moved"
        ))
    );

    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/><bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>"#,
            r#"<bpmn:task id="quick"/><bpmn:subProcess id="sub"><bpmn:startEvent id="s_start"/><bpmn:userTask id="inner"/><bpmn:endEvent id="s_end"/>"#,
            &flow("s1", "s_start", "inner", ""),
            &flow("s2", "inner", "s_end", ""),
            r#"</bpmn:subProcess>"#,
            &flow("f1", "start", "fork", ""),
            &flow("f2", "fork", "sub", ""),
            &flow("f3", "fork", "quick", ""),
            &flow("f4", "sub", "join", ""),
            &flow("f5", "quick", "join", ""),
            &flow("f6", "join", "end", ""),
        ]
        .join("\n"),
    );
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let inner = node(&p, "inner");
    assert_eq!(active_activities(&p, &s), [(2, inner)]);
    assert!(matches!(s.tokens[1].state, TokenState::Joining { .. }), "{:?}", s.tokens);
    for (token, at) in [(0, "sub"), (1, "join")] {
        let message =
            format!("token {token} does not wait in an activity; only the activities an instance is at can be moved");
        assert_eq!(plain(check_move(&p, &s, &[token], inner)), Err(refused(at, &message)));
    }
}

/// start → x → fork → a, b → join → c → end; `side` → end2 is off the parallel block.
fn parallel_block() -> Process {
    model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="x"/><bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>"#,
            r#"<bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:userTask id="c"/><bpmn:userTask id="side"/>"#,
            r#"<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>"#,
            &flow("f0", "start", "x", ""),
            &flow("f1", "x", "fork", ""),
            &flow("fa", "fork", "a", ""),
            &flow("fb", "fork", "b", ""),
            &flow("ja", "a", "join", ""),
            &flow("jb", "b", "join", ""),
            &flow("f2", "join", "c", ""),
            &flow("f3", "c", "end", ""),
            &flow("f4", "side", "end2", ""),
        ]
        .join("\n"),
    )
}

fn join_waits_for(flow: &str, from: &str) -> MoveWarning {
    MoveWarning {
        node_id: "join".into(),
        message: Text::new("run.move.join_starves")
            .with("node", "join")
            .with_text("flows", Text::new("run.move.flow_from").with("flow", flow).with("source", from)),
    }
}

#[test]
fn moving_one_parallel_branch_warns_about_the_join() {
    let p = parallel_block();
    let n = |id| node(&p, id);
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, _) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(active_activities(&p, &s), [(0, n("a")), (1, n("b"))]);

    // Past the join, or out of the block: the join would wait for `a` for ever.
    assert_eq!(check_move(&p, &s, &[0], n("c")), Ok(vec![join_waits_for("ja", "a")]));
    assert_eq!(check_move(&p, &s, &[0], n("side")), Ok(vec![join_waits_for("ja", "a")]));
    let warning = &join_waits_for("ja", "a").message;
    assert_eq!(
        warning.english(),
        "the parallel gateway `join` would wait for ever: no token can arrive by `ja` (from `a`) any more"
    );
    assert_eq!(
        warning.render(crate::text::Lang::Zh),
        "并行网关 `join` 将永远等待：再也没有令牌能经由 `ja`（来自 `a`）到达"
    );
    // Within the branch, or both branches back before the fork: fine.
    assert_eq!(check_move(&p, &s, &[0], n("a")), Ok(vec![]));
    assert_eq!(check_move(&p, &s, &[0, 1], n("x")), Ok(vec![]));

    // The administrator confirmed: the move is made anyway.
    let (s, effects) = ok(&p, s, moved(&[0], n("c")), 2);
    assert_eq!(history_t(&effects), ["moved:a#0", "started:c#2"]);
    assert_eq!(actions(&effects), [Effect::CancelTask { token: 0, node: n("a") }, plain_task(2, n("c"))]);
    let (s, effects) = ok(&p, s, complete(1, json!({})), 3);
    assert_eq!(history(&effects), ["ended:b"]);
    let jb = p.flows.iter().position(|f| f.id == "jb");
    assert_eq!(s.tokens[0].state, TokenState::Joining { flow: jb }, "b waits at the join for ever");
}

#[test]
fn moving_into_one_parallel_branch_warns_about_the_missing_sibling() {
    let p = parallel_block();
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, _) = ok(&p, s, complete(0, json!({})), 1);
    let (s, _) = ok(&p, s, complete(0, json!({})), 2);
    let (s, effects) = ok(&p, s, complete(1, json!({})), 3);
    assert_eq!(history(&effects), ["ended:b", "started:join", "ended:join", "started:c"]);
    assert_eq!(check_move(&p, &s, &[0], node(&p, "a")), Ok(vec![join_waits_for("jb", "b")]));
    assert_eq!(check_move(&p, &s, &[0], node(&p, "x")), Ok(vec![]));
}

#[test]
fn an_inclusive_join_follows_a_moved_branch() {
    let p = inclusive();
    let (s, _) = ok(&p, InstanceState::default(), start(json!({"x": 5})), 0);
    let t3 = node(&p, "t3");
    assert_eq!(check_move(&p, &s, &[0], t3), Ok(vec![]), "an inclusive join waits for what can arrive");
    let (s, effects) = ok(&p, s, moved(&[0], t3), 1);
    assert_eq!(history_t(&effects), ["moved:t1#0", "started:t3#2"]);
    let (s, effects) = ok(&p, s, complete(1, json!({})), 2);
    assert_eq!(history(&effects), ["ended:t2"], "t3 can still reach the join");
    let (s, effects) = ok(&p, s, complete(2, json!({})), 3);
    assert_eq!(history(&effects), ["ended:t3", "started:join", "ended:join", "started:end", "ended:end"]);
    assert!(s.ended);
}

/// start → before → sub { s_start → inner1 → inner2 → s_end } → after → end.
fn with_sub_process() -> Process {
    model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="before"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start"/><bpmn:userTask id="inner1"/><bpmn:userTask id="inner2"/><bpmn:endEvent id="s_end"/>"#,
            &flow("s1", "s_start", "inner1", ""),
            &flow("s2", "inner1", "inner2", ""),
            &flow("s3", "inner2", "s_end", ""),
            r#"</bpmn:subProcess>"#,
            &flow("f1", "start", "before", ""),
            &flow("f2", "before", "sub", ""),
            &flow("f3", "sub", "after", ""),
            &flow("f4", "after", "end", ""),
        ]
        .join("\n"),
    )
}

#[test]
fn moving_into_a_sub_process_starts_its_scope() {
    let p = with_sub_process();
    let n = |id| node(&p, id);
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(check_move(&p, &s, &[0], n("inner2")), Ok(vec![]));
    let (s, effects) = ok(&p, s, moved(&[0], n("inner2")), 1);
    assert_eq!(history_t(&effects), ["moved:before#0", "started:sub#1", "started:inner2#2"]);
    assert_eq!(actions(&effects), [Effect::CancelTask { token: 0, node: n("before") }, plain_task(2, n("inner2"))]);
    assert_eq!(
        s.tokens,
        [tok(1, n("sub"), None, TokenState::InSubProcess), tok(2, n("inner2"), Some(1), TokenState::WaitingTask)]
    );
    assert_eq!(active_activities(&p, &s), [(2, n("inner2"))]);

    let (_, effects) = ok(&p, s, complete(2, json!({})), 2);
    assert_eq!(
        history_t(&effects),
        ["ended:inner2#2", "started:s_end#2", "ended:s_end#2", "ended:sub#1", "started:after#1"]
    );
}

#[test]
fn moving_within_a_sub_process_keeps_it_and_moving_out_of_it_cancels_it() {
    let p = with_sub_process();
    let n = |id| node(&p, id);
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, _) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(active_activities(&p, &s), [(1, n("inner1"))]);

    let (s, effects) = ok(&p, s, moved(&[1], n("inner2")), 2);
    assert_eq!(history_t(&effects), ["moved:inner1#1", "started:inner2#2"]);
    assert_eq!(
        s.tokens,
        [tok(0, n("sub"), None, TokenState::InSubProcess), tok(2, n("inner2"), Some(0), TokenState::WaitingTask)]
    );

    // The last token inside leaves: the sub-process is cancelled (moved), not completed.
    let (s, effects) = ok(&p, s, moved(&[2], n("after")), 3);
    assert_eq!(history_t(&effects), ["moved:inner2#2", "moved:sub#0", "started:after#3"]);
    assert_eq!(actions(&effects), [Effect::CancelTask { token: 2, node: n("inner2") }, plain_task(3, n("after"))]);
    assert_eq!(s.tokens, [tok(3, n("after"), None, TokenState::WaitingTask)]);
}

/// start → a → m (one task per person, in parallel) → b → end.
fn with_multi_instance() -> Process {
    model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:userTask id="m" camunda:assignee="${person}"><bpmn:multiInstanceLoopCharacteristics camunda:collection="${people}" camunda:elementVariable="person"/></bpmn:userTask>"#,
            &flow("f1", "start", "a", ""),
            &flow("f2", "a", "m", ""),
            &flow("f3", "m", "b", ""),
            &flow("f4", "b", "end", ""),
        ]
        .join("\n"),
    )
}

#[test]
fn moving_an_instance_moves_the_whole_multi_instance_activity() {
    let p = with_multi_instance();
    let (m, b) = (node(&p, "m"), node(&p, "b"));
    let (s, _) = ok(&p, InstanceState::default(), start(json!({"people": ["x", "y", "z"]})), 0);
    let (s, _) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(active_activities(&p, &s), [(0, m)]);
    assert_eq!(check_move(&p, &s, &[2], b), Ok(vec![]));
    let (s, effects) = ok(&p, s, moved(&[2], b), 2);
    assert_eq!(history_t(&effects), ["moved:m#0", "moved:m#1", "moved:m#2", "moved:m#3", "started:b#4"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::CancelTask { token: 1, node: m },
            Effect::CancelTask { token: 2, node: m },
            Effect::CancelTask { token: 3, node: m },
            plain_task(4, b)
        ]
    );
    assert_eq!(s.tokens, [tok(4, b, None, TokenState::WaitingTask)]);
}

#[test]
fn withdrawing_after_a_parallel_split_reactivates_the_completed_task() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="a"/><bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>"#,
            r#"<bpmn:userTask id="b"/><bpmn:userTask id="c"/><bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "a", ""),
            &flow("f2", "a", "fork", ""),
            &flow("fb", "fork", "b", ""),
            &flow("fc", "fork", "c", ""),
            &flow("jb", "b", "join", ""),
            &flow("jc", "c", "join", ""),
            &flow("f3", "join", "end", ""),
        ]
        .join("\n"),
    );
    let n = |id| node(&p, id);
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(created(&effects), [(0, None), (1, None)]);
    assert_eq!(check_move(&p, &s, &[0, 1], n("a")), Ok(vec![]));

    let (s, effects) = ok(&p, s, withdrawn(&[0, 1], n("a")), 2);
    assert_eq!(history(&effects), ["withdrawn:b", "withdrawn:c", "started:a"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::CancelTask { token: 0, node: n("b") },
            Effect::CancelTask { token: 1, node: n("c") },
            plain_task(2, n("a"))
        ]
    );
    assert_eq!(s.tokens, [tok(2, n("a"), None, TokenState::WaitingTask)]);

    // Completing it again runs the split again.
    let (_, effects) = ok(&p, s, complete(2, json!({})), 3);
    assert_eq!(created(&effects), [(2, None), (3, None)]);
}

#[test]
fn withdrawing_a_multi_instance_task_cancels_every_instance() {
    let p = with_multi_instance();
    let (a, m) = (node(&p, "a"), node(&p, "m"));
    let (s, _) = ok(&p, InstanceState::default(), start(json!({"people": ["x", "y", "z"]})), 0);
    let (s, _) = ok(&p, s, complete(0, json!({})), 1);
    let (s, effects) = ok(&p, s, withdrawn(&[1, 2, 3], a), 2);
    assert_eq!(
        history_t(&effects),
        ["withdrawn:m#0", "withdrawn:m#1", "withdrawn:m#2", "withdrawn:m#3", "started:a#4"]
    );
    assert_eq!(
        actions(&effects),
        [
            Effect::CancelTask { token: 1, node: m },
            Effect::CancelTask { token: 2, node: m },
            Effect::CancelTask { token: 3, node: m },
            plain_task(4, a)
        ]
    );
    assert_eq!(s.tokens, [tok(4, a, None, TokenState::WaitingTask)]);
}

#[test]
fn moving_a_failed_token_resolves_its_incident() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="route"/><bpmn:userTask id="fix"/><bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "route", ""),
            &flow("f2", "route", "end", "${never}"),
            &flow("f3", "fix", "end", ""),
        ]
        .join("\n"),
    );
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let fix = node(&p, "fix");
    assert_eq!(active_activities(&p, &s), [(0, node(&p, "route"))]);
    let (s, effects) = ok(&p, s, moved(&[0], fix), 1);
    assert_eq!(history_t(&effects), ["moved:route#0", "started:fix#1"]);
    assert_eq!(actions(&effects), [Effect::ResolveIncident { token: 0 }, plain_task(1, fix)]);
    assert_eq!(s.tokens, [tok(1, fix, None, TokenState::WaitingTask)]);
}

/// start → before → review (an embedded sub-process run twice in parallel:
/// r_start → check → fix → r_end) → after → end.
fn with_multi_instance_sub_process() -> Process {
    model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="before"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:subProcess id="review"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"#,
            r#"<bpmn:startEvent id="r_start"/><bpmn:userTask id="check"/><bpmn:userTask id="fix"/><bpmn:endEvent id="r_end"/>"#,
            &flow("r1", "r_start", "check", ""),
            &flow("r2", "check", "fix", ""),
            &flow("r3", "fix", "r_end", ""),
            r#"</bpmn:subProcess>"#,
            &flow("f1", "start", "before", ""),
            &flow("f2", "before", "review", ""),
            &flow("f3", "review", "after", ""),
            &flow("f4", "after", "end", ""),
        ]
        .join("\n"),
    )
}

#[test]
fn moves_within_and_out_of_a_multi_instance_sub_process() {
    let p = with_multi_instance_sub_process();
    let n = |id| node(&p, id);
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        plain(check_move(&p, &s, &[0], n("fix"))),
        Err(refused(
            "review",
            "`fix` is inside this multi-instance sub-process, which has no running instance to move into"
        ))
    );

    let (s, effects) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(
        history_t(&effects),
        [
            "ended:before#0",
            "started:review#0",
            "started:review#1",
            "started:review#2",
            "started:r_start#3",
            "ended:r_start#3",
            "started:r_start#4",
            "ended:r_start#4",
            "started:check#3",
            "started:check#4"
        ]
    );
    assert_eq!(active_activities(&p, &s), [(0, n("review")), (3, n("check")), (4, n("check"))]);

    // Within an instance: the instance's scope is kept.
    let (s, effects) = ok(&p, s, moved(&[3], n("fix")), 2);
    assert_eq!(history_t(&effects), ["moved:check#3", "started:fix#5"]);
    assert_eq!(s.tokens.last(), Some(&tok(5, n("fix"), Some(1), TokenState::WaitingTask)));

    // The instance completes through its end event and reports to the body.
    let (s, effects) = ok(&p, s, complete(5, json!({})), 3);
    assert_eq!(history_t(&effects), ["ended:fix#5", "started:r_end#5", "ended:r_end#5", "ended:review#1"]);
    assert_eq!(s.tokens[0].vars.get("nrOfCompletedInstances"), Some(&json!(1)));

    // Out of the other instance: the emptied instance stands for the whole activity.
    let (s, effects) = ok(&p, s, moved(&[4], n("after")), 4);
    assert_eq!(history_t(&effects), ["moved:check#4", "moved:review#0", "moved:review#2", "started:after#6"]);
    assert_eq!(actions(&effects), [Effect::CancelTask { token: 4, node: n("check") }, plain_task(6, n("after"))]);
    assert_eq!(s.tokens, [tok(6, n("after"), None, TokenState::WaitingTask)]);
}

#[test]
fn a_sub_process_started_by_a_move_whose_timer_fails_stops_with_an_incident() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="before"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start"/><bpmn:userTask id="inner"/><bpmn:endEvent id="s_end"/>"#,
            &flow("s1", "s_start", "inner", ""),
            &flow("s2", "inner", "s_end", ""),
            r#"</bpmn:subProcess>"#,
            &format!(r#"<bpmn:boundaryEvent id="late" attachedToRef="sub">{}</bpmn:boundaryEvent>"#, timer_def("timeDate", "${limit}")),
            &flow("f1", "start", "before", ""),
            &flow("f2", "before", "sub", ""),
            &flow("f3", "sub", "end", ""),
            &flow("f4", "late", "end", ""),
        ]
        .join("\n"),
    );
    let sub = node(&p, "sub");
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (mut s, effects) = ok(&p, s, moved(&[0], node(&p, "inner")), 1);
    assert_eq!(history_t(&effects), ["moved:before#0", "started:sub#1"]);
    assert_eq!(
        actions(&effects)[1..],
        [Effect::Incident {
            token: 1,
            node: sub,
            message: "element `late`: expression `${limit}`: unknown variable `limit`".into()
        }]
    );
    assert_eq!(s.tokens, [tok(1, sub, None, TokenState::Failed)]);

    // A retry enters the sub-process as usual, from its start event.
    s.variables.insert("limit".into(), json!("2030-01-01T00:00:00Z"));
    let (_, effects) = ok(&p, s, Command::Retry { token: 1 }, 2);
    assert_eq!(history_t(&effects), ["started:s_start#3", "ended:s_start#3", "started:inner#3"]);
}
