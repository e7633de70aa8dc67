//! Errors and escalations (thrown, caught by boundary events and event sub-processes, or not
//! caught), event sub-processes started by messages, signals and timers, message starts, and
//! the variable mappings of call activities.

use serde_json::json;

use super::events::{deliver, msg, with_defs, DEFS};
use super::*;
use crate::bpmn::model::{CallSpec, CalledBinding, NodeKind, VariableMapping};

fn error_end(id: &str, error: &str) -> String {
    if error.is_empty() {
        format!(r#"<bpmn:endEvent id="{id}"><bpmn:errorEventDefinition/></bpmn:endEvent>"#)
    } else {
        format!(r#"<bpmn:endEvent id="{id}"><bpmn:errorEventDefinition errorRef="{error}"/></bpmn:endEvent>"#)
    }
}

fn error_boundary(id: &str, on: &str, error: &str) -> String {
    let def = if error.is_empty() {
        "<bpmn:errorEventDefinition/>".to_owned()
    } else {
        format!(r#"<bpmn:errorEventDefinition errorRef="{error}"/>"#)
    };
    format!(r#"<bpmn:boundaryEvent id="{id}" attachedToRef="{on}">{def}</bpmn:boundaryEvent>"#)
}

/// An embedded sub-process `sub`: s_start → work (user task) → gw, which throws `FAIL`
/// (`${fail == 'FAIL'}`), `OTHER` (`${fail == 'OTHER'}`) or ends normally; `inner` holds extra
/// elements inside it.
fn failing_sub(inner: &str, multi: &str) -> String {
    [
        &format!(r#"<bpmn:subProcess id="sub">{multi}<bpmn:startEvent id="s_start"/><bpmn:userTask id="work"/>"#),
        r#"<bpmn:exclusiveGateway id="gw" default="sf_ok"/><bpmn:endEvent id="s_end"/>"#,
        &error_end("throw_fail", "e_fail"),
        &error_end("throw_other", "e_other"),
        &flow("sf1", "s_start", "work", ""),
        &flow("sf2", "work", "gw", ""),
        &flow("sf_fail", "gw", "throw_fail", "${fail == 'FAIL'}"),
        &flow("sf_other", "gw", "throw_other", "${fail == 'OTHER'}"),
        &flow("sf_ok", "gw", "s_end", ""),
        inner,
        "</bpmn:subProcess>",
    ]
    .concat()
}

/// start → sub → after → end, with a `FAIL` boundary (→ fixed, user task) and a catch-all
/// boundary (→ broken, user task) on `sub`.
fn guarded(inner: &str, multi: &str) -> Process {
    with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>"#,
            &failing_sub(inner, multi),
            &error_boundary("on_any", "sub", ""),
            &error_boundary("on_fail", "sub", "e_fail"),
            r#"<bpmn:userTask id="fixed"/><bpmn:userTask id="broken"/>"#,
            &flow("f1", "start", "sub", ""),
            &flow("f2", "sub", "after", ""),
            &flow("f3", "after", "end", ""),
            &flow("f4", "on_fail", "fixed", ""),
            &flow("f5", "on_any", "broken", ""),
        ]
        .join("\n"),
        DEFS,
    )
}

#[test]
fn an_error_end_event_is_caught_by_the_boundary_with_its_code_before_the_catch_all() {
    let p = guarded("", "");
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(s.tokens.iter().map(|t| t.id).collect::<Vec<_>>(), [0, 1]);
    let (s, effects) = ok(&p, s, complete(1, json!({"fail": "FAIL"})), 1);
    assert_eq!(
        history_t(&effects),
        [
            "ended:work#1",
            "started:gw#1",
            "ended:gw#1",
            "started:throw_fail#1",
            "ended:throw_fail#1",
            "cancelled:sub#0",
            "started:on_fail#2",
            "ended:on_fail#2",
            "started:fixed#2"
        ]
    );
    assert_eq!(actions(&effects), [plain_task(2, node(&p, "fixed"))]);
    assert_eq!(s.tokens.len(), 1);

    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (_, effects) = ok(&p, s, complete(1, json!({"fail": "OTHER"})), 1);
    assert_eq!(history(&effects)[5..], ["cancelled:sub", "started:on_any", "ended:on_any", "started:broken"]);
}

#[test]
fn an_error_nothing_catches_is_an_incident_on_the_end_event() {
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>"#,
            &failing_sub("", ""),
            &flow("f1", "start", "sub", ""),
            &flow("f2", "sub", "after", ""),
            &flow("f3", "after", "end", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let throw = node(&p, "throw_fail");
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, complete(1, json!({"fail": "FAIL"})), 1);
    assert_eq!(history(&effects), ["ended:work", "started:gw", "ended:gw", "started:throw_fail"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::Incident {
                token: 1,
                node: throw,
                message: "error `FAIL` was thrown and nothing catches it".into()
            },
            Effect::UncaughtError { token: 1, node: throw, code: Some("FAIL".into()), message: None },
        ]
    );
    assert!(s.tokens.iter().any(|t| t.id == 1 && t.state == TokenState::Failed && t.node == throw));
    assert!(!s.ended);
}

/// An error event sub-process `handler` whose start event `h_start` catches `e_fail`, holding
/// `body` after it.
fn fail_handler(body: &[&str]) -> String {
    [
        r#"<bpmn:subProcess id="handler" triggeredByEvent="true">"#,
        r#"<bpmn:startEvent id="h_start"><bpmn:errorEventDefinition errorRef="e_fail"/></bpmn:startEvent>"#,
        &body.concat(),
        "</bpmn:subProcess>",
    ]
    .concat()
}

/// The history of `fail_handler`'s handler catching the error `throw_fail` of token 1.
const HANDLER_STARTED: [&str; 5] =
    ["started:throw_fail#1", "ended:throw_fail#1", "started:handler#2", "started:h_start#3", "ended:h_start#3"];

#[test]
fn an_error_event_sub_process_in_the_scope_catches_before_the_boundary() {
    let p = guarded(
        &fail_handler(&[
            r#"<bpmn:userTask id="repair"/><bpmn:endEvent id="h_end"/>"#,
            &flow("hf1", "h_start", "repair", ""),
            &flow("hf2", "repair", "h_end", ""),
        ]),
        "",
    );
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, complete(1, json!({"fail": "FAIL"})), 1);
    assert_eq!(history_t(&effects)[3..], [&HANDLER_STARTED[..], &["started:repair#3"]].concat());
    assert_eq!(actions(&effects), [plain_task(3, node(&p, "repair"))]);
    // The handler done, the sub-process completes normally.
    let (s, effects) = ok(&p, s, complete(3, json!({})), 2);
    assert_eq!(
        history_t(&effects),
        ["ended:repair#3", "started:h_end#3", "ended:h_end#3", "ended:handler#2", "ended:sub#0", "started:after#0"]
    );
    assert_eq!(s.tokens.len(), 1);

    // `OTHER` is not the handler's: the catch-all boundary takes it.
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (_, effects) = ok(&p, s, complete(1, json!({"fail": "OTHER"})), 1);
    assert_eq!(history(&effects)[5..], ["cancelled:sub", "started:on_any", "ended:on_any", "started:broken"]);
}

#[test]
fn an_error_event_sub_process_that_throws_its_own_error_passes_it_outwards() {
    let p = guarded(
        &fail_handler(&[
            r#"<bpmn:endEvent id="rethrow"><bpmn:errorEventDefinition errorRef="e_fail"/></bpmn:endEvent>"#,
            &flow("hf1", "h_start", "rethrow", ""),
        ]),
        "",
    );
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, complete(1, json!({"fail": "FAIL"})), 1);
    // The handler runs once; its own error goes to the boundary with the code on `sub`.
    assert_eq!(
        history_t(&effects)[3..],
        [
            &HANDLER_STARTED[..],
            &[
                "started:rethrow#3",
                "ended:rethrow#3",
                "cancelled:sub#0",
                "cancelled:handler#2",
                "started:on_fail#4",
                "ended:on_fail#4",
                "started:fixed#4"
            ][..],
        ]
        .concat()
    );
    assert_eq!(s.tokens.len(), 1);
}

#[test]
fn an_error_in_one_instance_of_a_multi_instance_sub_process_cancels_the_whole_activity() {
    let multi = r#"<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"#;
    let p = guarded("", multi);
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(created(&effects).iter().map(|c| c.0).collect::<Vec<_>>(), [3, 4]);
    let (s, effects) = ok(&p, s, complete(3, json!({"fail": "FAIL"})), 1);
    assert_eq!(
        history_t(&effects)[5..],
        [
            "cancelled:sub#0",
            "cancelled:sub#1",
            "cancelled:sub#2",
            "cancelled:work#4",
            "started:on_fail#5",
            "ended:on_fail#5",
            "started:fixed#5"
        ]
    );
    assert_eq!(s.tokens.len(), 1);
}

// ----- errors and escalations thrown at a waiting activity ------------------------------------

fn call_with(extra: &[&str]) -> Process {
    let mut parts = vec![
        r#"<bpmn:startEvent id="start"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>"#.to_owned(),
        r#"<bpmn:callActivity id="call" calledElement="billing"/>"#.to_owned(),
        flow("f1", "start", "call", ""),
        flow("f2", "call", "after", ""),
        flow("f3", "after", "end", ""),
    ];
    parts.extend(extra.iter().map(|e| (*e).to_owned()));
    with_defs(&parts.join("\n"), DEFS)
}

#[test]
fn an_error_thrown_at_a_call_activity_is_caught_by_its_boundary() {
    let p = call_with(&[
        &error_boundary("on_fail", "call", "e_fail"),
        r#"<bpmn:userTask id="fixed"/>"#,
        &flow("f4", "on_fail", "fixed", ""),
    ]);
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let cmd = Command::ThrowError { token: 0, code: "FAIL".into(), message: Some("card declined".into()) };
    let (s, effects) = ok(&p, s, cmd, 1);
    assert_eq!(history_t(&effects), ["cancelled:call#0", "started:on_fail#1", "ended:on_fail#1", "started:fixed#1"]);
    assert_eq!(
        actions(&effects),
        [Effect::CancelChild { token: 0, node: node(&p, "call") }, plain_task(1, node(&p, "fixed"))]
    );
    assert_eq!(s.tokens.len(), 1);
}

#[test]
fn an_error_or_escalation_nothing_catches_changes_nothing_and_is_passed_up() {
    let p = call_with(&[&error_boundary("on_fail", "call", "e_fail"), &flow("f4", "on_fail", "end", "")]);
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let cmd = Command::ThrowError { token: 0, code: "OTHER".into(), message: Some("no".into()) };
    let (after, effects) = ok(&p, s.clone(), cmd, 1);
    assert_eq!(after, s);
    assert_eq!(
        effects,
        [Effect::UncaughtError {
            token: 0,
            node: node(&p, "call"),
            code: Some("OTHER".into()),
            message: Some("no".into())
        }]
    );
    let (after, effects) = ok(&p, s.clone(), Command::ThrowEscalation { token: 0, code: "LATE".into() }, 1);
    assert_eq!(after, s);
    assert_eq!(effects, [Effect::UncaughtEscalation { token: 0, node: node(&p, "call"), code: Some("LATE".into()) }]);

    // Only a waiting call activity or service task can have an error thrown at it.
    let (s, _) = ok(&p, s, Command::ChildCompleted { token: 0, variables: Map::new() }, 2);
    assert_eq!(
        step(&p, s, Command::ThrowError { token: 0, code: "FAIL".into(), message: None }, 3),
        Err(RuntimeError::NotWaiting { token: 0, node_id: "after".into(), expected: "an error" })
    );
}

#[test]
fn an_escalation_thrown_at_a_call_activity_is_caught_without_interrupting() {
    let esc = r#"<bpmn:boundaryEvent id="on_late" attachedToRef="call" cancelActivity="false"><bpmn:escalationEventDefinition escalationRef="x_late"/></bpmn:boundaryEvent>"#;
    let p = call_with(&[esc, r#"<bpmn:userTask id="chase"/>"#, &flow("f4", "on_late", "chase", "")]);
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, Command::ThrowEscalation { token: 0, code: "LATE".into() }, 1);
    assert_eq!(history_t(&effects), ["started:on_late#1", "ended:on_late#1", "started:chase#1"]);
    assert_eq!(actions(&effects), [plain_task(1, node(&p, "chase"))]);
    assert!(s.tokens.iter().any(|t| t.id == 0 && t.state == TokenState::WaitingChild));
}

#[test]
fn an_escalation_end_event_in_a_sub_process_reaches_an_interrupting_escalation_event_sub_process() {
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="main"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start"/>"#,
            r#"<bpmn:endEvent id="s_esc"><bpmn:escalationEventDefinition escalationRef="x_late"/></bpmn:endEvent>"#,
            &flow("sf1", "s_start", "s_esc", ""),
            "</bpmn:subProcess>",
            r#"<bpmn:parallelGateway id="fork"/>"#,
            r#"<bpmn:subProcess id="handler" triggeredByEvent="true">"#,
            r#"<bpmn:startEvent id="h_start" isInterrupting="true"><bpmn:escalationEventDefinition escalationRef="x_late"/></bpmn:startEvent>"#,
            r#"<bpmn:endEvent id="h_end"/>"#,
            &flow("hf1", "h_start", "h_end", ""),
            "</bpmn:subProcess>",
            &flow("f1", "start", "fork", ""),
            &flow("f2", "fork", "main", ""),
            &flow("f3", "fork", "sub", ""),
            &flow("f4", "main", "end", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        history_t(&effects),
        [
            "started:start#0",
            "ended:start#0",
            "started:fork#0",
            "ended:fork#0",
            "started:main#0",
            "started:sub#1",
            "started:s_start#2",
            "ended:s_start#2",
            "started:s_esc#2",
            "ended:s_esc#2",
            "cancelled:main#0",
            "cancelled:sub#1",
            "started:handler#3",
            "started:h_start#4",
            "ended:h_start#4",
            "started:h_end#4",
            "ended:h_end#4",
            "ended:handler#3"
        ]
    );
    assert_eq!(
        actions(&effects),
        [
            plain_task(0, node(&p, "main")),
            Effect::CancelTask { token: 0, node: node(&p, "main") },
            Effect::InstanceCompleted
        ]
    );
    assert!(s.ended);
}

// ----- event sub-processes started by messages, signals and timers ------------------------------

/// start → main (user task) → end, with an event sub-process `handler` whose start event
/// `h_start` has `trigger` and `interrupting`; handler: h_start → fix (user task) → h_end.
fn with_handler(trigger: &str, interrupting: bool) -> Process {
    with_handler_around(r#"<bpmn:userTask id="main"/>"#, trigger, interrupting)
}

/// [`with_handler`] whose `main` element is given.
fn with_handler_around(main: &str, trigger: &str, interrupting: bool) -> Process {
    with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>"#,
            main,
            r#"<bpmn:subProcess id="handler" triggeredByEvent="true">"#,
            &format!(r#"<bpmn:startEvent id="h_start" isInterrupting="{interrupting}">{trigger}</bpmn:startEvent>"#),
            r#"<bpmn:userTask id="fix"/><bpmn:endEvent id="h_end"/>"#,
            &flow("hf1", "h_start", "fix", ""),
            &flow("hf2", "fix", "h_end", ""),
            "</bpmn:subProcess>",
            &flow("f1", "start", "main", ""),
            &flow("f2", "main", "end", ""),
        ]
        .join("\n"),
        DEFS,
    )
}

#[test]
fn an_interrupting_message_event_sub_process_cancels_the_process_and_runs_instead() {
    let p = with_handler(&msg("m_cancel"), true);
    let h_start = node(&p, "h_start");
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:main"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::Subscribe { token: 1, node: h_start, kind: SubscriptionKind::Message, name: "cancel".into() },
            plain_task(0, node(&p, "main")),
        ]
    );
    assert_eq!(active_activities(&p, &s), [(0, node(&p, "main"))], "a listener is not an activity");
    assert_eq!(waiting_events(&p, &s), [(1, h_start, Some(SubscriptionKind::Message))]);

    let (s, effects) = ok(&p, s, deliver(1, json!({"reason": "customer"})), 1);
    assert_eq!(
        history_t(&effects),
        ["cancelled:main#0", "started:handler#2", "started:h_start#1", "ended:h_start#1", "started:fix#1"]
    );
    assert_eq!(
        actions(&effects),
        [
            Effect::Unsubscribe { token: 1, node: h_start },
            Effect::CancelTask { token: 0, node: node(&p, "main") },
            plain_task(1, node(&p, "fix")),
        ]
    );
    assert_eq!(s.variables.get("reason"), Some(&json!("customer")));
    let (s, effects) = ok(&p, s, complete(1, json!({})), 2);
    assert_eq!(history(&effects), ["ended:fix", "started:h_end", "ended:h_end", "ended:handler"]);
    assert_eq!(actions(&effects), [Effect::InstanceCompleted]);
    assert!(s.ended);
}

