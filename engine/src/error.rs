//! The engine's one error type. Every variant that a user can meet carries a sentence that
//! says what went wrong and what to do; the web layer maps variants to HTTP statuses. A
//! conflict carries its [`ConflictReason`] too, so that callers act on the reason, not on
//! the sentence.

pub use bpmn_core::refusal::{ConflictReason, Refusal};

/// An engine refusal or failure.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The named thing does not exist (or is not visible to the caller). HTTP 404.
    #[error("{what} '{id}' was not found; it may have been deleted meanwhile. Reload the list.")]
    NotFound { what: &'static str, id: String },
    /// Nothing matches the request: a message or signal that nothing waits for. The sentence
    /// says what to check. HTTP 404.
    #[error("{message}")]
    Unmatched { message: String },
    /// Input that can never succeed as given. HTTP 422.
    #[error("{message}")]
    Invalid {
        /// The field the message is about, for forms that show errors in place.
        field: Option<&'static str>,
        message: String,
    },
    /// The request is valid but the current state forbids it, for `reason`. HTTP 409.
    #[error("{message}")]
    Conflict { reason: ConflictReason, message: String },
    /// Someone else changed the row since it was read. HTTP 409.
    #[error("{what} '{id}' was changed meanwhile by someone else; reload and try again.")]
    ChangedMeanwhile { what: &'static str, id: String },
    /// The caller may not do this. HTTP 403.
    #[error("{0}")]
    Forbidden(String),
    /// Wrong user name or password. HTTP 401.
    #[error("Wrong user name or password.")]
    BadCredentials,
    /// Too many wrong passwords in a row: the account or the address must wait. HTTP 429.
    #[error("Too many failed sign-ins; wait {wait_secs} seconds, then try again (check the user name and password first). / 登录失败次数过多，请等待 {wait_secs} 秒后再试。")]
    Throttled { wait_secs: i64 },
    /// The database failed. HTTP 500. The message is for the log: the web layer shows the
    /// user a general sentence instead.
    #[error("database error: {0}")]
    Storage(#[source] crate::store::DatabaseError),
    /// Migrations could not be applied. Fatal at start-up.
    #[error("database migration failed: {0}")]
    Migration(#[from] crate::store::MigrationError),
    /// Password hashing failed (never on valid input). HTTP 500.
    #[error("password hashing failed: {0}")]
    Hash(String),
}

impl EngineError {
    /// A 409 refusal: the current state forbids the request, for `reason`.
    pub fn conflict(reason: ConflictReason, message: impl Into<String>) -> Self {
        EngineError::Conflict { reason, message: message.into() }
    }

    /// Why the current state forbids the request, for a 409 refusal.
    pub fn conflict_reason(&self) -> Option<ConflictReason> {
        match self {
            EngineError::Conflict { reason, .. } => Some(*reason),
            EngineError::ChangedMeanwhile { .. } => Some(ConflictReason::ChangedMeanwhile),
            _ => None,
        }
    }

    /// A 422 refusal about one input field.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        EngineError::Invalid { field: Some(field), message: message.into() }
    }

    /// A short, stable code for API clients (`{"error": code}`).
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::NotFound { .. } | EngineError::Unmatched { .. } => "not_found",
            EngineError::Invalid { .. } => "invalid",
            EngineError::Conflict { .. } => "conflict",
            EngineError::ChangedMeanwhile { .. } => "changed_meanwhile",
            EngineError::Forbidden(_) => "forbidden",
            EngineError::BadCredentials => "bad_credentials",
            EngineError::Throttled { .. } => "throttled",
            EngineError::Storage(_) | EngineError::Migration(_) | EngineError::Hash(_) => "internal",
        }
    }

    /// The sentence to show the user: the refusal itself, or for a failure (database,
    /// migration, hashing) a general sentence, since its detail means nothing to a user and
    /// may tell an attacker about the database; the web layer logs the detail.
    pub fn user_message(&self) -> String {
        match self.status() {
            500 => INTERNAL_FAILURE.to_string(),
            _ => self.to_string(),
        }
    }

    /// The HTTP status this refusal maps to.
    pub fn status(&self) -> u16 {
        match self {
            EngineError::NotFound { .. } | EngineError::Unmatched { .. } => 404,
            EngineError::Invalid { .. } => 422,
            EngineError::Conflict { .. } | EngineError::ChangedMeanwhile { .. } => 409,
            EngineError::Forbidden(_) => 403,
            EngineError::BadCredentials => 401,
            EngineError::Throttled { .. } => 429,
            EngineError::Storage(_) | EngineError::Migration(_) | EngineError::Hash(_) => 500,
        }
    }
}

impl From<Refusal> for EngineError {
    /// A rule's refusal is a conflict (409) with its reason.
    fn from(r: Refusal) -> Self {
        EngineError::Conflict { reason: r.reason, message: r.message }
    }
}

/// What a user is told of a failure inside the server.
pub const INTERNAL_FAILURE: &str = "The server could not complete the request because of an internal failure; \
     try again, and if it keeps failing tell the administrator (the details are in the server log). \
     / 服务器内部错误，请重试；如仍失败，请联系管理员（详情见服务器日志）。";

/// The refusal of text with a character the database cannot store.
pub(crate) const UNSTORABLE_TEXT: &str =
    "The input contains a character that cannot be stored (such as NUL, U+0000); remove it and try again.";

/// Result alias of the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

pub(crate) use crate::store::error::DbFailure;
