//! The console server: engine start-up, authentication, routes, graceful shutdown.

#![recursion_limit = "256"]

pub mod api;
pub mod assets;
pub mod config;
pub mod csrf;
pub mod engine_rest;
pub mod executor;
pub mod headers;
pub mod input;
pub mod listen;

use std::sync::Arc;

use app::error::AppError;
use app::ssr::{cookie, SESSION_COOKIE};
use app::{shell, App};
use axum::body::Body;
use axum::extract::{FromRef, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use engine::identity::CurrentSession;
use engine::Engine;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

use crate::config::Config;

/// Shared state of every request: the one state of the REST handlers and the middleware
/// (`State<AppState>`, or any field's type through `FromRef`), and the source of what the
/// server functions find in their Leptos context (the engine and the cookie setting, provided
/// by [`router`]).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub engine: Engine,
    #[from_ref(skip)]
    pub api_token: Option<Arc<str>>,
    /// The largest BPMN file accepted by deployments.
    #[from_ref(skip)]
    pub max_file_bytes: usize,
    /// Where state changes carried by the session cookie may come from, and how the cookie is
    /// set.
    pub web: WebSecurity,
}

/// The browser-facing security settings (`BPM_ORIGINS`, `BPM_SECURE_COOKIE`).
#[derive(Clone, Debug, Default)]
pub struct WebSecurity {
    pub origins: csrf::Origins,
    pub secure_cookie: app::ssr::SecureCookie,
}

/// Errors that stop the server from starting or serving.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot open the database ({url}): {source}")]
    Database { url: String, source: engine::EngineError },
    #[error("start-up data could not be written: {0}")]
    Setup(engine::EngineError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The Leptos options: where the built site is and what it is called. The defaults fit a run
/// from the workspace root after `scripts/site.sh` (`make build`, `make dev`); the `LEPTOS_*`
/// variables change them. The site's files carry content hashes in their names when the
/// build left `hash.txt` beside the server binary.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let hashed = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|f| f.is_file());
    LeptosOptions::builder()
        .output_name(var("LEPTOS_OUTPUT_NAME", "bpm-console"))
        .site_root(var("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(config.addr)
        .hash_files(hashed)
        .build()
}

/// Opens the database, creates the admin account and the demo data on a first start, and
/// returns the engine.
pub async fn start_engine(config: &Config) -> Result<Engine, ServerError> {
    if let Some(dir) = config.sqlite_dir() {
        std::fs::create_dir_all(&dir)?;
    }
    let options = engine::StoreOptions { sqlite_sync: config.sqlite_sync };
    let engine = Engine::connect_with(&config.database_url, options)
        .await
        .map_err(|source| ServerError::Database { url: redact(&config.database_url), source })?
        .with_time_zone(config.time_zone.clone());
    tracing::info!(zone = %engine::zone::name_of(engine.time_zone()), "timers and due dates read in this time zone");
    let first_start = engine.is_empty().await.map_err(ServerError::Setup)?;
    engine.ensure_default_tenant().await.map_err(ServerError::Setup)?;
    let generated = engine.ensure_admin(config.admin_password.as_deref()).await.map_err(ServerError::Setup)?;
    let admin_password = generated.clone().or_else(|| config.admin_password.clone());
    if first_start && config.demo {
        // The demo tenant manager shares the admin's password when it is known, so the
        // printed sign-in lines work for both accounts.
        let pw = admin_password.clone().unwrap_or_else(engine::demo::generate_password);
        let summary = engine.load_demo(&pw).await.map_err(ServerError::Setup)?;
        tracing::info!(?summary, "demo data loaded");
        println!(
            "Demo data loaded: {} tenants, {} organisation units, {} people, {} catalog nodes, {} process definitions, {} instances.",
            summary.tenants, summary.units, summary.people, summary.catalog_nodes, summary.definitions, summary.instances
        );
        for a in &summary.accounts {
            println!("  Demo tenant manager: user '{a}', same password as admin.");
        }
    }
    if let Some(pw) = generated {
        println!("Created the administrator account. Sign in as user 'admin' with password: {pw}");
        println!("(Shown once. Set BPM_ADMIN_PASSWORD before the first start to choose it.)");
    }
    Ok(engine)
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let ctx_engine = state.engine.clone();
    let options = state.leptos_options.clone();
    let (site_root, pkg_dir) = (options.site_root.to_string(), options.site_pkg_dir.to_string());
    let secure_cookie = state.web.secure_cookie;
    // Server functions read the parts of the state they need from their context.
    Router::new()
        .route("/healthz", get(healthz))
        .merge(api::routes(max_request_bytes(state.max_file_bytes)))
        .merge(engine_rest::routes(max_request_bytes(state.max_file_bytes)))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(ctx_engine.clone());
                provide_context(secure_cookie);
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.clone(), input::refuse_nul))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(state.clone(), refuse_cross_site))
        .merge(executor::demo_routes())
        .merge(assets::routes(&site_root, &pkg_dir))
        .layer(middleware::from_fn(assets::page_etag))
        .layer(middleware::from_fn(headers::add))
        .layer(assets::compression())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// The largest request body: a batch upload holds several files, each checked against the