#[test]
fn an_interrupting_event_sub_process_cancels_a_multi_instance_body_with_all_its_instances() {
    let main = r#"<bpmn:userTask id="main"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"#;
    let p = with_handler_around(main, &msg("m_cancel"), true);
    let (main_node, h_start) = (node(&p, "main"), node(&p, "h_start"));
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(history_t(&effects)[2..], ["started:main#0", "started:main#2", "started:main#3", "started:main#4"]);
    assert_eq!(s.tokens.len(), 5, "the body, three instances and the listener");

    let (s, effects) = ok(&p, s, deliver(1, json!({})), 1);
    assert_eq!(
        history_t(&effects),
        [
            "cancelled:main#0",
            "cancelled:main#2",
            "cancelled:main#3",
            "cancelled:main#4",
            "started:handler#5",
            "started:h_start#1",
            "ended:h_start#1",
            "started:fix#1"
        ]
    );
    assert_eq!(
        actions(&effects),
        [
            Effect::Unsubscribe { token: 1, node: h_start },
            Effect::CancelTask { token: 2, node: main_node },
            Effect::CancelTask { token: 3, node: main_node },
            Effect::CancelTask { token: 4, node: main_node },
            plain_task(1, node(&p, "fix")),
        ]
    );
    assert_eq!(active_activities(&p, &s), [(1, node(&p, "fix"))]);
}

