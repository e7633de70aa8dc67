//! Jobs end to end on SQLite and PostgreSQL: timers fire at their time (fixed clock), service
//! calls map their responses or fail into retries, errors and incidents, the administrator
//! operations, and executors sharing one database (no job lost or run twice, leases taken over
//! or renewed); asynchronous continuations; deleting a running job aborts its call; a timer
//! start firing survives a failed start.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{deploy, flow, history, sys};
use bpmn_core::text::Lang;
use engine::db_test;
use engine::identity::Account;
use engine::instances::{InstanceStatus, StartRequest, TaskState};
use engine::jobs::{
    CallError, CallFuture, Executor, ExecutorConfig, HostPolicy, Job, JobCategory, JobKind, JobQuery, JobState,
    ServiceCaller, ServiceRequest, ServiceResponse,
};
use engine::testing::TestDb;
use engine::{Engine, EngineError};
use serde_json::{json, Value};

async fn start(e: &Engine, key: &str, v: Value) -> String {
    let variables = v.as_object().cloned().unwrap_or_default();
    e.start_instance(&sys(), key, None, StartRequest { variables, ..Default::default() }).await.unwrap().id
}

async fn jobs_of(e: &Engine, instance: &str) -> Vec<Job> {
    let q = JobQuery { instance_id: Some(instance.into()), limit: 100, ..Default::default() };
    e.list_jobs(&sys(), &q).await.unwrap().items
}

async fn active(e: &Engine, instance: &str) -> Vec<String> {
    e.instance_summary(&sys(), instance).await.unwrap().active_activity_ids
}

type Respond = dyn Fn(&ServiceRequest) -> Result<ServiceResponse, CallError> + Send + Sync;

/// A service caller that records the calls and answers with `respond`, after `delay`.
struct Fake {
    calls: Mutex<Vec<ServiceRequest>>,
    respond: Box<Respond>,
    delay: Duration,
}

impl Fake {
    fn new(
        respond: impl Fn(&ServiceRequest) -> Result<ServiceResponse, CallError> + Send + Sync + 'static,
    ) -> Arc<Fake> {
        Arc::new(Fake { calls: Mutex::new(Vec::new()), respond: Box::new(respond), delay: Duration::ZERO })
    }

    fn ok(body: &'static str) -> Arc<Fake> {
        Fake::new(move |_| Ok(ServiceResponse::new(200, body)))
    }

    fn count(&self) -> usize {
        self.calls.lock().unwrap().len()
    }
}

impl ServiceCaller for Fake {
    fn call(&self, req: ServiceRequest) -> CallFuture<'_> {
        Box::pin(async move {
            self.calls.lock().unwrap().push(req.clone());
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            (self.respond)(&req)
        })
    }
}

fn executor(e: &Engine, caller: Arc<dyn ServiceCaller>, id: &str) -> Executor {
    let config = ExecutorConfig { id: id.into(), lease_ms: 60_000, max_concurrent: 4, ..Default::default() };
    Executor::new(e.clone(), caller, config)
}

fn service_process(url: &str, extra: &str) -> String {
    [
        r#"<startEvent id="start"/>"#.to_string(),
        format!(
            r#"<serviceTask id="pay" name="Pay" flowable:type="http" {extra}><extensionElements>
<flowable:field name="requestMethod" stringValue="POST"/>
<flowable:field name="requestUrl"><flowable:expression>{url}</flowable:expression></flowable:field>
<flowable:field name="requestBody"><flowable:expression>{{"amount": ${{amount}}}}</flowable:expression></flowable:field>
<flowable:field name="requestTimeout" stringValue="100"/>
<flowable:field name="responseVariableName" stringValue="payment"/>
</extensionElements></serviceTask>"#
        ),
        r#"<userTask id="check" name="Check"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "pay"),
        flow("f2", "pay", "check"),
        flow("f3", "check", "end"),
    ]
    .concat()
}

/// A one-minute timer, then the user task `next`.
fn timer_process() -> String {
    [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<intermediateCatchEvent id="wait" name="Wait"><timerEventDefinition><timeDuration>PT1M</timeDuration></timerEventDefinition></intermediateCatchEvent>"#.into(),
        r#"<userTask id="next" name="Next"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "wait"),
        flow("f2", "wait", "next"),
        flow("f3", "next", "end"),
    ]
    .concat()
}

// ---------------------------------------------------------------------------------------

async fn timer_fires_on_time(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "timer", &timer_process()).await;
    let id = start(e, "timer", json!({})).await;
    let x = executor(e, Fake::ok("{}"), "a");
    let jobs = jobs_of(e, &id).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!((jobs[0].kind, jobs[0].state, jobs[0].name.as_str()), (JobKind::Timer, JobState::Pending, "Wait"));
    assert_eq!(jobs[0].due, e.clock().now() + 60_000);
    assert_eq!(x.run_once().await, 0, "not due yet");
    e.clock().advance(59_999);
    assert_eq!(x.run_once().await, 0, "1 ms early");
    e.clock().advance(1);
    assert_eq!(x.run_once().await, 1);
    assert_eq!(active(e, &id).await, vec!["next"]);
    assert!(jobs_of(e, &id).await.is_empty());
    let err = e.job(&sys(), &jobs[0].id).await.unwrap_err();
    assert!(matches!(err, EngineError::NotFound { .. }), "{err}");
}
db_test!(timer_fires_at_its_time, timer_fires_on_time);

