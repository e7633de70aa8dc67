//! The counts shown on the overview page.

use serde::{Deserialize, Serialize};

use super::Account;
use crate::error::Result;
use crate::store::identity::TenantRows;
use crate::Engine;

/// Counts shown on the overview page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
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
        Ok(Overview {
            tenants: self.list_tenants(caller).await?.len() as i64,
            units: self.store.row_count(TenantRows::OrgUnits, scope).await?,
            people: self.store.row_count(TenantRows::People, scope).await?,
            catalog_nodes,
        })
    }
}
