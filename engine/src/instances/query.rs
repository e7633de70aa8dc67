//! Reading the runtime: the instance and task lists (keyset-paged, filtered, searched), one
//! instance with everything the detail screen shows, one task, the change token the lists
//! poll, and the instance diagram with its overlay.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::loaded::{node_label, Loaded};
use super::{
    ActiveActivity, ActivityRecord, Incident, InstanceDetail, InstanceJob, InstanceStatus, InstanceSummary, MoveTarget,
    Operation, Task, TaskState, VariableChange,
};
use crate::bpmn::render::{ActivityState, Overlay};
use crate::error::{EngineError, Result};
use crate::identity::Account;
use crate::runtime::{self, TokenId};
use crate::sql::{decode_cursor, encode_cursor, page_size, push_search, Arg, Cells, Page, Where};
use crate::store::instances::{prefixed_instance_columns, InstanceRow};
use crate::{Backend, Engine};

/// The instance list's quick categories.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstanceCategory {
    /// 全部
    #[default]
    All,
    /// 完成: completed or terminated.
    Completed,
    /// 未完成: running or suspended.
    Unfinished,
}

/// The instance list's orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InstanceSort {
    /// Newest first.
    #[default]
    StartedDesc,
    /// Oldest first.
    StartedAsc,
}

/// Filters of [`Engine::list_instances`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InstanceQuery {
    pub tenant: Option<String>,
    pub category: InstanceCategory,
    /// Case-insensitive words that must all occur in the definition name.
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskCategory {
    /// 待办: active.
    #[default]
    Todo,
    /// 逾期: active and past due (most overdue first).
    Overdue,
    /// 已完成
    Completed,
    /// 所有
    All,
}

/// Filters of [`Engine::list_tasks`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TaskQuery {
    pub tenant: Option<String>,
    pub category: TaskCategory,
    /// Words that must all occur in the task name or its assignee (the console's search box).
    pub search: Option<String>,
    /// Case-insensitive part of the task name.
    pub name: Option<String>,
    /// Exactly this assignee.
    pub assignee: Option<String>,
    pub instance_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: i64,
}

const INSTANCE_SELECT: &str = "SELECT i.id, i.tenant_id, i.definition_id, i.definition_key, i.definition_name, \
     i.version, i.business_key, i.initiator, i.state, i.start_time, i.end_time, i.current_activities, \
     i.current_activity_ids, i.open_incidents, i.parent_instance_id, i.revision FROM process_instances i";

