//! The database's failures as the engine's errors: which driver failures are refusals of the
//! input (unstorable text, a taken unique key), which are lost races worth another try, and
//! the failure type of the SQLite connections used in place (`store::direct`).

use crate::error::{unstorable_text, EngineError};
use crate::Backend;

/// A failure of the database driver, as carried by [`EngineError::Storage`].
pub type DatabaseError = sqlx::Error;

/// A failure to apply the migrations, as carried by [`EngineError::Migration`].
pub type MigrationError = sqlx::migrate::MigrateError;

impl From<sqlx::Error> for EngineError {
    /// A database failure; text the database cannot store (PostgreSQL refuses the NUL
    /// character with SQLSTATE 22021, an untranslatable one with 22P05) is a refusal of the
    /// input, not a failure.
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if matches!(db.code().as_deref(), Some("22021" | "22P05")) {
                return EngineError::Invalid { field: None, text: unstorable_text() };
            }
        }
        EngineError::Storage(err)
    }
}

/// What a write did that finds its row by key and may hit a unique key: the store tells, the
/// command decides what to answer.
#[derive(Debug)]
pub(crate) enum Written {
    /// At least one row was written.
    Done,
    /// No row matched (a stale revision, a row deleted meanwhile).
    NoRow,
    /// A unique key is already taken by another row; nothing was written. Carries the
    /// database's failure, for a command that finds no other explanation.
    Duplicate(EngineError),
}

/// The outcome of a statement as [`Written`]: a unique violation is `Duplicate`, other
/// failures stay errors.
pub(crate) fn written(done: Result<sqlx::any::AnyQueryResult, sqlx::Error>) -> crate::Result<Written> {
    match done {
        Ok(done) if done.rows_affected() == 0 => Ok(Written::NoRow),
        Ok(_) => Ok(Written::Done),
        Err(e @ sqlx::Error::Database(_)) if is_unique_violation(&e) => Ok(Written::Duplicate(e.into())),
        Err(e) => Err(e.into()),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Whether the failure is a lost race that a fresh transaction can win: a unique violation
/// (a concurrent deployment took the version), SQLite busy/locked (codes 5 and 6, including
/// their extended forms such as 517 = BUSY_SNAPSHOT), or a PostgreSQL serialization failure
/// or deadlock. The backend matters: SQLite codes are numbers whose low byte is the primary
/// code, PostgreSQL's are SQLSTATEs, some of which (22021) would look like SQLite's.
pub(crate) fn is_lost_race(err: &EngineError, backend: Backend) -> bool {
    let EngineError::Storage(sqlx::Error::Database(db)) = err else { return false };
    if db.is_unique_violation() {
        return true;
    }
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    match backend {
        Backend::Postgres => matches!(code.as_str(), "40001" | "40P01"),
        Backend::Sqlite => code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6)),
    }
}

/// A database failure told by its message, code and kind, for failures that do not come from
/// `sqlx` itself (the SQLite connections of `store::direct`).
#[derive(Debug)]
pub(crate) struct DbFailure {
    pub(crate) message: String,
    /// The driver's code: SQLite's extended result code as a number, PostgreSQL's SQLSTATE.
    pub(crate) code: Option<String>,
    pub(crate) kind: sqlx::error::ErrorKind,
}

impl DbFailure {
    /// As the engine's storage error.
    pub(crate) fn into_storage(self) -> EngineError {
        EngineError::Storage(sqlx::Error::Database(Box::new(self)))
    }
}

impl std::fmt::Display for DbFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbFailure {}

impl sqlx::error::DatabaseError for DbFailure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.code.as_deref().map(std::borrow::Cow::Borrowed)
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use sqlx::error::ErrorKind as K;
        match self.kind {
            K::UniqueViolation => K::UniqueViolation,
            K::ForeignKeyViolation => K::ForeignKeyViolation,
            K::NotNullViolation => K::NotNullViolation,
            K::CheckViolation => K::CheckViolation,
            _ => K::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db_error(code: &'static str, kind: sqlx::error::ErrorKind) -> EngineError {
        DbFailure { message: format!("failure {code}"), code: Some(code.into()), kind }.into_storage()
    }

    #[test]
    fn lost_races_are_retried_other_failures_are_not() {
        use sqlx::error::ErrorKind as K;
        let (sqlite, pg) = (Backend::Sqlite, Backend::Postgres);
        assert!(is_lost_race(&db_error("2067", K::UniqueViolation), sqlite));
        assert!(is_lost_race(&db_error("23505", K::UniqueViolation), pg));
        // SQLite BUSY, BUSY_SNAPSHOT, LOCKED; PostgreSQL serialization failure and deadlock.
        for code in ["5", "517", "6"] {
            assert!(is_lost_race(&db_error(code, K::Other), sqlite), "{code}");
        }
        for code in ["40001", "40P01"] {
            assert!(is_lost_race(&db_error(code, K::Other), pg), "{code}");
        }
        // SQLite FOREIGN KEY and ERROR; PostgreSQL foreign key violation and a SQLSTATE whose
        // number's low byte is 5.
        for code in ["787", "1"] {
            assert!(!is_lost_race(&db_error(code, K::Other), sqlite), "{code}");
        }
        for code in ["23503", "22021"] {
            assert!(!is_lost_race(&db_error(code, K::Other), pg), "{code}");
        }
        assert!(!is_lost_race(&EngineError::Storage(sqlx::Error::RowNotFound), sqlite));
        assert!(!is_lost_race(
            &EngineError::conflict(crate::error::ConflictReason::ChangedMeanwhile, crate::error::Text::verbatim("x")),
            pg
        ));
    }
}