async fn cycle_repeats(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<userTask id="work" name="Work"/>"#.into(),
        r#"<boundaryEvent id="remind" name="Remind" attachedToRef="work" cancelActivity="false"><timerEventDefinition><timeCycle>R3/PT10M</timeCycle></timerEventDefinition></boundaryEvent>"#.into(),
        r#"<userTask id="nag" name="Nag"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        r#"<endEvent id="end2"/>"#.into(),
        flow("f1", "start", "work"),
        flow("f2", "work", "end"),
        flow("f3", "remind", "nag"),
        flow("f4", "nag", "end2"),
    ]
    .concat();
    deploy(e, "cycle", &body).await;
    let id = start(e, "cycle", json!({})).await;
    let x = executor(e, Fake::ok("{}"), "a");
    for n in 1..=3 {
        e.clock().advance(10 * 60_000);
        assert_eq!(x.run_once().await, 1, "firing {n}");
        let d = e.instance(&sys(), &id).await.unwrap();
        let nags = d.tasks.iter().filter(|t| t.activity_id == "nag" && t.state == TaskState::Active).count();
        assert_eq!(nags, n);
        let jobs = jobs_of(e, &id).await;
        if n < 3 {
            assert_eq!(jobs.len(), 1);
            assert_eq!(jobs[0].fired, n as i64);
            assert_eq!(jobs[0].state, JobState::Pending);
            let detail = e.job(&sys(), &jobs[0].id).await.unwrap();
            assert_eq!(detail.attempts_log.len(), n);
            assert!(detail.attempts_log.iter().all(|a| a.ok));
        } else {
            assert!(jobs.is_empty(), "the cycle stops after 3: {jobs:?}");
        }
    }
    e.clock().advance(60 * 60_000);
    assert_eq!(x.run_once().await, 0);
}
db_test!(cycle_timer_repeats_three_times_then_stops, cycle_repeats);

async fn service_success(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "svc", &service_process("${base}/pay", "")).await;
    let id = start(e, "svc", json!({"base": "http://pay.example.com", "amount": 42})).await;
    let fake = Fake::ok(r#"{"paid": true}"#);
    let x = executor(e, fake.clone(), "a");
    let job = jobs_of(e, &id).await.remove(0);
    assert_eq!((job.kind, job.retries, job.process_name.as_str()), (JobKind::Service, Some(3), "svc process"));
    assert_eq!(x.run_once().await, 1);
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method, "POST");
    assert_eq!(calls[0].url, "http://pay.example.com/pay");
    assert_eq!(calls[0].body.as_deref(), Some(r#"{"amount": 42}"#));
    assert_eq!(calls[0].idempotency_key, format!("{}:1", job.id));
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.variables["payment"], json!({"status": 200, "body": {"paid": true}}));
    assert_eq!(d.summary.active_activity_ids, vec!["check"]);
    assert!(jobs_of(e, &id).await.is_empty());
}
db_test!(service_call_maps_the_response_into_a_variable, service_success);

async fn service_500(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "svc", &service_process("http://h/fail", r#"camunda:failedJobRetryTimeCycle="R2/PT10S""#)).await;
    let id = start(e, "svc", json!({"amount": 1})).await;
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let f2 = fail.clone();
    let fake = Fake::new(move |_| {
        Ok(if f2.load(Ordering::SeqCst) {
            ServiceResponse::new(500, "boom: database down")
        } else {
            ServiceResponse::new(200, "ok")
        })
    });
    let x = executor(e, fake.clone(), "a");
    assert_eq!(x.run_once().await, 1);
    let j = jobs_of(e, &id).await.remove(0);
    assert_eq!((j.state, j.retries), (JobState::Pending, Some(1)));
    assert!(j.error.as_deref().unwrap().starts_with("HTTP 500 from http://h/fail: boom"), "{:?}", j.error);
    assert!(j.error_details.as_deref().unwrap().contains("boom: database down"));
    assert_eq!(j.due, e.clock().now() + 10_000, "R2/PT10S waits 10 s");
    assert_eq!(x.run_once().await, 0, "waits for the backoff");
    e.clock().advance(10_000);
    assert_eq!(x.run_once().await, 1);
    let j = jobs_of(e, &id).await.remove(0);
    assert_eq!((j.state, j.retries), (JobState::Error, Some(0)));
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.summary.open_incidents, 1);
    assert!(d.incidents[0].message.contains("failed after 2 attempts: HTTP 500"), "{}", d.incidents[0].message);
    // Stored typed: the console renders it in Chinese, the REST API keeps the English above.
    let incident = &d.incidents[0].text;
    assert_eq!(incident.key, "run.job.failed_after");
    assert_eq!(incident.render(Lang::Zh), "作业“Pay”尝试 2 次后失败：http://h/fail 返回 HTTP 500：boom: database down");
    let last_error = j.error_text.as_ref().expect("the job's error as a sentence");
    assert_eq!(last_error.render(Lang::Zh), "http://h/fail 返回 HTTP 500：boom: database down");
    let errors = e.list_jobs(&sys(), &JobQuery { category: JobCategory::Errors, ..Default::default() }).await.unwrap();
    assert_eq!(errors.items.len(), 1);
    let detail = e.job(&sys(), &j.id).await.unwrap();
    assert_eq!(detail.attempts_log.iter().map(|a| (a.attempt, a.ok)).collect::<Vec<_>>(), vec![(2, false), (1, false)]);
    assert_eq!(detail.attempts_log[0].text.render(Lang::Zh), "http://h/fail 返回 HTTP 500：boom: database down");
    assert_eq!(detail.attempts_log[0].message, "HTTP 500 from http://h/fail: boom: database down");
    e.clock().advance(3_600_000);
    assert_eq!(x.run_once().await, 0, "a job in error waits for an administrator");

    // Execute: due now, one retry; the incident is resolved; the next call succeeds.
    fail.store(false, Ordering::SeqCst);
    let j = e.execute_job(&sys(), &j.id).await.unwrap();
    assert_eq!((j.state, j.retries, j.due), (JobState::Pending, Some(1), e.clock().now()));
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().open_incidents, 0);
    assert_eq!(x.run_once().await, 1);
    assert_eq!(active(e, &id).await, vec!["check"]);
    assert_eq!(fake.calls.lock().unwrap().iter().map(|c| c.idempotency_key.clone()).collect::<Vec<_>>().len(), 3);
    assert_eq!(fake.calls.lock().unwrap()[2].idempotency_key, format!("{}:3", j.id));
}
db_test!(http_500_retries_then_errors_with_an_incident_and_execute_runs_it_again, service_500);

