//! Server-only helpers for server functions: the engine and the caller from the request
//! context, and the session cookie. The server provides the parts of its state that server
//! functions need (the [`Engine`] and the [`SecureCookie`] setting) as Leptos context.

use engine::Engine;
use http::header::{HeaderValue, SET_COOKIE};
use leptos::prelude::*;

use crate::error::AppError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "bpm_session";

/// When the session cookie carries `Secure` (sent over HTTPS only): `BPM_SECURE_COOKIE`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SecureCookie {
    /// When the request came over HTTPS, as the proxy in front says (`X-Forwarded-Proto`).
    #[default]
    Auto,
    Always,
    Never,
}

/// The caller's session; the server's authentication middleware puts it into the request's
/// extensions after checking the cookie.
pub use engine::identity::CurrentSession;

/// The network address the request came from (the server's accept loop knows it).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::IpAddr);

/// The address of the current request's client, when known.
pub fn client_addr() -> Option<std::net::IpAddr> {
    use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<ClientAddr>().map(|a| a.0))
}

/// The engine, from the request context.
pub fn engine() -> Result<Engine, AppError> {
    use_context::<Engine>().ok_or_else(|| AppError::new("internal", bpmn_core::text::Text::new("error.internal")))
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

/// `; Secure` when this request's session cookie should be sent over HTTPS only.
fn secure_attribute() -> &'static str {
    let mode = use_context::<SecureCookie>().unwrap_or_default();
    let https = || {
        use_context::<http::request::Parts>().is_some_and(|p| {
            p.headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').next().unwrap_or("").trim().eq_ignore_ascii_case("https"))
        })
    };
    match mode {
        SecureCookie::Always => "; Secure",
        SecureCookie::Auto if https() => "; Secure",
        _ => "",
    }
}

/// Sets the session cookie: HttpOnly (scripts cannot read it), SameSite=Strict (other sites
/// cannot make the browser send it), Secure over HTTPS.
pub fn set_session_cookie(token: &str) {
    let max_age = engine::identity::SESSION_TTL_MS / 1000;
    let secure = secure_attribute();
    set_cookie(format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"));
}

/// Removes the session cookie.
pub fn clear_session_cookie() {
    let secure = secure_attribute();
    set_cookie(format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"));
}

/// The page's Content-Security-Policy: scripts only from this server and the inline
/// hydration scripts that carry this response's nonce, WebAssembly compiled from them, no
/// plugins, no framing, forms and fetches to this server only. Styles may be inline (the
/// diagrams' SVG and a few `style` attributes).
pub fn set_content_security_policy() {
    let Some(nonce) = leptos::nonce::use_nonce() else { return };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
        nonce.as_inner()
    );
    if let (Some(resp), Ok(v)) = (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&policy)) {
        resp.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
    }
}

/// The interface language of this request, from its cookie.
pub fn request_lang() -> crate::i18n::Lang {
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers.get(http::header::COOKIE).and_then(|v| v.to_str().ok()).map(crate::i18n::lang_from_cookie_header)
        })
        .unwrap_or_default()
}
