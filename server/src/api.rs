//! The HTTP/JSON API for applications and automation (`/api/v1`), described by the OpenAPI
//! document at `/api/v1/openapi.json`. Handlers are thin: they read the request, call one
//! engine method, and map the result (or the refusal) to JSON. Definitions and deployments
//! are here; instances are in [`instances`], user tasks in [`tasks`], jobs in [`jobs`],
//! messages, signals and event subscriptions in [`events`].
//!
//! The `Api…` types of these modules are the API's published contract (camelCase, ISO 8601
//! times, the names of `openapi.json`): they are built from the engine's types, never shared
//! with the console's own wire, so the console can change without breaking API clients.

mod events;
mod instances;
mod jobs;
mod tasks;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use bpmn_core::time::iso8601;
use engine::bpmn::parse::ParseOptions;
use engine::bpmn::render::Overlay;
use engine::deploy::{DefinitionQuery, DefinitionSummary};
use engine::error::ConflictReason;
use engine::error::Text;
use engine::identity::CurrentSession;
use engine::EngineError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::AppState;

fn iso(ms: Option<i64>) -> Option<String> {
    ms.map(iso8601)
}

/// `variables` of a request body: absent or `null` is none; anything but an object is refused.
fn variables(v: Option<Value>) -> ApiResult<Map<String, Value>> {
    match v {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(other) => {
            let kind = match other {
                Value::Array(_) => "req.word.array",
                Value::String(_) => "req.word.string",
                Value::Number(_) => "req.word.number",
                _ => "req.word.boolean",
            };
            Err(ApiError::invalid(Text::new("req.api.variables_not_object").with_text("kind", Text::new(kind))))
        }
    }
}

fn limit(l: Option<i64>) -> i64 {
    l.unwrap_or(50).clamp(1, 500)
}

/// The OpenAPI document, kept beside the code it describes.
const OPENAPI: &str = include_str!("openapi.json");

/// A refusal as API clients see it: `{"error": code, "message": sentence, "text": {...}}`
/// with its status, and for a conflict (409) its `reason` (`not_running`, `already_done`, …).
/// `message` is the English sentence; `text` is the same sentence as a catalog key with its
/// values (`{"key": "ident.tenant_name_taken", "args": [["name", "North"]]}`), for clients
/// that show it in another language (the console's upload does).
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    text: Text,
    reason: Option<ConflictReason>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, text: impl Into<Text>) -> Self {
        ApiError { status, code, text: text.into(), reason: None }
    }

    fn invalid(text: Text) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", text)
    }

    /// The answer to a caller with no (or a wrong) token and no session.
    pub fn unauthenticated() -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", Text::new("req.api.unauthenticated"))
    }

    /// A 403 refusal (a cross-site change, for one).
    pub fn forbidden(text: Text) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", text)
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        if e.status() == 500 {
            tracing::error!(error = %e, "engine failure in the API");
        }
        ApiError {
            status: StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: e.code(),
            text: e.text(),
            reason: e.conflict_reason(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.code, "message": self.text.english(), "text": self.text});
        if let Some(reason) = self.reason {
            body["reason"] = json!(reason);
        }
        (self.status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// A JSON request body, refused in the API's error shape (422) when it is not JSON or does
/// not fit the expected shape; the message names the field. The `Content-Type` is not
/// checked, and an empty body means `{}` (every field absent).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "invalid" };
            ApiError::new(e.status(), code, Text::new("req.api.body_unreadable").with("detail", e.body_text()))
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiJson(T::default()));
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(e) => Err(ApiError::invalid(Text::new("req.api.body_invalid").with("detail", e.body_text()))),
        }
    }
}

/// Query parameters, refused in the API's error shape (422) when a value has the wrong type
/// or an unknown choice; the message names the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::invalid(Text::new("req.api.query_invalid").with("detail", e.body_text())))
    }
}

/// The entity tag of one page of a list: the change token of the data behind it, what the
/// caller may see, the list and its query string, and `extra` (for lists whose rows also
/// depend on the time). Weak, because equal tags promise equal content, not equal bytes.
fn list_etag(change_token: i64, who: &CurrentSession, list: &str, query: Option<&str>, extra: i64) -> String {
    // FNV-1a: stable across builds and restarts, unlike the standard library's hasher.
    let account = &who.session.account;
    let scope = account.tenant_scope().unwrap_or("*");
    let hash =
        [account.id.as_str(), scope, list, query.unwrap_or("")].iter().fold(0xcbf2_9ce4_8422_2325u64, |h, part| {
            part.bytes().chain([0xff]).fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
        });
    format!("W/\"{change_token:x}-{extra:x}-{hash:016x}\"")
}

