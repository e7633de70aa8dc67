//! The Camunda 7 REST API's tasks, history, incidents and jobs (`/engine-rest`): Camunda's
//! JSON shapes, filters, sorting and paging, claim conflicts, delegation, completion with the
//! variables in return, history after completion, and a failed job's incident revived by
//! setting its retries. A real server on port 0, on SQLite and on PostgreSQL, with the API
//! token.

use crate::common::{client, serve, upload, Api, TOKEN};
use crate::jobs_http;
use engine::db_test;
use engine::testing::TestDb;
use serde_json::{json, Value};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">"#;

/// Review (candidates ann and bob, group sales), then sign (cy).
fn review() -> String {
    format!(
        r#"{HEAD}<process id="approval" name="Approval" isExecutable="true">
<startEvent id="start"/>
<userTask id="review" name="Review" camunda:candidateUsers="ann,bob" camunda:candidateGroups="sales" camunda:formKey="embedded:review"/>
<userTask id="sign" name="Sign" camunda:assignee="cy"/>
<endEvent id="end"/>
<sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
<sequenceFlow id="f2" sourceRef="review" targetRef="sign"/>
<sequenceFlow id="f3" sourceRef="sign" targetRef="end"/>
</process></definitions>"#
    )
}

/// A server with the review process deployed and two instances, business keys A-1 and B-2
/// (A-1 a second older).
async fn setup(db: &TestDb) -> (Api, String, String) {
    let base = serve(db).await;
    let c = client();
    let xml = review();
    let form = upload(&[("review.bpmn", xml.as_str())]);
    let res = c.post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let api = Api { base, c };
    let mut ids = Vec::new();
    for key in ["A-1", "B-2"] {
        let body = json!({"businessKey": key, "variables": {"amount": 100}});
        let (status, inst) = api.post("/api/v1/process-definitions/key/approval/start", body).await;
        assert_eq!(status, 201, "{inst}");
        ids.push(inst["id"].as_str().unwrap().to_string());
        db.engine.clock().advance(1_000);
    }
    (api, ids.remove(0), ids.remove(0))
}

impl Api {
    /// GET under `/engine-rest`, expecting `status`.
    async fn rest(&self, path: &str, status: u16) -> Value {
        let (got, body) = self.get(&format!("/engine-rest{path}")).await;
        assert_eq!(got, status, "{path}: {body}");
        body
    }

    /// POST under `/engine-rest`; the status and body.
    async fn rest_post(&self, path: &str, body: Value) -> (u16, Value) {
        self.post(&format!("/engine-rest{path}"), body).await
    }
}

/// Asserts Camunda's error body with `status` and `kind`; returns the message.
fn camunda_error(got: (u16, Value), status: u16, kind: &str) -> String {
    assert_eq!((got.0, got.1["type"].as_str()), (status, Some(kind)), "{}", got.1);
    got.1["message"].as_str().unwrap().to_string()
}

fn ids_of(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect()
}

/// A Camunda date: `2023-11-14T22:13:20.000+0000`.
fn is_camunda_date(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() == 28 && s.ends_with("+0000") && s.as_bytes()[10] == b'T')
}

