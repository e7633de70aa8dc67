//! Messages, signals, errors and escalations end to end on SQLite and PostgreSQL: waiting
//! subscriptions as stored and listed, correlation (business key, correlation keys,
//! ambiguity, suspended instances, two deliveries at once), message and signal start events,
//! a message racing a timer on an event-based gateway, signals across definitions, and errors
//! thrown through two levels of call activity, with the exact history.

use std::sync::Arc;

use crate::common::{flow, history, sys, HEAD};
use engine::db_test;
use engine::error::ConflictReason;
use engine::events::{MessageCorrelation, SubscriptionKind, SubscriptionQuery};
use engine::instances::{InstanceStatus, StartRequest, TaskState};
use engine::jobs::{
    CallFuture, Executor, ExecutorConfig, JobKind, JobQuery, JobState, ServiceCaller, ServiceRequest, ServiceResponse,
};
use engine::testing::TestDb;
use engine::{Engine, EngineError};
use serde_json::{json, Map, Value};

/// Deploys `<process id=key>` holding `body`, with `defs` (messages, signals, errors) beside it.
async fn deploy(e: &Engine, key: &str, defs: &str, body: &str) {
    e.ensure_default_tenant().await.unwrap();
    let xml = format!(
        r#"{HEAD}{defs}<process id="{key}" name="{key} process" isExecutable="true">{body}</process></definitions>"#
    );
    let report = e
        .deploy(&sys(), "default", None, vec![(format!("{key}.bpmn"), xml.into_bytes())], &Default::default())
        .await
        .unwrap();
    assert!(report.all_ok(), "{report:?}");
    assert!(report.files[0].definitions.iter().all(|d| d.startable), "{report:?}");
}

fn vars(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

async fn start(e: &Engine, key: &str, bk: &str, v: Value) -> String {
    let req = StartRequest { business_key: Some(bk.into()), variables: vars(v), ..Default::default() };
    e.start_instance(&sys(), key, None, req).await.unwrap().id
}

fn message(name: &str) -> MessageCorrelation {
    MessageCorrelation { name: name.into(), ..Default::default() }
}

async fn active_task_ids(e: &Engine, id: &str) -> Vec<String> {
    let d = e.instance(&sys(), id).await.unwrap();
    d.tasks.iter().filter(|t| t.state == TaskState::Active).map(|t| t.activity_id.clone()).collect()
}

/// The subscriptions of an instance as `kind:name@activity`.
async fn waiting(e: &Engine, id: &str) -> Vec<String> {
    e.instance_subscriptions(&sys(), id)
        .await
        .unwrap()
        .iter()
        .map(|s| format!("{}:{}@{}", s.kind.as_str(), s.name, s.activity_id))
        .collect()
}

const PAID: &str = r#"<message id="m_paid" name="Paid"/>"#;

/// start → wait for `Paid` → ship (user task) → end.
fn catch_process() -> String {
    [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<intermediateCatchEvent id="waitPaid" name="Wait for payment"><messageEventDefinition messageRef="m_paid"/></intermediateCatchEvent>"#.into(),
        r#"<userTask id="ship" name="Ship"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "waitPaid"),
        flow("f2", "waitPaid", "ship"),
        flow("f3", "ship", "end"),
    ]
    .concat()
}

async fn message_catch(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "order", PAID, &catch_process()).await;
    let a = start(e, "order", "A", json!({"orderId": 1})).await;
    let b = start(e, "order", "B", json!({"orderId": 2})).await;
    assert_eq!(waiting(e, &a).await, ["message:Paid@waitPaid"]);
    assert_eq!(history(e, &b).await, ["start:completed", "waitPaid:-"]);
    let q = SubscriptionQuery { name: Some("paid".into()), ..Default::default() };
    let listed = e.event_subscriptions(&sys(), &q).await.unwrap();
    assert_eq!(listed.items.len(), 2);
    let s = &listed.items[0];
    assert_eq!(
        (s.kind, s.name.as_str(), s.instance_id.as_deref(), s.activity_name.as_str(), s.business_key.as_deref()),
        (SubscriptionKind::Message, "Paid", Some(a.as_str()), "Wait for payment", Some("A"))
    );

    // By business key: only B moves on, with the message's variables.
    let m = MessageCorrelation {
        business_key: Some("B".into()),
        variables: vars(json!({"amount": 30})),
        ..message("Paid")
    };
    let got = e.correlate_message(&sys(), m.clone()).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].instance_id.as_str(), got[0].started), (b.as_str(), false));
    assert_eq!(history(e, &b).await, ["start:completed", "waitPaid:completed", "ship:-"]);
    assert_eq!(e.instance(&sys(), &b).await.unwrap().variables["amount"], json!(30));
    assert!(waiting(e, &b).await.is_empty());
    assert_eq!(history(e, &a).await, ["start:completed", "waitPaid:-"]);
    // Consumed: the same message again finds nothing, and says what to check.
    let err = e.correlate_message(&sys(), m).await.unwrap_err();
    assert_eq!(err.status(), 404);
    assert!(err.to_string().contains("Nothing waits for message 'Paid' with business key 'B'"), "{err}");

    // By correlation keys (instance variables).
    let c = start(e, "order", "C", json!({"orderId": 3})).await;
    let m = MessageCorrelation { correlation_keys: vars(json!({"orderId": 3})), ..message("Paid") };
    let got = e.correlate_message(&sys(), m).await.unwrap();
    assert_eq!(got[0].instance_id, c);
    assert_eq!(history(e, &c).await, ["start:completed", "waitPaid:completed", "ship:-"]);

    // Ambiguous: two wait (A and D) and `all` is not set.
    let d = start(e, "order", "D", json!({})).await;
    let err = e.correlate_message(&sys(), message("Paid")).await.unwrap_err();
    assert_eq!(err.conflict_reason(), Some(ConflictReason::Ambiguous), "{err}");
    assert!(err.to_string().contains("2 instances wait for message 'Paid'"), "{err}");
    assert_eq!(history(e, &a).await, ["start:completed", "waitPaid:-"]);
    let got = e.correlate_message(&sys(), MessageCorrelation { all: true, ..message("Paid") }).await.unwrap();
    let mut ids: Vec<&str> = got.iter().map(|c| c.instance_id.as_str()).collect();
    ids.sort();
    let mut want = [a.as_str(), d.as_str()];
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(active_task_ids(e, &a).await, ["ship"]);
    assert_eq!(active_task_ids(e, &d).await, ["ship"]);
    let left = e.event_subscriptions(&sys(), &SubscriptionQuery::default()).await.unwrap();
    assert!(left.items.is_empty(), "{:?}", left.items);
}
db_test!(a_message_reaches_the_instance_of_its_business_key, message_catch);

async fn receive_task(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<receiveTask id="reply" name="Reply" messageRef="m_reply"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "reply"),
        flow("f2", "reply", "end"),
    ]
    .concat();
    deploy(e, "ask", r#"<message id="m_reply" name="Reply"/>"#, &body).await;
    let id = start(e, "ask", "Q1", json!({})).await;
    assert_eq!(waiting(e, &id).await, ["message:Reply@reply"]);
    let m = MessageCorrelation { instance_id: Some(id.clone()), ..message("Reply") };
    e.correlate_message(&sys(), m).await.unwrap();
    assert_eq!(history(e, &id).await, ["start:completed", "reply:completed", "end:completed"]);
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().state, InstanceStatus::Completed);
    assert!(waiting(e, &id).await.is_empty());
}
db_test!(a_receive_task_waits_for_its_message, receive_task);

