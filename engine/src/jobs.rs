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
mod retries;
pub mod service_call;
mod start;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

pub(crate) use self::executor::visible_variables;
pub use self::executor::{Executor, ExecutorConfig, QUICK_LEASE_MS};
pub use self::hosts::{HostPolicy, Verdict};
pub use self::service_call::{CallError, CallFuture, ServiceCaller, ServiceRequest, ServiceResponse};
pub use self::start::StartTimer;
use crate::bpmn::model::Process;
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::identity::Account;
use crate::instances::InstanceStatus;
use crate::runtime::{Command, InstanceState};
use crate::store::jobs::JobWrite;
use crate::store::sql::{decode_cursor, encode_cursor, page_size, Page};
use crate::store::writes::Write;
use crate::Engine;
use bpmn_core::job::JobAction;

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
pub use bpmn_core::job::JobCategory;

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
    /// The latest due first (else the soonest).
    pub latest_first: bool,
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
    /// Writes that must each change a row (the claim on the job), run first.
    pub guards: Vec<JobWrite>,
    /// Further writes of the outcome (its attempts log entry, incidents resolved).
    pub writes: Vec<Write>,
    /// token, activity id, message.
    pub incidents: Vec<(i64, String, Text)>,
    /// operation, detail, reason.
    pub operation: Option<(String, String, String)>,
    /// Variables set before the command (a worker's outcome).
    pub before: Option<crate::instances::VariablesBefore>,
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

/// The writes that resolve the open incidents of a token and recount the instance's.
pub(crate) fn resolve_incidents(instance_id: &str, token: i64, now: i64) -> Vec<Write> {
    vec![
        Write::ResolveIncidents { instance_id: instance_id.to_owned(), token, at: now },
        Write::RefreshIncidentCount { instance_id: instance_id.to_owned() },
    ]
}

impl Engine {
    /// One job with its log of past attempts; 404 when it is gone or not the caller's.
    pub async fn job(&self, caller: &Account, id: &str) -> Result<JobDetail> {
        let (job, _) = self.job_row(caller, id).await?;
        let attempts_log = self.store.job_attempts(id).await?;
        Ok(JobDetail { job, attempts_log })
    }

    /// The job and its token, or 404.
    async fn job_row(&self, caller: &Account, id: &str) -> Result<(Job, i64)> {
        let not_found = || EngineError::NotFound { what: "thing.job", id: id.to_owned() };
        let (job, token) = self.store.job(id).await?.ok_or_else(not_found)?;
        if !caller.can_access(&job.tenant_id) {
            return Err(not_found());
        }
        Ok((job, token))
    }

