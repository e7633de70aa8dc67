//! The job tables: job rows (`jobs`), their attempts log (`job_attempts`) and scheduled timer
//! start events (`start_timers`). Every statement of the job executor and of the 作业 screen
//! lives here: claims with a lease, lease renewals, the release of an earlier incarnation's
//! claims, the writes of a job's outcome ([`JobWrite`]), lists and details. The executor
//! (`jobs::executor`) decides which of them to run.
//!
//! Claims: one `UPDATE … RETURNING` per claim look takes up to `limit` rows at once (on
//! PostgreSQL the inner select takes them `FOR UPDATE SKIP LOCKED`, so concurrent executors
//! skip each other's rows instead of waiting). On SQLite the executor takes its in-process
//! write turn (see `Executor::write_turn`) before it runs its own writes here: claims,
//! releases of an earlier incarnation's claims, a failed attempt's reschedule. A job's outcome
//! with its instance's next steps is a command, written through `Store::write`.
//!
//! Plan stability (see [`crate::store::sql`]): a statement that finds a job by its key and also checks
//! its state writes the check so that no index serves it (`state || '' = 'running'`).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{new_id, Backend, Store};
use crate::error::Result;
use crate::instances::InstanceJob;
use crate::jobs::{Job, JobAttempt, JobCategory, JobKind, JobQuery, JobState, StartTimer};
use crate::store::external::worker_guard;
use crate::store::incidents::{stored_text, stored_text_opt};
use crate::store::sql::{bind_all, insert_many, like_pattern, Arg, Cells, Where};

/// The most sentences one word of a job search may stand for in the stored errors (more: the
/// word is matched against the stored form alone).
const MAX_ERROR_KEYS: usize = 40;

/// The condition that a job is still held by an executor's claim, its placeholders numbered
/// from `first`: the job's key, the executor and the claim's revision.
pub(crate) fn held_condition(first: usize) -> String {
    format!("id = ${} AND locked_by = ${} AND revision = ${}", first, first + 1, first + 2)
}

/// Extends the lease of a running job held as `held` says, by key only (see the `sql` module).
pub(crate) fn extend_lease(held: &str) -> String {
    format!("UPDATE jobs SET lock_expires_at = $1 WHERE {held} AND state || '' = 'running'")
}

/// An executor's claim on a job: the job's key, the executor (`locked_by`) and the revision
/// its claim wrote. A write guarded by it changes nothing once the job was deleted or taken
/// over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Held {
    pub id: String,
    pub owner: String,
    pub revision: i64,
}

impl Held {
    /// The bind values of [`held_condition`], in order.
    fn into_args(self) -> [Arg; 3] {
        [Arg::Text(self.id), Arg::Text(self.owner), Arg::Int(self.revision)]
    }
}

/// One entry of a job's attempts log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AttemptLog {
    pub job_id: String,
    pub instance_id: String,
    pub attempt: i64,
    pub executor: String,
    pub started: i64,
    pub finished: i64,
    pub ok: bool,
    /// Already cut to the length kept.
    pub message: String,
}

/// A change of the job tables, written with a command on the job's instance or on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JobWrite {
    // --- instance command writes ---
    /// Every job of a token of an instance, removed (the token no longer waits for them).
    CancelTokenJobs { instance_id: String, token: i64 },
    /// The `suspended` flag of every job of an instance.
    SuspendInstanceJobs { instance_id: String, suspended: bool },
    // --- executor writes: the outcomes of claimed jobs, the administrator's operations on
    // jobs, the claims of timer start events ---
    /// Removes a job this executor still holds (done, or no longer needed).
    DeleteHeld(Held),
    /// Gives a held job back (pending, no lease) without counting an attempt against its
    /// retries.
    ReleaseHeld(Held),
    /// A cycle timer fired and fires again at `due`.
    RescheduleTimer { held: Held, fired: i64, due: i64 },
    /// A failed attempt with `retries` left: pending again at `due` (after the backoff).
    RetryLater { held: Held, retries: i64, due: i64, error: String, details: Option<String> },
    /// A failed attempt without retries left: the job is in error.
    MarkError { held: Held, error: String, details: Option<String> },
    /// One attempt in the job's log.
    LogAttempt(AttemptLog),
    /// 执行: a job not running becomes due at `due` with at least one retry.
    ExecuteNow { id: String, due: i64 },
    /// 删除: an administrator removes a job, held or not.
    Delete { id: String },
    /// Camunda's set retries of a job not running: with retries left a job in error is pending
    /// again (at its due time, already past); with none it is in error.
    SetRetries { id: String, retries: i64 },
    /// Claims a firing of timer start event `id` at `revision`: it fires next at `due`.
    AdvanceStartTimer { id: String, revision: i64, due: i64 },
    /// Claims the last firing of timer start event `id` at `revision`: it is removed.
    RemoveStartTimer { id: String, revision: i64 },
    // --- external tasks (see `store::external`): guarded by the worker's lock ---
    /// The worker completed the task (or its BPMN error was caught): removed.
    ExternalDone { id: String, worker: String },
    /// The worker reported a failure with `retries` left: free again at `due`.
    ExternalRetry { id: String, worker: String, retries: i64, due: i64, error: Option<String>, details: Option<String> },
    /// Out of retries, or an uncaught BPMN error: in error (an incident goes with it).
    ExternalFailed { id: String, worker: String, error: Option<String>, details: Option<String> },
    /// The worker keeps its lock until `expires`.
    ExtendExternalLock { id: String, worker: String, expires: i64 },
    // --- external tasks: an administrator's or the API's operations, whoever holds them ---
    /// Frees the lock: fetchable again at `due`.
    UnlockExternal { id: String, due: i64 },
    /// Sets the retries: more than 0 makes a task in error fetchable at `due`; 0 puts it in
    /// error.
    SetExternalRetries { id: String, retries: i64, due: i64 },
    /// 执行 on an external task: unlocked, at least one retry, fetchable at `due`.
    ExecuteExternal { id: String, due: i64 },
}