fn boundary_process(interrupting: bool) -> String {
    [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<userTask id="work" name="Work"/>"#.into(),
        format!(
            r#"<boundaryEvent id="cancelMsg" attachedToRef="work" cancelActivity="{interrupting}"><messageEventDefinition messageRef="m_cancel"/></boundaryEvent>"#
        ),
        r#"<userTask id="cleanup" name="Clean up"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        r#"<endEvent id="end2"/>"#.into(),
        flow("f1", "start", "work"),
        flow("f2", "work", "end"),
        flow("f3", "cancelMsg", "cleanup"),
        flow("f4", "cleanup", "end2"),
    ]
    .concat()
}

async fn boundary_messages(db: &TestDb) {
    let e = &db.engine;
    let cancel = r#"<message id="m_cancel" name="Cancel"/>"#;
    deploy(e, "hard", cancel, &boundary_process(true)).await;
    deploy(e, "soft", cancel, &boundary_process(false)).await;
    let hard = start(e, "hard", "H", json!({})).await;
    let soft = start(e, "soft", "S", json!({})).await;
    assert_eq!(waiting(e, &hard).await, ["message:Cancel@cancelMsg"]);

    // Interrupting: the task is cancelled, the boundary path runs.
    let m = MessageCorrelation { business_key: Some("H".into()), ..message("Cancel") };
    e.correlate_message(&sys(), m).await.unwrap();
    assert_eq!(active_task_ids(e, &hard).await, ["cleanup"]);
    assert_eq!(history(e, &hard).await, ["start:completed", "work:cancelled", "cancelMsg:completed", "cleanup:-"]);
    assert!(waiting(e, &hard).await.is_empty());

    // Non-interrupting: the task stays, the boundary path runs beside it, and it still waits.
    let m = MessageCorrelation { business_key: Some("S".into()), ..message("Cancel") };
    e.correlate_message(&sys(), m).await.unwrap();
    let mut tasks = active_task_ids(e, &soft).await;
    tasks.sort();
    assert_eq!(tasks, ["cleanup", "work"]);
    assert_eq!(waiting(e, &soft).await, ["message:Cancel@cancelMsg"]);
    // Completing the task removes the boundary's subscription.
    let d = e.instance(&sys(), &soft).await.unwrap();
    let work = d.tasks.iter().find(|t| t.activity_id == "work" && t.state == TaskState::Active).unwrap();
    e.complete_task(&sys(), &work.id, Map::new()).await.unwrap();
    assert!(waiting(e, &soft).await.is_empty());
    assert_eq!(
        history(e, &soft).await,
        ["start:completed", "work:completed", "cancelMsg:completed", "cleanup:-", "end:completed"]
    );
}
db_test!(boundary_messages_interrupt_or_run_beside, boundary_messages);

/// A service caller that is never called.
struct NoCalls;

impl ServiceCaller for NoCalls {
    fn call(&self, _: ServiceRequest) -> CallFuture<'_> {
        Box::pin(async { Ok(ServiceResponse::new(500, "unexpected")) })
    }
}

fn executor(e: &Engine) -> Executor {
    let config = ExecutorConfig { id: "x".into(), lease_ms: 60_000, max_concurrent: 4, ..Default::default() };
    Executor::new(e.clone(), Arc::new(NoCalls), config)
}

async fn gateway_race(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<eventBasedGateway id="gw"/>"#.into(),
        r#"<intermediateCatchEvent id="go"><messageEventDefinition messageRef="m_go"/></intermediateCatchEvent>"#.into(),
        r#"<intermediateCatchEvent id="late"><timerEventDefinition><timeDuration>PT1M</timeDuration></timerEventDefinition></intermediateCatchEvent>"#.into(),
        r#"<userTask id="onMessage"/>"#.into(),
        r#"<userTask id="onTimer"/>"#.into(),
        flow("f1", "start", "gw"),
        flow("f2", "gw", "go"),
        flow("f3", "gw", "late"),
        flow("f4", "go", "onMessage"),
        flow("f5", "late", "onTimer"),
    ]
    .concat();
    deploy(e, "race", r#"<message id="m_go" name="Go"/>"#, &body).await;
    let x = executor(e);
    // The message first: the timer goes.
    let first = start(e, "race", "R0", json!({})).await;
    e.correlate_message(&sys(), MessageCorrelation { business_key: Some("R0".into()), ..message("Go") }).await.unwrap();
    assert_eq!(active_task_ids(e, &first).await, ["onMessage"]);
    assert!(e.instance(&sys(), &first).await.unwrap().jobs.is_empty());
    assert!(waiting(e, &first).await.is_empty());
    // Then races of a due timer against the message: exactly one branch each time.
    let mut winners = Vec::new();
    for n in 1..=6 {
        let bk = format!("R{n}");
        let id = start(e, "race", &bk, json!({})).await;
        e.clock().advance(60_000);
        let m = MessageCorrelation { business_key: Some(bk), ..message("Go") };
        let who = sys();
        // Every third time the timer is let in first; otherwise both at once.
        let (fired, delivered) = if n % 3 == 0 {
            let fired = x.run_once().await;
            (fired, e.correlate_message(&who, m).await)
        } else {
            tokio::join!(x.run_once(), e.correlate_message(&who, m))
        };
        let tasks = active_task_ids(e, &id).await;
        assert_eq!(tasks.len(), 1, "{tasks:?} fired {fired} delivered {delivered:?}");
        let h = history(e, &id).await;
        match delivered {
            Ok(_) => {
                assert_eq!(h, ["start:completed", "gw:completed", "go:completed", "onMessage:-"]);
                winners.push("message");
            }
            Err(err) => {
                assert_eq!(err.status(), 404, "{err}");
                assert_eq!(h, ["start:completed", "gw:completed", "late:completed", "onTimer:-"]);
                winners.push("timer");
            }
        }
        assert!(waiting(e, &id).await.is_empty());
        assert!(e.instance(&sys(), &id).await.unwrap().jobs.is_empty());
    }
    assert!(winners.contains(&"message") && winners.contains(&"timer"), "{winners:?}");
}
db_test!(a_message_racing_a_timer_takes_exactly_one_branch, gateway_race);

