//! The Camunda 7 compatible REST API at `/engine-rest` (deployments, definitions, instances,
//! variables, messages, signals) and its authentication, on SQLite and PostgreSQL: Camunda's
//! JSON shapes, typed variables in and out, error bodies `{"type", "message"}` with their
//! statuses, HTTP Basic (account password, API token as password), tenant scope.

use crate::common::{call, client, serve, sign_in, Api, PASSWORD, TOKEN};
use engine::db_test;
use engine::identity::{Account, Role};
use engine::testing::TestDb;
use reqwest::header::{AUTHORIZATION, COOKIE, WWW_AUTHENTICATE};
use reqwest::Method;
use serde_json::{json, Value};

const R: &str = "/engine-rest";

/// Waits for the message `Paid`, then the user task `ship`.
const ORDER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
<message id="m_paid" name="Paid"/><signal id="s_go" name="Go"/>
<process id="order" name="Order" isExecutable="true" camunda:versionTag="v1">
<startEvent id="start"/>
<intermediateCatchEvent id="waitPaid"><messageEventDefinition messageRef="m_paid"/></intermediateCatchEvent>
<userTask id="ship" name="Ship"/>
<endEvent id="end"/>
<sequenceFlow id="f1" sourceRef="start" targetRef="waitPaid"/>
<sequenceFlow id="f2" sourceRef="waitPaid" targetRef="ship"/>
<sequenceFlow id="f3" sourceRef="ship" targetRef="end"/>
</process>
<process id="alarm" name="Alarm" isExecutable="true">
<startEvent id="s"><signalEventDefinition signalRef="s_go"/></startEvent>
<userTask id="react"/>
<sequenceFlow id="g1" sourceRef="s" targetRef="react"/>
</process>
</definitions>"#;

/// A multipart Camunda deployment of `files`.
fn deployment(name: &str, files: &[(&str, &str)]) -> reqwest::multipart::Form {
    let form =
        reqwest::multipart::Form::new().text("deployment-name", name.to_string()).text("deploy-changed-only", "true");
    files.iter().enumerate().fold(form, |form, (i, (file, body))| {
        form.part(
            format!("data{i}"),
            reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name(file.to_string()),
        )
    })
}