impl JobWrite {
    /// The statement and its bind values, consuming the write (no copies of its values).
    pub(crate) fn into_statement(self) -> (String, Vec<Arg>) {
        match self {
            JobWrite::CancelTokenJobs { instance_id, token } => (
                "DELETE FROM jobs WHERE instance_id = $1 AND token = $2".into(),
                vec![Arg::Text(instance_id), Arg::Int(token)],
            ),
            JobWrite::SuspendInstanceJobs { instance_id, suspended } => (
                "UPDATE jobs SET suspended = $1 WHERE instance_id = $2".into(),
                vec![Arg::Int(suspended as i64), Arg::Text(instance_id)],
            ),
            JobWrite::DeleteHeld(held) => {
                (format!("DELETE FROM jobs WHERE {}", held_condition(1)), held.into_args().into())
            }
            JobWrite::ReleaseHeld(held) => (
                format!(
                    "UPDATE jobs SET state = 'pending', locked_by = NULL, lock_expires_at = NULL, \
                     revision = revision + 1 WHERE {}",
                    held_condition(1)
                ),
                held.into_args().into(),
            ),
            JobWrite::RescheduleTimer { held, fired, due } => {
                let mut args = vec![Arg::Int(fired), Arg::Int(due)];
                args.extend(held.into_args());
                (
                    format!(
                        "UPDATE jobs SET fired = $1, due = $2, state = 'pending', locked_by = NULL, \
                         lock_expires_at = NULL, error = NULL, error_details = NULL, \
                         revision = revision + 1 WHERE {}",
                        held_condition(3)
                    ),
                    args,
                )
            }
            JobWrite::RetryLater { held, retries, due, error, details } => {
                let mut args = vec![Arg::Int(retries), Arg::Int(due), Arg::Text(error), Arg::OptText(details)];
                args.extend(held.into_args());
                (
                    format!(
                        "UPDATE jobs SET retries = $1, due = $2, error = $3, error_details = $4, state = 'pending', \
                         locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 WHERE {}",
                        held_condition(5)
                    ),
                    args,
                )
            }
            JobWrite::MarkError { held, error, details } => {
                let mut args = vec![Arg::Text(error), Arg::OptText(details)];
                args.extend(held.into_args());
                (
                    format!(
                        "UPDATE jobs SET retries = 0, state = 'error', error = $1, error_details = $2, \
                         locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 WHERE {}",
                        held_condition(3)
                    ),
                    args,
                )
            }
            JobWrite::LogAttempt(log) => (
                "INSERT INTO job_attempts (job_id, instance_id, attempt, executor, started, finished, ok, message) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    .into(),
                vec![
                    Arg::Text(log.job_id),
                    Arg::Text(log.instance_id),
                    Arg::Int(log.attempt),
                    Arg::Text(log.executor),
                    Arg::Int(log.started),
                    Arg::Int(log.finished),
                    Arg::Int(log.ok as i64),
                    Arg::Text(log.message),
                ],
            ),
            JobWrite::ExecuteNow { id, due } => (
                "UPDATE jobs SET due = $1, retries = CASE WHEN retries < 1 THEN 1 ELSE retries END, \
                 state = 'pending', locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 \
                 WHERE id = $2 AND state <> 'running'"
                    .into(),
                vec![Arg::Int(due), Arg::Text(id)],
            ),
            JobWrite::Delete { id } => ("DELETE FROM jobs WHERE id = $1".into(), vec![Arg::Text(id)]),
            JobWrite::SetRetries { id, retries } => (
                if retries > 0 {
                    "UPDATE jobs SET retries = $1, state = 'pending', revision = revision + 1 \
                     WHERE id = $2 AND state <> 'running'"
                } else {
                    "UPDATE jobs SET retries = $1, state = 'error', revision = revision + 1 \
                     WHERE id = $2 AND state <> 'running'"
                }
                .into(),
                vec![Arg::Int(retries), Arg::Text(id)],
            ),
            JobWrite::AdvanceStartTimer { id, revision, due } => (
                "UPDATE start_timers SET due = $1, fired = fired + 1, revision = revision + 1 \
                 WHERE id = $2 AND revision = $3"
                    .to_owned(),
                vec![Arg::Int(due), Arg::Text(id), Arg::Int(revision)],
            ),
            JobWrite::RemoveStartTimer { id, revision } => (
                "DELETE FROM start_timers WHERE id = $1 AND revision = $2".to_owned(),
                vec![Arg::Text(id), Arg::Int(revision)],
            ),
            JobWrite::ExternalDone { id, worker } => {
                let mut args = Vec::new();
                let guard = worker_guard(&mut args, id, worker);
                (format!("DELETE FROM jobs WHERE {guard}"), args)
            }
            JobWrite::ExternalRetry { id, worker, retries, due, error, details } => {
                let mut args = vec![Arg::Int(retries), Arg::Int(due), Arg::OptText(error), Arg::OptText(details)];
                let guard = worker_guard(&mut args, id, worker);
                (
                    format!(
                        "UPDATE jobs SET retries = $1, retries_unset = 0, due = $2, error = $3, error_details = $4, \
                         state = 'pending', locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 \
                         WHERE {guard}"
                    ),
                    args,
                )
            }
            JobWrite::ExternalFailed { id, worker, error, details } => {
                let mut args = vec![Arg::OptText(error), Arg::OptText(details)];
                let guard = worker_guard(&mut args, id, worker);
                (
                    format!(
                        "UPDATE jobs SET retries = 0, retries_unset = 0, state = 'error', error = $1, \
                         error_details = $2, locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 \
                         WHERE {guard}"
                    ),
                    args,
                )
            }
            JobWrite::ExtendExternalLock { id, worker, expires } => {
                let mut args = vec![Arg::Int(expires)];
                let guard = worker_guard(&mut args, id, worker);
                (format!("UPDATE jobs SET lock_expires_at = $1, due = $1 WHERE {guard}"), args)
            }
            JobWrite::UnlockExternal { id, due } => (
                "UPDATE jobs SET state = CASE WHEN state = 'running' THEN 'pending' ELSE state END, \
                 locked_by = NULL, lock_expires_at = NULL, due = $1, revision = revision + 1 WHERE id = $2"
                    .into(),
                vec![Arg::Int(due), Arg::Text(id)],
            ),
            JobWrite::SetExternalRetries { id, retries, due } => (
                "UPDATE jobs SET retries = $1, retries_unset = 0, \
                 state = CASE WHEN $1 < 1 THEN 'error' WHEN state = 'error' THEN 'pending' ELSE state END, \
                 due = CASE WHEN state = 'error' THEN $2 ELSE due END, \
                 locked_by = CASE WHEN $1 < 1 THEN NULL ELSE locked_by END, \
                 lock_expires_at = CASE WHEN $1 < 1 THEN NULL ELSE lock_expires_at END, \
                 revision = revision + 1 WHERE id = $3"
                    .into(),
                vec![Arg::Int(retries), Arg::Int(due), Arg::Text(id)],
            ),
            JobWrite::ExecuteExternal { id, due } => (
                "UPDATE jobs SET due = $1, retries = CASE WHEN retries < 1 THEN 1 ELSE retries END, \
                 state = 'pending', locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 WHERE id = $2"
                    .into(),
                vec![Arg::Int(due), Arg::Text(id)],
            ),
        }
    }
}

