//! `/engine-rest/external-task`: Camunda 7's external-task API as its worker clients call it:
//! fetch and lock (with the variables a worker asks for, typed; long polling), complete,
//! failure (retries, then an incident), BPMN error (caught by a boundary event), extend lock,
//! unlock, retries, the list, count and one task, with Camunda's shapes, dates and error
//! bodies. A real server on port 0, on SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use crate::common::{call, client, id, serve, upload, Api, TOKEN};
use engine::db_test;
use engine::testing::TestDb;
use reqwest::Method;
use serde_json::{json, Value};

/// An order: the external task `charge` (topic `charge`) with an error boundary for
/// `CARD_DECLINED`, then the user task `ship`; the error path waits at `handleDecline`.
const ORDER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
<error id="declined" errorCode="CARD_DECLINED"/>
<process id="order" name="订单" isExecutable="true">
<startEvent id="start"/>
<serviceTask id="charge" name="扣款" camunda:type="external" camunda:topic="charge"/>
<boundaryEvent id="declinedBoundary" attachedToRef="charge"><errorEventDefinition errorRef="declined"/></boundaryEvent>
<userTask id="ship" name="发货"/>
<userTask id="handleDecline" name="处理拒付"/>
<endEvent id="end"/>
<sequenceFlow id="f1" sourceRef="start" targetRef="charge"/>
<sequenceFlow id="f2" sourceRef="charge" targetRef="ship"/>
<sequenceFlow id="f3" sourceRef="ship" targetRef="end"/>
<sequenceFlow id="f4" sourceRef="declinedBoundary" targetRef="handleDecline"/>
</process></definitions>"#;

/// The test clock's start in Camunda's date format, and one minute later.
const T0: &str = "2023-11-14T22:13:20.000+0000";
const T0_PLUS_1M: &str = "2023-11-14T22:14:20.000+0000";

const ET: &str = "/engine-rest/external-task";

/// A server with the order process deployed.
async fn setup(db: &TestDb) -> Api {
    let base = serve(db).await;
    let c = client();
    let form = upload(&[("order.bpmn", ORDER)]);
    let res = c.post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    Api { base, c }
}

impl Api {
    /// Starts an order with `business_key`; the instance id.
    async fn start_order(&self, business_key: &str) -> String {
        let body = json!({
            "businessKey": business_key,
            "variables": {"amount": 120, "customer": "张三", "big": 5_000_000_000i64, "items": [{"sku": "A-1"}]}
        });
        let (status, inst) = self.post("/api/v1/process-definitions/key/order/start", body).await;
        assert_eq!(status, 201, "{inst}");
        id(&inst).to_string()
    }

    /// `fetchAndLock` of topic `charge` for `worker`: the status and the answer.
    async fn fetch(&self, worker: &str, extra: Value) -> (u16, Value) {
        let mut body = json!({"workerId": worker, "maxTasks": 10,
            "topics": [{"topicName": "charge", "lockDuration": 60_000}]});
        body.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
        self.post(&format!("{ET}/fetchAndLock"), body).await
    }

    /// The tasks `worker` locks now (none waiting).
    async fn fetched(&self, worker: &str) -> Vec<Value> {
        let (status, tasks) = self.fetch(worker, json!({})).await;
        assert_eq!(status, 200, "{tasks}");
        tasks.as_array().unwrap().clone()
    }

    async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        call(&self.c, Method::PUT, &format!("{}{path}", self.base), Some(body)).await
    }

    async fn count(&self, query: &str) -> u64 {
        let (status, body) = self.get(&format!("{ET}/count?{query}")).await;
        assert_eq!(status, 200, "{body}");
        body["count"].as_u64().unwrap()
    }
}

/// Asserts a refusal in Camunda's shape; returns its message.
fn camunda_refusal(got: (u16, Value), status: u16, kind: &str) -> String {
    assert_eq!((got.0, got.1["type"].as_str()), (status, Some(kind)), "{}", got.1);
    got.1["message"].as_str().unwrap().to_string()
}

/// The sorted keys of a JSON object.
fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

