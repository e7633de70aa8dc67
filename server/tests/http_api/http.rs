//! The HTTP surface of the server: health, authentication of pages and server functions,
//! sign-in cookie, deployments and definitions of the API. A real server on port 0, on
//! SQLite and on PostgreSQL.

use crate::common::{client, console_call, get_json, serve, upload, PASSWORD, TOKEN};
use engine::db_test;
use engine::testing::TestDb;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use serde_json::json;

async fn health_and_authentication(db: &TestDb) {
    let base = serve(db).await;
    let c = client();

    let health = c.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<serde_json::Value>().await.unwrap()["status"], "ok");

    // Pages redirect anonymous visitors to the login page, keeping where they wanted to go.
    let page = c.get(format!("{base}/catalog?x=1")).send().await.unwrap();
    assert!(page.status().is_redirection(), "{}", page.status());
    assert_eq!(page.headers()[LOCATION], "/login?next=/catalog%3Fx%3D1");
    let login_page = c.get(format!("{base}/login")).send().await.unwrap();
    assert_eq!(login_page.status(), 200);
    assert!(login_page.text().await.unwrap().contains("登录"));

    // Server functions refuse anonymous callers with 401 and a message.
    let anon = c.post(format!("{base}/api/tenants")).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    let body: serde_json::Value = anon.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated");

    // A wrong password sets no cookie.
    let wrong = c
        .post(format!("{base}/api/login"))
        .header(ORIGIN, &base)
        .form(&[("username", "admin"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    assert!(wrong.status().is_client_error() || wrong.status().is_server_error(), "{}", wrong.status());

    // The right one sets an HttpOnly, SameSite=Strict session cookie.
    let ok = c
        .post(format!("{base}/api/login"))
        .header(ORIGIN, &base)
        .form(&[("username", "admin"), ("password", PASSWORD), ("next", "/tenants")])
        .send()
        .await
        .unwrap();
    let set = ok.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.starts_with("bpm_session="), "{set}");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    assert!(!set.contains("Secure"), "plain HTTP without a proxy saying HTTPS: {set}");
    let cookie = set.split(';').next().unwrap().to_string();

    // With the cookie: server functions answer and pages render on the server.
    let tenants = console_call(&c, &base, &cookie, "tenants", json!({})).await;
    assert_eq!(tenants.status(), 200);
    let list: serde_json::Value = tenants.json().await.unwrap();
    assert_eq!(list[0]["id"], "default");
    // A refusal answers with its own status and the message, not as a server failure.
    let refused = console_call(&c, &base, &cookie, "tenant_create", json!({"id": "x1", "name": " "})).await;
    assert_eq!(refused.status(), 422);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "invalid");
    let page = c.get(format!("{base}/catalog")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("流程目录"));

    // After sign-out the cookie no longer works.
    let out = console_call(&c, &base, &cookie, "logout", json!({})).await;
    assert!(out.status().is_success(), "{}", out.status());
    let again = console_call(&c, &base, &cookie, "tenants", json!({})).await;
    assert_eq!(again.status(), 401);
}
db_test!(http_surface, health_and_authentication);

const GOOD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <process id="invoice" name="发票审核" isExecutable="true">
    <startEvent id="s" /><userTask id="check" name="审核" /><endEvent id="e" />
    <sequenceFlow id="f1" sourceRef="s" targetRef="check" /><sequenceFlow id="f2" sourceRef="check" targetRef="e" />
  </process>
</definitions>"#;

const BROKEN: &str =
    "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n  <process id=\"p\">\n</definitions>";

async fn api_deploy_and_query(db: &TestDb) {
    let base = serve(db).await;
    let c = client();
    let sys = engine::identity::Account::system();
    db.engine
        .create_catalog_node(&sys, None, &engine::catalog::CatalogInput { name: "财务".into(), code: "finance".into() })
        .await
        .unwrap();

    // No token, or a wrong one: 401 with the API's error shape.
    let anon = c.get(format!("{base}/api/v1/process-definitions")).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    assert_eq!(anon.json::<serde_json::Value>().await.unwrap()["error"], "unauthenticated");
    let wrong = c.get(format!("{base}/api/v1/process-definitions")).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), 401);

    let spec = c.get(format!("{base}/api/v1/openapi.json")).bearer_auth(TOKEN).send().await.unwrap();
    let spec: serde_json::Value = spec.json().await.unwrap();
    assert!(spec["paths"]["/api/v1/deployments"]["post"].is_object());
    // The error body documents the sentence's key and values beside the English.
    assert_eq!(spec["components"]["schemas"]["Error"]["properties"]["text"]["$ref"], "#/components/schemas/Text");
    assert!(spec["components"]["schemas"]["Text"]["properties"]["args"].is_object());

    // One good and one broken file: 422, the good one deployed, the broken one explained.
    let form = upload(&[("invoice.bpmn", GOOD), ("broken.bpmn", BROKEN)]).text("catalog", "finance");
    let res = c.post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let report: serde_json::Value = res.json().await.unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files[0]["ok"], true);
    assert_eq!(files[0]["definitions"][0]["key"], "invoice");
    assert_eq!(files[0]["definitions"][0]["version"], 1);
    assert_eq!(files[1]["ok"], false);
    assert!(files[1]["error"]["line"].as_u64().is_some(), "{report}");

    // The same file again: 200, unchanged, no new version.
    let res = c
        .post(format!("{base}/api/v1/deployments"))
        .bearer_auth(TOKEN)
        .multipart(upload(&[("invoice.bpmn", GOOD)]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let report: serde_json::Value = res.json().await.unwrap();
    assert_eq!(report["files"][0]["unchanged"][0], "invoice");

    // An unknown catalog code is refused as a whole.
    let form = upload(&[("invoice.bpmn", GOOD)]).text("catalog", "nowhere");
    let res = c.post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 404);
    // Not multipart at all: 422 in the API's shape, not axum's plain-text refusal.
    let res = c.post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN).json(&[1]).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["error"], "invalid");

    let list = get_json(&c, &format!("{base}/api/v1/process-definitions?catalog=finance&name=发票")).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert!(list.get("next").is_none());
    let def = &items[0];
    assert_eq!(
        (def["key"].as_str(), def["version"].as_i64(), def["catalog"].as_str()),
        (Some("invoice"), Some(1), Some("finance"))
    );
    assert_eq!(def["tenant"], "default");
    assert_eq!(def["startable"], true);
    assert_eq!(def["executable"], true);
    assert!(def["deployedAt"].as_str().unwrap().ends_with('Z'));

    let id = def["id"].as_str().unwrap();
    let one = get_json(&c, &format!("{base}/api/v1/process-definitions/{id}")).await;
    assert!(one["xml"].as_str().unwrap().contains("发票审核"));
    let missing = c.get(format!("{base}/api/v1/process-definitions/nope")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json::<serde_json::Value>().await.unwrap()["error"], "not_found");
    // This file has no diagram: it is laid out and drawn.
    let svg =
        c.get(format!("{base}/api/v1/process-definitions/{id}/diagram.svg")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(svg.status(), 200);
    assert!(svg.text().await.unwrap().contains("<svg"));
}
db_test!(http_api, api_deploy_and_query);