/// The two kinds of work an executor claims separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// Web-service calls: bounded by `max_concurrent`.
    Calls,
    /// Timers and asynchronous continuations: database work only, claimed by `batch`.
    Quick,
}

/// A job an executor has claimed, as its claim returned it (revision and attempts already
/// counted).
#[derive(Debug, Clone)]
pub(crate) struct ClaimedJob {
    pub id: String,
    /// The row's revision after the claim.
    pub revision: i64,
    pub tenant_id: String,
    pub instance_id: String,
    pub token: i64,
    pub activity_id: String,
    pub name: String,
    pub kind: String,
    pub timer_kind: Option<String>,
    pub definition: Option<String>,
    pub fired: i64,
    pub retries: i64,
    pub due: i64,
    /// This attempt's number, from 1.
    pub attempt: i64,
}

const CLAIM_COLUMNS: &str =
    "id, revision, tenant_id, instance_id, token, activity_id, name, kind, timer_kind, definition, fired, retries, due, attempts";

fn claimed_from_row(r: &AnyRow) -> Result<ClaimedJob> {
    Ok(ClaimedJob {
        id: r.try_get("id")?,
        revision: r.try_get("revision")?,
        tenant_id: r.try_get("tenant_id")?,
        instance_id: r.try_get("instance_id")?,
        token: r.try_get("token")?,
        activity_id: r.try_get("activity_id")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        timer_kind: r.try_get("timer_kind")?,
        definition: r.try_get("definition")?,
        fired: r.try_get("fired")?,
        retries: r.try_get("retries")?,
        due: r.try_get("due")?,
        attempt: r.try_get("attempts")?,
    })
}

