//! The job executor inside the server: web-service calls over HTTP(S) with reqwest, the
//! configuration from the environment, start and graceful stop, and the small endpoints the
//! demo processes call (`/demo/echo`, `/demo/fail`).
//!
//! Environment:
//! - `BPM_EXECUTOR`: `off` disables the executor (default on).
//! - `BPM_ALLOWED_HOSTS`: comma-separated hosts service tasks may call (`*.example.com`
//!   allows sub-domains, `*` any name) and internal addresses they may reach (`127.0.0.1`,
//!   `localhost`, `10.0.0.0/8`); default any public host, no internal address (see
//!   [`engine::jobs::hosts`]).
//! - `BPM_EXECUTOR_CONCURRENCY`: web-service calls run at the same time (default 4).
//! - With `BPM_DEMO` on, the demo's own endpoints under `BPM_PUBLIC_URL` are allowed too.
//! - `BPM_EXECUTOR_ID`: the executor's identity, stable across restarts of this server process
//!   slot and unique among the running ones (default: host name and listen address, e.g.
//!   `web1/127.0.0.1:3000`). At start it releases at once the jobs its earlier run (same
//!   identity) still held when it was killed; a job held by another identity waits for its lease.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::any;
use axum::{Json, Router};
use engine::error::Text;
use engine::jobs::{
    CallError, CallFuture, Executor, ExecutorConfig, HostPolicy, ServiceCaller, ServiceRequest, ServiceResponse,
    Verdict,
};
use engine::Engine;
use serde_json::{json, Value};

/// The largest response body kept (longer ones are cut).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Makes service-task calls over HTTP(S) under a [`HostPolicy`]: the URL and every redirect are
/// checked as the client reads them, host names are resolved by [`CheckedResolver`] (so only
/// allowed addresses are ever connected to), and no proxy is used (it would resolve the names
/// itself).
#[derive(Debug, Clone)]
pub struct HttpCaller {
    /// For the URLs the policy checks; follows redirects within the same host (at most 5).
    checked: reqwest::Client,
    /// For the URLs under a trusted prefix; follows no redirect.
    trusted: reqwest::Client,
    policy: Arc<HostPolicy>,
}

impl HttpCaller {
    /// A caller under `policy`, which should be the executor's (`ExecutorConfig::allowed_hosts`).
    pub fn new(policy: HostPolicy) -> Result<HttpCaller, String> {
        let policy = Arc::new(policy);
        let hops = policy.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            let first = attempt.previous().first().and_then(|u| u.host_str()).map(str::to_owned);
            if attempt.previous().len() > 5 {
                attempt.error("more than 5 redirects")
            } else if let Err(reason) = hops.check(attempt.url()) {
                let reason =
                    Text::new("run.host.redirect_refused").with("url", attempt.url()).with_text("reason", reason);
                attempt.error(Refusal(reason))
            } else if attempt.url().host_str().map(str::to_owned) == first {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let agent = concat!("bpm-console/", env!("CARGO_PKG_VERSION"));
        let build = |b: reqwest::ClientBuilder| {
            b.no_proxy().user_agent(agent).build().map_err(|e| format!("the HTTP client cannot be created: {e}"))
        };
        let resolver = CheckedResolver { policy: policy.clone() };
        let checked = build(reqwest::Client::builder().redirect(redirects).dns_resolver(Arc::new(resolver)))?;
        let trusted = build(reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()))?;
        Ok(HttpCaller { checked, trusted, policy })
    }
}

/// A refusal of the address policy inside the HTTP client (resolver, redirect), found again
/// by [`call_error`] among the causes of the client's error.
#[derive(Debug)]
struct Refusal(Text);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.english())
    }
}

impl std::error::Error for Refusal {}

/// Resolves host names (with the system resolver) and keeps only the addresses the policy
/// allows for the name; none left is a [`Refusal`]. Addresses written in a URL are not
/// resolved: [`HostPolicy::check`] checks them, before the call and at each redirect.
struct CheckedResolver {
    policy: Arc<HostPolicy>,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let mut refused = None;
            let looked_up = tokio::net::lookup_host((host.as_str(), 0)).await;
            let resolved = match looked_up {
                Ok(addrs) => addrs,
                Err(e) => return Err(Box::new(Unresolved(host.clone(), e)) as Box<dyn std::error::Error + Send + Sync>),
            };
            let allowed: Vec<SocketAddr> = resolved
                .filter(|a| match policy.check_addr(&host, a.ip()) {
                    Ok(()) => true,
                    Err(reason) => {
                        refused.get_or_insert(reason);
                        false
                    }
                })
                .collect();
            let found: Result<reqwest::dns::Addrs, Box<dyn std::error::Error + Send + Sync>> = match refused {
                Some(reason) if allowed.is_empty() => Err(Box::new(Refusal(reason))),
                _ => Ok(Box::new(allowed.into_iter())),
            };
            found
        })
    }
}

