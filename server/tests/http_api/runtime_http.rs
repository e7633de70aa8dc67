//! The runtime part of the API: starting instances, the instance and task lists (filters,
//! paging, entity tags), the administrator operations and the task actions. A real server on
//! port 0, on SQLite and on PostgreSQL.

use crate::common::{client, conflict, id, ids, refused, serve, upload, Api, TOKEN};
use engine::db_test;
use engine::identity::Account;
use engine::testing::TestDb;
use reqwest::header::{ETAG, IF_NONE_MATCH, LOCATION};
use reqwest::Method;
use serde_json::{json, Value};

/// User task → exclusive gateway → user task → end. `name` changes the content (a version).
fn order(name: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_order" targetNamespace="t">
  <process id="order" name="{name}" isExecutable="true">
    <startEvent id="start" />
    <userTask id="review" name="初审" camunda:assignee="zhangsan" camunda:candidateUsers="zhangsan,lisi" camunda:dueDate="PT1H" />
    <exclusiveGateway id="gw" default="toArchive" />
    <userTask id="approve" name="经理审批" camunda:assignee="lisi" />
    <userTask id="archive" name="归档" />
    <endEvent id="end" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <sequenceFlow id="f2" sourceRef="review" targetRef="gw" />
    <sequenceFlow id="toApprove" sourceRef="gw" targetRef="approve"><conditionExpression>${{amount &gt; 1000}}</conditionExpression></sequenceFlow>
    <sequenceFlow id="toArchive" sourceRef="gw" targetRef="archive" />
    <sequenceFlow id="f3" sourceRef="approve" targetRef="end" />
    <sequenceFlow id="f4" sourceRef="archive" targetRef="end" />
  </process>
</definitions>"#
    )
}

/// The parallel variant: two user tasks at once, joined before the end.
const COUNTERSIGN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_cs" targetNamespace="t">
  <process id="countersign" name="合同会签" isExecutable="true">
    <startEvent id="start" />
    <parallelGateway id="fork" />
    <userTask id="legal" name="法务会签" camunda:assignee="zhangsan" />
    <userTask id="finance" name="财务会签" camunda:assignee="lisi" />
    <parallelGateway id="join" />
    <endEvent id="end" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="fork" />
    <sequenceFlow id="f2" sourceRef="fork" targetRef="legal" />
    <sequenceFlow id="f3" sourceRef="fork" targetRef="finance" />
    <sequenceFlow id="f4" sourceRef="legal" targetRef="join" />
    <sequenceFlow id="f5" sourceRef="finance" targetRef="join" />
    <sequenceFlow id="f6" sourceRef="join" targetRef="end" />
  </process>
</definitions>"#;

/// Deploys, but cannot start: conditional events do not run.
const PAYMENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d_pay" targetNamespace="t">
  <message id="Message_paid" name="paid" />
  <process id="payment" name="等待付款" isExecutable="true">
    <startEvent id="start" />
    <intermediateCatchEvent id="Catch_paid" name="到账"><conditionalEventDefinition><condition>${paid}</condition></conditionalEventDefinition></intermediateCatchEvent>
    <endEvent id="end" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="Catch_paid" />
    <sequenceFlow id="f2" sourceRef="Catch_paid" targetRef="end" />
  </process>
</definitions>"#;

impl Api {
    /// Starts `key` with `body`; the instance.
    async fn start(&self, key: &str, body: Value) -> Value {
        let (status, inst) = self.post(&format!("/api/v1/process-definitions/key/{key}/start"), body).await;
        assert_eq!(status, 201, "{inst}");
        inst
    }

    /// The one active task of `instance` at `activity`.
    async fn task_at(&self, instance: &str, activity: &str) -> Value {
        let tasks = self.items(&format!("/api/v1/tasks?instanceId={instance}")).await;
        let found: Vec<&Value> = tasks.iter().filter(|t| t["activityId"] == activity).collect();
        assert_eq!(found.len(), 1, "{activity} in {tasks:?}");
        found[0].clone()
    }

