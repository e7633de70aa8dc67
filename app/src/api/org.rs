//! Server functions that change the 机构 Organisation: rename and move a unit, edit (and so
//! move) a person, deactivate and activate units and people. Each names the revision the page
//! shows, so that a change made meanwhile is refused instead of overwritten. Listing and
//! adding are in `api.rs` (`load_org`, `create_org_unit`, `create_person`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::api::{OrgUnit, Person};
use crate::error::AppError;

/// Renames a unit.
#[server(endpoint = "org_unit_rename", input = Json)]
pub async fn rename_org_unit(id: String, name: String, revision: i64) -> Result<OrgUnit, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.rename_org_unit(&s.session.account, &id, &name, revision).await?)
}

/// Moves a unit under `parent_id`, or to the top when it is empty.
#[server(endpoint = "org_unit_move", input = Json)]
pub async fn move_org_unit(id: String, parent_id: Option<String>, revision: i64) -> Result<OrgUnit, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let parent = parent_id.filter(|p| !p.is_empty());
    Ok(engine()?.move_org_unit(&s.session.account, &id, parent.as_deref(), revision).await?)
}

/// Deactivates (`active` false) or activates a unit.
#[server(endpoint = "org_unit_active", input = Json)]
pub async fn set_org_unit_active(id: String, active: bool, revision: i64) -> Result<OrgUnit, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.set_org_unit_active(&s.session.account, &id, active, revision).await?)
}

/// Edits a person: name, unit (a move) and groups (comma-separated).
#[server(endpoint = "org_person_update", input = Json)]
pub async fn update_person(
    id: String,
    name: String,
    unit_id: String,
    groups: String,
    revision: i64,
) -> Result<Person, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    if unit_id.trim().is_empty() {
        return Err(AppError::invalid("unit", bpmn_core::text::Text::new("ident.person_needs_unit")));
    }
    let groups: Vec<&str> = groups.split([',', '，']).map(str::trim).filter(|g| !g.is_empty()).collect();
    let edit = engine::identity::PersonEdit { name: &name, unit_id: &unit_id, groups: &groups };
    Ok(engine()?.update_person(&s.session.account, &id, &edit, revision).await?)
}

/// Deactivates (`active` false) or activates a person.
#[server(endpoint = "org_person_active", input = Json)]
pub async fn set_person_active(id: String, active: bool, revision: i64) -> Result<Person, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.set_person_active(&s.session.account, &id, active, revision).await?)
}
