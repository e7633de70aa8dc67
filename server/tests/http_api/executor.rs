//! The reqwest service caller against a local HTTP server: success with the idempotency key,
//! HTTP 500, timeout, unreachable host, redirects to another host; the address policy (internal
//! addresses refused unless allowed, checked on the resolved address, on redirects and on the
//! host as the client reads the URL); and a process whose service task calls the server's own
//! `/demo/echo` through the executor.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, get};
use axum::Router;
use bpmn_core::text::Lang;
use engine::db_test;
use engine::identity::Account;
use engine::instances::StartRequest;
use engine::jobs::{
    CallError, Executor, ExecutorConfig, HostPolicy, JobQuery, JobState, ServiceCaller, ServiceRequest,
};
use engine::testing::TestDb;
use engine::Engine;
use serde_json::json;
use server::executor::{allow_demo, demo_routes, HttpCaller};

/// A local HTTP server on 127.0.0.1: its base URL and the number of requests it received.
async fn stub() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app: Router = Router::new()
        .route(
            "/ok",
            any(|h: HeaderMap, body: String| async move {
                let key = h.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                axum::Json(json!({"key": key, "body": body}))
            }),
        )
        .route("/fail", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "kaputt").into_response() }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route("/away", get(|| async { Redirect::temporary("http://localhost.invalid/x") }))
        .route("/here", get(|| async { Redirect::temporary("/ok") }))
        .route("/jump", get(|q: Query<HashMap<String, String>>| async move { Redirect::temporary(&q["to"]) }))
        .merge(demo_routes())
        .layer(axum::middleware::from_fn(move |r: axum::extract::Request, next: axum::middleware::Next| {
            counter.fetch_add(1, Ordering::SeqCst);
            next.run(r)
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), hits)
}

fn policy(list: &str) -> HostPolicy {
    HostPolicy::parse(Some(list)).unwrap()
}

fn req(url: String, timeout_ms: u64) -> ServiceRequest {
    ServiceRequest {
        method: "POST".into(),
        url,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Some(r#"{"a":1}"#.into()),
        timeout_ms,
        idempotency_key: "job-1:2".into(),
    }
}

#[tokio::test]
async fn the_http_caller_reports_each_outcome() {
    let (base, _) = stub().await;
    let caller = HttpCaller::new(policy("127.0.0.1,localhost.invalid")).unwrap();

    let ok = caller.call(req(format!("{base}/ok"), 2_000)).await.unwrap();
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json, Some(json!({"key": "job-1:2", "body": "{\"a\":1}"})));

    let mut get = req(format!("{base}/fail"), 2_000);
    get.method = "GET".into();
    let fail = caller.call(get.clone()).await.unwrap();
    assert_eq!((fail.status, fail.body.as_str()), (500, "kaputt"));

    get.url = format!("{base}/slow");
    get.timeout_ms = 200;
    let t0 = std::time::Instant::now();
    let err = caller.call(get.clone()).await.unwrap_err();
    assert!(matches!(err, CallError::Timeout { ms: 200, .. }), "{err:?}");
    assert!(t0.elapsed() < Duration::from_secs(2));

    // A port nobody listens on.
    let free = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/x", free.local_addr().unwrap());
    drop(free);
    get.url = dead;
    get.timeout_ms = 2_000;
    let err = caller.call(get.clone()).await.unwrap_err();
    assert!(matches!(&err, CallError::Unreachable { reason, .. } if reason.key == "run.net.refused"), "{err:?}");
    assert!(err.to_string().ends_with("could not be reached: the connection was refused"), "{err}");
    assert!(err.text().render(Lang::Zh).ends_with("：对方拒绝连接"), "{err}");

    // A host name nobody knows (`.invalid` is never resolved), allowed by the policy.
    get.url = "http://localhost.invalid/x".into();
    let err = caller.call(get.clone()).await.unwrap_err();
    assert!(matches!(&err, CallError::Unreachable { reason, .. } if reason.key == "run.net.dns"), "{err:?}");
    assert_eq!(err.text().render(Lang::Zh), "无法连接 http://localhost.invalid/x：找不到主机 localhost.invalid");

    // Redirects are followed within the host only (the other host is allowed, else the
    // redirect would be refused).
    get.url = format!("{base}/away");
    assert_eq!(caller.call(get.clone()).await.unwrap().status, 307);
    get.url = format!("{base}/here");
    assert_eq!(caller.call(get.clone()).await.unwrap().status, 200);

    // The demo endpoints.
    let echo = caller.call(req(format!("{base}/demo/echo"), 2_000)).await.unwrap();
    let v = echo.json.unwrap();
    assert_eq!(
        (v["ok"].clone(), v["received"].clone(), v["idempotencyKey"].clone()),
        (json!(true), json!({"a": 1}), json!("job-1:2"))
    );
    assert!(v["timestamp"].as_u64().unwrap() > 0);
    assert_eq!(caller.call(req(format!("{base}/demo/fail"), 2_000)).await.unwrap().status, 500);
}