#[test]
fn a_non_interrupting_event_sub_process_runs_beside_the_process_as_often_as_it_is_triggered() {
    let p = with_handler(&super::events::sig("s_alarm"), false);
    let h_start = node(&p, "h_start");
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, deliver(1, json!({})), 1);
    assert_eq!(history_t(&effects), ["started:handler#2", "started:h_start#3", "ended:h_start#3", "started:fix#3"]);
    let (s, effects) = ok(&p, s, deliver(1, json!({})), 2);
    assert_eq!(history_t(&effects), ["started:handler#4", "started:h_start#5", "ended:h_start#5", "started:fix#5"]);
    assert_eq!(active_activities(&p, &s).len(), 3);

    // The main flow ends; the instance waits for the handlers, the listener does not count.
    let (s, effects) = ok(&p, s, complete(0, json!({})), 3);
    assert_eq!(history(&effects), ["ended:main", "started:end", "ended:end"]);
    assert!(actions(&effects).is_empty());
    let (s, _) = ok(&p, s, complete(3, json!({})), 4);
    assert!(!s.ended);
    let (s, effects) = ok(&p, s, complete(5, json!({})), 5);
    assert_eq!(history_t(&effects), ["ended:fix#5", "started:h_end#5", "ended:h_end#5", "ended:handler#4"]);
    assert_eq!(actions(&effects), [Effect::Unsubscribe { token: 1, node: h_start }, Effect::InstanceCompleted]);
    assert!(s.ended);
}

