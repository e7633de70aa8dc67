//! The one error type server functions return to the browser.

use bpmn_core::refusal::ConflictReason;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A refusal or failure as the browser sees it: a stable code, a sentence that says why and
/// what to do, the form field it concerns (if any) so forms can show it in place, and for a
/// conflict its reason (the core's [`ConflictReason`]), so pages act on the reason rather than
/// on the sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ConflictReason>,
}

impl AppError {
    /// The answer to a caller without a valid session.
    pub fn unauthenticated() -> Self {
        #[cfg(feature = "ssr")]
        set_status(401);
        AppError {
            code: "unauthenticated".into(),
            message: "Your session has ended; sign in again. / 会话已结束，请重新登录。".into(),
            field: None,
            reason: None,
        }
    }

    /// A refusal of input, shown next to `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        #[cfg(feature = "ssr")]
        set_status(422);
        AppError { code: "invalid".into(), message: message.into(), field: Some(field.into()), reason: None }
    }

    /// The message when it concerns `field`, for showing an error next to an input.
    pub fn for_field(&self, field: &str) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| self.message.clone())
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let (code, message) = match value {
            ServerFnErrorErr::Request(m) => {
                ("network", format!("The server could not be reached ({m}); check the connection and try again."))
            }
            // On the server these are the arguments of a call that could not be read: missing,
            // of the wrong type, or not the expected encoding. (In the browser a
            // `Deserialization` error is an answer that could not be read.)
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) | ServerFnErrorErr::MissingArg(m) => {
                return AppError::bad_arguments(&m);
            }
            other => ("internal", other.to_string()),
        };
        AppError { code: code.into(), message, field: None, reason: None }
    }
}

impl AppError {
    /// The refusal (422) of a server-function call whose arguments could not be read; `detail`
    /// is the decoder's message, whose first `` `name` `` is taken as the argument it concerns.
    #[cfg(feature = "ssr")]
    fn bad_arguments(detail: &str) -> Self {
        let field = detail.split('`').nth(1).filter(|f| !f.is_empty() && f.len() <= 64).map(str::to_string);
        let message = format!(
            "The request's arguments could not be read ({detail}); reload the page and try again. \
             / 请求参数无法读取，请刷新页面后重试。"
        );
        set_status(422);
        AppError { code: "invalid".into(), message, field, reason: None }
    }
}

#[cfg(feature = "ssr")]
impl From<engine::EngineError> for AppError {
    fn from(e: engine::EngineError) -> Self {
        if e.status() == 500 {
            tracing::error!(error = %e, "engine failure");
        }
        set_status(e.status());
        if let engine::EngineError::Throttled { wait_secs } = &e {
            set_header(http::header::RETRY_AFTER, &wait_secs.to_string());
        }
        let field = match &e {
            engine::EngineError::Invalid { field, .. } => field.map(str::to_string),
            _ => None,
        };
        AppError { code: e.code().into(), message: e.user_message(), field, reason: e.conflict_reason() }
    }
}

/// Sets a header of the current server-function answer (`Retry-After` of a throttled sign-in).
#[cfg(feature = "ssr")]
fn set_header(name: http::header::HeaderName, value: &str) {
    if let (Some(resp), Ok(v)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value))
    {
        resp.insert_header(name, v);
    }
}

/// Gives the current server-function answer the refusal's own status (401, 404, 409, 422…),
/// so that a refusal is not logged or cached as a server failure.
#[cfg(feature = "ssr")]
fn set_status(code: u16) {
    if let (Some(resp), Ok(status)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(code))
    {
        resp.set_status(status);
    }
}
