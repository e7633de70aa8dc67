//! Checks of request input at the boundary, before any handler or server function runs: text
//! with the NUL character (U+0000) is refused with 422 and the field it is in, wherever it
//! is: in the path, in a query parameter, in a form-encoded or JSON body. PostgreSQL cannot
//! store NUL in a text column, and no form can type it, so it is refused on both databases.
//! Multipart uploads are checked part by part by the deployment handler.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use bpmn_core::text::Text;

use crate::{api, app_error_response, max_request_bytes, AppState};

/// Refuses a request to `/api/...` (server functions and the HTTP API) whose path, query or
/// body holds a NUL character, in the error shape of its kind of endpoint.
pub async fn refuse_nul(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !path.starts_with("/api/") {
        return next.run(req).await;
    }
    let api = path.starts_with("/api/v1/");
    let refuse =
        |field: &str| refusal(api, StatusCode::UNPROCESSABLE_ENTITY, field, engine::identity::nul_message(field));
    if percent_decode(path, false).contains(&0) {
        return refuse("path");
    }
    if let Some(field) = req.uri().query().and_then(nul_in_form) {
        return refuse(&field);
    }
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/"));
    if multipart {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let limit = max_request_bytes(state.max_file_bytes);
    let bytes = match to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let text = Text::new("error.body_too_large").with("limit", size_text(limit));
            return refusal(api, StatusCode::PAYLOAD_TOO_LARGE, "body", text);
        }
    };
    if let Some(field) = nul_in_body(&bytes) {
        return refuse(&field);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// A refusal in the shape of the endpoint: `{"error", "message"}` for the API, the server
/// functions' `AppError` (with the field) otherwise.
fn refusal(api: bool, status: StatusCode, field: &str, text: Text) -> Response {
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "invalid" };
    if api {
        return api::ApiError::new(status, code, text).into_response();
    }
    let error = app::error::AppError { field: Some(field.to_string()), ..app::error::AppError::new(code, text) };
    app_error_response(status, &error)
}

/// The field of a body that holds a NUL character: a JSON body by its path (`variables.x`),
/// a form-encoded one by its key. `None` when there is none (or the body is neither, which
/// the handler refuses with its own words).
fn nul_in_body(bytes: &Bytes) -> Option<String> {
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if has(b"\\u0000") {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
            return engine::identity::nul_in_json(&value, "").map(|p| if p.is_empty() { "body".into() } else { p });
        }
    }
    if bytes.contains(&0) || has(b"%00") {
        return nul_in_form(&String::from_utf8_lossy(bytes));
    }
    None
}

/// The key of the first `key=value` pair of a form-encoded text whose key or value holds a
/// NUL character once decoded.
fn nul_in_form(text: &str) -> Option<String> {
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(k, true);
        (key.contains(&0) || percent_decode(v, true).contains(&0))
            .then(|| String::from_utf8_lossy(&key).replace('\0', ""))
    })
}

/// Decodes `%xx` escapes (and `+` as a space in form encoding); malformed escapes stay as
/// they are.
fn percent_decode(s: &str, plus_is_space: bool) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// A size for messages: whole MB or KB when it is one, else bytes.
pub fn size_text(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    match bytes {
        b if b >= MB && b % MB == 0 => format!("{} MB", b / MB),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KB", b / 1024),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nul_in_forms_and_json() {
        assert_eq!(nul_in_form("id=x&name=a%00b"), Some("name".into()));
        assert_eq!(nul_in_form("id=x&name=a+b%2500"), None, "an escaped percent sign is no NUL");
        assert_eq!(nul_in_form("a%00b=1"), Some("ab".into()));
        let json = |s: &str| nul_in_body(&Bytes::from(s.to_string()));
        assert_eq!(json(r#"{"name":"a\u0000"}"#), Some("name".into()));
        assert_eq!(json(r#"{"variables":{"x":["ok","\u0000"]}}"#), Some("variables.x.1".into()));
        assert_eq!(json(r#"{"name":"a\\u0000"}"#), None, "an escaped backslash is no NUL");
        assert_eq!(json(r#"{"name":"plain"}"#), None);
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("/api/v1/tasks/a%00", false), b"/api/v1/tasks/a\0");
        assert_eq!(percent_decode("a+b%2", true), b"a b%2");
        assert_eq!(percent_decode("%zz%4", false), b"%zz%4");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size_text(10 * 1024 * 1024), "10 MB");
        assert_eq!(size_text(4096), "4 KB");
        assert_eq!(size_text(1000), "1000 bytes");
    }
}