#[test]
fn a_timer_event_sub_process_in_a_sub_process_is_armed_with_it_and_dropped_when_it_completes() {
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start"/><bpmn:userTask id="work"/><bpmn:endEvent id="s_end"/>"#,
            &flow("sf1", "s_start", "work", ""),
            &flow("sf2", "work", "s_end", ""),
            r#"<bpmn:subProcess id="remind" triggeredByEvent="true">"#,
            &format!(r#"<bpmn:startEvent id="r_start" isInterrupting="false">{}</bpmn:startEvent>"#, timer_def("timeCycle", "R/PT1H")),
            r#"<bpmn:task id="ping"/><bpmn:endEvent id="r_end"/>"#,
            &flow("rf1", "r_start", "ping", ""),
            &flow("rf2", "ping", "r_end", ""),
            "</bpmn:subProcess></bpmn:subProcess>",
            &flow("f1", "start", "sub", ""),
            &flow("f2", "sub", "after", ""),
            &flow("f3", "after", "end", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let r_start = node(&p, "r_start");
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        actions(&effects),
        [
            Effect::ScheduleTimer { token: 2, node: r_start, kind: TimerKind::Cycle, definition: "R/PT1H".into() },
            plain_task(1, node(&p, "work")),
        ]
    );
    assert_eq!(s.tokens.iter().find(|t| t.id == 2).map(|t| t.scope), Some(Some(0)));
    let (s, effects) = ok(&p, s, Command::FireTimer { token: 2 }, 1);
    assert_eq!(
        history_t(&effects),
        [
            "started:remind#3",
            "started:r_start#4",
            "ended:r_start#4",
            "started:ping#4",
            "ended:ping#4",
            "started:r_end#4",
            "ended:r_end#4",
            "ended:remind#3"
        ]
    );
    assert!(s.tokens.iter().any(|t| t.id == 2 && t.state == TokenState::WaitingTimer), "a cycle fires again");
    let (s, effects) = ok(&p, s, complete(1, json!({})), 2);
    assert_eq!(history(&effects), ["ended:work", "started:s_end", "ended:s_end", "ended:sub", "started:after"]);
    assert_eq!(actions(&effects), [Effect::CancelTimer { token: 2, node: r_start }, plain_task(0, node(&p, "after"))]);
    assert_eq!(s.tokens.len(), 1);
}

#[test]
fn an_interrupting_event_sub_process_in_a_multi_instance_sub_process_cancels_only_its_instance() {
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:subProcess id="sub"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"#,
            r#"<bpmn:startEvent id="s_start"/><bpmn:userTask id="work"/><bpmn:endEvent id="s_end"/>"#,
            &flow("sf1", "s_start", "work", ""),
            &flow("sf2", "work", "s_end", ""),
            r#"<bpmn:subProcess id="abort" triggeredByEvent="true">"#,
            &format!(r#"<bpmn:startEvent id="a_start">{}</bpmn:startEvent>"#, msg("m_cancel")),
            r#"<bpmn:endEvent id="a_end"/>"#,
            &flow("af1", "a_start", "a_end", ""),
            "</bpmn:subProcess></bpmn:subProcess>",
            &flow("f1", "start", "sub", ""),
            &flow("f2", "sub", "after", ""),
            &flow("f3", "after", "end", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    // Body 0, instances 1 and 2, each with a work token (3, 5) and a listener (4, 6).
    let subs: Vec<TokenId> = actions(&effects)
        .iter()
        .filter_map(|e| match e {
            Effect::Subscribe { token, .. } => Some(*token),
            _ => None,
        })
        .collect();
    assert_eq!(subs, [4, 6]);
    let (s, effects) = ok(&p, s, deliver(4, json!({})), 1);
    assert_eq!(
        history_t(&effects),
        [
            "cancelled:work#3",
            "started:abort#7",
            "started:a_start#4",
            "ended:a_start#4",
            "started:a_end#4",
            "ended:a_end#4",
            "ended:abort#7",
            "ended:sub#1"
        ]
    );
    assert_eq!(
        actions(&effects),
        [
            Effect::Unsubscribe { token: 4, node: node(&p, "a_start") },
            Effect::CancelTask { token: 3, node: node(&p, "work") }
        ]
    );
    let (s, effects) = ok(&p, s, complete(5, json!({})), 2);
    assert_eq!(
        history_t(&effects),
        ["ended:work#5", "started:s_end#5", "ended:s_end#5", "ended:sub#2", "ended:sub#0", "started:after#0"]
    );
    assert_eq!(actions(&effects)[0], Effect::Unsubscribe { token: 6, node: node(&p, "a_start") });
    assert_eq!(s.tokens.len(), 1);
}

// ----- message start events ----------------------------------------------------------------------

#[test]
fn an_instance_starts_at_a_message_start_event_and_start_refuses_without_a_none_start() {
    let p = with_defs(
        &[
            &format!(r#"<bpmn:startEvent id="by_msg">{}</bpmn:startEvent>"#, msg("m_reply")),
            r#"<bpmn:userTask id="task"/>"#,
            &flow("f1", "by_msg", "task", ""),
        ]
        .join("\n"),
        DEFS,
    );
    assert_eq!(
        step(&p, InstanceState::default(), start(json!({})), 0),
        Err(RuntimeError::NoStartEvent { process: "P".into() })
    );
    let cmd = Command::StartAt { start: node(&p, "by_msg"), variables: vars(json!({"x": 1})) };
    let (s, effects) = ok(&p, InstanceState::default(), cmd.clone(), 0);
    assert_eq!(history(&effects), ["started:by_msg", "ended:by_msg", "started:task"]);
    assert_eq!(s.variables.get("x"), Some(&json!(1)));
    assert_eq!(step(&p, s, cmd, 1), Err(RuntimeError::AlreadyStarted));
    assert_eq!(
        plain(step(
            &p,
            InstanceState::default(),
            Command::StartAt { start: node(&p, "task"), variables: Map::new() },
            0
        )),
        Err(RuntimeError::InvalidModel {
            node_id: "task".into(),
            message: "an instance can be started only at a start event at process level".into()
        })
    );
}

// ----- call activity mappings --------------------------------------------------------------------

fn mapping(source: &str, expression: &str, target: &str, local: bool) -> VariableMapping {
    let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    VariableMapping { source: text(source), source_expression: text(expression), target: text(target), local }
}

#[test]
fn call_activity_mappings_pass_only_the_mapped_variables_both_ways() {
    let mut p = call_with(&[]);
    let call = node(&p, "call");
    let spec = CallSpec {
        binding: CalledBinding::Version,
        version: Some("${v}".into()),
        version_tag: None,
        business_key: Some("order-${id}".into()),
        inputs: vec![
            mapping("id", "", "orderId", false),
            mapping("", "${amount * 2}", "doubled", false),
            mapping("gone", "", "", false),
        ],
        outputs: vec![
            mapping("result", "", "outcome", false),
            mapping("", "${result}-x", "tagged", false),
            mapping("tmp", "", "", true),
        ],
        inputs_all: false,
        outputs_all: false,
    };
    if let Some(NodeKind::CallActivity { call, .. }) = p.nodes.get_mut(call).map(|n| &mut n.kind) {
        **call = spec;
    }
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"id": 7, "amount": 4, "v": 3, "secret": 1})), 0);
    assert_eq!(
        actions(&effects),
        [Effect::StartChild {
            token: 0,
            node: call,
            called_element: "billing".into(),
            binding: CalledBinding::Version,
            version: Some("3".into()),
            version_tag: None,
            business_key: Some("order-7".into()),
            variables: vars(json!({"orderId": 7, "doubled": 8, "gone": null})),
        }]
    );
    let back = vars(json!({"result": "ok", "tmp": 1, "noise": 2}));
    let (s, effects) = ok(&p, s, Command::ChildCompleted { token: 0, variables: back }, 1);
    assert_eq!(history(&effects), ["ended:call", "started:after"]);
    assert_eq!(
        s.variables,
        vars(json!({"id": 7, "amount": 4, "v": 3, "secret": 1, "outcome": "ok", "tagged": "ok-x"}))
    );
}