async fn timeout_and_unreachable(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "svc", &service_process("http://h/slow", r#"camunda:failedJobRetryTimeCycle="R1/PT1S""#)).await;
    let slow = start(e, "svc", json!({"amount": 1})).await;
    let hanging = Arc::new(Fake {
        calls: Mutex::new(Vec::new()),
        respond: Box::new(|_| Ok(ServiceResponse::new(200, "late"))),
        delay: Duration::from_secs(3_600),
    });
    let x = executor(e, hanging, "a");
    let t0 = std::time::Instant::now();
    assert_eq!(x.run_once().await, 1);
    assert!(t0.elapsed() < Duration::from_secs(5), "the executor bounds a call that never answers");
    let j = jobs_of(e, &slow).await.remove(0);
    assert_eq!(j.state, JobState::Error);
    assert!(j.error.as_deref().unwrap().contains("timed out after 100 ms"), "{:?}", j.error);

    let down = start(e, "svc", json!({"amount": 1})).await;
    let fake = Fake::new(|r| {
        Err(CallError::Unreachable { url: r.url.clone(), reason: bpmn_core::text::Text::new("run.net.refused") })
    });
    let x = executor(e, fake, "b");
    assert_eq!(x.run_once().await, 1);
    let j = jobs_of(e, &down).await.remove(0);
    assert_eq!(j.state, JobState::Error);
    assert!(j.error.as_deref().unwrap().contains("could not be reached: the connection was refused"), "{:?}", j.error);

    // Each is found by the words of its error as people read them, in either language (the
    // error is stored as its sentence's key and values), and by a value as it is.
    let found = |word: &'static str| async move {
        let q = JobQuery { name: Some(word.into()), ..Default::default() };
        e.list_jobs(&sys(), &q).await.unwrap().items.into_iter().map(|j| j.instance_id).collect::<Vec<_>>()
    };
    for word in ["拒绝连接", "REFUSED", "无法连接 svc"] {
        assert_eq!(found(word).await, std::slice::from_ref(&down), "{word}");
    }
    for word in ["超时", "timed"] {
        assert_eq!(found(word).await, std::slice::from_ref(&slow), "{word}");
    }
    assert_eq!(found("拒绝连接 超时").await, Vec::<String>::new());
}
db_test!(timeouts_and_unreachable_hosts_fail_the_job, timeout_and_unreachable);

async fn allow_list(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "svc", &service_process("http://127.0.0.1:9/x", r#"camunda:failedJobRetryTimeCycle="R1/PT1S""#)).await;
    let fake = Fake::ok("{}");
    let run = |id: &str, list: Option<&str>| {
        let allowed_hosts = HostPolicy::parse(list).unwrap();
        let config = ExecutorConfig { id: id.into(), allowed_hosts, ..Default::default() };
        let x = Executor::new(e.clone(), fake.clone(), config);
        async move { x.run_once().await }
    };
    let error_of = |id: String| async move {
        let j = jobs_of(e, &id).await.remove(0);
        assert_eq!(j.state, JobState::Error);
        j.error.unwrap()
    };

    let listed = start(e, "svc", json!({"amount": 1})).await;
    assert_eq!(run("guarded", Some("*.example.com")).await, 1);
    assert_eq!(fake.count(), 0, "no call to a refused host");
    let err = error_of(listed).await;
    assert!(err.contains("host 127.0.0.1 is not in the allow-list (BPM_ALLOWED_HOSTS)"), "{err}");

    // Without a list, internal addresses are refused too; named, they are called.
    let default = start(e, "svc", json!({"amount": 1})).await;
    assert_eq!(run("default", None).await, 1);
    assert_eq!(fake.count(), 0, "no call to an internal address");
    let err = error_of(default).await;
    assert!(
        err.starts_with(
            "Service task 'pay' may not call http://127.0.0.1:9/x: the address 127.0.0.1 is a loopback address;"
        ),
        "{err}"
    );
    start(e, "svc", json!({"amount": 1})).await;
    assert_eq!(run("named", Some("127.0.0.1")).await, 1);
    assert_eq!(fake.count(), 1);
}
db_test!(hosts_outside_the_allow_list_and_internal_addresses_are_refused, allow_list);

async fn admin_operations(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "svc", &service_process("http://h/x", "")).await;
    let id = start(e, "svc", json!({"amount": 1})).await;
    let job = jobs_of(e, &id).await.remove(0);
    for err in [e.execute_job(&sys(), "nope").await.unwrap_err(), e.delete_job(&sys(), "nope").await.unwrap_err()] {
        assert_eq!(err.status(), 404, "{err}");
    }
    // A suspended instance's job waits and cannot be executed.
    e.suspend_instance(&sys(), &id, "hold", None).await.unwrap();
    let x = executor(e, Fake::ok("{}"), "a");
    assert_eq!(x.run_once().await, 0, "a suspended instance's jobs wait");
    let err = e.execute_job(&sys(), &job.id).await.unwrap_err();
    assert_eq!(err.status(), 409);
    assert!(err.to_string().contains("resume the instance first"), "{err}");
    e.resume_instance(&sys(), &id, "go", None).await.unwrap();

    // Delete: the job is gone and the instance says who deleted it.
    let alice = Account { username: "alice".into(), ..Account::system() };
    e.delete_job(&alice, &job.id).await.unwrap();
    assert!(jobs_of(e, &id).await.is_empty());
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.summary.open_incidents, 1);
    assert!(d.incidents[0].message.contains("was deleted by alice"), "{}", d.incidents[0].message);
    assert!(d.operations.iter().any(|o| o.operation == "delete-job" && o.actor == "alice"));
    assert_eq!(e.delete_job(&sys(), &job.id).await.unwrap_err().status(), 404);
    assert_eq!(x.run_once().await, 0);

    // Terminating an instance removes its jobs: operations on them are refused with 404.
    let other = start(e, "svc", json!({"amount": 1})).await;
    let job = jobs_of(e, &other).await.remove(0);
    e.terminate_instance(&sys(), &other, "stop", None).await.unwrap();
    assert_eq!(e.execute_job(&sys(), &job.id).await.unwrap_err().status(), 404);

    // A tenant manager of another tenant does not see the jobs.
    let third = start(e, "svc", json!({"amount": 1})).await;
    let job = jobs_of(e, &third).await.remove(0);
    let stranger = Account {
        username: "m".into(),
        role: engine::identity::Role::TenantManager,
        tenant_id: Some("east".into()),
        ..Account::system()
    };
    assert_eq!(e.delete_job(&stranger, &job.id).await.unwrap_err().status(), 404);
    assert!(e.list_jobs(&stranger, &JobQuery::default()).await.unwrap().items.is_empty());
}
db_test!(execute_and_delete_with_their_refusals, admin_operations);