async fn signals(db: &TestDb) {
    let e = &db.engine;
    let alarm = r#"<signal id="s_alarm" name="Alarm"/>"#;
    let catch = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<intermediateCatchEvent id="hear"><signalEventDefinition signalRef="s_alarm"/></intermediateCatchEvent>"#
            .into(),
        r#"<userTask id="react"/>"#.into(),
        flow("f1", "start", "hear"),
        flow("f2", "hear", "react"),
    ]
    .concat();
    let boundary = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<userTask id="work"/>"#.into(),
        r#"<boundaryEvent id="stop" attachedToRef="work"><signalEventDefinition signalRef="s_alarm"/></boundaryEvent>"#
            .into(),
        r#"<userTask id="evacuate"/>"#.into(),
        flow("f1", "start", "work"),
        flow("f2", "stop", "evacuate"),
    ]
    .concat();
    let starter = [
        r#"<startEvent id="onAlarm"><signalEventDefinition signalRef="s_alarm"/></startEvent>"#.to_string(),
        r#"<userTask id="report"/>"#.into(),
        flow("f1", "onAlarm", "report"),
    ]
    .concat();
    deploy(e, "listen", alarm, &catch).await;
    deploy(e, "worker", alarm, &boundary).await;
    deploy(e, "alarmStart", alarm, &starter).await;
    let l1 = start(e, "listen", "L1", json!({})).await;
    let l2 = start(e, "listen", "L2", json!({})).await;
    let w1 = start(e, "worker", "W1", json!({})).await;
    e.suspend_instance(&sys(), &l2, "", None).await.unwrap();
    let starts = e
        .event_subscriptions(&sys(), &SubscriptionQuery { kind: Some(SubscriptionKind::Signal), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(starts.items.iter().filter(|s| s.instance_id.is_none()).count(), 1);

    let n = e.broadcast_signal(&sys(), "Alarm", vars(json!({"level": 3})), None).await.unwrap();
    // l1 and w1 reached, one instance of alarmStart started; the suspended l2 skipped.
    assert_eq!(n, 3);
    assert_eq!(active_task_ids(e, &l1).await, ["react"]);
    assert_eq!(active_task_ids(e, &w1).await, ["evacuate"]);
    assert_eq!(history(e, &l2).await, ["start:completed", "hear:-"]);
    assert_eq!(waiting(e, &l2).await, ["signal:Alarm@hear"]);
    let started = e
        .list_instances(
            &sys(),
            &engine::instances::InstanceQuery { definition_name: Some("alarmStart".into()), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(started.items.len(), 1);
    let s = &started.items[0].id;
    assert_eq!(history(e, s).await, ["onAlarm:completed", "report:-"]);
    assert_eq!(e.instance(&sys(), s).await.unwrap().variables["level"], json!(3));
    // Once resumed, l2 hears the next one.
    e.resume_instance(&sys(), &l2, "", None).await.unwrap();
    assert_eq!(e.broadcast_signal(&sys(), "Alarm", Map::new(), None).await.unwrap(), 2);
    assert_eq!(active_task_ids(e, &l2).await, ["react"]);
}
db_test!(a_signal_reaches_instances_of_several_definitions_and_starts_one, signals);

async fn signal_thrown_by_a_step(db: &TestDb) {
    let e = &db.engine;
    let alarm = r#"<signal id="s_alarm" name="Alarm"/>"#;
    let catch = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<intermediateCatchEvent id="hear"><signalEventDefinition signalRef="s_alarm"/></intermediateCatchEvent>"#
            .into(),
        r#"<userTask id="react"/>"#.into(),
        flow("f1", "start", "hear"),
        flow("f2", "hear", "react"),
    ]
    .concat();
    let thrower = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<userTask id="decide"/>"#.into(),
        r#"<intermediateThrowEvent id="raise"><signalEventDefinition signalRef="s_alarm"/></intermediateThrowEvent>"#
            .into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "decide"),
        flow("f2", "decide", "raise"),
        flow("f3", "raise", "end"),
    ]
    .concat();
    deploy(e, "listen", alarm, &catch).await;
    deploy(e, "raiser", alarm, &thrower).await;
    let l = start(e, "listen", "L", json!({})).await;
    let r = start(e, "raiser", "R", json!({})).await;
    let d = e.instance(&sys(), &r).await.unwrap();
    e.complete_task(&sys(), &d.tasks[0].id, Map::new()).await.unwrap();
    assert_eq!(history(e, &r).await, ["start:completed", "decide:completed", "raise:completed", "end:completed"]);
    assert_eq!(active_task_ids(e, &l).await, ["react"]);
}
db_test!(a_signal_thrown_by_a_step_reaches_the_waiting_instances, signal_thrown_by_a_step);

async fn error_through_two_levels(db: &TestDb) {
    let e = &db.engine;
    let err = r#"<error id="e_fail" errorCode="E_FAIL"/>"#;
    let leaf = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<endEvent id="boom"><errorEventDefinition errorRef="e_fail"/></endEvent>"#.into(),
        flow("f1", "start", "boom"),
    ]
    .concat();
    let mid = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<callActivity id="callLeaf" calledElement="leaf"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "callLeaf"),
        flow("f2", "callLeaf", "end"),
    ]
    .concat();
    let top = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<callActivity id="callMid" calledElement="mid"/>"#.into(),
        r#"<boundaryEvent id="caught" attachedToRef="callMid"><errorEventDefinition errorRef="e_fail"/></boundaryEvent>"#.into(),
        r#"<userTask id="handle"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "callMid"),
        flow("f2", "callMid", "end"),
        flow("f3", "caught", "handle"),
    ]
    .concat();
    deploy(e, "leaf", err, &leaf).await;
    deploy(e, "mid", err, &mid).await;
    deploy(e, "top", err, &top).await;
    let id = start(e, "top", "T", json!({})).await;
    assert_eq!(active_task_ids(e, &id).await, ["handle"]);
    assert_eq!(history(e, &id).await, ["start:completed", "callMid:cancelled", "caught:completed", "handle:-"]);
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.children.len(), 1);
    let mid_id = &d.children[0].id;
    assert_eq!(d.children[0].state, InstanceStatus::Terminated);
    let md = e.instance(&sys(), mid_id).await.unwrap();
    assert_eq!(md.children.len(), 1);
    assert!(md.children[0].state.is_finished(), "{:?}", md.children[0].state);

    // Caught nowhere: an incident on the element that threw it.
    deploy(e, "alone", err, &mid).await;
    let lone = start(e, "alone", "A", json!({})).await;
    let d = e.instance(&sys(), &lone).await.unwrap();
    let leaf_id = &d.children[0].id;
    let ld = e.instance(&sys(), leaf_id).await.unwrap();
    assert_eq!(ld.incidents.len(), 1, "{:?}", ld.incidents);
    assert_eq!(ld.incidents[0].activity_id, "boom");
    assert!(ld.incidents[0].message.contains("E_FAIL"), "{:?}", ld.incidents);
    assert_eq!(history(e, leaf_id).await, ["start:completed", "boom:-"]);
    assert_eq!(history(e, &lone).await, ["start:completed", "callLeaf:-"]);
    assert_eq!(e.instance_summary(&sys(), &lone).await.unwrap().state, InstanceStatus::Running);
}
db_test!(an_error_travels_through_two_levels_of_call_activity, error_through_two_levels);

async fn double_delivery(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "order", PAID, &catch_process()).await;
    for n in 0..5 {
        let bk = format!("X{n}");
        let id = start(e, "order", &bk, json!({})).await;
        let m = MessageCorrelation { business_key: Some(bk), ..message("Paid") };
        let who = sys();
        let (a, b) = tokio::join!(e.correlate_message(&who, m.clone()), e.correlate_message(&who, m));
        assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
        let err = a.err().or(b.err()).unwrap();
        assert!(matches!(err, EngineError::Unmatched { .. }), "{err}");
        assert_eq!(history(e, &id).await, ["start:completed", "waitPaid:completed", "ship:-"]);
    }
}
db_test!(a_message_delivered_twice_at_once_is_consumed_once, double_delivery);