#[test]
fn call_activity_mappings_with_all_pass_everything_as_well() {
    let mut p = call_with(&[]);
    let call = node(&p, "call");
    if let Some(NodeKind::CallActivity { call, .. }) = p.nodes.get_mut(call).map(|n| &mut n.kind) {
        call.inputs = vec![mapping("a", "", "b", false)];
        call.inputs_all = true;
        call.outputs = vec![mapping("c", "", "d", false)];
        call.outputs_all = true;
    }
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"a": 1})), 0);
    assert!(
        matches!(&actions(&effects)[0], Effect::StartChild { variables, .. } if *variables == vars(json!({"a": 1, "b": 1})))
    );
    let (s, _) = ok(&p, s, Command::ChildCompleted { token: 0, variables: vars(json!({"c": 2})) }, 1);
    assert_eq!(s.variables, vars(json!({"a": 1, "c": 2, "d": 2})));
}

// ----- more interactions ---------------------------------------------------------------------------

#[test]
fn an_escalation_caught_by_a_non_interrupting_boundary_lets_the_thrower_go_on() {
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start"/><bpmn:userTask id="work"/>"#,
            r#"<bpmn:intermediateThrowEvent id="raise"><bpmn:escalationEventDefinition escalationRef="x_late"/></bpmn:intermediateThrowEvent>"#,
            &flow("sf1", "s_start", "raise", ""),
            &flow("sf2", "raise", "work", ""),
            "</bpmn:subProcess>",
            r#"<bpmn:boundaryEvent id="on_late" attachedToRef="sub" cancelActivity="false"><bpmn:escalationEventDefinition/></bpmn:boundaryEvent>"#,
            r#"<bpmn:userTask id="chase"/>"#,
            &flow("f1", "start", "sub", ""),
            &flow("f2", "sub", "after", ""),
            &flow("f3", "after", "end", ""),
            &flow("f4", "on_late", "chase", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        history_t(&effects),
        [
            "started:start#0",
            "ended:start#0",
            "started:sub#0",
            "started:s_start#1",
            "ended:s_start#1",
            "started:raise#1",
            "ended:raise#1",
            "started:on_late#2",
            "ended:on_late#2",
            "started:chase#2",
            "started:work#1"
        ]
    );
    assert_eq!(actions(&effects), [plain_task(2, node(&p, "chase")), plain_task(1, node(&p, "work"))]);
    assert_eq!(s.tokens.len(), 3);
}

