//! The counts shown on the overview page: what runs and what needs attention first, then the
//! organisation and the catalog.

use serde::{Deserialize, Serialize};

use super::Account;
use crate::error::Result;
use crate::store::identity::TenantRows;
use crate::Engine;

/// Counts shown on the overview page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// Instances running (not suspended, not ended).
    pub running: i64,
    pub suspended: i64,
    pub open_incidents: i64,
    /// Active tasks past their due date.
    pub overdue_tasks: i64,
    /// Jobs in error (no retries left).
    pub failed_jobs: i64,
    pub tenants: i64,
    pub units: i64,
    pub people: i64,
    pub catalog_nodes: i64,
}

impl Engine {
    /// Counts within the caller's scope, narrowed to `tenant` when one is chosen.
    pub async fn overview(&self, caller: &Account, tenant: Option<&str>) -> Result<Overview> {
        let scope = caller.tenant_scope().or(tenant);
        let catalog_nodes = self.store.catalog_node_count().await?;
        let run = self.store.runtime_counts(scope, self.clock.now()).await?;
        Ok(Overview {
            running: run.running,
            suspended: run.suspended,
            open_incidents: run.open_incidents,
            overdue_tasks: run.overdue_tasks,
            failed_jobs: run.failed_jobs,
            tenants: self.list_tenants(caller).await?.len() as i64,
            units: self.store.row_count(TenantRows::OrgUnits, scope).await?,
            people: self.store.row_count(TenantRows::People, scope).await?,
            catalog_nodes,
        })
    }
}