/// Whether the request's `If-None-Match` names `etag` (weak comparison, `*` matches).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| {
        let t = t.trim();
        t == "*" || bare(t) == bare(etag)
    })
}

/// A list answer with its entity tag: `304 Not Modified` (no body) when the caller already
/// has it, otherwise the body. Clients must revalidate (`no-cache`); nothing is shared.
fn tagged(etag: &str, body: Option<serde_json::Value>) -> Response {
    let mut res = match body {
        Some(body) => Json(body).into_response(),
        None => StatusCode::NOT_MODIFIED.into_response(),
    };
    if let Ok(v) = HeaderValue::from_str(etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    res
}

/// Which list a polled answer is, and the request it answers (for its entity tag).
struct Polled<'a> {
    state: &'a AppState,
    who: &'a CurrentSession,
    headers: &'a HeaderMap,
    /// The list's name and query string.
    list: &'static str,
    query: Option<&'a str>,
    /// Anything else the answer depends on (e.g. the minute, for overdue tasks).
    extra: i64,
}

impl Polled<'_> {
    /// Answers `304 Not Modified` without running `page` while the caller's entity tag still
    /// holds (the runtime change token has not moved); otherwise the page with a fresh tag.
    async fn answer<T, F>(self, page: F) -> ApiResult<Response>
    where
        T: Serialize,
        F: std::future::Future<Output = engine::Result<bpmn_core::page::Page<T>>>,
    {
        let token = self.state.engine.runtime_change_token().await?;
        let etag = list_etag(token, self.who, self.list, self.query, self.extra);
        if not_modified(self.headers, &etag) {
            return Ok(tagged(&etag, None));
        }
        Ok(tagged(&etag, Some(page_body(page.await?))))
    }
}

/// `{"items": [...], "next": cursor, "total": n}`, without `next` on the last page and without
/// `total` after the first.
fn page_body<T: Serialize>(page: bpmn_core::page::Page<T>) -> serde_json::Value {
    let mut body = json!({ "items": page.items });
    if let Some(next) = page.next {
        body["next"] = json!(next);
    }
    if let Some(total) = page.total {
        body["total"] = json!(total);
    }
    body
}

/// The API routes (authentication is done by the server's middleware).
pub fn routes(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/deployments", post(deploy).layer(DefaultBodyLimit::max(max_upload)))
        .route("/api/v1/process-definitions", get(list_definitions))
        .route("/api/v1/process-definitions/{id}", get(get_definition))
        .route("/api/v1/process-definitions/{id}/diagram.svg", get(definition_svg))
        .merge(instances::routes())
        .merge(tasks::routes())
        .merge(jobs::routes())
        .merge(events::routes())
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// `POST /api/v1/deployments`: multipart with one or more `file` parts and optional `catalog`
/// (code) and `tenant` (id). 200 when every file deployed, 422 when any failed; the body
/// reports each file either way. A file larger than `BPM_MAX_FILE_BYTES`, or a request larger
/// than eight of them, is refused with 413 and nothing is deployed.
async fn deploy(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let mut form =
        form.map_err(|e| ApiError::invalid(Text::new("req.upload.not_multipart").with("detail", e.body_text())))?;
    let limits = UploadLimits { file: state.max_file_bytes, request: crate::max_request_bytes(state.max_file_bytes) };
    let upload = match read_upload(&mut form, &limits).await {
        Ok(upload) => upload,
        Err(refusal) => {
            drain(&mut form).await;
            return Err(refusal);
        }
    };
    let engine = &state.engine;
    let caller = &who.session.account;
    let catalog_id = match (upload.catalog_id, upload.catalog) {
        (Some(id), _) => Some(id),
        (None, Some(code)) => Some(engine.catalog_node_by_code(&code).await?.id),
        (None, None) => None,
    };
    let tenant = upload
        .tenant
        .or_else(|| caller.tenant_scope().map(str::to_string))
        .or_else(|| who.session.tenant_id.clone())
        .unwrap_or_else(|| engine::demo::DEFAULT_TENANT.to_string());
    let opts = ParseOptions { max_bytes: state.max_file_bytes };
    let report = engine.deploy(caller, &tenant, catalog_id.as_deref(), upload.files, &opts).await?;
    let status = if report.all_ok() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(report)).into_response())
}

/// Reads the rest of a refused upload (up to the request limit, keeping nothing) so that the
/// client, still sending, gets the answer rather than a reset connection.
pub(crate) async fn drain(form: &mut Multipart) {
    while let Ok(Some(mut part)) = form.next_field().await {
        while let Ok(Some(_)) = part.chunk().await {}
    }
}