#[test]
fn an_error_thrown_at_a_service_task_is_caught_by_a_catch_all_boundary() {
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:serviceTask id="svc" camunda:type="external" camunda:topic="pay"/>"#,
            r#"<bpmn:endEvent id="end"/><bpmn:userTask id="fixed"/>"#,
            &error_boundary("on_any", "svc", ""),
            &format!(
                r#"<bpmn:boundaryEvent id="late" attachedToRef="svc">{}</bpmn:boundaryEvent>"#,
                timer_def("timeDuration", "PT1H")
            ),
            &flow("f1", "start", "svc", ""),
            &flow("f2", "svc", "end", ""),
            &flow("f3", "on_any", "fixed", ""),
            &flow("f4", "late", "end", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let (svc, late) = (node(&p, "svc"), node(&p, "late"));
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        actions(&effects),
        [
            Effect::CallService { token: 0, node: svc },
            Effect::ScheduleTimer { token: 1, node: late, kind: TimerKind::Duration, definition: "PT1H".into() },
        ]
    );
    let (s, effects) = ok(&p, s, Command::ThrowError { token: 0, code: "HTTP_500".into(), message: None }, 1);
    assert_eq!(history_t(&effects), ["cancelled:svc#0", "started:on_any#2", "ended:on_any#2", "started:fixed#2"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::CancelServiceCall { token: 0, node: svc },
            Effect::CancelTimer { token: 1, node: late },
            plain_task(2, node(&p, "fixed")),
        ]
    );
    assert_eq!(s.tokens.len(), 1);
}

