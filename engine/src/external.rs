//! External tasks: service tasks (and message throw events, send tasks) with an external
//! topic (`camunda:type="external" camunda:topic="..."`, Flowable's
//! `flowable:type="external-worker" flowable:topic="..."`) wait for a worker outside the
//! engine. Workers fetch and lock them by topic (long polling, without holding a database
//! connection while they wait), then complete them with variables, report a failure (retries
//! left: pending again after the retry timeout; none: an incident), throw a BPMN error that the
//! model catches, extend or give up their lock.
//!
//! They are jobs of kind `external` (作业 → 外部任务): the job executor never runs them; the
//! 作业 screen shows topic, worker, lock expiry, retries and error, and offers 执行 (unlock and
//! reset the retries) and 删除.

mod wait;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub(crate) use self::wait::Waiters;
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::identity::Account;
use crate::instances::{set_variables_before, InstanceStatus, VariablesBefore};
use crate::jobs::{resolve_incidents, visible_variables, JobCommand};
use crate::runtime::{Command, TokenId, TokenState};
use crate::store::external::{ExternalRow, FetchSpec, LockedRow};
use crate::store::jobs::{AttemptLog, JobWrite};
use crate::store::writes::Write;
use crate::store::Backend;
use crate::Engine;

/// The longest a fetch-and-lock request may wait for a task to appear.
pub const MAX_ASYNC_RESPONSE_TIMEOUT_MS: u64 = 30_000;

/// One topic of a fetch-and-lock request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FetchTopic {
    pub topic_name: String,
    /// How long the worker keeps the lock, in milliseconds.
    pub lock_duration_ms: i64,
    /// The variables to return; `None` returns every variable the task's token sees.
    pub variables: Option<Vec<String>>,
    /// Only tasks of instances with this business key.
    pub business_key: Option<String>,
    /// Only tasks of definitions with one of these keys.
    pub process_definition_keys: Vec<String>,
    /// Only tasks of these tenants.
    pub tenant_ids: Vec<String>,
}

/// `POST /external-task/fetchAndLock`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FetchAndLock {
    pub worker_id: String,
    pub max_tasks: u32,
    /// Higher priorities first (otherwise oldest first).
    pub use_priority: bool,
    pub topics: Vec<FetchTopic>,
    /// Wait up to this long (at most [`MAX_ASYNC_RESPONSE_TIMEOUT_MS`]) when nothing is there.
    pub async_response_timeout_ms: u64,
}

/// A task handed to a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockedExternalTask {
    pub id: String,
    pub topic_name: String,
    pub worker_id: String,
    pub lock_expiration_time: i64,
    pub activity_id: String,
    /// The token's id within the instance, as text (Camunda's activity instance and execution).
    pub execution_id: String,
    pub process_instance_id: String,
    pub process_definition_id: String,
    pub process_definition_key: String,
    pub tenant_id: String,
    pub business_key: Option<String>,
    pub retries: Option<i32>,
    pub error_message: Option<String>,
    pub error_details: Option<String>,
    pub priority: i64,
    pub variables: Map<String, Value>,
}

/// An external task as listed (`GET /external-task`, the 作业 screen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalTask {
    pub id: String,
    pub topic_name: String,
    pub worker_id: Option<String>,
    pub lock_expiration_time: Option<i64>,
    pub activity_id: String,
    pub execution_id: String,
    pub process_instance_id: String,
    pub process_definition_id: String,
    pub process_definition_key: String,
    pub tenant_id: String,
    pub business_key: Option<String>,
    pub retries: Option<i32>,
    pub error_message: Option<String>,
    pub suspended: bool,
    pub priority: i64,
    pub created_at: i64,
}

/// Filters of `GET /external-task` (and `/count`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExternalTaskQuery {
    pub external_task_id: Option<String>,
    pub topic_name: Option<String>,
    pub worker_id: Option<String>,
    /// `Some(true)`: only locked ones (lock not expired); `Some(false)`: only free ones.
    pub locked: Option<bool>,
    /// `Some(true)`: retries left (or never failed); `Some(false)`: out of retries.
    pub with_retries_left: Option<bool>,
    pub process_instance_id: Option<String>,
    pub process_definition_id: Option<String>,
    pub activity_id: Option<String>,
    pub tenant_ids: Vec<String>,
    pub first_result: i64,
    pub max_results: i64,
}

