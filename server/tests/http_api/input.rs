//! Input refused at the boundary with a 4xx, never a 500: the NUL character in any text,
//! server-function arguments that cannot be read, a parent unit of another tenant, uploads
//! over their size limits. A real server on port 0, on SQLite and on PostgreSQL.

use crate::common::{client, refused, serve, upload, Api, PASSWORD, TOKEN};
use engine::db_test;
use engine::identity::Account;
use engine::testing::TestDb;
use reqwest::header::{CONTENT_TYPE, COOKIE, ORIGIN, SET_COOKIE};
use serde_json::{json, Value};

const ORDER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <process id="order" name="Order" isExecutable="true">
    <startEvent id="s" /><userTask id="review" name="Review" /><endEvent id="e" />
    <sequenceFlow id="f1" sourceRef="s" targetRef="review" /><sequenceFlow id="f2" sourceRef="review" targetRef="e" />
  </process>
</definitions>"#;

/// A signed-in administrator calling server functions the way the console does (same
/// `Origin`, the session cookie), with arguments form-encoded or as JSON, whichever the
/// server functions take.
struct Console {
    base: String,
    c: reqwest::Client,
    cookie: String,
    json_args: bool,
}

impl Console {
    async fn sign_in(base: &str) -> Console {
        let c = client();
        let res = c
            .post(format!("{base}/api/login"))
            .header(ORIGIN, base)
            .form(&[("username", "admin"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let set = res.headers()[SET_COOKIE].to_str().unwrap().to_string();
        let mut console =
            Console { base: base.to_string(), c, cookie: set.split(';').next().unwrap().to_string(), json_args: false };
        // A harmless call tells which encoding the server functions take.
        console.json_args = console.json("switch_tenant", r#"{"tenant_id":""}"#).await.0 == 200;
        console
    }

    /// Calls server function `endpoint` with `args` (a JSON object); the status and the answer.
    async fn call(&self, endpoint: &str, args: Value) -> (u16, Value) {
        if self.json_args {
            return self.json(endpoint, &args.to_string()).await;
        }
        let pairs: Vec<(String, String)> = args
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
            .collect();
        self.send(endpoint, self.post(endpoint).form(&pairs)).await
    }

    /// Calls server function `endpoint` with a JSON body.
    async fn json(&self, endpoint: &str, body: &str) -> (u16, Value) {
        let req = self.post(endpoint).header(CONTENT_TYPE, "application/json").body(body.to_string());
        self.send(endpoint, req).await
    }

    fn post(&self, endpoint: &str) -> reqwest::RequestBuilder {
        self.c.post(format!("{}/api/{endpoint}", self.base)).header(ORIGIN, &self.base).header(COOKIE, &self.cookie)
    }

    async fn send(&self, endpoint: &str, req: reqwest::RequestBuilder) -> (u16, Value) {
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{endpoint}: {status} {e}: {text}"))
        };
        (status, body)
    }
}

/// Asserts a server function's refusal: its status, `code` and the field it names.
fn app_refused(got: (u16, Value), status: u16, code: &str, field: Option<&str>) -> String {
    assert_eq!((got.0, got.1["code"].as_str(), got.1["field"].as_str()), (status, Some(code), field), "{}", got.1);
    got.1["message"].as_str().unwrap().to_string()
}

async fn nul_is_refused_everywhere(db: &TestDb) {
    let base = serve(db).await;
    let console = Console::sign_in(&base).await;
    let api = Api { base: base.clone(), c: client() };
    let form = upload(&[("order.bpmn", ORDER)]);
    let res = api.c.post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 200);

    // Server functions, form-encoded and JSON: 422 with the field, before anything runs.
    let msg = app_refused(
        console.call("tenant_create", json!({"id": "", "name": "a\0b"})).await,
        422,
        "invalid",
        Some("name"),
    );
    assert!(msg.contains("NUL"), "{msg}");
    app_refused(console.json("tenant_create", r#"{"id":"","name":"a\u0000b"}"#).await, 422, "invalid", Some("name"));
    let login = console.c.post(format!("{base}/api/login")).header(ORIGIN, &base);
    let login = login.form(&[("username", "admin\0"), ("password", "x")]);
    app_refused(console.send("login", login).await, 422, "invalid", Some("username"));
    app_refused(console.call("org_unit_create", json!({"name": "Unit\0"})).await, 422, "invalid", Some("name"));
    let args = json!({"id": "x", "name": "v\0", "kind": "string", "text": "t", "revision": 1});
    app_refused(console.call("variable_set", args).await, 422, "invalid", Some("name"));
    // The engine's own check, for a NUL inside the JSON text of an argument.
    let started = api.post("/api/v1/process-definitions/key/order/start", json!({})).await.1;
    let def = started["definitionId"].as_str().unwrap();
    let args = json!({"definition_id": def, "business_key": "", "variables": r#"{"a":"\u0000"}"#});
    app_refused(console.call("instance_start", args).await, 422, "invalid", Some("variables"));
    // A NUL-free call still works.
    assert_eq!(console.call("tenant_create", json!({"id": "north", "name": "North"})).await.0, 200);

    // The API: bodies, query parameters and path segments.
    let start = "/api/v1/process-definitions/key/order/start";
    let msg = refused(api.post(start, json!({"variables": {"x": "a\0"}})).await, 422, "invalid");
    assert!(msg.contains("variables.x") && msg.contains("NUL"), "{msg}");
    refused(api.post(start, json!({"variables": {"x\0": 1}})).await, 422, "invalid");
    let msg = refused(api.post(start, json!({"businessKey": "\0"})).await, 422, "invalid");
    assert!(msg.contains("businessKey"), "{msg}");
    let msg = refused(api.get("/api/v1/tasks?search=a%00").await, 422, "invalid");
    assert!(msg.contains("search"), "{msg}");
    refused(api.get("/api/v1/tasks/a%00").await, 422, "invalid");
    let task = &api.items("/api/v1/tasks").await[0];
    let complete = format!("/api/v1/tasks/{}/complete", task["id"].as_str().unwrap());
    refused(api.post(&complete, json!({"variables": {"ok": ["\0"]}})).await, 422, "invalid");
    // A file name or a text part with NUL in a deployment (written by hand: clients escape
    // file names).
    for (name, file_name) in [("file", "filename=\"a\0.bpmn\""), ("tenant", "")] {
        let body = format!(
            "--b\r\nContent-Disposition: form-data; name=\"{name}\"; {file_name}\r\n\r\n{}\r\n--b--\r\n",
            if name == "file" { ORDER } else { "de\0fault" }
        );
        let req = api.c.post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN);
        let req = req.header(CONTENT_TYPE, "multipart/form-data; boundary=b").body(body);
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 422, "{name}");
        // (A NUL in a part's header is already refused by the multipart reader.)
        let body: Value = res.json().await.unwrap();
        assert!(name == "file" || body["message"].as_str().unwrap().contains("NUL"), "{body}");
    }

    // Nothing of it was stored.
    let mut tenants: Vec<_> =
        db.engine.list_tenants(&Account::system()).await.unwrap().into_iter().map(|t| t.id).collect();
    tenants.sort();
    assert_eq!(tenants, ["default", "north"]);
    assert!(db.engine.org_units(&Account::system(), "default").await.unwrap().is_empty());
    assert_eq!(api.items("/api/v1/process-instances").await.len(), 1);
    assert_eq!(api.items("/api/v1/tasks").await.len(), 1);
}
db_test!(nul_input, nul_is_refused_everywhere);

async fn unreadable_arguments_are_refused(db: &TestDb) {
    let base = serve(db).await;
    let console = Console::sign_in(&base).await;
    // Missing, of the wrong type, not the expected encoding: 422 saying what to do, never 500.
    let msg = app_refused(console.call("tenant_create", json!({"id": "x"})).await, 422, "invalid", Some("name"));
    assert!(msg.contains("reload the page"), "{msg}");
    let got = console.call("tenant_rename", json!({"id": "default", "name": "n", "revision": "abc"})).await;
    assert_eq!((got.0, got.1["code"].as_str()), (422, Some("invalid")), "{}", got.1);
    // A server function that takes JSON: malformed, of the wrong shape, missing.
    for body in ["{", r#"{"filter": 5}"#, "{}"] {
        let got = console.json("instances", body).await;
        assert_eq!((got.0, got.1["code"].as_str()), (422, Some("invalid")), "{body}: {}", got.1);
    }
    // The right arguments still work.
    let got = console.call("tenant_rename", json!({"id": "default", "name": "n", "revision": 1})).await;
    assert_eq!(got.0, 200, "{}", got.1);
}
db_test!(server_fn_arguments, unreadable_arguments_are_refused);

async fn foreign_parent_units_are_not_found(db: &TestDb) {
    let base = serve(db).await;
    let sys = Account::system();
    let e = &db.engine;
    e.create_tenant(&sys, Some("north"), "North").await.unwrap();
    e.create_tenant(&sys, Some("south"), "South").await.unwrap();
    let south = e.create_org_unit(&sys, "south", None, "South HQ").await.unwrap();
    let console = Console::sign_in(&base).await;
    assert_eq!(console.call("switch_tenant", json!({"tenant_id": "north"})).await.0, 200);
    // A unit of another tenant and no unit at all: the same 404, the same sentence.
    let foreign = console.call("org_unit_create", json!({"parent_id": south.id, "name": "x"})).await;
    let missing = console.call("org_unit_create", json!({"parent_id": "nope", "name": "x"})).await;
    let foreign = app_refused(foreign, 404, "not_found", None);
    let missing = app_refused(missing, 404, "not_found", None);
    assert_eq!(foreign.replace(&south.id, "<id>"), missing.replace("nope", "<id>"));
    assert!(e.org_units(&sys, "north").await.unwrap().is_empty());
    let ok = console.call("org_unit_create", json!({"name": "North HQ"})).await;
    assert_eq!(ok.0, 200, "{}", ok.1);
}
db_test!(org_tenant_gap, foreign_parent_units_are_not_found);

/// `ORDER` padded with a comment to `size` bytes.
fn padded(size: usize) -> String {
    let pad = size - ORDER.len() - "<!--  -->".len();
    format!("{ORDER}<!-- {} -->", "x".repeat(pad))
}

async fn uploads_are_limited(db: &TestDb) {
    // The test server's limit is 1 MB per file, 8 MB per request.
    let base = serve(db).await;
    let api = Api { base: base.clone(), c: client() };
    let deploy = |files: Vec<(String, String)>| {
        let form = files.iter().fold(reqwest::multipart::Form::new(), |form, (name, body)| {
            form.part("file", reqwest::multipart::Part::bytes(body.clone().into_bytes()).file_name(name.clone()))
        });
        // A client of its own: a connection whose request body was refused half-way cannot carry
        // another request, and the listing calls below must not be sent on it.
        client().post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN).multipart(form).send()
    };
    let mb = 1024 * 1024;

    // A file over the limit: 413 naming the file and the limit; the good file before it in
    // the same request is not deployed either.
    let res = deploy(vec![("ok.bpmn".into(), ORDER.into()), ("big.bpmn".into(), padded(mb + 1))]).await.unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "too_large");
    let msg = body["message"].as_str().unwrap();
    assert!(msg.contains("'big.bpmn'") && msg.contains("1 MB") && msg.contains("BPM_MAX_FILE_BYTES"), "{msg}");
    assert!(api.items("/api/v1/process-definitions").await.is_empty());

    // More than the request limit in files each within theirs: 413 too. The request passes
    // the limit by a few kilobytes only: the server answers as soon as it passes and closes
    // the connection, and a larger rest, still being sent, would meet a closed socket before
    // the client reads the answer.
    let mut many: Vec<_> = (0..8).map(|i| (format!("f{i}.bpmn"), padded(mb - 10))).collect();
    many.push(("f8.bpmn".into(), padded(4 * 1024)));
    let res = deploy(many).await.unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("8 MB"), "{body}");
    assert!(api.items("/api/v1/process-definitions").await.is_empty());

    // A file just within the limit deploys.
    let res = deploy(vec![("order.bpmn".into(), padded(mb))]).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(api.items("/api/v1/process-definitions").await.len(), 1);
}
db_test!(upload_limits, uploads_are_limited);