/// A running job whose executor's `locked_by` starts with a given prefix.
#[derive(Debug, Clone)]
pub(crate) struct RunningClaim {
    pub held: Held,
    pub instance_id: String,
    /// The interrupted attempt's number.
    pub attempt: i64,
}

pub(super) const JOB_COLUMNS: &str = "j.id, j.tenant_id, j.name, j.kind, j.instance_id, j.activity_id, j.token, \
     i.definition_name, j.due, j.retries, j.state, j.error, j.error_details, j.definition, j.fired, j.attempts, \
     j.locked_by, j.lock_expires_at, j.topic, j.retries_unset, j.created, j.revision";

/// Retries left: `None` for an external task until a failure or an administrator set them
/// (Camunda's `retries: null`).
pub(super) fn retries_of(r: &dyn Cells) -> Result<Option<i64>> {
    let unset: i64 = r.try_get("retries_unset")?;
    Ok(if unset != 0 { None } else { Some(r.try_get("retries")?) })
}

pub(super) fn job_from_row(r: &AnyRow) -> Result<Job> {
    let kind = JobKind::from_code(&r.try_get::<String, _>("kind")?);
    let state = match r.try_get::<String, _>("state")?.as_str() {
        "running" => JobState::Running,
        "error" => JobState::Error,
        _ => JobState::Pending,
    };
    let (error, error_text) = stored_text_opt(r.try_get("error")?);
    Ok(Job {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        name: r.try_get("name")?,
        kind,
        instance_id: r.try_get("instance_id")?,
        activity_id: r.try_get("activity_id")?,
        process_name: r.try_get("definition_name")?,
        due: r.try_get("due")?,
        retries: retries_of(r)?,
        state,
        error,
        error_text,
        error_details: r.try_get("error_details")?,
        timer_definition: r.try_get("definition")?,
        fired: r.try_get("fired")?,
        attempts: r.try_get("attempts")?,
        worker: if kind == JobKind::External { r.try_get("locked_by")? } else { None },
        locked_by: r.try_get("locked_by")?,
        lock_expires_at: r.try_get("lock_expires_at")?,
        topic: r.try_get("topic")?,
        created: r.try_get("created")?,
        revision: r.try_get("revision")?,
    })
}

/// A timer start event to schedule for a definition version.
#[derive(Debug, Clone)]
pub(crate) struct NewStartTimer {
    pub activity_id: String,
    /// `date`, `duration` or `cycle`.
    pub timer_kind: &'static str,
    pub definition: String,
    pub due: i64,
}

/// A due timer start event, as read to fire it.
#[derive(Debug, Clone)]
pub(crate) struct DueStartTimer {
    pub id: String,
    pub definition_id: String,
    pub timer_kind: String,
    pub definition: String,
    pub due: i64,
    pub fired: i64,
    pub revision: i64,
}

/// A new job row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewJob {
    pub id: String,
    pub tenant_id: String,
    pub instance_id: String,
    pub token: i64,
    pub activity_id: String,
    pub name: String,
    /// `timer`, `service`, `async` or `signal`.
    pub kind: &'static str,
    /// For a timer: `date`, `duration` or `cycle`, and its definition. A signal job has no
    /// timer kind and keeps the signal's name as its definition.
    pub timer: Option<(&'static str, String)>,
    pub due: i64,
    pub retries: i64,
    /// `pending`, or `error` for a timer whose definition cannot be read.
    pub state: &'static str,
    pub suspended: bool,
    pub error: Option<String>,
    pub created: i64,
    /// An external task's topic and priority (`None` for every other kind); its retries stay
    /// unset until the first failure.
    pub external: Option<(String, i64)>,
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
        "topic",
        "priority",
        "retries_unset",
    ];

    /// The statements inserting `rows` (see [`insert_many`]).
    pub(super) fn insert(rows: Vec<NewJob>) -> Vec<(String, Vec<Arg>)> {
        insert_many("jobs", NewJob::COLUMNS, rows.into_iter().map(NewJob::into_args).collect())
    }

    fn into_args(self) -> Vec<Arg> {
        let (timer_kind, definition) = match self.timer {
            Some((k, d)) => (Some(k.to_owned()), Some(d)),
            None => (None, None),
        };
        let mut args = vec![
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
        ];
        let (topic, priority) = match self.external {
            Some((topic, priority)) => (Some(topic), priority),
            None => (None, 0),
        };
        let unset = topic.is_some() as i64;
        args.extend([Arg::OptText(topic), Arg::Int(priority), Arg::Int(unset)]);
        args
    }
}

