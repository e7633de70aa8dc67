//! Web-service calls of service tasks, as pure functions: the request a task makes from its
//! model and the variables its token sees, the variables a response becomes and the retry
//! interval (which hosts a task may call is [`super::hosts`]). The call itself goes through a [`ServiceCaller`], which
//! the server implements over HTTP (the engine has no web dependency).
//!
//! Understood conventions:
//! - Flowable / Activiti HTTP task (`flowable:type="http"`): fields `requestMethod`,
//!   `requestUrl`, `requestHeaders` (`Name: value` lines), `requestBody`, `requestTimeout`
//!   (ms), `responseVariableName`.
//! - Camunda 7 `http-connector`: input parameters `url`, `method`, `headers` (`Name: value`
//!   lines or a JSON object), `payload`, `timeout`; output parameters are evaluated with
//!   `response` (the body) and `statusCode` visible.
//! - SOAP: a `soapAction` field or input parameter makes the call a POST (unless a method is
//!   given) with a `SOAPAction` header and an XML content type; the envelope is the body.

use std::future::Future;
use std::pin::Pin;

use serde_json::{json, Map, Value};

use crate::bpmn::model::ServiceTask;
use crate::error::Text;
use crate::runtime::expr::{self, Variables};
use crate::schedule::{self, TimeZone, TimerKindText, TimerSpec};

/// How long a call may take when the model does not say.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// The wait before the next attempt when the model has no `failedJobRetryTimeCycle`.
pub const DEFAULT_BACKOFF_MS: i64 = 10_000;
/// How much of a failing response's body a message quotes.
const QUOTE_CHARS: usize = 500;

/// One HTTP call to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRequest {
    /// Upper-case: `GET`, `POST`, ...
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub timeout_ms: u64,
    /// `<job id>:<attempt>`, sent as the `Idempotency-Key` header so a receiver can de-duplicate.
    pub idempotency_key: String,
}

/// What came back.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceResponse {
    pub status: u16,
    pub body: String,
    /// The body read as JSON, when it is JSON.
    pub json: Option<Value>,
}

impl ServiceResponse {
    /// A response with `body`, its JSON form filled in when it parses.
    pub fn new(status: u16, body: impl Into<String>) -> ServiceResponse {
        let body = body.into();
        let json = serde_json::from_str(&body).ok();
        ServiceResponse { status, body, json }
    }
}

/// Why a call did not produce a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("the call to {url} timed out after {ms} ms")]
    Timeout { url: String, ms: u64 },
    #[error("{url} could not be reached: {reason}")]
    Unreachable { url: String, reason: Text },
    #[error("the call to {url} failed: {reason}")]
    Failed { url: String, reason: Text },
    /// The address policy ([`super::hosts::HostPolicy`]) refused the URL, a redirect or an
    /// address; nothing was sent.
    #[error("{url} may not be called: {reason}")]
    Refused { url: String, reason: Text },
}

/// The future a [`ServiceCaller`] returns.
pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<ServiceResponse, CallError>> + Send + 'a>>;

/// Makes the calls. The server's implementation uses HTTP; tests use fakes.
pub trait ServiceCaller: Send + Sync {
    fn call(&self, req: ServiceRequest) -> CallFuture<'_>;
}

impl CallError {
    /// The failure as a sentence for people (its English is the `Display` text).
    pub fn text(&self) -> Text {
        match self {
            CallError::Timeout { url, ms } => Text::new("run.job.call_timeout").with("url", url).with("ms", ms),
            CallError::Unreachable { url, reason } => {
                Text::new("run.job.call_unreachable").with("url", url).with_text("reason", reason.clone())
            }
            CallError::Failed { url, reason } => {
                Text::new("run.job.call_failed").with("url", url).with_text("reason", reason.clone())
            }
            CallError::Refused { url, reason } => {
                Text::new("run.job.call_refused").with("url", url).with_text("reason", reason.clone())
            }
        }
    }
}

/// Why a service task cannot make a call at all (the model or the data is wrong). Retrying
/// does not help; the job goes to error at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError(pub Text);

