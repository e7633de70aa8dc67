//! Jobs: the asynchronous automatic work of instances (timers, web-service calls and
//! asynchronous continuations), the executor that runs them, and the administrator operations
//! of the 作业 screen.
//!
//! A job row is written by the instance's command that creates the wait (see
//! `instances::exec`). The [`Executor`] claims due rows with a lease (`locked_by`,
//! `lock_expires_at`, one update per claim; on PostgreSQL under `FOR UPDATE SKIP LOCKED`),
//! runs them outside any transaction while renewing the lease, and commits each outcome
//! together with the instance's next steps in one transaction that re-checks the claim: a job
//! deleted or taken over meanwhile writes nothing (and its call is dropped). A crashed executor's jobs are claimed again
//! once their lease has expired (20 s for timers and continuations, 5 min for calls), or at
//! once when the same executor identity starts again (it releases the claims of its earlier
//! incarnation), so a job runs at least once; calls carry an idempotency key.

mod executor;
pub mod hosts;
pub mod http;
mod start;

#[cfg(test)]
pub(crate) use self::executor::{extend_lease, held_condition};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use tokio::sync::Notify;

pub use self::executor::{Executor, ExecutorConfig, QUICK_LEASE_MS};
pub use self::hosts::{HostPolicy, Verdict};
pub use self::http::{CallError, CallFuture, ServiceCaller, ServiceRequest, ServiceResponse};
pub use self::start::StartTimer;
use crate::bpmn::model::Process;
use crate::error::{EngineError, Result};
use crate::identity::Account;
use crate::instances::InstanceStatus;
use crate::runtime::{Command, InstanceState};
use crate::sql::{decode_cursor, encode_cursor, page_size, push_search, Arg, Page, Where};
use crate::Engine;

pub use bpmn_core::job::{JobKind, JobState};

pub use bpmn_core::job::Job;

pub use bpmn_core::job::JobAttempt;

/// A job with its log of past attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDetail {
    #[serde(flatten)]
    pub job: Job,
    /// Newest first.
    pub attempts_log: Vec<JobAttempt>,
}

/// The categories of the jobs screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobCategory {
    /// 错误: jobs in error.
    Errors,
    /// 全部.
    #[default]
    All,
}

/// A page of the jobs list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobQuery {
    pub category: JobCategory,
    /// Words the job name must contain (case-insensitive).
    pub name: Option<String>,
    pub instance_id: Option<String>,
    /// An administrator's tenant filter; a tenant manager always sees only their tenant.
    pub tenant: Option<String>,
    pub cursor: Option<String>,
    pub limit: i64,
}

/// What the executor sees of an instance when it decides a job's outcome (crate-internal).
pub(crate) struct JobInstance<'a> {
    pub status: InstanceStatus,
    pub process: &'a Process,
    pub state: &'a InstanceState,
}

/// What a job's outcome does, as one command on its instance (crate-internal).
#[derive(Default)]
pub(crate) struct JobCommand {
    pub command: Option<Command>,
    /// Statements that must each change a row (the claim on the job), run first.
    pub guards: Vec<(String, Vec<Arg>)>,
    pub statements: Vec<(String, Vec<Arg>)>,
    /// token, activity id, message.
    pub incidents: Vec<(i64, String, String)>,
    /// operation, detail, reason.
    pub operation: Option<(String, String, String)>,
}

/// The jobs this process is running (crate-internal): job id → the signals that stop the runs.
/// A deletion commits first (nothing can claim the job meanwhile), then signals the run in this
/// process, which drops its in-flight call. A run in another process notices at its next lease
/// renewal that the job is gone; its outcome would be refused by the commit guard anyway.
///
/// It also holds the executors' write turn on SQLite (see `Executor::write_turn`).
#[derive(Debug, Default)]
pub(crate) struct RunningJobs {
    runs: Mutex<HashMap<String, Vec<StopSignal>>>,
    next: std::sync::atomic::AtomicU64,
    pub(crate) writes: tokio::sync::Mutex<()>,
}