#[test]
fn a_listener_that_cannot_subscribe_is_an_incident_and_does_not_keep_the_process_alive() {
    let p = with_handler(&msg("m_paid"), true);
    let h_start = node(&p, "h_start");
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        actions(&effects),
        [
            Effect::Incident {
                token: 1,
                node: h_start,
                message: "element `h_start`: expression `${orderId}-paid`: unknown variable `orderId`".into()
            },
            plain_task(0, node(&p, "main")),
        ]
    );
    assert_eq!(history(&effects), ["started:h_start", "started:start", "ended:start", "started:main"]);
    let mut fixed = s.clone();
    fixed.variables.insert("orderId".into(), json!("A"));
    let (fixed, effects) = ok(&p, fixed, Command::Retry { token: 1 }, 1);
    assert_eq!(
        actions(&effects),
        [
            Effect::ResolveIncident { token: 1 },
            Effect::Subscribe { token: 1, node: h_start, kind: SubscriptionKind::Message, name: "A-paid".into() }
        ]
    );
    assert_eq!(fixed.tokens.iter().find(|t| t.id == 1).map(|t| t.state), Some(TokenState::WaitingMessage));

    // Without a retry, the main flow ending completes the instance and drops the listener.
    let (s, effects) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(history(&effects), ["ended:main", "started:end", "ended:end"]);
    assert_eq!(actions(&effects), [Effect::ResolveIncident { token: 1 }, Effect::InstanceCompleted]);
    assert!(s.ended);
}

