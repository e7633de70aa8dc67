//! Expressions as real models write them (Camunda 7 Modeler, Flowable UI, ruoyi-vue-pro's
//! designer), evaluated as the runtime evaluates them; and the deploy check that refuses a
//! file whose expressions do not parse, naming the element, the attribute and the position.

use bpmn_core::bpmn::parse::{check_executable, parse, ParseOptions, Unsupported};
use bpmn_core::runtime::expr::{self, ExprError};
use serde_json::{json, Map, Value};

fn vars(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Each condition with the variables it runs on and the branch decision expected.
#[test]
fn conditions_from_real_models() {
    let cases: &[(&str, Value, bool)] = &[
        // Camunda Modeler (invoice example, leave requests).
        ("${approved}", json!({"approved": true}), true),
        ("${!approved}", json!({"approved": true}), false),
        ("${amount > 1000 && department == 'sales'}", json!({"amount": 1500, "department": "sales"}), true),
        ("${execution.getVariable('amount') > 1000}", json!({"amount": "2000"}), true),
        ("${execution.getVariable('amount') > 1000}", json!({}), false),
        ("${execution.hasVariable('vip') && vip}", json!({}), false),
        ("#{leaveDays >= 3}", json!({"leaveDays": 3}), true),
        ("${not empty approvers}", json!({"approvers": ["a"]}), true),
        ("${nrOfCompletedInstances / nrOfInstances >= 0.6}", json!({"nrOfCompletedInstances": 2, "nrOfInstances": 3}), true),
        ("${decision.toLowerCase() == 'approve'}", json!({"decision": "APPROVE"}), true),
        ("${category.equals('IT') || category.startsWith('Tech')}", json!({"category": "Technology"}), true),
        ("${reviewers.contains(initiator)}", json!({"reviewers": ["ann", "bob"], "initiator": "bob"}), true),
        ("${order.items.size() > 2}", json!({"order": {"items": [1, 2, 3]}}), true),
        ("${order['total'] >= 100.5}", json!({"order": {"total": "100.50"}}), true),
        // Flowable UI.
        ("${var:equals(approve, true)}", json!({"approve": true}), true),
        ("${var:equals(approve, true)}", json!({"approve": "true"}), true),
        ("${variables:getOrDefault('days', 0) > 3}", json!({}), false),
        ("${variables:getOrDefault('days', 0) > 3}", json!({"days": 4}), true),
        ("${vars:containsAny(roles, 'hr', 'admin')}", json!({"roles": ["user", "hr"]}), true),
        ("${var:isNotEmpty(comment) and var:lte(score, 60)}", json!({"comment": "redo", "score": 55}), true),
        ("${variables:exists(rejectReason)}", json!({}), false),
        // ruoyi-vue-pro's simple designer: `vars:getOrDefault(x, null) op var:convertByType(x, v)`.
        (
            "${( vars:getOrDefault(day, null) > var:convertByType(day,3)  &&  vars:getOrDefault(reason, null) == var:convertByType(reason,\"sick\") )}",
            json!({"day": 5, "reason": "sick"}),
            true,
        ),
        (
            "${( vars:getOrDefault(day, null) > var:convertByType(day,3) ) || ( vars:getOrDefault(amount, null) >= var:convertByType(amount,10000) )}",
            json!({"day": "2", "amount": "12000"}),
            true,
        ),
        ("${ vars:getOrDefault(day, null) > var:convertByType(day,3) }", json!({}), false),
        ("${PROCESS_STATUS == 2}", json!({"PROCESS_STATUS": "2"}), true),
    ];
    for (text, v, want) in cases {
        assert_eq!(expr::check(text), Ok(()), "{text}");
        assert_eq!(expr::evaluate_bool(text, &vars(v.clone())), Ok(*want), "{text} with {v}");
    }
}

/// A process on line 8 whose `body` starts on line 9.
fn problems(body: &str) -> Vec<Unsupported> {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:flowable="http://flowable.org/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs" targetNamespace="http://example.com/t">
<message id="M" name="${{orderId"/>
<process id="P" isExecutable="true">
{body}
</process>
</definitions>
"#
    );
    let def = parse(xml.as_bytes(), &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    check_executable(&def, &def.processes[0])
}

fn cond_flow(id: &str, from: &str, to: &str, cond: &str) -> String {
    format!(
        r#"<sequenceFlow id="{id}" sourceRef="{from}" targetRef="{to}"><conditionExpression xsi:type="tFormalExpression">{cond}</conditionExpression></sequenceFlow>"#
    )
}

#[test]
fn deploy_refuses_expressions_that_do_not_parse() {
    let body = [
        r#"<startEvent id="start"/>"#.to_owned(),
        r#"<exclusiveGateway id="gw" default="f_ok"/>"#.to_owned(),
        r#"<userTask id="review" camunda:assignee="${var:nope(x)}" camunda:candidateGroups="managers, ${dept"/>"#
            .to_owned(),
        r#"<serviceTask id="notify" camunda:type="external" camunda:topic="notify"><extensionElements><camunda:inputOutput><camunda:inputParameter name="to">${execution.getEngine()}</camunda:inputParameter></camunda:inputOutput></extensionElements></serviceTask>"#.to_owned(),
        r#"<receiveTask id="wait" messageRef="M"/>"#.to_owned(),
        r#"<endEvent id="end"/>"#.to_owned(),
        r#"<sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>"#.to_owned(),
        cond_flow("f_bad", "gw", "review", "${amount &gt;}"),
        r#"<sequenceFlow id="f_ok" sourceRef="gw" targetRef="notify"/>"#.to_owned(),
        r#"<sequenceFlow id="f2" sourceRef="review" targetRef="wait"/>"#.to_owned(),
        r#"<sequenceFlow id="f3" sourceRef="notify" targetRef="wait"/>"#.to_owned(),
        r#"<sequenceFlow id="f4" sourceRef="wait" targetRef="end"/>"#.to_owned(),
    ]
    .join("\n");
    let found: Vec<(String, String, u32)> =
        problems(&body).into_iter().map(|u| (u.element_id, u.element_type, u.line)).collect();
    assert_eq!(
        found,
        [
            ("f_bad".to_owned(), "sequenceFlow".to_owned(), 16),
            ("review".to_owned(), "userTask".to_owned(), 11),
            ("review".to_owned(), "userTask".to_owned(), 11),
            ("notify".to_owned(), "serviceTask".to_owned(), 12),
            ("wait".to_owned(), "receiveTask".to_owned(), 13),
        ]
    );
    let reasons: Vec<String> = problems(&body).into_iter().map(|u| u.reason).collect();
    let expect = [
        "conditionExpression holds an expression that cannot be evaluated: expression `${amount >}`: syntax error at character 10",
        "assignee holds an expression that cannot be evaluated: expression `${var:nope(x)}`: unknown variable function `var:nope`",
        "candidateGroups holds an expression that cannot be evaluated: expression `${dept`: syntax error at character 0: the expression is not closed",
        "inputParameter \"to\" holds an expression that cannot be evaluated: expression `${execution.getEngine()}`: unknown execution method `getEngine`",
        "messageRef name holds an expression that cannot be evaluated: expression `${orderId`",
    ];
    for (reason, start) in reasons.iter().zip(expect) {
        assert!(reason.starts_with(start), "{reason}\n  does not start with\n{start}");
        assert!(reason.ends_with("correct it in the model and deploy again"), "{reason}");
    }
}

#[test]
fn deploy_accepts_expressions_it_can_run_and_beans_it_cannot_know() {
    let body = [
        r#"<startEvent id="start"/>"#.to_owned(),
        r#"<userTask id="review" camunda:assignee="${execution.processBusinessKey}" camunda:dueDate="${dateTime().plusDays(2).toDate()}"/>"#.to_owned(),
        r#"<serviceTask id="archive" camunda:type="external" camunda:topic="archive"><extensionElements><camunda:field name="text"><camunda:expression>${genderBean.getGenderString(gender)}</camunda:expression></camunda:field></extensionElements></serviceTask>"#.to_owned(),
        r#"<endEvent id="end"/>"#.to_owned(),
        cond_flow("f1", "start", "review", "${var:equals(approve, true) ? true : execution.getVariable('force')}"),
        r#"<sequenceFlow id="f2" sourceRef="review" targetRef="archive"/>"#.to_owned(),
        r#"<sequenceFlow id="f3" sourceRef="archive" targetRef="end"/>"#.to_owned(),
    ]
    .join("\n");
    let found: Vec<String> = problems(&body).into_iter().map(|u| u.reason).collect();
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn unknown_names_are_refused_when_evaluated_too() {
    let e = expr::evaluate("${now.frob()}", &vars(json!({"now": "x"}))).expect_err("unknown method");
    assert!(matches!(e, ExprError::UnknownFunction { .. }), "{e:?}");
    assert!(e.to_string().contains("unknown method `frob`"), "{e}");
}