/// Calls the API with `authorization` (or none); the status, the `WWW-Authenticate` header
/// and the JSON body (`null` when empty).
async fn with_auth(
    base: &str,
    method: Method,
    path: &str,
    authorization: Option<&str>,
) -> (u16, Option<String>, Value) {
    let mut req = client().request(method, format!("{base}{R}{path}"));
    if let Some(a) = authorization {
        req = req.header(AUTHORIZATION, a);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let challenge = res.headers().get(WWW_AUTHENTICATE).map(|v| v.to_str().unwrap().to_string());
    let text = res.text().await.unwrap();
    (status, challenge, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// Asserts a refusal in Camunda's shape; returns its message.
fn rest_refused(got: (u16, Value), status: u16, kind: &str) -> String {
    assert_eq!((got.0, got.1["type"].as_str()), (status, Some(kind)), "{}", got.1);
    let message = got.1["message"].as_str().unwrap().to_string();
    assert!(message.len() > 20, "the message says why: {message}");
    message
}

async fn put(api: &Api, path: &str, body: Value) -> (u16, Value) {
    call(&api.c, Method::PUT, &format!("{}{path}", api.base), Some(body)).await
}

async fn deploy(api: &Api, files: &[(&str, &str)]) -> Value {
    let res = api
        .c
        .post(format!("{}{R}/deployment/create", api.base))
        .bearer_auth(TOKEN)
        .multipart(deployment("orders", files))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

async fn setup(db: &TestDb) -> Api {
    let base = serve(db).await;
    Api { base, c: client() }
}

async fn shapes_and_variables(db: &TestDb) {
    let api = setup(db).await;
    // Deployment: Camunda's shape, definitions keyed by id.
    let dep = deploy(&api, &[("order.bpmn", ORDER)]).await;
    assert_eq!(dep["name"], "orders");
    assert_eq!(dep["tenantId"], Value::Null);
    assert!(dep["deploymentTime"].as_str().unwrap().ends_with("+0000"), "{dep}");
    assert_eq!(dep["deployedCaseDefinitions"], Value::Null);
    let defs = dep["deployedProcessDefinitions"].as_object().unwrap();
    assert_eq!(defs.len(), 2, "{dep}");
    let order = defs.values().find(|d| d["key"] == "order").unwrap().clone();
    let order_id = order["id"].as_str().unwrap().to_string();
    assert_eq!(defs[&order_id]["id"], json!(order_id));
    for field in ["category", "description", "diagram", "historyTimeToLive"] {
        assert!(order.get(field).is_some(), "{field} in {order}");
    }
    assert_eq!(
        (&order["name"], &order["version"], &order["resource"], &order["suspended"], &order["versionTag"]),
        (&json!("Order"), &json!(1), &json!("order.bpmn"), &json!(false), &json!("v1"))
    );
    assert_eq!(order["deploymentId"], dep["id"]);
    assert_eq!(order["startableInTasklist"], true);
    // Deploying the same content again adds no version and answers the latest one.
    let again = deploy(&api, &[("order.bpmn", ORDER)]).await;
    assert!(again["deployedProcessDefinitions"][&order_id].is_object(), "{again}");

    // A file that does not parse: nothing deployed, 400 naming the file.
    let res = api
        .c
        .post(format!("{}{R}/deployment/create", api.base))
        .bearer_auth(TOKEN)
        .multipart(deployment("bad", &[("ok.bpmn", &ORDER.replace("order", "other")), ("broken.bpmn", "<definitions")]))
        .send()
        .await
        .unwrap();
    let got = (res.status().as_u16(), res.json::<Value>().await.unwrap());
    assert!(rest_refused(got, 400, "InvalidRequestException").contains("broken.bpmn"));
    assert_eq!(api.get(&format!("{R}/process-definition/count?key=other")).await.1["count"], 0);
    let res = api
        .c
        .post(format!("{}{R}/deployment/create", api.base))
        .bearer_auth(TOKEN)
        .multipart(deployment("dmn", &[("rules.dmn", "<definitions/>")]))
        .send()
        .await
        .unwrap();
    assert!(rest_refused((400, res.json().await.unwrap()), 400, "InvalidRequestException").contains("rules.dmn"));

    // Definitions: list, count, filters, sorting, by key, XML.
    let (status, list) = api.get(&format!("{R}/process-definition?latestVersion=true&sortBy=key&sortOrder=desc")).await;
    assert_eq!(status, 200, "{list}");
    let keys: Vec<&str> = list.as_array().unwrap().iter().map(|d| d["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["order", "alarm"]);
    assert_eq!(api.get(&format!("{R}/process-definition/count?keyLike=%25ord%25")).await.1, json!({"count": 1}));
    assert_eq!(
        api.get(&format!("{R}/process-definition?maxResults=1&firstResult=1")).await.1.as_array().unwrap().len(),
        1
    );
    assert_eq!(api.get(&format!("{R}/process-definition/key/order")).await.1, order);
    assert_eq!(api.get(&format!("{R}/process-definition/{order_id}")).await.1, order);
    let (_, xml) = api.get(&format!("{R}/process-definition/key/order/xml")).await;
    assert_eq!(xml["id"], json!(order_id));
    assert!(xml["bpmn20Xml"].as_str().unwrap().contains("waitPaid"));
    rest_refused(api.get(&format!("{R}/process-definition/key/nope")).await, 404, "InvalidRequestException");
    rest_refused(api.get(&format!("{R}/process-definition?sortBy=colour")).await, 400, "InvalidRequestException");
    rest_refused(api.get(&format!("{R}/process-definition?maxResults=many")).await, 400, "InvalidRequestException");

    // Start with every type, answered with the variables typed as Camunda types them.
    let variables = json!({
        "s": {"value": "text", "type": "String"},
        "i": {"value": 42, "type": "Integer"},
        "l": {"value": 5_000_000_000i64, "type": "Long"},
        "d": {"value": 1.5, "type": "Double"},
        "b": {"value": true, "type": "Boolean"},
        "t": {"value": "2026-12-07T09:00:00.000+0800", "type": "Date"},
        "j": {"value": "{\"items\":[1,2]}", "type": "Json"},
        "n": {"value": null, "type": "Null"},
    });
    let body = json!({"businessKey": "B1", "variables": variables, "withVariablesInReturn": true});
    let (status, inst) = api.post(&format!("{R}/process-definition/key/order/start"), body).await;
    assert_eq!(status, 200, "{inst}");
    let id = inst["id"].as_str().unwrap().to_string();
    assert_eq!(inst["definitionId"], json!(order_id));
    assert_eq!(
        (
            &inst["businessKey"],
            &inst["caseInstanceId"],
            &inst["ended"],
            &inst["suspended"],
            &inst["tenantId"],
            &inst["links"]
        ),
        (&json!("B1"), &Value::Null, &json!(false), &json!(false), &Value::Null, &json!([]))
    );
    let vars = &inst["variables"];
    assert_eq!(vars["s"], json!({"type": "String", "value": "text", "valueInfo": {}}));
    assert_eq!(vars["i"]["type"], "Integer");
    assert_eq!(vars["l"], json!({"type": "Long", "value": 5_000_000_000i64, "valueInfo": {}}));
    assert_eq!(vars["d"]["value"], 1.5);
    assert_eq!(vars["b"]["value"], true);
    assert_eq!(vars["t"], json!({"type": "Date", "value": "2026-12-07T01:00:00.000+0000", "valueInfo": {}}));
    assert_eq!(vars["j"], json!({"type": "Json", "value": "{\"items\":[1,2]}", "valueInfo": {}}));
    assert_eq!(vars["n"]["type"], "Null");
    let (_, read) = api.get(&format!("{R}/process-instance/{id}/variables")).await;
    assert_eq!(read["l"], vars["l"], "{read}");
    let bad = json!({"variables": {"i": {"value": "x", "type": "Integer"}}});
    let msg = rest_refused(
        api.post(&format!("{R}/process-definition/{order_id}/start"), bad).await,
        400,
        "InvalidRequestException",
    );
    assert!(msg.contains("'i'"), "{msg}");
    rest_refused(
        api.post(&format!("{R}/process-definition/key/nope/start"), json!({})).await,
        404,
        "InvalidRequestException",
    );
    let (status, second) =
        api.post(&format!("{R}/process-definition/{order_id}/start"), json!({"businessKey": "B2"})).await;
    assert_eq!(status, 200, "{second}");
    assert!(second.get("variables").is_none(), "variables only when asked for: {second}");
    let second = second["id"].as_str().unwrap().to_string();

    // The runtime list: filters, count, the POST form, sorting, paging.
    let ids = |v: &Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(&api.get(&format!("{R}/process-instance?businessKey=B1")).await.1), std::slice::from_ref(&id));
    assert_eq!(api.get(&format!("{R}/process-instance/count?processDefinitionKey=order")).await.1["count"], 2);
    let by_ids = api
        .get(&format!("{R}/process-instance?processInstanceIds={id},{second}&sortBy=businessKey&sortOrder=desc"))
        .await
        .1;
    assert_eq!(ids(&by_ids), [second.clone(), id.clone()]);
    // Lists repeated rather than comma-separated, as some clients send them.
    let repeated =
        api.get(&format!("{R}/process-instance/count?processInstanceIds={id}&processInstanceIds={second}")).await;
    assert_eq!(repeated.1["count"], 2, "{}", repeated.1);
    let (status, posted) = api
        .post(
            &format!("{R}/process-instance?maxResults=1"),
            json!({"processDefinitionId": order_id, "sorting": [{"sortBy": "businessKey", "sortOrder": "asc"}]}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    assert_eq!(ids(&posted), std::slice::from_ref(&id));
    assert_eq!(api.post(&format!("{R}/process-instance/count"), json!({"businessKeyLike": "%B%"})).await.1["count"], 2);

    // Suspend and activate.
    let suspend = |v: bool| json!({ "suspended": v });
    assert_eq!(put(&api, &format!("{R}/process-instance/{id}/suspended"), suspend(true)).await.0, 204);
    assert_eq!(put(&api, &format!("{R}/process-instance/{id}/suspended"), suspend(true)).await.0, 204);
    assert_eq!(api.get(&format!("{R}/process-instance/{id}")).await.1["suspended"], true);
    assert_eq!(ids(&api.get(&format!("{R}/process-instance?suspended=true")).await.1), std::slice::from_ref(&id));
    assert_eq!(ids(&api.get(&format!("{R}/process-instance?active=true")).await.1), std::slice::from_ref(&second));
    assert_eq!(put(&api, &format!("{R}/process-instance/{id}/suspended"), suspend(false)).await.0, 204);
    rest_refused(
        put(&api, &format!("{R}/process-instance/{id}/suspended"), json!({})).await,
        400,
        "InvalidRequestException",
    );

    // Variables one by one and in a batch.
    let (status, one) = api.get(&format!("{R}/process-instance/{id}/variables/i")).await;
    assert_eq!((status, one), (200, json!({"type": "Integer", "value": 42, "valueInfo": {}})));
    assert_eq!(
        put(&api, &format!("{R}/process-instance/{id}/variables/amount"), json!({"value": "12", "type": "Long"}))
            .await
            .0,
        204
    );
    assert_eq!(api.get(&format!("{R}/process-instance/{id}/variables/amount")).await.1["value"], 12);
    let batch = json!({"modifications": {"x": {"value": "y", "type": "String"}}, "deletions": ["s", "nothing"]});
    assert_eq!(api.post(&format!("{R}/process-instance/{id}/variables"), batch).await.0, 204);
    let (_, read) = api.get(&format!("{R}/process-instance/{id}/variables")).await;
    assert_eq!(read["x"]["value"], "y");
    assert!(read.get("s").is_none(), "{read}");
    let both = json!({"modifications": {"x": {"value": 1, "type": "Integer"}}, "deletions": ["x"]});
    rest_refused(api.post(&format!("{R}/process-instance/{id}/variables"), both).await, 400, "InvalidRequestException");
    assert_eq!(api.delete(&format!("{R}/process-instance/{id}/variables/x")).await.0, 204);
    rest_refused(api.get(&format!("{R}/process-instance/{id}/variables/x")).await, 404, "InvalidRequestException");
    rest_refused(api.get(&format!("{R}/process-instance/nope/variables")).await, 404, "InvalidRequestException");

    // Messages: no match is 400 RestException; a match answers its result.
    let msg =
        rest_refused(api.post(&format!("{R}/message"), json!({"messageName": "Nope"})).await, 400, "RestException");
    assert!(msg.contains("Nope"), "{msg}");
    rest_refused(api.post(&format!("{R}/message"), json!({"messageName": "Paid"})).await, 400, "RestException");
    rest_refused(api.post(&format!("{R}/message"), json!({})).await, 400, "InvalidRequestException");
    let corr = json!({"messageName": "Paid", "businessKey": "B1", "processVariables": {"paid": {"value": true, "type": "Boolean"}}, "resultEnabled": true, "variablesInResultEnabled": true});
    let (status, results) = api.post(&format!("{R}/message"), corr).await;
    assert_eq!(status, 200, "{results}");
    assert_eq!(results[0]["resultType"], "Execution");
    assert_eq!(results[0]["execution"]["processInstanceId"], json!(id));
    assert_eq!(results[0]["variables"]["paid"]["value"], true);
    let none =
        json!({"messageName": "Paid", "correlationKeys": {"nope": {"value": 1, "type": "Integer"}}, "all": true});
    rest_refused(api.post(&format!("{R}/message"), none).await, 400, "RestException");
    assert_eq!(api.post(&format!("{R}/message"), json!({"messageName": "Paid", "businessKey": "B2"})).await.0, 204);

    // A signal starts the signal start event's definition.
    assert_eq!(
        api.post(&format!("{R}/signal"), json!({"name": "Go", "variables": {"k": {"value": 1, "type": "Integer"}}}))
            .await
            .0,
        204
    );
    assert_eq!(api.get(&format!("{R}/process-instance/count?processDefinitionKey=alarm")).await.1["count"], 1);
    rest_refused(
        api.post(&format!("{R}/signal"), json!({"name": "Go", "executionId": "e"})).await,
        400,
        "InvalidRequestException",
    );

    // Terminate.
    assert_eq!(api.delete(&format!("{R}/process-instance/{second}")).await.0, 204);
    assert_eq!(api.get(&format!("{R}/process-instance/{second}")).await.1["ended"], true);
    assert_eq!(api.get(&format!("{R}/process-instance/count?processDefinitionKey=order")).await.1["count"], 1);
    rest_refused(api.delete(&format!("{R}/process-instance/{second}")).await, 400, "BadUserRequestException");
    rest_refused(api.delete(&format!("{R}/process-instance/nope")).await, 404, "InvalidRequestException");
}

db_test!(engine_rest_shapes, shapes_and_variables);

async fn authentication_and_tenants(db: &TestDb) {
    let base = serve(db).await;
    let sys = Account::system();
    let e = &db.engine;

    // No credentials, a cookie, a wrong password: 401 with the challenge and Camunda's body.
    for auth in
        [None, Some(basic("admin", "wrong-password")), Some("Bearer wrong".to_string()), Some(basic("admin", ""))]
    {
        let (status, challenge, body) = with_auth(&base, Method::GET, "/process-definition", auth.as_deref()).await;
        assert_eq!(status, 401, "{auth:?}");
        assert_eq!(challenge.as_deref(), Some("Basic realm=\"engine-rest\""));
        assert_eq!(body["type"], "AuthenticationException");
    }
    let failed = e.audit_log(&sys, 50).await.unwrap();
    assert!(failed.iter().any(|a| a.action == "sign_in.failed" && a.target == "admin"), "{failed:?}");
    let cookie = sign_in(&client(), &base).await;
    let res = client().get(format!("{base}{R}/process-definition")).header(COOKIE, cookie).send().await.unwrap();
    assert_eq!(res.status(), 401, "a session cookie is no credential here");

    // The account's password, the configured token and a console token as the password, and
    // bearer tokens.
    let (_, secret) = e.create_api_token(&sys, "worker").await.unwrap();
    for auth in [basic("admin", PASSWORD), basic("worker", TOKEN), basic("anyone", &secret), format!("Bearer {secret}")]
    {
        let (status, _, body) = with_auth(&base, Method::GET, "/engine", Some(&auth)).await;
        assert_eq!((status, body), (200, json!([{"name": "default"}])), "{auth}");
    }
    assert_eq!(with_auth(&base, Method::GET, "/version", Some(&basic("admin", PASSWORD))).await.2["version"], "7.22.0");

    // A browser's cross-site change is refused even with credentials.
    let res = client()
        .post(format!("{base}{R}/signal"))
        .header(AUTHORIZATION, basic("admin", PASSWORD))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"name": "Go"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Tenant scope: a tenant manager (by password or by their tenant's token) sees only their
    // tenant; another tenant's instance answers 404 like a missing one.
    e.create_tenant(&sys, Some("north"), "North").await.unwrap();
    let manager =
        e.create_account("northmgr", "North", "north-password", Role::TenantManager, Some("north")).await.unwrap();
    let api = Api { base: base.clone(), c: client() };
    deploy(&api, &[("order.bpmn", ORDER)]).await;
    let (status, inst) = api.post(&format!("{R}/process-definition/key/order/start"), json!({})).await;
    assert_eq!(status, 200, "{inst}");
    let id = inst["id"].as_str().unwrap();
    let (_, north_secret) = e.create_api_token(&manager, "north worker").await.unwrap();
    for auth in [basic("northmgr", "north-password"), basic("x", &north_secret)] {
        let (status, _, body) = with_auth(&base, Method::GET, &format!("/process-instance/{id}"), Some(&auth)).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["type"], "InvalidRequestException");
        let (_, _, list) = with_auth(&base, Method::GET, "/process-instance", Some(&auth)).await;
        assert_eq!(list, json!([]));
        let (_, _, defs) = with_auth(&base, Method::GET, "/process-definition?tenantIdIn=default", Some(&auth)).await;
        assert_eq!(defs, json!([]));
        let (status, _, _) = with_auth(&base, Method::GET, "/process-definition/key/order", Some(&auth)).await;
        assert_eq!(status, 404);
    }
    // The administrator sees it by password too (verified once, then remembered).
    for _ in 0..2 {
        let (status, _, body) =
            with_auth(&base, Method::GET, &format!("/process-instance/{id}"), Some(&basic("admin", PASSWORD))).await;
        assert_eq!((status, &body["id"]), (200, &json!(id)));
    }
}

db_test!(engine_rest_auth, authentication_and_tenants);