pub(super) fn split_list(s: &str, sep: &str) -> Vec<String> {
    s.split(sep).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

/// The active activities' names as `step_writes::join_names` stores them, each followed by U+001F
/// (in rows written before that: joined by `, `).
pub(super) fn split_names(stored: &str) -> Vec<String> {
    if stored.contains('\u{1f}') {
        stored.split_terminator('\u{1f}').map(str::to_owned).collect()
    } else {
        split_list(stored, ", ")
    }
}

fn instance_from_row(r: &dyn Cells) -> Result<InstanceSummary> {
    Ok(InstanceSummary {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        definition_id: r.try_get("definition_id")?,
        definition_key: r.try_get("definition_key")?,
        definition_name: r.try_get("definition_name")?,
        version: r.try_get("version")?,
        business_key: r.try_get("business_key")?,
        initiator: r.try_get("initiator")?,
        state: InstanceStatus::parse(&r.try_get::<String>("state")?),
        start_time: r.try_get("start_time")?,
        end_time: r.try_get("end_time")?,
        current_activities: split_names(&r.try_get::<String>("current_activities")?),
        active_activity_ids: split_list(&r.try_get::<String>("current_activity_ids")?, ","),
        open_incidents: r.try_get("open_incidents")?,
        parent_instance_id: r.try_get("parent_instance_id")?,
        revision: r.try_get("revision")?,
    })
}

const TASK_SELECT: &str = "SELECT t.id, t.tenant_id, t.name, t.activity_id, t.instance_id, t.definition_name, \
     t.assignee, pe.name AS assignee_name, t.candidate_users, t.candidate_groups, t.priority, t.form_key, t.created, \
     t.due, t.end_time, t.state, t.end_reason, t.completed_by, t.revision, t.token, i.state AS instance_state \
     FROM tasks t JOIN process_instances i ON i.id = t.instance_id LEFT JOIN people pe ON pe.id = t.assignee";

fn task_from_row(r: &dyn Cells, now: i64) -> Result<Task> {
    let state = TaskState::parse(&r.try_get::<String>("state")?);
    let due: Option<i64> = r.try_get("due")?;
    let list =
        |col: &str| -> Result<Vec<String>> { Ok(serde_json::from_str(&r.try_get::<String>(col)?).unwrap_or_default()) };
    Ok(Task {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        name: r.try_get("name")?,
        activity_id: r.try_get("activity_id")?,
        instance_id: r.try_get("instance_id")?,
        definition_name: r.try_get("definition_name")?,
        assignee: r.try_get("assignee")?,
        assignee_name: r.try_get("assignee_name")?,
        candidate_users: list("candidate_users")?,
        candidate_groups: list("candidate_groups")?,
        priority: r.try_get("priority")?,
        form_key: r.try_get("form_key")?,
        created: r.try_get("created")?,
        due,
        end_time: r.try_get("end_time")?,
        overdue: state == TaskState::Active && due.is_some_and(|d| d < now),
        state,
        end_reason: r.try_get("end_reason")?,
        completed_by: r.try_get("completed_by")?,
        instance_state: InstanceStatus::parse(&r.try_get::<String>("instance_state")?),
        revision: r.try_get("revision")?,
    })
}

/// Restricts `alias.tenant_id` to what the caller may see and asked for.
fn tenant_filter(w: &mut Where, caller: &Account, tenant: &Option<String>, alias: &str) {
    if let Some(t) = caller.tenant_scope().or(tenant.as_deref()) {
        let p = w.text(t);
        w.push(format!("{alias}.tenant_id = {p}"));
    }
}

/// Fetches one page (`limit + 1` rows tell whether there is a next one).
fn split_page<T>(mut items: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Page<T> {
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next = if has_more { items.last().map(key) } else { None };
    Page { items, next }
}

impl Engine {
    /// The change token of the runtime lists: it moves whenever an instance or task changes.
    /// One index probe, so polling it costs almost nothing.
    pub async fn runtime_change_token(&self) -> Result<i64> {
        let sql = "SELECT MAX(change_stamp) AS m FROM process_instances";
        let max = self.store.fetch_optional(sql, Vec::new(), |r| r.try_get::<Option<i64>>("m")).await?;
        Ok(max.flatten().unwrap_or(0))
    }

    /// Lists instances, one page at a time.
    pub async fn list_instances(&self, caller: &Account, q: &InstanceQuery) -> Result<Page<InstanceSummary>> {
        let limit = page_size(q.limit);
        let mut w = Where::default();
        tenant_filter(&mut w, caller, &q.tenant, "i");
        match q.category {
            InstanceCategory::All => {}
            InstanceCategory::Completed => w.push("i.finished = 1"),
            InstanceCategory::Unfinished => w.push("i.finished = 0"),
        }
        if let Some(n) = &q.definition_name {
            push_search(&mut w, "i.name_lower", n);
        }
        if let Some(n) = q.initiator.as_deref().filter(|s| !s.trim().is_empty()) {
            let p = w.text(crate::sql::like_pattern(&n.trim().to_lowercase()));
            w.push(format!("LOWER(i.initiator) LIKE {p} ESCAPE '\\'"));
        }
        if let Some(d) = &q.definition_id {
            let p = w.text(d);
            w.push(format!("i.definition_id = {p}"));
        }
        if let Some(t) = q.started_after {
            let p = w.int(t);
            w.push(format!("i.start_time >= {p}"));
        }
        if let Some(t) = q.started_before {
            let p = w.int(t);
            w.push(format!("i.start_time < {p}"));
        }
        let (cmp, dir) = match q.sort {
            InstanceSort::StartedDesc => ("<", "DESC"),
            InstanceSort::StartedAsc => (">", "ASC"),
        };
        if let Some(c) = &q.cursor {
            let (time, id): (i64, String) = decode_cursor(c)?;
            let (t1, t2, i1) = (w.int(time), w.int(time), w.text(id));
            w.push(format!("(i.start_time {cmp} {t1} OR (i.start_time = {t2} AND i.id {cmp} {i1}))"));
        }
        // The category's index leads with `finished`; naming it in the order lets both
        // databases walk that index instead of sorting.
        let lead = if q.category == InstanceCategory::All { "" } else { "i.finished, " };
        let l = w.int(limit + 1);
        let sql = format!("{INSTANCE_SELECT}{} ORDER BY {lead}i.start_time {dir}, i.id {dir} LIMIT {l}", w.sql());
        let rows = w.bind(&sql).fetch_all(&self.store.pool).await?;
        let items = rows.iter().map(|r| instance_from_row(r)).collect::<Result<Vec<_>>>()?;
        Ok(split_page(items, limit, |i| encode_cursor(&(i.start_time, i.id.clone()))))
    }

    /// Lists tasks, one page at a time.
    pub async fn list_tasks(&self, caller: &Account, q: &TaskQuery) -> Result<Page<Task>> {
        let now = self.clock.now();
        let limit = page_size(q.limit);
        let (sql, w) = self.task_list_query(caller, q, now, limit)?;
        let items = if q.instance_id.is_some() {
            // One instance's tasks: a few rows by key, read in place.
            self.store.fetch(&sql, w.into_args(), |r| task_from_row(r, now)).await?
        } else {
            let rows = w.bind(&sql).fetch_all(&self.store.pool).await?;
            rows.iter().map(|r| task_from_row(r, now)).collect::<Result<Vec<_>>>()?
        };
        let overdue = q.category == TaskCategory::Overdue;
        Ok(split_page(items, limit, |t| {
            encode_cursor(&(if overdue { t.due.unwrap_or(0) } else { t.created }, t.id.clone()))
        }))
    }

    /// The query of one page of tasks (`limit + 1` rows) and its values.
    pub(crate) fn task_list_query(
        &self,
        caller: &Account,
        q: &TaskQuery,
        now: i64,
        limit: i64,
    ) -> Result<(String, Where)> {
        let mut w = Where::default();
        tenant_filter(&mut w, caller, &q.tenant, "t");
        match q.category {
            TaskCategory::Todo => w.push("t.state = 'active'"),
            TaskCategory::Overdue => {
                let p = w.int(now);
                w.push(format!("t.state = 'active' AND t.due < {p}"));
            }
            TaskCategory::Completed => w.push("t.state = 'completed'"),
            TaskCategory::All => {}
        }
        if let Some(s) = &q.search {
            push_search(&mut w, "t.search_text", s);
        }
        if let Some(n) = q.name.as_deref().filter(|s| !s.trim().is_empty()) {
            let p = w.text(crate::sql::like_pattern(&n.trim().to_lowercase()));
            w.push(format!("LOWER(t.name) LIKE {p} ESCAPE '\\'"));
        }
        if let Some(a) = q.assignee.as_deref().filter(|s| !s.trim().is_empty()) {
            let p = w.text(a.trim());
            w.push(format!("t.assignee = {p}"));
        }
        if let Some(i) = &q.instance_id {
            let p = w.text(i);
            w.push(format!("t.instance_id = {p}"));
        }
        // Overdue tasks come most overdue first; the others newest first.
        let (col, cmp, dir, lead) = match q.category {
            TaskCategory::Overdue => ("t.due", ">", "ASC", "t.state, "),
            TaskCategory::All => ("t.created", "<", "DESC", ""),
            _ => ("t.created", "<", "DESC", "t.state, "),
        };
        if let Some(c) = &q.cursor {
            let (key, id): (i64, String) = decode_cursor(c)?;
            let (k1, k2, i1) = (w.int(key), w.int(key), w.text(id));
            w.push(format!("({col} {cmp} {k1} OR ({col} = {k2} AND t.id {cmp} {i1}))"));
        }
        let l = w.int(limit + 1);
        // One instance's tasks come from its index, then are sorted (they are few): walking the
        // category's order instead (every active task, say) looking for them grows with the
        // table. SQLite takes a hint; on PostgreSQL an order no index gives (`+ 0`) leaves the
        // instance index as the only good plan, even for a plan made while the table was small.
        let (select, order) = match (&q.instance_id, self.store.backend()) {
            (Some(_), Backend::Sqlite) => {
                (TASK_SELECT.replacen("FROM tasks t", "FROM tasks t INDEXED BY tasks_instance", 1), col.to_owned())
            }
            (Some(_), Backend::Postgres) => (TASK_SELECT.to_owned(), format!("{col} + 0")),
            (None, _) => (TASK_SELECT.to_owned(), col.to_owned()),
        };
        let sql = format!("{select}{} ORDER BY {lead}{order} {dir}, t.id {dir} LIMIT {l}", w.sql());
        Ok((sql, w))
    }

    /// One task; 404 when unknown or not visible.
    pub async fn task(&self, caller: &Account, id: &str) -> Result<Task> {
        Ok(self.task_and_token(caller, id).await?.0)
    }

    /// One task and the token that waits in it.
    pub(super) async fn task_and_token(&self, caller: &Account, id: &str) -> Result<(Task, TokenId)> {
        let (task, token, ()) =
            self.task_row(caller, id, &format!("{TASK_SELECT} WHERE t.id = $1"), |_| Ok(())).await?;
        Ok((task, token))
    }

    /// One task, the token that waits in it and its instance as a command reads it, in one
    /// query.
    pub(super) async fn task_for_command(&self, caller: &Account, id: &str) -> Result<(Task, TokenId, Loaded)> {
        let columns = format!(", {} FROM tasks t", prefixed_instance_columns());
        let sql = format!("{} WHERE t.id = $1", TASK_SELECT.replacen(" FROM tasks t", &columns, 1));
        let (task, token, row) = self.task_row(caller, id, &sql, |r| InstanceRow::read(r, "i_")).await?;
        Ok((task, token, self.loaded(row).await?))
    }

    /// The task of `sql` (by id), the token that waits in it, and what `more` reads of the
    /// same row.
    async fn task_row<T>(
        &self,
        caller: &Account,
        id: &str,
        sql: &str,
        more: impl Fn(&dyn Cells) -> Result<T>,
    ) -> Result<(Task, TokenId, T)> {
        let now = self.clock.now();
        let row = self
            .store
            .fetch_optional(sql, vec![Arg::from(id)], |r| {
                Ok((task_from_row(r, now)?, r.try_get::<i64>("token")? as TokenId, more(r)?))
            })
            .await?;
        let Some((task, token, more)) = row else {
            return Err(EngineError::NotFound { what: "Task", id: id.to_owned() });
        };
        if !caller.can_access(&task.tenant_id) {
            return Err(EngineError::NotFound { what: "Task", id: id.to_owned() });
        }
        Ok((task, token, more))
    }

    /// One instance as listed; 404 when unknown or not visible.
    pub async fn instance_summary(&self, caller: &Account, id: &str) -> Result<InstanceSummary> {
        let sql = format!("{INSTANCE_SELECT} WHERE i.id = $1");
        let row = self.store.fetch_optional(&sql, vec![Arg::from(id)], instance_from_row).await?;
        let Some(summary) = row else {
            return Err(EngineError::NotFound { what: "Process instance", id: id.to_owned() });
        };
        if !caller.can_access(&summary.tenant_id) {
            return Err(EngineError::NotFound { what: "Process instance", id: id.to_owned() });
        }
        Ok(summary)
    }

    /// One instance with its variables, history, tasks, incidents, operations and jobs.
    pub async fn instance(&self, caller: &Account, id: &str) -> Result<InstanceDetail> {
        let summary = self.instance_summary(caller, id).await?;
        let inst = self.load_instance(id).await?;
        let pool = &self.store.pool;
        let history = sqlx::query(
            "SELECT id, token, activity_id, activity_name, activity_type, start_time, end_time, outcome, actor, task_id \
             FROM activity_history WHERE instance_id = $1 ORDER BY start_time, id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ActivityRecord {
                id: r.try_get("id")?,
                token: r.try_get("token")?,
                activity_id: r.try_get("activity_id")?,
                activity_name: r.try_get("activity_name")?,
                activity_type: r.try_get("activity_type")?,
                start_time: r.try_get("start_time")?,
                end_time: r.try_get("end_time")?,
                outcome: r.try_get("outcome")?,
                actor: r.try_get("actor")?,
                task_id: r.try_get("task_id")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let now = self.clock.now();
        let sql = format!("{TASK_SELECT} WHERE t.instance_id = $1 ORDER BY t.seq");
        let tasks = sqlx::query(&sql)
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| task_from_row(r, now))
            .collect::<Result<Vec<_>>>()?;
        let incidents = sqlx::query(
            "SELECT id, token, activity_id, message, created, resolved FROM incidents WHERE instance_id = $1 \
             ORDER BY created, id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(Incident {
                id: r.try_get("id")?,
                token: r.try_get("token")?,
                activity_id: r.try_get("activity_id")?,
                message: r.try_get("message")?,
                created: r.try_get("created")?,
                resolved: r.try_get("resolved")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let operations = sqlx::query(
            "SELECT id, at, actor, operation, detail, reason FROM instance_operations WHERE instance_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(Operation {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                operation: r.try_get("operation")?,
                detail: r.try_get("detail")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let variable_history =
            sqlx::query("SELECT id, name, value, at, actor FROM variable_history WHERE instance_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    let value: Option<String> = r.try_get("value")?;
                    Ok(VariableChange {
                        id: r.try_get("id")?,
                        name: r.try_get("name")?,
                        value: value.and_then(|v| serde_json::from_str(&v).ok()),
                        at: r.try_get("at")?,
                        actor: r.try_get("actor")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
        let jobs = sqlx::query(
            "SELECT id, name, activity_id, kind, due, retries, state, error FROM jobs WHERE instance_id = $1 \
             ORDER BY due, id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(InstanceJob {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                activity_id: r.try_get("activity_id")?,
                kind: r.try_get("kind")?,
                due: r.try_get("due")?,
                retries: r.try_get("retries")?,
                state: r.try_get("state")?,
                error: r.try_get("error")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let sql = format!("{INSTANCE_SELECT} WHERE i.parent_instance_id = $1 ORDER BY i.start_time, i.id");
        let children = sqlx::query(&sql)
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| instance_from_row(r))
            .collect::<Result<Vec<_>>>()?;
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
        Ok(InstanceDetail {
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
        })
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
        for a in &detail.active {
            overlay.activities.insert(a.activity_id.clone(), ActivityState::Active);
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
        crate::bpmn::diagram_svg(&def.xml, overlay)
            .map_err(|e| EngineError::Invalid { field: None, message: format!("The diagram cannot be drawn: {e}") })
    }
}

#[cfg(test)]
mod tests {
    use super::split_names;

    #[test]
    fn activity_names_keep_their_commas_and_older_rows_still_read() {
        assert_eq!(split_names("Check, then sign\u{1f}b\u{1f}"), ["Check, then sign", "b"]);
        assert_eq!(split_names("Check, then sign\u{1f}"), ["Check, then sign"]);
        assert_eq!(split_names("Approve, CFO approval"), ["Approve", "CFO approval"]);
        assert!(split_names("").is_empty());
    }
}