async fn paging(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "svc", &service_process("http://h/x", "")).await;
    for _ in 0..5 {
        start(e, "svc", json!({"amount": 1})).await;
        e.clock().advance(1);
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let q = JobQuery { limit: 2, cursor: cursor.clone(), name: Some("pa".into()), ..Default::default() };
        let page = e.list_jobs(&sys(), &q).await.unwrap();
        seen.extend(page.items.into_iter().map(|j| j.id));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let q = JobQuery { name: Some("zzz".into()), ..Default::default() };
    assert!(e.list_jobs(&sys(), &q).await.unwrap().items.is_empty());
    let bad = JobQuery { cursor: Some("zz".into()), ..Default::default() };
    assert_eq!(e.list_jobs(&sys(), &bad).await.unwrap_err().status(), 422);
}
db_test!(job_list_pages_and_searches, paging);

/// Counts calls per job id (from the idempotency key).
fn counting() -> (Arc<Mutex<HashMap<String, usize>>>, Arc<Fake>) {
    let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let c2 = counts.clone();
    let fake = Fake::new(move |r| {
        let job = r.idempotency_key.split(':').next().unwrap_or_default().to_owned();
        *c2.lock().unwrap().entry(job).or_default() += 1;
        Ok(ServiceResponse::new(200, "{}"))
    });
    (counts, fake)
}

async fn two_executors(db: &TestDb, n: usize) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<serviceTask id="pay" name="Pay" flowable:type="http"><extensionElements><flowable:field name="requestUrl" stringValue="http://h/x"/></extensionElements></serviceTask>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "pay"),
        flow("f2", "pay", "end"),
    ]
    .concat();
    deploy(e, "many", &body).await;
    for _ in 0..n {
        start(e, "many", json!({})).await;
    }
    let (counts, fake) = counting();
    let mut handles = Vec::new();
    let ran = Arc::new(AtomicUsize::new(0));
    for name in ["x1", "x2"] {
        let config = ExecutorConfig { id: name.into(), max_concurrent: 8, ..Default::default() };
        let x = Executor::new(e.clone(), fake.clone(), config);
        let ran = ran.clone();
        handles.push(tokio::spawn(async move {
            let mut mine = 0;
            let mut idle = 0;
            while idle < 3 {
                let k = x.run_once().await;
                mine += k;
                idle = if k == 0 { idle + 1 } else { 0 };
            }
            ran.fetch_add(mine, Ordering::SeqCst);
            mine
        }));
    }
    let mut per = Vec::new();
    for h in handles {
        per.push(h.await.unwrap());
    }
    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts.len(), n, "no job lost");
    assert!(counts.values().all(|&c| c == 1), "no job run twice");
    assert_eq!(ran.load(Ordering::SeqCst), n);
    assert!(per.iter().all(|&p| p > 0), "both executors worked: {per:?}");
    let q = JobQuery { limit: 10, ..Default::default() };
    assert!(e.list_jobs(&sys(), &q).await.unwrap().items.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_executors_on_postgres_run_1000_jobs_once_each() {
    let db = TestDb::postgres().await;
    two_executors(&db, 1_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_executors_on_sqlite_run_200_jobs_once_each() {
    let db = TestDb::sqlite().await;
    two_executors(&db, 200).await;
}

async fn lease_takeover(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "svc", &service_process("http://h/x", "")).await;
    let id = start(e, "svc", json!({"amount": 1})).await;
    let stuck = Arc::new(Fake {
        calls: Mutex::new(Vec::new()),
        respond: Box::new(|_| Ok(ServiceResponse::new(200, "never"))),
        delay: Duration::from_secs(3_600),
    });
    let config = ExecutorConfig { id: "doomed".into(), lease_ms: 30_000, ..Default::default() };
    let doomed = Executor::new(e.clone(), stuck.clone(), config);
    let run = tokio::spawn(async move { doomed.run_once().await });
    while stuck.count() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    run.abort(); // killed mid-call
    let j = jobs_of(e, &id).await.remove(0);
    assert_eq!(j.state, JobState::Running);
    assert!(j.locked_by.as_deref().unwrap().starts_with("doomed#"), "{:?}", j.locked_by);
    let fake = Fake::ok(r#"{"n": 1}"#);
    let heir = executor(e, fake.clone(), "heir");
    assert_eq!(heir.run_once().await, 0, "the lease still holds");
    e.clock().advance(30_001);
    assert_eq!(heir.run_once().await, 1);
    assert_eq!(fake.calls.lock().unwrap()[0].idempotency_key, format!("{}:2", j.id));
    assert_eq!(active(e, &id).await, vec!["check"]);
    assert_eq!(e.instance(&sys(), &id).await.unwrap().summary.state, InstanceStatus::Running);
}
db_test!(a_killed_executors_job_is_taken_over_after_the_lease, lease_takeover);

async fn timer_start_events(db: &TestDb) {
    let e = &db.engine;
    let body = |name: &str| {
        [
            format!(
                r#"<startEvent id="tick" name="{name}"><timerEventDefinition><timeCycle>R2/PT1M</timeCycle></timerEventDefinition></startEvent>"#
            ),
            r#"<userTask id="report" name="Report"/><endEvent id="end"/>"#.into(),
            flow("f1", "tick", "report"),
            flow("f2", "report", "end"),
        ]
        .concat()
    };
    deploy(e, "daily", &body("Every minute")).await;
    // Listed for the 作业 screen with its model's name and next firing; a tenant manager of
    // another tenant sees none.
    let listed = e.list_start_timers(&sys(), None).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let t = &listed[0];
    assert_eq!((t.name.as_str(), t.process_key.as_str(), t.version), ("Every minute", "daily", 1));
    assert_eq!((t.timer_kind.as_str(), t.definition.as_str()), ("cycle", "R2/PT1M"));
    assert_eq!((t.due, t.fired), (e.clock().now() + 60_000, 0));
    let other = Account {
        id: "m".into(),
        username: "m".into(),
        display_name: "m".into(),
        role: engine::identity::Role::TenantManager,
        tenant_id: Some("elsewhere".into()),
    };
    assert!(e.list_start_timers(&other, None).await.unwrap().is_empty());
    assert!(e.list_start_timers(&sys(), Some("elsewhere")).await.unwrap().is_empty());
    let x = executor(e, Fake::ok("{}"), "a");
    let count = |e: &Engine| {
        let e = e.clone();
        async move {
            let q = engine::instances::InstanceQuery { definition_name: Some("daily".into()), ..Default::default() };
            e.list_instances(&sys(), &q).await.unwrap().items
        }
    };
    assert_eq!(x.run_once().await, 0, "not due yet");
    assert!(count(e).await.is_empty());
    e.clock().advance(60_000);
    assert_eq!(x.run_once().await, 1);
    let started = count(e).await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].initiator.as_deref(), Some("timer"));
    assert_eq!(started[0].active_activity_ids, ["report"]);
    assert_eq!(x.run_once().await, 0, "the next firing is a minute later");
    let listed = e.list_start_timers(&sys(), None).await.unwrap();
    assert_eq!((listed[0].fired, listed[0].due), (1, e.clock().now() + 60_000));
    // A new version replaces the timer of the old one (and starts on its own schedule).
    deploy(e, "daily", &body("Every minute, v2")).await;
    let listed = e.list_start_timers(&sys(), None).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!((listed[0].name.as_str(), listed[0].version), ("Every minute, v2", 2));
    e.clock().advance(60_000);
    assert_eq!(x.run_once().await, 1);
    let all = count(e).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].version, 2, "the newest instance runs the new version");
    e.clock().advance(60_000);
    assert_eq!(x.run_once().await, 1, "R2: the second firing of version 2");
    e.clock().advance(60_000);
    assert_eq!(x.run_once().await, 0, "R2 is used up");
    assert_eq!(count(e).await.len(), 3);
    // A version without a timer start event removes the old version's timer: it fires no more.
    deploy(e, "daily", &body("Again")).await;
    assert_eq!(e.list_start_timers(&sys(), None).await.unwrap().len(), 1);
    let plain = [r#"<startEvent id="tick"/><endEvent id="end"/>"#.to_string(), flow("f1", "tick", "end")].concat();
    deploy(e, "daily", &plain).await;
    assert!(e.list_start_timers(&sys(), None).await.unwrap().is_empty());
    e.clock().advance(120_000);
    assert_eq!(x.run_once().await, 0, "no timer left to fire");
    assert_eq!(count(e).await.len(), 3);
}
db_test!(timer_start_events_start_instances_on_their_cycle, timer_start_events);

