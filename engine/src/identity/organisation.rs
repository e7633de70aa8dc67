//! The organisation tree of a tenant: units and the people in them, whom tasks are assigned to.
//!
//! Units and people are created, renamed or edited, moved and deactivated (and activated
//! again); nothing is deleted, so that history and the tasks that name a person keep their
//! names. A deactivated person can be given no task (see [`Engine::refuse_inactive_assignee`])
//! and no picker offers them; a deactivated unit holds no active people or sub-units, and no
//! one is put into it.
//!
//! Every change names the revision of the unit or person it saw (a change made meanwhile is
//! refused), checks the caller's tenant scope (a unit or person of another tenant is answered
//! like a missing one) and writes its audit entry in its transaction. The changes of one
//! tenant's organisation run one at a time ([`rows::lock_organisation`]), so that what a change
//! checks (no cycle, no active person left in a deactivated unit) still holds when it commits.

use super::input::{check_text, parse_code, parse_name};
use super::Account;
use crate::audit;
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::store::error::Written;
use crate::store::identity as rows;
use crate::store::{new_id, Tx};
use crate::Engine;

/// A unit of the organisation tree, and a person who can be assigned tasks.
pub use bpmn_core::identity::{OrgUnit, Person};

/// What an edit of a person sets: the name, the unit (a different one moves the person) and
/// the groups.
#[derive(Debug, Clone, Copy)]
pub struct PersonEdit<'a> {
    pub name: &'a str,
    pub unit_id: &'a str,
    pub groups: &'a [&'a str],
}

/// A change of one tenant's organisation under way: its transaction, which holds the
/// tenant's organisation lock, and the tenant's units as they are then.
struct OrgChange {
    tx: Tx,
    units: Vec<OrgUnit>,
}

impl OrgChange {
    /// Unit `id` of the tenant; another tenant's unit is answered like a missing one.
    fn unit(&self, id: &str) -> Result<&OrgUnit> {
        self.units.iter().find(|u| u.id == id).ok_or_else(|| unit_not_found(id))
    }

    /// The name of unit `id` for the audit log; the top of the tree when `None`.
    fn name_of(&self, id: Option<&str>) -> String {
        match id {
            Some(id) => self.units.iter().find(|u| u.id == id).map_or_else(|| id.to_string(), |u| u.name.clone()),
            None => TOP.to_string(),
        }
    }

    /// Whether `unit` is `ancestor` or lies below it.
    fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        let mut at = Some(unit);
        // A stored tree has no cycle; the bound only keeps a broken one from looping.
        for _ in 0..=self.units.len() {
            match at {
                Some(id) if id == ancestor => return true,
                Some(id) => at = self.units.iter().find(|u| u.id == id).and_then(|u| u.parent_id.as_deref()),
                None => return false,
            }
        }
        false
    }

    /// Writes `unit` where it is still at `revision`, records `action` with `detail`, commits;
    /// answers the unit as it is then.
    async fn save_unit(
        mut self,
        engine: &Engine,
        caller: &Account,
        unit: OrgUnit,
        revision: i64,
        action: &str,
        detail: &str,
    ) -> Result<OrgUnit> {
        if !matches!(rows::update_org_unit(&mut self.tx, &unit, revision).await?, Written::Done) {
            return Err(unit_changed(&unit.id));
        }
        let now = engine.clock.now();
        audit::record(&mut self.tx, now, caller, Some(&unit.tenant_id), action, &unit.id, detail).await?;
        self.tx.commit().await?;
        Ok(OrgUnit { revision: revision + 1, ..unit })
    }

    /// As [`OrgChange::save_unit`] for a person.
    async fn save_person(
        mut self,
        engine: &Engine,
        caller: &Account,
        person: Person,
        revision: i64,
        action: &str,
        detail: &str,
    ) -> Result<Person> {
        if !matches!(rows::update_person(&mut self.tx, &person, revision).await?, Written::Done) {
            return Err(person_changed(&person.id));
        }
        let now = engine.clock.now();
        audit::record(&mut self.tx, now, caller, Some(&person.tenant_id), action, &person.id, detail).await?;
        self.tx.commit().await?;
        Ok(Person { revision: revision + 1, ..person })
    }
}