/// per-file limit; other bodies are far smaller.
pub fn max_request_bytes(max_file_bytes: usize) -> usize {
    max_file_bytes.saturating_mul(8).max(1024 * 1024)
}

/// A server function's refusal as its answer: `error` as JSON with `status`.
pub(crate) fn app_error_response(status: StatusCode, error: &AppError) -> Response {
    let body = serde_json::to_string(error).unwrap_or_default();
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(Body::from(body))
        .unwrap_or_else(|_| status.into_response())
}

/// Starts everything and serves until Ctrl-C or SIGTERM.
pub async fn run(config: Config) -> Result<(), ServerError> {
    let engine = start_engine(&config).await?;
    let state = AppState {
        leptos_options: leptos_options(&config),
        engine: engine.clone(),
        api_token: config.api_token.as_deref().map(Arc::from),
        max_file_bytes: config.max_file_bytes,
        web: WebSecurity { origins: config.origins.clone(), secure_cookie: config.secure_cookie },
    };
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServerError::Bind { addr: config.addr.to_string(), source })?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = ?engine.store().backend(), "serving the console");
    println!("BPM console: http://{addr}");
    let jobs = executor::spawn(&engine, addr, config.demo);
    listen::serve(listener, router(state), config.limits, shutdown_signal()).await?;
    jobs.stop().await;
    engine.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    let backend = format!("{:?}", state.engine.store().backend()).to_lowercase();
    match state.engine.store().ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok", "database": backend})).into_response(),
        Err(e) => {
            // The database's own message stays in the log: anyone may ask for the health.
            tracing::error!(error = %e, "health check failed");
            let error = "The database is not answering; see the server log.";
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable", "database": backend, "error": error})),
            )
                .into_response()
        }
    }
}

/// Refuses a state change carried by the session cookie that another page sent
/// ([`csrf::check`]): 403 in the shape the caller reads (the API's or a server function's).
async fn refuse_cross_site(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    match csrf::check(req.method(), path, req.headers(), &state.web.origins) {
        Ok(()) => next.run(req).await,
        Err(refusal) => {
            tracing::warn!(path, origin = ?req.headers().get(header::ORIGIN), "cross-site state change refused");
            let body = if path.starts_with("/api/v1/") {
                serde_json::json!({"error": "forbidden", "message": refusal.text().english(), "text": refusal.text()})
            } else {
                serde_json::to_value(AppError::new("forbidden", refusal.text())).unwrap_or_default()
            };
            (StatusCode::FORBIDDEN, Json(body)).into_response()
        }
    }
}

/// Requests that open pages make by themselves (the live lists' change-token poll); they do
/// not count as use for the session's idle timeout.
fn is_background(path: &str) -> bool {
    path == "/api/runtime_changed"
}

