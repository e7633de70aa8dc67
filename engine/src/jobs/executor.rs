//! The job executor: claims due jobs with a lease, runs them concurrently with a bound, and
//! commits each outcome with the instance's next steps in one transaction.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;
use tokio::task::JoinSet;

use super::hosts::HostPolicy;
use super::service_call::{self, BuildError, CallError, ServiceCaller};
use super::{JobCommand, JobInstance};
use crate::bpmn::model::{EventTrigger, NodeKind, TimerDefinition};
use crate::error::{EngineError, Result};
use crate::instances::InstanceStatus;
use crate::runtime::{Command, InstanceState, TokenId, TokenState};
use crate::schedule::{self, TimerKindText};
use crate::sql::Arg;
use crate::store::Backend;
use crate::Engine;

/// The condition that a job is still held by this executor's claim, its placeholders numbered
/// from `first`: the job's key, the executor and the claim's revision.
pub(crate) fn held_condition(first: usize) -> String {
    format!("id = ${} AND locked_by = ${} AND revision = ${}", first, first + 1, first + 2)
}

/// Extends the lease of a running job held as `held` says, by key only (see the `sql` module).
pub(crate) fn extend_lease(held: &str) -> String {
    format!("UPDATE jobs SET lock_expires_at = $1 WHERE {held} AND state || '' = 'running'")
}

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

