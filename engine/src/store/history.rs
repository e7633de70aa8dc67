//! The statements of an instance's history: activity instances, variable changes and the
//! operation log.

use crate::sql::{insert_many, Arg};

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
