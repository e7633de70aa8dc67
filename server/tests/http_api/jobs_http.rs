//! The jobs part of the API: the list (categories, filters, paging), one job with its
//! attempts, Execute and Delete with their refusals. A real server on port 0, on SQLite and on
//! PostgreSQL; the test server runs no job executor, so the jobs stay where the test puts
//! them (an executor is run explicitly where a test needs one).

use std::sync::Arc;

use crate::common::{client, id, ids, refused, serve, upload, Api, TOKEN};
use engine::db_test;
use engine::jobs::{CallFuture, Executor, ExecutorConfig, HostPolicy, ServiceCaller, ServiceRequest, ServiceResponse};
use engine::testing::TestDb;
use reqwest::header::ETAG;
use reqwest::Method;
use serde_json::{json, Value};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">"#;

/// A process file with `key`, `name` and the elements of `body`.
fn process(key: &str, name: &str, body: &str) -> String {
    format!(r#"{HEAD}<process id="{key}" name="{name}" isExecutable="true">{body}</process></definitions>"#)
}

/// A Camunda 7 http-connector call with five retries, then a user task.
fn pay() -> String {
    process(
        "pay",
        "付款",
        r#"<startEvent id="start"/>
<serviceTask id="call" name="调用支付接口"><extensionElements>
  <camunda:connector>
    <camunda:inputOutput>
      <camunda:inputParameter name="url">http://127.0.0.1:9/pay</camunda:inputParameter>
      <camunda:inputParameter name="method">POST</camunda:inputParameter>
      <camunda:inputParameter name="payload">{"amount": ${amount}}</camunda:inputParameter>
    </camunda:inputOutput>
    <camunda:connectorId>http-connector</camunda:connectorId>
  </camunda:connector>
  <camunda:failedJobRetryTimeCycle>R5/PT1M</camunda:failedJobRetryTimeCycle>
</extensionElements></serviceTask>
<userTask id="check" name="核对"/>
<endEvent id="end"/>
<sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
<sequenceFlow id="f2" sourceRef="call" targetRef="check"/>
<sequenceFlow id="f3" sourceRef="check" targetRef="end"/>"#,
    )
}

/// An intermediate timer of `definition`, then the end.
fn timer(key: &str, name: &str, definition: &str) -> String {
    process(
        key,
        key,
        &format!(
            r#"<startEvent id="start"/>
<intermediateCatchEvent id="wait" name="{name}"><timerEventDefinition><timeDuration>{definition}</timeDuration></timerEventDefinition></intermediateCatchEvent>
<endEvent id="end"/>
<sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
<sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>"#
        ),
    )
}

impl Api {
    /// Starts `key` with `variables`; the instance id.
    pub(crate) async fn start_with_variables(&self, key: &str, variables: Value) -> String {
        let url = format!("/api/v1/process-definitions/key/{key}/start");
        let (status, inst) = self.post(&url, json!({ "variables": variables })).await;
        assert_eq!(status, 201, "{inst}");
        id(&inst).to_string()
    }

    async fn job(&self, job: &str) -> Value {
        let (status, body) = self.get(&format!("/api/v1/jobs/{job}")).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

/// A server with the three processes deployed.
pub(crate) async fn setup(db: &TestDb) -> Api {
    let base = serve(db).await;
    let c = client();
    let files = [
        ("pay.bpmn", pay()),
        ("remind.bpmn", timer("remind", "等待一小时", "PT1H")),
        ("broken.bpmn", timer("broken", "坏的定时器", "soon")),
    ];
    let form = upload(&files.iter().map(|(n, x)| (*n, x.as_str())).collect::<Vec<_>>());
    let res = c.post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    Api { base, c }
}

/// The test clock's start, as the API writes times.
const T0: &str = "2023-11-14T22:13:20.000Z";

async fn list_and_detail(db: &TestDb) {
    let api = setup(db).await;
    let (c, base) = (&api.c, &api.base);

    // Without a token: 401 in the API's shape.
    for (method, path) in [
        (Method::GET, "/api/v1/jobs"),
        (Method::GET, "/api/v1/jobs/x"),
        (Method::POST, "/api/v1/jobs/x/execute"),
        (Method::DELETE, "/api/v1/jobs/x"),
    ] {
        let res = c.request(method.clone(), format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 401, "{method} {path}");
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "unauthenticated");
    }

    // Three payments (1 ms apart), a reminder due in an hour, a timer that cannot be read.
    let mut pays = Vec::new();
    for amount in 1..=3 {
        pays.push(api.start_with_variables("pay", json!({ "amount": amount })).await);
        db.engine.clock().advance(1);
    }
    let remind = api.start_with_variables("remind", json!({})).await;
    let broken = api.start_with_variables("broken", json!({})).await;

    // All: soonest due first, the reminder last. Asking again with the entity tag costs a 304.
    let res = c.get(format!("{base}/api/v1/jobs")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let etag = res.headers().get(ETAG).expect("an entity tag").clone();
    let again = c
        .get(format!("{base}/api/v1/jobs"))
        .bearer_auth(TOKEN)
        .header(reqwest::header::IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let page: Value = res.json().await.unwrap();
    assert!(page.get("next").is_none(), "one page: no next");
    let all = page["items"].as_array().unwrap().clone();
    assert_eq!(all.len(), 5, "{all:?}");
    let instances: Vec<&str> = all.iter().map(|j| j["instanceId"].as_str().unwrap()).collect();
    assert_eq!(instances, [&pays[0], &pays[1], &pays[2], &broken, &remind]);

    let first = &all[0];
    assert_eq!(first["name"], "调用支付接口");
    assert_eq!(first["type"], "service");
    assert_eq!(first["activityId"], "call");
    assert_eq!(first["processName"], "付款");
    assert_eq!(first["tenant"], "default");
    assert_eq!(first["due"], T0, "ISO 8601 like the other times");
    assert_eq!(first["retries"], 5, "camunda:failedJobRetryTimeCycle R5/PT1M");
    assert_eq!(first["state"], "pending");
    assert!(first["error"].is_null());
    assert_eq!(first["attempts"], 0);
    assert!(first["lockedBy"].is_null() && first["lockExpiresAt"].is_null());

    let reminder = &all[4];
    assert_eq!((reminder["type"].as_str(), reminder["name"].as_str()), (Some("timer"), Some("等待一小时")));
    assert_eq!(reminder["due"], "2023-11-14T23:13:20.003Z", "an hour after its start");
    assert_eq!(reminder["timerDefinition"], "PT1H");

    // Errors: the unreadable timer is in error at once, with an incident on its instance.
    let errors = api.items("/api/v1/jobs?category=errors").await;
    assert_eq!(ids(&errors), [id(&all[3])]);
    let bad = &errors[0];
    assert_eq!(
        (bad["type"].as_str(), bad["state"].as_str(), bad["retries"].as_i64()),
        (Some("timer"), Some("error"), Some(0))
    );
    let message = bad["error"].as_str().unwrap();
    assert!(message.contains("坏的定时器"), "{message}");
    let inst = api.instance(&broken).await;
    assert_eq!(inst["openIncidents"], 1);
    assert_eq!(inst["incidents"][0]["message"], message);
    assert_eq!(api.items("/api/v1/jobs?category=all").await.len(), 5);

    // Filters: name contains (case-insensitive words), instance.
    assert_eq!(api.items("/api/v1/jobs?name=%E6%94%AF%E4%BB%98").await.len(), 3, "支付");
    assert_eq!(ids(&api.items("/api/v1/jobs?name=%E4%B8%80%E5%B0%8F%E6%97%B6").await), [id(reminder)], "一小时");
    assert!(api.items("/api/v1/jobs?name=zzz").await.is_empty());
    let of_second = api.items(&format!("/api/v1/jobs?instanceId={}", pays[1])).await;
    assert_eq!(ids(&of_second), [id(&all[1])]);
    assert!(api.items(&format!("/api/v1/jobs?category=errors&instanceId={}", pays[1])).await.is_empty());

    // Cursor paging: 2 + 2 + 1, in the order of the whole list; no `next` on the last page.
    let mut seen = Vec::new();
    let mut path = "/api/v1/jobs?limit=2".to_string();
    let mut pages = 0;
    loop {
        let page = api.page(&path).await;
        pages += 1;
        seen.extend(ids(page["items"].as_array().unwrap()).into_iter().map(str::to_string));
        match page.get("next").and_then(Value::as_str) {
            Some(next) => path = format!("/api/v1/jobs?limit=2&cursor={next}"),
            None => break,
        }
    }
    assert_eq!((pages, seen), (3, ids(&all).into_iter().map(str::to_string).collect::<Vec<_>>()));

    // Wrong parameters: 422 in the API's shape, naming what is wrong.
    let msg = refused(api.get("/api/v1/jobs?category=broken").await, 422, "invalid");
    assert!(msg.contains("category") || msg.contains("errors"), "{msg}");
    let msg = refused(api.get("/api/v1/jobs?limit=many").await, 422, "invalid");
    assert!(msg.contains("limit"), "{msg}");
    refused(api.get("/api/v1/jobs?cursor=zz").await, 422, "invalid");

    // One job with its attempts (none yet).
    let one = api.job(id(first)).await;
    assert_eq!(one["id"], first["id"]);
    assert_eq!(one["type"], "service");
    assert_eq!(one["attemptsLog"], json!([]));
    let msg = refused(api.get("/api/v1/jobs/nope").await, 404, "not_found");
    assert!(msg.contains("nope"), "{msg}");

    // The OpenAPI document describes the endpoints and the job.
    let (_, spec) = api.get("/api/v1/openapi.json").await;
    for (path, method) in [
        ("/api/v1/jobs", "get"),
        ("/api/v1/jobs/{id}", "get"),
        ("/api/v1/jobs/{id}", "delete"),
        ("/api/v1/jobs/{id}/execute", "post"),
    ] {
        assert!(spec["paths"][path][method].is_object(), "{method} {path}");
    }
    let job = &spec["components"]["schemas"]["Job"]["properties"];
    for field in ["id", "name", "type", "instanceId", "activityId", "due", "retries", "state", "error"] {
        assert!(job[field].is_object(), "Job.{field}");
        assert!(first.get(field).is_some(), "the answer has {field}");
    }
    for schema in ["JobDetail", "JobList", "JobAttempt"] {
        assert!(spec["components"]["schemas"][schema].is_object(), "{schema}");
    }
}
db_test!(jobs_list_filters_pages_and_detail, list_and_detail);

/// Timer start events are listed beside the jobs, with their next firing.
async fn start_timers(db: &TestDb) {
    let api = setup(db).await;
    let (status, none) = api.get("/api/v1/start-timers").await;
    assert_eq!((status, none), (200, json!([])));
    let daily = process(
        "daily",
        "日报",
        r#"<startEvent id="tick" name="每小时"><timerEventDefinition><timeCycle>R/PT1H</timeCycle></timerEventDefinition></startEvent>
<userTask id="write" name="写日报"/><endEvent id="end"/>
<sequenceFlow id="f1" sourceRef="tick" targetRef="write"/><sequenceFlow id="f2" sourceRef="write" targetRef="end"/>"#,
    );
    let form = upload(&[("daily.bpmn", daily.as_str())]);
    let res =
        api.c.post(format!("{}/api/v1/deployments", api.base)).bearer_auth(TOKEN).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (status, listed) = api.get("/api/v1/start-timers").await;
    assert_eq!(status, 200, "{listed}");
    let t = &listed[0];
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(
        (t["name"].as_str(), t["processKey"].as_str(), t["processName"].as_str()),
        (Some("每小时"), Some("daily"), Some("日报"))
    );
    assert_eq!(
        (t["timerKind"].as_str(), t["definition"].as_str(), t["fired"].as_i64()),
        (Some("cycle"), Some("R/PT1H"), Some(0))
    );
    assert_eq!(t["due"], "2023-11-14T23:13:20.000Z", "an hour after the test clock's start ({T0})");
    let (_, other) = api.get("/api/v1/start-timers?tenant=elsewhere").await;
    assert_eq!(other, json!([]));
    let (_, spec) = api.get("/api/v1/openapi.json").await;
    assert!(spec["paths"]["/api/v1/start-timers"]["get"].is_object());
    assert!(spec["components"]["schemas"]["StartTimer"]["properties"]["due"].is_object());
}
db_test!(start_timers_are_listed_with_their_next_firing, start_timers);

async fn execute_and_delete(db: &TestDb) {
    let api = setup(db).await;
    let pay = api.start_with_variables("pay", json!({"amount": 1})).await;
    let other = api.start_with_variables("pay", json!({"amount": 2})).await;
    let broken = api.start_with_variables("broken", json!({})).await;
    let job_of = |instance: String| {
        let api = &api;
        async move {
            let jobs = api.items(&format!("/api/v1/jobs?instanceId={instance}")).await;
            assert_eq!(jobs.len(), 1, "{jobs:?}");
            jobs[0].clone()
        }
    };

    // Execute a job in error: pending, due now, a retry again, and the incident is resolved.
    db.engine.clock().advance(5_000);
    let bad = job_of(broken.clone()).await;
    assert_eq!(api.instance(&broken).await["openIncidents"], 1);
    let (status, job) = api.post_empty(&format!("/api/v1/jobs/{}/execute", id(&bad))).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!((job["id"].as_str(), job["state"].as_str()), (Some(id(&bad)), Some("pending")));
    assert_eq!(job["retries"], 1, "retries restored to at least 1");
    assert_eq!(job["due"], "2023-11-14T22:13:25.000Z", "due now");
    assert_eq!(api.instance(&broken).await["openIncidents"], 0);
    assert!(api.items("/api/v1/jobs?category=errors").await.is_empty());

    // Execute a pending call: 200 with the job, due now.
    let call_job = job_of(pay.clone()).await;
    let (status, job) = api.post_empty(&format!("/api/v1/jobs/{}/execute", id(&call_job))).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!((job["state"].as_str(), job["retries"].as_i64()), (Some("pending"), Some(5)));
    refused(api.post_empty("/api/v1/jobs/nope/execute").await, 404, "not_found");

    // A suspended instance's job cannot be executed: 409 saying why.
    let path = format!("/api/v1/process-instances/{other}");
    assert_eq!(api.post(&format!("{path}/suspend"), json!({})).await.0, 200);
    let other_job = job_of(other.clone()).await;
    let msg = refused(api.post_empty(&format!("/api/v1/jobs/{}/execute", id(&other_job))).await, 409, "conflict");
    assert!(msg.contains("resume the instance first"), "{msg}");

    // Delete: 204 without a body; then the job is gone (404) and the instance has an incident.
    let (status, body) = api.delete(&format!("/api/v1/jobs/{}", id(&call_job))).await;
    assert_eq!((status, body), (204, Value::Null));
    refused(api.get(&format!("/api/v1/jobs/{}", id(&call_job))).await, 404, "not_found");
    let msg = refused(api.delete(&format!("/api/v1/jobs/{}", id(&call_job))).await, 404, "not_found");
    assert!(msg.contains(id(&call_job)), "{msg}");
    refused(api.post_empty(&format!("/api/v1/jobs/{}/execute", id(&call_job))).await, 404, "not_found");
    let inst = api.instance(&pay).await;
    assert_eq!(inst["openIncidents"], 1);
    let incident = inst["incidents"][0]["message"].as_str().unwrap();
    assert!(incident.contains("调用支付接口") && incident.contains("was deleted by"), "{incident}");
    assert_eq!(inst["activeActivityIds"], json!(["call"]), "the token still waits there");

    // Its instance terminated: the engine removes the instance's jobs with it, so both
    // operations answer 404 (not 409), with a message that says the job is gone.
    let (status, _) = api.post(&format!("{path}/terminate"), json!({"reason": "stop"})).await;
    assert_eq!(status, 200);
    let msg = refused(api.post_empty(&format!("/api/v1/jobs/{}/execute", id(&other_job))).await, 404, "not_found");
    assert!(msg.contains(id(&other_job)) && msg.contains("not found"), "{msg}");
    refused(api.delete(&format!("/api/v1/jobs/{}", id(&other_job))).await, 404, "not_found");
    assert!(api.items(&format!("/api/v1/jobs?instanceId={other}")).await.is_empty());
}
db_test!(jobs_execute_and_delete, execute_and_delete);

/// Answers every call with HTTP 500, or waits for `go` first.
struct Failing {
    go: Option<Arc<tokio::sync::Notify>>,
}

impl ServiceCaller for Failing {
    fn call(&self, _: ServiceRequest) -> CallFuture<'_> {
        Box::pin(async move {
            if let Some(go) = &self.go {
                go.notified().await;
            }
            Ok(ServiceResponse::new(500, "payment service down"))
        })
    }
}

pub(crate) fn executor(db: &TestDb, go: Option<Arc<tokio::sync::Notify>>) -> Executor {
    // The process calls 127.0.0.1:9 (the fake caller answers): an internal address, allowed explicitly.
    let allowed_hosts = HostPolicy::parse(Some("127.0.0.1")).unwrap();
    let config = ExecutorConfig {
        id: "test-executor".into(),
        incarnation: "1".into(),
        lease_ms: 60_000,
        max_concurrent: 1,
        allowed_hosts,
        ..Default::default()
    };
    Executor::new(db.engine.clone(), Arc::new(Failing { go }), config)
}

async fn attempts_and_running(db: &TestDb) {
    let api = setup(db).await;
    let pay = api.start_with_variables("pay", json!({"amount": 1})).await;
    let job = api.items(&format!("/api/v1/jobs?instanceId={pay}")).await.remove(0);
    let path = format!("/api/v1/jobs/{}", id(&job));

    // One failed attempt (run by an executor the test drives): a retry fewer, the error and
    // the attempt in the log, due after the back-off.
    assert_eq!(executor(db, None).run_once().await, 1);
    let after = api.job(id(&job)).await;
    assert_eq!(
        (after["state"].as_str(), after["retries"].as_i64(), after["attempts"].as_i64()),
        (Some("pending"), Some(4), Some(1))
    );
    assert!(after["error"].as_str().unwrap().contains("HTTP 500"), "{after}");
    assert!(after["errorDetails"].as_str().unwrap().contains("payment service down"), "{after}");
    assert_eq!(after["due"], "2023-11-14T22:14:20.000Z", "R5/PT1M waits a minute");
    let log = after["attemptsLog"].as_array().unwrap();
    assert_eq!(log.len(), 1, "{after}");
    assert_eq!((log[0]["attempt"].as_i64(), log[0]["ok"].as_bool()), (Some(1), Some(false)));
    assert_eq!(log[0]["executor"], "test-executor#1");
    assert_eq!(log[0]["started"], T0);

    // While an executor runs it: running, with its lease; Execute is refused.
    let go = Arc::new(tokio::sync::Notify::new());
    let (status, _) = api.post_empty(&format!("{path}/execute")).await;
    assert_eq!(status, 200);
    let x = executor(db, Some(go.clone()));
    let run = tokio::spawn(async move { x.run_once().await });
    let mut running = Value::Null;
    for _ in 0..200 {
        running = api.job(id(&job)).await;
        if running["state"] == "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(running["state"], "running", "{running}");
    assert_eq!(running["lockedBy"], "test-executor#1", "identity#incarnation");
    assert_eq!(running["lockExpiresAt"], "2023-11-14T22:14:20.000Z", "a lease of a minute");
    let msg = refused(api.post_empty(&format!("{path}/execute")).await, 409, "conflict");
    assert!(msg.contains("running already"), "{msg}");
    go.notify_one();
    assert_eq!(run.await.unwrap(), 1);
    let done = api.job(id(&job)).await;
    assert_eq!((done["state"].as_str(), done["attempts"].as_i64()), (Some("pending"), Some(2)));
    assert_eq!(done["attemptsLog"].as_array().unwrap().len(), 2, "newest first");
    assert_eq!(done["attemptsLog"][0]["attempt"], 2);
}
db_test!(jobs_attempts_and_running_state, attempts_and_running);