/// A host name the resolver could not resolve, and why.
#[derive(Debug)]
struct Unresolved(String, std::io::Error);

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0, self.1)
    }
}

impl std::error::Error for Unresolved {}

/// Why a connection failed, as a sentence when the cause is a common one (the system's words
/// otherwise, as they are).
fn io_reason(e: &std::io::Error) -> Text {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => Text::new("run.net.refused"),
        ConnectionReset | ConnectionAborted | BrokenPipe => Text::new("run.net.reset"),
        HostUnreachable | NetworkUnreachable | NetworkDown | AddrNotAvailable => Text::new("run.net.unreachable"),
        _ => Text::verbatim(e.to_string()),
    }
}

fn call_error(url: &str, ms: u64, e: reqwest::Error) -> CallError {
    // The innermost cause says most (e.g. "Connection refused"); a refusal of the policy is
    // told as such, the common causes as sentences.
    let mut reason = Text::verbatim(e.to_string());
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        if let Some(Refusal(refusal)) = s.downcast_ref::<Refusal>() {
            return CallError::Refused { url: url.to_owned(), reason: refusal.clone() };
        }
        if let Some(Unresolved(host, _)) = s.downcast_ref::<Unresolved>() {
            return CallError::Unreachable { url: url.to_owned(), reason: Text::new("run.net.dns").with("host", host) };
        }
        reason = match s.downcast_ref::<std::io::Error>() {
            Some(io) => io_reason(io),
            None => Text::verbatim(s.to_string()),
        };
        source = s.source();
    }
    if e.is_timeout() {
        CallError::Timeout { url: url.to_owned(), ms }
    } else if e.is_connect() {
        CallError::Unreachable { url: url.to_owned(), reason }
    } else {
        CallError::Failed { url: url.to_owned(), reason }
    }
}

impl ServiceCaller for HttpCaller {
    fn call(&self, req: ServiceRequest) -> CallFuture<'_> {
        Box::pin(async move {
            let url = req.url.clone();
            let ms = req.timeout_ms;
            let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|_| {
                let reason = Text::new("run.net.bad_method").with("method", &req.method);
                CallError::Failed { url: url.clone(), reason }
            })?;
            // One parse, checked and then sent: the host checked is the host connected to.
            let target = reqwest::Url::parse(req.url.trim()).map_err(|e| CallError::Failed {
                url: url.clone(),
                reason: Text::new("run.net.bad_url").with("detail", e),
            })?;
            let client = match self.policy.check(&target) {
                Ok(Verdict::Checked) => &self.checked,
                Ok(Verdict::Trusted) => &self.trusted,
                Err(reason) => return Err(CallError::Refused { url, reason }),
            };
            let mut builder = client.request(method, target).timeout(Duration::from_millis(ms));
            for (name, value) in &req.headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            if !req.idempotency_key.is_empty() {
                builder = builder.header("Idempotency-Key", req.idempotency_key.as_str());
            }
            if let Some(body) = req.body {
                builder = builder.body(body);
            }
            let mut resp = builder.send().await.map_err(|e| call_error(&url, ms, e))?;
            let status = resp.status().as_u16();
            let mut bytes: Vec<u8> = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| call_error(&url, ms, e))? {
                let room = MAX_BODY_BYTES.saturating_sub(bytes.len());
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if room <= chunk.len() {
                    break;
                }
            }
            Ok(ServiceResponse::new(status, String::from_utf8_lossy(&bytes).into_owned()))
        })
    }
}

/// The largest `BPM_EXECUTOR_ID` accepted.
const MAX_ID_CHARS: usize = 200;

