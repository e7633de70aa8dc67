//! The audit log: every change made through the console or the API, who and when.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::error::Result;
use crate::identity::Account;
use crate::Engine;

/// One audit entry, as shown to administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub tenant_id: Option<String>,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// Writes an audit entry inside the transaction of the change it records, so the log
/// never claims a change that was rolled back.
pub(crate) async fn record(
    tx: &mut Transaction<'static, Any>,
    at: i64,
    actor: &Account,
    tenant_id: Option<&str>,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    insert(&mut **tx, at, &actor.username, tenant_id, action, target, detail).await
}

/// Writes an audit entry on `db` (a transaction, or the pool for what no signed-in account
/// did, such as a failed sign-in under the name it was tried with).
pub(crate) async fn insert<'c>(
    db: impl sqlx::Executor<'c, Database = Any>,
    at: i64,
    actor: &str,
    tenant_id: Option<&str>,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (at, actor, tenant_id, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(at)
        .bind(actor)
        .bind(tenant_id)
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(db)
        .await?;
    Ok(())
}

impl Engine {
    /// The newest audit entries the caller may see, newest first.
    pub async fn audit_log(&self, caller: &Account, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = match caller.tenant_scope() {
            None => {
                sqlx::query("SELECT id, at, actor, tenant_id, action, target, detail FROM audit_log ORDER BY id DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(&self.store.pool)
                    .await?
            }
            Some(t) => {
                sqlx::query("SELECT id, at, actor, tenant_id, action, target, detail FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2")
                    .bind(t)
                    .bind(limit)
                    .fetch_all(&self.store.pool)
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
