//! The one error type server functions return to the browser.

use bpmn_core::refusal::ConflictReason;
use bpmn_core::text::{Lang, Text};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A refusal or failure as the browser sees it: a stable code, a sentence that says why and
/// what to do (as a [`Text`] the page renders in the user's language, and in English as
/// `message`), the form field it concerns (if any) so forms can show it in place, and for a
/// conflict its reason (the core's [`ConflictReason`]), so pages act on the reason rather than
/// on the sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ConflictReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Box<Text>>,
}

impl AppError {
    /// An error with code `code` and sentence `text`.
    pub fn new(code: &str, text: Text) -> Self {
        AppError { code: code.into(), message: text.english(), field: None, reason: None, text: Some(Box::new(text)) }
    }

    /// The answer to a caller without a valid session.
    pub fn unauthenticated() -> Self {
        #[cfg(feature = "ssr")]
        set_status(401);
        AppError::new("unauthenticated", Text::new("error.unauthenticated"))
    }

    /// A refusal of input, shown next to `field`.
    pub fn invalid(field: &str, text: impl Into<Text>) -> Self {
        #[cfg(feature = "ssr")]
        set_status(422);
        AppError { field: Some(field.into()), ..AppError::new("invalid", text.into()) }
    }

    /// The sentence in `lang` (the English `message` when the answer carried no text).
    pub fn say(&self, lang: Lang) -> String {
        self.text.as_ref().map_or_else(|| self.message.clone(), |t| t.render(lang))
    }

    /// The sentence in `lang` when it concerns `field`, for showing an error next to an input.
    pub fn for_field(&self, field: &str, lang: Lang) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| self.say(lang))
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
        match value {
            ServerFnErrorErr::Request(m) => AppError::new("network", Text::new("error.network").with("detail", m)),
            // On the server these are the arguments of a call that could not be read: missing,
            // of the wrong type, or not the expected encoding. (In the browser a
            // `Deserialization` error is an answer that could not be read.)
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) | ServerFnErrorErr::MissingArg(m) => {
                AppError::bad_arguments(&m)
            }
            other => AppError::new("internal", Text::new("error.unexpected").with("detail", other)),
        }
    }
}

impl AppError {
    /// The refusal (422) of a server-function call whose arguments could not be read; `detail`
    /// is the decoder's message, whose first `` `name` `` is taken as the argument it concerns.
    #[cfg(feature = "ssr")]
    fn bad_arguments(detail: &str) -> Self {
        let field = detail.split('`').nth(1).filter(|f| !f.is_empty() && f.len() <= 64).map(str::to_string);
        set_status(422);
        AppError { field, ..AppError::new("invalid", Text::new("error.bad_arguments").with("detail", detail)) }
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
        AppError { field, reason: e.conflict_reason(), ..AppError::new(e.code(), e.text()) }
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