async fn suspended_and_terminated(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "order", PAID, &catch_process()).await;
    let id = start(e, "order", "S", json!({})).await;
    e.suspend_instance(&sys(), &id, "", None).await.unwrap();
    let m = MessageCorrelation { business_key: Some("S".into()), ..message("Paid") };
    let err = e.correlate_message(&sys(), m.clone()).await.unwrap_err();
    assert_eq!(err.conflict_reason(), Some(ConflictReason::NotRunning), "{err}");
    assert!(err.to_string().contains("the instance is suspended; activate it first"), "{err}");
    let sub = e.instance_subscriptions(&sys(), &id).await.unwrap().remove(0);
    let err = e.deliver_to_subscription(&sys(), &sub.id, Map::new()).await.unwrap_err();
    assert_eq!(err.conflict_reason(), Some(ConflictReason::NotRunning), "{err}");
    e.resume_instance(&sys(), &id, "", None).await.unwrap();
    // Delivered by hand.
    let got = e.deliver_to_subscription(&sys(), &sub.id, vars(json!({"by": "hand"}))).await.unwrap();
    assert_eq!((got[0].instance_id.as_str(), got[0].started), (id.as_str(), false));
    assert_eq!(history(e, &id).await, ["start:completed", "waitPaid:completed", "ship:-"]);

    // Terminated: nothing waits any more.
    let t = start(e, "order", "T", json!({})).await;
    assert_eq!(waiting(e, &t).await.len(), 1);
    e.terminate_instance(&sys(), &t, "", None).await.unwrap();
    assert!(waiting(e, &t).await.is_empty());
    let m = MessageCorrelation { business_key: Some("T".into()), ..message("Paid") };
    assert_eq!(e.correlate_message(&sys(), m).await.unwrap_err().status(), 404);
    // Adjusted (moved) out of the catch event: the subscription goes.
    let m2 = start(e, "order", "M", json!({})).await;
    e.move_instance(&sys(), &m2, &["waitPaid".to_string()], "ship", "by hand", None).await.unwrap();
    assert!(waiting(e, &m2).await.is_empty());

    // With `all`, suspended instances are skipped; when every match is suspended, refused.
    let s1 = start(e, "order", "Z", json!({})).await;
    let s2 = start(e, "order", "Z", json!({})).await;
    e.suspend_instance(&sys(), &s1, "", None).await.unwrap();
    let m = MessageCorrelation { business_key: Some("Z".into()), all: true, ..message("Paid") };
    let got = e.correlate_message(&sys(), m.clone()).await.unwrap();
    assert_eq!(got.iter().map(|c| c.instance_id.as_str()).collect::<Vec<_>>(), [s2.as_str()]);
    assert_eq!(waiting(e, &s1).await, ["message:Paid@waitPaid"]);
    let s3 = start(e, "order", "Z", json!({})).await;
    e.suspend_instance(&sys(), &s3, "", None).await.unwrap();
    let err = e.correlate_message(&sys(), m).await.unwrap_err();
    assert_eq!(err.conflict_reason(), Some(ConflictReason::NotRunning), "{err}");
}
db_test!(suspended_instances_refuse_and_ended_ones_keep_no_subscription, suspended_and_terminated);

async fn message_start(db: &TestDb) {
    let e = &db.engine;
    let defs = r#"<message id="m_order" name="OrderPlaced"/>"#;
    let body = |task: &str| {
        [
            r#"<startEvent id="placed"><messageEventDefinition messageRef="m_order"/></startEvent>"#.to_string(),
            format!(r#"<userTask id="{task}"/>"#),
            flow("f1", "placed", task),
        ]
        .concat()
    };
    deploy(e, "shop", defs, &body("pack")).await;
    let m = MessageCorrelation {
        business_key: Some("ORD-1".into()),
        variables: vars(json!({"qty": 2})),
        ..message("OrderPlaced")
    };
    let got = e.correlate_message(&sys(), m).await.unwrap();
    assert!(got[0].started);
    let s = e.instance_summary(&sys(), &got[0].instance_id).await.unwrap();
    assert_eq!((s.business_key.as_deref(), s.version), (Some("ORD-1"), 1));
    assert_eq!(history(e, &got[0].instance_id).await, ["placed:completed", "pack:-"]);
    // A new version replaces the start subscription.
    deploy(e, "shop", defs, &body("pack2")).await;
    let subs = e.event_subscriptions(&sys(), &SubscriptionQuery::default()).await.unwrap().items;
    assert_eq!(subs.len(), 1, "{subs:?}");
    let got = e.correlate_message(&sys(), message("OrderPlaced")).await.unwrap();
    assert_eq!(e.instance_summary(&sys(), &got[0].instance_id).await.unwrap().version, 2);
    assert_eq!(history(e, &got[0].instance_id).await, ["placed:completed", "pack2:-"]);
    // An instance id names a waiting instance; it never starts one.
    let m = MessageCorrelation { instance_id: Some(got[0].instance_id.clone()), ..message("OrderPlaced") };
    assert_eq!(e.correlate_message(&sys(), m).await.unwrap_err().status(), 404);
    // Bad input.
    assert_eq!(e.correlate_message(&sys(), message(" ")).await.unwrap_err().status(), 422);
}
db_test!(a_message_starts_the_latest_version_at_its_message_start_event, message_start);

/// A service caller that answers every call with `status`.
struct Answers(u16);

impl ServiceCaller for Answers {
    fn call(&self, _: ServiceRequest) -> CallFuture<'_> {
        let status = self.0;
        Box::pin(async move { Ok(ServiceResponse::new(status, "{\"error\": \"no such order\"}")) })
    }
}

async fn http_status_as_error(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<serviceTask id="lookup" flowable:type="http"><extensionElements>
<flowable:field name="requestMethod" stringValue="GET"/>
<flowable:field name="requestUrl" stringValue="http://orders.example/orders/1"/>
<flowable:field name="handleStatusCodes" stringValue="404, 5XX"/>
<flowable:field name="failStatusCodes" stringValue="503"/>
</extensionElements></serviceTask>"#
            .into(),
        r#"<boundaryEvent id="missing" attachedToRef="lookup"><errorEventDefinition errorRef="e404"/></boundaryEvent>"#
            .into(),
        r#"<userTask id="found"/>"#.into(),
        r#"<userTask id="notFound"/>"#.into(),
        flow("f1", "start", "lookup"),
        flow("f2", "lookup", "found"),
        flow("f3", "missing", "notFound"),
    ]
    .concat();
    deploy(e, "orders", r#"<error id="e404" errorCode="HTTP404"/><error id="e500" errorCode="HTTP500"/>"#, &body).await;
    let config = |id: &str| ExecutorConfig { id: id.into(), lease_ms: 60_000, max_concurrent: 4, ..Default::default() };
    // 404: the BPMN error HTTP404, caught by the boundary event.
    let id = start(e, "orders", "K1", json!({})).await;
    let x = Executor::new(e.clone(), Arc::new(Answers(404)), config("a"));
    assert_eq!(x.run_once().await, 1);
    assert_eq!(history(e, &id).await, ["start:completed", "lookup:cancelled", "missing:completed", "notFound:-"]);
    let d = e.instance(&sys(), &id).await.unwrap();
    assert!(d.jobs.is_empty() && d.incidents.is_empty(), "{:?} {:?}", d.jobs, d.incidents);
    // 500: the error HTTP500, which nothing catches: the job in error, an incident on the task.
    let id = start(e, "orders", "K2", json!({})).await;
    let x = Executor::new(e.clone(), Arc::new(Answers(500)), config("b"));
    assert_eq!(x.run_once().await, 1);
    assert_eq!(history(e, &id).await, ["start:completed", "lookup:-"]);
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.incidents.len(), 1, "{:?}", d.incidents);
    assert!(d.incidents[0].message.contains("HTTP500"), "{}", d.incidents[0].message);
    assert_eq!(d.jobs.len(), 1);
    // 503 (failStatusCodes): a failed attempt, retried later.
    let id = start(e, "orders", "K3", json!({})).await;
    let x = Executor::new(e.clone(), Arc::new(Answers(503)), config("c"));
    assert_eq!(x.run_once().await, 1);
    let d = e.instance(&sys(), &id).await.unwrap();
    assert!(d.incidents.is_empty());
    assert_eq!(d.jobs.len(), 1);
    assert_eq!(history(e, &id).await, ["start:completed", "lookup:-"]);
}
db_test!(http_statuses_become_bpmn_errors_or_failures_as_listed, http_status_as_error);