/// Paths an anonymous caller may reach: the login page and its server function, the
/// health check, and the static files the login page needs.
fn is_public(path: &str) -> bool {
    matches!(path, "/login" | "/api/login" | "/healthz" | "/favicon.ico") || path.starts_with("/pkg/")
}

/// Resolves the session cookie into a [`CurrentSession`] in the request's extensions, or
/// refuses: 401 for server functions and the API, a redirect to the login page for pages.
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if let Some(peer) = listen::peer(&req) {
        req.extensions_mut().insert(app::ssr::ClientAddr(peer.ip()));
    }
    // The Camunda REST API takes credentials only from `Authorization` (Basic or Bearer):
    // a session cookie is no authority there, so another site's page cannot drive it.
    if path == engine_rest::BASE || path.starts_with("/engine-rest/") {
        let peer = req.extensions().get::<app::ssr::ClientAddr>().map(|a| a.0);
        return match engine_rest::auth::caller(&state, req.method(), req.headers(), peer).await {
            Ok(session) => {
                req.extensions_mut().insert(session);
                next.run(req).await
            }
            Err(refusal) => refusal.into_response(),
        };
    }
    let token = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| cookie(c, SESSION_COOKIE))
        .map(str::to_string);
    if let Some(token) = token {
        match state.engine.session_used(&token, !is_background(&path)).await {
            Ok(Some(session)) => {
                req.extensions_mut().insert(CurrentSession { token, session });
                return next.run(req).await;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return (StatusCode::SERVICE_UNAVAILABLE, "The database is not answering; try again shortly.")
                    .into_response();
            }
        }
    }
    if is_public(&path) {
        return next.run(req).await;
    }
    if path.starts_with("/api/v1/") {
        let authorization = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
        return match bearer_session(&state, authorization.as_deref()).await {
            Ok(Some(s)) => {
                req.extensions_mut().insert(s);
                next.run(req).await
            }
            Ok(None) => api::ApiError::unauthenticated().into_response(),
            Err(e) => api::ApiError::from(e).into_response(),
        };
    }
    if path.starts_with("/api/") {
        return app_error_response(StatusCode::UNAUTHORIZED, &AppError::unauthenticated());
    }
    let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let next_url = format!("{path}{query}");
    Redirect::to(&format!("/login?next={}", percent_encode(&next_url))).into_response()
}

/// The API caller behind a valid `Authorization: Bearer` token: the token configured in
/// `BPM_API_TOKEN` acts as an administrator named `api` (compared in constant time); a token
/// created in the console acts with the scope of the account that created it.
pub(crate) async fn bearer_session(
    state: &AppState,
    authorization: Option<&str>,
) -> Result<Option<CurrentSession>, engine::EngineError> {
    let Some(given) = authorization.and_then(|v| v.strip_prefix("Bearer ")).map(str::trim) else {
        return Ok(None);
    };
    let configured = state.api_token.as_deref().is_some_and(|expected| {
        given.len() == expected.len() && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    });
    let account = if configured {
        Some(engine::identity::Account {
            id: "api".into(),
            username: "api".into(),
            display_name: "API".into(),
            role: engine::identity::Role::Admin,
            tenant_id: None,
        })
    } else {
        state.engine.api_token_account(given).await?
    };
    Ok(account.map(|account| CurrentSession {
        token: String::new(),
        session: engine::identity::Session { account, tenant_id: None, expires_at: i64::MAX },
    }))
}

/// Encodes a path for use as a query value.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://data/bpm.sqlite"), "sqlite://data/bpm.sqlite");
    }

    #[test]
    fn public_paths() {
        assert!(is_public("/login"));
        assert!(is_public("/pkg/bpm-console.wasm"));
        assert!(!is_public("/catalog"));
        assert!(!is_public("/api/me"));
    }

    #[test]
    fn encodes_next() {
        assert_eq!(percent_encode("/tasks?a=b c"), "/tasks%3Fa%3Db%20c");
    }
}
