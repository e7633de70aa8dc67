//! Reading the runtime: the instance and task lists (keyset-paged, filtered, searched), one
//! instance with everything the detail screen shows, one task, the change token the lists
//! poll, and the instance diagram with its overlay.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::loaded::{node_label, Loaded};
use super::{ActiveActivity, InstanceDetail, InstanceStatus, InstanceSummary, MoveTarget, Task};
use crate::bpmn::render::{ActivityState, Overlay};
use crate::error::{EngineError, Result};
use crate::identity::Account;
use crate::runtime::{self, TokenId};
use crate::store::instances::instance_cursor;
use crate::store::sql::{page_size, Page};
use crate::store::tasks::task_cursor;
use crate::Engine;

/// The instance list's quick categories.
pub use bpmn_core::instance::InstanceCategory;

/// The instance list's and the task list's orders.
pub use bpmn_core::page::{InstanceSort, TaskOrder};

/// Filters of [`Engine::list_instances`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InstanceQuery {
    pub tenant: Option<String>,
    pub category: InstanceCategory,
    /// Words that must all occur, in any case, in what an instance is found by: its business key,
    /// the process's name and key, the initiator's login and name (see `store::sql::search`).
    pub definition_name: Option<String>,
    /// Case-insensitive part of the initiator.
    pub initiator: Option<String>,
    /// Only instances of this definition version.
    pub definition_id: Option<String>,
    /// Started at or after (epoch ms).
    pub started_after: Option<i64>,
    /// Started before (epoch ms).
    pub started_before: Option<i64>,
    pub sort: InstanceSort,
    pub cursor: Option<String>,
    pub limit: i64,
}

/// The task list's categories.
pub use bpmn_core::task::TaskCategory;

/// Filters of [`Engine::list_tasks`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TaskQuery {
    pub tenant: Option<String>,
    pub category: TaskCategory,
    /// Words that must all occur, in any case, in what a task is found by (the console's search
    /// box): its name, the assignee's login and name, the candidate groups, the business key, the
    /// process's name and key (see `store::sql::search`).
    pub search: Option<String>,
    /// Case-insensitive part of the task name.
    pub name: Option<String>,
    /// Exactly this assignee.
    pub assignee: Option<String>,
    pub instance_id: Option<String>,
    pub sort: TaskOrder,
    pub cursor: Option<String>,
    pub limit: i64,
}

/// The tenant whose rows the caller may see and asked for (all when `None`).
fn tenant_scope<'a>(caller: &'a Account, tenant: &'a Option<String>) -> Option<&'a str> {
    caller.tenant_scope().or(tenant.as_deref())
}

/// The task read as `row` (with its token and what else was read beside it), or 404 when it
/// is unknown or not the caller's.
fn visible_task<T>(caller: &Account, id: &str, row: Option<(Task, i64, T)>) -> Result<(Task, TokenId, T)> {
    match row {
        Some((task, token, more)) if caller.can_access(&task.tenant_id) => Ok((task, token as TokenId, more)),
        _ => Err(EngineError::NotFound { what: "thing.task", id: id.to_owned() }),
    }
}

/// Fetches one page (`limit + 1` rows tell whether there is a next one) and its total.
fn split_page<T>(mut items: Vec<T>, limit: i64, total: Option<i64>, key: impl Fn(&T) -> String) -> Page<T> {
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next = if has_more { items.last().map(key) } else { None };
    Page { items, next, total }
}

impl Engine {
    /// The change token of the runtime lists: it moves whenever an instance or task changes.
    /// One index probe, so polling it costs almost nothing.
    pub async fn runtime_change_token(&self) -> Result<i64> {
        self.store.runtime_change_stamp().await
    }

    /// Lists instances, one page at a time; a first page (no cursor) with its total.
    pub async fn list_instances(&self, caller: &Account, q: &InstanceQuery) -> Result<Page<InstanceSummary>> {
        let limit = page_size(q.limit);
        let tenant = tenant_scope(caller, &q.tenant);
        let (mut items, dense) = self.store.instance_page(tenant, q, limit).await?;
        self.name_initiators(&mut items).await?;
        // Later pages do not count again: paging and the lists' live refresh stay one query.
        let total = match q.cursor {
            None => Some(self.store.instance_total(tenant, q, dense).await?),
            Some(_) => None,
        };
        Ok(split_page(items, limit, total, |i| instance_cursor(q, i)))
    }

    /// Lists tasks, one page at a time; a first page (no cursor) with its total.
    pub async fn list_tasks(&self, caller: &Account, q: &TaskQuery) -> Result<Page<Task>> {
        let now = self.clock.now();
        let limit = page_size(q.limit);
        let tenant = tenant_scope(caller, &q.tenant);
        let (mut items, dense) = self.store.task_page(tenant, q, now, limit).await?;
        self.name_candidates(&mut items).await?;
        let total = match q.cursor {
            None => Some(self.store.task_total(tenant, q, now, dense).await?),
            Some(_) => None,
        };
        Ok(split_page(items, limit, total, |t| task_cursor(q, t)))
    }

    /// One task; 404 when unknown or not visible.
    pub async fn task(&self, caller: &Account, id: &str) -> Result<Task> {
        Ok(self.task_and_token(caller, id).await?.0)
    }