async fn async_user_task(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<userTask id="review" name="Review" camunda:asyncBefore="true" camunda:assignee="${who}"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "review"),
        flow("f2", "review", "end"),
    ]
    .concat();
    deploy(e, "later", &body).await;
    let id = start(e, "later", json!({"who": "lina"})).await;
    let jobs = jobs_of(e, &id).await;
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!(
        (job.kind, job.state, job.name.as_str(), job.activity_id.as_str(), job.retries, job.due),
        (JobKind::Async, JobState::Pending, "Review", "review", Some(3), e.clock().now())
    );
    assert_eq!(active(e, &id).await, ["review"], "the instance waits in front of the task");
    assert_eq!(history(e, &id).await, ["start:completed"], "the task has not started");
    assert!(e.instance(&sys(), &id).await.unwrap().tasks.is_empty());
    let listed = serde_json::to_value(job).unwrap();
    assert_eq!(listed["type"], "async");

    let x = executor(e, Fake::ok("{}"), "a");
    assert_eq!(x.run_once().await, 1);
    assert!(jobs_of(e, &id).await.is_empty());
    assert_eq!(history(e, &id).await, ["start:completed", "review:-"]);
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.tasks.len(), 1);
    assert_eq!((d.tasks[0].assignee.as_deref(), d.tasks[0].state), (Some("lina"), TaskState::Active));
    let log = e.job(&sys(), &job.id).await.unwrap_err();
    assert_eq!(log.status(), 404, "a continuation that ran is gone");
    e.complete_task(&sys(), &d.tasks[0].id, Default::default()).await.unwrap();
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().state, InstanceStatus::Completed);

    // A continuation whose activity cannot start (no `who`) is done; the token stops with an
    // incident on the task, and a retry after the fix enters it at once.
    let broken = start(e, "later", json!({})).await;
    assert_eq!(x.run_once().await, 1);
    assert!(jobs_of(e, &broken).await.is_empty());
    let d = e.instance(&sys(), &broken).await.unwrap();
    assert_eq!((d.summary.open_incidents, d.incidents[0].activity_id.as_str()), (1, "review"));
    assert!(d.incidents[0].message.contains("who"), "{}", d.incidents[0].message);
    e.set_variable(&sys(), &broken, "who", Some(json!("dora")), None).await.unwrap();
    e.retry_incident(&sys(), &broken, &d.incidents[0].id).await.unwrap();
    let d = e.instance(&sys(), &broken).await.unwrap();
    assert_eq!(d.tasks.iter().map(|t| t.assignee.as_deref()).collect::<Vec<_>>(), [Some("dora")]);
    assert!(jobs_of(e, &broken).await.is_empty(), "no second continuation");
}
db_test!(an_async_user_task_is_created_by_its_continuation_job, async_user_task);

