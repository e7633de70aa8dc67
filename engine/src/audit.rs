//! The audit log: every change made through the console or the API, who and when.

use serde::Serialize;

use crate::error::Result;
use crate::identity::Account;
use crate::store::audit::{insert, NewEntry};
use crate::store::Tx;
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
    tx: &mut Tx,
    at: i64,
    actor: &Account,
    tenant_id: Option<&str>,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    insert(&mut **tx, NewEntry { at, actor: &actor.username, tenant_id, action, target, detail }).await
}

impl Engine {
    /// The newest audit entries the caller may see, newest first.
    pub async fn audit_log(&self, caller: &Account, limit: i64) -> Result<Vec<AuditEntry>> {
        self.store.audit_entries(caller.tenant_scope(), limit).await
    }
}