    /// One task and the token that waits in it.
    pub(super) async fn task_and_token(&self, caller: &Account, id: &str) -> Result<(Task, TokenId)> {
        let row = self.store.task_with_token(id, self.clock.now()).await?;
        let (task, token, ()) = visible_task(caller, id, row.map(|(task, token)| (task, token, ())))?;
        Ok((task, token))
    }

    /// One task, the token that waits in it and its instance as a command reads it, in one
    /// query.
    pub(super) async fn task_for_command(&self, caller: &Account, id: &str) -> Result<(Task, TokenId, Loaded)> {
        let row = self.store.task_for_command(id, self.clock.now()).await?;
        let (task, token, row) = visible_task(caller, id, row)?;
        Ok((task, token, self.loaded(row).await?))
    }

    /// One instance as listed; 404 when unknown or not visible.
    pub async fn instance_summary(&self, caller: &Account, id: &str) -> Result<InstanceSummary> {
        let row = self.store.instance_summary(id).await?;
        let Some(summary) = row else {
            return Err(EngineError::NotFound { what: "thing.instance", id: id.to_owned() });
        };
        if !caller.can_access(&summary.tenant_id) {
            return Err(EngineError::NotFound { what: "thing.instance", id: id.to_owned() });
        }
        Ok(summary)
    }

    /// One instance with its variables, history, tasks, incidents, operations and jobs.
    pub async fn instance(&self, caller: &Account, id: &str) -> Result<InstanceDetail> {
        let summary = self.instance_summary(caller, id).await?;
        let inst = self.load_instance(id).await?;
        let history = self.store.activity_history(id).await?;
        let tasks = self.store.instance_tasks(id, self.clock.now()).await?;
        let incidents = self.store.instance_incidents(id).await?;
        let operations = self.store.operations(id).await?;
        let variable_history = self.store.variable_history(id).await?;
        let jobs = self.store.instance_jobs(id).await?;
        let children = self.store.child_instances(id).await?;
        let mut active: Vec<ActiveActivity> = Vec::new();
        for (_, node) in runtime::active_activities(&inst.process, &inst.state) {
            let Some(n) = inst.node(node) else { continue };
            match active.iter_mut().find(|a| a.activity_id == n.id) {
                Some(a) => a.tokens += 1,
                None => active.push(ActiveActivity {
                    activity_id: n.id.clone(),
                    name: node_label(n),
                    activity_type: n.tag.clone(),
                    tokens: 1,
                }),
            }
        }
        let move_targets = runtime::movable_activities(&inst.process)
            .into_iter()
            .filter_map(|i| inst.node(i))
            .map(|n| MoveTarget { activity_id: n.id.clone(), name: node_label(n), activity_type: n.tag.clone() })
            .collect();
        let mut detail = InstanceDetail {
            summary,
            variables: inst.state.variables.clone(),
            history,
            tasks,
            incidents,
            operations,
            variable_history,
            jobs,
            active,
            move_targets,
            children,
        };
        self.name_people_of(&mut detail).await?;
        Ok(detail)
    }

    /// The instance's diagram: completed activities and taken flows, active activities, and
    /// activities with an open incident coloured.
    pub async fn instance_diagram_svg(&self, caller: &Account, id: &str) -> Result<String> {
        let detail = self.instance(caller, id).await?;
        let def = self.definition(caller, &detail.summary.definition_id).await?;
        let inst = self.load_instance(id).await?;
        let mut overlay = Overlay::default();
        let mut visited: HashSet<&str> = HashSet::new();
        for h in &detail.history {
            visited.insert(&h.activity_id);
            if h.outcome.as_deref() == Some("completed") {
                overlay.activities.insert(h.activity_id.clone(), ActivityState::Completed);
            }
        }
        // Where a terminated instance stood: what its termination cancelled (at its end time).
        if detail.summary.state == InstanceStatus::Terminated {
            for h in &detail.history {
                if h.outcome.as_deref() == Some("cancelled")
                    && h.end_time.is_some()
                    && h.end_time == detail.summary.end_time
                {
                    overlay.activities.insert(h.activity_id.clone(), ActivityState::Stopped);
                }
            }
        }
        for a in &detail.active {
            overlay.activities.insert(a.activity_id.clone(), ActivityState::Active);
        }
        // Catch events, boundary events and event sub-process starts waiting for a message, a
        // signal or a timer are marked like active tasks.
        for (_, node, _) in runtime::waiting_events(&inst.process, &inst.state) {
            if let Some(n) = inst.node(node) {
                overlay.activities.insert(n.id.clone(), ActivityState::Active);
            }
        }
        for i in detail.incidents.iter().filter(|i| i.resolved.is_none()) {
            overlay.activities.insert(i.activity_id.clone(), ActivityState::Error);
        }
        // A flow was taken when its source completed and its target was reached.
        let completed: HashMap<&str, ()> =
            detail.history.iter().filter(|h| h.end_time.is_some()).map(|h| (h.activity_id.as_str(), ())).collect();
        for f in &inst.process.flows {
            let (Some(s), Some(t)) = (inst.node(f.source), inst.node(f.target)) else { continue };
            if completed.contains_key(s.id.as_str()) && visited.contains(t.id.as_str()) {
                overlay.taken_flows.insert(f.id.clone());
            }
        }
        crate::deploy::draw_diagram(&def.xml, overlay).map_err(|text| EngineError::Invalid { field: None, text })
    }
}
