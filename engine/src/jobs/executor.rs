//! The job executor: claims due jobs with a lease, runs them concurrently with a bound, and
//! commits each outcome with the instance's next steps in one transaction.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::task::JoinSet;

use super::hosts::HostPolicy;
use super::service_call::{self, BuildError, CallError, ServiceCaller, StatusOutcome};
use super::{JobCommand, JobInstance};
use crate::bpmn::model::{EventTrigger, NodeKind, TimerDefinition};
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::instances::InstanceStatus;
use crate::runtime::{Command, InstanceState, TokenId, TokenState};
use crate::schedule::{self, TimerKindText};
use crate::store::jobs::{AttemptLog, ClaimedJob, Held, JobWrite, Lane};
use crate::store::Backend;
use crate::Engine;

/// How much of a failure's details (e.g. a response body) is kept.
const DETAILS_CHARS: usize = 8_000;
/// How long a graceful stop waits for running jobs before it abandons them to their lease.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// How an executor works.
#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    /// Who this executor is, stable across restarts of the same server process slot (the
    /// server uses `BPM_EXECUTOR_ID`, by default its host name and listen address); unique
    /// among the executors running at one time. A `#` is replaced by `_`.
    pub id: String,
    /// This run of `id` (a new one at every start). A job's `locked_by` is `id#incarnation`
    /// (see [`ExecutorConfig::owner`]): at its first round an executor releases at once the
    /// claims of the other incarnations of its own `id` (killed or stopped before their jobs
    /// ended), while a peer's claims wait for their lease to expire.
    pub incarnation: String,
    /// How long a web-service call's claim lasts; a job still running after it may be taken
    /// over by another executor (so it should exceed the longest call timeout). Renewed every
    /// half lease while the call runs.
    pub lease_ms: i64,
    /// How long a timer's or a continuation's claim lasts (the quick lane: database work of
    /// milliseconds). Renewed every half lease while its batch runs, so after a crash they are
    /// taken over by a peer within this time.
    pub quick_lease_ms: i64,
    /// Web-service calls run at the same time.
    pub max_concurrent: usize,
    /// Timers and asynchronous continuations claimed by one look. They need no call, only the
    /// database: they run one after another on SQLite (one writer at a time; concurrent
    /// writers would only wait for each other), up to `max_concurrent` at a time on
    /// PostgreSQL, without taking a call's slot.
    pub batch: usize,
    /// The pause between looks for due jobs when there are none.
    pub poll_ms: u64,
    /// What service tasks may call (`BPM_ALLOWED_HOSTS`); the default: any public host, no
    /// internal address. The caller must enforce the same policy on the addresses it connects to.
    pub allowed_hosts: HostPolicy,
}

/// The default quick lane lease: 20 s.
pub const QUICK_LEASE_MS: i64 = 20_000;

impl ExecutorConfig {
    /// A new incarnation: the process id and a random part.
    pub fn new_incarnation() -> String {
        format!("{}-{:06x}", std::process::id(), rand::random::<u32>() & 0xff_ffff)
    }

    /// What this executor writes to `locked_by`: `id#incarnation`.
    pub fn owner(&self) -> String {
        format!("{}#{}", self.id, self.incarnation)
    }
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        ExecutorConfig {
            id: format!("executor-{}-{:08x}", std::process::id(), rand::random::<u32>()),
            incarnation: ExecutorConfig::new_incarnation(),
            lease_ms: 5 * 60_000,
            quick_lease_ms: QUICK_LEASE_MS,
            max_concurrent: 4,
            batch: 64,
            poll_ms: 500,
            allowed_hosts: HostPolicy::default(),
        }
    }
}

struct Inner {
    engine: Engine,
    caller: Arc<dyn ServiceCaller>,
    config: ExecutorConfig,
    /// `config.owner()`, written to `locked_by`.
    owner: String,
    /// Whether the claims of this executor's earlier incarnations were released.
    released: std::sync::atomic::AtomicBool,
}

/// Runs jobs. Cheap to clone; clones share the configuration.
#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor").field("config", &self.inner.config).finish()
    }
}

