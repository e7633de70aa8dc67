//! Security headers on every answer. Pages set their own Content-Security-Policy with the
//! nonce of their hydration scripts (`app::ssr::set_content_security_policy`); every other
//! answer (JSON, SVG, files, refusals) gets one that allows nothing to run.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of answers that are not pages: nothing runs, nothing loads but inline styles
/// (a diagram's SVG opened on its own), nothing frames it.
const NOT_A_PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/// Adds the headers to the answer of `req` (a middleware).
pub async fn add(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    // A 304 updates the headers the browser stored with its copy: it must not replace a
    // page's policy (whose nonce matches the copy's scripts) with this one.
    let not_modified = resp.status() == axum::http::StatusCode::NOT_MODIFIED;
    let h = resp.headers_mut();
    if !not_modified {
        h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(NOT_A_PAGE_POLICY));
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    resp
}
