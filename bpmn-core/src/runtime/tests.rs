//! Scenario tests of the token machine: small inline BPMN files, driven command by command,
//! asserting the exact sequence of history events and effects.

use serde_json::{json, Map, Value};

use super::*;
use crate::bpmn::model::Process;
use crate::bpmn::parse::{parse, ParseOptions};
use crate::text::Text;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs" targetNamespace="http://example.com/t">
<bpmn:process id="P" isExecutable="true">
"#;

/// The process of a file whose `<process id="P">` holds `body`.
fn model(body: &str) -> Process {
    let xml = format!("{HEAD}{body}\n</bpmn:process>\n</bpmn:definitions>\n");
    let mut def = parse(xml.as_bytes(), &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    def.processes.remove(0)
}

/// A sequence flow, with a condition when `cond` is not empty.
fn flow(id: &str, from: &str, to: &str, cond: &str) -> String {
    if cond.is_empty() {
        format!(r#"<bpmn:sequenceFlow id="{id}" sourceRef="{from}" targetRef="{to}"/>"#)
    } else {
        format!(
            r#"<bpmn:sequenceFlow id="{id}" sourceRef="{from}" targetRef="{to}"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{cond}</bpmn:conditionExpression></bpmn:sequenceFlow>"#
        )
    }
}

fn vars(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Runs one command that must succeed.
fn ok(p: &Process, state: InstanceState, cmd: Command, now: i64) -> (InstanceState, Vec<Effect>) {
    let (state, effects) = step(p, state, cmd, now).unwrap_or_else(|e| panic!("{e}"));
    (state, effects.into_iter().map(english_incident).collect())
}

/// A refusal's sentence (of a model or script error) as its English, as the tests write it.
fn plain<T>(r: Result<T, RuntimeError>) -> Result<T, RuntimeError> {
    r.map_err(|e| match e {
        RuntimeError::InvalidModel { node_id, message } => {
            RuntimeError::InvalidModel { node_id, message: Text::verbatim(message.english()) }
        }
        RuntimeError::Script { node_id, message } => {
            RuntimeError::Script { node_id, message: Text::verbatim(message.english()) }
        }
        other => other,
    })
}

/// An incident's sentence as its English without the full stop (what the tests compare), also
/// rendered in Chinese so that every incident a test raises has its catalog entries.
fn english_incident(e: Effect) -> Effect {
    match e {
        Effect::Incident { token, node, message } => {
            let zh = message.render(crate::text::Lang::Zh);
            assert!(!zh.contains("run."), "untranslated incident: {zh}");
            let en = message.english();
            Effect::Incident { token, node, message: Text::verbatim(en.trim_end_matches('.')) }
        }
        other => other,
    }
}

/// The history of `effects` as `started:id` / `ended:id` / `cancelled:id`.
fn history(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::History(h) => Some(format!("{:?}:{}", h.kind, h.node_id).to_lowercase()),
            _ => None,
        })
        .collect()
}

/// The effects other than history.
fn actions(effects: &[Effect]) -> Vec<Effect> {
    effects.iter().filter(|e| !matches!(e, Effect::History(_))).cloned().collect()
}

/// The history of `effects` as `started:id#token`, to tell the tokens on one node apart.
fn history_t(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::History(h) => Some(format!("{:?}:{}#{}", h.kind, h.node_id, h.token).to_lowercase()),
            _ => None,
        })
        .collect()
}

/// A token without local variables or attachment.
fn tok(id: TokenId, node: usize, scope: Option<TokenId>, state: TokenState) -> Token {
    Token { id, node, scope, state, attached_to: None, vars: Map::new() }
}

/// The user tasks `effects` create, as (token, assignee).
fn created(effects: &[Effect]) -> Vec<(TokenId, Option<String>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::CreateTask { token, assignee, .. } => Some((*token, assignee.clone())),
            _ => None,
        })
        .collect()
}

/// A `CreateTask` without assignment.
fn plain_task(token: TokenId, node: usize) -> Effect {
    Effect::CreateTask { token, node, assignee: None, candidate_users: vec![], candidate_groups: vec![], due: None }
}