/// A job this executor has claimed.
#[derive(Debug, Clone)]
struct Claimed {
    id: String,
    /// The row's revision after the claim.
    revision: i64,
    instance_id: String,
    token: i64,
    activity_id: String,
    name: String,
    kind: String,
    timer_kind: Option<String>,
    definition: Option<String>,
    fired: i64,
    retries: i64,
    due: i64,
    /// This attempt's number, from 1.
    attempt: i64,
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

const CLAIM_COLUMNS: &str =
    "id, revision, instance_id, token, activity_id, name, kind, timer_kind, definition, fired, retries, due, attempts";

/// A job as its claim returned it (revision and attempts already counted).
fn claimed_from_row(r: &AnyRow) -> Result<Claimed> {
    Ok(Claimed {
        id: r.try_get("id")?,
        revision: r.try_get("revision")?,
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

/// The statement that logs one attempt to run a job.
#[allow(clippy::too_many_arguments)]
fn attempt_log(
    job: &str,
    instance: &str,
    attempt: i64,
    executor: &str,
    started: i64,
    finished: i64,
    ok: bool,
    message: &str,
) -> (String, Vec<Arg>) {
    (
        "INSERT INTO job_attempts (job_id, instance_id, attempt, executor, started, finished, ok, message) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            .into(),
        vec![
            Arg::Text(job.to_owned()),
            Arg::Text(instance.to_owned()),
            Arg::Int(attempt),
            Arg::Text(executor.to_owned()),
            Arg::Int(started),
            Arg::Int(finished),
            Arg::Int(ok as i64),
            Arg::Text(service_call::quote(message, 2_000)),
        ],
    )
}

/// The two kinds of work an executor claims separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// Web-service calls: bounded by `max_concurrent`.
    Calls,
    /// Timers and asynchronous continuations: database work only, claimed by `batch`.
    Quick,
}

/// Everything `token` sees: the instance's variables overridden by the local ones of its
/// scopes, the nearest last.
fn visible_variables(state: &InstanceState, token: TokenId) -> Map<String, Value> {
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
    Transient { message: String, details: Option<String>, backoff_ms: i64 },
    /// Retrying cannot help (the model is wrong): error at once.
    Permanent { message: String },
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
    async fn run_quick(&self, jobs: Vec<Claimed>) {
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
        let marks: Vec<String> = (3..ids.len() + 3).map(|i| format!("${i}")).collect();
        let sql = format!(
            "UPDATE jobs SET lock_expires_at = $1 WHERE id IN ({}) AND locked_by = $2 AND state || '' = 'running'",
            marks.join(", ")
        );
        loop {
            tokio::time::sleep(every).await;
            let expires = self.engine().clock.now().saturating_add(lease);
            let mut args = vec![Arg::Int(expires), Arg::Text(self.inner.owner.clone())];
            args.extend(ids.iter().map(|i| Arg::Text(i.clone())));
            match crate::sql::bind_all(&sql, args).execute(&self.engine().store.pool).await {
                Ok(done) => tracing::debug!(jobs = done.rows_affected(), expires, "batch lease renewed"),
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
        // LIKE narrows by the prefix (escaped; SQLite compares ASCII case-insensitively); the
        // exact test follows.
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
             WHERE state = 'running' AND locked_by LIKE $1 ESCAPE '\\'",
        )
        .bind(pattern)
        .fetch_all(&engine.store.pool)
        .await?;
        let mut stale = Vec::new();
        for r in &rows {
            let owner: String = r.try_get("locked_by")?;
            let earlier =
                owner.strip_prefix(&prefix).is_some_and(|inc| !inc.contains('#')) && owner != self.inner.owner;
            if earlier {
                let id: String = r.try_get("id")?;
                let instance: String = r.try_get("instance_id")?;
                stale.push((id, instance, owner, r.try_get::<i64, _>("revision")?, r.try_get::<i64, _>("attempts")?));
            }
        }
        if stale.is_empty() {
            return Ok(0);
        }
        let now = engine.clock.now();
        let release = format!(
            "UPDATE jobs SET state = 'pending', locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 \
             WHERE {}",
            held_condition(1)
        );
        let _turn = self.write_turn().await;
        let mut tx = engine.store.pool.begin().await?;
        let mut released = 0;
        for (id, instance, owner, revision, attempt) in stale {
            let args = vec![Arg::Text(id.clone()), Arg::Text(owner.clone()), Arg::Int(revision)];
            if crate::sql::bind_all(&release, args).execute(&mut *tx).await?.rows_affected() == 0 {
                continue;
            }
            let message = format!(
                "interrupted: executor {owner} stopped while this attempt ran (killed or shut down); its restart as \
                 {} released the job at once; the attempt is not counted against the retries",
                self.inner.owner
            );
            let (sql, args) = attempt_log(&id, &instance, attempt, &owner, now, now, false, &message);
            crate::sql::bind_all(&sql, args).execute(&mut *tx).await?;
            released += 1;
        }
        tx.commit().await?;
        Ok(released)
    }

    /// Claims jobs of `lane`; a failure is logged and claims nothing.
    async fn claim(&self, lane: Lane, limit: usize) -> Vec<Claimed> {
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
    async fn acquire(&self, lane: Lane, limit: usize) -> Result<Vec<Claimed>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let engine = self.engine();
        let cfg = &self.inner.config;
        let now = engine.clock.now();
        let (kinds, lease) = match lane {
            Lane::Calls => ("kind = 'service'", cfg.lease_ms),
            Lane::Quick => ("kind <> 'service'", cfg.quick_lease_ms),
        };
        let expires = now.saturating_add(lease);
        let skip = match engine.store.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let claim = |pick: &str, order: &str| {
            format!(
                "UPDATE jobs SET state = 'running', locked_by = $1, lock_expires_at = $2, attempts = attempts + 1, \
                 revision = revision + 1 WHERE id IN (SELECT id FROM jobs WHERE {pick} AND suspended = 0 AND {kinds} \
                 ORDER BY {order}, id LIMIT $4{skip}) RETURNING {CLAIM_COLUMNS}"
            )
        };
        let expired = claim("state = 'running' AND lock_expires_at < $3", "lock_expires_at");
        let due = claim("state = 'pending' AND due <= $3", "due");
        let mut claimed = Vec::new();
        let _turn = self.write_turn().await;
        for sql in [expired, due] {
            let left = limit.saturating_sub(claimed.len());
            if left == 0 {
                break;
            }
            let rows = sqlx::query(&sql)
                .bind(&self.inner.owner)
                .bind(expires)
                .bind(now)
                .bind(left as i64)
                .fetch_all(&engine.store.pool)
                .await?;
            let mut batch = rows.iter().map(claimed_from_row).collect::<Result<Vec<_>>>()?;
            batch.sort_by(|a, b| (a.due, &a.id).cmp(&(b.due, &b.id)));
            claimed.extend(batch);
        }
        // A claimed call shows as running: move the lists' change token. (A timer or a
        // continuation is done within milliseconds; its step moves the token.)
        let shown: Vec<&str> = match lane {
            Lane::Calls => claimed.iter().map(|c| c.instance_id.as_str()).collect(),
            Lane::Quick => Vec::new(),
        };
        if !shown.is_empty() {
            let marks: Vec<String> = (2..shown.len() + 2).map(|i| format!("${i}")).collect();
            let sql = format!("UPDATE process_instances SET change_stamp = $1 WHERE id IN ({})", marks.join(", "));
            let mut args = vec![Arg::Int(crate::instances::next_stamp())];
            args.extend(shown.into_iter().map(|i| Arg::Text(i.to_owned())));
            crate::sql::bind_all(&sql, args).execute(&engine.store.pool).await?;
        }
        Ok(claimed)
    }

    /// The condition that this executor still holds the claim on `c`.
    fn held(&self, c: &Claimed, first: usize) -> (String, Vec<Arg>) {
        (
            held_condition(first),
            vec![Arg::Text(c.id.clone()), Arg::Text(self.inner.owner.clone()), Arg::Int(c.revision)],
        )
    }

    fn delete_guard(&self, c: &Claimed) -> (String, Vec<Arg>) {
        let (cond, args) = self.held(c, 1);
        (format!("DELETE FROM jobs WHERE {cond}"), args)
    }

    /// Gives the job back (pending, no lease) without counting an attempt against its retries.
    fn release_guard(&self, c: &Claimed) -> (String, Vec<Arg>) {
        let (cond, args) = self.held(c, 1);
        (
            format!(
                "UPDATE jobs SET state = 'pending', locked_by = NULL, lock_expires_at = NULL, \
                 revision = revision + 1 WHERE {cond}"
            ),
            args,
        )
    }

    fn attempt(&self, c: &Claimed, started: i64, ok: bool, message: &str) -> (String, Vec<Arg>) {
        let now = self.engine().clock.now();
        attempt_log(&c.id, &c.instance_id, c.attempt, &self.inner.owner, started, now, ok, message)
    }

    /// What to do instead when the instance does not run or the token no longer waits for
    /// this job: `None` when the job can go ahead.
    fn not_applicable(
        &self,
        c: &Claimed,
        view: &JobInstance<'_>,
        expected: TokenState,
        started: i64,
    ) -> Option<JobCommand> {
        let (guard, message) = match view.status {
            InstanceStatus::Completed | InstanceStatus::Terminated => {
                (self.delete_guard(c), "the instance has ended; job removed")
            }
            InstanceStatus::Suspended => {
                (self.release_guard(c), "the instance is suspended; the job waits until it is resumed")
            }
            InstanceStatus::Running => {
                let waits = view.state.tokens.iter().any(|t| {
                    t.id == c.token as TokenId && std::mem::discriminant(&t.state) == std::mem::discriminant(&expected)
                });
                if waits {
                    return None;
                }
                (self.delete_guard(c), "the token no longer waits for this job; job removed")
            }
        };
        Some(JobCommand {
            guards: vec![guard],
            statements: vec![self.attempt(c, started, false, message)],
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
    async fn run_job(&self, c: Claimed) {
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
    async fn keep_lease(&self, c: &Claimed) {
        let cfg = &self.inner.config;
        let lease = if c.kind == "service" { cfg.lease_ms } else { cfg.quick_lease_ms };
        let every = Duration::from_millis(u64::try_from(lease / 2).unwrap_or(0).max(1));
        let (cond, args) = self.held(c, 2);
        let sql = extend_lease(&cond);
        loop {
            tokio::time::sleep(every).await;
            let expires = self.engine().clock.now().saturating_add(lease);
            let mut all = vec![Arg::Int(expires)];
            all.extend(args.iter().cloned());
            match crate::sql::bind_all(&sql, all).execute(&self.engine().store.pool).await {
                Ok(done) if done.rows_affected() == 0 => return,
                Ok(_) => tracing::debug!(job = %c.id, expires, "lease renewed"),
                // The next renewal tries again; the lease is long enough to miss one.
                Err(e) => tracing::warn!(job = %c.id, "lease not renewed: {e}"),
            }
        }
    }

    /// Runs the job and writes its outcome.
    async fn work(&self, c: &Claimed) {
        let started = self.engine().clock.now();
        let result = match c.kind.as_str() {
            "timer" => self.fire_timer(c, started).await,
            "service" => self.call_service(c, started).await,
            _ => self.continue_async(c, started).await,
        };
        match result {
            Ok(()) => {}
            Err(EngineError::Conflict(m)) if m.starts_with("The job was deleted") => {
                tracing::debug!(job = %c.id, "job outcome dropped: {m}");
            }
            Err(EngineError::NotFound { .. }) => tracing::debug!(job = %c.id, "the job's instance is gone"),
            Err(EngineError::Storage(e)) => {
                // Left running: another attempt follows when the lease expires.
                tracing::warn!(job = %c.id, "job outcome not written, retried after the lease: {e}");
            }
            Err(e) => {
                let message = format!("Job '{}' could not move its instance on: {e}", c.name);
                let failure = Failure::Transient { message, details: None, backoff_ms: service_call::DEFAULT_BACKOFF_MS };
                if let Err(e) = self.fail(c, started, failure).await {
                    tracing::warn!(job = %c.id, "job failure not written: {e}");
                }
            }
        }
    }

    async fn fire_timer(&self, c: &Claimed, started: i64) -> Result<()> {
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
                    .and_then(|d| schedule::parse_timer(TimerKindText::Cycle, d).ok())
                    .and_then(|s| s.next_due(c.due, u32::try_from(fired).unwrap_or(u32::MAX)))
            } else {
                None
            };
            let guard = match next {
                Some(next) => {
                    let (cond, mut args) = self.held(c, 3);
                    args.insert(0, Arg::Int(next));
                    args.insert(0, Arg::Int(fired));
                    (
                        format!(
                            "UPDATE jobs SET fired = $1, due = $2, state = 'pending', locked_by = NULL, \
                                 lock_expires_at = NULL, error = NULL, error_details = NULL, \
                                 revision = revision + 1 WHERE {cond}"
                        ),
                        args,
                    )
                }
                None => self.delete_guard(c),
            };
            let message = match next {
                Some(_) => format!("timer fired ({fired}), next firing scheduled"),
                None => format!("timer fired ({fired})"),
            };
            Ok(JobCommand {
                command: Some(Command::FireTimer { token: c.token as TokenId }),
                guards: vec![guard],
                statements: vec![self.attempt(c, started, true, &message)],
                ..JobCommand::default()
            })
        })
        .await
    }

    /// An asynchronous continuation: the token waiting in front of its activity enters it.
    /// What the activity does then (a task, a call, an incident) is the continuation's step.
    async fn continue_async(&self, c: &Claimed, started: i64) -> Result<()> {
        self.job_command(&c.instance_id, |view| {
            let expected = TokenState::WaitingAsync { flow: None };
            if let Some(cmd) = self.not_applicable(c, view, expected, started) {
                return Ok(cmd);
            }
            Ok(JobCommand {
                command: Some(Command::ContinueAsync { token: c.token as TokenId }),
                guards: vec![self.delete_guard(c)],
                statements: vec![self.attempt(c, started, true, "continued")],
                ..JobCommand::default()
            })
        })
        .await
    }

    async fn call_service(&self, c: &Claimed, started: i64) -> Result<()> {
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
            NodeKind::ServiceTask(t) => Some((n.id.clone(), t.clone())),
            _ => None,
        }) else {
            let message = format!("Job '{}' waits on '{}', which is not a service task.", c.name, c.activity_id);
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
            let message = format!("Service task '{node_id}' may not call {}: {reason}.", service_call::quote(&req.url, 200));
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
                let failure =
                    Failure::Transient { message: e.to_string(), details: Some(format!("{e:?}")), backoff_ms };
                return self.fail(c, started, failure).await;
            }
        };
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
        c: &Claimed,
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
                statements: vec![self.attempt(c, started, true, &format!("HTTP {status}"))],
                ..JobCommand::default()
            })
        })
        .await
    }

    /// Counts a failed attempt: back to pending after the backoff while retries are left,
    /// else error with an incident on the instance.
    async fn fail(&self, c: &Claimed, started: i64, failure: Failure) -> Result<()> {
        let engine = self.engine();
        let (message, details, backoff_ms, left) = match failure {
            Failure::Transient { message, details, backoff_ms } => (message, details, backoff_ms, c.retries - 1),
            Failure::Permanent { message } => (message, None, 0, 0),
        };
        let now = engine.clock.now();
        if left > 0 {
            let (cond, mut args) = self.held(c, 5);
            let mut head = vec![
                Arg::Int(left),
                Arg::Int(now.saturating_add(backoff_ms)),
                Arg::Text(message.clone()),
                Arg::OptText(details),
            ];
            head.append(&mut args);
            let sql = format!(
                "UPDATE jobs SET retries = $1, due = $2, error = $3, error_details = $4, state = 'pending', \
                 locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 WHERE {cond}"
            );
            let _turn = self.write_turn().await;
            let mut tx = engine.store.pool.begin().await?;
            let done = crate::sql::bind_all(&sql, head).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(EngineError::Conflict(
                    "The job was deleted or taken over by another executor meanwhile; nothing was written.".into(),
                ));
            }
            let (sql, args) = self.attempt(c, started, false, &message);
            crate::sql::bind_all(&sql, args).execute(&mut *tx).await?;
            tx.commit().await?;
            return Ok(());
        }
        let attempts = if c.attempt == 1 { "1 attempt".to_owned() } else { format!("{} attempts", c.attempt) };
        let incident = format!("Job '{}' failed after {attempts}: {message}", c.name);
        self.job_command(&c.instance_id, |view| {
            if view.status.is_finished() {
                return Ok(JobCommand { guards: vec![self.delete_guard(c)], ..JobCommand::default() });
            }
            let (cond, mut args) = self.held(c, 3);
            let mut head = vec![Arg::Text(message.clone()), Arg::OptText(details.clone())];
            head.append(&mut args);
            Ok(JobCommand {
                guards: vec![(
                    format!(
                        "UPDATE jobs SET retries = 0, state = 'error', error = $1, error_details = $2, \
                             locked_by = NULL, lock_expires_at = NULL, revision = revision + 1 WHERE {cond}"
                    ),
                    head,
                )],
                statements: vec![self.attempt(c, started, false, &message)],
                incidents: vec![(c.token, c.activity_id.clone(), incident.clone())],
                ..JobCommand::default()
            })
        })
        .await
    }
}