    async fn complete(&self, task: &Value, variables: Value) {
        let (status, body) =
            self.post(&format!("/api/v1/tasks/{}/complete", id(task)), json!({ "variables": variables })).await;
        assert_eq!(status, 204, "{body}");
    }
}

/// A server with the order process (two versions), the parallel and the not-startable one,
/// and two people of the default tenant's organisation.
async fn setup(db: &TestDb) -> Api {
    let base = serve(db).await;
    let c = client();
    let files =
        [("order.bpmn", order("订单审批")), ("countersign.bpmn", COUNTERSIGN.into()), ("payment.bpmn", PAYMENT.into())];
    for (i, files) in [&files[..], &[("order.bpmn", order("订单审批 v2"))]].into_iter().enumerate() {
        let form = upload(&files.iter().map(|(n, x)| (*n, x.as_str())).collect::<Vec<_>>());
        let res = c.post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 200, "deployment {i}: {}", res.text().await.unwrap());
    }
    let sys = Account::system();
    let unit = db.engine.create_org_unit(&sys, "default", None, "采购部").await.unwrap();
    for (person, name) in [("zhangsan", "张三"), ("lisi", "李四")] {
        db.engine.create_person(&sys, &unit.id, Some(person), name, &["purchase"]).await.unwrap();
    }
    Api { base, c }
}