/// A timer definition element of the given kind (`timeDuration`, `timeDate`, `timeCycle`).
fn timer_def(kind: &str, text: &str) -> String {
    format!("<bpmn:timerEventDefinition><bpmn:{kind}>{text}</bpmn:{kind}></bpmn:timerEventDefinition>")
}

/// start → `activity` (whose id is `id`) → after (user task) → end, plus `extra` elements.
fn around(id: &str, activity: &str, extra: &[&str]) -> Process {
    let mut parts = vec![
        r#"<bpmn:startEvent id="start"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>"#.to_owned(),
        activity.to_owned(),
        flow("f1", "start", id, ""),
        flow("f2", id, "after", ""),
        flow("f3", "after", "end", ""),
    ];
    parts.extend(extra.iter().map(|e| (*e).to_owned()));
    model(&parts.join("\n"))
}

fn node(p: &Process, id: &str) -> usize {
    p.node_index(id).unwrap_or_else(|| panic!("no node {id}"))
}

fn start(vars_json: Value) -> Command {
    Command::Start { variables: vars(vars_json) }
}

fn complete(token: TokenId, vars_json: Value) -> Command {
    Command::CompleteTask { token, variables: vars(vars_json) }
}

// ----- expense approval: user task, exclusive gateway with a condition and a default flow ------

fn expense() -> Process {
    model(
        &[
            r#"<bpmn:startEvent id="start"/>"#,
            r#"<bpmn:userTask id="approve" camunda:assignee="${initiator}" camunda:candidateGroups="managers"/>"#,
            r#"<bpmn:exclusiveGateway id="big" default="f_small"/>"#,
            r#"<bpmn:userTask id="second" camunda:candidateUsers="${approvers}, dora" camunda:dueDate="P2D"/>"#,
            r#"<bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "approve", ""),
            &flow("f2", "approve", "big", ""),
            &flow("f_big", "big", "second", " ${amount > 1000} "),
            &flow("f_small", "big", "end", ""),
            &flow("f3", "second", "end", ""),
        ]
        .join("\n"),
    )
}

#[test]
fn expense_small_amount_takes_the_default_flow() {
    let p = expense();
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"initiator": "alice", "amount": 500})), 10);
    let at = |kind, token, id: &str| {
        Effect::History(HistoryEvent { kind, token, node: node(&p, id), node_id: id.to_owned(), at: 10 })
    };
    assert_eq!(
        effects,
        vec![
            at(HistoryKind::Started, 0, "start"),
            at(HistoryKind::Ended, 0, "start"),
            at(HistoryKind::Started, 0, "approve"),
            Effect::CreateTask {
                token: 0,
                node: node(&p, "approve"),
                assignee: Some("alice".into()),
                candidate_users: vec![],
                candidate_groups: vec!["managers".into()],
                due: None,
            },
        ]
    );
    assert_eq!(
        s.tokens,
        vec![Token {
            id: 0,
            node: node(&p, "approve"),
            scope: None,
            state: TokenState::WaitingTask,
            attached_to: None,
            vars: Map::new(),
        }]
    );

    let (s, effects) = ok(&p, s, complete(0, json!({"approved": true})), 20);
    assert_eq!(history(&effects), ["ended:approve", "started:big", "ended:big", "started:end", "ended:end"]);
    assert_eq!(actions(&effects), [Effect::InstanceCompleted]);
    assert!(s.ended && s.tokens.is_empty());
    assert_eq!(s.variables.get("approved"), Some(&json!(true)));
    assert!(effects.iter().all(|e| !matches!(e, Effect::History(h) if h.at != 20)), "history is stamped with now");

    assert_eq!(step(&p, s, complete(0, json!({})), 30), Err(RuntimeError::InstanceEnded));
}

#[test]
fn expense_large_amount_needs_a_second_approval() {
    let p = expense();
    let v = json!({"initiator": "bob", "amount": 5000, "approvers": ["carl", "erin"]});
    let (s, _) = ok(&p, InstanceState::default(), start(v), 1);
    let (s, effects) = ok(&p, s, complete(0, json!({})), 2);
    assert_eq!(history(&effects), ["ended:approve", "started:big", "ended:big", "started:second"]);
    assert_eq!(
        actions(&effects),
        [Effect::CreateTask {
            token: 0,
            node: node(&p, "second"),
            assignee: None,
            candidate_users: vec!["carl".into(), "erin".into(), "dora".into()],
            candidate_groups: vec![],
            due: Some("P2D".into()),
        }]
    );
    let (s, effects) = ok(&p, s, complete(0, json!({})), 3);
    assert_eq!(history(&effects), ["ended:second", "started:end", "ended:end"]);
    assert_eq!(actions(&effects), [Effect::InstanceCompleted]);
    assert!(s.ended);
}

