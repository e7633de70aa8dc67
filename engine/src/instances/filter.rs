//! Instance lists filtered and ordered the way Camunda 7's REST API asks for them
//! (`/engine-rest/process-instance`): by definition key or id, business key, state, tenants and
//! instance ids, paged by offset, with a count. Only instances that have not ended are listed,
//! as in Camunda's runtime API (ended instances are history). The variables of one instance,
//! and changing several in one command, are here too.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::command::{Plan, StepCtx};
use super::ops::check_variables;
use super::{InstanceStatus, InstanceSummary};
use crate::error::{EngineError, Result, Text};
use crate::identity::Account;
use crate::rules;
use crate::Engine;

/// What [`InstanceFilter`] orders by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InstanceOrderBy {
    /// The start time (Camunda has no such order on the runtime list; it is the natural one).
    #[default]
    StartTime,
    InstanceId,
    DefinitionKey,
    DefinitionId,
    BusinessKey,
    TenantId,
}

/// Filters of [`Engine::filter_instances`] and [`Engine::count_instances`]. Empty lists and
/// `None` filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InstanceFilter {
    /// Any of these tenants.
    pub tenants: Vec<String>,
    pub definition_key: Option<String>,
    pub definition_id: Option<String>,
    /// Exactly this business key.
    pub business_key: Option<String>,
    /// Business keys containing this text (`%` of Camunda's `businessKeyLike` are stripped
    /// by the caller).
    pub business_key_like: Option<String>,
    /// Only running (not suspended) instances.
    pub active: bool,
    /// Only suspended instances.
    pub suspended: bool,
    /// Any of these instances.
    pub ids: Vec<String>,
    pub order_by: InstanceOrderBy,
    pub descending: bool,
    /// Rows skipped.
    pub offset: i64,
    /// Rows answered at most (capped at 1,000).
    pub limit: i64,
}

/// The largest page of a filtered list.
pub const MAX_FILTER_PAGE: i64 = 1_000;

impl InstanceFilter {
    /// The tenants the caller may see of those asked for: a tenant manager's own (none
    /// matches when they asked only for others).
    pub(crate) fn scoped_tenants(&self, caller: &Account) -> Vec<String> {
        scoped_tenants(caller, &self.tenants)
    }
}

/// `asked` narrowed to the caller's tenant scope. An administrator gets `asked` (all tenants
/// when empty); a tenant manager gets their own tenant, or a tenant no row has when they asked
/// only for others, so that other tenants' rows look missing.
pub(crate) fn scoped_tenants(caller: &Account, asked: &[String]) -> Vec<String> {
    match caller.tenant_scope() {
        None => asked.to_vec(),
        Some(own) if asked.is_empty() || asked.iter().any(|t| t == own) => vec![own.to_owned()],
        Some(_) => vec![String::new()],
    }
}

impl Engine {
    /// One page of the instances that have not ended, filtered and ordered as asked.
    pub async fn filter_instances(&self, caller: &Account, f: &InstanceFilter) -> Result<Vec<InstanceSummary>> {
        let limit = f.limit.clamp(0, MAX_FILTER_PAGE);
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.store.filtered_instances(&f.scoped_tenants(caller), f, Some((f.offset.max(0), limit))).await
    }

    /// How many instances that have not ended match `f` (its order and page ignored).
    pub async fn count_instances(&self, caller: &Account, f: &InstanceFilter) -> Result<i64> {
        self.store.count_filtered_instances(&f.scoped_tenants(caller), f).await
    }

    /// The variables of an instance (running, suspended or ended); 404 when it is unknown or
    /// of another tenant.
    pub async fn process_instance_variables(&self, caller: &Account, id: &str) -> Result<Map<String, Value>> {
        let row = self.store.instance_row(id).await?;
        match row {
            Some(row) if caller.can_access(&row.tenant_id) => Ok(row.state.variables),
            _ => Err(EngineError::NotFound { what: "thing.instance", id: id.to_owned() }),
        }
    }

    /// Sets the variables of `modifications` and removes those of `deletions` of a running or
    /// suspended instance, in one command (all or nothing). Removing a variable the instance
    /// does not have changes nothing, as in Camunda.
    pub async fn modify_variables(
        &self,
        caller: &Account,
        id: &str,
        modifications: Map<String, Value>,
        deletions: Vec<String>,
    ) -> Result<()> {
        check_variables(&modifications)?;
        if let Some(both) = deletions.iter().find(|d| modifications.contains_key(d.as_str())) {
            return Err(EngineError::invalid(
                "deletions",
                Text::new("run.variable_set_and_deleted").with("name", both),
            ));
        }
        self.instance_for(caller, id).await?;
        self.run_command(id, None, |inst| {
            rules::require_state(
                &inst.id,
                inst.status,
                &[InstanceStatus::Running, InstanceStatus::Suspended],
                Text::new("run.op.change_variable"),
                Text::new("run.hint.variables_are_history"),
            )?;
            let removed: Vec<&String> = deletions.iter().filter(|d| inst.state.variables.contains_key(*d)).collect();
            let mut changes: Vec<(String, Option<Value>)> =
                modifications.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
            changes.extend(removed.iter().map(|d| ((*d).clone(), None)));
            let detail = changes
                .iter()
                .map(|(k, v)| v.as_ref().map_or_else(|| format!("{k} removed"), |v| format!("{k} = {v}")))
                .collect::<Vec<_>>()
                .join(", ");
            Ok(Plan {
                ctx: StepCtx { actor: caller.username.clone(), ..StepCtx::default() },
                operation: (!changes.is_empty()).then(|| ("set-variable".into(), detail, String::new())),
                set_variables: changes,
                ..Plan::default()
            })
        })
        .await?;
        Ok(())
    }
}