impl Engine {
    /// Adds an organisation unit under `parent_id` (an active unit of the tenant) or at the top.
    pub async fn create_org_unit(
        &self,
        caller: &Account,
        tenant_id: &str,
        parent_id: Option<&str>,
        name: &str,
    ) -> Result<OrgUnit> {
        self.get_tenant(caller, tenant_id).await?;
        let name = parse_name("name", "ident.word.unit_name", name)?;
        let mut change = self.begin_org_change(tenant_id).await?;
        if let Some(parent) = parent_id {
            // A unit of another tenant is refused exactly like a missing one: the answer must
            // not tell whether the id exists elsewhere.
            let unit = change.unit(parent)?;
            if !unit.active {
                return Err(EngineError::invalid("parent", unit_inactive(unit)));
            }
        }
        let unit = OrgUnit {
            id: new_id(),
            tenant_id: tenant_id.into(),
            parent_id: parent_id.map(Into::into),
            name,
            active: true,
            revision: 1,
        };
        let now = self.clock.now();
        rows::insert_org_unit(&mut change.tx, &unit).await?;
        audit::record(&mut change.tx, now, caller, Some(tenant_id), "org.unit.create", &unit.id, &unit.name).await?;
        change.tx.commit().await?;
        Ok(unit)
    }

    /// Adds a person to an active unit.
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
        let mut change = self.begin_org_change(&unit.tenant_id).await?;
        let unit = change.unit(unit_id)?;
        if !unit.active {
            return Err(EngineError::invalid("unit", unit_inactive(unit)));
        }
        let person = Person {
            id,
            tenant_id: unit.tenant_id.clone(),
            unit_id: unit.id.clone(),
            name,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            active: true,
            revision: 1,
        };
        let now = self.clock.now();
        if matches!(rows::insert_person(&mut change.tx, &person).await?, Written::Duplicate(_)) {
            return Err(EngineError::invalid("id", Text::new("ident.person_exists").with("id", &person.id)));
        }
        audit::record(
            &mut change.tx,
            now,
            caller,
            Some(&person.tenant_id),
            "org.person.create",
            &person.id,
            &person.name,
        )
        .await?;
        change.tx.commit().await?;
        Ok(person)
    }

    /// Renames a unit still at `revision`.
    pub async fn rename_org_unit(&self, caller: &Account, id: &str, name: &str, revision: i64) -> Result<OrgUnit> {
        let name = parse_name("name", "ident.word.unit_name", name)?;
        let change = self.unit_change(caller, id, revision).await?;
        let current = change.unit(id)?.clone();
        let detail = format!("{} → {name}", current.name);
        let renamed = OrgUnit { name, ..current };
        change.save_unit(self, caller, renamed, revision, "org.unit.rename", &detail).await
    }

    /// Moves a unit still at `revision` (with everything below it) under `parent_id`, a unit of
    /// the same tenant, or to the top. Refused under the unit itself or one of its sub-units,
    /// and (for an active unit) under a deactivated one.
    pub async fn move_org_unit(
        &self,
        caller: &Account,
        id: &str,
        parent_id: Option<&str>,
        revision: i64,
    ) -> Result<OrgUnit> {
        let change = self.unit_change(caller, id, revision).await?;
        let current = change.unit(id)?.clone();
        if let Some(parent) = parent_id {
            let target = change.unit(parent)?;
            if change.is_within(parent, id) {
                let text = Text::new("ident.unit_move_cycle").with("name", &current.name).with("parent", &target.name);
                return Err(EngineError::invalid("parent", text));
            }
            if current.active && !target.active {
                return Err(EngineError::invalid("parent", unit_inactive(target)));
            }
        }
        let detail = format!(
            "{}: {} → {}",
            current.name,
            change.name_of(current.parent_id.as_deref()),
            change.name_of(parent_id)
        );
        let moved = OrgUnit { parent_id: parent_id.map(Into::into), ..current };
        change.save_unit(self, caller, moved, revision, "org.unit.move", &detail).await
    }

    /// Deactivates (`active` false) or activates again a unit still at `revision`. A unit is
    /// deactivated only when it holds no active people and no active sub-units; it is
    /// activated only under an active parent.
    pub async fn set_org_unit_active(
        &self,
        caller: &Account,
        id: &str,
        active: bool,
        revision: i64,
    ) -> Result<OrgUnit> {
        let mut change = self.unit_change(caller, id, revision).await?;
        let current = change.unit(id)?.clone();
        if current.active == active {
            let key = if active { "ident.unit_already_active" } else { "ident.unit_already_inactive" };
            return Err(EngineError::conflict(ConflictReason::AlreadyDone, Text::new(key).with("name", &current.name)));
        }
        if active {
            if let Some(parent) = current.parent_id.as_deref() {
                let parent = change.unit(parent)?;
                if !parent.active {
                    let text = Text::new("ident.unit_parent_inactive")
                        .with("parent", &parent.name)
                        .with("name", &current.name);
                    return Err(EngineError::Invalid { field: None, text });
                }
            }
        } else {
            let units = change.units.iter().filter(|u| u.active && u.parent_id.as_deref() == Some(id)).count();
            let people = rows::active_people_in(&mut change.tx, id).await?;
            if units > 0 || people > 0 {
                let text = Text::new("ident.unit_still_used")
                    .with("name", &current.name)
                    .with("people", people)
                    .with("units", units);
                return Err(EngineError::conflict(ConflictReason::InUse, text));
            }
        }
        let action = if active { "org.unit.activate" } else { "org.unit.deactivate" };
        let detail = current.name.clone();
        let changed = OrgUnit { active, ..current };
        change.save_unit(self, caller, changed, revision, action, &detail).await
    }

    /// Edits a person still at `revision`: name, unit (an active person moves only into an
    /// active unit of the same tenant) and groups.
    pub async fn update_person(
        &self,
        caller: &Account,
        id: &str,
        edit: &PersonEdit<'_>,
        revision: i64,
    ) -> Result<Person> {
        let name = parse_name("name", "ident.word.person_name", edit.name)?;
        for g in edit.groups {
            check_text("groups", g)?;
        }
        let (change, current) = self.person_change(caller, id, revision).await?;
        let unit = change.unit(edit.unit_id)?;
        if current.active && !unit.active && unit.id != current.unit_id {
            return Err(EngineError::invalid("unit", unit_inactive(unit)));
        }
        let groups: Vec<String> = edit.groups.iter().map(|g| g.to_string()).collect();
        let mut changes = Vec::new();
        if name != current.name {
            changes.push(format!("{} → {name}", current.name));
        }
        if unit.id != current.unit_id {
            changes.push(format!("{} → {}", change.unit(&current.unit_id).map_or(TOP, |u| u.name.as_str()), unit.name));
        }
        if groups != current.groups {
            changes.push(format!("[{}] → [{}]", current.groups.join(","), groups.join(",")));
        }
        if changes.is_empty() {
            // Nothing to change: nothing written, nothing recorded.
            return Ok(current);
        }
        let detail = format!("{} ({}): {}", current.name, current.id, changes.join("; "));
        let edited = Person { name, unit_id: unit.id.clone(), groups, ..current };
        change.save_person(self, caller, edited, revision, "org.person.update", &detail).await
    }

    /// Deactivates (`active` false) or activates again a person still at `revision`. A
    /// deactivated person keeps their history and the tasks they hold but can be given no
    /// task; a person is activated again only in an active unit.
    pub async fn set_person_active(&self, caller: &Account, id: &str, active: bool, revision: i64) -> Result<Person> {
        let (change, current) = self.person_change(caller, id, revision).await?;
        if current.active == active {
            let key = if active { "ident.person_already_active" } else { "ident.person_already_inactive" };
            return Err(EngineError::conflict(
                ConflictReason::AlreadyDone,
                Text::new(key).with("person", &current.name),
            ));
        }
        if active {
            let unit = change.unit(&current.unit_id)?;
            if !unit.active {
                let text =
                    Text::new("ident.person_unit_inactive").with("person", &current.name).with("unit", &unit.name);
                return Err(EngineError::Invalid { field: None, text });
            }
        }
        let action = if active { "org.person.activate" } else { "org.person.deactivate" };
        let detail = format!("{} ({})", current.name, current.id);
        let changed = Person { active, ..current };
        change.save_person(self, caller, changed, revision, action, &detail).await
    }

    /// Refuses to give a task of `tenant_id` to `person_id` when that is a deactivated person
    /// of the tenant (reassign, claim, set assignee, delegate). An id that is no person of the
    /// tenant is not refused here: Camunda's task API gives tasks to user ids the organisation
    /// does not know.
    pub(crate) async fn refuse_inactive_assignee(&self, tenant_id: &str, person_id: &str) -> Result<()> {
        match self.store.inactive_person_name(tenant_id, person_id).await? {
            Some(name) => Err(EngineError::invalid(
                "assignee",
                Text::new("ident.person_inactive").with("person", &name).with("id", person_id),
            )),
            None => Ok(()),
        }
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

    /// A person the caller may see; a person of another tenant is answered like a missing one.
    pub async fn person(&self, caller: &Account, id: &str) -> Result<Person> {
        let not_found = || EngineError::NotFound { what: "thing.person", id: id.to_string() };
        let person = self.store.person(id).await?.ok_or_else(not_found)?;
        if !caller.can_access(&person.tenant_id) {
            return Err(not_found());
        }
        Ok(person)
    }

    /// Begins a change of the organisation of `tenant_id` (see [`OrgChange`]).
    async fn begin_org_change(&self, tenant_id: &str) -> Result<OrgChange> {
        let mut tx = self.store.begin().await?;
        rows::lock_organisation(&mut tx, tenant_id).await?;
        let units = rows::org_units_in(&mut tx, tenant_id).await?;
        Ok(OrgChange { tx, units })
    }

    /// Begins a change of unit `id`, which the caller may see and which is still at `revision`.
    async fn unit_change(&self, caller: &Account, id: &str, revision: i64) -> Result<OrgChange> {
        let unit = self.org_unit(caller, id).await?;
        let change = self.begin_org_change(&unit.tenant_id).await?;
        if change.unit(id)?.revision != revision {
            return Err(unit_changed(id));
        }
        Ok(change)
    }

    /// Begins a change of person `id`, which the caller may see and which is still at
    /// `revision`; answers the person as the change reads them.
    async fn person_change(&self, caller: &Account, id: &str, revision: i64) -> Result<(OrgChange, Person)> {
        let person = self.person(caller, id).await?;
        let mut change = self.begin_org_change(&person.tenant_id).await?;
        let current = rows::person_in(&mut change.tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound { what: "thing.person", id: id.to_string() })?;
        if current.revision != revision {
            return Err(person_changed(id));
        }
        Ok((change, current))
    }

    /// The organisation units of a tenant (flat; `parent_id` gives the tree), the deactivated
    /// ones included.
    pub async fn org_units(&self, caller: &Account, tenant_id: &str) -> Result<Vec<OrgUnit>> {
        self.get_tenant(caller, tenant_id).await?;
        self.store.org_units(tenant_id).await
    }

    /// The people of a tenant, by name, the deactivated ones included.
    pub async fn people(&self, caller: &Account, tenant_id: &str) -> Result<Vec<Person>> {
        self.get_tenant(caller, tenant_id).await?;
        self.store.people(tenant_id).await
    }
}

/// How the audit log names the top of the tree.
const TOP: &str = "(top)";

fn unit_not_found(id: &str) -> EngineError {
    EngineError::NotFound { what: "thing.org_unit", id: id.to_string() }
}

fn unit_changed(id: &str) -> EngineError {
    EngineError::ChangedMeanwhile { what: "thing.org_unit", id: id.to_string() }
}

fn person_changed(id: &str) -> EngineError {
    EngineError::ChangedMeanwhile { what: "thing.person", id: id.to_string() }
}

/// The refusal of a deactivated unit where an active one is needed.
fn unit_inactive(unit: &OrgUnit) -> Text {
    Text::new("ident.unit_inactive").with("name", &unit.name)
}

#[cfg(test)]
mod tests;