#[test]
fn no_matching_condition_is_an_incident_naming_the_gateway() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="route"/>"#,
            r#"<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>"#,
            &flow("f1", "start", "route", ""),
            &flow("fa", "route", "a", "${kind == 'a'}"),
            &flow("fb", "route", "b", "${kind == 'b'}"),
        ]
        .join("\n"),
    );
    let route = node(&p, "route");
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"kind": "c"})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:route"]);
    let message = RuntimeError::NoMatchingFlow { gateway: "route".into() }.to_string();
    assert_eq!(message, "element `route`: no outgoing flow's condition is true and there is no default flow");
    assert_eq!(actions(&effects), [Effect::Incident { token: 0, node: route, message: message.into() }]);
    assert_eq!(s.tokens, [tok(0, route, None, TokenState::Failed)]);
    assert!(!s.ended);

    // A condition that cannot be evaluated names the element and the variable.
    let (_, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: route,
            message: "element `route`: expression `${kind == 'a'}`: unknown variable `kind`".into()
        }]
    );

    let (_, effects) = ok(&p, InstanceState::default(), start(json!({"kind": "b"})), 0);
    assert_eq!(
        history(&effects),
        ["started:start", "ended:start", "started:route", "ended:route", "started:b", "ended:b"]
    );
}

// ----- gateways ----------------------------------------------------------------------------------

#[test]
fn parallel_fork_and_join() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>"#,
            r#"<bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:task id="c"/><bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "fork", ""),
            &flow("fa", "fork", "a", ""),
            &flow("fb", "fork", "b", ""),
            &flow("fc", "fork", "c", ""),
            &flow("ja", "a", "join", ""),
            &flow("jb", "b", "join", ""),
            &flow("jc", "c", "join", ""),
            &flow("f2", "join", "end", ""),
        ]
        .join("\n"),
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        history(&effects),
        [
            "started:start",
            "ended:start",
            "started:fork",
            "ended:fork",
            "started:a",
            "started:b",
            "started:c",
            "ended:c"
        ]
    );
    let created: Vec<TokenId> = actions(&effects)
        .iter()
        .filter_map(|e| match e {
            Effect::CreateTask { token, .. } => Some(*token),
            _ => None,
        })
        .collect();
    assert_eq!(created, [0, 1]);
    // Token 2 (from c) waits at the join.
    assert!(s.tokens.iter().any(|t| t.id == 2 && matches!(t.state, TokenState::Joining { .. })));

    let (s, effects) = ok(&p, s, complete(1, json!({})), 1);
    assert_eq!(history(&effects), ["ended:b"], "the join still waits for a");
    assert!(actions(&effects).is_empty());

    let (s, effects) = ok(&p, s, complete(0, json!({})), 2);
    assert_eq!(history(&effects), ["ended:a", "started:join", "ended:join", "started:end", "ended:end"]);
    assert_eq!(actions(&effects), [Effect::InstanceCompleted]);
    assert!(s.ended && s.tokens.is_empty());
}

fn inclusive() -> Process {
    model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:inclusiveGateway id="fork" default="fd"/>"#,
            r#"<bpmn:inclusiveGateway id="join"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:userTask id="t1"/><bpmn:userTask id="t2"/><bpmn:userTask id="t3"/><bpmn:userTask id="td"/>"#,
            &flow("f1", "start", "fork", ""),
            &flow("f_t1", "fork", "t1", "${x > 1}"),
            &flow("f_t2", "fork", "t2", "${x > 2}"),
            &flow("f_t3", "fork", "t3", "${x > 100}"),
            &flow("fd", "fork", "td", ""),
            &flow("j1", "t1", "join", ""),
            &flow("j2", "t2", "join", ""),
            &flow("j3", "t3", "join", ""),
            &flow("jd", "td", "join", ""),
            &flow("f2", "join", "end", ""),
        ]
        .join("\n"),
    )
}