impl RunningJobs {
    /// Registers a run of job `id`; the registration ends when the returned guard drops.
    pub(crate) fn register(self: &Arc<Self>, id: &str) -> RunningJob {
        let key = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let stop = Arc::new(Notify::new());
        if let Ok(mut runs) = self.runs.lock() {
            runs.entry(id.to_owned()).or_default().push((key, stop.clone()));
        }
        RunningJob { jobs: self.clone(), id: id.to_owned(), key, stop }
    }

    /// Stops every run of job `id` in this process; returns how many there were.
    pub(crate) fn stop(&self, id: &str) -> usize {
        let runs = self.runs.lock().ok().and_then(|r| r.get(id).cloned()).unwrap_or_default();
        for (_, stop) in &runs {
            // A permit is stored if the run is not waiting yet, so the signal is never lost.
            stop.notify_one();
        }
        runs.len()
    }
}

/// A run's registration number and the signal that stops it.
type StopSignal = (u64, Arc<Notify>);

/// One registered run; dropping it ends the registration.
pub(crate) struct RunningJob {
    jobs: Arc<RunningJobs>,
    id: String,
    key: u64,
    stop: Arc<Notify>,
}

impl RunningJob {
    /// Resolves when the job is deleted in this process.
    pub(crate) async fn stopped(&self) {
        self.stop.notified().await
    }
}

impl Drop for RunningJob {
    fn drop(&mut self) {
        if let Ok(mut runs) = self.jobs.runs.lock() {
            if let Some(list) = runs.get_mut(&self.id) {
                list.retain(|(k, _)| *k != self.key);
                if list.is_empty() {
                    runs.remove(&self.id);
                }
            }
        }
    }
}

const JOB_COLUMNS: &str = "j.id, j.tenant_id, j.name, j.kind, j.instance_id, j.activity_id, j.token, \
     i.definition_name, j.due, j.retries, j.state, j.error, j.error_details, j.definition, j.fired, j.attempts, \
     j.locked_by, j.lock_expires_at, j.created, j.revision";

fn job_from_row(r: &AnyRow) -> Result<Job> {
    let kind = match r.try_get::<String, _>("kind")?.as_str() {
        "timer" => JobKind::Timer,
        "async" => JobKind::Async,
        _ => JobKind::Service,
    };
    let state = match r.try_get::<String, _>("state")?.as_str() {
        "running" => JobState::Running,
        "error" => JobState::Error,
        _ => JobState::Pending,
    };
    Ok(Job {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        name: r.try_get("name")?,
        kind,
        instance_id: r.try_get("instance_id")?,
        activity_id: r.try_get("activity_id")?,
        process_name: r.try_get("definition_name")?,
        due: r.try_get("due")?,
        retries: r.try_get("retries")?,
        state,
        error: r.try_get("error")?,
        error_details: r.try_get("error_details")?,
        timer_definition: r.try_get("definition")?,
        fired: r.try_get("fired")?,
        attempts: r.try_get("attempts")?,
        locked_by: r.try_get("locked_by")?,
        lock_expires_at: r.try_get("lock_expires_at")?,
        created: r.try_get("created")?,
        revision: r.try_get("revision")?,
    })
}

/// Statements that resolve the open incidents of a token and recount the instance's.
fn resolve_incidents(instance_id: &str, token: i64, now: i64) -> Vec<(String, Vec<Arg>)> {
    vec![
        (
            "UPDATE incidents SET resolved = $1 WHERE instance_id = $2 AND token = $3 AND resolved IS NULL".into(),
            vec![Arg::Int(now), Arg::Text(instance_id.to_owned()), Arg::Int(token)],
        ),
        (
            "UPDATE process_instances SET open_incidents = \
             (SELECT COUNT(*) FROM incidents WHERE instance_id = $1 AND resolved IS NULL) WHERE id = $1"
                .into(),
            vec![Arg::Text(instance_id.to_owned())],
        ),
    ]
}