/// `POST /external-task/{id}/failure`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExternalFailure {
    pub error_message: Option<String>,
    pub error_details: Option<String>,
    /// Retries left after this failure; 0 makes an incident.
    pub retries: i32,
    /// When the task may be fetched again, in milliseconds from now.
    pub retry_timeout_ms: i64,
}

/// The longest lock a worker may ask for (a day): a worker that dies holding it delays its
/// tasks no longer than that.
pub const MAX_LOCK_DURATION_MS: i64 = 86_400_000;

/// The most tasks one fetch may lock.
pub const MAX_TASKS_PER_FETCH: u32 = 1_000;

/// The longest error message and details kept, in characters.
const ERROR_CHARS: usize = 2_000;
const DETAILS_CHARS: usize = 16_000;

fn invalid(field: &'static str, text: Text) -> EngineError {
    EngineError::Invalid { field: Some(field), text }
}

/// `text` cut to `max` characters.
fn cut(text: Option<String>, max: usize) -> Option<String> {
    text.map(|t| if t.chars().count() > max { t.chars().take(max).collect() } else { t })
}

/// Refuses a request that can never succeed as given.
fn check_request(req: &FetchAndLock) -> Result<()> {
    if req.worker_id.trim().is_empty() {
        return Err(invalid("workerId", Text::new("run.ext.worker_id_missing")));
    }
    if req.max_tasks > MAX_TASKS_PER_FETCH {
        return Err(invalid(
            "maxTasks",
            Text::new("run.ext.too_many_tasks").with("given", req.max_tasks).with("max", MAX_TASKS_PER_FETCH),
        ));
    }
    for t in &req.topics {
        if t.topic_name.trim().is_empty() {
            return Err(invalid("topicName", Text::new("run.ext.topic_missing")));
        }
        if t.lock_duration_ms <= 0 || t.lock_duration_ms > MAX_LOCK_DURATION_MS {
            return Err(invalid(
                "lockDuration",
                Text::new("run.ext.lock_duration")
                    .with("topic", &t.topic_name)
                    .with("given", t.lock_duration_ms)
                    .with("max", MAX_LOCK_DURATION_MS),
            ));
        }
    }
    Ok(())
}

/// Refuses a worker that does not hold the task's lock, saying who does; `what` is the
/// outcome's catalog key (`run.ext.op.*`).
fn check_worker(row: &ExternalRow, worker: &str, what: &'static str) -> Result<()> {
    let refusal = |key: &'static str| {
        Text::new(key).with_text("what", Text::new(what)).with("id", &row.id).with("worker", worker)
    };
    match row.locked_by.as_deref() {
        Some(holder) if row.state == "running" && holder == worker => Ok(()),
        Some(holder) if row.state == "running" => Err(EngineError::conflict(
            ConflictReason::ClaimLost,
            refusal("run.ext.locked_by_other").with("holder", holder),
        )),
        _ => Err(EngineError::conflict(ConflictReason::ClaimLost, refusal("run.ext.not_locked"))),
    }
}

/// The refusal of worker `worker` whose lock of task `id` went between the read and the write.
fn lost(id: &str, worker: &str) -> EngineError {
    EngineError::conflict(
        ConflictReason::ClaimLost,
        Text::new("run.ext.lock_lost").with("worker", worker).with("id", id),
    )
}

/// [`lost`] in place of the claim-lost refusal of a command.
fn lock_lost<'a>(id: &'a str, worker: &'a str) -> impl Fn(EngineError) -> EngineError + 'a {
    move |e| match e {
        EngineError::Conflict { reason: ConflictReason::ClaimLost, .. } => lost(id, worker),
        other => other,
    }
}