async fn fetch_lock_and_complete(db: &TestDb) {
    let api = setup(db).await;

    // Without credentials: 401 in Camunda's shape.
    let res = api.c.get(format!("{}{ET}", api.base)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["type"], "AuthenticationException");

    let inst = api.start_order("order-1").await;

    // Listed before anyone locks it: no worker, no lock, retries null.
    let (status, list) = api.get(ET).await;
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let task = &list[0];
    let task_id = id(task).to_string();
    assert_eq!(
        keys(task),
        [
            "activityId",
            "activityInstanceId",
            "businessKey",
            "createTime",
            "errorMessage",
            "executionId",
            "id",
            "lockExpirationTime",
            "priority",
            "processDefinitionId",
            "processDefinitionKey",
            "processDefinitionVersionTag",
            "processInstanceId",
            "retries",
            "suspended",
            "tenantId",
            "topicName",
            "workerId"
        ]
    );
    assert_eq!(task["topicName"], "charge");
    assert_eq!(task["activityId"], "charge");
    assert_eq!(task["processInstanceId"], inst.as_str());
    assert_eq!(task["processDefinitionKey"], "order");
    assert_eq!(task["businessKey"], "order-1");
    assert_eq!(task["createTime"], T0);
    assert_eq!(
        (&task["workerId"], &task["lockExpirationTime"], &task["retries"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    assert_eq!(task["suspended"], false);
    assert_eq!(api.count("topicName=charge").await, 1);
    assert_eq!(api.count("topicName=other").await, 0);
    assert_eq!(api.count(&format!("processInstanceId={inst}&activityId=charge&notLocked=true")).await, 1);

    // Another topic: nothing. The order's topic, with two of its variables: typed.
    let (status, none) = api
        .post(
            &format!("{ET}/fetchAndLock"),
            json!({"workerId": "w1", "maxTasks": 1, "topics": [{"topicName": "other", "lockDuration": 1000}]}),
        )
        .await;
    assert_eq!((status, none), (200, json!([])));
    let topics = json!({"topics": [{"topicName": "charge", "lockDuration": 60_000, "variables": ["amount", "items", "big"],
        "deserializeValues": true}]});
    let (status, locked) = api.fetch("w1", topics).await;
    assert_eq!(status, 200, "{locked}");
    let locked = &locked.as_array().unwrap()[0];
    assert_eq!(
        keys(locked),
        [
            "activityId",
            "activityInstanceId",
            "businessKey",
            "errorDetails",
            "errorMessage",
            "executionId",
            "extensionProperties",
            "id",
            "lockExpirationTime",
            "priority",
            "processDefinitionId",
            "processDefinitionKey",
            "processDefinitionVersionTag",
            "processInstanceId",
            "retries",
            "tenantId",
            "topicName",
            "variables",
            "workerId"
        ]
    );
    assert_eq!(locked["id"], task_id.as_str());
    assert_eq!(locked["workerId"], "w1");
    assert_eq!(locked["lockExpirationTime"], T0_PLUS_1M);
    assert_eq!(keys(&locked["variables"]), ["amount", "big", "items"]);
    assert_eq!(locked["variables"]["amount"], json!({"type": "Integer", "value": 120, "valueInfo": {}}));
    assert_eq!(locked["variables"]["big"]["type"], "Long");
    assert_eq!(locked["variables"]["items"], json!({"type": "Json", "value": "[{\"sku\":\"A-1\"}]", "valueInfo": {}}));

    // Locked: another worker gets nothing; the list knows who holds it.
    assert!(api.fetched("w2").await.is_empty());
    assert_eq!(api.count("locked=true&workerId=w1").await, 1);
    assert_eq!(api.count("notLocked=true").await, 0);
    let msg =
        camunda_refusal(api.get(&format!("{ET}?locked=true&notLocked=true")).await, 400, "InvalidRequestException");
    assert!(msg.contains("notLocked"), "{msg}");

    // Only the lock holder completes; a missing task is 404.
    let done = json!({"workerId": "w2", "variables": {"charged": {"value": true, "type": "Boolean"}}});
    let msg =
        camunda_refusal(api.post(&format!("{ET}/{task_id}/complete"), done).await, 400, "BadUserRequestException");
    assert!(msg.contains("w1"), "the refusal names the worker holding the lock: {msg}");
    let msg = camunda_refusal(
        api.post(&format!("{ET}/nope/complete"), json!({"workerId": "w1"})).await,
        404,
        "InvalidRequestException",
    );
    assert!(msg.contains("nope"), "{msg}");
    let msg =
        camunda_refusal(api.post(&format!("{ET}/{task_id}/complete"), json!({})).await, 400, "InvalidRequestException");
    assert!(msg.contains("workerId"), "{msg}");
    let bad_var = json!({"workerId": "w1", "variables": {"n": {"value": "x", "type": "Integer"}}});
    let msg =
        camunda_refusal(api.post(&format!("{ET}/{task_id}/complete"), bad_var).await, 400, "InvalidRequestException");
    assert!(msg.contains("'n'"), "{msg}");

    // Extend the lock, then complete with typed variables: the token moves on to 发货.
    let (status, _) =
        api.post(&format!("{ET}/{task_id}/extendLock"), json!({"workerId": "w1", "newDuration": 120_000})).await;
    assert_eq!(status, 204);
    let (status, one) = api.get(&format!("{ET}/{task_id}")).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["lockExpirationTime"], "2023-11-14T22:15:20.000+0000");
    assert_eq!(one["workerId"], "w1");
    let msg = camunda_refusal(
        api.post(&format!("{ET}/{task_id}/extendLock"), json!({"workerId": "w1", "newDuration": 0})).await,
        400,
        "InvalidRequestException",
    );
    assert!(msg.contains("newDuration"), "{msg}");
    let done = json!({"workerId": "w1",
        "variables": {"charged": {"value": true, "type": "Boolean"}, "total": {"value": "240", "type": "Long"},
                      "paidAt": {"value": "2026-12-07T09:30:00.000+0800", "type": "Date"}},
        "localVariables": {"attempt": {"value": 1, "type": "Integer"}}});
    let (status, body) = api.post(&format!("{ET}/{task_id}/complete"), done).await;
    assert_eq!((status, &body), (204, &Value::Null));
    let detail = api.instance(&inst).await;
    assert_eq!(detail["variables"]["charged"], true);
    assert_eq!(detail["variables"]["total"], 240);
    assert_eq!(detail["variables"]["paidAt"], "2026-12-07T01:30:00.000Z");
    assert_eq!(detail["activeActivityIds"], json!(["ship"]));
    camunda_refusal(api.get(&format!("{ET}/{task_id}")).await, 404, "InvalidRequestException");
    assert_eq!(api.count("").await, 0);
}
db_test!(fetch_lock_and_complete, fetch_lock_and_complete);

async fn failure_retries_and_incident(db: &TestDb) {
    let api = setup(db).await;
    let inst = api.start_order("order-2").await;
    let task_id = id(&api.fetched("w1").await[0]).to_string();
    let failure = |retries: i64, timeout: i64| {
        json!({"workerId": "w1", "errorMessage": "gateway down", "errorDetails": "ConnectException: gateway:443",
               "retries": retries, "retryTimeout": timeout})
    };

    // A failure with retries left and a retry timeout: not fetchable until it passes.
    let (status, _) = api.post(&format!("{ET}/{task_id}/failure"), failure(2, 60_000)).await;
    assert_eq!(status, 204);
    let (_, one) = api.get(&format!("{ET}/{task_id}")).await;
    assert_eq!((&one["retries"], &one["errorMessage"]), (&json!(2), &json!("gateway down")));
    assert!(api.fetched("w1").await.is_empty(), "the retry timeout has not passed");
    db.engine.clock().advance(60_001);
    let again = api.fetched("w1").await;
    assert_eq!(again.len(), 1, "fetchable once the retry timeout passed");
    assert_eq!(again[0]["retries"], 2);
    assert_eq!(again[0]["errorDetails"], "ConnectException: gateway:443");

    // Out of retries: an incident on the instance; not fetchable.
    let (status, _) = api.post(&format!("{ET}/{task_id}/failure"), failure(0, 0)).await;
    assert_eq!(status, 204);
    assert_eq!(api.instance(&inst).await["openIncidents"], 1);
    assert_eq!(api.count("noRetriesLeft=true").await, 1);
    assert_eq!(api.count("withRetriesLeft=true").await, 0);
    assert!(api.fetched("w1").await.is_empty());

    // Retries again: the incident is resolved and the task fetchable.
    let msg = camunda_refusal(
        api.put(&format!("{ET}/{task_id}/retries"), json!({"retries": -1})).await,
        400,
        "InvalidRequestException",
    );
    assert!(msg.contains("retries"), "{msg}");
    let (status, _) = api.put(&format!("{ET}/{task_id}/retries"), json!({"retries": 1})).await;
    assert_eq!(status, 204);
    assert_eq!(api.instance(&inst).await["openIncidents"], 0);
    assert_eq!(api.fetched("w2").await.len(), 1);

    // Unlock: free for anyone.
    let (status, _) = api.post_empty(&format!("{ET}/{task_id}/unlock")).await;
    assert_eq!(status, 204);
    let (_, one) = api.get(&format!("{ET}/{task_id}")).await;
    assert_eq!((&one["workerId"], &one["lockExpirationTime"]), (&Value::Null, &Value::Null));
    camunda_refusal(api.post_empty(&format!("{ET}/nope/unlock")).await, 404, "InvalidRequestException");
    assert_eq!(api.fetched("w3").await.len(), 1);
}
db_test!(failure_retries_and_incident, failure_retries_and_incident);

async fn bpmn_error_takes_the_boundary(db: &TestDb) {
    let api = setup(db).await;
    let inst = api.start_order("order-3").await;
    let task_id = id(&api.fetched("w1").await[0]).to_string();
    let msg = camunda_refusal(
        api.post(&format!("{ET}/{task_id}/bpmnError"), json!({"workerId": "w1"})).await,
        400,
        "InvalidRequestException",
    );
    assert!(msg.contains("errorCode"), "{msg}");
    let error = json!({"workerId": "w1", "errorCode": "CARD_DECLINED", "errorMessage": "declined",
        "variables": {"declineReason": {"value": "insufficient funds", "type": "String"}}});
    let (status, _) = api.post(&format!("{ET}/{task_id}/bpmnError"), error).await;
    assert_eq!(status, 204);
    let detail = api.instance(&inst).await;
    assert_eq!(detail["activeActivityIds"], json!(["handleDecline"]));
    assert_eq!(detail["variables"]["declineReason"], "insufficient funds");
    camunda_refusal(api.get(&format!("{ET}/{task_id}")).await, 404, "InvalidRequestException");
}
db_test!(bpmn_error_takes_the_boundary, bpmn_error_takes_the_boundary);

async fn long_polling(db: &TestDb) {
    let api = setup(db).await;

    // Nothing appears: an empty answer once the timeout passed.
    let started = Instant::now();
    let (status, none) = api.fetch("w1", json!({"asyncResponseTimeout": 300})).await;
    assert_eq!((status, none), (200, json!([])));
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());

    // A waiting worker receives a task started while it waits, long before its timeout.
    let waiting = {
        let (base, c) = (api.base.clone(), api.c.clone());
        tokio::spawn(async move {
            let api = Api { base, c };
            let started = Instant::now();
            let got = api.fetch("w1", json!({"asyncResponseTimeout": 20_000})).await;
            (got, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let inst = api.start_order("order-4").await;
    let ((status, tasks), waited) = waiting.await.unwrap();
    assert_eq!(status, 200, "{tasks}");
    assert_eq!(tasks[0]["processInstanceId"], inst.as_str(), "{tasks}");
    assert!(waited < Duration::from_secs(10), "answered when the task appeared, not at the timeout: {waited:?}");
}
db_test!(long_polling, long_polling);

async fn refusals_and_openapi(db: &TestDb) {
    let api = setup(db).await;
    let fetch = format!("{ET}/fetchAndLock");
    for (body, field) in [
        (json!({"maxTasks": 1, "topics": []}), "workerId"),
        (json!({"workerId": "w", "topics": []}), "maxTasks"),
        (json!({"workerId": "w", "maxTasks": 1, "topics": [{"topicName": "charge"}]}), "lockDuration"),
        (
            json!({"workerId": "w", "maxTasks": 1,
                   "topics": [{"topicName": "charge", "lockDuration": 1, "processVariables": {"a": 1}}]}),
            "processVariables",
        ),
        (json!({"workerId": 5}), "invalid type"),
    ] {
        let msg = camunda_refusal(api.post(&fetch, body.clone()).await, 400, "InvalidRequestException");
        assert!(msg.contains(field), "{body}: {msg}");
    }
    let msg = camunda_refusal(api.get(&format!("{ET}?maxResults=many")).await, 400, "InvalidRequestException");
    assert!(msg.contains("maxResults"), "{msg}");

    let (status, doc) = api.get("/engine-rest/openapi.json").await;
    assert_eq!(status, 200);
    for path in ["/external-task/fetchAndLock", "/external-task/{id}/complete", "/external-task/count"] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    assert!(doc["components"]["schemas"]["LockedExternalTaskDto"].is_object());
}
db_test!(refusals_and_openapi, refusals_and_openapi);