/// The executor's settings from environment variables (`lookup` = `std::env::var` in the
/// server); `default_id` is its identity when `BPM_EXECUTOR_ID` is unset. `None` when
/// `BPM_EXECUTOR=off`.
pub fn config_from(
    lookup: impl Fn(&str) -> Option<String>,
    default_id: &str,
) -> Result<Option<ExecutorConfig>, String> {
    let get = |k: &str| lookup(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    match get("BPM_EXECUTOR").map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("on") | Some("1") | Some("true") => {}
        Some("off") | Some("0") | Some("false") => return Ok(None),
        Some(other) => return Err(format!("BPM_EXECUTOR='{other}' must be on or off")),
    }
    let allowed_hosts =
        HostPolicy::parse(get("BPM_ALLOWED_HOSTS").as_deref()).map_err(|e| format!("BPM_ALLOWED_HOSTS: {e}"))?;
    let mut config = ExecutorConfig { id: default_id.to_owned(), allowed_hosts, ..ExecutorConfig::default() };
    if let Some(id) = get("BPM_EXECUTOR_ID") {
        if id.chars().count() > MAX_ID_CHARS || id.contains('#') || id.chars().any(char::is_control) {
            return Err(format!(
                "BPM_EXECUTOR_ID='{id}' must be at most {MAX_ID_CHARS} characters without '#' or control characters"
            ));
        }
        config.id = id;
    }
    if let Some(n) = get("BPM_EXECUTOR_CONCURRENCY") {
        config.max_concurrent = match n.parse::<usize>() {
            Ok(n) if (1..=256).contains(&n) => n,
            _ => return Err(format!("BPM_EXECUTOR_CONCURRENCY='{n}' must be a number from 1 to 256")),
        };
    }
    Ok(Some(config))
}

/// Lets the demo payment process reach the server's own demo endpoints, `<public_url>/demo/`,
/// whatever their address: an explicit allowance the server makes when `BPM_DEMO` is on, not
/// the default (other paths and ports of that host stay refused). Returns the prefix allowed.
pub fn allow_demo(config: &mut ExecutorConfig, public_url: &str) -> Result<String, String> {
    let prefix = format!("{}/demo/", public_url.trim().trim_end_matches('/'));
    config.allowed_hosts =
        std::mem::take(&mut config.allowed_hosts).trusting(&prefix).map_err(|e| format!("BPM_PUBLIC_URL: {e}"))?;
    Ok(prefix)
}

/// A running executor; [`ExecutorHandle::stop`] ends it.
pub struct ExecutorHandle {
    stop: Option<tokio::sync::watch::Sender<bool>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ExecutorHandle {
    /// Asks the executor to stop and waits for it (running jobs get a few seconds).
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

/// This machine's name: the kernel's host name, else `HOSTNAME`, else `localhost`.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().replace('#', "_"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The executor's identity when `BPM_EXECUTOR_ID` is unset: the host name and the address the
/// server listens on (one server process per address and host).
pub fn default_id(addr: std::net::SocketAddr) -> String {
    format!("{}/{addr}", host_name())
}

/// Starts the job executor over `engine` as configured by the environment, for the server
/// listening on `addr` (with `demo`, the demo's endpoints allowed: [`allow_demo`]); a disabled
/// or misconfigured executor is reported and not started.
pub fn spawn(engine: &Engine, addr: std::net::SocketAddr, demo: bool) -> ExecutorHandle {
    let none = ExecutorHandle { stop: None, task: None };
    let mut config = match config_from(|k| std::env::var(k).ok(), &default_id(addr)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            println!("Job executor: off (BPM_EXECUTOR=off); timers and service calls wait.");
            return none;
        }
        Err(e) => {
            eprintln!("Job executor not started: {e}.");
            return none;
        }
    };
    if demo {
        match allow_demo(&mut config, &engine::demo::public_url()) {
            Ok(prefix) => println!(
                "Job executor: service tasks may call the demo endpoints {prefix}* (BPM_DEMO=on, BPM_PUBLIC_URL); \
                 other internal addresses only when BPM_ALLOWED_HOSTS names them."
            ),
            Err(e) => eprintln!("Job executor: the demo endpoints are not allowed: {e}."),
        }
    }
    let caller = match HttpCaller::new(config.allowed_hosts.clone()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Job executor not started: {e}.");
            return none;
        }
    };
    tracing::info!(id = %config.owner(), concurrency = config.max_concurrent, hosts = %config.allowed_hosts, "job executor");
    let executor = Executor::new(engine.clone(), Arc::new(caller), config);
    let (tx, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(executor.run(rx));
    ExecutorHandle { stop: Some(tx), task: Some(task) }
}

/// `/demo/echo` (any method: echoes the request as JSON with a timestamp) and `/demo/fail`
/// (HTTP 500), for the demo processes' service tasks. No authentication.
pub fn demo_routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/demo/echo", any(echo)).route("/demo/fail", any(fail))
}