/// `Service task '{node}': {what}.`
fn build_error(node_id: &str, what: Text) -> BuildError {
    BuildError(Text::new("run.job.service_task").with("node", node_id).with_text("what", what))
}

fn param<'a>(list: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    list.iter().find(|(n, _)| names.iter().any(|w| n.eq_ignore_ascii_case(w))).map(|(_, v)| v.as_str())
}

/// Is the task a Camunda connector call (as opposed to Flowable fields)?
fn is_camunda(task: &ServiceTask) -> bool {
    task.connector_id.is_some() || param(&task.input_parameters, &["url"]).is_some()
}

/// Evaluates a text with `${...}` against the variables; the error names the element and part.
fn text(node_id: &str, what: &str, raw: &str, vars: &dyn Variables) -> Result<String, BuildError> {
    expr::evaluate(raw, vars)
        .map(|v| match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .map_err(|e| {
            build_error(node_id, Text::new("run.job.part_not_computed").with("what", what).with_text("error", e.text()))
        })
}

/// `Name: value` lines (or a JSON object of names to values) as header pairs.
fn parse_headers(node_id: &str, raw: &str) -> Result<Vec<(String, String)>, BuildError> {
    let raw = raw.trim();
    if raw.starts_with('{') {
        if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(raw) {
            return Ok(m
                .into_iter()
                .map(|(k, v)| (k, v.as_str().map(str::to_owned).unwrap_or(v.to_string())))
                .collect());
        }
    }
    let mut out = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(build_error(node_id, Text::new("run.job.header_no_colon").with("line", line)));
        };
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)) {
            return Err(build_error(node_id, Text::new("run.job.bad_header_name").with("name", name)));
        }
        out.push((name.to_owned(), value.trim().to_owned()));
    }
    Ok(out)
}

fn has_header(headers: &[(String, String)], name: &str) -> bool {
    headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// The call a service task makes, from its model and the variables its token sees. The
/// idempotency key is left empty for the executor to fill in.
pub fn build_request(node_id: &str, task: &ServiceTask, vars: &dyn Variables) -> Result<ServiceRequest, BuildError> {
    let camunda = is_camunda(task);
    let list = if camunda { &task.input_parameters } else { &task.fields };
    // The parameter names of each convention: url, method, headers, body, timeout.
    let names: [&[&str]; 5] = if camunda {
        [&["url"], &["method"], &["headers"], &["payload"], &["timeout"]]
    } else {
        [&["requestUrl"], &["requestMethod"], &["requestHeaders"], &["requestBody"], &["requestTimeout"]]
    };
    let [url_names, method_names, header_names, body_names, timeout_names] = names;
    let Some(raw_url) = param(list, url_names) else {
        let what = match (&task.class, &task.expression, &task.delegate_expression, &task.task_type) {
            (Some(c), _, _, _) => Text::new("run.job.no_call.java_class").with("class", c),
            (_, Some(e), _, _) | (_, _, Some(e), _) => Text::new("run.job.no_call.expression").with("expression", e),
            (_, _, _, Some(t)) if !t.eq_ignore_ascii_case("http") => Text::new("run.job.no_call.type").with("type", t),
            _ => Text::new("run.job.no_call.no_url"),
        };
        return Err(BuildError(Text::new("run.job.no_call").with("node", node_id).with_text("what", what)));
    };
    let url = text(node_id, "URL", raw_url, vars)?.trim().to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(build_error(node_id, Text::new("run.job.url_scheme").with("url", quote(&url, 200))));
    }
    if let Err(e) = url::Url::parse(&url) {
        let what = Text::new("run.job.url_unreadable").with("url", quote(&url, 200)).with("error", e);
        return Err(build_error(node_id, what));
    }
    let soap_action = match param(list, &["soapAction"]) {
        Some(raw) => Some(text(node_id, "SOAP action", raw, vars)?),
        None => None,
    };
    let method = match param(list, method_names) {
        Some(raw) => text(node_id, "method", raw, vars)?.trim().to_ascii_uppercase(),
        None if soap_action.is_some() => "POST".into(),
        None => "GET".into(),
    };
    if !["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].contains(&method.as_str()) {
        return Err(build_error(node_id, Text::new("run.job.bad_method").with("method", method)));
    }
    let mut headers = match param(list, header_names) {
        Some(raw) => parse_headers(node_id, &text(node_id, "headers", raw, vars)?)?,
        None => Vec::new(),
    };
    let body = match param(list, body_names) {
        Some(raw) => Some(text(node_id, "body", raw, vars)?),
        None => None,
    };
    if let Some(action) = &soap_action {
        if !has_header(&headers, "SOAPAction") {
            headers.push(("SOAPAction".into(), format!("\"{}\"", action.trim_matches('"'))));
        }
        if !has_header(&headers, "Content-Type") {
            headers.push(("Content-Type".into(), "text/xml; charset=utf-8".into()));
        }
    }
    if let Some(b) = &body {
        if !has_header(&headers, "Content-Type") {
            let json = serde_json::from_str::<Value>(b).is_ok();
            headers.push((
                "Content-Type".into(),
                if json { "application/json" } else { "text/plain; charset=utf-8" }.into(),
            ));
        }
    }
    let timeout_ms = match param(list, timeout_names) {
        Some(raw) => {
            let t = text(node_id, "timeout", raw, vars)?;
            match t.trim().parse::<u64>() {
                Ok(ms) if ms > 0 => ms,
                _ => return Err(build_error(node_id, Text::new("run.job.bad_timeout").with("timeout", t))),
            }
        }
        None => DEFAULT_TIMEOUT_MS,
    };
    Ok(ServiceRequest { method, url, headers, body, timeout_ms, idempotency_key: String::new() })
}

