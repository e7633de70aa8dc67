//! Cross-site request forgery. A browser sends the session cookie with any request to this
//! server, also one that another page (another site, or another port of this host) makes it
//! send. So a state change carried by the cookie must show that the console's own page sent
//! it:
//! - its `Origin` (or, when a browser leaves that out, the origin of its `Referer`) is the
//!   console's own: the scheme and host the request was sent to, or one named in
//!   `BPM_ORIGINS` (behind a proxy that rewrites `Host`);
//! - and it is JSON (every server function takes JSON) or carries the console's request
//!   header [`app::api::REQUEST_HEADER`] (the upload): neither can be sent by a form or a
//!   simple cross-site request, only after a CORS preflight this server never grants.
//!
//! The sign-in form (`/api/login`, anonymous, a plain form post) gets the origin check too, so
//! another site cannot sign a browser in as another account. Requests with an
//! `Authorization` header (API clients with a token) are not cookie-carried and pass; safe
//! methods (GET, HEAD, OPTIONS) change nothing and pass.

use app::api::REQUEST_HEADER;
use app::ssr::{cookie, SESSION_COOKIE};
use axum::http::{header, HeaderMap, Method};
use bpmn_core::text::Text;

/// The origins a state change may come from besides the request's own `Host`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins(Vec<String>);

impl Origins {
    /// Parses `BPM_ORIGINS`: comma-separated `scheme://host[:port]`.
    pub fn parse(text: &str) -> Result<Origins, String> {
        let mut out = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let bare = item
                .split_once("://")
                .is_some_and(|(_, rest)| rest.find(['/', '?', '#']).is_none_or(|at| rest[at..] == *"/"));
            match normalise(item).filter(|_| bare) {
                Some(o) => out.push(o),
                None => {
                    return Err(format!(
                        "BPM_ORIGINS: '{item}' is not an origin; write it as scheme://host[:port], e.g. https://bpm.example.com"
                    ))
                }
            }
        }
        Ok(Origins(out))
    }
}

/// Why a request was refused; the message says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The catalog key of the sentence.
    pub key: &'static str,
}

impl Refusal {
    /// The sentence, in either language.
    pub fn text(&self) -> Text {
        Text::new(self.key)
    }
}

const FOREIGN: &str = "req.csrf.foreign";
const NO_ORIGIN: &str = "req.csrf.no_origin";
const NOT_JSON: &str = "req.csrf.not_json";

/// Decides whether a request may go on (see the module documentation).
pub fn check(method: &Method, path: &str, headers: &HeaderMap, origins: &Origins) -> Result<(), Refusal> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) || headers.contains_key(header::AUTHORIZATION) {
        return Ok(());
    }
    let login = path == "/api/login";
    let has_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| cookie(c, SESSION_COOKIE).is_some_and(|v| !v.is_empty()));
    if !has_cookie && !login {
        return Ok(());
    }
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let sender = match text(header::ORIGIN).filter(|o| !o.trim().is_empty()) {
        Some(origin) => normalise(origin),
        None => match text(header::REFERER) {
            Some(referer) => normalise(referer),
            None => return Err(Refusal { key: NO_ORIGIN }),
        },
    };
    let own = text(header::HOST).map(str::to_ascii_lowercase);
    let same = sender.as_deref().is_some_and(|sender| {
        let by_host = own.as_deref().is_some_and(|host| {
            sender.strip_prefix("http://").or_else(|| sender.strip_prefix("https://")) == Some(host)
        });
        by_host || origins.0.iter().any(|o| o == sender)
    });
    if !same {
        return Err(Refusal { key: FOREIGN });
    }
    if login {
        return Ok(());
    }
    let json = text(header::CONTENT_TYPE)
        .and_then(|t| t.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    if json || headers.contains_key(REQUEST_HEADER) {
        Ok(())
    } else {
        Err(Refusal { key: NOT_JSON })
    }
}

