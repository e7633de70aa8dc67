//! The Camunda 7 compatible REST API at `/engine-rest`: the paths, JSON shapes, typed
//! variables (`{"value", "type", "valueInfo"}`), status codes and error bodies
//! (`{"type", "message"}`) that Camunda 7's clients and external-task workers expect, so that
//! they run against this engine unchanged. Handlers are thin, like those of `/api/v1`: read
//! the request, call one engine method, map the answer.
//!
//! One module per resource: [`meta`] (engine, version, OpenAPI), [`deployments`],
//! [`definitions`], [`instances`] (with their variables), [`messages`] (message and signal),
//! [`tasks`], [`external_tasks`], [`history`] (with incidents and jobs). Shared pieces:
//! [`RestError`] and the typed values of [`types`]. The OpenAPI document is assembled from one
//! fragment per resource (`engine_rest/openapi/*.json`).

pub mod auth;
mod definitions;
mod deployments;
mod external_tasks;
mod filters;
mod history;
mod instances;
mod messages;
mod meta;
mod tasks;
pub mod types;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use engine::EngineError;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::AppState;

/// Where the API lives.
pub const BASE: &str = "/engine-rest";

/// Every route of the API, under [`BASE`]. `max_upload` bounds a deployment's body.
pub fn routes(max_upload: usize) -> Router<AppState> {
    let api = Router::new()
        .merge(meta::routes())
        .merge(deployments::routes(max_upload))
        .merge(definitions::routes())
        .merge(instances::routes())
        .merge(messages::routes())
        .merge(tasks::routes())
        .merge(external_tasks::routes())
        .merge(history::routes());
    Router::new().nest(BASE, api)
}

/// A refusal in Camunda's shape: `{"type": "InvalidRequestException", "message": "..."}` with
/// its status. The message says why and what to do.
#[derive(Debug)]
pub struct RestError {
    pub status: StatusCode,
    /// Camunda's exception name: `InvalidRequestException` (400, 404), `RestException`,
    /// `BadUserRequestException`, `AuthenticationException` (401), `AuthorizationException`
    /// (403), `ProcessEngineException` (500).
    pub kind: &'static str,
    pub message: String,
}

impl RestError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        RestError { status, kind, message: message.into() }
    }

    /// 400 `InvalidRequestException`: the request itself is wrong.
    pub fn invalid(message: impl Into<String>) -> Self {
        RestError::new(StatusCode::BAD_REQUEST, "InvalidRequestException", message)
    }

    /// 404 `InvalidRequestException`: what the path names does not exist (or belongs to
    /// another tenant).
    pub fn not_found(message: impl Into<String>) -> Self {
        RestError::new(StatusCode::NOT_FOUND, "InvalidRequestException", message)
    }

    /// 401 for a caller without valid credentials.
    pub fn unauthenticated() -> Self {
        RestError::new(
            StatusCode::UNAUTHORIZED,
            "AuthenticationException",
            "Send HTTP Basic credentials (a console account and its password, or any user name with an API token \
             as the password) or 'Authorization: Bearer <token>'.",
        )
    }
}

impl From<EngineError> for RestError {
    fn from(e: EngineError) -> Self {
        let status = e.status();
        if status == 500 {
            tracing::error!(error = %e, "engine failure in the Camunda REST API");
        }
        let message = e.user_message();
        match status {
            400 | 422 => RestError::invalid(message),
            401 => RestError::new(StatusCode::UNAUTHORIZED, "AuthenticationException", message),
            403 => RestError::new(StatusCode::FORBIDDEN, "AuthorizationException", message),
            404 => RestError::not_found(message),
            // A state that forbids the request (already done, suspended, locked by another
            // worker): Camunda answers these as a bad user request.
            409 => RestError::new(StatusCode::BAD_REQUEST, "BadUserRequestException", message),
            413 => RestError::new(StatusCode::PAYLOAD_TOO_LARGE, "InvalidRequestException", message),
            429 | 503 => RestError::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                "RestException",
                message,
            ),
            _ => RestError::new(StatusCode::INTERNAL_SERVER_ERROR, "ProcessEngineException", message),
        }
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"type": self.kind, "message": self.message}))).into_response()
    }
}

pub type RestResult<T> = Result<T, RestError>;

/// A JSON body, refused with 400 in Camunda's shape when it is not JSON or has the wrong
/// shape (the message names the field). An empty body means every field absent.
pub struct RestJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for RestJson<T> {
    type Rejection = RestError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| RestError::new(e.status(), "InvalidRequestException", e.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(RestJson(T::default()));
        }
        serde_json::from_slice(&bytes).map(RestJson).map_err(|e| {
            RestError::invalid(format!(
                "The request body is not what this endpoint reads: {e}. See {BASE}/openapi.json."
            ))
        })
    }
}

/// Query parameters, refused with 400 in Camunda's shape when one has the wrong type. A list
/// parameter may come comma-separated (`tenantIdIn=a,b`, Camunda's form) or repeated
/// (`tenantIdIn=a&tenantIdIn=b`, as some clients send lists): repeated ones are joined with
/// commas.
pub struct RestQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for RestQuery<T> {
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let refused = |e: String| RestError::invalid(format!("{e}; see {BASE}/openapi.json for the parameters."));
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).map_err(|e| refused(e.to_string()))?;
        let mut merged: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            match merged.iter_mut().find(|(m, _)| *m == k) {
                Some((_, joined)) => {
                    joined.push(',');
                    joined.push_str(&v);
                }
                None => merged.push((k, v)),
            }
        }
        let query = serde_urlencoded::to_string(&merged).map_err(|e| refused(e.to_string()))?;
        let params = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(params).map(RestQuery).map_err(|e| {
            let path = e.path().to_string();
            match path.as_str() {
                "" | "." => refused(format!("The query string cannot be read: {}", e.inner())),
                _ => refused(format!("The query parameter '{path}' cannot be read: {}", e.inner())),
            }
        })
    }
}

/// `firstResult` / `maxResults` of a list request as offset and limit (at most 1,000 rows per
/// page; Camunda's default is every row, which a console with millions of rows cannot offer).
pub fn page(first_result: Option<i64>, max_results: Option<i64>) -> (i64, i64) {
    (first_result.unwrap_or(0).max(0), max_results.unwrap_or(1_000).clamp(0, 1_000))
}