async fn async_service_task(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "svc", &service_process("http://h/pay", r#"camunda:asyncBefore="true""#)).await;
    let id = start(e, "svc", json!({"amount": 7})).await;
    let fake = Fake::ok(r#"{"paid": true}"#);
    let x = executor(e, fake.clone(), "a");
    let job = jobs_of(e, &id).await.remove(0);
    assert_eq!((job.kind, job.name.as_str()), (JobKind::Async, "Pay"));
    assert_eq!(x.run_once().await, 1, "the continuation");
    assert_eq!(fake.count(), 0, "no call yet: the continuation created the service job");
    let jobs = jobs_of(e, &id).await;
    assert_eq!(jobs.iter().map(|j| (j.kind, j.state)).collect::<Vec<_>>(), [(JobKind::Service, JobState::Pending)]);
    assert_eq!(history(e, &id).await, ["start:completed", "pay:-"]);
    assert_eq!(x.run_once().await, 1, "the call");
    assert_eq!(fake.count(), 1);
    assert_eq!(active(e, &id).await, ["check"]);
    assert_eq!(e.instance(&sys(), &id).await.unwrap().variables["payment"]["body"], json!({"paid": true}));
}
db_test!(an_async_service_task_continues_then_calls, async_service_task);

async fn async_jobs_follow_the_instance(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<userTask id="review" name="Review" flowable:async="true"/>"#.into(),
        r#"<userTask id="other" name="Other"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "review"),
        flow("f2", "review", "other"),
        flow("f3", "other", "end"),
    ]
    .concat();
    deploy(e, "later", &body).await;
    let x = executor(e, Fake::ok("{}"), "a");

    // Suspended: the continuation waits; resumed: it runs.
    let id = start(e, "later", json!({})).await;
    e.suspend_instance(&sys(), &id, "hold", None).await.unwrap();
    assert_eq!(x.run_once().await, 0, "a suspended instance's continuation waits");
    assert_eq!(jobs_of(e, &id).await[0].state, JobState::Pending);
    e.resume_instance(&sys(), &id, "go", None).await.unwrap();
    assert_eq!(x.run_once().await, 1);
    assert_eq!(history(e, &id).await, ["start:completed", "review:-"]);

    // Adjusted away: the job goes, nothing of `review` is in the history.
    let moved = start(e, "later", json!({})).await;
    e.move_instance(&sys(), &moved, &["review".into()], "other", "skip", None).await.unwrap();
    assert!(jobs_of(e, &moved).await.is_empty());
    assert_eq!(history(e, &moved).await, ["start:completed", "other:-"]);

    // Terminated: the job goes.
    let ended = start(e, "later", json!({})).await;
    e.terminate_instance(&sys(), &ended, "stop", None).await.unwrap();
    assert!(jobs_of(e, &ended).await.is_empty());

    // Deleted: an incident says so; executing a deleted job is refused.
    let deleted = start(e, "later", json!({})).await;
    let job = jobs_of(e, &deleted).await.remove(0);
    e.delete_job(&sys(), &job.id).await.unwrap();
    let d = e.instance(&sys(), &deleted).await.unwrap();
    assert!(d.incidents[0].message.contains("(asynchronous continuation) was deleted"), "{}", d.incidents[0].message);
    assert_eq!(e.execute_job(&sys(), &job.id).await.unwrap_err().status(), 404);
    assert_eq!(x.run_once().await, 0);
}
db_test!(
    async_continuations_wait_while_suspended_and_go_with_moves_terminations_and_deletes,
    async_jobs_follow_the_instance
);

/// A caller whose calls wait until `open` gets a permit. Counts the calls started and the
/// calls dropped before they answered (aborted).
struct Gate {
    started: AtomicUsize,
    dropped: AtomicUsize,
    open: tokio::sync::Semaphore,
}

impl Gate {
    fn closed() -> Arc<Gate> {
        Arc::new(Gate {
            started: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            open: tokio::sync::Semaphore::new(0),
        })
    }
}

/// Counts a call dropped while it waited.
struct Unanswered<'a>(&'a AtomicUsize);

impl Drop for Unanswered<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl ServiceCaller for Gate {
    fn call(&self, _req: ServiceRequest) -> CallFuture<'_> {
        Box::pin(async move {
            self.started.fetch_add(1, Ordering::SeqCst);
            let waiting = Unanswered(&self.dropped);
            let permit = self.open.acquire().await;
            std::mem::forget(waiting);
            drop(permit);
            Ok(ServiceResponse::new(200, r#"{"late": true}"#))
        })
    }
}

/// Waits (polling) until `cond` holds; panics with `what` if it never does.
async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..12_000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("never happened: {what}");
}

/// The service process whose call may take ten minutes.
fn slow_service() -> String {
    service_process("http://h/slow", "").replace(r#"stringValue="100""#, r#"stringValue="600000""#)
}

async fn delete_running(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "svc", &slow_service()).await;
    let id = start(e, "svc", json!({"amount": 1})).await;
    let gate = Gate::closed();
    let x = executor(e, gate.clone(), "a");
    let run = tokio::spawn(async move { x.run_once().await });
    wait_until("the call started", || gate.started.load(Ordering::SeqCst) == 1).await;
    let job = jobs_of(e, &id).await.remove(0);
    assert_eq!(job.state, JobState::Running);
    assert!(job.locked_by.as_deref().unwrap().starts_with("a#"), "{:?}", job.locked_by);

    let alice = Account { username: "alice".into(), ..Account::system() };
    e.delete_job(&alice, &job.id).await.unwrap();
    wait_until("the executor's run ended", || run.is_finished()).await;
    assert_eq!(gate.dropped.load(Ordering::SeqCst), 1, "the call was aborted");
    assert_eq!(run.await.unwrap(), 1);
    gate.open.add_permits(10);

    assert!(jobs_of(e, &id).await.is_empty());
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.summary.open_incidents, 1);
    assert!(d.incidents[0].message.contains("was deleted by alice"), "{}", d.incidents[0].message);
    assert_eq!(d.summary.active_activity_ids, ["pay"], "the token still waits on the service task");
    assert!(!d.variables.contains_key("payment"), "no outcome was written");
    assert_eq!(history(e, &id).await, ["start:completed", "pay:-"]);
}
db_test!(deleting_a_running_job_aborts_its_call, delete_running);