/// start → catch the signal `Alarm` (`hear`) → end.
fn alarm_listener() -> String {
    [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<intermediateCatchEvent id="hear"><signalEventDefinition signalRef="s_alarm"/></intermediateCatchEvent>"#
            .into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "hear"),
        flow("f2", "hear", "end"),
    ]
    .concat()
}

/// start → the signal end event `raise` throwing `Alarm`.
fn alarm_end_thrower() -> String {
    [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<endEvent id="raise"><signalEventDefinition signalRef="s_alarm"/></endEvent>"#.into(),
        flow("f1", "start", "raise"),
    ]
    .concat()
}

async fn many_receivers_of_a_thrown_signal(db: &TestDb) {
    let e = &db.engine;
    let alarm = r#"<signal id="s_alarm" name="Alarm"/>"#;
    let catch = alarm_listener();
    let thrower = alarm_end_thrower();
    deploy(e, "listen", alarm, &catch).await;
    deploy(e, "raiser", alarm, &thrower).await;
    // More receivers than one command's transaction takes: the throwing step's transaction
    // writes a `signal` job, and the job executor broadcasts it.
    let mut ids = Vec::new();
    for n in 0..230 {
        ids.push(start(e, "listen", &format!("L{n}"), json!({})).await);
    }
    let r = start(e, "raiser", "R", json!({})).await;
    assert_eq!(history(e, &r).await, ["start:completed", "raise:completed"]);
    // The signal end event ended the thrower in the same step; its job survives that.
    assert_eq!(e.instance_summary(&sys(), &r).await.unwrap().state, InstanceStatus::Completed);
    // Committed, not yet delivered: every receiver still waits, and the job is there.
    for id in &ids {
        assert_eq!(history(e, id).await, ["start:completed", "hear:-"], "{id}");
    }
    let jobs = e.list_jobs(&sys(), &JobQuery::default()).await.unwrap().items;
    assert_eq!(
        jobs.iter().map(|j| (j.kind, j.state, j.name.as_str(), j.instance_id.as_str())).collect::<Vec<_>>(),
        [(JobKind::Signal, JobState::Pending, "Alarm", r.as_str())]
    );
    assert_eq!(jobs[0].activity_id, "raise");
    // One round of the executor delivers to all 230 and removes the job.
    assert_eq!(executor(e).run_once().await, 1);
    for id in &ids {
        assert_eq!(history(e, id).await, ["start:completed", "hear:completed", "end:completed"], "{id}");
    }
    let left = e.event_subscriptions(&sys(), &SubscriptionQuery::default()).await.unwrap();
    assert!(left.items.is_empty(), "{} left", left.items.len());
    assert!(e.list_jobs(&sys(), &JobQuery::default()).await.unwrap().items.is_empty());
}
db_test!(a_signal_thrown_to_many_receivers_reaches_them_all, many_receivers_of_a_thrown_signal);

async fn count(e: &Engine, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(e.store().pool()).await.unwrap()
}

async fn signal_job_operations(db: &TestDb) {
    let e = &db.engine;
    let alarm = r#"<signal id="s_alarm" name="Alarm"/>"#;
    let catch = alarm_listener();
    let ender = alarm_end_thrower();
    let runner = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<intermediateThrowEvent id="raise"><signalEventDefinition signalRef="s_alarm"/></intermediateThrowEvent>"#
            .into(),
        r#"<userTask id="after"/>"#.into(),
        flow("f1", "start", "raise"),
        flow("f2", "raise", "after"),
    ]
    .concat();
    let started_by = |id: &str| {
        [
            format!(r#"<startEvent id="{id}"><signalEventDefinition signalRef="s_alarm"/></startEvent>"#),
            r#"<userTask id="t"/>"#.into(),
            flow("f1", id, "t"),
        ]
        .concat()
    };
    deploy(e, "listen", alarm, &catch).await;
    deploy(e, "ender", alarm, &ender).await;
    deploy(e, "runner", alarm, &runner).await;
    deploy(e, "starter", alarm, &started_by("onAlarm")).await;
    deploy(e, "broken", alarm, &started_by("onAlarmToo")).await;
    // The second signal start's subscription names an element its definition lacks: starting
    // it fails (after the first one's start: it is the newer), so the job's first attempt fails.
    sqlx::query(
        "UPDATE event_subscriptions SET activity_id = 'gone', created_at = created_at + 1000000 \
         WHERE activity_id = 'onAlarmToo'",
    )
    .execute(e.store().pool())
    .await
    .unwrap();
    let mut ids = Vec::new();
    for n in 0..201 {
        ids.push(start(e, "listen", &format!("L{n}"), json!({})).await);
    }
    let r = start(e, "ender", "R", json!({})).await;
    assert_eq!(e.instance_summary(&sys(), &r).await.unwrap().state, InstanceStatus::Completed);
    let job = e.list_jobs(&sys(), &JobQuery::default()).await.unwrap().items.remove(0);
    assert_eq!((job.kind, job.instance_id.as_str()), (JobKind::Signal, r.as_str()));
    // One try only: the failure leaves the job in error, listed with its message; the ended
    // thrower takes no incident, and the job is not deleted.
    sqlx::query("UPDATE jobs SET retries = 1").execute(e.store().pool()).await.unwrap();
    let starters = "SELECT COUNT(*) FROM process_instances WHERE definition_key = 'starter'";
    assert_eq!(executor(e).run_once().await, 1);
    let failed = e.job(&sys(), &job.id).await.unwrap().job;
    assert_eq!(failed.state, JobState::Error);
    assert!(failed.error.as_deref().unwrap_or("").contains("did not start process"), "{:?}", failed.error);
    assert!(e.instance(&sys(), &r).await.unwrap().incidents.is_empty());
    // The first start was made before the failing one.
    assert_eq!(count(e, starters).await, 1);
    for id in [&ids[0], &ids[200]] {
        assert_eq!(history(e, id).await, ["start:completed", "hear:-"], "{id}");
    }
    // 执行 on the job of an ended instance: the next attempt delivers to every receiver and
    // starts no definition again.
    let again = e.execute_job(&sys(), &job.id).await.unwrap();
    assert_eq!(again.state, JobState::Pending);
    assert_eq!(executor(e).run_once().await, 1);
    for id in &ids {
        assert_eq!(history(e, id).await, ["start:completed", "hear:completed", "end:completed"], "{id}");
    }
    assert_eq!(count(e, starters).await, 1);
    assert!(e.list_jobs(&sys(), &JobQuery::default()).await.unwrap().items.is_empty());
    // 删除 on the job of a running thrower: gone, no incident (no token waits for it), and
    // nothing delivered.
    let mut more = Vec::new();
    for n in 0..201 {
        more.push(start(e, "listen", &format!("M{n}"), json!({})).await);
    }
    let r2 = start(e, "runner", "R2", json!({})).await;
    assert_eq!(e.instance_summary(&sys(), &r2).await.unwrap().state, InstanceStatus::Running);
    let job = e.list_jobs(&sys(), &JobQuery::default()).await.unwrap().items.remove(0);
    assert_eq!((job.kind, job.instance_id.as_str()), (JobKind::Signal, r2.as_str()));
    e.delete_job(&sys(), &job.id).await.unwrap();
    assert!(e.list_jobs(&sys(), &JobQuery::default()).await.unwrap().items.is_empty());
    assert!(e.instance(&sys(), &r2).await.unwrap().incidents.is_empty());
    assert_eq!(executor(e).run_once().await, 0);
    assert_eq!(history(e, &more[0]).await, ["start:completed", "hear:-"]);
    // 删除 on the job of an ended thrower works too.
    let r3 = start(e, "ender", "R3", json!({})).await;
    let job = e.list_jobs(&sys(), &JobQuery::default()).await.unwrap().items.remove(0);
    assert_eq!(job.instance_id, r3);
    e.delete_job(&sys(), &job.id).await.unwrap();
    assert!(e.list_jobs(&sys(), &JobQuery::default()).await.unwrap().items.is_empty());
    assert!(e.instance(&sys(), &r3).await.unwrap().incidents.is_empty());
    // Out of retries on a running thrower: in error and an incident on it; 执行 resolves the
    // incident and the next attempt delivers to the receivers still waiting.
    let r4 = start(e, "runner", "R4", json!({})).await;
    sqlx::query("UPDATE jobs SET retries = 1").execute(e.store().pool()).await.unwrap();
    assert_eq!(executor(e).run_once().await, 1);
    let job = e.list_jobs(&sys(), &JobQuery::default()).await.unwrap().items.remove(0);
    assert_eq!((job.state, job.instance_id.as_str()), (JobState::Error, r4.as_str()));
    let incidents = e.instance(&sys(), &r4).await.unwrap().incidents;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].resolved, None);
    assert!(incidents[0].message.contains("could not broadcast its signal"), "{}", incidents[0].message);
    assert!(incidents[0].message.contains("did not start process"), "{}", incidents[0].message);
    e.execute_job(&sys(), &job.id).await.unwrap();
    let left = e.instance(&sys(), &r4).await.unwrap().incidents;
    assert!(left.iter().all(|i| i.resolved.is_some()), "{left:?}");
    assert_eq!(executor(e).run_once().await, 1);
    for id in &more {
        assert_eq!(history(e, id).await, ["start:completed", "hear:completed", "end:completed"], "{id}");
    }
    assert_eq!(count(e, starters).await, 2);
    assert!(e.list_jobs(&sys(), &JobQuery::default()).await.unwrap().items.is_empty());
}
db_test!(a_signal_job_can_fail_be_executed_and_deleted_after_its_thrower_ended, signal_job_operations);