#[test]
fn inclusive_fork_on_true_conditions_and_join_of_started_branches() {
    let p = inclusive();
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"x": 5})), 0);
    assert_eq!(
        history(&effects),
        ["started:start", "ended:start", "started:fork", "ended:fork", "started:t1", "started:t2"]
    );

    let (s, effects) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(history(&effects), ["ended:t1"], "t2 can still reach the join");

    let (s, effects) = ok(&p, s, complete(1, json!({})), 2);
    assert_eq!(history(&effects), ["ended:t2", "started:join", "ended:join", "started:end", "ended:end"]);
    assert_eq!(actions(&effects), [Effect::InstanceCompleted]);
    assert!(s.ended);
}

#[test]
fn inclusive_fork_takes_the_default_flow_when_nothing_holds() {
    let p = inclusive();
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"x": 0})), 0);
    assert_eq!(history(&effects).last().map(String::as_str), Some("started:td"));
    let (s, effects) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(history(&effects), ["ended:td", "started:join", "ended:join", "started:end", "ended:end"]);
    assert!(s.ended);
}

// ----- sub-process, timer, service task ---------------------------------------------------------

#[test]
fn embedded_sub_process_is_a_scope() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:manualTask id="after"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:subProcess id="sub">"#,
            r#"  <bpmn:startEvent id="s_start"/><bpmn:userTask id="inner"/><bpmn:endEvent id="s_end"/>"#,
            &flow("s1", "s_start", "inner", ""),
            &flow("s2", "inner", "s_end", ""),
            r#"</bpmn:subProcess>"#,
            &flow("f1", "start", "sub", ""),
            &flow("f2", "sub", "after", ""),
            &flow("f3", "after", "end", ""),
        ]
        .join("\n"),
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        history(&effects),
        ["started:start", "ended:start", "started:sub", "started:s_start", "ended:s_start", "started:inner"]
    );
    let sub = node(&p, "sub");
    let inner = node(&p, "inner");
    assert_eq!(
        s.tokens,
        [
            Token {
                id: 0,
                node: sub,
                scope: None,
                state: TokenState::InSubProcess,
                attached_to: None,
                vars: Map::new()
            },
            Token {
                id: 1,
                node: inner,
                scope: Some(0),
                state: TokenState::WaitingTask,
                attached_to: None,
                vars: Map::new()
            },
        ]
    );
    let (s, effects) = ok(&p, s, complete(1, json!({})), 1);
    assert_eq!(
        history(&effects),
        [
            "ended:inner",
            "started:s_end",
            "ended:s_end",
            "ended:sub",
            "started:after",
            "ended:after",
            "started:end",
            "ended:end"
        ]
    );
    assert_eq!(actions(&effects), [Effect::InstanceCompleted]);
    assert!(s.ended);
}

#[test]
fn timer_catch_and_service_call_wait_for_their_answers() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:serviceTask id="call" camunda:type="http"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>${delay}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"#,
            &flow("f1", "start", "wait", ""),
            &flow("f2", "wait", "call", ""),
            &flow("f3", "call", "end", ""),
        ]
        .join("\n"),
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"delay": "PT1H"})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:wait"]);
    let wait = node(&p, "wait");
    assert_eq!(
        actions(&effects),
        [Effect::ScheduleTimer { token: 0, node: wait, kind: TimerKind::Duration, definition: "PT1H".into() }]
    );

    // The wrong command for what the token waits for is refused, and nothing changes.
    let err = step(&p, s.clone(), complete(0, json!({})), 1).expect_err("a timer is not a task");
    assert_eq!(err, RuntimeError::NotWaiting { token: 0, node_id: "wait".into(), expected: "a task to complete" });
    assert_eq!(step(&p, s.clone(), Command::FireTimer { token: 9 }, 1), Err(RuntimeError::UnknownToken { token: 9 }));
    assert_eq!(step(&p, s.clone(), start(json!({})), 1), Err(RuntimeError::AlreadyStarted));

    let (s, effects) = ok(&p, s, Command::FireTimer { token: 0 }, 3_600_000);
    assert_eq!(history(&effects), ["ended:wait", "started:call"]);
    assert_eq!(actions(&effects), [Effect::CallService { token: 0, node: node(&p, "call") }]);

    let (s, effects) = ok(&p, s, complete(0, json!({"status": 200})), 3_600_001);
    assert_eq!(history(&effects), ["ended:call", "started:end", "ended:end"]);
    assert_eq!(actions(&effects), [Effect::InstanceCompleted]);
    assert_eq!(s.variables.get("status"), Some(&json!(200)));
}