async fn lease_renewal(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "svc", &slow_service()).await;
    let id = start(e, "svc", json!({"amount": 1})).await;
    // Another server process on the same database: an engine of its own.
    let other = Engine::new(e.store().clone(), e.clock().clone());
    let gate = Gate::closed();
    let config = ExecutorConfig { id: "far".into(), lease_ms: 200, ..Default::default() };
    let x = Executor::new(other, gate.clone(), config);
    let run = tokio::spawn(async move { x.run_once().await });
    wait_until("the call started", || gate.started.load(Ordering::SeqCst) == 1).await;
    let claimed = jobs_of(e, &id).await.remove(0);
    let first = claimed.lock_expires_at.unwrap();
    assert_eq!(first, e.clock().now() + 200);

    // By the clock the first lease is over; the running executor extends it.
    e.clock().advance(10_000);
    for _ in 0..12_000 {
        if jobs_of(e, &id).await[0].lock_expires_at > Some(first) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let renewed = jobs_of(e, &id).await.remove(0);
    assert_eq!(renewed.lock_expires_at, Some(e.clock().now() + 200), "the lease was renewed");
    assert_eq!((renewed.state, renewed.revision), (JobState::Running, claimed.revision));
    let heir = executor(e, Fake::ok("{}"), "heir");
    assert_eq!(heir.run_once().await, 0, "a renewed lease is not taken over");

    // Deleted through this process: the other one notices at its next renewal and aborts.
    e.delete_job(&sys(), &claimed.id).await.unwrap();
    wait_until("the other executor's run ended", || run.is_finished()).await;
    assert_eq!(gate.dropped.load(Ordering::SeqCst), 1, "the call was aborted");
    gate.open.add_permits(10);
    assert!(jobs_of(e, &id).await.is_empty());
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!((d.summary.open_incidents, d.summary.active_activity_ids.clone()), (1, vec!["pay".to_owned()]));
    assert!(!d.variables.contains_key("payment"));
}
db_test!(a_long_call_keeps_its_lease_and_a_deletion_elsewhere_aborts_it_at_the_next_renewal, lease_renewal);

/// Makes every insert into `table` fail (as if the process died before its commit), or stops
/// that.
async fn break_inserts(e: &Engine, table: &str, broken: bool) {
    let pool = e.store().pool();
    let statements: Vec<String> = match (e.store().backend(), broken) {
        (engine::Backend::Sqlite, true) => {
            vec![format!("CREATE TRIGGER crash BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'crash'); END")]
        }
        (engine::Backend::Sqlite, false) => vec!["DROP TRIGGER crash".into()],
        (engine::Backend::Postgres, true) => vec![
            "CREATE OR REPLACE FUNCTION crash() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'crash'; END $$ \
             LANGUAGE plpgsql"
                .into(),
            format!("CREATE TRIGGER crash BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION crash()"),
        ],
        (engine::Backend::Postgres, false) => vec![format!("DROP TRIGGER crash ON {table}")],
    };
    for sql in statements {
        sqlx::query(&sql).execute(pool).await.unwrap();
    }
}

async fn break_instance_inserts(e: &Engine, broken: bool) {
    break_inserts(e, "process_instances", broken).await;
}

async fn start_timer_survives_a_failed_start(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="tick" name="Tick"><timerEventDefinition><timeCycle>R2/PT1M</timeCycle></timerEventDefinition></startEvent>"#.to_string(),
        r#"<userTask id="report" name="Report"/><endEvent id="end"/>"#.into(),
        flow("f1", "tick", "report"),
        flow("f2", "report", "end"),
    ]
    .concat();
    deploy(e, "ticking", &body).await;
    let x = executor(e, Fake::ok("{}"), "a");
    let count = || async {
        let q = engine::instances::InstanceQuery { definition_name: Some("ticking".into()), ..Default::default() };
        e.list_instances(&sys(), &q).await.unwrap().items.len()
    };
    e.clock().advance(60_000);
    // The start fails after the firing was claimed: the claim goes with it.
    break_instance_inserts(e, true).await;
    assert_eq!(x.run_once().await, 0);
    assert_eq!(count().await, 0);
    break_instance_inserts(e, false).await;
    assert_eq!(x.run_once().await, 1, "the firing was not lost");
    assert_eq!(count().await, 1);
    assert_eq!(x.run_once().await, 0, "and it started once");
    e.clock().advance(60_000);
    assert_eq!(x.run_once().await, 1, "the second firing of R2");
    e.clock().advance(60_000);
    assert_eq!(x.run_once().await, 0);
    assert_eq!(count().await, 2);
}
db_test!(a_timer_start_firing_is_claimed_with_its_start_and_survives_a_failed_one, start_timer_survives_a_failed_start);

// --- A killed executor's quick lane (timers, continuations) --------------------------------

/// Makes every attempt log insert fail: a claimed timer's outcome is then not written and its
/// claim stays, as a kill leaves it.
async fn break_attempt_log(e: &Engine, broken: bool) {
    break_inserts(e, "job_attempts", broken).await;
}

/// An executor of the server process slot `id` in its run `incarnation`.
fn slot(e: &Engine, id: &str, incarnation: &str) -> Executor {
    let config = ExecutorConfig { id: id.into(), incarnation: incarnation.into(), ..Default::default() };
    Executor::new(e.clone(), Fake::ok("{}"), config)
}

/// Three instances whose one-minute timers are due, claimed by executor `web1` (run 1),
/// which dies before it writes their outcome. Returns the instances.
async fn timers_claimed_by_a_killed_executor(e: &Engine) -> Vec<String> {
    deploy(e, "timer", &timer_process()).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(start(e, "timer", json!({})).await);
    }
    e.clock().advance(60_000);
    break_attempt_log(e, true).await;
    let killed = slot(e, "web1", "1");
    killed.run_once().await;
    drop(killed);
    break_attempt_log(e, false).await;
    for id in &ids {
        let j = jobs_of(e, id).await.remove(0);
        assert_eq!((j.state, j.locked_by.as_deref()), (JobState::Running, Some("web1#1")), "claimed and left");
    }
    ids
}

