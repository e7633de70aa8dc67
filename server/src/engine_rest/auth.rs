//! Who calls `/engine-rest`: HTTP Basic with a console account and its password (checked like
//! a sign-in: throttled, wrong passwords audited, a success remembered for a minute), HTTP
//! Basic with any user name and an API token as the password (as Camunda clients that only
//! know Basic send it), or `Authorization: Bearer <token>`. Cookies are not read here.
//!
//! A browser that was given Basic credentials resends them by itself, also for requests that
//! another site's page makes it send; so a state change a browser marks as cross-site
//! (`Sec-Fetch-Site`) is refused.

use std::net::IpAddr;

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use engine::identity::{Account, CurrentSession, Session};
use engine::EngineError;

use super::RestError;
use crate::AppState;

/// The caller of a request, or the refusal to answer (401 with `WWW-Authenticate`, 403 for a
/// cross-site change, 429 while throttled).
pub async fn caller(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
    from: Option<IpAddr>,
) -> Result<CurrentSession, Response> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if matches!(site, "cross-site" | "same-site") && !safe {
            return Err(RestError::new(
                StatusCode::FORBIDDEN,
                "AuthorizationException",
                "This change was sent by another site's page, so it was refused; call /engine-rest from a program.",
            )
            .into_response());
        }
    }
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let account = match authorization {
        Some(value) if value.get(..6).is_some_and(|s| s.eq_ignore_ascii_case("basic ")) => {
            basic_account(state, &value[6..], from).await
        }
        Some(value) if value.starts_with("Bearer ") => {
            crate::bearer_session(state, Some(value)).await.map(|s| s.map(|s| s.session.account))
        }
        _ => Ok(None),
    };
    match account {
        Ok(Some(account)) => Ok(session(account)),
        Ok(None) | Err(EngineError::BadCredentials) => Err(unauthenticated()),
        Err(e) => Err(RestError::from(e).into_response()),
    }
}

/// The account behind `user:password` in Base64: an API token as the password (any user
/// name), else a console account. `None` when neither matches.
async fn basic_account(state: &AppState, encoded: &str, from: Option<IpAddr>) -> engine::Result<Option<Account>> {
    let Some((user, password)) = decode_basic(encoded) else { return Ok(None) };
    if password.is_empty() {
        return Ok(None);
    }
    let bearer = format!("Bearer {password}");
    if let Some(s) = crate::bearer_session(state, Some(&bearer)).await? {
        return Ok(Some(s.session.account));
    }
    if user.trim().is_empty() {
        return Ok(None);
    }
    state.engine.verify_credentials_cached(&user, &password, from).await.map(Some)
}

/// `user` and `password` of a Basic credential, or `None` when it is not Base64 of UTF-8
/// `user:password`.
fn decode_basic(encoded: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The caller as a session without a cookie token.
fn session(account: Account) -> CurrentSession {
    CurrentSession { token: String::new(), session: Session { account, tenant_id: None, expires_at: i64::MAX } }
}

/// 401 in Camunda's shape, inviting Basic credentials.
fn unauthenticated() -> Response {
    let mut res = RestError::unauthenticated().into_response();
    res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"engine-rest\""));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_basic_credentials() {
        let enc = base64::engine::general_purpose::STANDARD.encode("admin:pa:ss");
        assert_eq!(decode_basic(&enc), Some(("admin".into(), "pa:ss".into())));
        assert_eq!(decode_basic("not base64!"), None);
        let no_colon = base64::engine::general_purpose::STANDARD.encode("admin");
        assert_eq!(decode_basic(&no_colon), None);
    }
}
