//! The site's files (`/pkg/…`: the wasm, its JavaScript glue, the style sheet) and how they
//! travel: `scripts/site.sh` names them by the hash of their contents and, for a release,
//! stores a brotli and a gzip copy beside each. Here they are served with the copy the
//! browser accepts (`Content-Encoding`), and a hashed name is kept by the browser for a year
//! without asking again (`immutable`): a new build's files have new names. Anything else the
//! server answers (pages, JSON) is compressed as it goes out ([`compression`]). A page gets
//! an `ETag` ([`page_etag`]), so that a repeat visit whose page has not changed gets a 304 and
//! no body.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::services::ServeDir;

/// The prefix of the site's files.
pub const PKG: &str = "/pkg";

/// A year: how long a browser keeps a file whose name holds its hash.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Files without a hash in their name (a debug build without hash.txt): asked again each time.
const REVALIDATE: &str = "no-cache";

/// The routes of `/pkg`, served from `<site_root>/pkg` with the precompressed copies.
pub fn routes<S: Clone + Send + Sync + 'static>(site_root: &str, pkg_dir: &str) -> Router<S> {
    let dir = std::path::Path::new(site_root).join(pkg_dir);
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new().nest_service(PKG, files).layer(axum::middleware::from_fn(cache_control))
}

/// Whether a file name carries a content hash: `name.<16 hex digits>.ext`.
pub fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let mut parts = file.rsplit('.');
    let _ext = parts.next();
    parts.next().is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `Cache-Control` of a site file's answer (a middleware).
async fn cache_control(req: Request, next: Next) -> Response {
    let hashed = is_hashed(req.uri().path());
    let mut resp = next.run(req).await;
    if resp.status().is_success() || resp.status() == axum::http::StatusCode::NOT_MODIFIED {
        let value = if hashed { IMMUTABLE } else { REVALIDATE };
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    resp
}

/// The largest page whose `ETag` is computed; a larger one goes out as it is.
const MAX_TAGGED_PAGE: usize = 4 << 20;

/// Gives a page (`GET`, 200, HTML) an `ETag` and answers 304 when the browser's copy has it
/// (a middleware, inside compression). A page carries a fresh nonce for its scripts in its
/// body and in its Content-Security-Policy, so the tag is the hash of the body with the nonce
/// masked. A 304 carries no Content-Security-Policy: the browser keeps the policy it stored
/// with its copy, whose nonce matches that copy's scripts.
pub async fn page_etag(req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let known = req.headers().get(header::IF_NONE_MATCH).cloned();
    let resp = next.run(req).await;
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if resp.status() != StatusCode::OK || !html || resp.headers().contains_key(header::ETAG) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_TAGGED_PAGE).await else {
        // Too large to tag, or the body failed while rendering: a server error, as an
        // unreadable body would have been anyway.
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let nonce = parts.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).and_then(nonce_of);
    let tag = etag(&bytes, nonce.as_deref());
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    if known.as_ref().and_then(|v| v.to_str().ok()).is_some_and(|k| matches_tag(k, &tag)) {
        let mut not_modified = Response::new(Body::empty());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        for name in [header::CACHE_CONTROL, header::VARY] {
            if let Some(v) = parts.headers.get(&name) {
                not_modified.headers_mut().insert(name, v.clone());
            }
        }
        not_modified.headers_mut().insert(header::ETAG, tag);
        return not_modified;
    }
    parts.headers.insert(header::ETAG, tag);
    Response::from_parts(parts, Body::from(bytes))
}

/// The nonce of a Content-Security-Policy (`'nonce-…'`).
fn nonce_of(policy: &str) -> Option<String> {
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let len = policy[start..].find('\'')?;
    Some(policy[start..start + len].to_string()).filter(|n| !n.is_empty())
}

/// The weak tag of a page body, its nonce masked.
fn etag(body: &[u8], nonce: Option<&str>) -> HeaderValue {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    let mut rest = body;
    if let Some(n) = nonce.map(str::as_bytes) {
        while let Some(at) = rest.windows(n.len()).position(|w| w == n) {
            h.write(&rest[..at]);
            h.write(b"\0nonce\0");
            rest = &rest[at + n.len()..];
        }
    }
    h.write(rest);
    h.write_usize(body.len());
    HeaderValue::from_str(&format!("W/\"{:016x}\"", h.finish())).unwrap_or(HeaderValue::from_static("W/\"0\""))
}

/// Whether an `If-None-Match` value names `tag` (or is `*`).
fn matches_tag(if_none_match: &str, tag: &HeaderValue) -> bool {
    let want = tag.to_str().unwrap_or_default();
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    if_none_match.split(',').any(|t| t.trim() == "*" || bare(t) == bare(want))
}

/// Compresses answers on their way out (brotli or gzip, as the browser accepts): pages,
/// JSON, SVG. Not the site's files, which carry their precompressed copies, and not event
/// streams or answers too small to gain.
pub fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = DefaultPredicate::new()
        .and(SizeAbove::new(512))
        .and(NotForContentType::const_new("application/wasm"))
        .and(NotForContentType::const_new("text/event-stream"));
    CompressionLayer::new().br(true).gzip(true).compress_when(predicate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tags_ignore_the_nonce_and_nothing_else() {
        let page = |nonce: &str, data: &str| format!("<script nonce=\"{nonce}\">x</script><p>{data}</p>");
        let a = etag(page("AbC123", "1").as_bytes(), Some("AbC123"));
        let b = etag(page("ZzZ999", "1").as_bytes(), Some("ZzZ999"));
        let c = etag(page("ZzZ999", "2").as_bytes(), Some("ZzZ999"));
        assert_eq!(a, b, "a new nonce alone keeps the tag");
        assert_ne!(b, c, "a change of content changes the tag");
        assert_eq!(nonce_of("script-src 'self' 'nonce-AbC123' 'wasm-unsafe-eval'").as_deref(), Some("AbC123"));
        assert_eq!(nonce_of("default-src 'none'"), None);
        assert!(matches_tag("\"x\", W/\"0000000000000001\"", &HeaderValue::from_static("W/\"0000000000000001\"")));
        assert!(matches_tag("*", &a));
        assert!(!matches_tag("W/\"0000000000000002\"", &HeaderValue::from_static("W/\"0000000000000001\"")));
    }

    #[test]
    fn hashed_names_are_told_apart() {
        assert!(is_hashed("/pkg/bpm-console.0123456789abcdef.wasm"));
        assert!(!is_hashed("/pkg/bpm-console.wasm"));
        assert!(!is_hashed("/pkg/bpm-console.0123456789abcdeg.js"));
    }
}