async fn start_and_query(db: &TestDb) {
    let api = setup(db).await;
    let c = &api.c;
    let base = &api.base;

    // Without a token: 401 in the API's shape, before anything else is looked at.
    for (method, path) in [(Method::GET, "/api/v1/process-instances"), (Method::GET, "/api/v1/tasks")] {
        let res = c.request(method, format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "unauthenticated");
    }
    let res =
        c.post(format!("{base}/api/v1/process-definitions/key/order/start")).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), 401);

    // Start: 201, the latest version, with a Location.
    let body = json!({"businessKey": "PO-1", "initiator": "alice", "variables": {"amount": 500, "item": "笔记本"}});
    let res = c
        .post(format!("{base}/api/v1/process-definitions/key/order/start"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()[LOCATION].to_str().unwrap().to_string();
    let first: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/process-instances/{}", id(&first)));
    assert_eq!(first["definitionKey"], "order");
    assert_eq!(first["version"], 2);
    assert_eq!(first["state"], "running");
    assert_eq!(first["activeActivityIds"], json!(["review"]));
    assert_eq!((first["businessKey"].as_str(), first["initiator"].as_str()), (Some("PO-1"), Some("alice")));
    assert_eq!(first["startTime"], "2023-11-14T22:13:20.000Z", "ISO 8601 like deployedAt");
    assert!(first["endTime"].is_null());

    // One instance in full: variables as a plain object, incidents, tasks.
    let one = api.instance(id(&first)).await;
    assert_eq!(one["variables"], json!({"amount": 500, "item": "笔记本", "initiator": "alice"}));
    assert_eq!(one["incidents"], json!([]));
    assert_eq!(one["definitionId"], first["definitionId"]);
    assert_eq!(one["tasks"][0]["activityId"], "review");
    assert_eq!(one["moveTargets"].as_array().unwrap().len(), 3, "{one}");
    refused(api.get("/api/v1/process-instances/nope").await, 404, "not_found");

    // An older version on request; the initiator defaults to the caller.
    db.engine.clock().advance(60_000);
    let (status, v1) =
        api.post("/api/v1/process-definitions/key/order/start?version=1", json!({"variables": {"amount": 5000}})).await;
    assert_eq!(status, 201, "{v1}");
    assert_eq!((v1["version"].as_i64(), v1["initiator"].as_str()), (Some(1), Some("api")));
    assert_eq!(v1["startTime"], "2023-11-14T22:14:20.000Z");

    // Refusals: unknown key or version 404, not startable 409 naming the element, bad bodies 422.
    refused(api.post("/api/v1/process-definitions/key/nope/start", json!({})).await, 404, "not_found");
    refused(api.post("/api/v1/process-definitions/key/order/start?version=9", json!({})).await, 404, "not_found");
    let msg = refused(api.post("/api/v1/process-definitions/key/payment/start", json!({})).await, 409, "conflict");
    assert!(msg.contains("Catch_paid"), "{msg}");
    for bad in [json!({"variables": "amount=5"}), json!({"variables": [1, 2]}), json!({"businessKey": 5}), json!([1])] {
        let msg = refused(api.post("/api/v1/process-definitions/key/order/start", bad.clone()).await, 422, "invalid");
        assert!(!msg.is_empty(), "{bad}");
    }
    let msg =
        refused(api.post("/api/v1/process-definitions/key/order/start", json!({"variables": 7})).await, 422, "invalid");
    assert!(msg.contains("variables"), "{msg}");
    let msg = refused(
        api.post("/api/v1/process-definitions/key/order/start", json!({"businessKey": 5})).await,
        422,
        "invalid",
    );
    assert!(msg.contains("businessKey"), "the field is named: {msg}");
    refused(api.post("/api/v1/process-definitions/key/order/start?version=latest", json!({})).await, 422, "invalid");
    // Malformed JSON, and a body that is not JSON at all: 422 JSON, never axum's text/plain.
    for (content_type, text) in [("application/json", "{\"variables\": "), ("text/plain", "amount=5")] {
        let res = c
            .post(format!("{base}/api/v1/process-definitions/key/order/start"))
            .bearer_auth(TOKEN)
            .header("content-type", content_type)
            .body(text)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{content_type}");
        assert_eq!(res.headers()["content-type"], "application/json");
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid");
    }
    // No body at all: started with no variables.
    let (status, bare) = api.post_empty("/api/v1/process-definitions/key/countersign/start").await;
    assert_eq!(status, 201, "{bare}");
    assert_eq!(bare["activeActivityIds"].as_array().unwrap().len(), 2, "{bare}");
    let mut opened: Vec<&str> = bare["createdTasks"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    let listed = api.items(&format!("/api/v1/tasks?instanceId={}", id(&bare))).await;
    let mut listed: Vec<&str> = listed.iter().map(id).collect();
    opened.sort_unstable();
    listed.sort_unstable();
    assert_eq!((opened.len(), &opened), (2, &listed), "{bare}");

    // More instances a minute apart, one of them terminated.
    let mut started = vec![first.clone(), v1.clone(), bare.clone()];
    for (who, amount) in [("bob", 10), ("alice", 20), ("bob", 30)] {
        db.engine.clock().advance(60_000);
        started.push(api.start("order", json!({"initiator": who, "variables": {"amount": amount}})).await);
    }
    let (status, ended) =
        api.post(&format!("/api/v1/process-instances/{}/terminate", id(&started[3])), json!({})).await;
    assert_eq!((status, ended["state"].as_str()), (200, Some("terminated")), "{ended}");
    // Newest first; equal start times by id.
    let all = api.items("/api/v1/process-instances").await;
    assert_eq!(all.len(), 6);
    assert_eq!(ids(&all[..3]), vec![id(&started[5]), id(&started[4]), id(&started[3])]);

    // Categories.
    let completed = api.items("/api/v1/process-instances?category=completed").await;
    assert_eq!(ids(&completed), vec![id(&started[3])]);
    let unfinished = api.items("/api/v1/process-instances?category=unfinished").await;
    assert_eq!(unfinished.len(), 5);
    assert!(unfinished.iter().all(|i| i["state"] == "running"));
    assert_eq!(api.items("/api/v1/process-instances?category=all").await.len(), 6);
    refused(api.get("/api/v1/process-instances?category=finished").await, 422, "invalid");

    // Filters.
    let cs = api.items("/api/v1/process-instances?definitionName=会签").await;
    assert_eq!(ids(&cs), vec![id(&bare)]);
    let alice = api.items("/api/v1/process-instances?initiator=ALI").await;
    assert_eq!(ids(&alice), vec![id(&started[4]), id(&first)]);
    let after = api.items("/api/v1/process-instances?startedAfter=2023-11-14T22:15:00Z").await;
    assert_eq!(after.len(), 3, "the three started after the countersign one");
    let after_ms = api.items("/api/v1/process-instances?startedAfter=1700000100000").await;
    assert_eq!(ids(&after_ms), ids(&after));
    let before = api.items("/api/v1/process-instances?startedBefore=2023-11-14T22:14:20%2B00:00").await;
    assert_eq!(ids(&before), vec![id(&first)]);
    let day = api.items("/api/v1/process-instances?startedAfter=2023-11-14&startedBefore=2023-11-15").await;
    assert_eq!(day.len(), 6);
    let msg = refused(api.get("/api/v1/process-instances?startedAfter=yesterday").await, 422, "invalid");
    assert!(msg.contains("startedAfter"), "{msg}");
    refused(api.get("/api/v1/process-instances?limit=many").await, 422, "invalid");
    refused(api.get("/api/v1/process-instances?cursor=zz").await, 422, "invalid");
    assert_eq!(api.items("/api/v1/process-instances?tenant=default").await.len(), 6);
    assert_eq!(api.items("/api/v1/process-instances?tenant=elsewhere").await.len(), 0);

    // Paging: every instance once, in order; no `next` on the last page.
    let mut seen = Vec::new();
    let mut path = "/api/v1/process-instances?limit=4".to_string();
    loop {
        let (status, page) = api.get(&path).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(page["items"].as_array().unwrap().iter().map(|i| id(i).to_string()));
        match page.get("next") {
            Some(next) => path = format!("/api/v1/process-instances?limit=4&cursor={}", next.as_str().unwrap()),
            None => break,
        }
    }
    assert_eq!(seen, ids(&all));

    // Tasks: the list, one task, filters, categories, paging.
    let todo = api.items("/api/v1/tasks").await;
    assert_eq!(todo.len(), 6, "five order reviews but the terminated one's, and two countersign tasks");
    let review = api.task_at(id(&first), "review").await;
    assert_eq!(review["name"], "初审");
    assert_eq!(review["assignee"], "zhangsan");
    assert_eq!(review["assigneeName"], "张三");
    assert_eq!(review["candidateUsers"], json!(["zhangsan", "lisi"]));
    assert_eq!(review["state"], "active");
    assert_eq!(review["created"], "2023-11-14T22:13:20.000Z");
    assert_eq!(review["due"], "2023-11-14T23:13:20.000Z");
    assert_eq!(review["instanceId"], first["id"]);
    let (status, same) = api.get(&format!("/api/v1/tasks/{}", id(&review))).await;
    assert_eq!((status, &same), (200, &review));
    refused(api.get("/api/v1/tasks/nope").await, 404, "not_found");
    assert_eq!(api.items("/api/v1/tasks?name=会签").await.len(), 2);
    assert_eq!(api.items("/api/v1/tasks?assignee=lisi").await.len(), 1, "the countersign finance task");
    assert_eq!(api.items("/api/v1/tasks?category=completed").await.len(), 0);
    assert_eq!(api.items("/api/v1/tasks?category=all").await.len(), 7, "with the terminated instance's cancelled one");
    assert_eq!(api.items("/api/v1/tasks?category=overdue").await.len(), 0);
    refused(api.get("/api/v1/tasks?category=later").await, 422, "invalid");
    let mut seen = Vec::new();
    let mut path = "/api/v1/tasks?category=all&limit=3".to_string();
    loop {
        let (_, page) = api.get(&path).await;
        seen.extend(page["items"].as_array().unwrap().iter().map(|i| id(i).to_string()));
        match page.get("next") {
            Some(next) => path = format!("/api/v1/tasks?category=all&limit=3&cursor={}", next.as_str().unwrap()),
            None => break,
        }
    }
    assert_eq!(seen, ids(&api.items("/api/v1/tasks?category=all").await));
    // An hour later the first reviews are overdue.
    db.engine.clock().advance(3_600_000);
    let overdue = api.items("/api/v1/tasks?category=overdue").await;
    assert_eq!(overdue.len(), 3, "{overdue:?}");
    assert!(overdue.iter().all(|t| t["overdue"] == true));
    assert_eq!(id(&overdue[0]), id(&review), "most overdue first");

    // Entity tags: unchanged lists answer 304 without a body; any change gives a new tag.
    let list = format!("{base}/api/v1/process-instances?category=unfinished");
    let res = c.get(&list).bearer_auth(TOKEN).send().await.unwrap();
    let tag = res.headers()[ETAG].to_str().unwrap().to_string();
    let res = c.get(&list).bearer_auth(TOKEN).header(IF_NONE_MATCH, &tag).send().await.unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()[ETAG].to_str().unwrap(), tag);
    assert!(res.text().await.unwrap().is_empty());
    let other = c.get(format!("{list}&limit=2")).bearer_auth(TOKEN).header(IF_NONE_MATCH, &tag).send().await.unwrap();
    assert_eq!(other.status(), 200, "another query, another tag");
    api.post(&format!("/api/v1/process-instances/{}/suspend", id(&first)), json!({"reason": "tag"})).await;
    let res = c.get(&list).bearer_auth(TOKEN).header(IF_NONE_MATCH, &tag).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_ne!(res.headers()[ETAG].to_str().unwrap(), tag);
    // The task list too; and its tag moves with the minute, since tasks fall overdue.
    let tasks = format!("{base}/api/v1/tasks");
    let tag = c.get(&tasks).bearer_auth(TOKEN).send().await.unwrap().headers()[ETAG].to_str().unwrap().to_string();
    let res = c.get(&tasks).bearer_auth(TOKEN).header(IF_NONE_MATCH, &tag).send().await.unwrap();
    assert_eq!(res.status(), 304);
    db.engine.clock().advance(60_000);
    let res = c.get(&tasks).bearer_auth(TOKEN).header(IF_NONE_MATCH, &tag).send().await.unwrap();
    assert_eq!(res.status(), 200);

    // The OpenAPI document describes every runtime endpoint.
    let (_, spec) = api.get("/api/v1/openapi.json").await;
    for (path, method) in [
        ("/api/v1/process-definitions/key/{key}/start", "post"),
        ("/api/v1/process-instances", "get"),
        ("/api/v1/process-instances/{id}", "get"),
        ("/api/v1/process-instances/{id}/diagram.svg", "get"),
        ("/api/v1/process-instances/{id}/suspend", "post"),
        ("/api/v1/process-instances/{id}/resume", "post"),
        ("/api/v1/process-instances/{id}/terminate", "post"),
        ("/api/v1/process-instances/{id}/move", "post"),
        ("/api/v1/tasks", "get"),
        ("/api/v1/tasks/{id}", "get"),
        ("/api/v1/tasks/{id}", "delete"),
        ("/api/v1/tasks/{id}/complete", "post"),
        ("/api/v1/tasks/{id}/assignee", "post"),
        ("/api/v1/tasks/{id}/withdraw", "post"),
    ] {
        assert!(spec["paths"][path][method].is_object(), "{method} {path}");
    }
    for schema in ["Instance", "InstanceDetail", "InstanceList", "Task", "TaskList", "StartRequest", "MoveRequest"] {
        assert!(spec["components"]["schemas"][schema].is_object(), "{schema}");
    }
}
db_test!(runtime_start_and_query, start_and_query);

async fn instance_operations(db: &TestDb) {
    let api = setup(db).await;
    let inst = api.start("order", json!({"variables": {"amount": 5000}})).await;
    let path = |op: &str| format!("/api/v1/process-instances/{}/{op}", id(&inst));

    // Suspend and resume, each refused when the state does not allow it.
    let msg = conflict(api.post(&path("resume"), json!({})).await, "not_running");
    assert!(msg.contains("running"), "{msg}");
    let (status, suspended) = api.post(&path("suspend"), json!({"reason": "waiting for the budget"})).await;
    assert_eq!((status, suspended["state"].as_str()), (200, Some("suspended")), "{suspended}");
    conflict(api.post_empty(&path("suspend")).await, "not_running");
    let review = api.task_at(id(&inst), "review").await;
    refused(api.post(&format!("/api/v1/tasks/{}/complete", id(&review)), json!({})).await, 409, "conflict");
    // A stale revision is refused; the current one works.
    let stale = json!({"revision": suspended["revision"].as_i64().unwrap() - 1});
    refused(api.post(&path("resume"), stale).await, 409, "changed_meanwhile");
    let (status, resumed) = api.post(&path("resume"), json!({"revision": suspended["revision"]})).await;
    assert_eq!((status, resumed["state"].as_str()), (200, Some("running")), "{resumed}");
    let ops = api.instance(id(&inst)).await["operations"].clone();
    let ops: Vec<&str> = ops.as_array().unwrap().iter().map(|o| o["operation"].as_str().unwrap()).collect();
    assert_eq!(ops, vec!["start", "suspend", "resume"]);
    refused(api.post("/api/v1/process-instances/nope/suspend", json!({})).await, 404, "not_found");
    refused(api.post(&path("suspend"), json!({"reason": 5})).await, 422, "invalid");

    // Move (调整): the review token goes straight to the archive.
    let (status, moved) = api.post(&path("move"), json!({"from": ["review"], "to": "archive", "reason": "skip"})).await;
    assert_eq!((status, &moved["activeActivityIds"]), (200, &json!(["archive"])), "{moved}");
    let review_after = api.get(&format!("/api/v1/tasks/{}", id(&review))).await.1;
    assert_eq!(review_after["state"], "cancelled");
    for bad in [
        json!({"from": ["review"], "to": "approve"}),
        json!({"from": ["archive"], "to": "nowhere"}),
        json!({"from": [], "to": "approve"}),
        json!({"from": ["archive"]}),
        json!({"from": "archive", "to": "approve"}),
    ] {
        refused(api.post(&path("move"), bad).await, 422, "invalid");
    }

    // Terminate: ended, with an end time; then everything is refused.
    let (status, ended) = api.post(&path("terminate"), json!({"reason": "cancelled order"})).await;
    assert_eq!((status, ended["state"].as_str()), (200, Some("terminated")), "{ended}");
    assert!(ended["endTime"].as_str().unwrap().ends_with('Z'));
    for op in ["terminate", "suspend", "resume"] {
        conflict(api.post(&path(op), json!({})).await, "ended");
    }
    refused(api.post(&path("move"), json!({"from": ["archive"], "to": "approve"})).await, 409, "conflict");

    // Complete to the end, on both branches of the gateway.
    for (amount, second) in [(5000, "approve"), (10, "archive")] {
        let inst = api.start("order", json!({"variables": {"amount": amount}})).await;
        let review = api.task_at(id(&inst), "review").await;
        api.complete(&review, json!({"checked": true})).await;
        assert_eq!(api.instance(id(&inst)).await["activeActivityIds"], json!([second]));
        let next = api.task_at(id(&inst), second).await;
        api.complete(&next, json!({})).await;
        let done = api.instance(id(&inst)).await;
        assert_eq!(done["state"], "completed");
        assert_eq!(done["activeActivityIds"], json!([]));
        assert!(done["endTime"].as_str().is_some());
        assert_eq!(done["variables"], json!({"amount": amount, "checked": true, "initiator": "api"}));
        // A completed task cannot be completed again.
        conflict(api.post(&format!("/api/v1/tasks/{}/complete", id(&next)), json!({})).await, "already_done");
    }

    // The parallel variant: both tasks at once; the instance ends after the second.
    let cs = api.start("countersign", json!({})).await;
    let mut active: Vec<&str> =
        cs["activeActivityIds"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    active.sort_unstable();
    assert_eq!(active, vec!["finance", "legal"]);
    let legal = api.task_at(id(&cs), "legal").await;
    let finance = api.task_at(id(&cs), "finance").await;
    refused(
        api.post(&format!("/api/v1/tasks/{}/complete", id(&legal)), json!({"variables": "yes"})).await,
        422,
        "invalid",
    );
    refused(api.post("/api/v1/tasks/nope/complete", json!({})).await, 404, "not_found");
    api.complete(&legal, json!({"legalOk": true})).await;
    let half = api.instance(id(&cs)).await;
    assert_eq!((half["state"].as_str(), &half["activeActivityIds"]), (Some("running"), &json!(["finance"])));
    // An empty body completes with no variables.
    let (status, _) = api.post_empty(&format!("/api/v1/tasks/{}/complete", id(&finance))).await;
    assert_eq!(status, 204);
    assert_eq!(api.instance(id(&cs)).await["state"], "completed");
}
db_test!(runtime_instance_operations, instance_operations);

async fn task_actions(db: &TestDb) {
    let api = setup(db).await;
    let inst = api.start("order", json!({"variables": {"amount": 10}})).await;
    let review = api.task_at(id(&inst), "review").await;
    // The start answers with the task it opened.
    assert_eq!(inst["createdTasks"], json!([id(&review)]), "{inst}");
    let task_path = |t: &Value, op: &str| format!("/api/v1/tasks/{}/{op}", id(t));

    // Reassign (改派) to a person of the organisation.
    let (status, lisi) =
        api.post(&task_path(&review, "assignee"), json!({"assignee": "lisi", "reason": "holiday"})).await;
    assert_eq!(status, 200, "{lisi}");
    assert_eq!((lisi["assignee"].as_str(), lisi["assigneeName"].as_str()), (Some("lisi"), Some("李四")));
    assert_eq!(api.items("/api/v1/tasks?assignee=lisi").await.len(), 1);
    let msg = refused(api.post(&task_path(&review, "assignee"), json!({"assignee": "nobody"})).await, 422, "invalid");
    assert!(msg.contains("nobody"), "{msg}");
    refused(api.post(&task_path(&review, "assignee"), json!({"assignee": "lisi"})).await, 422, "invalid");
    refused(api.post(&task_path(&review, "assignee"), json!({})).await, 422, "invalid");
    refused(api.post("/api/v1/tasks/nope/assignee", json!({"assignee": "lisi"})).await, 404, "not_found");

    // Withdraw (撤回): refused while active; after completion the task comes back.
    conflict(api.post_empty(&task_path(&review, "withdraw")).await, "not_completed");
    api.complete(&review, json!({})).await;
    let archive = api.task_at(id(&inst), "archive").await;
    let (status, again) = api.post(&task_path(&review, "withdraw"), json!({"reason": "wrong amount"})).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!((again["activityId"].as_str(), again["state"].as_str()), (Some("review"), Some("active")));
    assert_ne!(id(&again), id(&review), "a new task");
    assert_eq!(again["assignee"], "lisi", "back to who had it");
    let archive_after = api.get(&format!("/api/v1/tasks/{}", id(&archive))).await.1;
    assert_eq!(archive_after["state"], "cancelled");
    assert_eq!(api.instance(id(&inst)).await["activeActivityIds"], json!(["review"]));

    // Delete: an active task of a running instance is refused; a completed one goes, once.
    let msg = conflict(api.delete(&format!("/api/v1/tasks/{}", id(&again))).await, "in_use");
    assert!(msg.contains("active"), "{msg}");
    let (status, body) = api.delete(&format!("/api/v1/tasks/{}", id(&review))).await;
    assert_eq!((status, body), (204, Value::Null));
    refused(api.delete(&format!("/api/v1/tasks/{}", id(&review))).await, 404, "not_found");
    // After the instance ended, its remaining tasks can be deleted too.
    api.post(&format!("/api/v1/process-instances/{}/terminate", id(&inst)), json!({})).await;
    let (status, _) = api.delete(&format!("/api/v1/tasks/{}", id(&again))).await;
    assert_eq!(status, 204);
    assert_eq!(api.items(&format!("/api/v1/tasks?category=all&instanceId={}", id(&inst))).await.len(), 1, "archive");
}
db_test!(runtime_task_actions, task_actions);