impl Engine {
    /// One job with its log of past attempts; 404 when it is gone or not the caller's.
    pub async fn job(&self, caller: &Account, id: &str) -> Result<JobDetail> {
        let (job, _) = self.job_row(caller, id).await?;
        let rows = sqlx::query(
            "SELECT attempt, executor, started, finished, ok, message FROM job_attempts WHERE job_id = $1 \
             ORDER BY attempt DESC, id DESC LIMIT 100",
        )
        .bind(id)
        .fetch_all(&self.store.pool)
        .await?;
        let attempts_log = rows
            .iter()
            .map(|r| {
                Ok(JobAttempt {
                    attempt: r.try_get("attempt")?,
                    executor: r.try_get("executor")?,
                    started: r.try_get("started")?,
                    finished: r.try_get("finished")?,
                    ok: r.try_get::<i64, _>("ok")? != 0,
                    message: r.try_get("message")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(JobDetail { job, attempts_log })
    }

    /// The job and its token, or 404.
    async fn job_row(&self, caller: &Account, id: &str) -> Result<(Job, i64)> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs j JOIN process_instances i ON i.id = j.instance_id WHERE j.id = $1"
        );
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.store.pool).await?;
        let not_found = || EngineError::NotFound { what: "Job", id: id.to_owned() };
        let row = row.ok_or_else(not_found)?;
        let job = job_from_row(&row)?;
        if !caller.can_access(&job.tenant_id) {
            return Err(not_found());
        }
        Ok((job, row.try_get("token")?))
    }

    /// The jobs list: newest due last, keyset-paged by (due, id).
    pub async fn list_jobs(&self, caller: &Account, q: &JobQuery) -> Result<Page<Job>> {
        let limit = page_size(q.limit);
        let mut w = Where::default();
        match caller.tenant_scope() {
            Some(t) => {
                let p = w.text(t);
                w.push(format!("j.tenant_id = {p}"));
            }
            None => {
                if let Some(t) = q.tenant.as_deref().filter(|t| !t.is_empty()) {
                    let p = w.text(t);
                    w.push(format!("j.tenant_id = {p}"));
                }
            }
        }
        if q.category == JobCategory::Errors {
            w.push("j.state = 'error'");
        }
        if let Some(name) = q.name.as_deref() {
            push_search(&mut w, "LOWER(j.name)", name);
        }
        if let Some(i) = q.instance_id.as_deref().filter(|i| !i.is_empty()) {
            let p = w.text(i);
            w.push(format!("j.instance_id = {p}"));
        }
        if let Some(c) = q.cursor.as_deref().filter(|c| !c.is_empty()) {
            let (due, id): (i64, String) = decode_cursor(c)?;
            let (a, b, c2) = (w.int(due), w.int(due), w.text(id));
            w.push(format!("(j.due > {a} OR (j.due = {b} AND j.id > {c2}))"));
        }
        let p = w.int(limit + 1);
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs j JOIN process_instances i ON i.id = j.instance_id{} \
             ORDER BY j.due, j.id LIMIT {p}",
            w.sql()
        );
        let rows = w.bind(&sql).fetch_all(&self.store.pool).await?;
        let mut items = rows.iter().map(job_from_row).collect::<Result<Vec<_>>>()?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|j| encode_cursor(&(j.due, j.id.clone())))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Refuses with 409 when the job's instance ended or is suspended.
    async fn job_instance_ok(&self, job: &Job, what: &str) -> Result<()> {
        let (status, _, _) = self.job_instance(&job.instance_id).await?;
        match status {
            InstanceStatus::Completed | InstanceStatus::Terminated => Err(EngineError::Conflict(format!(
                "Cannot {what} job '{}': its instance '{}' has ended. Reload the list.",
                job.name, job.instance_id
            ))),
            _ => Ok(()),
        }
    }