// ----- terminate end events ---------------------------------------------------------------------

#[test]
fn terminate_end_cancels_the_other_branch() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>"#,
            r#"<bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:endEvent id="kill"><bpmn:terminateEventDefinition/></bpmn:endEvent>"#,
            &flow("f1", "start", "fork", ""),
            &flow("fa", "fork", "a", ""),
            &flow("fb", "fork", "b", ""),
            &flow("f2", "a", "end", ""),
            &flow("f3", "b", "kill", ""),
        ]
        .join("\n"),
    );
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, complete(1, json!({})), 1);
    assert_eq!(history(&effects), ["ended:b", "started:kill", "ended:kill", "cancelled:a"]);
    assert_eq!(actions(&effects), [Effect::CancelTask { token: 0, node: node(&p, "a") }, Effect::InstanceCompleted]);
    assert!(s.ended && s.tokens.is_empty());
}

#[test]
fn terminate_inside_a_sub_process_ends_only_the_sub_process() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>"#,
            r#"<bpmn:subProcess id="sub">"#,
            r#"  <bpmn:startEvent id="s_start"/><bpmn:parallelGateway id="fork"/>"#,
            r#"  <bpmn:userTask id="a"/><bpmn:task id="b"/><bpmn:endEvent id="s_kill"><bpmn:terminateEventDefinition/></bpmn:endEvent>"#,
            &flow("s1", "s_start", "fork", ""),
            &flow("sa", "fork", "a", ""),
            &flow("sb", "fork", "b", ""),
            &flow("sk", "b", "s_kill", ""),
            r#"</bpmn:subProcess>"#,
            r#"<bpmn:userTask id="after"/>"#,
            &flow("f1", "start", "sub", ""),
            &flow("f2", "sub", "after", ""),
            &flow("f3", "after", "end", ""),
        ]
        .join("\n"),
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        history(&effects),
        [
            "started:start",
            "ended:start",
            "started:sub",
            "started:s_start",
            "ended:s_start",
            "started:fork",
            "ended:fork",
            "started:a",
            "started:b",
            "ended:b",
            "started:s_kill",
            "ended:s_kill",
            "cancelled:a",
            "ended:sub",
            "started:after",
        ]
    );
    let a = node(&p, "a");
    let after = node(&p, "after");
    assert_eq!(
        actions(&effects),
        [
            Effect::CreateTask {
                token: 1,
                node: a,
                assignee: None,
                candidate_users: vec![],
                candidate_groups: vec![],
                due: None
            },
            Effect::CancelTask { token: 1, node: a },
            Effect::CreateTask {
                token: 0,
                node: after,
                assignee: None,
                candidate_users: vec![],
                candidate_groups: vec![],
                due: None
            },
        ]
    );
    assert!(!s.ended);
    assert_eq!(
        s.tokens,
        [Token {
            id: 0,
            node: after,
            scope: None,
            state: TokenState::WaitingTask,
            attached_to: None,
            vars: Map::new()
        }]
    );
}

// ----- refusals -----------------------------------------------------------------------------------

#[test]
fn unsupported_elements_are_incidents_and_loops_are_errors() {
    let p = model(
        &[r#"<bpmn:startEvent id="start"/><bpmn:businessRuleTask id="rule"/>"#, &flow("f1", "start", "rule", "")]
            .join("\n"),
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let script = node(&p, "rule");
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:rule"]);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: script,
            message: "element `rule` (businessRuleTask) cannot be executed yet".into()
        }]
    );
    assert_eq!(s.tokens, [tok(0, script, None, TokenState::Failed)]);

    let p = model(&[r#"<bpmn:endEvent id="end"/>"#].join("\n"));
    assert_eq!(
        step(&p, InstanceState::default(), start(json!({})), 0),
        Err(RuntimeError::NoStartEvent { process: "P".into() })
    );
    assert_eq!(step(&p, InstanceState::default(), complete(0, json!({})), 0), Err(RuntimeError::NotStarted));

    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:task id="a"/><bpmn:task id="b"/>"#,
            &flow("f1", "start", "a", ""),
            &flow("f2", "a", "b", ""),
            &flow("f3", "b", "a", ""),
        ]
        .join("\n"),
    );
    assert_eq!(step(&p, InstanceState::default(), start(json!({})), 0), Err(RuntimeError::StepLimit));
}

