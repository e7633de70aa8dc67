//! The statements and reads of an instance's history: activity instances, variable changes
//! and the operation log.

use sqlx::Row;

use super::Store;
use crate::error::Result;
use crate::instances::{ActivityRecord, Operation, VariableChange};
use crate::store::sql::{insert_many, Arg, Cells};

/// An activity instance started (and perhaps ended) by a step.
#[derive(Debug)]
pub(crate) struct NewActivity {
    pub instance_id: String,
    pub token: i64,
    pub activity_id: String,
    pub activity_name: String,
    /// The element's tag.
    pub activity_type: String,
    pub start_time: i64,
    pub end_time: Option<i64>,
    pub outcome: Option<&'static str>,
    pub actor: Option<String>,
    pub task_id: Option<String>,
}

impl NewActivity {
    const COLUMNS: &'static [&'static str] = &[
        "instance_id",
        "token",
        "activity_id",
        "activity_name",
        "activity_type",
        "start_time",
        "end_time",
        "outcome",
        "actor",
        "task_id",
    ];

    /// The statements inserting `rows` (see [`insert_many`]).
    pub(super) fn insert(rows: Vec<NewActivity>) -> Vec<(String, Vec<Arg>)> {
        let rows = rows
            .into_iter()
            .map(|r| {
                vec![
                    Arg::Text(r.instance_id),
                    Arg::Int(r.token),
                    Arg::Text(r.activity_id),
                    Arg::Text(r.activity_name),
                    Arg::Text(r.activity_type),
                    Arg::Int(r.start_time),
                    Arg::OptInt(r.end_time),
                    Arg::OptText(r.outcome.map(str::to_owned)),
                    Arg::OptText(r.actor),
                    Arg::OptText(r.task_id),
                ]
            })
            .collect();
        insert_many("activity_history", NewActivity::COLUMNS, rows)
    }
}

/// The end of an activity instance an earlier step started: the open row of a token in an
/// activity.
#[derive(Debug)]
pub(crate) struct EndedActivity {
    pub instance_id: String,
    pub token: i64,
    pub activity_id: String,
    pub end_time: i64,
    pub outcome: &'static str,
    /// Who completed it, kept when it is already set.
    pub actor: Option<String>,
}

impl EndedActivity {
    pub(super) fn statement(self) -> (String, Vec<Arg>) {
        (
            "UPDATE activity_history SET end_time = $1, outcome = $2, actor = COALESCE(actor, $3) \
             WHERE instance_id = $4 AND token = $5 AND activity_id = $6 AND end_time IS NULL"
                .into(),
            vec![
                Arg::Int(self.end_time),
                Arg::from(self.outcome),
                Arg::OptText(self.actor),
                Arg::Text(self.instance_id),
                Arg::Int(self.token),
                Arg::Text(self.activity_id),
            ],
        )
    }
}

/// A change of an instance variable: its new value as JSON, `None` when removed.
#[derive(Debug)]
pub(crate) struct NewVariableChange {
    pub instance_id: String,
    pub name: String,
    pub value: Option<String>,
    pub at: i64,
    pub actor: String,
}

impl NewVariableChange {
    /// The statements inserting `rows` (see [`insert_many`]).
    pub(super) fn insert(rows: Vec<NewVariableChange>) -> Vec<(String, Vec<Arg>)> {
        let rows = rows
            .into_iter()
            .map(|r| {
                vec![
                    Arg::Text(r.instance_id),
                    Arg::Text(r.name),
                    Arg::OptText(r.value),
                    Arg::Int(r.at),
                    Arg::Text(r.actor),
                ]
            })
            .collect();
        insert_many("variable_history", &["instance_id", "name", "value", "at", "actor"], rows)
    }
}

/// An entry of an instance's operation log.
#[derive(Debug)]
pub(crate) struct NewOperation {
    pub instance_id: String,
    pub at: i64,
    pub actor: String,
    pub operation: String,
    pub detail: String,
    pub reason: String,
}

impl NewOperation {
    pub(super) fn statement(self) -> (String, Vec<Arg>) {
        (
            "INSERT INTO instance_operations (instance_id, at, actor, operation, detail, reason) \
             VALUES ($1, $2, $3, $4, $5, $6)"
                .into(),
            vec![
                Arg::Text(self.instance_id),
                Arg::Int(self.at),
                Arg::Text(self.actor),
                Arg::Text(self.operation),
                Arg::Text(self.detail),
                Arg::Text(self.reason),
            ],
        )
    }
}

impl Store {
    /// The activity instances of instance `id`, in the order they started.
    pub(crate) async fn activity_history(&self, id: &str) -> Result<Vec<ActivityRecord>> {
        sqlx::query(
            "SELECT id, token, activity_id, activity_name, activity_type, start_time, end_time, outcome, actor, task_id \
             FROM activity_history WHERE instance_id = $1 ORDER BY start_time, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| activity_record_from_row(r))
        .collect()
    }

    /// The operation log of instance `id`, oldest first.
    pub(crate) async fn operations(&self, id: &str) -> Result<Vec<Operation>> {
        sqlx::query(
            "SELECT id, at, actor, operation, detail, reason FROM instance_operations WHERE instance_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(Operation {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                actor_name: None,
                operation: r.try_get("operation")?,
                detail: r.try_get("detail")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
    }

    /// The variable changes of instance `id`, oldest first.
    pub(crate) async fn variable_history(&self, id: &str) -> Result<Vec<VariableChange>> {
        sqlx::query("SELECT id, name, value, at, actor FROM variable_history WHERE instance_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&self.pool)
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
                    actor_name: None,
                })
            })
            .collect()
    }
}

/// The activity record in row `r` (the columns of `activity_history`).
pub(super) fn activity_record_from_row(r: &dyn Cells) -> Result<ActivityRecord> {
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
        actor_name: None,
        task_id: r.try_get("task_id")?,
    })
}
