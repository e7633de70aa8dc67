//! Call activities: the child process is started with the visible variables, its result is
//! merged back, and cancelling the call activity cancels the child.

use serde_json::json;

use super::*;
use crate::bpmn::model::CalledBinding;

/// start → `call` → after (user task) → end, plus `extra` elements.
fn calling(call: &str, extra: &[&str]) -> Process {
    around("call", call, extra)
}

fn child_completed(token: TokenId, v: Value) -> Command {
    Command::ChildCompleted { token, variables: vars(v) }
}

#[test]
fn a_call_activity_starts_the_child_and_resumes_when_it_completes() {
    let p = calling(r#"<bpmn:callActivity id="call" calledElement="${region}-billing"/>"#, &[]);
    let (call, after) = (node(&p, "call"), node(&p, "after"));
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"region": "eu", "amount": 5})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:call"]);
    assert_eq!(
        actions(&effects),
        [Effect::StartChild {
            token: 0,
            node: call,
            called_element: "eu-billing".into(),
            binding: CalledBinding::Latest,
            version: None,
            version_tag: None,
            business_key: None,
            variables: vars(json!({"region": "eu", "amount": 5}))
        }]
    );
    assert_eq!(s.tokens, [tok(0, call, None, TokenState::WaitingChild)]);
    assert_eq!(active_activities(&p, &s), [(0, call)]);

    assert_eq!(
        step(&p, s.clone(), complete(0, json!({})), 1),
        Err(RuntimeError::NotWaiting { token: 0, node_id: "call".into(), expected: "a task to complete" })
    );

    let (s, effects) = ok(&p, s, child_completed(0, json!({"paid": true})), 2);
    assert_eq!(history(&effects), ["ended:call", "started:after"]);
    assert_eq!(actions(&effects), [plain_task(0, after)]);
    assert_eq!(s.variables.get("paid"), Some(&json!(true)));

    assert_eq!(
        step(&p, s, child_completed(0, json!({})), 3),
        Err(RuntimeError::NotWaiting { token: 0, node_id: "after".into(), expected: "a called process to complete" })
    );
}

#[test]
fn an_interrupting_timer_cancels_the_child() {
    let late = format!(
        r#"<bpmn:boundaryEvent id="late" attachedToRef="call">{}</bpmn:boundaryEvent>"#,
        timer_def("timeDuration", "P1D")
    );
    let p =
        calling(r#"<bpmn:callActivity id="call" calledElement="billing"/>"#, &[&late, &flow("f4", "late", "end", "")]);
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert!(matches!(
        actions(&effects)[..],
        [Effect::StartChild { token: 0, .. }, Effect::ScheduleTimer { token: 1, .. }]
    ));
    let (s, effects) = ok(&p, s, Command::FireTimer { token: 1 }, 1);
    assert_eq!(history(&effects), ["cancelled:call", "started:late", "ended:late", "started:end", "ended:end"]);
    assert_eq!(
        actions(&effects),
        [Effect::CancelChild { token: 0, node: node(&p, "call") }, Effect::InstanceCompleted]
    );
    assert!(s.ended);
}

#[test]
fn a_multi_instance_call_activity_starts_one_child_per_element() {
    let call = r#"<bpmn:callActivity id="call" calledElement="billing"><bpmn:multiInstanceLoopCharacteristics camunda:collection="orders" camunda:elementVariable="order"/></bpmn:callActivity>"#;
    let p = calling(call, &[]);
    let call = node(&p, "call");
    let v = json!({"orders": [{"id": 1}, {"id": 2}], "region": "eu"});
    let (s, effects) = ok(&p, InstanceState::default(), start(v.clone()), 0);
    assert_eq!(history_t(&effects)[2..], ["started:call#0", "started:call#1", "started:call#2"]);
    let child = |token: TokenId, index: u64, order: Value| {
        let mut variables = vars(v.clone());
        variables.extend(vars(json!({
            "nrOfInstances": 2, "nrOfCompletedInstances": 0, "nrOfActiveInstances": 2,
            "loopCounter": index, "order": order
        })));
        Effect::StartChild {
            token,
            node: call,
            called_element: "billing".into(),
            binding: CalledBinding::Latest,
            version: None,
            version_tag: None,
            business_key: None,
            variables,
        }
    };
    assert_eq!(actions(&effects), [child(1, 0, json!({"id": 1})), child(2, 1, json!({"id": 2}))]);

    let (s, effects) = ok(&p, s, child_completed(2, json!({"total": 7})), 1);
    assert_eq!(history_t(&effects), ["ended:call#2"]);
    let (s, effects) = ok(&p, s, child_completed(1, json!({"total": 3})), 2);
    assert_eq!(history_t(&effects), ["ended:call#1", "ended:call#0", "started:after#0"]);
    assert_eq!(s.variables.get("total"), Some(&json!(3)));
}

#[test]
fn a_called_element_that_cannot_be_resolved_is_an_incident() {
    let p = calling(r#"<bpmn:callActivity id="call" calledElement="${target}"/>"#, &[]);
    let call = node(&p, "call");
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: call,
            message: "element `call`: expression `${target}`: unknown variable `target`".into()
        }]
    );
    let (_, effects) = ok(&p, s, Command::Retry { token: 0 }, 1);
    assert!(matches!(actions(&effects)[..], [Effect::ResolveIncident { token: 0 }, Effect::Incident { token: 0, .. }]));

    let (_, effects) = ok(&p, InstanceState::default(), start(json!({"target": null})), 0);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: call,
            message: "element `call`: the called element `${target}` is empty".into()
        }]
    );
}