#[test]
fn state_round_trips_through_json() {
    let p = expense();
    let (s, _) = ok(&p, InstanceState::default(), start(json!({"initiator": "a", "amount": 1})), 0);
    let text = serde_json::to_string(&s).unwrap_or_else(|e| panic!("{e}"));
    let back: InstanceState = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, s);
}

// ----- timer boundary events ----------------------------------------------------------------------

fn review_with_timers() -> Process {
    let timer = |d: &str| timer_def("timeDuration", d);
    model(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="review"/><bpmn:endEvent id="end"/>"#,
            &format!(r#"<bpmn:boundaryEvent id="late" attachedToRef="review">{}</bpmn:boundaryEvent>"#, timer("PT1H")),
            &format!(
                r#"<bpmn:boundaryEvent id="remind" attachedToRef="review" cancelActivity="false">{}</bpmn:boundaryEvent>"#,
                timer("PT10M")
            ),
            r#"<bpmn:userTask id="escalate"/><bpmn:task id="notify"/><bpmn:endEvent id="end2"/><bpmn:endEvent id="end3"/>"#,
            &flow("f1", "start", "review", ""),
            &flow("f2", "review", "end", ""),
            &flow("f3", "late", "escalate", ""),
            &flow("f4", "escalate", "end2", ""),
            &flow("f5", "remind", "notify", ""),
            &flow("f6", "notify", "end3", ""),
        ]
        .join("\n"),
    )
}

#[test]
fn boundary_timers_are_scheduled_with_the_activity_and_cancelled_when_it_ends() {
    let p = review_with_timers();
    let (late, remind) = (node(&p, "late"), node(&p, "remind"));
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:review"]);
    assert_eq!(
        actions(&effects)[1..],
        [
            Effect::ScheduleTimer { token: 1, node: late, kind: TimerKind::Duration, definition: "PT1H".into() },
            Effect::ScheduleTimer { token: 2, node: remind, kind: TimerKind::Duration, definition: "PT10M".into() },
        ]
    );

    // The reminder fires without interrupting the review.
    let (s, effects) = ok(&p, s, Command::FireTimer { token: 2 }, 1);
    assert_eq!(
        history(&effects),
        ["started:remind", "ended:remind", "started:notify", "ended:notify", "started:end3", "ended:end3"]
    );
    assert!(actions(&effects).is_empty(), "the review still runs: {effects:?}");
    assert!(s.tokens.iter().all(|t| t.id != 2), "a duration fires once");

    let (s, effects) = ok(&p, s, complete(0, json!({})), 2);
    assert_eq!(history(&effects), ["ended:review", "started:end", "ended:end"]);
    assert_eq!(actions(&effects), [Effect::CancelTimer { token: 1, node: late }, Effect::InstanceCompleted]);
    assert!(s.ended);
}

#[test]
fn interrupting_boundary_timer_cancels_the_activity() {
    let p = review_with_timers();
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, Command::FireTimer { token: 1 }, 1);
    assert_eq!(history(&effects), ["cancelled:review", "started:late", "ended:late", "started:escalate"]);
    let actions = actions(&effects);
    assert_eq!(
        actions[..2],
        [
            Effect::CancelTask { token: 0, node: node(&p, "review") },
            Effect::CancelTimer { token: 2, node: node(&p, "remind") },
        ]
    );
    assert!(matches!(actions[2], Effect::CreateTask { token: 1, .. }), "{actions:?}");
    assert_eq!(actions.len(), 3);
    assert_eq!(s.tokens.len(), 1);
    assert_eq!(step(&p, s, complete(0, json!({})), 2), Err(RuntimeError::UnknownToken { token: 0 }));
}

mod calls;
mod continuations;
mod errors;
mod events;
mod expressions;
mod incidents;
mod moves;
mod multi;
mod scripts;
