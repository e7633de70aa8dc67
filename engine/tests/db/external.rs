//! External tasks end to end on SQLite and PostgreSQL: workers fetch and lock them by topic
//! (with the variables the token sees), complete them, report failures (retries, then an
//! incident), throw BPMN errors, lose expired locks to other workers; long polling; the 作业
//! screen's execute and delete; deploy refusals of Java service tasks.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::common::{deploy_file, flow, sys};
use engine::db_test;
use engine::error::ConflictReason;
use engine::external::{ExternalFailure, ExternalTaskQuery, FetchAndLock, FetchTopic, LockedExternalTask};
use engine::instances::StartRequest;
use engine::jobs::{JobKind, JobQuery, JobState};
use engine::testing::TestDb;
use engine::{Engine, EngineError};
use serde_json::{json, Map, Value};

/// start → external task `pay` (topic `payments`) → user task `after`, with an error boundary
/// event `declined` (code `DECLINED`) leading to user task `handle`.
async fn payment_process(e: &Engine) {
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<serviceTask id="pay" name="Pay" camunda:type="external" camunda:topic="payments" camunda:taskPriority="${prio}"/>"#.into(),
        r#"<boundaryEvent id="declined" attachedToRef="pay"><errorEventDefinition errorRef="e_declined"/></boundaryEvent>"#.into(),
        r#"<userTask id="after"/>"#.into(),
        r#"<userTask id="handle"/>"#.into(),
        flow("f1", "start", "pay"),
        flow("f2", "pay", "after"),
        flow("f3", "declined", "handle"),
    ]
    .concat();
    let report = deploy_file(e, "payment", r#"<error id="e_declined" errorCode="DECLINED"/>"#, &body).await;
    assert!(report.all_ok() && report.files[0].definitions[0].startable, "{report:?}");
}

async fn start(e: &Engine, key: &str, business_key: &str, v: Value) -> String {
    let variables = v.as_object().cloned().unwrap_or_default();
    let req = StartRequest { variables, business_key: Some(business_key.into()), ..Default::default() };
    e.start_instance(&sys(), key, None, req).await.unwrap().id
}

fn request(worker: &str, max_tasks: u32, topic: &str, lock_ms: i64) -> FetchAndLock {
    FetchAndLock {
        worker_id: worker.into(),
        max_tasks,
        topics: vec![FetchTopic { topic_name: topic.into(), lock_duration_ms: lock_ms, ..Default::default() }],
        ..Default::default()
    }
}

async fn fetch(e: &Engine, worker: &str, max_tasks: u32) -> Vec<LockedExternalTask> {
    e.fetch_and_lock(&sys(), request(worker, max_tasks, "payments", 10_000)).await.unwrap()
}

async fn active(e: &Engine, instance: &str) -> Vec<String> {
    e.instance_summary(&sys(), instance).await.unwrap().active_activity_ids
}

