//! The statements of the Camunda-shaped task query (`crate::instances::TaskFilter`): tasks
//! with their owner, delegation, definition and business key, filtered, ordered and windowed,
//! and their count.

use super::task_from_row;
use crate::error::Result;
use crate::history::Window;
use crate::instances::{TaskFilter, TaskRecord, TaskSort};
use crate::store::history_query::{order_by, push_eq, push_flag, push_like, push_tenants, sort_keys, SortColumn};
use crate::store::sql::{like_pattern, Cells, Where};
use crate::store::Store;

/// A task as [`TaskRecord`] reads it.
const RECORD_SELECT: &str = concat!(
    task_columns!(),
    ", t.owner, t.delegation_state, i.definition_id, i.definition_key, i.business_key FROM tasks t",
    task_joins!()
);

/// The tables the count reads.
const COUNT_FROM: &str = "tasks t JOIN process_instances i ON i.id = t.instance_id";

/// `t.<col> LIKE '%"<id>"%'` for each of `ids` (a JSON array column holds the id), joined by
/// `OR`.
fn push_json_member(w: &mut Where, col: &str, ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let parts = json_members(w, col, ids);
    w.push(format!("({})", parts.join(" OR ")));
}

/// The conditions of [`push_json_member`], bound in `w`, not joined.
fn json_members(w: &mut Where, col: &str, ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|id| {
            let p = w.text(like_pattern(&serde_json::Value::from(id.as_str()).to_string()));
            format!("{col} LIKE {p} ESCAPE '\\'")
        })
        .collect()
}

/// The conditions of `f`; `user_groups` are the groups of `f.candidate_user`, whose tasks
/// that user is a candidate of too (as Camunda's `candidateUser` finds them).
fn task_where(scope: Option<&str>, f: &TaskFilter, user_groups: &[String]) -> Where {
    let mut w = Where::default();
    // First, so that a filter on one assignee's active tasks reads the `tasks_assignee` index.
    push_flag(&mut w, f.finished.map(|x| !x), "t.state = 'active'", "t.state <> 'active'");
    push_eq(&mut w, "t.assignee", f.assignee.as_deref());
    push_tenants(&mut w, "t.tenant_id", scope, &f.tenant_ids);
    push_eq(&mut w, "t.id", f.task_id.as_deref());
    push_eq(&mut w, "t.instance_id", f.instance_id.as_deref());
    push_eq(&mut w, "i.business_key", f.business_key.as_deref());
    push_eq(&mut w, "i.definition_id", f.definition_id.as_deref());
    push_eq(&mut w, "i.definition_key", f.definition_key.as_deref());
    push_eq(&mut w, "t.activity_id", f.activity_id.as_deref());
    push_eq(&mut w, "t.name", f.name.as_deref());
    push_like(&mut w, "t.name", f.name_like.as_deref());
    push_like(&mut w, "t.assignee", f.assignee_like.as_deref());
    push_eq(&mut w, "t.owner", f.owner.as_deref());
    push_eq(&mut w, "t.delegation_state", f.delegation_state.as_deref());
    if let Some(user) = &f.candidate_user {
        let mut either = json_members(&mut w, "t.candidate_users", std::slice::from_ref(user));
        either.extend(json_members(&mut w, "t.candidate_groups", user_groups));
        w.push(format!("({})", either.join(" OR ")));
    }
    push_json_member(&mut w, "t.candidate_groups", &f.candidate_groups);
    let candidates = f.candidate_user.is_some() || !f.candidate_groups.is_empty();
    let assigned = if candidates && !f.include_assigned { Some(false) } else { f.assigned };
    push_flag(&mut w, assigned, "t.assignee IS NOT NULL", "t.assignee IS NULL");
    push_flag(&mut w, f.suspended, "i.state = 'suspended'", "i.state <> 'suspended'");
    if let Some(p) = f.priority {
        let p = w.int(p);
        w.push(format!("t.priority = {p}"));
    }
    w
}

fn task_column(k: TaskSort) -> SortColumn {
    match k {
        TaskSort::Id => ("t.id", false),
        TaskSort::Name => ("t.name", false),
        TaskSort::Created => ("t.created", false),
        TaskSort::Due => ("t.due", true),
        TaskSort::Assignee => ("t.assignee", true),
        TaskSort::Owner => ("t.owner", true),
        TaskSort::Priority => ("t.priority", false),
        TaskSort::EndTime => ("t.end_time", true),
        TaskSort::Duration => ("(t.end_time - t.created)", true),
        TaskSort::InstanceId => ("t.instance_id", false),
        TaskSort::DefinitionId => ("i.definition_id", false),
        TaskSort::ActivityId => ("t.activity_id", false),
        TaskSort::TenantId => ("t.tenant_id", false),
    }
}

fn record_from_row(r: &dyn Cells, now: i64) -> Result<TaskRecord> {
    Ok(TaskRecord {
        task: task_from_row(r, now)?,
        owner: r.try_get("owner")?,
        delegation_state: r.try_get("delegation_state")?,
        definition_id: r.try_get("definition_id")?,
        definition_key: r.try_get("definition_key")?,
        business_key: r.try_get("business_key")?,
        token: r.try_get("token")?,
    })
}

impl Store {
    /// Tasks of `scope` (all tenants when `None`) matching `f` as of `now`.
    pub(crate) async fn find_tasks(
        &self,
        scope: Option<&str>,
        f: &TaskFilter,
        user_groups: &[String],
        now: i64,
        window: Option<Window>,
    ) -> Result<Vec<TaskRecord>> {
        let keys = sort_keys(&f.sort, task_column, (task_column(TaskSort::Created), false));
        let order = order_by(&keys, "t.id");
        let w = task_where(scope, f, user_groups);
        self.listing(RECORD_SELECT, w, &order, window, |r| record_from_row(r, now)).await
    }

    /// How many tasks [`Store::find_tasks`] finds.
    pub(crate) async fn count_tasks(&self, scope: Option<&str>, f: &TaskFilter, user_groups: &[String]) -> Result<i64> {
        self.counting(COUNT_FROM, task_where(scope, f, user_groups)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_match_whole_json_members_and_exclude_assigned_tasks() {
        let f = TaskFilter { candidate_user: Some("ann".into()), finished: Some(false), ..TaskFilter::default() };
        let w = task_where(None, &f, &[]);
        assert_eq!(
            w.sql(),
            " WHERE t.state = 'active' AND (t.candidate_users LIKE $1 ESCAPE '\\') AND t.assignee IS NULL"
        );
        assert_eq!(w.into_args()[0], crate::store::sql::Arg::Text("%\"ann\"%".into()));
        // The user's groups are candidates for the user too.
        let w = task_where(None, &f, &["sales".to_owned()]);
        assert_eq!(
            w.sql(),
            " WHERE t.state = 'active' AND (t.candidate_users LIKE $1 ESCAPE '\\' OR t.candidate_groups LIKE $2 \
             ESCAPE '\\') AND t.assignee IS NULL"
        );
        let f = TaskFilter { candidate_user: Some("a_b".into()), include_assigned: true, ..TaskFilter::default() };
        let w = task_where(None, &f, &[]);
        assert!(!w.sql().contains("assignee IS NULL"), "{}", w.sql());
        assert_eq!(w.into_args()[0], crate::store::sql::Arg::Text("%\"a\\_b\"%".into()), "wildcards are literal");
    }
}