impl Store {
    /// The jobs of instance `id`, soonest due first, as the instance detail shows them.
    pub(crate) async fn instance_jobs(&self, id: &str) -> Result<Vec<InstanceJob>> {
        sqlx::query(
            "SELECT id, name, activity_id, kind, due, retries, retries_unset, state, error FROM jobs WHERE instance_id = $1 \
             ORDER BY due, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let (error, error_text) = stored_text_opt(r.try_get("error")?);
            Ok(InstanceJob {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                activity_id: r.try_get("activity_id")?,
                kind: r.try_get("kind")?,
                due: r.try_get("due")?,
                retries: retries_of(r)?,
                state: r.try_get("state")?,
                error,
                error_text,
            })
        })
        .collect()
    }

    /// Claims up to `limit` jobs of `lane` for `owner` until `expires`, each with one
    /// statement: first running ones whose lease expired before `now`, then pending ones due
    /// by `now`, oldest due first (on PostgreSQL skipping rows another executor is claiming).
    /// Each statement's jobs come sorted by due time and key.
    pub(crate) async fn claim_jobs(
        &self,
        lane: Lane,
        limit: usize,
        owner: &str,
        expires: i64,
        now: i64,
    ) -> Result<Vec<ClaimedJob>> {
        let kinds = match lane {
            Lane::Calls => "kind = 'service'",
            Lane::Quick => "kind <> 'service'",
        };
        let skip = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let claim = |pick: &str, order: &str| {
            format!(
                "UPDATE jobs SET state = 'running', locked_by = $1, lock_expires_at = $2, attempts = attempts + 1, \
                 revision = revision + 1 WHERE id IN (SELECT id FROM jobs WHERE {pick} AND suspended = 0 AND topic IS NULL AND {kinds} \
                 ORDER BY {order}, id LIMIT $4{skip}) RETURNING {CLAIM_COLUMNS}"
            )
        };
        let expired = claim("state = 'running' AND lock_expires_at < $3", "lock_expires_at");
        let due = claim("state = 'pending' AND due <= $3", "due");
        let mut claimed = Vec::new();
        for sql in [expired, due] {
            let left = limit.saturating_sub(claimed.len());
            if left == 0 {
                break;
            }
            let rows =
                sqlx::query(&sql).bind(owner).bind(expires).bind(now).bind(left as i64).fetch_all(&self.pool).await?;
            let mut batch = rows.iter().map(claimed_from_row).collect::<Result<Vec<_>>>()?;
            batch.sort_by(|a, b| (a.due, &a.id).cmp(&(b.due, &b.id)));
            claimed.extend(batch);
        }
        Ok(claimed)
    }

    /// Moves the lists' change token of instances `ids` to `stamp` (their claimed calls show as
    /// running).
    pub(crate) async fn stamp_instances(&self, ids: &[&str], stamp: i64) -> Result<()> {
        let marks: Vec<String> = (2..ids.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!("UPDATE process_instances SET change_stamp = $1 WHERE id IN ({})", marks.join(", "));
        let mut args = vec![Arg::Int(stamp)];
        args.extend(ids.iter().map(|i| Arg::Text((*i).to_owned())));
        bind_all(&sql, args).execute(&self.pool).await?;
        Ok(())
    }

    /// Extends to `expires` the lease of the running jobs `ids` that `owner` still holds (one
    /// statement by key); returns how many it extended.
    pub(crate) async fn renew_batch_lease(&self, ids: &[String], owner: &str, expires: i64) -> Result<u64> {
        let marks: Vec<String> = (3..ids.len() + 3).map(|i| format!("${i}")).collect();
        let sql = format!(
            "UPDATE jobs SET lock_expires_at = $1 WHERE id IN ({}) AND locked_by = $2 AND state || '' = 'running'",
            marks.join(", ")
        );
        let mut args = vec![Arg::Int(expires), Arg::Text(owner.to_owned())];
        args.extend(ids.iter().map(|i| Arg::Text(i.clone())));
        Ok(bind_all(&sql, args).execute(&self.pool).await?.rows_affected())
    }

    /// Extends to `expires` the lease of a running job while `held`; returns whether it still
    /// was (false: the job was deleted or taken over).
    pub(crate) async fn renew_lease(&self, held: &Held, expires: i64) -> Result<bool> {
        let args =
            vec![Arg::Int(expires), Arg::Text(held.id.clone()), Arg::Text(held.owner.clone()), Arg::Int(held.revision)];
        let sql = extend_lease(&held_condition(2));
        Ok(bind_all(&sql, args).execute(&self.pool).await?.rows_affected() > 0)
    }

    /// The running jobs whose `locked_by` starts with `prefix` (compared as SQLite compares
    /// ASCII: case-insensitively; the caller tests the exact owner).
    pub(crate) async fn running_claims_like(&self, prefix: &str) -> Result<Vec<RunningClaim>> {
        // LIKE narrows by the prefix (escaped); the caller's exact test follows.
        let pattern: String = prefix
            .chars()
            .flat_map(|ch| match ch {
                '\\' | '%' | '_' => vec!['\\', ch],
                _ => vec![ch],
            })
            .chain(['%'])
            .collect();
        let rows = sqlx::query(
            "SELECT id, instance_id, locked_by, revision, attempts FROM jobs \
             WHERE state = 'running' AND topic IS NULL AND locked_by LIKE $1 ESCAPE '\\'",
        )
        .bind(pattern)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RunningClaim {
                    held: Held {
                        id: r.try_get("id")?,
                        owner: r.try_get("locked_by")?,
                        revision: r.try_get("revision")?,
                    },
                    instance_id: r.try_get("instance_id")?,
                    attempt: r.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// Releases in one transaction each held claim that still holds, logging its attempt;
    /// returns how many it released.
    pub(crate) async fn release_claims(&self, releases: Vec<(Held, AttemptLog)>) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        let mut released = 0;
        for (held, log) in releases {
            let (sql, args) = JobWrite::ReleaseHeld(held).into_statement();
            if bind_all(&sql, args).execute(&mut *tx).await?.rows_affected() == 0 {
                continue;
            }
            let (sql, args) = JobWrite::LogAttempt(log).into_statement();
            bind_all(&sql, args).execute(&mut *tx).await?;
            released += 1;
        }
        tx.commit().await?;
        Ok(released)
    }

    /// Writes `guard` and then `then` in one transaction, unless `guard` changes no row (the
    /// job was deleted or taken over meanwhile): then nothing is written and it returns false.
    pub(crate) async fn write_if_held(&self, guard: JobWrite, then: JobWrite) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let (sql, args) = guard.into_statement();
        if bind_all(&sql, args).execute(&mut *tx).await?.rows_affected() == 0 {
            return Ok(false);
        }
        let (sql, args) = then.into_statement();
        bind_all(&sql, args).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Runs one job write on its own.
    pub(crate) async fn write_job(&self, write: JobWrite) -> Result<()> {
        let (sql, args) = write.into_statement();
        bind_all(&sql, args).execute(&self.pool).await?;
        Ok(())
    }

    /// Job `id` with its token, if it exists.
    pub(crate) async fn job(&self, id: &str) -> Result<Option<(Job, i64)>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs j JOIN process_instances i ON i.id = j.instance_id WHERE j.id = $1"
        );
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| Ok((job_from_row(&r)?, r.try_get("token")?))).transpose()
    }

    /// The newest 100 attempts of job `id`, newest first.
    pub(crate) async fn job_attempts(&self, id: &str) -> Result<Vec<JobAttempt>> {
        let rows = sqlx::query(
            "SELECT attempt, executor, started, finished, ok, message FROM job_attempts WHERE job_id = $1 \
             ORDER BY attempt DESC, id DESC LIMIT 100",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let (message, text) = stored_text(&r.try_get::<String, _>("message")?);
                Ok(JobAttempt {
                    attempt: r.try_get("attempt")?,
                    executor: r.try_get("executor")?,
                    started: r.try_get("started")?,
                    finished: r.try_get("finished")?,
                    ok: r.try_get::<i64, _>("ok")? != 0,
                    message,
                    text,
                })
            })
            .collect()
    }

    /// Up to `rows` jobs of `tenant` (all tenants when `None`) matching `q`'s category, name and
    /// instance, after the keyset position `after` (due, key), ordered by due time and key.
    pub(crate) async fn jobs_page(
        &self,
        tenant: Option<&str>,
        q: &JobQuery,
        after: Option<(i64, String)>,
        rows: i64,
    ) -> Result<Vec<Job>> {
        let mut w = job_conditions(tenant, q);
        let (cmp, dir) = if q.latest_first { ("<", "DESC") } else { (">", "ASC") };
        if let Some((due, id)) = after {
            let (a, b, c2) = (w.int(due), w.int(due), w.text(id));
            w.push(format!("(j.due {cmp} {a} OR (j.due = {b} AND j.id {cmp} {c2}))"));
        }
        let p = w.int(rows);
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs j JOIN process_instances i ON i.id = j.instance_id{} \
             ORDER BY j.due {dir}, j.id {dir} LIMIT {p}",
            w.sql()
        );
        let rows = w.bind(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(job_from_row).collect()
    }

    /// How many jobs of the list of `q` there are in `tenant`, up to
    /// [`total_cap`](bpmn_core::page::total_cap) + 1.
    pub(crate) async fn jobs_total(&self, tenant: Option<&str>, q: &JobQuery) -> Result<i64> {
        let w = job_conditions(tenant, q);
        let cap = bpmn_core::page::total_cap(q.name.as_deref().is_some_and(|n| !n.trim().is_empty()));
        self.capped_count("jobs j JOIN process_instances i ON i.id = j.instance_id", w, true, cap).await
    }

    /// Up to `limit` scheduled timer start events of `tenant` (all when `None`), soonest due
    /// first. Their `name` is the element id; the caller names them from the model.
    pub(crate) async fn start_timers(&self, tenant: Option<&str>, limit: i64) -> Result<Vec<StartTimer>> {
        let mut sql = String::from(
            "SELECT s.id, s.tenant_id, s.definition_id, s.process_key, d.name, d.version, s.activity_id, \
             s.timer_kind, s.definition, s.due, s.fired FROM start_timers s \
             JOIN process_definitions d ON d.id = s.definition_id",
        );
        let mut args = Vec::new();
        if let Some(t) = tenant {
            sql.push_str(" WHERE s.tenant_id = $1");
            args.push(Arg::from(t));
        }
        sql.push_str(&format!(" ORDER BY s.due, s.id LIMIT {limit}"));
        let rows = bind_all(&sql, args).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let activity_id: String = r.try_get("activity_id")?;
                Ok(StartTimer {
                    id: r.try_get("id")?,
                    tenant_id: r.try_get("tenant_id")?,
                    definition_id: r.try_get("definition_id")?,
                    process_key: r.try_get("process_key")?,
                    process_name: r.try_get("name")?,
                    version: r.try_get("version")?,
                    name: activity_id.clone(),
                    activity_id,
                    timer_kind: r.try_get("timer_kind")?,
                    definition: r.try_get("definition")?,
                    due: r.try_get("due")?,
                    fired: r.try_get("fired")?,
                })
            })
            .collect()
    }

    /// Replaces in one transaction the timer start events of process `key` in `tenant` by
    /// `timers` of definition version `definition_id`.
    pub(crate) async fn replace_start_timers(
        &self,
        tenant: &str,
        key: &str,
        definition_id: &str,
        timers: Vec<NewStartTimer>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM start_timers WHERE tenant_id = $1 AND process_key = $2")
            .bind(tenant)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        for t in timers {
            sqlx::query(
                "INSERT INTO start_timers (id, tenant_id, definition_id, process_key, activity_id, timer_kind, \
                 definition, due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(new_id())
            .bind(tenant)
            .bind(definition_id)
            .bind(key)
            .bind(&t.activity_id)
            .bind(t.timer_kind)
            .bind(&t.definition)
            .bind(t.due)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Up to `limit` timer start events due by `now`, soonest first.
    pub(crate) async fn due_start_timers(&self, now: i64, limit: i64) -> Result<Vec<DueStartTimer>> {
        let rows = sqlx::query(
            "SELECT id, definition_id, timer_kind, definition, due, fired, revision FROM start_timers \
             WHERE due <= $1 ORDER BY due, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DueStartTimer {
                    id: r.try_get("id")?,
                    definition_id: r.try_get("definition_id")?,
                    timer_kind: r.try_get("timer_kind")?,
                    definition: r.try_get("definition")?,
                    due: r.try_get("due")?,
                    fired: r.try_get("fired")?,
                    revision: r.try_get("revision")?,
                })
            })
            .collect()
    }
}

