//! The statements of incident rows and of the instance's count of open ones, and the reads
//! of incident rows that commands decide on.

use sqlx::Row;

use super::Store;
use crate::error::{Result, Text};
use crate::instances::Incident;
use crate::store::sql::{Arg, Cells};

/// An incident raised on a token.
#[derive(Debug)]
pub(crate) struct NewIncident {
    pub id: String,
    pub tenant_id: String,
    pub instance_id: String,
    pub token: i64,
    pub activity_id: String,
    /// The sentence in its stored form (`Text::to_stored`).
    pub message: String,
    pub created: i64,
}

impl NewIncident {
    pub(super) fn statement(self) -> (String, Vec<Arg>) {
        (
            "INSERT INTO incidents (id, tenant_id, instance_id, token, activity_id, message, created) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
                .into(),
            vec![
                Arg::Text(self.id),
                Arg::Text(self.tenant_id),
                Arg::Text(self.instance_id),
                Arg::Int(self.token),
                Arg::Text(self.activity_id),
                Arg::Text(self.message),
                Arg::Int(self.created),
            ],
        )
    }
}

/// Resolves the open incidents of a token.
pub(super) fn resolve_token(instance_id: String, token: i64, at: i64) -> (String, Vec<Arg>) {
    (
        "UPDATE incidents SET resolved = $1 WHERE instance_id = $2 AND token = $3 AND resolved IS NULL".into(),
        vec![Arg::Int(at), Arg::Text(instance_id), Arg::Int(token)],
    )
}

/// Counts an instance's open incidents again into its row.
pub(super) fn refresh_count(instance_id: String) -> (String, Vec<Arg>) {
    (
        "UPDATE process_instances SET open_incidents = \
         (SELECT COUNT(*) FROM incidents WHERE instance_id = $1 AND resolved IS NULL) WHERE id = $1"
            .into(),
        vec![Arg::Text(instance_id)],
    )
}

impl Store {
    /// The token of incident `id` of instance `instance_id`, and when it was resolved.
    pub(crate) async fn incident_token(&self, id: &str, instance_id: &str) -> Result<Option<(i64, Option<i64>)>> {
        let row = sqlx::query("SELECT token, resolved FROM incidents WHERE id = $1 AND instance_id = $2")
            .bind(id)
            .bind(instance_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some((r.try_get("token")?, r.try_get("resolved")?))),
            None => Ok(None),
        }
    }
}

impl Store {
    /// The incidents of instance `id`, oldest first.
    pub(crate) async fn instance_incidents(&self, id: &str) -> Result<Vec<Incident>> {
        sqlx::query(
            "SELECT id, token, activity_id, message, created, resolved FROM incidents WHERE instance_id = $1 \
             ORDER BY created, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| incident_from_row(r))
        .collect()
    }
}

/// A sentence read from a column (an incident's or attempt's message, a job's error): its
/// English and itself (see `Text::from_stored`).
pub(super) fn stored_text(stored: &str) -> (String, Text) {
    let text = Text::from_stored(stored);
    (text.english(), text)
}

/// [`stored_text`] of a column that may be empty.
pub(super) fn stored_text_opt(stored: Option<String>) -> (Option<String>, Option<Text>) {
    stored.map(|s| stored_text(&s)).unzip()
}

/// The incident in row `r` (the columns of `incidents`).
pub(super) fn incident_from_row(r: &dyn Cells) -> Result<Incident> {
    let (message, text) = stored_text(&r.try_get::<String>("message")?);
    Ok(Incident {
        id: r.try_get("id")?,
        token: r.try_get("token")?,
        activity_id: r.try_get("activity_id")?,
        message,
        text,
        created: r.try_get("created")?,
        resolved: r.try_get("resolved")?,
    })
}
