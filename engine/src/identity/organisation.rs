//! The organisation tree of a tenant: units and the people in them, whom tasks are assigned to.

use super::input::{check_text, parse_code, parse_name};
use super::Account;
use crate::audit;
use crate::error::{EngineError, Result, Text};
use crate::store::error::Written;
use crate::store::identity as rows;
use crate::store::new_id;
use crate::Engine;

/// A unit of the organisation tree, and a person who can be assigned tasks.
pub use bpmn_core::identity::{OrgUnit, Person};

impl Engine {
    /// Adds an organisation unit under `parent_id` (or at the top).
    pub async fn create_org_unit(
        &self,
        caller: &Account,
        tenant_id: &str,
        parent_id: Option<&str>,
        name: &str,
    ) -> Result<OrgUnit> {
        self.get_tenant(caller, tenant_id).await?;
        let name = parse_name("name", "ident.word.unit_name", name)?;
        if let Some(parent) = parent_id {
            // A unit of another tenant is refused exactly like a missing one: the answer must
            // not tell whether the id exists elsewhere.
            let unit = self.org_unit(caller, parent).await?;
            if unit.tenant_id != tenant_id {
                return Err(unit_not_found(parent));
            }
        }
        let unit = OrgUnit { id: new_id(), tenant_id: tenant_id.into(), parent_id: parent_id.map(Into::into), name };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        rows::insert_org_unit(&mut tx, &unit).await?;
        audit::record(&mut tx, now, caller, Some(tenant_id), "org.unit.create", &unit.id, &unit.name).await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Adds a person to a unit.
    pub async fn create_person(
        &self,
        caller: &Account,
        unit_id: &str,
        id: Option<&str>,
        name: &str,
        groups: &[&str],
    ) -> Result<Person> {
        let unit = self.org_unit(caller, unit_id).await?;
        let name = parse_name("name", "ident.word.person_name", name)?;
        for g in groups {
            check_text("groups", g)?;
        }
        let id = match id {
            Some(id) => parse_code("id", id)?,
            None => new_id(),
        };
        let person = Person {
            id,
            tenant_id: unit.tenant_id.clone(),
            unit_id: unit.id,
            name,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if matches!(rows::insert_person(&mut tx, &person).await?, Written::Duplicate(_)) {
            return Err(EngineError::invalid("id", Text::new("ident.person_exists").with("id", &person.id)));
        }
        audit::record(&mut tx, now, caller, Some(&person.tenant_id), "org.person.create", &person.id, &person.name)
            .await?;
        tx.commit().await?;
        Ok(person)
    }

    /// A unit the caller may see; a unit of another tenant is answered like a missing one.
    async fn org_unit(&self, caller: &Account, unit_id: &str) -> Result<OrgUnit> {
        let not_found = || unit_not_found(unit_id);
        let unit = self.store.org_unit(unit_id).await?.ok_or_else(not_found)?;
        if !caller.can_access(&unit.tenant_id) {
            return Err(not_found());
        }
        Ok(unit)
    }

    /// The organisation units of a tenant (flat; `parent_id` gives the tree).
    pub async fn org_units(&self, caller: &Account, tenant_id: &str) -> Result<Vec<OrgUnit>> {
        self.get_tenant(caller, tenant_id).await?;
        self.store.org_units(tenant_id).await
    }

    /// The people of a tenant, by name.
    pub async fn people(&self, caller: &Account, tenant_id: &str) -> Result<Vec<Person>> {
        self.get_tenant(caller, tenant_id).await?;
        self.store.people(tenant_id).await
    }
}

fn unit_not_found(id: &str) -> EngineError {
    EngineError::NotFound { what: "thing.org_unit", id: id.to_string() }
}
