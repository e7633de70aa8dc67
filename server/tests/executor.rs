//! The reqwest service caller against a local HTTP server: success with the idempotency key,
//! HTTP 500, timeout, unreachable host, redirects to another host; and a process whose
//! service task calls the server's own `/demo/echo` through the executor.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, get};
use axum::Router;
use engine::db_test;
use engine::identity::Account;
use engine::instances::StartRequest;
use engine::jobs::{CallError, Executor, ExecutorConfig, JobQuery, JobState, ServiceCaller, ServiceRequest};
use engine::testing::TestDb;
use serde_json::json;
use server::executor::{demo_routes, HttpCaller};

async fn stub() -> String {
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
        .merge(demo_routes());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
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
    let base = stub().await;
    let caller = HttpCaller::new().unwrap();

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
    assert!(matches!(err, CallError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("could not be reached"), "{err}");

    // Redirects are followed within the host only.
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

async fn process_calls_echo(db: &TestDb) {
    let base = stub().await;
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
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
    let sys = Account::system();
    let report =
        e.deploy(&sys, "default", None, vec![("echo.bpmn".into(), xml.into())], &Default::default()).await.unwrap();
    assert!(report.all_ok(), "{report:?}");
    let start = |path: &str| {
        let variables = json!({"base": base, "path": path, "order": "A-7"}).as_object().cloned().unwrap();
        e.start_instance(&sys, "echo", None, StartRequest { variables, ..Default::default() })
    };
    let good = start("/demo/echo").await.unwrap().id;
    let bad = start("/demo/fail").await.unwrap().id;
    let x = Executor::new(
        e.clone(),
        Arc::new(HttpCaller::new().unwrap()),
        ExecutorConfig { id: "t".into(), ..Default::default() },
    );
    assert_eq!(x.run_once().await, 2);
    let d = e.instance(&sys, &good).await.unwrap();
    assert_eq!(d.variables["echoed"], json!("A-7"));
    assert_eq!(d.summary.active_activity_ids, vec!["u"]);
    let q = JobQuery { instance_id: Some(bad.clone()), ..Default::default() };
    let j = e.list_jobs(&sys, &q).await.unwrap().items.remove(0);
    assert_eq!(j.state, JobState::Error);
    assert!(j.error.as_deref().unwrap().contains("HTTP 500"), "{:?}", j.error);
    assert_eq!(e.instance_summary(&sys, &bad).await.unwrap().open_incidents, 1);
}
db_test!(a_service_task_calls_the_demo_echo_through_the_executor, process_calls_echo);
