//! The task query in the shape of Camunda 7's (`GET /engine-rest/task`, `/history/task`):
//! filters, an order of one or more keys and an offset window, and the count of the same
//! filter; tasks read with what that API shows beside them (owner, delegation, the
//! definition, the business key). Restricted to the caller's tenant scope.

use serde_json::{Map, Value};

use super::Task;
use crate::error::{EngineError, Result};
use crate::history::{Sorting, Window};
use crate::identity::Account;
use crate::Engine;

/// Filters of [`Engine::find_tasks`]: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// Only these tenants (within the caller's scope); empty: all the caller sees.
    pub tenant_ids: Vec<String>,
    pub task_id: Option<String>,
    pub instance_id: Option<String>,
    pub business_key: Option<String>,
    pub definition_id: Option<String>,
    pub definition_key: Option<String>,
    /// The user task's element id (Camunda's `taskDefinitionKey`).
    pub activity_id: Option<String>,
    pub name: Option<String>,
    /// A `LIKE` pattern (`%` and `_` are wildcards, as in Camunda).
    pub name_like: Option<String>,
    pub assignee: Option<String>,
    /// A `LIKE` pattern.
    pub assignee_like: Option<String>,
    pub owner: Option<String>,
    /// Tasks this user is a candidate of; unassigned ones unless `include_assigned`.
    pub candidate_user: Option<String>,
    /// Tasks one of these groups is a candidate of; unassigned ones unless
    /// `include_assigned`.
    pub candidate_groups: Vec<String>,
    pub include_assigned: bool,
    /// `Some(false)`: without assignee; `Some(true)`: with one.
    pub assigned: Option<bool>,
    /// `PENDING` or `RESOLVED`.
    pub delegation_state: Option<String>,
    /// `Some(true)`: tasks of suspended instances; `Some(false)`: of the others.
    pub suspended: Option<bool>,
    /// `Some(false)`: active tasks only (the runtime query); `Some(true)`: ended ones (completed
    /// or cancelled); `None`: all (the history query).
    pub finished: Option<bool>,
    pub priority: Option<i64>,
    pub sort: Vec<Sorting<TaskSort>>,
}

/// Orders of tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskSort {
    Id,
    Name,
    Created,
    Due,
    Assignee,
    Owner,
    Priority,
    EndTime,
    Duration,
    InstanceId,
    DefinitionId,
    ActivityId,
    TenantId,
}

/// A task with what Camunda's task API shows beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    pub task: Task,
    /// Who delegated it (the assignee before the delegation).
    pub owner: Option<String>,
    /// `PENDING` while delegated, `RESOLVED` once the delegate resolved it.
    pub delegation_state: Option<String>,
    pub definition_id: String,
    pub definition_key: String,
    pub business_key: Option<String>,
    /// The token that waits in it.
    pub token: i64,
}

impl Engine {
    /// Tasks matching `f`, in its order, in `window`.
    /// A `candidate_user` is a candidate of the tasks of its organisation groups too.
    pub async fn find_tasks(&self, caller: &Account, f: &TaskFilter, window: Window) -> Result<Vec<TaskRecord>> {
        let groups = self.candidate_user_groups(caller, f).await?;
        self.store.find_tasks(caller.tenant_scope(), f, &groups, self.clock.now(), Some(window)).await
    }

    /// How many tasks [`Engine::find_tasks`] finds without a window.
    pub async fn count_tasks(&self, caller: &Account, f: &TaskFilter) -> Result<i64> {
        let groups = self.candidate_user_groups(caller, f).await?;
        self.store.count_tasks(caller.tenant_scope(), f, &groups).await
    }

    /// The organisation groups of the filter's candidate user (a person of the caller's scope).
    async fn candidate_user_groups(&self, caller: &Account, f: &TaskFilter) -> Result<Vec<String>> {
        match &f.candidate_user {
            Some(user) => self.store.person_groups(user, caller.tenant_scope()).await,
            None => Ok(Vec::new()),
        }
    }

    /// One task (in any state) with its owner, delegation and definition; 404 when unknown or
    /// not the caller's.
    pub async fn task_record(&self, caller: &Account, id: &str) -> Result<TaskRecord> {
        let f = TaskFilter { task_id: Some(id.to_owned()), ..TaskFilter::default() };
        let found = self.store.find_tasks(caller.tenant_scope(), &f, &[], self.clock.now(), None).await?;
        found.into_iter().next().ok_or_else(|| EngineError::NotFound { what: "thing.task", id: id.to_owned() })
    }

    /// The variables an active task sees: its instance's, overridden by those of the scopes
    /// that enclose its token (a sub-process, a multi-instance body), the nearest last. An
    /// ended task sees its instance's variables as they are now.
    pub async fn task_variables(&self, caller: &Account, id: &str) -> Result<Map<String, Value>> {
        let record = self.task_record(caller, id).await?;
        let inst = self.load_instance(&record.task.instance_id).await?;
        Ok(visible_variables(&inst.state, record.token as crate::runtime::TokenId))
    }
}

/// What `token` sees in `state`: the instance's variables overridden by the local variables of
/// the token and the tokens enclosing it, the nearest last.
fn visible_variables(state: &crate::runtime::InstanceState, token: crate::runtime::TokenId) -> Map<String, Value> {
    let mut chain = Vec::new();
    let mut next = state.tokens.iter().find(|t| t.id == token);
    // Bounded by the number of tokens, so that a scope cycle cannot loop.
    while let Some(t) = next.filter(|_| chain.len() <= state.tokens.len()) {
        chain.push(t);
        next = t.scope.and_then(|s| state.tokens.iter().find(|t| t.id == s));
    }
    let mut all = state.variables.clone();
    for t in chain.into_iter().rev() {
        all.extend(t.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    all
}