fn vars(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn reason(e: EngineError) -> (ConflictReason, String) {
    match e {
        EngineError::Conflict { reason, text } => (reason, text.english()),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn fetch_lock_complete(db: &TestDb) {
    let e = &db.engine;
    payment_process(e).await;
    let id = start(e, "payment", "order-7", json!({"amount": 5, "prio": 20})).await;
    // The 作业 screen lists it as an external task.
    let jobs = e.list_jobs(&sys(), &JobQuery { instance_id: Some(id.clone()), ..Default::default() }).await.unwrap();
    assert_eq!(jobs.items.len(), 1);
    assert_eq!((jobs.items[0].kind, jobs.items[0].topic.as_deref()), (JobKind::External, Some("payments")));
    // Never failed: no retries count yet, on the screen as in the API.
    assert_eq!(jobs.items[0].retries, None);
    assert_eq!(e.instance(&sys(), &id).await.unwrap().jobs[0].retries, None);
    let got = fetch(e, "w1", 10).await;
    assert_eq!(got.len(), 1);
    let t = &got[0];
    assert_eq!((t.topic_name.as_str(), t.worker_id.as_str(), t.activity_id.as_str()), ("payments", "w1", "pay"));
    assert_eq!((t.process_definition_key.as_str(), t.business_key.as_deref()), ("payment", Some("order-7")));
    assert_eq!((t.retries, t.priority), (None, 20));
    assert_eq!(t.lock_expiration_time, e.clock().now() + 10_000);
    assert_eq!((t.variables.get("amount"), t.variables.get("prio")), (Some(&json!(5)), Some(&json!(20))));
    let listed = e.external_task(&sys(), &t.id).await.unwrap();
    assert_eq!((listed.worker_id.as_deref(), listed.suspended), (Some("w1"), false));
    let jobs = e.list_jobs(&sys(), &JobQuery { instance_id: Some(id.clone()), ..Default::default() }).await.unwrap();
    assert_eq!((jobs.items[0].state, jobs.items[0].worker.as_deref()), (JobState::Running, Some("w1")));
    // Locked: nobody else gets it.
    assert!(fetch(e, "w2", 10).await.is_empty());
    // Only the named variables when asked.
    e.complete_external_task(&sys(), &t.id, "w1", vars(json!({"paid": true})), vars(json!({"receipt": "r-1"})))
        .await
        .unwrap();
    assert_eq!(active(e, &id).await, ["after"]);
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.variables.get("paid"), Some(&json!(true)));
    assert_eq!(e.count_external_tasks(&sys(), &ExternalTaskQuery::default()).await.unwrap(), 0);
    // Completed: a second completion finds nothing.
    let again = e.complete_external_task(&sys(), &t.id, "w1", Map::new(), Map::new()).await.unwrap_err();
    assert!(matches!(again, EngineError::NotFound { .. }), "{again:?}");
}
db_test!(fetch_lock_and_complete_moves_the_token_with_variables, fetch_lock_complete);

async fn named_variables_and_filters(db: &TestDb) {
    let e = &db.engine;
    payment_process(e).await;
    start(e, "payment", "a", json!({"amount": 1, "prio": 1, "secret": "x"})).await;
    start(e, "payment", "b", json!({"amount": 2, "prio": 9})).await;
    let mut req = request("w", 10, "payments", 1_000);
    req.topics[0].variables = Some(vec!["amount".into()]);
    req.topics[0].business_key = Some("a".into());
    let got = e.fetch_and_lock(&sys(), req).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].variables, vars(json!({"amount": 1})));
    // Priority first when asked.
    start(e, "payment", "c", json!({"amount": 3, "prio": 5})).await;
    let mut req = request("w", 1, "payments", 1_000);
    req.use_priority = true;
    let got = e.fetch_and_lock(&sys(), req).await.unwrap();
    assert_eq!((got.len(), got[0].business_key.as_deref()), (1, Some("b")));
    let bad = e.fetch_and_lock(&sys(), request("w", 1, "payments", 0)).await.unwrap_err();
    assert!(bad.to_string().contains("lockDuration"), "{bad}");
}
db_test!(fetch_returns_the_named_variables_and_filters_by_business_key_and_priority, named_variables_and_filters);

async fn concurrent_fetches(db: &TestDb) {
    let e = &db.engine;
    payment_process(e).await;
    for i in 0..40 {
        start(e, "payment", &format!("k{i}"), json!({"prio": 0})).await;
    }
    let mut workers = Vec::new();
    for w in 0..8 {
        let e = e.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = e.fetch_and_lock(&sys(), request(&format!("w{w}"), 3, "payments", 60_000)).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|t| t.id));
            }
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (40, 40), "every task locked exactly once");
}
db_test!(two_workers_never_lock_the_same_task, concurrent_fetches);

async fn expired_lock(db: &TestDb) {
    let e = &db.engine;
    payment_process(e).await;
    let id = start(e, "payment", "k", json!({"prio": 0})).await;
    let t = e.fetch_and_lock(&sys(), request("w1", 1, "payments", 1_000)).await.unwrap().remove(0);
    assert!(e.fetch_and_lock(&sys(), request("w2", 1, "payments", 1_000)).await.unwrap().is_empty());
    e.clock().advance(1_001);
    let listed = e.external_task(&sys(), &t.id).await.unwrap();
    assert_eq!(listed.worker_id, None, "an expired lock holds nothing");
    let taken = e.fetch_and_lock(&sys(), request("w2", 1, "payments", 5_000)).await.unwrap();
    assert_eq!(taken.len(), 1);
    // The first worker comes back too late: refused, saying who holds it.
    let (why, message) =
        reason(e.complete_external_task(&sys(), &t.id, "w1", Map::new(), Map::new()).await.unwrap_err());
    assert_eq!(why, ConflictReason::ClaimLost);
    assert!(message.contains("'w2'"), "{message}");
    let (_, message) = reason(e.extend_external_lock(&sys(), &t.id, "w1", 1_000).await.unwrap_err());
    assert!(message.contains("'w2'"), "{message}");
    e.extend_external_lock(&sys(), &t.id, "w2", 30_000).await.unwrap();
    e.clock().advance(10_000);
    assert!(e.fetch_and_lock(&sys(), request("w3", 1, "payments", 1_000)).await.unwrap().is_empty(), "extended");
    e.complete_external_task(&sys(), &t.id, "w2", Map::new(), Map::new()).await.unwrap();
    assert_eq!(active(e, &id).await, ["after"]);
}
db_test!(an_expired_lock_is_taken_by_another_worker_and_the_first_is_refused, expired_lock);