async fn echo(method: Method, headers: HeaderMap, body: String) -> impl IntoResponse {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let body_value = serde_json::from_str::<Value>(&body).unwrap_or(Value::String(body));
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    Json(
        json!({"ok": true, "method": method.as_str(), "timestamp": now as u64, "idempotencyKey": key, "received": body_value}),
    )
}

async fn fail() -> impl IntoResponse {
    (StatusCode::INTERNAL_SERVER_ERROR, "demo failure: this endpoint always answers 500")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Option<ExecutorConfig>, String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        config_from(move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()), "host/127.0.0.1:3000")
    }

    #[test]
    fn configuration_from_the_environment() {
        let c = cfg(&[]).unwrap().unwrap();
        assert_eq!((c.max_concurrent, c.allowed_hosts), (4, HostPolicy::default()));
        assert!(cfg(&[("BPM_EXECUTOR", "off")]).unwrap().is_none());
        let c = cfg(&[("BPM_ALLOWED_HOSTS", "A.com, *.b.org,10.0.0.0/8"), ("BPM_EXECUTOR_CONCURRENCY", "8")])
            .unwrap()
            .unwrap();
        assert_eq!(c.allowed_hosts.to_string(), "BPM_ALLOWED_HOSTS=a.com,*.b.org,10.0.0.0/8");
        assert_eq!(c.max_concurrent, 8);
        let err = cfg(&[("BPM_ALLOWED_HOSTS", "a.com,10.0.0.0/99")]).unwrap_err();
        assert!(err.starts_with("BPM_ALLOWED_HOSTS: `10.0.0.0/99`") && err.contains("0 to 32"), "{err}");
        assert!(cfg(&[("BPM_EXECUTOR_CONCURRENCY", "0")]).unwrap_err().contains("1 to 256"));
        assert!(cfg(&[("BPM_EXECUTOR", "maybe")]).unwrap_err().contains("on or off"));
    }

    #[test]
    fn the_demo_allowance_is_its_endpoints_only() {
        let mut c = cfg(&[]).unwrap().unwrap();
        assert!(c.allowed_hosts.check_url("http://127.0.0.1:3000/demo/echo").is_err(), "not by default");
        assert_eq!(allow_demo(&mut c, "http://127.0.0.1:3000/").unwrap(), "http://127.0.0.1:3000/demo/");
        assert_eq!(c.allowed_hosts.check_url("http://127.0.0.1:3000/demo/echo"), Ok(Verdict::Trusted));
        assert!(c
            .allowed_hosts
            .check_url("http://127.0.0.1:3000/api/v1/tenants")
            .unwrap_err()
            .english()
            .contains("loopback"));
        assert!(c.allowed_hosts.check_url("http://127.0.0.1:5432/demo/echo").is_err());
        assert!(allow_demo(&mut c, "127.0.0.1:3000").unwrap_err().starts_with("BPM_PUBLIC_URL:"));
    }

    #[test]
    fn the_identity_is_stable_and_each_run_is_a_new_incarnation() {
        let (a, b) = (cfg(&[]).unwrap().unwrap(), cfg(&[]).unwrap().unwrap());
        assert_eq!((a.id.as_str(), b.id.as_str()), ("host/127.0.0.1:3000", "host/127.0.0.1:3000"));
        assert_ne!(a.incarnation, b.incarnation);
        assert!(a.owner().starts_with("host/127.0.0.1:3000#"), "{}", a.owner());
        assert_eq!(cfg(&[("BPM_EXECUTOR_ID", " worker-1 ")]).unwrap().unwrap().id, "worker-1");
        assert!(cfg(&[("BPM_EXECUTOR_ID", "a#b")]).unwrap_err().contains("BPM_EXECUTOR_ID"));
        let addr = "127.0.0.1:3000".parse().unwrap();
        assert_eq!(default_id(addr), default_id(addr));
        assert!(default_id(addr).ends_with("/127.0.0.1:3000"));
    }
}
