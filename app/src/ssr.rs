//! Server-only helpers for server functions: the engine and the caller from the request
//! context, and the session cookie.

use engine::identity::Session;
use engine::Engine;
use http::header::{HeaderValue, SET_COOKIE};
use leptos::prelude::*;

use crate::error::AppError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "bpm_session";

/// What the server puts into every request's Leptos context.
#[derive(Clone)]
pub struct ServerCtx {
    pub engine: Engine,
}

/// The caller's session; the server's authentication middleware puts it into the request's
/// extensions after checking the cookie.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub token: String,
    pub session: Session,
}

/// The engine, from the request context.
pub fn engine() -> Result<Engine, AppError> {
    use_context::<ServerCtx>().map(|c| c.engine).ok_or_else(|| AppError {
        code: "internal".into(),
        message: "The server is not set up correctly: no engine in context.".into(),
        field: None,
    })
}

/// The signed-in caller, or the "sign in again" refusal.
pub fn current() -> Result<CurrentSession, AppError> {
    use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<CurrentSession>().cloned())
        .ok_or_else(AppError::unauthenticated)
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|kv| kv.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

fn set_cookie(value: String) {
    if let (Some(resp), Ok(v)) = (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&value)) {
        resp.append_header(SET_COOKIE, v);
    }
}

/// Sets the session cookie: HttpOnly (scripts cannot read it) and SameSite=Strict (other
/// sites cannot make the browser send it).
pub fn set_session_cookie(token: &str) {
    let max_age = engine::identity::SESSION_TTL_MS / 1000;
    set_cookie(format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"));
}

/// Removes the session cookie.
pub fn clear_session_cookie() {
    set_cookie(format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"));
}

/// The interface language of this request, from its cookie.
pub fn request_lang() -> crate::i18n::Lang {
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers.get(http::header::COOKIE).and_then(|v| v.to_str().ok()).map(crate::i18n::Lang::from_cookie_header)
        })
        .unwrap_or_default()
}