/// The log entry of one attempt to run a job; the message is cut to the length kept.
#[allow(clippy::too_many_arguments)]
fn attempt_log(
    job: &str,
    instance: &str,
    attempt: i64,
    executor: &str,
    started: i64,
    finished: i64,
    ok: bool,
    message: &Text,
) -> AttemptLog {
    AttemptLog {
        job_id: job.to_owned(),
        instance_id: instance.to_owned(),
        attempt,
        executor: executor.to_owned(),
        started,
        finished,
        ok,
        message: message.to_stored_within(4_000),
    }
}

/// Everything `token` sees: the instance's variables overridden by the local ones of its
/// scopes, the nearest last.
pub(crate) fn visible_variables(state: &InstanceState, token: TokenId) -> Map<String, Value> {
    let mut chain = Vec::new();
    let mut cur = state.tokens.iter().find(|t| t.id == token);
    while let Some(t) = cur {
        if chain.len() > state.tokens.len() {
            break;
        }
        chain.push(t);
        cur = t.scope.and_then(|s| state.tokens.iter().find(|x| x.id == s));
    }
    let mut all = state.variables.clone();
    for t in chain.into_iter().rev() {
        all.extend(t.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    all
}

fn details(s: &str) -> String {
    service_call::quote(s, DETAILS_CHARS)
}

/// The outcome of running a job, before it is written.
enum Failure {
    /// Retrying may help: retries are counted down.
    Transient { message: Text, details: Option<String>, backoff_ms: i64 },
    /// Retrying cannot help (the model is wrong): error at once.
    Permanent { message: Text },
}

impl Executor {
    /// An executor over `engine` making calls through `caller`.
    pub fn new(engine: Engine, caller: Arc<dyn ServiceCaller>, config: ExecutorConfig) -> Executor {
        let mut config = config;
        config.max_concurrent = config.max_concurrent.max(1);
        config.lease_ms = config.lease_ms.max(1);
        config.quick_lease_ms = config.quick_lease_ms.max(1);
        config.id = config.id.replace('#', "_");
        config.incarnation = config.incarnation.replace('#', "_");
        let owner = config.owner();
        let released = std::sync::atomic::AtomicBool::new(false);
        Executor { inner: Arc::new(Inner { engine, caller, config, owner, released }) }
    }

    /// Its configuration.
    pub fn config(&self) -> &ExecutorConfig {
        &self.inner.config
    }

    fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Claims up to `max_concurrent` due web-service calls and up to `batch` due timers and
    /// continuations (and jobs whose lease expired), fires due timer start events, runs
    /// everything and writes the outcomes; returns how many jobs and start events it ran.
    pub async fn run_once(&self) -> usize {
        self.release_once().await;
        let timers = self.fire_start_timers().await;
        let calls = self.claim(Lane::Calls, self.inner.config.max_concurrent).await;
        let quick = self.claim(Lane::Quick, self.inner.config.batch).await;
        let n = calls.len() + quick.len();
        let mut set = JoinSet::new();
        for c in calls {
            let me = self.clone();
            set.spawn(async move { me.run_job(c).await });
        }
        self.run_quick(quick).await;
        while set.join_next().await.is_some() {}
        n + timers
    }

    /// Starts the instances of due timer start events; failures are logged.
    async fn fire_start_timers(&self) -> usize {
        match self.engine().fire_start_timers(self.inner.config.batch as i64).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(executor = %self.inner.owner, "could not fire timer start events: {e}");
                0
            }
        }
    }

    /// Runs claimed timers and continuations: one after another on SQLite, up to
    /// `max_concurrent` at a time on PostgreSQL, renewing the short lease of the whole batch
    /// while it runs (a job waiting its turn keeps its claim).
    async fn run_quick(&self, jobs: Vec<ClaimedJob>) {
        if jobs.is_empty() {
            return;
        }
        let width = match self.engine().store.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => self.inner.config.max_concurrent,
        };
        let ids: Vec<String> = jobs.iter().map(|c| c.id.clone()).collect();
        let work = async {
            let mut set = JoinSet::new();
            for c in jobs {
                if set.len() >= width {
                    set.join_next().await;
                }
                let me = self.clone();
                set.spawn(async move { me.run_job(c).await });
            }
            while set.join_next().await.is_some() {}
        };
        tokio::select! {
            () = work => {}
            () = self.keep_batch_lease(&ids) => {}
        }
    }

    /// Extends every half quick lease the lease of the batch's jobs this executor still holds
    /// (one statement by key); never returns.
    async fn keep_batch_lease(&self, ids: &[String]) {
        let lease = self.inner.config.quick_lease_ms;
        let every = Duration::from_millis(u64::try_from(lease / 2).unwrap_or(0).max(1));
        loop {
            tokio::time::sleep(every).await;
            let expires = self.engine().clock.now().saturating_add(lease);
            match self.engine().store.renew_batch_lease(ids, &self.inner.owner, expires).await {
                Ok(jobs) => tracing::debug!(jobs, expires, "batch lease renewed"),
                Err(e) => tracing::warn!(executor = %self.inner.owner, "batch lease not renewed: {e}"),
            }
        }
    }

    /// Releases once, at the first round, the claims of this executor's earlier incarnations;
    /// a failure is logged and tried again at the next round.
    async fn release_once(&self) {
        use std::sync::atomic::Ordering;
        if self.inner.released.load(Ordering::Acquire) {
            return;
        }
        match self.release_previous_incarnations().await {
            Ok(n) => {
                self.inner.released.store(true, Ordering::Release);
                if n > 0 {
                    tracing::info!(executor = %self.inner.owner, jobs = n, "released the jobs of an earlier run");
                }
            }
            Err(e) => tracing::warn!(executor = %self.inner.owner, "could not release the jobs of an earlier run: {e}"),
        }
    }

    /// Gives back at once the jobs still claimed by an earlier incarnation of this executor
    /// (same `id`, another incarnation: that process was killed or stopped while they ran):
    /// each becomes pending again, due as it was, without counting the interrupted attempt
    /// against its retries, and its attempts log gets a failed entry saying so (the attempt
    /// number stays counted, so the next call's idempotency key is a new one). Returns how
    /// many it released. A peer's claims (another `id`) are left to their lease.
    pub async fn release_previous_incarnations(&self) -> Result<usize> {
        let engine = self.engine();
        let cfg = &self.inner.config;
        let prefix = format!("{}#", cfg.id);
        let mut stale = Vec::new();
        // The store narrows by the prefix as SQLite compares ASCII (case-insensitively); the
        // exact test follows.
        for claim in engine.store.running_claims_like(&prefix).await? {
            let owner = &claim.held.owner;
            let earlier =
                owner.strip_prefix(&prefix).is_some_and(|inc| !inc.contains('#')) && *owner != self.inner.owner;
            if earlier {
                stale.push(claim);
            }
        }
        if stale.is_empty() {
            return Ok(0);
        }
        let now = engine.clock.now();
        let releases = stale
            .into_iter()
            .map(|claim| {
                let owner = &claim.held.owner;
                let message = Text::new("run.job.interrupted").with("owner", owner).with("restart", &self.inner.owner);
                let log =
                    attempt_log(&claim.held.id, &claim.instance_id, claim.attempt, owner, now, now, false, &message);
                (claim.held, log)
            })
            .collect();
        let _turn = self.write_turn().await;
        engine.store.release_claims(releases).await
    }

    /// Claims jobs of `lane`; a failure is logged and claims nothing.
    async fn claim(&self, lane: Lane, limit: usize) -> Vec<ClaimedJob> {
        match self.acquire(lane, limit).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(executor = %self.inner.owner, "could not claim jobs: {e}");
                Vec::new()
            }
        }
    }

    /// Runs until `shutdown` turns true (or its sender is dropped). Each round fires due timer
    /// start events, claims web-service calls for the free slots (they run in the
    /// background), then claims and runs a batch of timers and continuations. It sleeps
    /// `poll_ms` only when a round found less than it could take and no call finished. On
    /// stop, running calls get a few seconds to finish; the rest are left to their lease.
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let cfg = &self.inner.config;
        let (max, batch) = (cfg.max_concurrent, cfg.batch);
        let poll = Duration::from_millis(cfg.poll_ms.max(1));
        let mut set: JoinSet<()> = JoinSet::new();
        loop {
            if *shutdown.borrow() {
                break;
            }
            self.release_once().await;
            let starts = self.fire_start_timers().await;
            let free = max.saturating_sub(set.len());
            let calls = if free > 0 { self.claim(Lane::Calls, free).await } else { Vec::new() };
            let calls_full = free > 0 && calls.len() == free;
            for c in calls {
                let me = self.clone();
                set.spawn(async move { me.run_job(c).await });
            }
            let quick = self.claim(Lane::Quick, batch).await;
            let quick_full = quick.len() == batch;
            self.run_quick(quick).await;
            // More may be due right away: look again without sleeping.
            if quick_full || starts >= batch || (calls_full && set.len() < max) {
                continue;
            }
            let full = set.len() >= max;
            tokio::select! {
                changed = shutdown.changed() => if changed.is_err() { break },
                Some(_) = set.join_next(), if !set.is_empty() => {},
                _ = tokio::time::sleep(poll), if !full => {},
            }
        }
        let _ = tokio::time::timeout(STOP_GRACE, async { while set.join_next().await.is_some() {} }).await;
        set.abort_all();
    }

    /// Claims up to `limit` jobs of `lane`, each with one statement: first running ones whose
    /// lease expired, then due pending ones, oldest due first (on PostgreSQL skipping rows
    /// another executor is claiming).
    async fn acquire(&self, lane: Lane, limit: usize) -> Result<Vec<ClaimedJob>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let engine = self.engine();
        let cfg = &self.inner.config;
        let now = engine.clock.now();
        let lease = match lane {
            Lane::Calls => cfg.lease_ms,
            Lane::Quick => cfg.quick_lease_ms,
        };
        let expires = now.saturating_add(lease);
        let _turn = self.write_turn().await;
        let claimed = engine.store.claim_jobs(lane, limit, &self.inner.owner, expires, now).await?;
        // A claimed call shows as running: move the lists' change token. (A timer or a
        // continuation is done within milliseconds; its step moves the token.)
        let shown: Vec<&str> = match lane {
            Lane::Calls => claimed.iter().map(|c| c.instance_id.as_str()).collect(),
            Lane::Quick => Vec::new(),
        };
        if !shown.is_empty() {
            engine.store.stamp_instances(&shown, crate::instances::next_stamp()).await?;
        }
        Ok(claimed)
    }

    /// This executor's claim on `c`.
    fn held(&self, c: &ClaimedJob) -> Held {
        Held { id: c.id.clone(), owner: self.inner.owner.clone(), revision: c.revision }
    }

    fn delete_guard(&self, c: &ClaimedJob) -> JobWrite {
        JobWrite::DeleteHeld(self.held(c))
    }

    /// Gives the job back (pending, no lease) without counting an attempt against its retries.
    fn release_guard(&self, c: &ClaimedJob) -> JobWrite {
        JobWrite::ReleaseHeld(self.held(c))
    }

    fn attempt(&self, c: &ClaimedJob, started: i64, ok: bool, message: &Text) -> JobWrite {
        let now = self.engine().clock.now();
        JobWrite::LogAttempt(attempt_log(
            &c.id,
            &c.instance_id,
            c.attempt,
            &self.inner.owner,
            started,
            now,
            ok,
            message,
        ))
    }

    /// What to do instead when the instance does not run or the token no longer waits for
    /// this job: `None` when the job can go ahead.
    fn not_applicable(
        &self,
        c: &ClaimedJob,
        view: &JobInstance<'_>,
        expected: TokenState,
        started: i64,
    ) -> Option<JobCommand> {
        let (guard, message) = match view.status {
            InstanceStatus::Completed | InstanceStatus::Terminated => (self.delete_guard(c), "run.job.instance_ended"),
            InstanceStatus::Suspended => (self.release_guard(c), "run.job.instance_suspended"),
            InstanceStatus::Running => {
                let waits = view.state.tokens.iter().any(|t| {
                    t.id == c.token as TokenId && std::mem::discriminant(&t.state) == std::mem::discriminant(&expected)
                });
                if waits {
                    return None;
                }
                (self.delete_guard(c), "run.job.token_moved")
            }
        };
        Some(JobCommand {
            guards: vec![guard],
            writes: vec![self.attempt(c, started, false, &Text::new(message)).into()],
            ..JobCommand::default()
        })
    }

    /// This process's turn for the executors' own writes on SQLite (claims, a failed attempt's
    /// bookkeeping): they write one at a time, since waiting on an async lock costs far less
    /// than SQLite's busy handler, which sleeps (1, 2, 5, 10, ... ms) between tries. Commands
    /// need no turn: the store's writer task commits them. PostgreSQL writes in parallel.
    async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.engine().store.backend() {
            Backend::Sqlite => Some(self.engine().running.writes.lock().await),
            Backend::Postgres => None,
        }
    }

    /// Writes a job's outcome as one command on its instance (see `Engine::run_job_command`).
    /// On SQLite the store's writer task commits the outcomes of concurrent jobs together.
    async fn job_command<F>(&self, instance_id: &str, decide: F) -> Result<()>
    where
        F: FnMut(&JobInstance<'_>) -> Result<JobCommand>,
    {
        self.engine().run_job_command(instance_id, "system", decide).await
    }

    /// Runs a claimed job while keeping its lease: the work is dropped (its call aborted, nothing
    /// written) when the job is deleted in this process or the claim is lost (deleted in
    /// another process, or taken over).
    async fn run_job(&self, c: ClaimedJob) {
        let run = self.engine().running.register(&c.id);
        tokio::select! {
            () = self.work(&c) => {}
            () = run.stopped() => tracing::info!(job = %c.id, "the job was deleted while it ran; its call was aborted"),
            () = self.keep_lease(&c) => tracing::info!(
                job = %c.id,
                "the job was deleted or taken over by another executor while it ran; its call was aborted"
            ),
        }
    }

    /// Extends the lease of a running job every half lease (its lane's), so that a long call
    /// is not taken over; returns only when the claim is gone (the job was deleted or taken
    /// over).
    async fn keep_lease(&self, c: &ClaimedJob) {
        let cfg = &self.inner.config;
        let lease = if c.kind == "service" { cfg.lease_ms } else { cfg.quick_lease_ms };
        let every = Duration::from_millis(u64::try_from(lease / 2).unwrap_or(0).max(1));
        let held = self.held(c);
        loop {
            tokio::time::sleep(every).await;
            let expires = self.engine().clock.now().saturating_add(lease);
            match self.engine().store.renew_lease(&held, expires).await {
                Ok(false) => return,
                Ok(_) => tracing::debug!(job = %c.id, expires, "lease renewed"),
                // The next renewal tries again; the lease is long enough to miss one.
                Err(e) => tracing::warn!(job = %c.id, "lease not renewed: {e}"),
            }
        }
    }

    /// Runs the job and writes its outcome.
    async fn work(&self, c: &ClaimedJob) {
        let started = self.engine().clock.now();
        let result = match c.kind.as_str() {
            "timer" => self.fire_timer(c, started).await,
            "service" => self.call_service(c, started).await,
            "signal" => self.broadcast_signal(c, started).await,
            _ => self.continue_async(c, started).await,
        };
        match result {
            Ok(()) => {}
            Err(EngineError::Conflict { reason: ConflictReason::ClaimLost, text: m }) => {
                tracing::debug!(job = %c.id, "job outcome dropped: {m}");
            }
            Err(EngineError::NotFound { .. }) => tracing::debug!(job = %c.id, "the job's instance is gone"),
            Err(EngineError::Storage(e)) => {
                // Left running: another attempt follows when the lease expires.
                tracing::warn!(job = %c.id, "job outcome not written, retried after the lease: {e}");
            }
            Err(e) => {
                let key = if c.kind == "signal" { "run.job.signal_failed" } else { "run.job.step_failed" };
                let message = Text::new(key).with("name", &c.name).with_text("error", e.text());
                let failure =
                    Failure::Transient { message, details: None, backoff_ms: service_call::DEFAULT_BACKOFF_MS };
                if let Err(e) = self.fail(c, started, failure).await {
                    tracing::warn!(job = %c.id, "job failure not written: {e}");
                }
            }
        }
    }

    async fn fire_timer(&self, c: &ClaimedJob, started: i64) -> Result<()> {
        self.job_command(&c.instance_id, |view| {
            if let Some(cmd) = self.not_applicable(c, view, TokenState::WaitingTimer, started) {
                return Ok(cmd);
            }
            let node = view.state.tokens.iter().find(|t| t.id == c.token as TokenId).map(|t| t.node);
            // The core keeps a non-interrupting boundary cycle waiting after it fires.
            let repeats = c.timer_kind.as_deref() == Some("cycle")
                && node.and_then(|n| view.process.nodes.get(n)).is_some_and(|n| {
                    matches!(
                        &n.kind,
                        NodeKind::BoundaryEvent {
                            cancel_activity: false,
                            trigger: EventTrigger::Timer(TimerDefinition::Cycle(_)),
                            ..
                        }
                    )
                });
            let fired = c.fired + 1;
            let next = if repeats {
                c.definition
                    .as_deref()
                    .and_then(|d| schedule::parse_timer(TimerKindText::Cycle, d, self.engine().time_zone()).ok())
                    .and_then(|s| {
                        s.next_due(c.due, u32::try_from(fired).unwrap_or(u32::MAX), self.engine().time_zone())
                    })
            } else {
                None
            };
            let guard = match next {
                Some(due) => JobWrite::RescheduleTimer { held: self.held(c), fired, due },
                None => self.delete_guard(c),
            };
            let message = match next {
                Some(_) => Text::new("run.job.timer_fired_again").with("fired", fired),
                None => Text::new("run.job.timer_fired").with("fired", fired),
            };
            Ok(JobCommand {
                command: Some(Command::FireTimer { token: c.token as TokenId }),
                guards: vec![guard],
                writes: vec![self.attempt(c, started, true, &message).into()],
                ..JobCommand::default()
            })
        })
        .await
    }

    /// An asynchronous continuation: the token waiting in front of its activity enters it.
    /// What the activity does then (a task, a call, an incident) is the continuation's step.
    async fn continue_async(&self, c: &ClaimedJob, started: i64) -> Result<()> {
        self.job_command(&c.instance_id, |view| {
            let expected = TokenState::WaitingAsync { flow: None };
            if let Some(cmd) = self.not_applicable(c, view, expected, started) {
                return Ok(cmd);
            }
            Ok(JobCommand {
                command: Some(Command::ContinueAsync { token: c.token as TokenId }),
                guards: vec![self.delete_guard(c)],
                writes: vec![self.attempt(c, started, true, &Text::new("run.job.continued")).into()],
                ..JobCommand::default()
            })
        })
        .await
    }

    /// A signal thrown to more receivers than its step's transaction reaches: broadcast in
    /// batches (see `crate::events`), then the job is deleted with its attempt logged. Only the
    /// first attempt starts the definitions the signal starts. A failed broadcast counts as a
    /// failed attempt (retried, then in error: see [`Executor::fail`]).
    async fn broadcast_signal(&self, c: &ClaimedJob, started: i64) -> Result<()> {
        let engine = self.engine();
        let reached = engine.signal_job(&c.tenant_id, &c.name, c.attempt == 1).await?;
        let message = Text::new("run.job.signal_reached").with("name", &c.name).with("count", reached);
        let _turn = self.write_turn().await;
        let log = self.attempt(c, started, true, &message);
        if !engine.store.write_if_held(self.delete_guard(c), log).await? {
            return Err(EngineError::conflict(ConflictReason::ClaimLost, Text::new("run.job_claim_lost")));
        }
        Ok(())
    }

    async fn call_service(&self, c: &ClaimedJob, started: i64) -> Result<()> {
        let engine = self.engine();
        let (status, process, state) = engine.job_instance(&c.instance_id).await?;
        let view = JobInstance { status, process: &process, state: &state };
        if self.not_applicable(c, &view, TokenState::WaitingService, started).is_some() {
            return self
                .job_command(&c.instance_id, |view| {
                    Ok(self
                        .not_applicable(c, view, TokenState::WaitingService, started)
                        .unwrap_or_else(|| JobCommand { guards: vec![self.release_guard(c)], ..JobCommand::default() }))
                })
                .await;
        }
        let token = state.tokens.iter().find(|t| t.id == c.token as TokenId);
        let node = token.and_then(|t| process.nodes.get(t.node));
        let Some((node_id, task)) = node.and_then(|n| match &n.kind {
            NodeKind::ServiceTask(t) | NodeKind::SendTask(t) => Some((n.id.clone(), t.clone())),
            // A message throw or end event that names an implementation on its definition.
            _ => n.message_service.as_deref().map(|t| (n.id.clone(), t.clone())),
        }) else {
            let message = Text::new("run.job.not_service_task").with("name", &c.name).with("activity", &c.activity_id);
            return self.fail(c, started, Failure::Permanent { message }).await;
        };
        let vars = visible_variables(&state, c.token as TokenId);
        let backoff_ms = service_call::backoff_ms(task.retry_time_cycle.as_deref());
        let mut req = match service_call::build_request(&node_id, &task, &vars) {
            Ok(r) => r,
            Err(BuildError(message)) => return self.fail(c, started, Failure::Permanent { message }).await,
        };
        req.idempotency_key = format!("{}:{}", c.id, c.attempt);
        if let Err(reason) = self.inner.config.allowed_hosts.check_url(&req.url) {
            let message = Text::new("run.job.host_refused")
                .with("node", &node_id)
                .with("url", service_call::quote(&req.url, 200))
                .with_text("reason", reason);
            return self.fail(c, started, Failure::Transient { message, details: None, backoff_ms }).await;
        }
        let url = req.url.clone();
        let limit = Duration::from_millis(req.timeout_ms.saturating_add(1_000));
        let ms = req.timeout_ms;
        let answer = match tokio::time::timeout(limit, self.inner.caller.call(req)).await {
            Ok(a) => a,
            Err(_) => Err(CallError::Timeout { url: url.clone(), ms }),
        };
        let resp = match answer {
            Ok(r) => r,
            Err(e) => {
                let failure = Failure::Transient { message: e.text(), details: Some(format!("{e:?}")), backoff_ms };
                return self.fail(c, started, failure).await;
            }
        };
        match service_call::status_outcome(&task, resp.status) {
            StatusOutcome::Normal => {}
            StatusOutcome::Fail => {
                let message = Text::new("run.job.fail_status")
                    .with("status", resp.status)
                    .with("url", &url)
                    .with("body", service_call::quote(&resp.body, 200));
                let details = Some(details(&format!("HTTP {} from {url}\n\n{}", resp.status, resp.body)));
                return self.fail(c, started, Failure::Transient { message, details, backoff_ms }).await;
            }
            StatusOutcome::Error(code) => {
                let message = service_call::http_status(resp.status, &url, &resp.body);
                return self.throw_error(c, started, code, message).await;
            }
        }
        let variables = match service_call::map_response(&node_id, &task, &url, &resp, &vars) {
            Ok(v) => v,
            Err(message) => {
                let details = Some(details(&format!("HTTP {} from {url}\n\n{}", resp.status, resp.body)));
                return self.fail(c, started, Failure::Transient { message, details, backoff_ms }).await;
            }
        };
        self.complete_service(c, started, variables, resp.status).await
    }

    async fn complete_service(
        &self,
        c: &ClaimedJob,
        started: i64,
        variables: Map<String, Value>,
        status: u16,
    ) -> Result<()> {
        self.job_command(&c.instance_id, |view| {
            if let Some(cmd) = self.not_applicable(c, view, TokenState::WaitingService, started) {
                return Ok(cmd);
            }
            Ok(JobCommand {
                command: Some(Command::CompleteTask { token: c.token as TokenId, variables: variables.clone() }),
                guards: vec![self.delete_guard(c)],
                writes: vec![self
                    .attempt(c, started, true, &Text::new("run.job.http_ok").with("status", status))
                    .into()],
                ..JobCommand::default()
            })
        })
        .await
    }

    /// The call's status is mapped to a BPMN error (`handleStatusCodes`): thrown at the task's
    /// token. Caught, the boundary event takes the token (the job goes with it); caught
    /// nowhere in the instance, the job goes to error with an incident on the task, and the
    /// error is passed on to the parent's call activity, if there is one.
    async fn throw_error(&self, c: &ClaimedJob, started: i64, code: String, message: Text) -> Result<()> {
        let now = self.engine().clock.now();
        self.job_command(&c.instance_id, |view| {
            if let Some(cmd) = self.not_applicable(c, view, TokenState::WaitingService, started) {
                return Ok(cmd);
            }
            let command =
                Command::ThrowError { token: c.token as TokenId, code: code.clone(), message: Some(message.english()) };
            let uncaught = match crate::runtime::step(view.process, view.state.clone(), command.clone(), now) {
                Ok((_, effects)) => effects.iter().any(|e| matches!(e, crate::runtime::Effect::UncaughtError { .. })),
                Err(_) => true,
            };
            let log = Text::new("run.job.bpmn_error").with("code", &code).with_text("answer", message.clone());
            if uncaught {
                let incident = Text::new("run.job.bpmn_error_uncaught")
                    .with("name", &c.name)
                    .with_text("answer", message.clone())
                    .with("code", &code);
                return Ok(JobCommand {
                    command: Some(command),
                    guards: vec![JobWrite::MarkError { held: self.held(c), error: log.to_stored(), details: None }],
                    writes: vec![self.attempt(c, started, false, &log).into()],
                    incidents: vec![(c.token, c.activity_id.clone(), incident)],
                    ..JobCommand::default()
                });
            }
            // The boundary event cancels the call, which deletes this job with the token's.
            Ok(JobCommand {
                command: Some(command),
                writes: vec![self.attempt(c, started, true, &log).into()],
                ..JobCommand::default()
            })
        })
        .await
    }

    /// Counts a failed attempt: back to pending after the backoff while retries are left,
    /// else error with an incident on the instance.
    async fn fail(&self, c: &ClaimedJob, started: i64, failure: Failure) -> Result<()> {
        let engine = self.engine();
        let (message, details, backoff_ms, left) = match failure {
            Failure::Transient { message, details, backoff_ms } => (message, details, backoff_ms, c.retries - 1),
            Failure::Permanent { message } => (message, None, 0, 0),
        };
        let now = engine.clock.now();
        if left > 0 {
            let retry = JobWrite::RetryLater {
                held: self.held(c),
                retries: left,
                due: now.saturating_add(backoff_ms),
                error: message.to_stored(),
                details,
            };
            let _turn = self.write_turn().await;
            let log = self.attempt(c, started, false, &message);
            if !engine.store.write_if_held(retry, log).await? {
                return Err(EngineError::conflict(ConflictReason::ClaimLost, Text::new("run.job_claim_lost")));
            }
            return Ok(());
        }
        let key = if c.attempt == 1 { "run.job.failed_after_one" } else { "run.job.failed_after" };
        let incident =
            Text::new(key).with("name", &c.name).with("attempts", c.attempt).with_text("error", message.clone());
        let mark_error =
            || JobWrite::MarkError { held: self.held(c), error: message.to_stored(), details: details.clone() };
        self.job_command(&c.instance_id, |view| {
            if view.status.is_finished() {
                if c.kind == "signal" {
                    // A signal job outlives its thrower (a signal end event): in error with its
                    // message on the 作业 screen, where 执行 retries and 删除 drops it; an ended
                    // instance takes no incident.
                    return Ok(JobCommand {
                        guards: vec![mark_error()],
                        writes: vec![self.attempt(c, started, false, &message).into()],
                        ..JobCommand::default()
                    });
                }
                return Ok(JobCommand { guards: vec![self.delete_guard(c)], ..JobCommand::default() });
            }
            Ok(JobCommand {
                guards: vec![mark_error()],
                writes: vec![self.attempt(c, started, false, &message).into()],
                incidents: vec![(c.token, c.activity_id.clone(), incident.clone())],
                ..JobCommand::default()
            })
        })
        .await
    }
}