/// The conditions of the jobs list of `q` in `tenant` (all when `None`), without a cursor.
fn job_conditions(tenant: Option<&str>, q: &JobQuery) -> Where {
    let mut w = Where::default();
    if let Some(t) = tenant {
        let p = w.text(t);
        w.push(format!("j.tenant_id = {p}"));
    }
    match q.category {
        JobCategory::Errors => w.push("j.state = 'error'"),
        JobCategory::External => w.push("j.kind = 'external'"),
        JobCategory::All => {}
    }
    if let Some(name) = q.name.as_deref() {
        // The activity's name and id, the process's name and key, the error: a job is found
        // by any of them (the words are checked by `LIKE`: the job table holds the jobs still
        // to run, not their history). The error is stored as a sentence's key and values
        // (`Text::to_stored`): a word of the sentence as people read it, in either language,
        // finds the keys of the sentences that hold it.
        let text = "LOWER(j.name || ' ' || j.activity_id || ' ' || i.definition_name || ' ' || i.definition_key \
                    || ' ' || COALESCE(j.error, ''))";
        for term in name.split_whitespace() {
            let term = term.to_lowercase();
            let p = w.text(like_pattern(&term));
            let mut any = vec![format!("{text} LIKE {p} ESCAPE '\\'")];
            for key in bpmn_core::text::keys_with_word(&term, MAX_ERROR_KEYS).unwrap_or_default() {
                let k = w.text(like_pattern(&format!("\"key\":\"{key}\"")));
                any.push(format!("j.error LIKE {k} ESCAPE '\\'"));
            }
            w.push(format!("({})", any.join(" OR ")));
        }
    }
    if let Some(i) = q.instance_id.as_deref().filter(|i| !i.is_empty()) {
        let p = w.text(i);
        w.push(format!("j.instance_id = {p}"));
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held() -> Held {
        Held { id: "j".into(), owner: "e#1".into(), revision: 7 }
    }

    fn held_args() -> Vec<Arg> {
        vec![Arg::from("j"), Arg::from("e#1"), Arg::Int(7)]
    }

    /// The executor's writes render the statements the executor wrote before they were typed
    /// (the prepared-statement caches key on the text).
    #[test]
    fn executor_writes_render_their_statements() {
        let log = AttemptLog {
            job_id: "j".into(),
            instance_id: "i".into(),
            attempt: 2,
            executor: "e#1".into(),
            started: 10,
            finished: 11,
            ok: true,
            message: "m".into(),
        };
        let cases = [
            (
                JobWrite::DeleteHeld(held()),
                "DELETE FROM jobs WHERE id = $1 AND locked_by = $2 AND revision = $3",
                held_args(),
            ),
            (
                JobWrite::ReleaseHeld(held()),
                "UPDATE jobs SET state = 'pending', locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 \
                 WHERE id = $1 AND locked_by = $2 AND revision = $3",
                held_args(),
            ),
            (
                JobWrite::RescheduleTimer { held: held(), fired: 3, due: 99 },
                "UPDATE jobs SET fired = $1, due = $2, state = 'pending', locked_by = NULL, lock_expires_at = NULL, \
                 error = NULL, error_details = NULL, revision = revision + 1 \
                 WHERE id = $3 AND locked_by = $4 AND revision = $5",
                [vec![Arg::Int(3), Arg::Int(99)], held_args()].concat(),
            ),
            (
                JobWrite::RetryLater { held: held(), retries: 2, due: 50, error: "x".into(), details: None },
                "UPDATE jobs SET retries = $1, due = $2, error = $3, error_details = $4, state = 'pending', \
                 locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 \
                 WHERE id = $5 AND locked_by = $6 AND revision = $7",
                [vec![Arg::Int(2), Arg::Int(50), Arg::from("x"), Arg::OptText(None)], held_args()].concat(),
            ),
            (
                JobWrite::MarkError { held: held(), error: "x".into(), details: Some("d".into()) },
                "UPDATE jobs SET retries = 0, state = 'error', error = $1, error_details = $2, locked_by = NULL, \
                 lock_expires_at = NULL, revision = revision + 1 WHERE id = $3 AND locked_by = $4 AND revision = $5",
                [vec![Arg::from("x"), Arg::OptText(Some("d".into()))], held_args()].concat(),
            ),
            (
                JobWrite::LogAttempt(log),
                "INSERT INTO job_attempts (job_id, instance_id, attempt, executor, started, finished, ok, message) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                vec![
                    Arg::from("j"),
                    Arg::from("i"),
                    Arg::Int(2),
                    Arg::from("e#1"),
                    Arg::Int(10),
                    Arg::Int(11),
                    Arg::Int(1),
                    Arg::from("m"),
                ],
            ),
            (
                JobWrite::ExecuteNow { id: "j".into(), due: 5 },
                "UPDATE jobs SET due = $1, retries = CASE WHEN retries < 1 THEN 1 ELSE retries END, \
                 state = 'pending', locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 \
                 WHERE id = $2 AND state <> 'running'",
                vec![Arg::Int(5), Arg::from("j")],
            ),
            (JobWrite::Delete { id: "j".into() }, "DELETE FROM jobs WHERE id = $1", vec![Arg::from("j")]),
            (
                JobWrite::AdvanceStartTimer { id: "s".into(), revision: 1, due: 8 },
                "UPDATE start_timers SET due = $1, fired = fired + 1, revision = revision + 1 \
                 WHERE id = $2 AND revision = $3",
                vec![Arg::Int(8), Arg::from("s"), Arg::Int(1)],
            ),
            (
                JobWrite::RemoveStartTimer { id: "s".into(), revision: 1 },
                "DELETE FROM start_timers WHERE id = $1 AND revision = $2",
                vec![Arg::from("s"), Arg::Int(1)],
            ),
        ];
        for (write, sql, args) in cases {
            assert_eq!(write.clone().into_statement(), (sql.to_owned(), args), "{write:?}");
        }
    }
}