/// The origin (`scheme://host[:port]`, lower case, default port left out) of a URL, or
/// `None` for anything that is not an http(s) URL (`null`, an opaque origin).
fn normalise(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    if authority.is_empty() || authority.contains(['@', '\\']) {
        return None;
    }
    let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host.to_string(),
        _ => authority,
    };
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(header::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn post(path: &str, pairs: &[(&str, &str)]) -> Result<(), Refusal> {
        check(&Method::POST, path, &headers(pairs), &Origins::default())
    }

    const COOKIE: (&str, &str) = ("cookie", "bpm_lang=zh; bpm_session=abc");
    const HOST: (&str, &str) = ("host", "127.0.0.1:3000");
    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn the_consoles_own_json_calls_pass() {
        assert_eq!(post("/api/tenant_create", &[COOKIE, HOST, JSON, ("origin", "http://127.0.0.1:3000")]), Ok(()));
        // A browser that leaves out Origin but sends the page as Referer.
        assert_eq!(
            post("/api/tenant_create", &[COOKIE, HOST, JSON, ("referer", "http://127.0.0.1:3000/tenants?x=1")]),
            Ok(())
        );
        // The upload: multipart with the console's header.
        let upload = [
            COOKIE,
            HOST,
            ("content-type", "multipart/form-data; boundary=x"),
            ("x-bpm-request", "1"),
            ("origin", "http://127.0.0.1:3000"),
        ];
        assert_eq!(post("/api/v1/deployments", &upload), Ok(()));
    }

    #[test]
    fn another_origin_is_refused() {
        // Another port of the same host is another origin.
        let other_port = [COOKIE, HOST, JSON, ("origin", "http://127.0.0.1:8080")];
        assert_eq!(post("/api/tenant_create", &other_port).unwrap_err().key, FOREIGN);
        let other_site = [COOKIE, HOST, JSON, ("origin", "https://evil.example")];
        assert!(post("/api/v1/process-instances/x/terminate", &other_site).is_err());
        assert!(post("/api/tenant_create", &[COOKIE, HOST, JSON, ("origin", "null")]).is_err());
        assert_eq!(post("/api/tenant_create", &[COOKIE, HOST, JSON]).unwrap_err().key, NO_ORIGIN);
        // A user name in the Referer does not make it ours.
        assert!(post("/api/tenant_create", &[COOKIE, HOST, JSON, ("referer", "http://127.0.0.1:3000@evil.example/")])
            .is_err());
    }

    #[test]
    fn a_form_carried_by_the_cookie_is_refused_even_from_the_same_origin() {
        let form =
            [COOKIE, HOST, ("content-type", "application/x-www-form-urlencoded"), ("origin", "http://127.0.0.1:3000")];
        assert_eq!(post("/api/v1/process-instances/x/terminate", &form).unwrap_err().key, NOT_JSON);
        let plain = [COOKIE, HOST, ("content-type", "text/plain"), ("origin", "http://127.0.0.1:3000")];
        assert!(post("/api/tenant_create", &plain).is_err());
    }

    #[test]
    fn the_login_form_must_come_from_the_console() {
        let form = ("content-type", "application/x-www-form-urlencoded");
        assert_eq!(post("/api/login", &[HOST, form, ("origin", "http://127.0.0.1:3000")]), Ok(()));
        assert!(post("/api/login", &[HOST, form, ("origin", "http://127.0.0.1:9999")]).is_err());
        assert!(post("/api/login", &[HOST, form]).is_err());
    }

    #[test]
    fn tokens_reads_and_anonymous_calls_pass() {
        assert_eq!(
            post("/api/v1/deployments", &[HOST, ("authorization", "Bearer t"), ("origin", "https://evil.example")]),
            Ok(())
        );
        assert_eq!(check(&Method::GET, "/api/v1/tasks", &headers(&[COOKIE, HOST]), &Origins::default()), Ok(()));
        // No session cookie: the authentication refuses it instead.
        assert_eq!(post("/api/tenant_create", &[HOST, ("origin", "https://evil.example")]), Ok(()));
    }

    #[test]
    fn configured_origins() {
        let origins = Origins::parse("https://BPM.example.com, http://10.0.0.5:8080/").unwrap();
        assert_eq!(origins.0, vec!["https://bpm.example.com".to_string(), "http://10.0.0.5:8080".to_string()]);
        let proxied = [COOKIE, ("host", "backend:3000"), JSON, ("origin", "https://bpm.example.com")];
        assert_eq!(check(&Method::POST, "/api/tenant_create", &headers(&proxied), &origins), Ok(()));
        assert!(Origins::parse("bpm.example.com").unwrap_err().contains("BPM_ORIGINS"));
        assert!(Origins::parse("https://bpm.example.com/console").is_err());
        assert_eq!(normalise("https://a.example:443/x"), Some("https://a.example".into()));
        assert_eq!(normalise("http://a.example:80"), Some("http://a.example".into()));
    }
}