/// `HTTP {status} from {url}: {body}` (the body's start).
pub(crate) fn http_status(status: u16, url: &str, body: &str) -> Text {
    Text::new("run.job.http_status").with("status", status).with("url", url).with("body", quote(body, QUOTE_CHARS))
}

/// The first `n` characters of `s`, with `…` when cut.
pub(crate) fn quote(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().nth(n).is_some() {
        out.push('…');
    }
    out
}

/// The variables a response becomes, or the failure message when the status is 400 or more.
///
/// The stored value is `{"status": ..., "body": ...}`, the body as JSON when it parses. It goes
/// into Flowable's `responseVariableName` (default `<taskId>Response`); Camunda output
/// parameters are evaluated with `response` (the body) and `statusCode` visible, and an empty
/// one receives the whole value.
pub fn map_response(
    node_id: &str,
    task: &ServiceTask,
    url: &str,
    resp: &ServiceResponse,
    vars: &Map<String, Value>,
) -> Result<Map<String, Value>, Text> {
    if resp.status >= 400 {
        return Err(http_status(resp.status, url, &resp.body));
    }
    let body = resp.json.clone().unwrap_or_else(|| Value::String(resp.body.clone()));
    let whole = json!({"status": resp.status, "body": body});
    let mut out = Map::new();
    if is_camunda(task) && !task.output_parameters.is_empty() {
        let mut scope = vars.clone();
        scope.insert("response".into(), body);
        scope.insert("statusCode".into(), Value::from(resp.status));
        for (name, raw) in &task.output_parameters {
            let value = if raw.trim().is_empty() {
                whole.clone()
            } else {
                expr::evaluate(raw, &scope).map_err(|e| {
                    let what = Text::new("run.job.output_not_computed").with("name", name).with_text("error", e.text());
                    build_error(node_id, what).0
                })?
            };
            out.insert(name.clone(), value);
        }
        return Ok(out);
    }
    let name = param(&task.fields, &["responseVariableName"])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{node_id}Response"));
    out.insert(name, whole);
    Ok(out)
}

/// What a response's status means before its body is read, by the task's
/// `handleStatusCodes` and `failStatusCodes` (Flowable HTTP task fields, or Camunda connector
/// input parameters of those names): comma-separated codes (`404`) or ranges written with
/// `X` (`4XX`, `5XX`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusOutcome {
    /// Read the response as usual (a status of 400 or more fails the attempt).
    Normal,
    /// Listed in `failStatusCodes`: the attempt fails (retries, then an incident).
    Fail,
    /// Listed in `handleStatusCodes`: a BPMN error with this code (`HTTP404`), which an error
    /// boundary event can catch.
    Error(String),
}

