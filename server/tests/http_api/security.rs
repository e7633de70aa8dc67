//! What the server does against another site's pages, password guessing and slow clients: the
//! cross-site request checks, the security headers, the sign-in throttle, sessions, and the
//! accept loop's limits. A real server on port 0, on SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use crate::common::{client, console_call, serve, serve_with, sign_in, sign_in_as, upload, Api, PASSWORD, TOKEN};
use engine::db_test;
use engine::testing::TestDb;
use reqwest::header::{COOKIE, ORIGIN, REFERER, RETRY_AFTER, SET_COOKIE};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ORDER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <process id="order" name="订单" isExecutable="true">
    <startEvent id="s" /><userTask id="review" name="审核" /><endEvent id="e" />
    <sequenceFlow id="f1" sourceRef="s" targetRef="review" /><sequenceFlow id="f2" sourceRef="review" targetRef="e" />
  </process>
</definitions>"#;

/// The names of the tenants the administrator sees.
async fn tenant_ids(c: &reqwest::Client, base: &str, cookie: &str) -> Vec<String> {
    let list: Value = console_call(c, base, cookie, "tenants", json!({})).await.json().await.unwrap();
    list.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()).collect()
}

/// How a request body is encoded.
#[derive(Clone, Copy)]
enum Body {
    Form,
    Json,
}
use Body::{Form, Json};

/// Creates tenant `id` with the session cookie, the body encoded as `body`, and `page` (the
/// header that names the sending page) when given.
async fn create_tenant(
    c: &reqwest::Client,
    base: &str,
    cookie: &str,
    page: Option<(reqwest::header::HeaderName, &str)>,
    body: Body,
    id: &str,
) -> reqwest::Response {
    let mut req = c.post(format!("{base}/api/tenant_create")).header(COOKIE, cookie);
    if let Some((name, value)) = page {
        req = req.header(name, value);
    }
    req = match body {
        Form => req.form(&[("id", id), ("name", id)]),
        Json => req.json(&json!({"id": id, "name": id})),
    };
    req.send().await.unwrap()
}

