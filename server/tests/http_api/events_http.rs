//! Messages, signals and event subscriptions over HTTP: `POST /api/v1/messages` (delivered,
//! started, 404 when nothing waits, 409 `ambiguous`, 422 on a bad body), `POST
//! /api/v1/signals` and `GET /api/v1/event-subscriptions`, on SQLite and PostgreSQL.

use crate::common::{client, conflict, refused, serve, upload, Api, TOKEN};
use engine::db_test;
use engine::testing::TestDb;
use reqwest::Method;
use serde_json::{json, Value};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
<message id="m_paid" name="Paid"/><message id="m_order" name="OrderPlaced"/><signal id="s_alarm" name="Alarm"/>"#;

fn process(key: &str, body: &str) -> String {
    format!(r#"{HEAD}<process id="{key}" name="{key}" isExecutable="true">{body}</process></definitions>"#)
}

/// Waits for `Paid`, then a user task.
fn order() -> String {
    process(
        "order",
        r#"<startEvent id="start"/>
<intermediateCatchEvent id="waitPaid" name="Wait for payment"><messageEventDefinition messageRef="m_paid"/></intermediateCatchEvent>
<userTask id="ship"/>
<sequenceFlow id="f1" sourceRef="start" targetRef="waitPaid"/>
<sequenceFlow id="f2" sourceRef="waitPaid" targetRef="ship"/>"#,
    )
}

/// Started by `OrderPlaced`.
fn shop() -> String {
    process(
        "shop",
        r#"<startEvent id="placed"><messageEventDefinition messageRef="m_order"/></startEvent>
<userTask id="pack"/>
<sequenceFlow id="f1" sourceRef="placed" targetRef="pack"/>"#,
    )
}

/// Waits for the signal `Alarm`, then a user task.
fn listen() -> String {
    process(
        "listen",
        r#"<startEvent id="start"/>
<intermediateCatchEvent id="hear"><signalEventDefinition signalRef="s_alarm"/></intermediateCatchEvent>
<userTask id="react"/>
<sequenceFlow id="f1" sourceRef="start" targetRef="hear"/>
<sequenceFlow id="f2" sourceRef="hear" targetRef="react"/>"#,
    )
}

async fn setup(db: &TestDb) -> Api {
    let base = serve(db).await;
    let c = client();
    let files = [("order.bpmn", order()), ("shop.bpmn", shop()), ("listen.bpmn", listen())];
    let form = upload(&files.iter().map(|(n, x)| (*n, x.as_str())).collect::<Vec<_>>());
    let res = c.post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    Api { base, c }
}

impl Api {
    async fn start_with_key(&self, key: &str, business_key: &str) -> String {
        let url = format!("/api/v1/process-definitions/key/{key}/start");
        let (status, inst) = self.post(&url, json!({ "businessKey": business_key })).await;
        assert_eq!(status, 201, "{inst}");
        inst["id"].as_str().unwrap().to_string()
    }
}

async fn messages_signals_subscriptions(db: &TestDb) {
    let api = setup(db).await;
    for (method, path) in [
        (Method::POST, "/api/v1/messages"),
        (Method::POST, "/api/v1/signals"),
        (Method::GET, "/api/v1/event-subscriptions"),
    ] {
        let res = api.c.request(method.clone(), format!("{}{path}", api.base)).send().await.unwrap();
        assert_eq!(res.status(), 401, "{method} {path}");
    }
    let a = api.start_with_key("order", "A").await;
    let b = api.start_with_key("order", "B").await;

    // The list: the two waiting instances and the definitions' start events.
    let page = api.page("/api/v1/event-subscriptions?type=message&name=paid").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    assert_eq!(items[0]["instanceId"], json!(a));
    assert_eq!(items[0]["type"], "message");
    assert_eq!(items[0]["name"], "Paid");
    assert_eq!(items[0]["activityName"], "Wait for payment");
    assert_eq!(items[0]["businessKey"], "A");
    assert_eq!(items[0]["created"], "2023-11-14T22:13:20.000Z");
    let starts = api.items("/api/v1/event-subscriptions?type=message&name=OrderPlaced").await;
    assert_eq!(starts.len(), 1);
    assert!(starts[0].get("instanceId").is_none() || starts[0]["instanceId"].is_null(), "{}", starts[0]);
    let signal_subs = api.items("/api/v1/event-subscriptions?type=signal").await;
    assert!(signal_subs.is_empty(), "{signal_subs:?}");
    let page = api.page("/api/v1/event-subscriptions?limit=1").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let next = page["next"].as_str().unwrap();
    assert_eq!(api.items(&format!("/api/v1/event-subscriptions?limit=1&cursor={next}")).await.len(), 1);
    refused(api.get("/api/v1/event-subscriptions?type=email").await, 422, "invalid");
    refused(api.get("/api/v1/event-subscriptions?cursor=zz").await, 422, "invalid");

    // Ambiguous without a business key; delivered with one.
    let msg = conflict(api.post("/api/v1/messages", json!({"name": "Paid"})).await, "ambiguous");
    assert!(msg.contains("2 instances wait for message 'Paid'"), "{msg}");
    let (status, body) =
        api.post("/api/v1/messages", json!({"name": "Paid", "businessKey": "B", "variables": {"amount": 5}})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"correlated": [{"instanceId": b, "started": false}]}));
    let inst = api.instance(&b).await;
    assert_eq!(inst["variables"]["amount"], json!(5));
    // Consumed: 404, saying what to check.
    let msg =
        refused(api.post("/api/v1/messages", json!({"name": "Paid", "businessKey": "B"})).await, 404, "not_found");
    assert!(msg.contains("Nothing waits for message 'Paid'"), "{msg}");
    // `all` with correlation keys that match nothing.
    let got = api.post("/api/v1/messages", json!({"name": "Paid", "correlationKeys": {"x": 1}, "all": true})).await;
    refused(got, 404, "not_found");

    // A message start event starts an instance with the business key.
    let (status, body) = api.post("/api/v1/messages", json!({"name": "OrderPlaced", "businessKey": "ORD-9"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["correlated"][0]["started"], json!(true));
    let started = api.instance(body["correlated"][0]["instanceId"].as_str().unwrap()).await;
    assert_eq!(started["businessKey"], "ORD-9");

    // Bad bodies: 422.
    for bad in [
        json!({}),
        json!({"name": ""}),
        json!({"name": "Paid", "variables": [1]}),
        json!({"name": "Paid", "correlationKeys": "x"}),
        json!({"name": "Paid", "unknown": 1}),
        json!({"name": 5}),
    ] {
        refused(api.post("/api/v1/messages", bad.clone()).await, 422, "invalid");
    }
    let res = api.c.post(format!("{}/api/v1/messages", api.base)).bearer_auth(TOKEN).body("{").send().await.unwrap();
    assert_eq!(res.status(), 422);

    // Signals: the number of instances reached.
    let l1 = api.start_with_key("listen", "L1").await;
    api.start_with_key("listen", "L2").await;
    let (status, body) = api.post("/api/v1/signals", json!({"name": "Alarm", "variables": {"level": 2}})).await;
    assert_eq!((status, &body), (200, &json!({"instances": 2})));
    assert_eq!(api.instance(&l1).await["variables"]["level"], json!(2));
    assert_eq!(api.post("/api/v1/signals", json!({"name": "Alarm"})).await, (200, json!({"instances": 0})));
    refused(api.post("/api/v1/signals", json!({"variables": {}})).await, 422, "invalid");

    // The OpenAPI document describes the three endpoints and the new refusal reason.
    let (_, spec) = api.get("/api/v1/openapi.json").await;
    for (path, method) in
        [("/api/v1/messages", "post"), ("/api/v1/signals", "post"), ("/api/v1/event-subscriptions", "get")]
    {
        assert!(spec["paths"][path][method].is_object(), "{path} {method}");
    }
    let reasons: Vec<Value> =
        spec["components"]["schemas"]["Error"]["properties"]["reason"]["enum"].as_array().unwrap().clone();
    assert!(reasons.contains(&json!("ambiguous")));
}
db_test!(messages_signals_and_subscriptions_over_http, messages_signals_subscriptions);