    /// The jobs list: soonest due first (or the latest, `q.latest_first`), keyset-paged by
    /// (due, id); a first page (no cursor) with its total.
    pub async fn list_jobs(&self, caller: &Account, q: &JobQuery) -> Result<Page<Job>> {
        let limit = page_size(q.limit);
        let tenant = caller.tenant_scope().or(q.tenant.as_deref().filter(|t| !t.is_empty()));
        let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(decode_cursor::<(i64, String)>(c)?),
            None => None,
        };
        let total = match after {
            None => Some(self.store.jobs_total(tenant, q).await?),
            Some(_) => None,
        };
        let mut items = self.store.jobs_page(tenant, q, after, limit + 1).await?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|j| encode_cursor(&(j.due, j.id.clone())))
        } else {
            None
        };
        Ok(Page { items, next, total })
    }

    /// Refuses with 409 when the job's instance ended; `what` is the operation's catalog key
    /// (`run.job_op.*`). A signal job is not its instance's work (it broadcasts a signal the
    /// instance threw, often as its end event): it may be executed or deleted whatever its
    /// instance's state.
    async fn job_instance_ok(&self, job: &Job, what: &'static str) -> Result<()> {
        if job.kind == JobKind::Signal {
            return Ok(());
        }
        let (status, _, _) = self.job_instance(&job.instance_id).await?;
        match status {
            InstanceStatus::Completed | InstanceStatus::Terminated => Err(EngineError::conflict(
                ConflictReason::Ended,
                Text::new("run.job_instance_ended")
                    .with_text("what", Text::new(what))
                    .with("job", &job.name)
                    .with("id", &job.instance_id),
            )),
            _ => Ok(()),
        }
    }

    /// Execute (执行): a pending or failed job becomes due now with at least one retry; an
    /// executor picks it up. Its open incidents are resolved. 404 when the job is gone, 409
    /// when it runs already or its instance ended (but for a signal job) or is suspended.
    /// On an external task it frees the lock and resets the retries (resolving the incident):
    /// workers fetch it again.
    pub async fn execute_job(&self, caller: &Account, id: &str) -> Result<Job> {
        let (job, token) = self.job_row(caller, id).await?;
        self.job_instance_ok(&job, "run.job_op.execute").await?;
        if job.kind == JobKind::External {
            self.execute_external(caller, id).await?;
            return Ok(self.job_row(caller, id).await?.0);
        }
        if let Some(refusal) = crate::rules::job_action_refusal(&job.name, job.kind, job.state, JobAction::Execute) {
            return Err(refusal.into());
        }
        let now = self.clock.now();
        self.run_job_command(&job.instance_id, &caller.username, |view| {
            if view.status == InstanceStatus::Suspended {
                return Err(EngineError::conflict(
                    ConflictReason::NotRunning,
                    Text::new("run.job_instance_suspended").with("job", &job.name),
                ));
            }
            if view.status.is_finished() && job.kind != JobKind::Signal {
                return Err(EngineError::conflict(
                    ConflictReason::Ended,
                    Text::new("run.job_ended")
                        .with_text("what", Text::new("run.job_op.execute"))
                        .with("job", &job.name),
                ));
            }
            Ok(JobCommand {
                guards: vec![JobWrite::ExecuteNow { id: id.to_owned(), due: now }],
                writes: resolve_incidents(&job.instance_id, token, now),
                operation: Some(("execute-job".into(), job.name.clone(), String::new())),
                ..JobCommand::default()
            })
        })
        .await
        .map_err(|e| match e {
            EngineError::Conflict { reason: ConflictReason::ClaimLost, .. } => EngineError::conflict(
                ConflictReason::ChangedMeanwhile,
                Text::new("run.job_taken_meanwhile").with("job", &job.name),
            ),
            other => other,
        })?;
        Ok(self.job_row(caller, id).await?.0)
    }

    /// Delete (删除): removes a job. A running one loses its lease with the row: its call is
    /// aborted (at once in this process, at the next lease renewal in another) and its outcome
    /// is not written. The instance gets an incident saying who deleted it, so that the waiting
    /// token is not silently stuck; a signal job's deletion (whatever its instance's state)
    /// only drops its broadcast, without an incident. 404 when the job is gone, 409 when its
    /// instance ended.
    pub async fn delete_job(&self, caller: &Account, id: &str) -> Result<()> {
        let (job, token) = self.job_row(caller, id).await?;
        self.job_instance_ok(&job, "run.job_op.delete").await?;
        let now = self.clock.now();
        let kind = Text::new(match job.kind {
            JobKind::Timer => "run.job.kind.timer",
            JobKind::Service => "run.job.kind.service",
            JobKind::Async => "run.job.kind.async",
            JobKind::Signal => "run.job.kind.signal",
            JobKind::External => "run.job.kind.external",
        });
        let message = Text::new("run.job.deleted_by")
            .with("name", &job.name)
            .with_text("kind", kind)
            .with("user", &caller.username)
            .with("activity", &job.activity_id);
        self.run_job_command(&job.instance_id, &caller.username, |view| {
            let signal = job.kind == JobKind::Signal;
            if view.status.is_finished() && !signal {
                return Err(EngineError::conflict(
                    ConflictReason::Ended,
                    Text::new("run.job_ended").with_text("what", Text::new("run.job_op.delete")).with("job", &job.name),
                ));
            }
            Ok(JobCommand {
                guards: vec![JobWrite::Delete { id: id.to_owned() }],
                writes: resolve_incidents(&job.instance_id, token, now),
                // No token waits for a signal job: its deletion only drops the broadcast.
                incidents: if signal { Vec::new() } else { vec![(token, job.activity_id.clone(), message.clone())] },
                operation: Some(("delete-job".into(), job.name.clone(), String::new())),
                ..JobCommand::default()
            })
        })
        .await
        .map_err(|e| match e {
            EngineError::Conflict { reason: ConflictReason::ClaimLost, .. } => {
                EngineError::NotFound { what: "thing.job", id: id.to_owned() }
            }
            other => other,
        })?;
        if self.running.stop(id) > 0 {
            tracing::info!(job = %id, by = %caller.username, "running job deleted: its call is aborted");
        }
        Ok(())
    }
}