/// Whether `status` is in a list like `400, 5XX`.
fn status_listed(list: &str, status: u16) -> bool {
    let code = status.to_string();
    list.split(',').map(str::trim).filter(|p| !p.is_empty()).any(|p| {
        p.len() == code.len()
            && p.chars().zip(code.chars()).all(|(want, got)| want.eq_ignore_ascii_case(&'x') || want == got)
    })
}

/// How the task treats `status` (see [`StatusOutcome`]); `failStatusCodes` wins over
/// `handleStatusCodes`, as in Flowable.
pub fn status_outcome(task: &ServiceTask, status: u16) -> StatusOutcome {
    let list = |name: &str| param(&task.fields, &[name]).or_else(|| param(&task.input_parameters, &[name]));
    if list("failStatusCodes").is_some_and(|l| status_listed(l, status)) {
        return StatusOutcome::Fail;
    }
    if list("handleStatusCodes").is_some_and(|l| status_listed(l, status)) {
        return StatusOutcome::Error(format!("HTTP{status}"));
    }
    StatusOutcome::Normal
}

/// The wait before the next attempt: the interval of `R3/PT5M`, else [`DEFAULT_BACKOFF_MS`].
/// A back-off is a wait, not a calendar step: `P1D` is 24 hours here, whatever the zone.
pub fn backoff_ms(retry_time_cycle: Option<&str>) -> i64 {
    let interval = retry_time_cycle.map(|c| schedule::parse_timer(TimerKindText::Cycle, c, &TimeZone::UTC));
    match interval {
        Some(Ok(TimerSpec::Cycle { interval, .. })) => {
            interval.fixed_millis().filter(|ms| *ms > 0).unwrap_or(DEFAULT_BACKOFF_MS)
        }
        _ => DEFAULT_BACKOFF_MS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flowable(fields: &[(&str, &str)]) -> ServiceTask {
        ServiceTask {
            task_type: Some("http".into()),
            fields: fields.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
            ..Default::default()
        }
    }

    fn vars(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn flowable_http_task_with_substitution() {
        let t = flowable(&[
            ("requestMethod", "post"),
            ("requestUrl", "${base}/orders/${id}"),
            ("requestHeaders", "X-Trace: ${id}\nAccept: application/json"),
            ("requestBody", "{\"amount\": ${amount}}"),
            ("requestTimeout", "1500"),
        ]);
        let r = build_request("pay", &t, &vars(json!({"base": "http://h:1", "id": 7, "amount": 12.5}))).unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "http://h:1/orders/7");
        assert_eq!(r.body.as_deref(), Some("{\"amount\": 12.5}"));
        assert_eq!(r.timeout_ms, 1500);
        assert!(r.headers.contains(&("X-Trace".into(), "7".into())));
        assert!(r.headers.contains(&("Content-Type".into(), "application/json".into())));
    }

    #[test]
    fn camunda_connector_and_soap() {
        let t = ServiceTask {
            connector_id: Some("http-connector".into()),
            input_parameters: vec![
                ("url".into(), "https://ws.example.com/svc".into()),
                ("soapAction".into(), "urn:Pay".into()),
                ("payload".into(), "<Envelope>${x}</Envelope>".into()),
                ("headers".into(), "{\"X-A\": \"b\"}".into()),
            ],
            ..Default::default()
        };
        let r = build_request("soap", &t, &vars(json!({"x": "1"}))).unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.body.as_deref(), Some("<Envelope>1</Envelope>"));
        assert!(r.headers.contains(&("SOAPAction".into(), "\"urn:Pay\"".into())));
        assert!(r.headers.contains(&("Content-Type".into(), "text/xml; charset=utf-8".into())));
        assert!(r.headers.contains(&("X-A".into(), "b".into())));
    }

    #[test]
    fn refusals_say_what_to_do() {
        let java = ServiceTask { class: Some("org.Foo".into()), ..Default::default() };
        let refused = build_request("j", &java, &Map::new()).unwrap_err().0;
        assert!(refused.english().contains("org.Foo"));
        assert!(
            refused
                .render(bpmn_core::text::Lang::Zh)
                .starts_with("服务任务“j”没有可发起的 Web 服务调用：它的 Java 类 `org.Foo` 无法在本引擎中运行。"),
            "{refused:?}"
        );
        let ftp = flowable(&[("requestUrl", "ftp://x")]);
        assert!(build_request("f", &ftp, &Map::new()).unwrap_err().0.english().contains("http://"));
        let missing = flowable(&[("requestUrl", "${nope}/x")]);
        assert!(build_request("m", &missing, &Map::new()).is_err());
        let bad_header = flowable(&[("requestUrl", "http://a"), ("requestHeaders", "oops")]);
        assert!(build_request("h", &bad_header, &Map::new()).unwrap_err().0.english().contains("Name: value"));
        let no_host = flowable(&[("requestUrl", "http://:80/x")]);
        assert!(build_request("u", &no_host, &Map::new())
            .unwrap_err()
            .0
            .english()
            .contains("cannot be read: empty host"));
        let bad_method = flowable(&[("requestUrl", "http://a"), ("requestMethod", "FETCH")]);
        assert!(build_request("h", &bad_method, &Map::new()).is_err());
    }

    #[test]
    fn responses_become_variables_or_failures() {
        let t = flowable(&[("requestUrl", "http://a"), ("responseVariableName", "out")]);
        let ok = map_response("n", &t, "http://a", &ServiceResponse::new(200, "{\"a\":1}"), &Map::new()).unwrap();
        assert_eq!(ok["out"], json!({"status": 200, "body": {"a": 1}}));
        let plain = flowable(&[("requestUrl", "http://a")]);
        let ok = map_response("n", &plain, "http://a", &ServiceResponse::new(201, "hi"), &Map::new()).unwrap();
        assert_eq!(ok["nResponse"], json!({"status": 201, "body": "hi"}));
        let long = "x".repeat(900);
        let err =
            map_response("n", &t, "http://a", &ServiceResponse::new(500, long), &Map::new()).unwrap_err().english();
        assert!(err.starts_with("HTTP 500 from http://a: xxx"), "{err}");
        assert!(err.chars().count() < 560);
        let c = ServiceTask {
            connector_id: Some("http-connector".into()),
            input_parameters: vec![("url".into(), "http://a".into())],
            output_parameters: vec![("code".into(), "${statusCode}".into()), ("all".into(), String::new())],
            ..Default::default()
        };
        let ok = map_response("n", &c, "http://a", &ServiceResponse::new(200, "[1]"), &Map::new()).unwrap();
        assert_eq!(ok["code"], json!(200));
        assert_eq!(ok["all"], json!({"status": 200, "body": [1]}));
    }

    #[test]
    fn status_codes_are_handled_as_errors_or_failures_as_listed() {
        let task = flowable(&[("handleStatusCodes", "404, 5XX"), ("failStatusCodes", "503")]);
        assert_eq!(status_outcome(&task, 404), StatusOutcome::Error("HTTP404".into()));
        assert_eq!(status_outcome(&task, 500), StatusOutcome::Error("HTTP500".into()));
        assert_eq!(status_outcome(&task, 503), StatusOutcome::Fail);
        assert_eq!(status_outcome(&task, 400), StatusOutcome::Normal);
        assert_eq!(status_outcome(&task, 200), StatusOutcome::Normal);
        assert_eq!(status_outcome(&flowable(&[]), 500), StatusOutcome::Normal);
        assert!(status_listed("2xx", 204));
        assert!(!status_listed("2XX", 2040));
    }

    #[test]
    fn backoff() {
        assert_eq!(backoff_ms(Some("R3/PT5M")), 300_000);
        assert_eq!(backoff_ms(Some("R2/PT10S")), 10_000);
        assert_eq!(backoff_ms(Some("garbage")), DEFAULT_BACKOFF_MS);
        assert_eq!(backoff_ms(None), DEFAULT_BACKOFF_MS);
    }
}