/// A caller of `url` (POST with a body) and its outcome.
async fn call(caller: &HttpCaller, url: String) -> Result<u16, CallError> {
    caller.call(req(url, 2_000)).await.map(|r| r.status)
}

#[tokio::test]
async fn internal_addresses_are_refused_unless_allowed() {
    let (base, hits) = stub().await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    let default = HttpCaller::new(HostPolicy::default()).unwrap();

    // By default: an address written in the URL, before connecting.
    let err = call(&default, format!("{base}/ok")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{base}/ok may not be called: the address 127.0.0.1 is a loopback address; service tasks may not call \
             internal addresses unless BPM_ALLOWED_HOSTS names them (e.g. BPM_ALLOWED_HOSTS=127.0.0.1); add it there \
             and restart, or change the task's URL"
        )
    );
    assert!(matches!(err, CallError::Refused { .. }), "{err:?}");
    for (url, kind) in [
        (format!("http://[::ffff:127.0.0.1]:{port}/ok"), "loopback"),
        (format!("http://0x7f000001:{port}/ok"), "loopback"),
        // Private and link-local addresses: refused before any packet is sent.
        (format!("http://10.255.255.1:{port}/ok"), "10.255.255.1 is a private address"),
        ("http://192.168.0.1/".to_owned(), "192.168.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/".to_owned(), "link-local"),
        ("http://[fd00::1]/".to_owned(), "unique-local"),
        ("http://0.0.0.0/".to_owned(), "unspecified"),
    ] {
        let t0 = std::time::Instant::now();
        let err = call(&default, url.clone()).await.unwrap_err();
        assert!(matches!(err, CallError::Refused { .. }) && err.to_string().contains(kind), "{url}: {err}");
        assert!(t0.elapsed() < Duration::from_millis(500), "{url}: no connection attempted");
    }
    // A name is checked by the addresses it resolves to.
    let err = call(&default, format!("http://localhost:{port}/ok")).await.unwrap_err();
    assert!(matches!(err, CallError::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("the address 127.0.0.1 of 'localhost' is a loopback address"), "{err}");
    assert!(err.to_string().contains("BPM_ALLOWED_HOSTS=localhost"), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached the stub");

    // Allowed explicitly: by the address, or by the name as written.
    let by_ip = HttpCaller::new(policy("127.0.0.1")).unwrap();
    assert_eq!(call(&by_ip, format!("{base}/ok")).await.unwrap(), 200);
    let by_range = HttpCaller::new(policy("127.0.0.0/8")).unwrap();
    assert_eq!(call(&by_range, format!("{base}/ok")).await.unwrap(), 200);
    let by_name = HttpCaller::new(policy("localhost")).unwrap();
    assert_eq!(call(&by_name, format!("http://localhost:{port}/ok")).await.unwrap(), 200);
    let err = call(&by_name, format!("{base}/ok")).await.unwrap_err();
    assert!(err.to_string().contains("host 127.0.0.1 is not in the allow-list"), "{err}");
    // A wildcard entry does not open internal addresses.
    let wildcard = HttpCaller::new(policy("*")).unwrap();
    assert!(call(&wildcard, format!("http://localhost:{port}/ok")).await.unwrap_err().to_string().contains("loopback"));
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_redirect_to_an_internal_address_is_refused() {
    let (base, hits) = stub().await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    let (other, other_hits) = stub().await;
    // The stub is allowed by its name; it redirects to another server by its address.
    let caller = HttpCaller::new(policy("localhost")).unwrap();
    let mut get = req(format!("http://localhost:{port}/jump?to={other}/ok"), 2_000);
    get.method = "GET".into();
    let err = caller.call(get.clone()).await.unwrap_err();
    assert!(matches!(err, CallError::Refused { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&format!("the redirect to {other}/ok was refused: host 127.0.0.1 is not in")), "{text}");
    // Without a list: a redirect to a loopback address is refused as such.
    let default = HttpCaller::new(policy("*,localhost")).unwrap();
    let err = default.call(get.clone()).await.unwrap_err();
    assert!(err.to_string().contains("was refused: the address 127.0.0.1 is a loopback address"), "{err}");
    assert_eq!((hits.load(Ordering::SeqCst), other_hits.load(Ordering::SeqCst)), (2, 0));
    // Within an allowed host, redirects are still followed.
    let both = HttpCaller::new(policy("127.0.0.1")).unwrap();
    get.url = format!("{base}/jump?to={base}/ok");
    assert_eq!(both.call(get).await.unwrap().status, 200);
}

#[tokio::test]
async fn the_host_checked_is_the_host_connected_to() {
    let (base, hits) = stub().await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    // `\` ends the authority for the client: the host is 127.0.0.1, not api.example.com.
    let sneaky = format!("http://127.0.0.1:{port}\\@api.example.com/ok");
    let caller = HttpCaller::new(policy("api.example.com")).unwrap();
    let err = call(&caller, sneaky.clone()).await.unwrap_err();
    assert!(err.to_string().contains("host 127.0.0.1 is not in the allow-list"), "{err}");
    let err = call(&HttpCaller::new(HostPolicy::default()).unwrap(), sneaky).await.unwrap_err();
    assert!(err.to_string().contains("the address 127.0.0.1 is a loopback address"), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

const ECHO_PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
<process id="echo" name="Echo" isExecutable="true">
  <startEvent id="s"/>
  <serviceTask id="call" name="Call echo" camunda:failedJobRetryTimeCycle="R1/PT1S">
    <extensionElements><camunda:connector>
      <camunda:inputOutput>
        <camunda:inputParameter name="url">${base}${path}</camunda:inputParameter>
        <camunda:inputParameter name="method">POST</camunda:inputParameter>
        <camunda:inputParameter name="payload">{"order": "${order}"}</camunda:inputParameter>
        <camunda:outputParameter name="echoed">${response.received.order}</camunda:outputParameter>
      </camunda:inputOutput>
      <camunda:connectorId>http-connector</camunda:connectorId>
    </camunda:connector></extensionElements>
  </serviceTask>
  <userTask id="u" name="Look"/>
  <endEvent id="e"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="call"/>
  <sequenceFlow id="f2" sourceRef="call" targetRef="u"/>
  <sequenceFlow id="f3" sourceRef="u" targetRef="e"/>
</process></definitions>"#;

/// Deploys the echo process (its URL: the variables `base` and `path`).
async fn deploy_echo(e: &Engine) {
    e.ensure_default_tenant().await.unwrap();
    let report = e
        .deploy(
            &Account::system(),
            "default",
            None,
            vec![("echo.bpmn".into(), ECHO_PROCESS.into())],
            &Default::default(),
        )
        .await
        .unwrap();
    assert!(report.all_ok(), "{report:?}");
}

async fn start_echo(e: &Engine, base: &str, path: &str) -> String {
    let variables = json!({"base": base, "path": path, "order": "A-7"}).as_object().cloned().unwrap();
    e.start_instance(&Account::system(), "echo", None, StartRequest { variables, ..Default::default() })
        .await
        .unwrap()
        .id
}

/// Runs the due jobs with an executor and a caller under `config`'s policy.
async fn run_jobs(e: &Engine, config: ExecutorConfig) -> usize {
    let caller = Arc::new(HttpCaller::new(config.allowed_hosts.clone()).unwrap());
    Executor::new(e.clone(), caller, config).run_once().await
}

/// The error of the one job of `instance`, which must be in error with an incident.
async fn job_error(e: &Engine, instance: &str) -> String {
    let sys = Account::system();
    let q = JobQuery { instance_id: Some(instance.to_owned()), ..Default::default() };
    let j = e.list_jobs(&sys, &q).await.unwrap().items.remove(0);
    assert_eq!(j.state, JobState::Error, "{j:?}");
    assert_eq!(e.instance_summary(&sys, instance).await.unwrap().open_incidents, 1);
    j.error.unwrap()
}

async fn process_calls_echo(db: &TestDb) {
    let (base, _) = stub().await;
    let e = &db.engine;
    deploy_echo(e).await;
    let good = start_echo(e, &base, "/demo/echo").await;
    let bad = start_echo(e, &base, "/demo/fail").await;
    // The server's demo allowance: the endpoints under `<base>/demo/`.
    let mut config = ExecutorConfig { id: "t".into(), ..Default::default() };
    assert_eq!(allow_demo(&mut config, &base).unwrap(), format!("{base}/demo/"));
    assert_eq!(run_jobs(e, config).await, 2);
    let d = e.instance(&Account::system(), &good).await.unwrap();
    assert_eq!(d.variables["echoed"], json!("A-7"));
    assert_eq!(d.summary.active_activity_ids, vec!["u"]);
    assert!(job_error(e, &bad).await.contains("HTTP 500"));
}
db_test!(a_service_task_calls_the_demo_echo_through_the_executor, process_calls_echo);

async fn process_calls_internal(db: &TestDb) {
    let (base, hits) = stub().await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    let e = &db.engine;
    deploy_echo(e).await;
    let by_ip = start_echo(e, &base, "/demo/echo").await;
    let by_name = start_echo(e, &format!("http://localhost:{port}"), "/demo/echo").await;
    let sneaky = start_echo(e, &format!("http://127.0.0.1:{port}\\@api.example.com"), "/ok").await;
    assert_eq!(run_jobs(e, ExecutorConfig { id: "t".into(), ..Default::default() }).await, 3);
    // The engine refuses the address in the URL; the client the one `localhost` resolves to.
    let err = job_error(e, &by_ip).await;
    assert!(
        err.starts_with(&format!(
            "Service task 'call' may not call {base}/demo/echo: the address 127.0.0.1 is a loopback address;"
        )),
        "{err}"
    );
    let err = job_error(e, &by_name).await;
    assert!(err.starts_with(&format!("http://localhost:{port}/demo/echo may not be called: the address 127.0.0.1 of 'localhost' is a loopback address;")), "{err}");
    assert!(job_error(e, &sneaky).await.contains("the address 127.0.0.1 is a loopback address"));
    assert_eq!(hits.load(Ordering::SeqCst), 0);

    // With the allow-list naming api.example.com, the URL whose host the client reads as
    // 127.0.0.1 is still refused.
    let sneaky = start_echo(e, &format!("http://127.0.0.1:{port}\\@api.example.com"), "/ok").await;
    let config = ExecutorConfig { id: "t2".into(), allowed_hosts: policy("api.example.com"), ..Default::default() };
    assert_eq!(run_jobs(e, config).await, 1);
    assert!(job_error(e, &sneaky).await.contains("host 127.0.0.1 is not in the allow-list"));
    assert_eq!(hits.load(Ordering::SeqCst), 0);

    // Allowed explicitly, the same call goes through.
    let allowed = start_echo(e, &base, "/demo/echo").await;
    let config = ExecutorConfig { id: "t3".into(), allowed_hosts: policy("127.0.0.1"), ..Default::default() };
    assert_eq!(run_jobs(e, config).await, 1);
    assert_eq!(e.instance(&Account::system(), &allowed).await.unwrap().variables["echoed"], json!("A-7"));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
db_test!(service_tasks_may_not_call_internal_addresses_unless_allowed, process_calls_internal);
