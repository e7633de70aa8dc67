//! Helpers shared by the HTTP tests: a real server on port 0 over a test database, a client
//! that does not follow redirects, uploads and JSON calls with the API token.

use std::sync::Arc;

use engine::testing::TestDb;
use reqwest::redirect::Policy;
use reqwest::Method;
use serde_json::Value;
use server::config::Config;
use server::{router, AppState};

/// The administrator's password in every test server.
pub const PASSWORD: &str = "test-admin-password";

/// The API token every test server accepts.
pub const TOKEN: &str = "token";

/// Serves the console over `db` on a free port; returns its base URL.
pub async fn serve(db: &TestDb) -> String {
    serve_with(db, Default::default()).await
}

/// [`serve`] with the accept loop's limits.
pub async fn serve_with(db: &TestDb, limits: server::listen::Limits) -> String {
    db.engine.ensure_default_tenant().await.unwrap();
    db.engine.ensure_admin(Some(PASSWORD)).await.unwrap();
    let config = Config::from_lookup(|k| (k == "BPM_ADDR").then(|| "127.0.0.1:0".to_string())).unwrap();
    let state = AppState {
        leptos_options: server::leptos_options(&config),
        engine: db.engine.clone(),
        api_token: Some(Arc::from(TOKEN)),
        max_file_bytes: 1024 * 1024,
        web: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::listen::serve(listener, router(state), limits, std::future::pending()));
    format!("http://{addr}")
}

/// Signs in as `user` through the login form, as the console's page does (same origin);
/// returns the `Cookie` header value, or the refusal's status.
pub async fn sign_in_as(c: &reqwest::Client, base: &str, user: &str, password: &str) -> Result<String, u16> {
    let res = c
        .post(format!("{base}/api/login"))
        .header(reqwest::header::ORIGIN, base)
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .unwrap();
    match res.headers().get(reqwest::header::SET_COOKIE) {
        Some(set) => Ok(set.to_str().unwrap().split(';').next().unwrap().to_string()),
        None => Err(res.status().as_u16()),
    }
}

/// Signs in as the administrator; returns the `Cookie` header value.
pub async fn sign_in(c: &reqwest::Client, base: &str) -> String {
    sign_in_as(c, base, "admin", PASSWORD).await.expect("the administrator signs in")
}

/// Calls the server function at `/api/{endpoint}` as the console's page does: JSON, from
/// the console's own origin, with the session cookie.
pub async fn console_call(
    c: &reqwest::Client,
    base: &str,
    cookie: &str,
    endpoint: &str,
    args: Value,
) -> reqwest::Response {
    c.post(format!("{base}/api/{endpoint}"))
        .header(reqwest::header::COOKIE, cookie)
        .header(reqwest::header::ORIGIN, base)
        .json(&args)
        .send()
        .await
        .unwrap()
}

/// A client that shows redirects instead of following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

/// A multipart upload of `(file name, content)` as `file` parts.
pub fn upload(files: &[(&str, &str)]) -> reqwest::multipart::Form {
    files.iter().fold(reqwest::multipart::Form::new(), |form, (name, body)| {
        form.part("file", reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name(name.to_string()))
    })
}

/// GETs `url` with the API token and returns the JSON body.
pub async fn get_json(c: &reqwest::Client, url: &str) -> Value {
    c.get(url).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap()
}

/// Calls `url` with the API token and an optional JSON body; returns the status and the JSON
/// body (`null` when there is none), after checking that a body is the API's JSON.
pub async fn call(c: &reqwest::Client, method: Method, url: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = c.request(method.clone(), url).bearer_auth(TOKEN);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = res.text().await.unwrap();
    if text.is_empty() {
        return (status, Value::Null);
    }
    assert!(content_type.starts_with("application/json"), "{method} {url}: {status} {content_type}: {text}");
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {url}: {e}: {text}")))
}

/// A test server's base URL and a client, with `call` on paths relative to the server.
pub struct Api {
    pub base: String,
    pub c: reqwest::Client,
}

impl Api {
    pub async fn get(&self, path: &str) -> (u16, Value) {
        call(&self.c, Method::GET, &format!("{}{path}", self.base), None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        call(&self.c, Method::POST, &format!("{}{path}", self.base), Some(body)).await
    }

    /// A POST without a body.
    pub async fn post_empty(&self, path: &str) -> (u16, Value) {
        call(&self.c, Method::POST, &format!("{}{path}", self.base), None).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        call(&self.c, Method::DELETE, &format!("{}{path}", self.base), None).await
    }

    /// The whole answer of a list page, after checking the status.
    pub async fn page(&self, path: &str) -> Value {
        let (status, page) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {page}");
        page
    }

    /// The items of a list page, after checking the status.
    pub async fn items(&self, path: &str) -> Vec<Value> {
        self.page(path).await["items"].as_array().unwrap().clone()
    }

    /// One instance with its detail.
    pub async fn instance(&self, id: &str) -> Value {
        let (status, inst) = self.get(&format!("/api/v1/process-instances/{id}")).await;
        assert_eq!(status, 200, "{inst}");
        inst
    }
}

/// The `id` of a JSON object.
pub fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

pub fn ids(items: &[Value]) -> Vec<&str> {
    items.iter().map(id).collect()
}

/// Asserts a refusal in the API's error shape; returns its message.
pub fn refused(got: (u16, Value), status: u16, code: &str) -> String {
    assert_eq!((got.0, got.1["error"].as_str()), (status, Some(code)), "{}", got.1);
    got.1["message"].as_str().unwrap().to_string()
}

/// Asserts a 409 conflict refusal with `reason`; returns its message.
pub fn conflict(got: (u16, Value), reason: &str) -> String {
    assert_eq!(got.1["reason"].as_str(), Some(reason), "{}", got.1);
    refused(got, 409, "conflict")
}