/// The size limits of an upload.
struct UploadLimits {
    /// Of one file (`BPM_MAX_FILE_BYTES`).
    file: usize,
    /// Of the whole request.
    request: usize,
}

/// The largest text part (`tenant`, `catalog`, `catalogId`) of an upload.
const MAX_TEXT_PART: usize = 4096;

/// The parts of a deployment upload.
#[derive(Default)]
struct Upload {
    files: Vec<(String, Vec<u8>)>,
    catalog: Option<String>,
    catalog_id: Option<String>,
    tenant: Option<String>,
}

/// Reads the parts of an upload, each as it streams in, keeping at most its limit: a part
/// over its limit is refused (413) as soon as it passes it. Unknown parts are skipped unread.
async fn read_upload(form: &mut Multipart, limits: &UploadLimits) -> ApiResult<Upload> {
    let mut upload = Upload::default();
    while let Some(mut part) = form.next_field().await.map_err(|e| multipart_error(&e, limits))? {
        let name = part.name().unwrap_or_default().to_string();
        let is_file = matches!(name.as_str(), "file" | "files");
        if !is_file && !matches!(name.as_str(), "catalog" | "catalogId" | "tenant") {
            continue;
        }
        let file_name = part.file_name().unwrap_or("upload.bpmn").to_string();
        engine::identity::check_text("file", &file_name)?;
        let limit = if is_file { limits.file } else { MAX_TEXT_PART };
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = part.chunk().await.map_err(|e| multipart_error(&e, limits))? {
            if bytes.len() + chunk.len() > limit {
                return Err(part_too_large(&name, &file_name, limits));
            }
            // Grow by doubling, but never past the limit.
            if bytes.capacity() < bytes.len() + chunk.len() {
                let want = (bytes.capacity() * 2).clamp(bytes.len() + chunk.len(), limit);
                bytes.reserve_exact(want - bytes.len());
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            upload.files.push((file_name, bytes));
            continue;
        }
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        let field = match name.as_str() {
            "catalog" => &mut upload.catalog,
            "catalogId" => &mut upload.catalog_id,
            _ => &mut upload.tenant,
        };
        if text.contains('\0') {
            return Err(ApiError::invalid(engine::identity::nul_message(&name)));
        }
        *field = Some(text).filter(|s| !s.is_empty());
    }
    Ok(upload)
}

/// The refusal of a part over its limit.
fn part_too_large(name: &str, file_name: &str, limits: &UploadLimits) -> ApiError {
    use crate::input::size_text;
    let text = if matches!(name, "file" | "files") {
        Text::new("req.upload.file_too_large").with("file", file_name).with("limit", size_text(limits.file))
    } else {
        Text::new("req.upload.part_too_large").with("name", name).with("limit", size_text(MAX_TEXT_PART))
    };
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", text)
}

/// A multipart stream that broke off: 413 when it passed the request limit, else 422.
fn multipart_error(e: &axum::extract::multipart::MultipartError, limits: &UploadLimits) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let text = Text::new("req.upload.too_large").with("limit", crate::input::size_text(limits.request));
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", text);
    }
    ApiError::invalid(Text::new("req.upload.broken").with("detail", e))
}

/// Query parameters of the definition list.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    key: Option<String>,
    name: Option<String>,
    catalog: Option<String>,
    tenant: Option<String>,
    latest: Option<bool>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// A definition as API clients see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiDefinition {
    id: String,
    key: String,
    name: String,
    version: i64,
    latest_version: i64,
    tenant: String,
    catalog: Option<String>,
    executable: bool,
    startable: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_startable_reasons: Vec<serde_json::Value>,
    deployed_at: String,
    deployment_id: String,
    file_name: String,
}

fn api_definition(d: DefinitionSummary, codes: &HashMap<String, String>) -> ApiDefinition {
    ApiDefinition {
        executable: d.is_executable(),
        catalog: d.catalog_id.as_ref().and_then(|c| codes.get(c).cloned()),
        not_startable_reasons: d
            .not_startable_reasons
            .iter()
            .map(|r| json!({"elementId": r.element_id, "elementType": r.element_type, "line": r.line, "reason": r.reason}))
            .collect(),
        deployed_at: iso8601(d.deployed_at),
        id: d.id,
        key: d.key,
        name: d.name,
        version: d.version,
        latest_version: d.latest_version,
        tenant: d.tenant_id,
        startable: d.startable,
        deployment_id: d.deployment_id,
        file_name: d.file_name,
    }
}

async fn catalog_codes(state: &AppState) -> ApiResult<HashMap<String, String>> {
    Ok(state.engine.catalog().await?.into_iter().map(|n| (n.id, n.code)).collect())
}

