//! The site's files (`/pkg/…`: the wasm, its JavaScript glue, the style sheet) and how they
//! travel: `scripts/site.sh` names them by the hash of their contents and, for a release,
//! stores a brotli and a gzip copy beside each. Here they are served with the copy the
//! browser accepts (`Content-Encoding`), and a hashed name is kept by the browser for a year
//! without asking again (`immutable`): a new build's files have new names. Anything else the
//! server answers (pages, JSON) is compressed as it goes out ([`compression`]).

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
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
    fn hashed_names_are_told_apart() {
        assert!(is_hashed("/pkg/bpm-console.0123456789abcdef.wasm"));
        assert!(!is_hashed("/pkg/bpm-console.wasm"));
        assert!(!is_hashed("/pkg/bpm-console.0123456789abcdeg.js"));
    }
}
