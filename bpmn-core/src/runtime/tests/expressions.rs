//! Expressions in running processes: `execution.…` facts from the step's [`Env`], Flowable's
//! `var:` functions and JUEL coercion choosing gateway branches, `now()` in a due date.

use serde_json::json;

use super::*;
use crate::runtime::env::Env;

/// start → route (exclusive gateway, default "normal") → vip | normal (user tasks) → end, the
/// flow to `vip` guarded by `condition`; the gateway's other outgoing flows come from `extra`.
fn routed(condition: &str) -> Process {
    model(
        &[
            r#"<bpmn:startEvent id="start"/>"#,
            r#"<bpmn:exclusiveGateway id="route" default="f_normal"/>"#,
            r#"<bpmn:userTask id="vip" camunda:assignee="${execution.processBusinessKey}"/>"#,
            r#"<bpmn:userTask id="normal"/>"#,
            r#"<bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "route", ""),
            &flow("f_vip", "route", "vip", condition),
            &flow("f_normal", "route", "normal", ""),
            &flow("f2", "vip", "end", ""),
            &flow("f3", "normal", "end", ""),
        ]
        .join("\n"),
    )
}

/// The user task the instance waits in after starting with `variables` and `env`.
fn waits_in(p: &Process, variables: Value, env: &Env<'_>) -> (String, Vec<Effect>) {
    let (s, effects) =
        step_with(p, InstanceState::default(), start(variables), 1_000, env).unwrap_or_else(|e| panic!("{e}"));
    let node = s.tokens.first().map(|t| p.nodes[t.node].id.clone()).unwrap_or_default();
    (node, effects)
}

#[test]
fn the_business_key_chooses_the_branch_and_names_the_assignee() {
    let p = routed("${execution.processBusinessKey.startsWith('VIP')}");
    let env = Env { instance_id: "pi-42", business_key: Some("VIP-7"), definition_id: "P:1", ..Env::default() };
    let (at, effects) = waits_in(&p, json!({}), &env);
    assert_eq!(at, "vip");
    assert_eq!(created(&effects), [(0, Some("VIP-7".to_owned()))]);

    let env = Env { business_key: Some("ORD-7"), ..env };
    assert_eq!(waits_in(&p, json!({}), &env).0, "normal");

    // Without a business key the property is null and calling a method on it is an error
    // that names the expression (the token stops with an incident, as for any bad condition).
    let (_, effects) = waits_in(&p, json!({}), &Env::default());
    let incident = actions(&effects).into_iter().find_map(|e| match e {
        Effect::Incident { message, .. } => Some(message.english()),
        _ => None,
    });
    assert!(incident.as_deref().is_some_and(|m| m.contains("startsWith") && m.contains("null")), "{incident:?}");
}

#[test]
fn a_flowable_variable_function_chooses_the_branch() {
    let p = routed("${var:equals(approve, true) &amp;&amp; variables:getOrDefault('days', 0) &gt; 3}");
    let env = Env::default();
    assert_eq!(waits_in(&p, json!({"approve": true, "days": 5}), &env).0, "vip");
    assert_eq!(waits_in(&p, json!({"approve": true, "days": 2}), &env).0, "normal");
    assert_eq!(waits_in(&p, json!({"approve": true}), &env).0, "normal");
    assert_eq!(waits_in(&p, json!({"approve": "true", "days": "9"}), &env).0, "vip");
    assert_eq!(waits_in(&p, json!({"approve": false, "days": 9}), &env).0, "normal");
}

#[test]
fn a_string_amount_compares_as_a_number() {
    let p = routed("${execution.getVariable('amount') > 1000}");
    assert_eq!(waits_in(&p, json!({"amount": "5000"}), &Env::default()).0, "vip");
    assert_eq!(waits_in(&p, json!({"amount": 999}), &Env::default()).0, "normal");
    assert_eq!(waits_in(&p, json!({"amount": null}), &Env::default()).0, "normal");
}

#[test]
fn now_and_the_current_activity_are_the_steps() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/>"#,
            r#"<bpmn:userTask id="review" camunda:assignee="${execution.currentActivityId}-${execution.processInstanceId}" camunda:dueDate="${dateTime().plusDays(2)}"/>"#,
            r#"<bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "review", ""),
            &flow("f2", "review", "end", ""),
        ]
        .join("\n"),
    );
    let env = Env { instance_id: "pi-1", business_key: None, definition_id: "P:1", ..Env::default() };
    let (_, effects) =
        step_with(&p, InstanceState::default(), start(json!({})), 0, &env).unwrap_or_else(|e| panic!("{e}"));
    let task = actions(&effects);
    let Some(Effect::CreateTask { assignee, due, .. }) = task.first() else { panic!("{task:?}") };
    assert_eq!(assignee.as_deref(), Some("review-pi-1"));
    assert_eq!(due.as_deref(), Some("1970-01-03T00:00:00.000Z"));
}