async fn cross_site_requests_are_refused(db: &TestDb) {
    let base = serve(db).await;
    let c = client();
    let cookie = sign_in(&c, &base).await;
    let other_port = base.rsplit_once(':').map(|(host, _)| format!("{host}:1")).unwrap();

    // A page on another port of the same host posts a form that creates a tenant.
    let form = create_tenant(&c, &base, &cookie, Some((ORIGIN, &other_port)), Form, "evil").await;
    assert_eq!(form.status(), 403);
    let body: Value = form.json().await.unwrap();
    assert_eq!(body["code"], "forbidden");
    assert!(body["message"].as_str().unwrap().contains("another site"), "{body}");
    assert_eq!(body["text"]["key"], "req.csrf.foreign", "the console says it in the user's language: {body}");
    // The same call as JSON from that page is refused too (it is the origin that counts).
    let json_from_elsewhere = create_tenant(&c, &base, &cookie, Some((ORIGIN, &other_port)), Json, "evil").await;
    assert_eq!(json_from_elsewhere.status(), 403);
    // A form from the console's own origin is refused as well: only JSON carries changes.
    let own_form = create_tenant(&c, &base, &cookie, Some((ORIGIN, &base)), Form, "evil").await;
    assert_eq!(own_form.status(), 403);
    // No Origin and no Referer: refused.
    assert_eq!(create_tenant(&c, &base, &cookie, None, Json, "evil").await.status(), 403);
    assert!(!tenant_ids(&c, &base, &cookie).await.contains(&"evil".to_string()));

    // The console's own call works, also from a browser that sends only the Referer.
    let ok = console_call(&c, &base, &cookie, "tenant_create", json!({"id": "east", "name": "华东"})).await;
    assert_eq!(ok.status(), 200);
    let page = format!("{base}/tenants");
    let by_referer = create_tenant(&c, &base, &cookie, Some((REFERER, &page)), Json, "west").await;
    assert_eq!(by_referer.status(), 200);
    assert!(tenant_ids(&c, &base, &cookie).await.contains(&"west".to_string()));

    // A form-encoded API call with another origin does not terminate an instance.
    let api = Api { base: base.clone(), c: client() };
    let deployed =
        c.post(format!("{base}/api/v1/deployments")).bearer_auth(TOKEN).multipart(upload(&[("o.bpmn", ORDER)]));
    assert_eq!(deployed.send().await.unwrap().status(), 200);
    let (status, started) = api.post("/api/v1/process-definitions/key/order/start", json!({})).await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_string();
    let terminate = format!("{base}/api/v1/process-instances/{id}/terminate");
    let attack = c
        .post(&terminate)
        .header(COOKIE, &cookie)
        .header(ORIGIN, "https://evil.example")
        .form(&[("reason", "gone")])
        .send()
        .await
        .unwrap();
    assert_eq!(attack.status(), 403);
    assert_eq!(attack.json::<Value>().await.unwrap()["error"], "forbidden");
    assert_eq!(api.instance(&id).await["state"], "running");
    // The console's upload (multipart) needs its request header besides the origin.
    let bare_upload = c
        .post(format!("{base}/api/v1/deployments"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, &base)
        .multipart(upload(&[("o.bpmn", ORDER)]))
        .send()
        .await
        .unwrap();
    assert_eq!(bare_upload.status(), 403);
    let console_upload = c
        .post(format!("{base}/api/v1/deployments"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, &base)
        .header(app::api::REQUEST_HEADER, "1")
        .multipart(upload(&[("o.bpmn", ORDER)]))
        .send()
        .await
        .unwrap();
    assert_eq!(console_upload.status(), 200);

    // A cross-site form to the login does not replace the browser's session.
    let login = c
        .post(format!("{base}/api/login"))
        .header(ORIGIN, "https://evil.example")
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);
    assert!(login.headers().get(SET_COOKIE).is_none());
    // An API client with a token is not carried by a cookie and needs no origin.
    let (status, _) = api.post(&format!("/api/v1/process-instances/{id}/terminate"), json!({"reason": "done"})).await;
    assert_eq!(status, 200);
}
db_test!(cross_site, cross_site_requests_are_refused);

async fn every_answer_has_the_security_headers(db: &TestDb) {
    let base = serve(db).await;
    let c = client();
    let check = |res: &reqwest::Response, what: &str| {
        let h = res.headers();
        assert_eq!(h["x-frame-options"], "DENY", "{what}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(h["referrer-policy"], "same-origin", "{what}");
        let csp = h["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        csp
    };
    // A page: scripts only from here and with this answer's nonce, which its inline
    // hydration script carries.
    let page = c.get(format!("{base}/login")).send().await.unwrap();
    let csp = check(&page, "page");
    let nonce =
        csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).expect("a nonce in the policy").to_string();
    assert!(csp.contains("script-src 'self' 'nonce-") && csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");
    let again = c.get(format!("{base}/login")).send().await.unwrap();
    assert!(!check(&again, "page").contains(&nonce), "every answer has its own nonce");
    // A repeat visit to an unchanged page (only its nonce is new) gets a 304 without a body,
    // and without a policy that would replace the one stored with the browser's copy.
    let tag = page_tag(&again);
    assert_eq!(tag, page_tag(&c.get(format!("{base}/login")).send().await.unwrap()), "the tag ignores the nonce");
    let revisit = c.get(format!("{base}/login")).header("if-none-match", &tag).send().await.unwrap();
    assert_eq!(revisit.status(), 304);
    assert!(revisit.headers().get("content-security-policy").is_none());
    assert_eq!(revisit.headers()["etag"], tag.as_str());
    assert!(revisit.text().await.unwrap().is_empty());
    // The same address in the other language is another page.
    let english = c
        .get(format!("{base}/login"))
        .header("if-none-match", &tag)
        .header("cookie", "bpm_lang=en")
        .send()
        .await
        .unwrap();
    assert_eq!(english.status(), 200);
    assert_ne!(page_tag(&english), tag);
    // JSON, refusals, the health check, redirects: nothing may run.
    let api = c.get(format!("{base}/api/v1/openapi.json")).bearer_auth(TOKEN).send().await.unwrap();
    assert!(check(&api, "API").starts_with("default-src 'none'"));
    let anon = c.get(format!("{base}/api/v1/tasks")).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    check(&anon, "refusal");
    check(&c.get(format!("{base}/healthz")).send().await.unwrap(), "health");
    check(&c.get(format!("{base}/catalog")).send().await.unwrap(), "redirect");

    // The session cookie is Secure when a proxy says the request came over HTTPS.
    let https = c
        .post(format!("{base}/api/login"))
        .header(ORIGIN, &base)
        .header("x-forwarded-proto", "https")
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let set = https.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.contains("; Secure"), "{set}");
}
db_test!(security_headers, every_answer_has_the_security_headers);

/// The `ETag` of a page, which must be revalidated each time.
fn page_tag(res: &reqwest::Response) -> String {
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    res.headers()["etag"].to_str().unwrap().to_string()
}

async fn password_guessing_is_throttled(db: &TestDb) {
    let base = serve(db).await;
    let c = client();
    for _ in 0..engine::throttle::ACCOUNT_FREE_FAILURES {
        assert_eq!(sign_in_as(&c, &base, "admin", "guess").await, Err(401));
    }
    // The right password now waits too; the answer says how long, in the header and the text.
    let res = c
        .post(format!("{base}/api/login"))
        .header(ORIGIN, &base)
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().get(SET_COOKIE).is_none());
    assert_eq!(res.headers()[RETRY_AFTER], "1");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "throttled");
    assert!(body["message"].as_str().unwrap().contains("Too many failed sign-ins"), "{body}");
    assert_eq!(body["text"]["key"], "error.throttled", "the console renders it in the user's language: {body}");
    // Once the wait is over (the test engine's clock moves only when told), it works.
    db.engine.clock().advance(1_000);
    sign_in(&c, &base).await;
}
db_test!(sign_in_throttle, password_guessing_is_throttled);