async fn killed_quick_lane_restarts(db: &TestDb) {
    let e = &db.engine;
    let ids = timers_claimed_by_a_killed_executor(e).await;
    let job = jobs_of(e, &ids[0]).await.remove(0);
    assert_eq!(job.lock_expires_at, Some(e.clock().now() + engine::jobs::QUICK_LEASE_MS), "the quick lane's lease");
    const { assert!(engine::jobs::QUICK_LEASE_MS <= 30_000, "and it is short") };

    // The same server process slot restarts (no time passes): it releases its earlier claims
    // at once, logging the interrupted attempt without taking a retry.
    let restarted = slot(e, "web1", "2");
    assert_eq!(restarted.release_previous_incarnations().await.unwrap(), 3);
    let detail = e.job(&sys(), &job.id).await.unwrap();
    assert_eq!((detail.job.state, detail.job.locked_by.clone()), (JobState::Pending, None));
    assert_eq!((detail.job.attempts, detail.job.retries), (job.attempts, job.retries));
    let log = &detail.attempts_log;
    assert_eq!((log.len(), log[0].ok, log[0].executor.as_str()), (1, false, "web1#1"));
    assert!(log[0].message.contains("interrupted") && log[0].message.contains("web1#2"), "{}", log[0].message);
    assert_eq!(restarted.run_once().await, 3, "the timers fire at once");
    for id in &ids {
        assert_eq!(active(e, id).await, vec!["next"]);
        assert!(jobs_of(e, id).await.is_empty());
    }
    assert_eq!(restarted.release_previous_incarnations().await.unwrap(), 0);
}
db_test!(a_killed_executors_timers_run_at_once_when_it_restarts, killed_quick_lane_restarts);

async fn killed_quick_lane_first_round(db: &TestDb) {
    let e = &db.engine;
    let ids = timers_claimed_by_a_killed_executor(e).await;
    // The executor's own first round releases (run_once, as the server's loop does).
    assert_eq!(slot(e, "web1", "2").run_once().await, 3);
    for id in &ids {
        assert_eq!(active(e, id).await, vec!["next"]);
    }
}
db_test!(a_restarted_executors_first_round_runs_its_earlier_claims, killed_quick_lane_first_round);

async fn peer_claims_wait_for_their_lease(db: &TestDb) {
    let e = &db.engine;
    let ids = timers_claimed_by_a_killed_executor(e).await;
    // Another slot (another identity; one that merely shares a prefix too) releases nothing.
    for peer_id in ["web2", "web", "WEB1"] {
        let peer = slot(e, peer_id, "1");
        assert_eq!(peer.release_previous_incarnations().await.unwrap(), 0, "{peer_id}");
        assert_eq!(peer.run_once().await, 0, "{peer_id}: the claims still hold");
    }
    let peer = slot(e, "web2", "1");
    e.clock().advance(engine::jobs::QUICK_LEASE_MS);
    assert_eq!(peer.run_once().await, 0, "not before the lease ends");
    e.clock().advance(1);
    assert_eq!(peer.run_once().await, 3, "taken over after the short lease, not five minutes");
    for id in &ids {
        assert_eq!(active(e, id).await, vec!["next"]);
    }
}
db_test!(a_peers_claims_are_taken_over_only_after_their_short_lease, peer_claims_wait_for_their_lease);

/// Camunda's set retries: a job in error becomes pending with its incident resolved and runs;
/// 0 stops a pending job with an incident; the job and incident queries show each state.
async fn set_retries(db: &TestDb) {
    use engine::history::{IncidentFilter, JobFilter, Window, FAILED_JOB};
    let e = &db.engine;
    deploy(e, "svc", &service_process("http://h/fail", r#"camunda:failedJobRetryTimeCycle="R1/PT10S""#)).await;
    let id = start(e, "svc", json!({"amount": 1})).await;
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let f2 = fail.clone();
    let fake = Fake::new(move |_| {
        Ok(if f2.load(Ordering::SeqCst) { ServiceResponse::new(500, "down") } else { ServiceResponse::new(200, "ok") })
    });
    let x = executor(e, fake, "a");
    assert_eq!(x.run_once().await, 1);
    let failed = JobFilter { no_retries_left: true, with_exception: true, ..JobFilter::default() };
    let jobs = e.find_jobs(&sys(), &failed, Window::default()).await.unwrap();
    assert_eq!(jobs.len(), 1, "one attempt, then in error");
    let job = jobs[0].job.clone();
    assert_eq!((jobs[0].definition_key.as_str(), jobs[0].suspended), ("svc", false));
    let incidents = e.open_incidents(&sys(), &IncidentFilter::default(), Window::default()).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!((incidents[0].job_id.as_deref(), incidents[0].incident_type()), (Some(job.id.as_str()), FAILED_JOB));
    let by_job = IncidentFilter { job_id: Some(job.id.clone()), ..IncidentFilter::default() };
    assert_eq!(e.count_open_incidents(&sys(), &by_job).await.unwrap(), 1);

    let err = e.set_job_retries(&sys(), &job.id, -1).await.unwrap_err();
    assert_eq!(err.status(), 422, "{err}");
    let again = e.set_job_retries(&sys(), &job.id, 2).await.unwrap();
    assert_eq!((again.job.state, again.job.retries), (JobState::Pending, Some(2)));
    assert_eq!(e.count_open_incidents(&sys(), &IncidentFilter::default()).await.unwrap(), 0);
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().open_incidents, 0);
    let executable = JobFilter { executable: true, ..JobFilter::default() };
    assert_eq!(e.count_jobs(&sys(), &executable).await.unwrap(), 1);
    assert_eq!(e.count_jobs(&sys(), &JobFilter { timers: true, ..JobFilter::default() }).await.unwrap(), 0);

    // 0 retries on a pending job: in error with an incident naming who stopped it.
    let stopped = e.set_job_retries(&sys(), &job.id, 0).await.unwrap();
    assert_eq!((stopped.job.state, stopped.job.retries), (JobState::Error, Some(0)));
    let incidents = e.open_incidents(&sys(), &IncidentFilter::default(), Window::default()).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert!(incidents[0].incident.message.contains("set them to 0"), "{}", incidents[0].incident.message);
    assert_eq!(x.run_once().await, 0, "a job without retries waits");

    // Retries again, and this time the call succeeds.
    fail.store(false, Ordering::SeqCst);
    e.set_job_retries(&sys(), &job.id, 1).await.unwrap();
    assert_eq!(x.run_once().await, 1);
    assert_eq!(active(e, &id).await, vec!["check"]);
    let err = e.set_job_retries(&sys(), &job.id, 1).await.unwrap_err();
    assert_eq!(err.status(), 404, "the job is done: {err}");
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.operations.iter().filter(|o| o.operation == "set-job-retries").count(), 3);
}
db_test!(set_retries_revives_a_failed_job_and_zero_stops_one, set_retries);