/// Refuses a worker's outcome for a task whose instance does not run or whose token no longer
/// waits for it.
fn require_waiting(row: &ExternalRow, view: &crate::jobs::JobInstance<'_>) -> Result<()> {
    if view.status == InstanceStatus::Suspended {
        return Err(EngineError::conflict(
            ConflictReason::NotRunning,
            Text::new("run.ext.instance_suspended").with("instance", &row.instance_id).with("id", &row.id),
        ));
    }
    let waits = view.state.tokens.iter().any(|t| t.id == row.token as TokenId && t.state == TokenState::WaitingService);
    if view.status.is_finished() || !waits {
        return Err(EngineError::conflict(
            ConflictReason::ChangedMeanwhile,
            Text::new("run.ext.not_waited_for").with("instance", &row.instance_id).with("id", &row.id),
        ));
    }
    Ok(())
}

/// The attempts-log entry of a worker's outcome.
fn attempt(row: &ExternalRow, worker: &str, ok: bool, message: &Text, now: i64) -> Write {
    Write::Job(JobWrite::LogAttempt(AttemptLog {
        job_id: row.id.clone(),
        instance_id: row.instance_id.clone(),
        attempt: 0,
        executor: worker.to_owned(),
        started: now,
        finished: now,
        ok,
        message: message.to_stored_within(ERROR_CHARS * 2),
    }))
}

/// The variables a locked task hands its worker: all the token sees, or the named ones.
fn pick(all: Map<String, Value>, names: Option<&[String]>) -> Map<String, Value> {
    match names {
        None => all,
        Some(names) => all.into_iter().filter(|(k, _)| names.contains(k)).collect(),
    }
}

impl Engine {
    /// Locks up to `max_tasks` tasks of the request's topics for `worker_id` and returns them
    /// with their variables; when none is free, waits (without a database connection) up to
    /// the request's timeout for one to appear.
    pub async fn fetch_and_lock(&self, caller: &Account, req: FetchAndLock) -> Result<Vec<LockedExternalTask>> {
        check_request(&req)?;
        let timeout = req.async_response_timeout_ms.min(MAX_ASYNC_RESPONSE_TIMEOUT_MS);
        if timeout == 0 || req.max_tasks == 0 || req.topics.is_empty() {
            return self.try_fetch(caller, &req).await;
        }
        let topics: Vec<String> = req.topics.iter().map(|t| t.topic_name.clone()).collect();
        let waiting = self.external.register(&topics);
        let got = self.try_fetch(caller, &req).await?;
        if !got.is_empty() {
            return Ok(got);
        }
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(timeout);
        self.external.ensure_polling(self);
        loop {
            tokio::select! {
                _ = waiting.woken() => {}
                _ = tokio::time::sleep_until(deadline) => return Ok(Vec::new()),
            }
            let got = self.try_fetch(caller, &req).await?;
            if !got.is_empty() {
                return Ok(got);
            }
        }
    }

    /// One look for fetchable tasks: locks what it finds, topic by topic.
    async fn try_fetch(&self, caller: &Account, req: &FetchAndLock) -> Result<Vec<LockedExternalTask>> {
        let now = self.clock.now();
        let mut out = Vec::new();
        let mut left = i64::from(req.max_tasks);
        for t in &req.topics {
            if left <= 0 {
                break;
            }
            let spec = FetchSpec {
                topic: &t.topic_name,
                worker: &req.worker_id,
                expires: now.saturating_add(t.lock_duration_ms),
                now,
                limit: left,
                use_priority: req.use_priority,
                scope: caller.tenant_scope(),
                tenant_ids: &t.tenant_ids,
                business_key: t.business_key.as_deref(),
                definition_keys: &t.process_definition_keys,
            };
            let rows = {
                // SQLite takes one writer at a time. On a file the store's writer thread runs
                // the fetch with the commands queued beside it; on a database in memory the
                // engine's own writers queue in process.
                let _turn = match self.store.backend() {
                    Backend::Sqlite if !self.store.has_writer() => Some(self.running.writes.lock().await),
                    _ => None,
                };
                self.store.lock_external(&spec).await?
            };
            left -= rows.len() as i64;
            for row in rows {
                out.push(self.locked_task(row, t.variables.as_deref()).await?);
            }
        }
        Ok(out)
    }