#[test]
fn moving_into_a_receive_task_subscribes_it() {
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="first"/><bpmn:receiveTask id="recv" messageRef="m_reply"/>"#,
            r#"<bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "first", ""),
            &flow("f2", "first", "recv", ""),
            &flow("f3", "recv", "end", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let recv = node(&p, "recv");
    assert!(movable_activities(&p).contains(&recv));
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, Command::Move { tokens: vec![0], to: recv, reason: EndReason::Moved }, 1);
    assert_eq!(history_t(&effects), ["moved:first#0", "started:recv#1"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::CancelTask { token: 0, node: node(&p, "first") },
            Effect::Subscribe { token: 1, node: recv, kind: SubscriptionKind::Message, name: "reply".into() }
        ]
    );
    assert_eq!(active_activities(&p, &s), [(1, recv)]);
    let (s, effects) = ok(&p, s, deliver(1, json!({})), 2);
    assert_eq!(history(&effects), ["ended:recv", "started:end", "ended:end"]);
    assert!(s.ended);
}

#[test]
fn an_escalation_end_event_nothing_catches_ends_its_token_and_is_reported() {
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/>"#,
            r#"<bpmn:endEvent id="up"><bpmn:escalationEventDefinition escalationRef="x_late"/></bpmn:endEvent>"#,
            &flow("f1", "start", "up", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:up", "ended:up"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::UncaughtEscalation { token: 0, node: node(&p, "up"), code: Some("LATE".into()) },
            Effect::InstanceCompleted
        ]
    );
    assert!(s.ended);
}

#[test]
fn an_error_end_event_at_process_level_starts_the_error_event_sub_process_with_the_code() {
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/><bpmn:userTask id="wait"/>"#,
            &error_end("boom", "e_other"),
            r#"<bpmn:subProcess id="all" triggeredByEvent="true"><bpmn:startEvent id="all_start"><bpmn:errorEventDefinition/></bpmn:startEvent><bpmn:endEvent id="all_end"/>"#,
            &flow("af", "all_start", "all_end", ""),
            "</bpmn:subProcess>",
            r#"<bpmn:subProcess id="other" triggeredByEvent="true"><bpmn:startEvent id="o_start"><bpmn:errorEventDefinition errorRef="e_other"/></bpmn:startEvent><bpmn:userTask id="o_task"/>"#,
            &flow("of", "o_start", "o_task", ""),
            "</bpmn:subProcess>",
            &flow("f1", "start", "fork", ""),
            &flow("f2", "fork", "wait", ""),
            &flow("f3", "fork", "boom", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        history_t(&effects)[4..],
        [
            "started:wait#0",
            "started:boom#1",
            "ended:boom#1",
            "cancelled:wait#0",
            "started:other#2",
            "started:o_start#3",
            "ended:o_start#3",
            "started:o_task#3"
        ]
    );
    assert_eq!(
        actions(&effects),
        [
            plain_task(0, node(&p, "wait")),
            Effect::CancelTask { token: 0, node: node(&p, "wait") },
            plain_task(3, node(&p, "o_task"))
        ]
    );
    assert_eq!(s.tokens.len(), 2);
}