async fn sign_out_everywhere_ends_every_session(db: &TestDb) {
    let base = serve(db).await;
    let c = client();
    let first = sign_in(&c, &base).await;
    let second = sign_in(&c, &base).await;
    let out = console_call(&c, &base, &first, "logout_everywhere", json!({})).await;
    assert_eq!(out.status(), 200);
    assert_eq!(out.json::<Value>().await.unwrap(), json!(2));
    for cookie in [&first, &second] {
        assert_eq!(console_call(&c, &base, cookie, "tenants", json!({})).await.status(), 401);
    }
}
db_test!(sign_out_everywhere, sign_out_everywhere_ends_every_session);

async fn silent_clients_are_cut_off(db: &TestDb) {
    let limits = server::listen::Limits { max_connections: 2, header_read_timeout: Duration::from_secs(1) };
    let base = serve_with(db, limits).await;
    let addr = base.trim_start_matches("http://").to_string();
    // Two clients take every connection: one sends nothing, one half a request line.
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    // A third client is served only once the server has cut one of them off.
    let health = client().get(format!("{base}/healthz")).timeout(Duration::from_secs(30)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(800), "served while both connections were taken");
    // Both were closed by the server (the read ends, with or without a 408 answer).
    for conn in [&mut silent, &mut slow] {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(20), conn.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "the server kept a connection that sent no request");
        let text = String::from_utf8_lossy(&buf);
        assert!(buf.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    }
    // A connection that keeps working is not cut.
    let c = client();
    for _ in 0..3 {
        assert_eq!(c.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
    }
}
db_test!(accept_limits, silent_clients_are_cut_off);