async fn tasks(db: &TestDb) {
    let (api, a, b) = setup(db).await;
    let list = api.rest("/task?processDefinitionKey=approval&sortBy=created&sortOrder=asc", 200).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let t = &list[0];
    assert_eq!(t["processInstanceId"], a.as_str());
    for (k, v) in [
        ("name", json!("Review")),
        ("assignee", Value::Null),
        ("owner", Value::Null),
        ("delegationState", Value::Null),
        ("taskDefinitionKey", json!("review")),
        ("suspended", json!(false)),
        ("formKey", json!("embedded:review")),
        ("priority", json!(50)),
        ("tenantId", json!("default")),
        ("due", Value::Null),
        ("parentTaskId", Value::Null),
    ] {
        assert_eq!(t[k], v, "{k} in {t}");
    }
    assert!(is_camunda_date(&t["created"]), "{t}");
    assert!(t["processDefinitionId"].as_str().is_some_and(|d| !d.is_empty()), "{t}");
    let task = t["id"].as_str().unwrap().to_string();
    let other = list[1]["id"].as_str().unwrap().to_string();

    // Filters and counts, in the query string and in a body.
    assert_eq!(api.rest("/task/count?candidateUser=ann", 200).await, json!({"count": 2}));
    assert_eq!(api.rest("/task/count?candidateUser=carl", 200).await, json!({"count": 0}));
    let (s, found) =
        api.rest_post("/task", json!({"candidateGroups": ["sales"], "processInstanceBusinessKey": "A-1"})).await;
    assert_eq!((s, ids_of(&found)), (200, vec![task.as_str()]));
    let sorting = json!({"sorting": [{"sortBy": "created", "sortOrder": "desc"}]});
    let (s, page) = api.rest_post("/task?firstResult=1&maxResults=1", sorting).await;
    assert_eq!((s, ids_of(&page)), (200, vec![task.as_str()]), "the second newest");
    let (s, n) = api.rest_post("/task/count", json!({"nameLike": "Rev%", "tenantIdIn": ["default"]})).await;
    assert_eq!((s, n), (200, json!({"count": 2})));
    assert_eq!(ids_of(&api.rest(&format!("/task?processInstanceId={b}"), 200).await), vec![other.as_str()]);
    let msg = camunda_error(api.get("/engine-rest/task?sortBy=created").await, 400, "InvalidRequestException");
    assert!(msg.contains("sortBy and sortOrder required"), "{msg}");
    let msg =
        camunda_error(api.get("/engine-rest/task?sortBy=size&sortOrder=asc").await, 400, "InvalidRequestException");
    assert!(msg.contains("'size'"), "{msg}");

    // Claim; a second user's claim is Camunda's TaskAlreadyClaimedException.
    let path = format!("/task/{task}");
    assert_eq!(api.rest_post(&format!("{path}/claim"), json!({"userId": "ann"})).await.0, 204);
    assert_eq!(api.rest(&path, 200).await["assignee"], "ann");
    let msg = camunda_error(
        api.rest_post(&format!("{path}/claim"), json!({"userId": "bob"})).await,
        500,
        "TaskAlreadyClaimedException",
    );
    assert!(msg.contains(&format!("Task '{task}' is already claimed by someone else")), "{msg}");
    let msg = camunda_error(api.rest_post(&format!("{path}/claim"), json!({})).await, 400, "InvalidRequestException");
    assert!(msg.contains("userId"), "{msg}");
    assert_eq!(api.rest("/task/count?assignee=ann", 200).await["count"], 1);
    assert_eq!(api.rest("/task/count?candidateUser=ann", 200).await["count"], 1, "assigned ones only if asked");
    assert_eq!(api.rest("/task/count?candidateUser=ann&includeAssignedTasks=true", 200).await["count"], 2);
    assert_eq!(api.rest("/task/count?unassigned=true", 200).await["count"], 1);

    // Delegate and resolve.
    assert_eq!(api.rest_post(&format!("{path}/delegate"), json!({"userId": "bob"})).await.0, 204);
    let d = api.rest(&path, 200).await;
    assert_eq!((&d["assignee"], &d["owner"], &d["delegationState"]), (&json!("bob"), &json!("ann"), &json!("PENDING")));
    assert_eq!(api.rest_post(&format!("{path}/resolve"), json!({})).await.0, 204);
    let r = api.rest(&path, 200).await;
    assert_eq!((&r["assignee"], &r["delegationState"]), (&json!("ann"), &json!("RESOLVED")));

    // Unclaim, set the assignee.
    assert_eq!(api.rest_post(&format!("{path}/unclaim"), json!({})).await.0, 204);
    assert_eq!(api.rest(&path, 200).await["assignee"], Value::Null);
    assert_eq!(api.rest_post(&format!("{path}/assignee"), json!({"userId": "dan"})).await.0, 204);
    assert_eq!(api.rest(&path, 200).await["assignee"], "dan");

    // The variables the task sees.
    let typed_100 = json!({"type": "Integer", "value": 100, "valueInfo": {}});
    let initiator = json!({"type": "String", "value": "api", "valueInfo": {}});
    assert_eq!(
        api.rest(&format!("{path}/variables"), 200).await,
        json!({ "amount": typed_100, "initiator": initiator })
    );
    assert_eq!(api.rest(&format!("{path}/variables/amount"), 200).await, typed_100);
    let msg =
        camunda_error(api.get(&format!("/engine-rest{path}/variables/nope")).await, 404, "InvalidRequestException");
    assert!(msg.contains("task variable with name nope does not exist"), "{msg}");
    assert_eq!(
        api.rest(&format!("{path}/form-variables?variableNames=amount,x"), 200).await,
        json!({ "amount": typed_100 })
    );

    // Complete with the variables in return; then it is history only.
    let body = json!({"variables": {"approved": {"value": true, "type": "Boolean"}}, "withVariablesInReturn": true});
    let (s, vars) = api.rest_post(&format!("{path}/complete"), body).await;
    assert_eq!(s, 200, "{vars}");
    let approved = json!({"type": "Boolean", "value": true, "valueInfo": {}});
    assert_eq!(vars, json!({"amount": typed_100, "approved": approved, "initiator": initiator}));
    let msg = camunda_error(api.get(&format!("/engine-rest{path}")).await, 404, "InvalidRequestException");
    assert!(msg.contains("/history/task"), "{msg}");
    let h = api.rest(&format!("/history/task?taskId={task}"), 200).await;
    let h = &h[0];
    assert_eq!(
        (&h["deleteReason"], &h["assignee"], &h["taskDefinitionKey"]),
        (&json!("completed"), &json!("dan"), &json!("review"))
    );
    assert!(is_camunda_date(&h["startTime"]) && is_camunda_date(&h["endTime"]), "{h}");
    assert!(h["duration"].as_i64().is_some(), "{h}");
    assert_eq!(h["processDefinitionKey"], "approval");
    let bad = json!({"variables": {"n": {"value": "x", "type": "Integer"}}});
    let msg =
        camunda_error(api.rest_post(&format!("/task/{other}/complete"), bad).await, 400, "InvalidRequestException");
    assert!(msg.contains("'n'"), "{msg}");

    // The next task, then the end: completed without a body answers 204.
    let sign = api.rest(&format!("/task?processInstanceId={a}&taskDefinitionKey=sign"), 200).await;
    assert_eq!(sign[0]["assignee"], "cy");
    let sign = sign[0]["id"].as_str().unwrap().to_string();
    assert_eq!(api.rest_post(&format!("/task/{sign}/complete"), json!({})).await.0, 204);
    let msg = camunda_error(
        api.rest_post(&format!("/task/{sign}/complete"), json!({})).await,
        400,
        "BadUserRequestException",
    );
    assert!(msg.contains("already completed"), "{msg}");

    // History after completion.
    assert_eq!(api.rest("/history/task/count?finished=true", 200).await["count"], 2);
    assert_eq!(api.rest("/history/task/count?unfinished=true", 200).await["count"], 1);
    let done = api.rest(&format!("/history/process-instance/{a}"), 200).await;
    assert_eq!(
        (&done["state"], &done["businessKey"], &done["startActivityId"]),
        (&json!("COMPLETED"), &json!("A-1"), &json!("start"))
    );
    assert!(done["durationInMillis"].as_i64().is_some() && is_camunda_date(&done["endTime"]), "{done}");
    assert_eq!(done["processDefinitionKey"], "approval");
    let running = api.rest("/history/process-instance?unfinished=true", 200).await;
    assert_eq!((ids_of(&running), &running[0]["state"]), (vec![b.as_str()], &json!("ACTIVE")));
    assert_eq!(api.rest("/history/process-instance/count?completed=true", 200).await["count"], 1);
    assert_eq!(api.rest("/history/process-instance/count?processInstanceBusinessKeyLike=B-%25", 200).await["count"], 1);
    let msg =
        camunda_error(api.get("/engine-rest/history/process-instance/nope").await, 404, "InvalidRequestException");
    assert!(msg.contains("nope"), "{msg}");
    let acts = api
        .rest(&format!("/history/activity-instance?processInstanceId={a}&sortBy=startTime&sortOrder=asc"), 200)
        .await;
    let acts = acts.as_array().unwrap();
    let ids: Vec<&str> = acts.iter().map(|x| x["activityId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["start", "review", "sign", "end"]);
    assert_eq!(
        (&acts[1]["activityType"], &acts[1]["taskId"], &acts[1]["canceled"]),
        (&json!("userTask"), &json!(task), &json!(false))
    );
    assert_eq!(acts[3]["completeScope"], true);
    assert!(acts[1]["id"].as_str().unwrap().starts_with("review:"), "{}", acts[1]);
    let open = api.rest(&format!("/history/activity-instance?processInstanceId={b}&unfinished=true"), 200).await;
    assert_eq!(open[0]["activityId"], "review");
    assert_eq!(open[0]["endTime"], Value::Null);
    assert_eq!(api.rest("/history/activity-instance/count?activityType=userTask", 200).await["count"], 3);

    // Without credentials: 401 in Camunda's shape.
    let res = api.c.get(format!("{}/engine-rest/task", api.base)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["type"], "AuthenticationException");
}
db_test!(engine_rest_tasks_filter_claim_delegate_complete_and_history, tasks);

async fn incidents_and_jobs(db: &TestDb) {
    let api = jobs_http::setup(db).await;
    let pay = api.start_with_variables("pay", json!({"amount": 1})).await;
    // Five failed attempts a minute apart: out of retries, an incident.
    for _ in 0..5 {
        assert_eq!(jobs_http::executor(db, None).run_once().await, 1);
        db.engine.clock().advance(60_000);
    }
    let jobs = api.rest(&format!("/job?processInstanceId={pay}"), 200).await;
    let job = &jobs[0];
    assert_eq!(
        (&job["retries"], &job["failedActivityId"], &job["suspended"]),
        (&json!(0), &json!("call"), &json!(false))
    );
    assert!(job["exceptionMessage"].as_str().unwrap().contains("HTTP 500"), "{job}");
    // Filtered by the message as a client saw it (the error is stored as a sentence).
    let message = job["exceptionMessage"].as_str().unwrap();
    let mut url = reqwest::Url::parse("http://x/job/count").unwrap();
    url.query_pairs_mut().append_pair("exceptionMessage", message);
    let by_message = format!("/job/count?{}", url.query().unwrap());
    assert_eq!(api.rest(&by_message, 200).await["count"], 1, "{by_message}");
    let listed = api.rest(&by_message.replace("/job/count", "/job"), 200).await;
    assert_eq!(listed[0]["id"], job["id"]);
    assert_eq!(api.rest("/job/count?exceptionMessage=HTTP%20500", 200).await["count"], 0, "the whole message");
    assert!(is_camunda_date(&job["dueDate"]) && is_camunda_date(&job["createTime"]), "{job}");
    assert_eq!(job["processDefinitionKey"], "pay");
    let job_id = job["id"].as_str().unwrap().to_string();
    assert_eq!(api.rest(&format!("/job/{job_id}"), 200).await, *job);
    assert_eq!(api.rest("/job/count?noRetriesLeft=true", 200).await["count"], 1);
    assert_eq!(api.rest("/job/count?withException=true&messages=true", 200).await["count"], 1);
    assert_eq!(api.rest("/job/count?timers=true", 200).await["count"], 0);
    assert_eq!(api.rest("/job/count?executable=true", 200).await["count"], 0);
    let msg =
        camunda_error(api.get("/engine-rest/job?timers=true&messages=true").await, 400, "InvalidRequestException");
    assert!(msg.contains("timers"), "{msg}");

    let incidents = api.rest(&format!("/incident?processInstanceId={pay}"), 200).await;
    assert_eq!(incidents.as_array().unwrap().len(), 1);
    let inc = &incidents[0];
    assert_eq!(
        (&inc["incidentType"], &inc["configuration"], &inc["activityId"]),
        (&json!("failedJob"), &json!(job_id), &json!("call"))
    );
    assert!(inc["incidentMessage"].as_str().unwrap().contains("HTTP 500"), "{inc}");
    assert!(is_camunda_date(&inc["incidentTimestamp"]), "{inc}");
    assert_eq!(inc["causeIncidentId"], inc["id"]);
    assert_eq!(api.rest("/incident/count?incidentType=failedJob", 200).await["count"], 1);
    assert_eq!(api.rest("/incident/count?incidentType=failedExternalTask", 200).await["count"], 0);

    // Retries: refusals, then the job is pending again and the incident resolved.
    let retries = format!("/job/{job_id}/retries");
    let msg = camunda_error(api.rest_post(&retries, json!({})).await, 400, "InvalidRequestException");
    assert!(msg.contains("retries"), "{msg}");
    let msg = camunda_error(api.rest_post(&retries, json!({"retries": -1})).await, 400, "InvalidRequestException");
    assert!(msg.contains("0 or more"), "{msg}");
    camunda_error(api.rest_post("/job/nope/retries", json!({"retries": 1})).await, 404, "InvalidRequestException");
    assert_eq!(api.rest_post(&retries, json!({"retries": 2})).await.0, 204);
    assert_eq!(api.rest(&format!("/job/{job_id}"), 200).await["retries"], 2);
    assert_eq!(api.rest("/incident/count", 200).await["count"], 0);
    assert_eq!(api.rest("/job/count?executable=true", 200).await["count"], 1);
    assert_eq!(api.rest_post(&format!("/job/{job_id}/execute"), json!({})).await.0, 204);
}
db_test!(engine_rest_incidents_and_job_retries, incidents_and_jobs);