/// `GET /api/v1/process-definitions`.
async fn list_definitions(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<serde_json::Value>> {
    let engine = &state.engine;
    let catalog_id = match p.catalog.filter(|c| !c.is_empty()) {
        Some(code) => Some(engine.catalog_node_by_code(&code).await?.id),
        None => None,
    };
    let query = DefinitionQuery {
        tenant: p.tenant,
        catalog_id,
        key: p.key,
        name_contains: p.name,
        latest_only: p.latest.unwrap_or(false),
        cursor: p.cursor,
        limit: p.limit.unwrap_or(50).clamp(1, 500),
    };
    let page = engine.list_definitions(&who.session.account, &query).await?;
    let codes = catalog_codes(&state).await?;
    let items: Vec<ApiDefinition> = page.items.into_iter().map(|d| api_definition(d, &codes)).collect();
    Ok(Json(page_body(bpmn_core::page::Page { items, next: page.next, total: None })))
}

/// `GET /api/v1/process-definitions/{id}`: the definition with its XML.
async fn get_definition(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let d = state.engine.definition(&who.session.account, &id).await?;
    let codes = catalog_codes(&state).await?;
    let mut body = serde_json::to_value(api_definition(d.summary, &codes)).unwrap_or_default();
    body["xml"] = json!(d.xml);
    Ok(Json(body))
}

/// `GET /api/v1/process-definitions/{id}/diagram.svg`.
async fn definition_svg(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let svg = state.engine.definition_diagram_svg(&who.session.account, &id, Overlay::default()).await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg).into_response())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::{to_bytes, Body};
    use bpmn_core::text::Lang;
    use engine::testing::TestDb;
    use tower::ServiceExt;

    use super::*;

    async fn json_of(res: Response) -> (StatusCode, Value) {
        let status = res.status();
        let bytes = to_bytes(res.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    /// The sentence of an answer's `text`, read back as the console reads it.
    fn said(body: &Value, lang: Lang) -> String {
        serde_json::from_value::<Text>(body["text"].clone()).unwrap().render(lang)
    }

    #[tokio::test]
    async fn refusals_carry_the_english_message_and_the_text() {
        let taken = EngineError::invalid("name", Text::new("ident.tenant_name_taken").with("name", "North"));
        let (status, body) = json_of(ApiError::from(taken).into_response()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"], "invalid");
        assert_eq!(body["message"], "Another tenant is already named 'North'; choose another name.");
        assert_eq!(body["text"]["key"], "ident.tenant_name_taken");
        assert_eq!(said(&body, Lang::Zh), "已有其他租户名为“North”，请换一个名称。");
        assert!(body.get("reason").is_none(), "{body}");

        let conflict = EngineError::conflict(ConflictReason::InUse, Text::new("repo.node_has_children"));
        let (status, body) = json_of(ApiError::from(conflict).into_response()).await;
        assert_eq!((status, &body["reason"]), (StatusCode::CONFLICT, &json!("in_use")));
    }

    #[tokio::test]
    async fn api_v1_answers_refusals_with_a_text() {
        let db = TestDb::sqlite().await;
        db.engine.ensure_default_tenant().await.unwrap();
        let config = crate::config::Config::from_lookup(|_| None).unwrap();
        let state = AppState {
            leptos_options: crate::leptos_options(&config),
            engine: db.engine.clone(),
            api_token: Some(Arc::from("token")),
            max_file_bytes: 1024 * 1024,
            web: Default::default(),
        };
        let app = crate::router(state);
        let get = |path: &str, token: Option<&str>| {
            let mut req = axum::http::Request::get(path);
            if let Some(t) = token {
                req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
            }
            req.body(Body::empty()).unwrap()
        };

        let (status, body) =
            json_of(app.clone().oneshot(get("/api/v1/process-definitions", None)).await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["text"]["key"], "req.api.unauthenticated");
        assert_eq!(body["message"], said(&body, Lang::En));

        let missing = get("/api/v1/process-definitions/nope", Some("token"));
        let (status, body) = json_of(app.clone().oneshot(missing).await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            (body["error"].as_str(), body["text"]["key"].as_str()),
            (Some("not_found"), Some("error.not_found"))
        );
        assert_eq!(body["message"], said(&body, Lang::En));
        assert_eq!(said(&body, Lang::Zh), "流程定义“nope”不存在，可能已被删除。请刷新列表。");

        let bad_query = get("/api/v1/process-definitions?limit=many", Some("token"));
        let (status, body) = json_of(app.oneshot(bad_query).await.unwrap()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["text"]["key"], "req.api.query_invalid");
        assert!(said(&body, Lang::Zh).contains("参数说明见 /api/v1/openapi.json"), "{body}");
    }
}