async fn failures(db: &TestDb) {
    let e = &db.engine;
    payment_process(e).await;
    let id = start(e, "payment", "k", json!({"prio": 0})).await;
    let t = fetch(e, "w1", 1).await.remove(0);
    let failure = |retries| ExternalFailure {
        error_message: Some("bank offline".into()),
        error_details: Some("stack".into()),
        retries,
        retry_timeout_ms: 5_000,
    };
    e.fail_external_task(&sys(), &t.id, "w1", failure(1)).await.unwrap();
    assert!(fetch(e, "w1", 1).await.is_empty(), "not before the retry timeout");
    e.clock().advance(5_000);
    let t = fetch(e, "w1", 1).await.remove(0);
    assert_eq!(
        (t.retries, t.error_message.as_deref(), t.error_details.as_deref()),
        (Some(1), Some("bank offline"), Some("stack"))
    );
    e.fail_external_task(&sys(), &t.id, "w1", failure(0)).await.unwrap();
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.summary.open_incidents, 1);
    assert!(d.incidents[0].message.contains("bank offline"), "{}", d.incidents[0].message);
    e.clock().advance(10_000);
    assert!(fetch(e, "w1", 1).await.is_empty(), "no retries left: not fetched");
    let listed = e.external_task(&sys(), &t.id).await.unwrap();
    assert_eq!(listed.retries, Some(0));
    let q = ExternalTaskQuery { with_retries_left: Some(false), ..Default::default() };
    assert_eq!(e.count_external_tasks(&sys(), &q).await.unwrap(), 1);
    // Retries set again: the incident is resolved and workers fetch it.
    e.set_external_task_retries(&sys(), &t.id, 2).await.unwrap();
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().open_incidents, 0);
    let t = fetch(e, "w1", 1).await.remove(0);
    assert_eq!(t.retries, Some(2));
    let d = e.instance(&sys(), &id).await.unwrap();
    assert!(d.operations.iter().any(|o| o.operation == "external-task-set-retries"), "{:?}", d.operations);
}
db_test!(a_failure_retries_after_its_timeout_then_raises_an_incident_until_retries_are_set, failures);

async fn screen_operations(db: &TestDb) {
    let e = &db.engine;
    payment_process(e).await;
    let id = start(e, "payment", "k", json!({"prio": 0})).await;
    let t = fetch(e, "w1", 1).await.remove(0);
    let failure = ExternalFailure { error_message: Some("boom".into()), retries: 0, ..Default::default() };
    e.fail_external_task(&sys(), &t.id, "w1", failure).await.unwrap();
    // 执行: unlocked with a retry, the incident resolved.
    let job = e.execute_job(&sys(), &t.id).await.unwrap();
    assert_eq!((job.state, job.retries, job.worker), (JobState::Pending, Some(1), None));
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().open_incidents, 0);
    let t = fetch(e, "w2", 1).await.remove(0);
    // Unlock frees a held lock.
    e.unlock_external_task(&sys(), &t.id).await.unwrap();
    let t = fetch(e, "w3", 1).await.remove(0);
    assert_eq!(t.worker_id, "w3");
    // 删除: the task goes, the instance gets an incident.
    e.delete_job(&sys(), &t.id).await.unwrap();
    assert_eq!(e.count_external_tasks(&sys(), &ExternalTaskQuery::default()).await.unwrap(), 0);
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().open_incidents, 1);
}
db_test!(execute_on_the_jobs_screen_unlocks_and_resets_retries_and_delete_removes, screen_operations);

async fn bpmn_errors(db: &TestDb) {
    let e = &db.engine;
    payment_process(e).await;
    let caught = start(e, "payment", "k1", json!({"prio": 0})).await;
    let t = fetch(e, "w", 1).await.remove(0);
    e.external_bpmn_error(&sys(), &t.id, "w", "DECLINED", Some("card declined"), vars(json!({"why": "limit"})))
        .await
        .unwrap();
    assert_eq!(active(e, &caught).await, ["handle"]);
    let d = e.instance(&sys(), &caught).await.unwrap();
    assert_eq!(d.variables.get("why"), Some(&json!("limit")));
    assert_eq!(e.count_external_tasks(&sys(), &ExternalTaskQuery::default()).await.unwrap(), 0);
    // An error nothing catches: an incident, the task in error.
    let uncaught = start(e, "payment", "k2", json!({"prio": 0})).await;
    let t = fetch(e, "w", 1).await.remove(0);
    e.external_bpmn_error(&sys(), &t.id, "w", "OTHER", None, Map::new()).await.unwrap();
    let d = e.instance(&sys(), &uncaught).await.unwrap();
    assert_eq!((d.summary.open_incidents, d.summary.active_activity_ids.clone()), (1, vec!["pay".to_owned()]));
    assert!(d.incidents[0].message.contains("OTHER"), "{}", d.incidents[0].message);
    assert_eq!(e.external_task(&sys(), &t.id).await.unwrap().retries, Some(0));
}
db_test!(a_bpmn_error_is_caught_by_the_boundary_event_or_raises_an_incident, bpmn_errors);