    /// A locked task with its instance's details and the variables its token sees.
    async fn locked_task(&self, row: LockedRow, names: Option<&[String]>) -> Result<LockedExternalTask> {
        let (inst, process) = self.instance_with_process(&row.instance_id).await?;
        let variables = pick(visible_variables(&inst.state, row.token as TokenId), names);
        Ok(LockedExternalTask {
            id: row.id,
            topic_name: row.topic,
            worker_id: row.worker,
            lock_expiration_time: row.lock_expires_at,
            activity_id: row.activity_id,
            execution_id: row.token.to_string(),
            process_instance_id: row.instance_id,
            process_definition_id: inst.definition_id,
            process_definition_key: process.id.clone(),
            tenant_id: row.tenant_id,
            business_key: inst.business_key,
            retries: row.retries.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            error_message: row.error,
            error_details: row.error_details,
            priority: row.priority,
            variables,
        })
    }

    /// External task `id` of the caller's scope, or 404 (another tenant's too).
    async fn external_row(&self, caller: &Account, id: &str) -> Result<ExternalRow> {
        let not_found = || EngineError::NotFound { what: "thing.external_task", id: id.to_owned() };
        let row = self.store.external_row(id).await?.ok_or_else(not_found)?;
        if !caller.can_access(&row.tenant_id) {
            return Err(not_found());
        }
        Ok(row)
    }

    /// Completes the task locked by `worker_id`: sets `variables` (instance) and
    /// `local_variables` (the token's), and the token moves on.
    pub async fn complete_external_task(
        &self,
        caller: &Account,
        id: &str,
        worker_id: &str,
        variables: Map<String, Value>,
        local_variables: Map<String, Value>,
    ) -> Result<()> {
        let row = self.external_row(caller, id).await?;
        check_worker(&row, worker_id, "run.ext.op.complete")?;
        let now = self.clock.now();
        self.run_job_command(&row.instance_id, &caller.username, |view| {
            require_waiting(&row, view)?;
            Ok(JobCommand {
                command: Some(Command::CompleteTask { token: row.token as TokenId, variables: variables.clone() }),
                guards: vec![JobWrite::ExternalDone { id: row.id.clone(), worker: worker_id.to_owned() }],
                writes: vec![attempt(&row, worker_id, true, &Text::new("run.ext.log_completed"), now)],
                before: Some(VariablesBefore {
                    token: row.token as TokenId,
                    local: local_variables.clone(),
                    ..VariablesBefore::default()
                }),
                ..JobCommand::default()
            })
        })
        .await
        .map_err(lock_lost(id, worker_id))
    }

    /// Records a failure of the task locked by `worker_id`: pending again after the retry
    /// timeout while retries are left, otherwise an incident.
    pub async fn fail_external_task(
        &self,
        caller: &Account,
        id: &str,
        worker_id: &str,
        failure: ExternalFailure,
    ) -> Result<()> {
        if failure.retries < 0 {
            return Err(invalid("retries", Text::new("run.ext.fail_retries_negative")));
        }
        if failure.retry_timeout_ms < 0 {
            return Err(invalid("retryTimeout", Text::new("run.ext.retry_timeout_negative")));
        }
        let row = self.external_row(caller, id).await?;
        check_worker(&row, worker_id, "run.ext.op.fail")?;
        let now = self.clock.now();
        let error = cut(failure.error_message, ERROR_CHARS);
        let details = cut(failure.error_details, DETAILS_CHARS);
        let log = error.clone().map_or_else(|| Text::new("run.ext.log_failed"), Text::verbatim);
        let retry = failure.retries > 0;
        let (write, incidents) = if retry {
            let write = JobWrite::ExternalRetry {
                id: row.id.clone(),
                worker: worker_id.to_owned(),
                retries: i64::from(failure.retries),
                due: now.saturating_add(failure.retry_timeout_ms),
                error,
                details,
            };
            (write, Vec::new())
        } else {
            let incident = Text::new("run.ext.failed_no_retries")
                .with("name", &row.name)
                .with("worker", worker_id)
                .with_text("error", log.clone());
            let write = JobWrite::ExternalFailed { id: row.id.clone(), worker: worker_id.to_owned(), error, details };
            (write, vec![(row.token, row.activity_id.clone(), incident)])
        };
        self.run_job_command(&row.instance_id, &caller.username, |_| {
            Ok(JobCommand {
                guards: vec![write.clone()],
                writes: vec![attempt(&row, worker_id, false, &log, now)],
                incidents: incidents.clone(),
                ..JobCommand::default()
            })
        })
        .await
        .map_err(lock_lost(id, worker_id))?;
        if retry {
            // A retry due later: waiting fetches look again then.
            self.external.poke();
        }
        Ok(())
    }

