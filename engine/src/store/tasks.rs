//! The statements of user task rows: tasks created by a step, completed, cancelled,
//! reassigned or deleted, and the reads of task rows that commands decide on.

use sqlx::Row;

use super::Store;
use crate::error::Result;
use crate::sql::{insert_many, Arg};

/// Completes a task that is still active: a task is completed once, even when its token waits
/// in the same activity again (a loop back to it). By key only (see the `sql` module).
pub(crate) const COMPLETE_TASK: &str = "UPDATE tasks SET state = 'completed', end_reason = 'completed', \
     end_time = $1, completed_by = $2, withdrawable = $3, revision = revision + 1 WHERE id = $4 AND state || '' = 'active'";

/// Sets the assignee of a task that is still active, by key only (see the `sql` module).
pub(crate) const REASSIGN_TASK: &str =
    "UPDATE tasks SET assignee = $1, search_text = $2, revision = revision + 1 WHERE id = $3 AND state || '' = 'active'";

/// A new user task row.
#[derive(Debug)]
pub(crate) struct NewTask {
    pub id: String,
    pub tenant_id: String,
    pub instance_id: String,
    pub token: i64,
    pub activity_id: String,
    pub name: String,
    /// The lowercase name and assignee the task list's search box looks in.
    pub search_text: String,
    pub definition_name: String,
    pub assignee: Option<String>,
    /// JSON arrays.
    pub candidate_users: String,
    pub candidate_groups: String,
    pub priority: i64,
    pub form_key: Option<String>,
    pub created: i64,
    pub due: Option<i64>,
    /// The task whose completion created this one (for withdrawal).
    pub created_by_task: Option<String>,
    /// The order tasks of one instance are shown in.
    pub seq: i64,
}

impl NewTask {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "instance_id",
        "token",
        "activity_id",
        "name",
        "search_text",
        "definition_name",
        "assignee",
        "candidate_users",
        "candidate_groups",
        "priority",
        "form_key",
        "created",
        "due",
        "created_by_task",
        "state",
        "seq",
    ];

    /// The statements inserting `rows`, active (see [`insert_many`]).
    pub(super) fn insert(rows: Vec<NewTask>) -> Vec<(String, Vec<Arg>)> {
        insert_many("tasks", NewTask::COLUMNS, rows.into_iter().map(NewTask::into_args).collect())
    }

    fn into_args(self) -> Vec<Arg> {
        vec![
            Arg::Text(self.id),
            Arg::Text(self.tenant_id),
            Arg::Text(self.instance_id),
            Arg::Int(self.token),
            Arg::Text(self.activity_id),
            Arg::Text(self.name),
            Arg::Text(self.search_text),
            Arg::Text(self.definition_name),
            Arg::OptText(self.assignee),
            Arg::Text(self.candidate_users),
            Arg::Text(self.candidate_groups),
            Arg::Int(self.priority),
            Arg::OptText(self.form_key),
            Arg::Int(self.created),
            Arg::OptInt(self.due),
            Arg::OptText(self.created_by_task),
            Arg::Text("active".into()),
            Arg::Int(self.seq),
        ]
    }
}

/// A task's completion by `actor` at `at` ([`COMPLETE_TASK`]).
#[derive(Debug)]
pub(crate) struct TaskCompletion {
    pub task_id: String,
    pub at: i64,
    pub actor: String,
    /// Whether the completion may be withdrawn later (see `rules::completion_is_withdrawable`).
    pub withdrawable: bool,
}

impl TaskCompletion {
    pub(super) fn statement(self) -> (String, Vec<Arg>) {
        (
            COMPLETE_TASK.to_owned(),
            vec![Arg::Int(self.at), Arg::Text(self.actor), Arg::Int(self.withdrawable as i64), Arg::Text(self.task_id)],
        )
    }
}

/// Cancels the active tasks of a token.
pub(super) fn cancel_token_tasks(instance_id: String, token: i64, at: i64, reason: &str) -> (String, Vec<Arg>) {
    (
        "UPDATE tasks SET state = 'cancelled', end_reason = $1, end_time = $2, revision = revision + 1 \
         WHERE instance_id = $3 AND token = $4 AND state = 'active'"
            .into(),
        vec![Arg::from(reason), Arg::Int(at), Arg::Text(instance_id), Arg::Int(token)],
    )
}

/// Gives an active task to `assignee` ([`REASSIGN_TASK`]).
pub(super) fn reassign(task_id: String, assignee: String, search_text: String) -> (String, Vec<Arg>) {
    (REASSIGN_TASK.into(), vec![Arg::Text(assignee), Arg::Text(search_text), Arg::Text(task_id)])
}

/// Removes a task row.
pub(super) fn delete(task_id: String) -> (String, Vec<Arg>) {
    ("DELETE FROM tasks WHERE id = $1".into(), vec![Arg::Text(task_id)])
}

/// A task created by another task's completion, as a withdrawal of that completion checks it.
#[derive(Debug, Clone)]
pub(crate) struct NextTask {
    pub name: String,
    pub token: i64,
    /// Still active: nobody has handled it.
    pub active: bool,
    pub completed_by: Option<String>,
}

impl Store {
    /// Whether the completion of task `task_id` was marked withdrawable, and the tasks it
    /// created.
    pub(crate) async fn completion_followers(&self, task_id: &str) -> Result<(bool, Vec<NextTask>)> {
        let row =
            sqlx::query("SELECT withdrawable FROM tasks WHERE id = $1").bind(task_id).fetch_one(&self.pool).await?;
        let next = sqlx::query("SELECT id, name, token, state, completed_by FROM tasks WHERE created_by_task = $1")
            .bind(task_id)
            .fetch_all(&self.pool)
            .await?;
        let next = next
            .iter()
            .map(|r| {
                Ok(NextTask {
                    name: r.try_get("name")?,
                    token: r.try_get("token")?,
                    active: r.try_get::<String, _>("state")? == "active",
                    completed_by: r.try_get("completed_by")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((row.try_get::<i64, _>("withdrawable")? != 0, next))
    }

    /// The name of person `id` in the organisation of `tenant_id`: whom a task can be given to.
    pub(crate) async fn person_name(&self, tenant_id: &str, id: &str) -> Result<Option<String>> {
        let person = sqlx::query("SELECT name FROM people WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(tenant_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match person {
            Some(p) => Some(p.try_get("name")?),
            None => None,
        })
    }
}