async fn long_polling(db: &TestDb) {
    let e = &db.engine;
    payment_process(e).await;
    // Nothing comes: empty after the timeout.
    let mut req = request("w", 1, "payments", 1_000);
    req.async_response_timeout_ms = 300;
    let began = Instant::now();
    assert!(e.fetch_and_lock(&sys(), req.clone()).await.unwrap().is_empty());
    assert!(began.elapsed() >= Duration::from_millis(300), "{:?}", began.elapsed());
    // A task created while the fetch waits is answered at once.
    req.async_response_timeout_ms = 20_000;
    let waiting = {
        let e = e.clone();
        tokio::spawn(async move {
            let got = e.fetch_and_lock(&sys(), req).await.unwrap();
            (got, Instant::now())
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    start(e, "payment", "k", json!({"prio": 0})).await;
    let created = Instant::now();
    let (got, answered) = waiting.await.unwrap();
    assert_eq!(got.len(), 1);
    let lag = answered.saturating_duration_since(created);
    assert!(lag < Duration::from_millis(500), "answered {lag:?} after the task appeared");
}
db_test!(a_long_poll_answers_when_a_task_appears_and_empty_after_its_timeout, long_polling);

async fn suspended_and_terminated(db: &TestDb) {
    let e = &db.engine;
    payment_process(e).await;
    let id = start(e, "payment", "k", json!({"prio": 0})).await;
    e.suspend_instance(&sys(), &id, "hold", None).await.unwrap();
    assert!(fetch(e, "w", 1).await.is_empty(), "a suspended instance's task is not fetched");
    assert!(
        e.external_task(&sys(), &e.external_tasks(&sys(), &Default::default()).await.unwrap()[0].id)
            .await
            .unwrap()
            .suspended
    );
    e.resume_instance(&sys(), &id, "go", None).await.unwrap();
    let t = fetch(e, "w", 1).await.remove(0);
    e.terminate_instance(&sys(), &id, "stop", None).await.unwrap();
    assert_eq!(e.count_external_tasks(&sys(), &ExternalTaskQuery::default()).await.unwrap(), 0);
    let gone = e.complete_external_task(&sys(), &t.id, "w", Map::new(), Map::new()).await.unwrap_err();
    assert!(matches!(gone, EngineError::NotFound { .. }), "{gone:?}");
}
db_test!(a_suspended_instance_is_not_fetched_and_termination_deletes_the_task, suspended_and_terminated);

async fn java_refused(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<serviceTask id="charge" camunda:class="com.acme.Charge"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "charge"),
        flow("f2", "charge", "end"),
    ]
    .concat();
    let report = deploy_file(e, "java", "", &body).await;
    let file = &report.files[0];
    assert!(file.definitions.iter().all(|d| !d.startable), "{report:?}");
    let w = file.warnings.iter().find(|w| w.element_id == "charge").expect("the element is named");
    assert!(w.reason.contains("class=\"com.acme.Charge\"") && w.reason.contains("camunda:topic"), "{}", w.reason);
    let refused = e.start_instance(&sys(), "java", None, StartRequest::default()).await.unwrap_err();
    assert!(refused.to_string().contains("charge"), "{refused}");
}
db_test!(a_java_service_task_is_refused_at_deploy_naming_the_element, java_refused);

async fn message_throw_external(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<intermediateThrowEvent id="notify"><messageEventDefinition messageRef="m" flowable:type="external-worker" flowable:topic="mail"/></intermediateThrowEvent>"#.into(),
        r#"<userTask id="after"/>"#.into(),
        flow("f1", "start", "notify"),
        flow("f2", "notify", "after"),
    ]
    .concat();
    let report = deploy_file(e, "mailing", r#"<message id="m" name="notice"/>"#, &body).await;
    assert!(report.files[0].definitions.first().is_some_and(|d| d.startable), "{report:?}");
    let id = start(e, "mailing", "k", json!({"to": "a@b"})).await;
    assert_eq!(active(e, &id).await, ["notify"]);
    let t = e.fetch_and_lock(&sys(), request("mailer", 5, "mail", 1_000)).await.unwrap().remove(0);
    assert_eq!((t.activity_id.as_str(), t.variables.get("to")), ("notify", Some(&json!("a@b"))));
    e.complete_external_task(&sys(), &t.id, "mailer", Map::new(), Map::new()).await.unwrap();
    assert_eq!(active(e, &id).await, ["after"]);
}
db_test!(a_message_throw_event_with_an_external_topic_waits_for_its_worker, message_throw_external);
