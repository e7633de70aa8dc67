//! The engine's one error type. Every variant that a user can meet carries a sentence that
//! says what went wrong and what to do; the web layer maps variants to HTTP statuses. A
//! conflict carries its [`ConflictReason`] too, so that callers act on the reason, not on
//! the sentence.

pub use bpmn_core::refusal::{ConflictReason, Refusal};
pub use bpmn_core::text::Text;

/// An engine refusal or failure. A refusal's sentence is a [`Text`]: the REST API answers
/// its English rendering, the console renders it in the user's language.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The named thing does not exist (or is not visible to the caller). HTTP 404. `what` is
    /// a catalog key of the thing (`thing.instance`).
    #[error("{}", self.text())]
    NotFound { what: &'static str, id: String },
    /// Nothing matches the request: a message or signal that nothing waits for. The sentence
    /// says what to check. HTTP 404.
    #[error("{text}")]
    Unmatched { text: Text },
    /// Input that can never succeed as given. HTTP 422.
    #[error("{text}")]
    Invalid {
        /// The field the message is about, for forms that show errors in place.
        field: Option<&'static str>,
        text: Text,
    },
    /// The request is valid but the current state forbids it, for `reason`. HTTP 409.
    #[error("{text}")]
    Conflict { reason: ConflictReason, text: Text },
    /// Someone else changed the row since it was read. HTTP 409. `what` as for `NotFound`.
    #[error("{}", self.text())]
    ChangedMeanwhile { what: &'static str, id: String },
    /// The caller may not do this. HTTP 403.
    #[error("{0}")]
    Forbidden(Text),
    /// Wrong user name or password. HTTP 401.
    #[error("{}", self.text())]
    BadCredentials,
    /// Too many wrong passwords in a row: the account or the address must wait. HTTP 429.
    #[error("{}", self.text())]
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
    pub fn conflict(reason: ConflictReason, text: impl Into<Text>) -> Self {
        EngineError::Conflict { reason, text: text.into() }
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
    pub fn invalid(field: &'static str, text: impl Into<Text>) -> Self {
        EngineError::Invalid { field: Some(field), text: text.into() }
    }

    /// A 403 refusal.
    pub fn forbidden(text: Text) -> Self {
        EngineError::Forbidden(text)
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

    /// The sentence to show the user, in any language: the refusal itself, or for a failure
    /// (database, migration, hashing) a general sentence, since its detail means nothing to a
    /// user and may tell an attacker about the database; the web layer logs the detail.
    pub fn text(&self) -> Text {
        match self {
            EngineError::NotFound { what, id } => {
                Text::new("error.not_found").with_text("what", Text::new(what)).with("id", id)
            }
            EngineError::ChangedMeanwhile { what, id } => {
                Text::new("error.changed_meanwhile").with_text("what", Text::new(what)).with("id", id)
            }
            EngineError::Unmatched { text }
            | EngineError::Invalid { text, .. }
            | EngineError::Conflict { text, .. }
            | EngineError::Forbidden(text) => text.clone(),
            EngineError::BadCredentials => Text::new("error.bad_credentials"),
            EngineError::Throttled { wait_secs } => Text::new("error.throttled").with("wait_secs", wait_secs),
            EngineError::Storage(_) | EngineError::Migration(_) | EngineError::Hash(_) => Text::new("error.internal"),
        }
    }

    /// The English sentence to show the user (see [`EngineError::text`]).
    pub fn user_message(&self) -> String {
        self.text().english()
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
        EngineError::Conflict { reason: r.reason, text: r.text }
    }
}

/// The refusal of text with a character the database cannot store.
pub(crate) fn unstorable_text() -> Text {
    Text::new("error.unstorable_text")
}

/// Result alias of the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

pub(crate) use crate::store::error::DbFailure;
