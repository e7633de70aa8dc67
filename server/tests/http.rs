//! The HTTP surface of the server: health, authentication of pages and server functions,
//! sign-in cookie. A real server on port 0, on SQLite and on PostgreSQL.

use std::sync::Arc;

use engine::db_test;
use engine::testing::TestDb;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use server::config::Config;
use server::{router, AppState};

const PASSWORD: &str = "test-admin-password";

/// Serves the console over `db` on a free port; returns its base URL.
async fn serve(db: &TestDb) -> String {
    db.engine.ensure_default_tenant().await.unwrap();
    db.engine.ensure_admin(Some(PASSWORD)).await.unwrap();
    let config = Config::from_lookup(|k| (k == "BPM_ADDR").then(|| "127.0.0.1:0".to_string())).unwrap();
    let state = AppState {
        leptos_options: server::leptos_options(&config),
        engine: db.engine.clone(),
        api_token: Some(Arc::from("token")),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    format!("http://{addr}")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

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
    let wrong =
        c.post(format!("{base}/api/login")).form(&[("username", "admin"), ("password", "nope")]).send().await.unwrap();
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    assert!(wrong.status().is_client_error() || wrong.status().is_server_error(), "{}", wrong.status());

    // The right one sets an HttpOnly, SameSite=Strict session cookie.
    let ok = c
        .post(format!("{base}/api/login"))
        .form(&[("username", "admin"), ("password", PASSWORD), ("next", "/tenants")])
        .send()
        .await
        .unwrap();
    let set = ok.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.starts_with("bpm_session="), "{set}");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let cookie = set.split(';').next().unwrap().to_string();

    // With the cookie: server functions answer and pages render on the server.
    let tenants = c.post(format!("{base}/api/tenants")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(tenants.status(), 200);
    let list: serde_json::Value = tenants.json().await.unwrap();
    assert_eq!(list[0]["id"], "default");
    let page = c.get(format!("{base}/catalog")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("流程目录"));

    // After sign-out the cookie no longer works.
    let out = c.post(format!("{base}/api/logout")).header(COOKIE, &cookie).send().await.unwrap();
    assert!(out.status().is_success(), "{}", out.status());
    let again = c.post(format!("{base}/api/tenants")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(again.status(), 401);
}
db_test!(http_surface, health_and_authentication);
