//! The `audit_log` table: the one insert every change makes in its own transaction, and the
//! newest entries for the audit screen.

use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use super::Store;
use crate::audit::AuditEntry;
use crate::error::Result;

/// One audit entry to write.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewEntry<'a> {
    pub(crate) at: i64,
    /// The user name of the account that made the change (or the name a sign-in was tried with).
    pub(crate) actor: &'a str,
    pub(crate) tenant_id: Option<&'a str>,
    pub(crate) action: &'a str,
    pub(crate) target: &'a str,
    pub(crate) detail: &'a str,
}

/// Writes an audit entry on `db` (a transaction, or the pool for what no signed-in account
/// did, such as a failed sign-in under the name it was tried with).
pub(crate) async fn insert<'c>(db: impl sqlx::Executor<'c, Database = Any>, entry: NewEntry<'_>) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (at, actor, tenant_id, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(entry.at)
        .bind(entry.actor)
        .bind(entry.tenant_id)
        .bind(entry.action)
        .bind(entry.target)
        .bind(entry.detail)
        .execute(db)
        .await?;
    Ok(())
}

impl Store {
    /// Writes an audit entry on its own, for what no signed-in account did (such as a failed
    /// sign-in under the name it was tried with).
    pub(crate) async fn insert_audit_entry(&self, entry: NewEntry<'_>) -> Result<()> {
        insert(&self.pool, entry).await
    }

    /// The newest `limit` audit entries, of one tenant or of all, newest first.
    pub(crate) async fn audit_entries(&self, tenant_id: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = match tenant_id {
            None => {
                sqlx::query("SELECT id, at, actor, tenant_id, action, target, detail FROM audit_log ORDER BY id DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
            Some(t) => {
                sqlx::query("SELECT id, at, actor, tenant_id, action, target, detail FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2")
                    .bind(t)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(entry_from_row).collect()
    }
}

fn entry_from_row(r: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        tenant_id: r.try_get("tenant_id")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        detail: r.try_get("detail")?,
    })
}