    /// Throws the BPMN error `code` at the task's activity, caught like an error thrown by the
    /// activity (boundary event, event sub-process); `variables` are set first. Uncaught: an
    /// incident, as for a service call.
    pub async fn external_bpmn_error(
        &self,
        caller: &Account,
        id: &str,
        worker_id: &str,
        code: &str,
        message: Option<&str>,
        variables: Map<String, Value>,
    ) -> Result<()> {
        if code.trim().is_empty() {
            return Err(invalid("errorCode", Text::new("run.ext.error_code_missing")));
        }
        let row = self.external_row(caller, id).await?;
        check_worker(&row, worker_id, "run.ext.op.bpmn_error")?;
        let now = self.clock.now();
        let log = match message {
            Some(m) => Text::new("run.job.bpmn_error").with("code", code).with_text("answer", Text::verbatim(m)),
            None => Text::new("run.ext.log_bpmn_error").with("code", code),
        };
        self.run_job_command(&row.instance_id, &caller.username, |view| {
            require_waiting(&row, view)?;
            let command = Command::ThrowError {
                token: row.token as TokenId,
                code: code.to_owned(),
                message: message.map(str::to_owned),
            };
            let before = VariablesBefore {
                token: row.token as TokenId,
                variables: variables.clone(),
                ..VariablesBefore::default()
            };
            let mut state = view.state.clone();
            set_variables_before(&mut state, before.clone());
            let before = Some(before);
            let uncaught = match crate::runtime::step(view.process, state, command.clone(), now) {
                Ok((_, effects)) => effects.iter().any(|e| matches!(e, crate::runtime::Effect::UncaughtError { .. })),
                Err(_) => true,
            };
            let attempt = attempt(&row, worker_id, !uncaught, &log, now);
            if uncaught {
                let incident = Text::new("run.ext.bpmn_error_uncaught").with("name", &row.name).with("code", code);
                return Ok(JobCommand {
                    command: Some(command),
                    guards: vec![JobWrite::ExternalFailed {
                        id: row.id.clone(),
                        worker: worker_id.to_owned(),
                        error: Some(log.english()),
                        details: None,
                    }],
                    writes: vec![attempt],
                    incidents: vec![(row.token, row.activity_id.clone(), incident)],
                    before,
                    ..JobCommand::default()
                });
            }
            // The catching event cancels the task's activity, which deletes the task with the
            // token's jobs (the worker's lock was checked as the task was read; the instance's
            // revision check refuses a concurrent step).
            Ok(JobCommand { command: Some(command), writes: vec![attempt], before, ..JobCommand::default() })
        })
        .await
        .map_err(lock_lost(id, worker_id))
    }

    /// Extends the lock of `worker_id` to `new_duration_ms` from now.
    pub async fn extend_external_lock(
        &self,
        caller: &Account,
        id: &str,
        worker_id: &str,
        new_duration_ms: i64,
    ) -> Result<()> {
        if new_duration_ms <= 0 || new_duration_ms > MAX_LOCK_DURATION_MS {
            return Err(invalid("newDuration", Text::new("run.ext.new_duration").with("given", new_duration_ms)));
        }
        let row = self.external_row(caller, id).await?;
        check_worker(&row, worker_id, "run.ext.op.extend")?;
        let expires = self.clock.now().saturating_add(new_duration_ms);
        let write = JobWrite::ExtendExternalLock { id: row.id.clone(), worker: worker_id.to_owned(), expires };
        if !self.store.write_external(write).await? {
            return Err(lost(id, worker_id));
        }
        Ok(())
    }