    /// Execute (执行): a pending or failed job becomes due now with at least one retry; an
    /// executor picks it up. Its open incidents are resolved. 404 when the job is gone, 409
    /// when it runs already or its instance ended or is suspended.
    pub async fn execute_job(&self, caller: &Account, id: &str) -> Result<Job> {
        let (job, token) = self.job_row(caller, id).await?;
        self.job_instance_ok(&job, "execute").await?;
        if !job.state.can_execute() {
            return Err(EngineError::Conflict(format!(
                "Job '{}' is running already; wait for its outcome, then reload.",
                job.name
            )));
        }
        let now = self.clock.now();
        let statements = resolve_incidents(&job.instance_id, token, now);
        self.run_job_command(&job.instance_id, &caller.username, |view| {
            if view.status == InstanceStatus::Suspended {
                return Err(EngineError::Conflict(format!(
                    "Job '{}' belongs to a suspended instance; resume the instance first.",
                    job.name
                )));
            }
            if view.status.is_finished() {
                return Err(EngineError::Conflict(format!(
                    "Cannot execute job '{}': its instance has ended. Reload the list.",
                    job.name
                )));
            }
            Ok(JobCommand {
                guards: vec![(
                    "UPDATE jobs SET due = $1, retries = CASE WHEN retries < 1 THEN 1 ELSE retries END, \
                     state = 'pending', locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 \
                     WHERE id = $2 AND state <> 'running'"
                        .into(),
                    vec![Arg::Int(now), Arg::Text(id.to_owned())],
                )],
                statements: statements.clone(),
                operation: Some(("execute-job".into(), job.name.clone(), String::new())),
                ..JobCommand::default()
            })
        })
        .await
        .map_err(|e| match e {
            EngineError::Conflict(m) if m.starts_with("The job was deleted") => EngineError::Conflict(format!(
                "Job '{}' was started or deleted meanwhile by an executor or someone else; reload the list.",
                job.name
            )),
            other => other,
        })?;
        Ok(self.job_row(caller, id).await?.0)
    }

    /// Delete (删除): removes a job. A running one loses its lease with the row: its call is
    /// aborted (at once in this process, at the next lease renewal in another) and its outcome
    /// is not written. The instance gets an incident saying who deleted it, so that the waiting
    /// token is not silently stuck. 404 when the job is gone, 409 when its instance ended.
    pub async fn delete_job(&self, caller: &Account, id: &str) -> Result<()> {
        let (job, token) = self.job_row(caller, id).await?;
        self.job_instance_ok(&job, "delete").await?;
        let now = self.clock.now();
        let message = format!(
            "Job '{}' ({}) was deleted by {}; the token waits at '{}' until the instance is adjusted (moved on) or \
             terminated.",
            job.name,
            match job.kind {
                JobKind::Timer => "timer",
                JobKind::Service => "web-service call",
                JobKind::Async => "asynchronous continuation",
            },
            caller.username,
            job.activity_id
        );
        self.run_job_command(&job.instance_id, &caller.username, |view| {
            if view.status.is_finished() {
                return Err(EngineError::Conflict(format!(
                    "Cannot delete job '{}': its instance has ended. Reload the list.",
                    job.name
                )));
            }
            Ok(JobCommand {
                guards: vec![("DELETE FROM jobs WHERE id = $1".into(), vec![Arg::Text(id.to_owned())])],
                statements: resolve_incidents(&job.instance_id, token, now),
                incidents: vec![(token, job.activity_id.clone(), message.clone())],
                operation: Some(("delete-job".into(), job.name.clone(), String::new())),
                ..JobCommand::default()
            })
        })
        .await
        .map_err(|e| match e {
            EngineError::Conflict(m) if m.starts_with("The job was deleted") => {
                EngineError::NotFound { what: "Job", id: id.to_owned() }
            }
            other => other,
        })?;
        if self.running.stop(id) > 0 {
            tracing::info!(job = %id, by = %caller.username, "running job deleted: its call is aborted");
        }
        Ok(())
    }
}
