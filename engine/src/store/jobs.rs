//! The statements of job rows: the jobs an instance command creates (timers, service calls,
//! asynchronous continuations), the changes it makes to a token's or an instance's jobs, and
//! an instance's jobs as its detail shows them.

use sqlx::Row;

use super::Store;
use crate::error::Result;
use crate::instances::InstanceJob;
use crate::sql::{insert_many, Arg};

/// A change of job rows, as a command hands it to the store (see `store::writes::Write`).
#[derive(Debug)]
pub(crate) enum JobWrite {
    /// Job rows, inserted together.
    InsertJobs(Vec<NewJob>),
    /// Every job of a token of an instance, removed (the token no longer waits for them).
    CancelTokenJobs { instance_id: String, token: i64 },
    /// The `suspended` flag of every job of an instance.
    SuspendInstanceJobs { instance_id: String, suspended: bool },
    /// A statement of the job executor, written by the executor's code itself until its
    /// writes are typed here too.
    Executor { sql: String, args: Vec<Arg> },
}

impl JobWrite {
    /// Hands the statements of this change to `out`, in order.
    pub(super) fn render(self, out: &mut impl FnMut((String, Vec<Arg>))) {
        match self {
            JobWrite::InsertJobs(rows) => NewJob::insert(rows).into_iter().for_each(out),
            JobWrite::CancelTokenJobs { instance_id, token } => out((
                "DELETE FROM jobs WHERE instance_id = $1 AND token = $2".into(),
                vec![Arg::Text(instance_id), Arg::Int(token)],
            )),
            JobWrite::SuspendInstanceJobs { instance_id, suspended } => out((
                "UPDATE jobs SET suspended = $1 WHERE instance_id = $2".into(),
                vec![Arg::Int(suspended as i64), Arg::Text(instance_id)],
            )),
            JobWrite::Executor { sql, args } => out((sql, args)),
        }
    }
}

/// A new job row.
#[derive(Debug)]
pub(crate) struct NewJob {
    pub id: String,
    pub tenant_id: String,
    pub instance_id: String,
    pub token: i64,
    pub activity_id: String,
    pub name: String,
    /// `timer`, `service` or `async`.
    pub kind: &'static str,
    /// For a timer: `date`, `duration` or `cycle`, and its definition.
    pub timer: Option<(&'static str, String)>,
    pub due: i64,
    pub retries: i64,
    /// `pending`, or `error` for a timer whose definition cannot be read.
    pub state: &'static str,
    pub suspended: bool,
    pub error: Option<String>,
    pub created: i64,
}

impl NewJob {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "instance_id",
        "token",
        "activity_id",
        "name",
        "kind",
        "timer_kind",
        "definition",
        "due",
        "retries",
        "state",
        "suspended",
        "error",
        "created",
    ];

    /// The statements inserting `rows` (see [`insert_many`]).
    fn insert(rows: Vec<NewJob>) -> Vec<(String, Vec<Arg>)> {
        insert_many("jobs", NewJob::COLUMNS, rows.into_iter().map(NewJob::into_args).collect())
    }

    fn into_args(self) -> Vec<Arg> {
        let (timer_kind, definition) = match self.timer {
            Some((k, d)) => (Some(k.to_owned()), Some(d)),
            None => (None, None),
        };
        vec![
            Arg::Text(self.id),
            Arg::Text(self.tenant_id),
            Arg::Text(self.instance_id),
            Arg::Int(self.token),
            Arg::Text(self.activity_id),
            Arg::Text(self.name),
            Arg::Text(self.kind.to_owned()),
            Arg::OptText(timer_kind),
            Arg::OptText(definition),
            Arg::Int(self.due),
            Arg::Int(self.retries),
            Arg::Text(self.state.to_owned()),
            Arg::Int(self.suspended as i64),
            Arg::OptText(self.error),
            Arg::Int(self.created),
        ]
    }
}

impl Store {
    /// The jobs of instance `id`, soonest due first, as the instance detail shows them.
    pub(crate) async fn instance_jobs(&self, id: &str) -> Result<Vec<InstanceJob>> {
        sqlx::query(
            "SELECT id, name, activity_id, kind, due, retries, state, error FROM jobs WHERE instance_id = $1 \
             ORDER BY due, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
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
        .collect()
    }
}