    /// Frees the task's lock so any worker may fetch it.
    pub async fn unlock_external_task(&self, caller: &Account, id: &str) -> Result<()> {
        let row = self.external_row(caller, id).await?;
        let now = self.clock.now();
        let write = JobWrite::UnlockExternal { id: row.id.clone(), due: now };
        self.external_operation(caller, &row, write, false, Vec::new(), "unlock").await
    }

    /// Sets the retries of a task (0 makes an incident; more resolves it).
    pub async fn set_external_task_retries(&self, caller: &Account, id: &str, retries: i32) -> Result<()> {
        if retries < 0 {
            return Err(invalid("retries", Text::new("run.ext.set_retries_negative")));
        }
        let row = self.external_row(caller, id).await?;
        let now = self.clock.now();
        let write = JobWrite::SetExternalRetries { id: row.id.clone(), retries: i64::from(retries), due: now };
        let incidents = if retries > 0 {
            Vec::new()
        } else {
            let message = Text::new("run.ext.retries_zero").with("name", &row.name).with("user", &caller.username);
            vec![(row.token, row.activity_id.clone(), message)]
        };
        self.external_operation(caller, &row, write, retries > 0, incidents, &format!("set-retries {retries}")).await
    }

    /// 执行 on the 作业 screen for an external task: unlocked, at least one retry, its incidents
    /// resolved.
    pub(crate) async fn execute_external(&self, caller: &Account, id: &str) -> Result<()> {
        let row = self.external_row(caller, id).await?;
        let now = self.clock.now();
        let write = JobWrite::ExecuteExternal { id: row.id.clone(), due: now };
        self.external_operation(caller, &row, write, true, Vec::new(), "execute").await
    }

    /// An administrator's operation on an external task (resolving the token's incidents when
    /// `resolves`, raising `incidents`), with its operation-log entry; waiting fetches are woken.
    async fn external_operation(
        &self,
        caller: &Account,
        row: &ExternalRow,
        write: JobWrite,
        resolves: bool,
        incidents: Vec<(i64, String, Text)>,
        what: &str,
    ) -> Result<()> {
        let now = self.clock.now();
        let operation = format!("external-task-{}", what.split(' ').next().unwrap_or(what));
        self.run_job_command(&row.instance_id, &caller.username, |view| {
            if view.status.is_finished() {
                return Err(EngineError::conflict(
                    ConflictReason::Ended,
                    Text::new("run.ext.instance_ended").with("task", &row.name),
                ));
            }
            Ok(JobCommand {
                guards: vec![write.clone()],
                writes: if resolves { resolve_incidents(&row.instance_id, row.token, now) } else { Vec::new() },
                incidents: incidents.clone(),
                operation: Some((operation.clone(), format!("{} ({what})", row.name), String::new())),
                ..JobCommand::default()
            })
        })
        .await
        .map_err(|e| match e {
            EngineError::Conflict { reason: ConflictReason::ClaimLost, .. } => {
                EngineError::NotFound { what: "thing.external_task", id: row.id.clone() }
            }
            other => other,
        })?;
        self.external.created([row.topic.as_str()]);
        Ok(())
    }

    /// One task.
    pub async fn external_task(&self, caller: &Account, id: &str) -> Result<ExternalTask> {
        let q = ExternalTaskQuery { external_task_id: Some(id.to_owned()), max_results: 1, ..Default::default() };
        self.external_tasks(caller, &q)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| EngineError::NotFound { what: "thing.external_task", id: id.to_owned() })
    }

    /// A page of tasks, oldest first.
    pub async fn external_tasks(&self, caller: &Account, q: &ExternalTaskQuery) -> Result<Vec<ExternalTask>> {
        let rows = if q.max_results <= 0 { crate::store::sql::DEFAULT_PAGE_SIZE } else { q.max_results };
        let rows = rows.min(crate::store::sql::MAX_PAGE_SIZE);
        let first = q.first_result.max(0);
        self.store.external_tasks(caller.tenant_scope(), q, self.clock.now(), first, rows).await
    }

    /// How many tasks match (paging ignored).
    pub async fn count_external_tasks(&self, caller: &Account, q: &ExternalTaskQuery) -> Result<u64> {
        self.store.count_external_tasks(caller.tenant_scope(), q, self.clock.now()).await
    }
}
