//! Tenants: listing, reading within the caller's scope, creating and renaming.

use super::input::{parse_code, parse_tenant_name};
use super::Account;
use crate::audit;
use crate::error::{EngineError, Result, Text};
use crate::store::error::Written;
use crate::store::identity as rows;
use crate::store::new_id;
use crate::Engine;

/// A tenant.
pub use bpmn_core::identity::Tenant;

impl Engine {
    /// The tenants the caller may see, by name.
    pub async fn list_tenants(&self, caller: &Account) -> Result<Vec<Tenant>> {
        let all = self.store.tenants().await?;
        Ok(all.into_iter().filter(|t| caller.can_access(&t.id)).collect())
    }

    /// One tenant, if the caller may see it.
    pub async fn get_tenant(&self, caller: &Account, id: &str) -> Result<Tenant> {
        let not_found = || EngineError::NotFound { what: "thing.tenant", id: id.to_string() };
        if !caller.can_access(id) {
            return Err(not_found());
        }
        self.store.tenant(id).await?.ok_or_else(not_found)
    }

    /// Creates a tenant (administrators only). `id` is optional; a random one is made if absent.
    pub async fn create_tenant(&self, caller: &Account, id: Option<&str>, name: &str) -> Result<Tenant> {
        caller.require_admin("ident.action.create_tenants")?;
        let name = parse_tenant_name(name)?;
        let id = match id.map(str::trim) {
            Some(id) if !id.is_empty() => parse_code("id", id)?,
            _ => new_id(),
        };
        let now = self.clock.now();
        let tenant = Tenant { id, name, created_at: now, revision: 1 };
        let mut tx = self.store.begin().await?;
        if matches!(rows::insert_tenant(&mut tx, &tenant).await?, Written::Duplicate(_)) {
            let (name, id) = (&tenant.name, &tenant.id);
            return Err(EngineError::invalid(
                "name",
                Text::new("ident.tenant_exists").with("name", name).with("id", id),
            ));
        }
        audit::record(&mut tx, now, caller, Some(&tenant.id), "tenant.create", &tenant.id, &tenant.name).await?;
        tx.commit().await?;
        Ok(tenant)
    }

    /// Renames a tenant. `revision` is the one the caller saw; a different current revision
    /// means someone else changed the tenant meanwhile, and the rename is refused.
    pub async fn rename_tenant(&self, caller: &Account, id: &str, name: &str, revision: i64) -> Result<Tenant> {
        let name = parse_tenant_name(name)?;
        let current = self.get_tenant(caller, id).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        match rows::rename_tenant(&mut tx, id, &name, revision).await? {
            Written::Done => {}
            Written::Duplicate(_) => {
                return Err(EngineError::invalid("name", Text::new("ident.tenant_name_taken").with("name", &name)))
            }
            Written::NoRow => return Err(EngineError::ChangedMeanwhile { what: "thing.tenant", id: id.to_string() }),
        }
        let detail = format!("{} → {}", current.name, name);
        audit::record(&mut tx, now, caller, Some(id), "tenant.rename", id, &detail).await?;
        tx.commit().await?;
        Ok(Tenant { name, revision: revision + 1, ..current })
    }
}