async fn diagram_marks_waiting_events(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    let shape = |id: &str, x: u32| {
        format!(
            r#"<bpmndi:BPMNShape id="{id}_di" bpmnElement="{id}"><dc:Bounds x="{x}" y="100" width="36" height="36"/></bpmndi:BPMNShape>"#
        )
    };
    let xml = [
        HEAD.replace("xmlns:xsi=", r#"xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:xsi="#),
        r#"<message id="m_cancel" name="Cancel"/><process id="drawn" isExecutable="true">"#.into(),
        boundary_process(true),
        r#"</process><bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="drawn">"#.into(),
        shape("start", 0),
        shape("work", 100),
        shape("cancelMsg", 120),
        shape("cleanup", 200),
        shape("end", 300),
        shape("end2", 300),
        "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></definitions>".into(),
    ]
    .concat();
    let report = e
        .deploy(&sys(), "default", None, vec![("drawn.bpmn".into(), xml.into_bytes())], &Default::default())
        .await
        .unwrap();
    assert!(report.all_ok(), "{report:?}");
    let id = start(e, "drawn", "D", json!({})).await;
    let svg = e.instance_diagram_svg(&sys(), &id).await.unwrap();
    let tag_of = |element: &str| {
        let at = svg.find(&format!(r#"data-element-id="{element}""#)).unwrap_or_else(|| panic!("{element} drawn"));
        let from = svg[..at].rfind('<').unwrap();
        svg[from..at + svg[at..].find('>').unwrap()].to_owned()
    };
    // The task and its waiting message boundary event are both drawn as active; the path after
    // the boundary is not.
    for element in ["work", "cancelMsg"] {
        assert!(tag_of(element).contains("state-active"), "{element}: {}", tag_of(element));
    }
    assert!(!tag_of("cleanup").contains("state-active"), "{}", tag_of("cleanup"));
}
db_test!(the_diagram_marks_waiting_events_like_active_tasks, diagram_marks_waiting_events);
/// Deploys the processes `files` (key, body) as one file, their element ids prefixed with
/// `<key>_` (ids are unique within a file).
async fn deploy_together(e: &Engine, files: &[(&str, &str)]) {
    let processes: String = files
        .iter()
        .map(|(key, body)| {
            let body = [r#"id=""#, r#"sourceRef=""#, r#"targetRef=""#]
                .iter()
                .fold(body.to_string(), |b, attr| b.replace(attr, &format!("{attr}{key}_")));
            format!(r#"<process id="{key}" name="{key}" isExecutable="true">{body}</process>"#)
        })
        .collect();
    let xml = format!("{HEAD}{processes}</definitions>");
    let report = e
        .deploy(&sys(), "default", None, vec![("both.bpmn".into(), xml.into_bytes())], &Default::default())
        .await
        .unwrap();
    assert!(report.all_ok(), "{report:?}");
}

fn child(task: &str) -> String {
    [r#"<startEvent id="start"/>"#.to_string(), format!(r#"<userTask id="{task}"/>"#), flow("f1", "start", task)]
        .concat()
}

fn caller(attrs: &str) -> String {
    [
        r#"<startEvent id="start"/>"#.to_string(),
        format!(r#"<callActivity id="call" calledElement="child" {attrs}/>"#),
        flow("f1", "start", "call"),
    ]
    .concat()
}

/// The task the child started by `parent`'s call activity waits in, and its business key.
async fn child_of(e: &Engine, parent: &str) -> (Vec<String>, Option<String>, i64) {
    let d = e.instance(&sys(), parent).await.unwrap();
    assert_eq!(d.children.len(), 1, "{:?}", d.incidents);
    let c = &d.children[0];
    (active_task_ids(e, &c.id).await, c.business_key.clone(), c.version)
}

async fn call_bindings(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    // Deployment 1: the caller (deployment binding) with child v1; then child v2 and v3 (v2
    // tagged `stable`) alone.
    let pinned = caller(r#"camunda:calledElementBinding="deployment" flowable:businessKey="${orderId}""#);
    deploy_together(e, &[("pinned", &pinned), ("child", &child("v1"))]).await;
    let tagged = child("v2");
    let xml = format!(
        r#"{HEAD}<process id="child" name="child" isExecutable="true" camunda:versionTag="stable">{tagged}</process></definitions>"#
    );
    let files = vec![("c2.bpmn".to_string(), xml.into_bytes())];
    assert!(e.deploy(&sys(), "default", None, files, &Default::default()).await.unwrap().all_ok());
    deploy_together(e, &[("child", &child("v3"))]).await;
    deploy_together(
        e,
        &[
            ("latest", &caller("")),
            ("byVersion", &caller(r#"camunda:calledElementBinding="version" camunda:calledElementVersion="1""#)),
            ("byTag", &caller(r#"camunda:calledElementBinding="versionTag" camunda:calledElementVersionTag="stable""#)),
            ("noSuch", &caller(r#"camunda:calledElementBinding="version" camunda:calledElementVersion="9""#)),
        ],
    )
    .await;
    let id = start(e, "pinned", "P", json!({"orderId": "ORD-7"})).await;
    assert_eq!(child_of(e, &id).await, (vec!["child_v1".to_string()], Some("ORD-7".to_string()), 1));
    let id = start(e, "latest", "L", json!({})).await;
    assert_eq!(child_of(e, &id).await.2, 3);
    let id = start(e, "byVersion", "V", json!({})).await;
    assert_eq!(child_of(e, &id).await.2, 1);
    let id = start(e, "byTag", "T", json!({})).await;
    assert_eq!(child_of(e, &id).await, (vec!["v2".to_string()], None, 2));
    // A version that does not exist: an incident on the call activity that says so.
    let id = start(e, "noSuch", "N", json!({})).await;
    let d = e.instance(&sys(), &id).await.unwrap();
    assert!(d.children.is_empty());
    assert_eq!(d.incidents.len(), 1);
    assert!(d.incidents[0].message.contains("which has no startable version 9"), "{}", d.incidents[0].message);
}
db_test!(call_activities_start_the_version_their_binding_names, call_bindings);

async fn escalation_to_the_parent(db: &TestDb) {
    let e = &db.engine;
    let esc = r#"<escalation id="x_late" escalationCode="LATE"/>"#;
    let leaf = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<intermediateThrowEvent id="tell"><escalationEventDefinition escalationRef="x_late"/></intermediateThrowEvent>"#.into(),
        r#"<userTask id="goOn"/>"#.into(),
        flow("f1", "start", "tell"),
        flow("f2", "tell", "goOn"),
    ]
    .concat();
    let top = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<callActivity id="callLeaf" calledElement="leafEsc"/>"#.into(),
        r#"<boundaryEvent id="heard" attachedToRef="callLeaf" cancelActivity="false"><escalationEventDefinition escalationRef="x_late"/></boundaryEvent>"#.into(),
        r#"<userTask id="inform"/>"#.into(),
        flow("f1", "start", "callLeaf"),
        flow("f2", "heard", "inform"),
    ]
    .concat();
    deploy(e, "leafEsc", esc, &leaf).await;
    deploy(e, "topEsc", esc, &top).await;
    let id = start(e, "topEsc", "E", json!({})).await;
    // Caught beside the call activity, which goes on waiting; the child went on too.
    assert_eq!(history(e, &id).await, ["start:completed", "callLeaf:-", "heard:completed", "inform:-"]);
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(active_task_ids(e, &d.children[0].id).await, ["goOn"]);
}
db_test!(an_escalation_reaches_the_parent_call_activity, escalation_to_the_parent);

/// A service caller that answers every call with 200 and counts the calls.
struct Counting(std::sync::atomic::AtomicUsize);

impl ServiceCaller for Counting {
    fn call(&self, _: ServiceRequest) -> CallFuture<'_> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async { Ok(ServiceResponse::new(200, "{}")) })
    }
}

async fn send_task_call(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<sendTask id="notify" flowable:type="http"><extensionElements>
<flowable:field name="requestMethod" stringValue="POST"/>
<flowable:field name="requestUrl" stringValue="http://notify.example/sent"/>
</extensionElements></sendTask>"#
            .into(),
        r#"<sendTask id="plain"/>"#.into(),
        r#"<userTask id="after"/>"#.into(),
        flow("f1", "start", "notify"),
        flow("f2", "notify", "plain"),
        flow("f3", "plain", "after"),
    ]
    .concat();
    deploy(e, "notifier", "", &body).await;
    let id = start(e, "notifier", "N", json!({})).await;
    assert_eq!(history(e, &id).await, ["start:completed", "notify:-"]);
    let caller = Arc::new(Counting(Default::default()));
    let config = ExecutorConfig { id: "s".into(), lease_ms: 60_000, max_concurrent: 4, ..Default::default() };
    let x = Executor::new(e.clone(), caller.clone(), config);
    assert_eq!(x.run_once().await, 1);
    assert_eq!(caller.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    // The send task without an implementation passes the token on.
    assert_eq!(history(e, &id).await, ["start:completed", "notify:completed", "plain:completed", "after:-"]);
}
db_test!(a_send_task_with_an_implementation_runs_as_a_service_call, send_task_call);

/// A service caller that answers every call with 200 and keeps each call's method and URL.
struct Recording(std::sync::Mutex<Vec<String>>);

impl ServiceCaller for Recording {
    fn call(&self, req: ServiceRequest) -> CallFuture<'_> {
        self.0.lock().unwrap().push(format!("{} {}", req.method, req.url));
        Box::pin(async { Ok(ServiceResponse::new(200, "{}")) })
    }
}

async fn message_event_calls(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<intermediateThrowEvent id="tell"><messageEventDefinition messageRef="m_sent" flowable:type="http">
<extensionElements>
<flowable:field name="requestMethod" stringValue="PUT"/>
<flowable:field name="requestUrl" expression="http://notify.example/orders/${order}"/>
</extensionElements></messageEventDefinition></intermediateThrowEvent>"#
            .into(),
        r#"<intermediateThrowEvent id="topic"><messageEventDefinition messageRef="m_sent" camunda:type="external" camunda:topic="mail"/></intermediateThrowEvent>"#.into(),
        r#"<endEvent id="reply"><messageEventDefinition messageRef="m_sent"><extensionElements>
<camunda:connector><camunda:inputOutput>
<camunda:inputParameter name="url">http://reply.example/done</camunda:inputParameter>
<camunda:inputParameter name="method">POST</camunda:inputParameter>
</camunda:inputOutput><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>
</extensionElements></messageEventDefinition></endEvent>"#
            .into(),
        flow("f1", "start", "tell"),
        flow("f2", "tell", "topic"),
        flow("f3", "topic", "reply"),
    ]
    .concat();
    deploy(e, "teller", r#"<message id="m_sent" name="Sent"/>"#, &body).await;
    let id = start(e, "teller", "T", json!({"order": 42})).await;
    // The throw event with an HTTP implementation waits for its call, as a send task does.
    assert_eq!(history(e, &id).await, ["start:completed", "tell:-"]);
    let caller = Arc::new(Recording(Default::default()));
    let config = ExecutorConfig { id: "m".into(), lease_ms: 60_000, max_concurrent: 4, ..Default::default() };
    let x = Executor::new(e.clone(), caller.clone(), config);
    assert_eq!(x.run_once().await, 1);
    // The external topic waits for its worker (the executor never runs it); its completion
    // moves on to the end event, which calls.
    assert_eq!(history(e, &id).await, ["start:completed", "tell:completed", "topic:-"]);
    assert_eq!(x.run_once().await, 0);
    let fetch = engine::external::FetchAndLock {
        worker_id: "mailer".into(),
        max_tasks: 1,
        topics: vec![engine::external::FetchTopic {
            topic_name: "mail".into(),
            lock_duration_ms: 1_000,
            ..Default::default()
        }],
        ..Default::default()
    };
    let task = e.fetch_and_lock(&sys(), fetch).await.unwrap().remove(0);
    e.complete_external_task(&sys(), &task.id, "mailer", Map::new(), Map::new()).await.unwrap();
    assert_eq!(history(e, &id).await, ["start:completed", "tell:completed", "topic:completed", "reply:-"]);
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().state, InstanceStatus::Running);
    assert_eq!(x.run_once().await, 1);
    assert_eq!(*caller.0.lock().unwrap(), ["PUT http://notify.example/orders/42", "POST http://reply.example/done"]);
    assert_eq!(history(e, &id).await, ["start:completed", "tell:completed", "topic:completed", "reply:completed"]);
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().state, InstanceStatus::Completed);
}
db_test!(message_throw_and_end_events_with_an_http_implementation_call_it, message_event_calls);

async fn tenant_scope(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "order", PAID, &catch_process()).await;
    e.create_tenant(&sys(), Some("east"), "华东").await.unwrap();
    let xml =
        format!(r#"{HEAD}{PAID}<process id="order" isExecutable="true">{}</process></definitions>"#, catch_process());
    let files = vec![("order.bpmn".to_string(), xml.into_bytes())];
    assert!(e.deploy(&sys(), "east", None, files, &Default::default()).await.unwrap().all_ok());
    let req = StartRequest { tenant: Some("default".into()), business_key: Some("SAME".into()), ..Default::default() };
    let here = e.start_instance(&sys(), "order", None, req).await.unwrap().id;
    let req = StartRequest { tenant: Some("east".into()), business_key: Some("SAME".into()), ..Default::default() };
    let there = e.start_instance(&sys(), "order", None, req).await.unwrap().id;
    let east = engine::identity::Account {
        id: "em".into(),
        username: "east-manager".into(),
        display_name: "East".into(),
        role: engine::identity::Role::TenantManager,
        tenant_id: Some("east".into()),
    };
    // A tenant manager sees and reaches only their tenant; another tenant's ids answer 404.
    let listed = e.event_subscriptions(&east, &SubscriptionQuery::default()).await.unwrap().items;
    assert_eq!(listed.iter().map(|s| s.instance_id.clone()).collect::<Vec<_>>(), [Some(there.clone())]);
    assert_eq!(e.instance_subscriptions(&east, &here).await.unwrap_err().status(), 404);
    let theirs = e.instance_subscriptions(&sys(), &here).await.unwrap().remove(0);
    let err = e.deliver_to_subscription(&east, &theirs.id, Map::new()).await.unwrap_err();
    assert_eq!(err.status(), 404);
    // The administrator names the tenant, or meets both and is refused as ambiguous.
    let m = MessageCorrelation { business_key: Some("SAME".into()), ..message("Paid") };
    let err = e.correlate_message(&sys(), m.clone()).await.unwrap_err();
    assert_eq!(err.conflict_reason(), Some(ConflictReason::Ambiguous), "{err}");
    let got = e.correlate_message(&east, MessageCorrelation { tenant: Some("default".into()), ..m.clone() });
    assert_eq!(got.await.unwrap()[0].instance_id, there, "a tenant manager's tenant is always their own");
    let got = e.correlate_message(&sys(), MessageCorrelation { tenant: Some("default".into()), ..m }).await.unwrap();
    assert_eq!(got[0].instance_id, here);
    // A signal in one tenant does not reach the other.
    assert_eq!(e.broadcast_signal(&east, "Alarm", Map::new(), None).await.unwrap(), 0);
}
db_test!(messages_and_subscriptions_stay_in_their_tenant, tenant_scope);

async fn event_sub_process(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<userTask id="work"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "work"),
        flow("f2", "work", "end"),
        r#"<subProcess id="onCancel" triggeredByEvent="true">
<startEvent id="cancelled" isInterrupting="true"><messageEventDefinition messageRef="m_cancel"/></startEvent>
<userTask id="refund"/>
<sequenceFlow id="e1" sourceRef="cancelled" targetRef="refund"/>
</subProcess>"#
            .into(),
    ]
    .concat();
    deploy(e, "cancellable", r#"<message id="m_cancel" name="Cancel"/>"#, &body).await;
    let id = start(e, "cancellable", "C1", json!({})).await;
    assert_eq!(waiting(e, &id).await, ["message:Cancel@cancelled"]);
    e.correlate_message(&sys(), MessageCorrelation { business_key: Some("C1".into()), ..message("Cancel") })
        .await
        .unwrap();
    assert_eq!(active_task_ids(e, &id).await, ["refund"]);
    assert!(waiting(e, &id).await.is_empty());
    assert_eq!(
        history(e, &id).await,
        ["start:completed", "work:cancelled", "onCancel:-", "cancelled:completed", "refund:-"]
    );
}
db_test!(a_message_event_sub_process_interrupts_its_scope, event_sub_process);

/// start → first (user task) → work (user task, interrupting message boundary `Cancel`) → end.
async fn withdrawal_across_a_subscription(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/><userTask id="first" name="First"/>"#.to_string(),
        boundary_process(true).replacen(r#"<startEvent id="start"/>"#, "", 1).replacen(
            &flow("f1", "start", "work"),
            &(flow("f0", "start", "first") + &flow("f1", "first", "work")),
            1,
        ),
    ]
    .concat();
    deploy(e, "undo", r#"<message id="m_cancel" name="Cancel"/>"#, &body).await;
    let id = start(e, "undo", "W", json!({})).await;
    let d = e.instance(&sys(), &id).await.unwrap();
    let first = d.tasks.iter().find(|t| t.activity_id == "first").unwrap().id.clone();
    e.complete_task(&sys(), &first, Map::new()).await.unwrap();
    assert_eq!(waiting(e, &id).await, ["message:Cancel@cancelMsg"]);

    // Taking `first` back cancels `work`, and with it its boundary's subscription.
    e.withdraw_task(&sys(), &first, "").await.unwrap();
    assert_eq!(active_task_ids(e, &id).await, ["first"]);
    assert!(waiting(e, &id).await.is_empty());
    let m = MessageCorrelation { business_key: Some("W".into()), ..message("Cancel") };
    let nothing = e.correlate_message(&sys(), m).await;
    assert!(matches!(nothing, Err(EngineError::Unmatched { .. })), "nothing waits any more: {nothing:?}");

    // Completed again, `work` subscribes again.
    let d = e.instance(&sys(), &id).await.unwrap();
    let again = d.tasks.iter().find(|t| t.activity_id == "first" && t.state == TaskState::Active).unwrap();
    e.complete_task(&sys(), &again.id, Map::new()).await.unwrap();
    assert_eq!(waiting(e, &id).await, ["message:Cancel@cancelMsg"]);
}
db_test!(a_withdrawal_removes_the_subscriptions_of_what_it_cancels, withdrawal_across_a_subscription);
