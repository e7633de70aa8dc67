//! Carrying out the core's decisions: one command is one transaction that writes the
//! instance row first (revision-checked), then the history, tasks, jobs and incidents the
//! core's effects call for, then the work they cause in other instances (a call activity's
//! child starts, a finished child resumes its parent).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use sqlx::{Any, Row, Transaction};

use super::InstanceStatus;
use crate::bpmn::model::{FlowNode, NodeKind, Process};
use crate::bpmn::parse::{parse, ParseOptions};
use crate::error::{EngineError, Result};
use crate::jobs::{JobCommand, JobInstance};
use crate::runtime::{self, Command, Effect, HistoryKind, InstanceState, RuntimeError, TimerKind, TokenId};
use crate::schedule::{self, TimerKindText};
use crate::sql::{bind_all, insert_many, Arg, Cells};
use crate::store::jobs::JobWrite;
use crate::store::new_id;
use crate::store::writes::WriteSet;
use crate::Engine;

/// How many instances one command may touch through call activities (children started,
/// parents resumed) before it is refused: a process that calls itself would never stop.
const MAX_CASCADE: usize = 256;

/// Retries of a command whose instance changed between read and write, when the caller did
/// not pin a revision.
const RETRIES: usize = 5;

/// Parsed processes by definition id. Deployed definitions never change, so entries never
/// go stale; the map is cleared when it grows past [`CACHE_LIMIT`].
#[derive(Debug, Default)]
pub(crate) struct ProcessCache(Mutex<HashMap<String, Arc<Process>>>);

const CACHE_LIMIT: usize = 2_000;

/// The change stamp of the latest write: increasing, unique within this process, close to
/// the wall clock in microseconds so that several server processes agree well enough.
static LAST_STAMP: AtomicI64 = AtomicI64::new(0);

pub(crate) fn next_stamp() -> i64 {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
    let mut last = LAST_STAMP.load(Ordering::SeqCst);
    loop {
        let next = now.max(last + 1);
        match LAST_STAMP.compare_exchange(last, next, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// An instance row as commands read it, with its process (the row's fields read through
/// `Deref`).
#[derive(Debug, Clone)]
pub(super) struct Loaded {
    pub row: InstanceRow,
    pub process: Arc<Process>,
}

impl std::ops::Deref for Loaded {
    type Target = InstanceRow;

    fn deref(&self) -> &InstanceRow {
        &self.row
    }
}

impl std::ops::DerefMut for Loaded {
    fn deref_mut(&mut self) -> &mut InstanceRow {
        &mut self.row
    }
}

impl Loaded {
    /// The node `idx` of the process.
    pub fn node(&self, idx: usize) -> Option<&FlowNode> {
        self.process.nodes.get(idx)
    }

    /// A node's display name: its name, else its id.
    pub fn node_name(&self, idx: usize) -> String {
        self.node(idx).map(node_label).unwrap_or_default()
    }
}

/// A node's display name: its name, else its id.
pub(super) fn node_label(n: &FlowNode) -> String {
    n.name.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| n.id.clone())
}

/// An instance row as read ([`INSTANCE_COLUMNS`]), with its token state.
#[derive(Debug, Clone)]
pub(super) struct InstanceRow {
    pub id: String,
    pub tenant_id: String,
    pub definition_id: String,
    pub definition_name: String,
    pub business_key: Option<String>,
    pub initiator: Option<String>,
    pub status: InstanceStatus,
    pub parent_instance_id: Option<String>,
    pub parent_token: Option<i64>,
    /// 0 for an instance not stored yet.
    pub revision: i64,
    pub state: InstanceState,
}

impl InstanceRow {
    /// Reads the columns named `{prefix}<column>`.
    pub(super) fn read(r: &dyn Cells, prefix: &str) -> Result<InstanceRow> {
        let col = |c: &str| format!("{prefix}{c}");
        let id: String = r.try_get(&col("id"))?;
        let json: String = r.try_get(&col("state_json"))?;
        let state: InstanceState = serde_json::from_str(&json).map_err(|e| {
            EngineError::Conflict(format!("The stored state of instance '{id}' cannot be read ({e}); terminate it."))
        })?;
        Ok(InstanceRow {
            id,
            tenant_id: r.try_get(&col("tenant_id"))?,
            definition_id: r.try_get(&col("definition_id"))?,
            definition_name: r.try_get(&col("definition_name"))?,
            business_key: r.try_get(&col("business_key"))?,
            initiator: r.try_get(&col("initiator"))?,
            status: InstanceStatus::parse(&r.try_get::<String>(&col("state"))?),
            parent_instance_id: r.try_get(&col("parent_instance_id"))?,
            parent_token: r.try_get(&col("parent_token"))?,
            revision: r.try_get(&col("revision"))?,
            state,
        })
    }
}

/// How a start from the cached latest version of a key checks, as it inserts the instance,
/// that the version is still the one a fresh read would pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LatestCheck {
    /// No newer version of the key in the definition's tenant (the caller named the tenant).
    InTenant,
    /// No newer version, and no version in another tenant (which would make the key ambiguous).
    Everywhere,
}

impl LatestCheck {
    /// The condition on the definition row `d`.
    fn condition(self) -> &'static str {
        match self {
            LatestCheck::InTenant => {
                " AND NOT EXISTS (SELECT 1 FROM process_definitions n WHERE n.tenant_id = d.tenant_id \
                 AND n.process_key = d.process_key AND n.version > d.version)"
            }
            LatestCheck::Everywhere => {
                " AND NOT EXISTS (SELECT 1 FROM process_definitions n WHERE n.process_key = d.process_key \
                 AND (n.version > d.version OR n.tenant_id <> d.tenant_id))"
            }
        }
    }

    /// The refusal when the check fails: the start reads the definitions again and retries.
    pub(super) fn refusal(definition_id: &str) -> EngineError {
        EngineError::ChangedMeanwhile { what: "Process definition", id: definition_id.to_owned() }
    }

    /// Whether `e` is this check's refusal of a start of `definition_id`.
    pub(super) fn refused(e: &EngineError, definition_id: &str) -> bool {
        matches!(e, EngineError::ChangedMeanwhile { what: "Process definition", id } if id == definition_id)
    }
}

/// Extra context of a step.
#[derive(Debug, Clone, Default)]
pub(super) struct StepCtx {
    /// Who acts: an account's user name, or `system`.
    pub actor: String,
    /// The task completed by this command: its id.
    pub completing_task: Option<String>,
    /// The end reason to give tasks the step cancels, instead of the history's.
    pub cancel_reason: Option<&'static str>,
    /// The assignee of tasks the step creates, instead of the model's (withdrawal gives the
    /// re-created task back to the person who completed it).
    pub assignee_override: Option<String>,
    /// For a start from the cached latest version of its key: the check that it still is.
    pub latest: Option<LatestCheck>,
}

/// What a command plans once it has read the instance.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// The core command to run, if any.
    pub command: Option<Command>,
    /// The state after the command, unless the core ends the instance.
    pub status: Option<InstanceStatus>,
    pub ctx: StepCtx,
    /// The operation log entry: operation, detail, reason.
    pub operation: Option<(String, String, String)>,
    /// Statements to run after the instance row is written.
    pub statements: Vec<(String, Vec<Arg>)>,
    /// Instance variables to set (`Some`) or remove (`None`) after the command.
    pub set_variables: Vec<(String, Option<Value>)>,
    /// Statements that must each change a row, run first (after the instance row is locked):
    /// the job executor's claim on its job. One that changes nothing refuses the whole command.
    pub guards: Vec<(String, Vec<Arg>)>,
    /// Incidents to raise: token, activity id, message.
    pub incidents: Vec<(i64, String, String)>,
}

/// What the transaction did, for the caller's answer.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub created_tasks: Vec<String>,
    /// The instance row a start inserted, when nothing else in the command changed it (no
    /// call activity's child, no incident): the caller's answer without reading it back.
    pub written: Option<Written>,
}

/// The list columns of a new instance row as a start wrote them.
#[derive(Debug, Clone)]
pub(super) struct Written {
    pub status: InstanceStatus,
    pub start_time: i64,
    /// The active activities' names ([`join_names`]) and ids (`,`-separated), as stored.
    pub current_activities: String,
    pub current_activity_ids: String,
    pub end_time: Option<i64>,
    pub revision: i64,
}

/// What writing one instance's step gave.
struct Step {
    /// The work it causes in other instances.
    follow: Vec<FollowUp>,
    /// The new instance row as written, unless the step raised incidents (which change it
    /// again).
    written: Option<Written>,
}

/// Work a step causes in another instance.
enum FollowUp {
    StartChild { parent: Arc<Loaded>, token: TokenId, node: usize, key: String, variables: Map<String, Value> },
    ChildDone { parent_id: String, token: i64, variables: Map<String, Value> },
    TerminateChild { parent_id: String, token: TokenId },
}

/// The refusal for a core error on a command.
pub(super) fn runtime_refusal(e: RuntimeError) -> EngineError {
    EngineError::Conflict(format!("{e}."))
}

/// Completes a task that is still active: a task is completed once, even when its token waits
/// in the same activity again (a loop back to it). By key only (see the `sql` module).
pub(crate) const COMPLETE_TASK: &str = "UPDATE tasks SET state = 'completed', end_reason = 'completed', \
     end_time = $1, completed_by = $2, withdrawable = $3, revision = revision + 1 WHERE id = $4 AND state || '' = 'active'";

/// The running child instance a call activity's token waits for, by the parent's index only
/// (see the `sql` module).
pub(crate) const CHILD_OF_TOKEN: &str = "WHERE parent_instance_id = $1 AND parent_token = $2 AND finished + 0 = 0";

const INSTANCE_COLUMNS: &str = "id, tenant_id, definition_id, definition_name, business_key, initiator, state, \
     parent_instance_id, parent_token, revision, state_json";

/// [`INSTANCE_COLUMNS`] of the table aliased `i`, named `i_<column>`, for queries that read an
/// instance beside another row.
pub(super) fn prefixed_instance_columns() -> String {
    INSTANCE_COLUMNS.split(',').map(|c| format!("i.{0} AS i_{0}", c.trim())).collect::<Vec<_>>().join(", ")
}

impl Engine {
    /// The parsed process of a definition (cached).
    pub(crate) async fn process_of(&self, definition_id: &str) -> Result<Arc<Process>> {
        if let Some(p) = self.processes.0.lock().ok().and_then(|m| m.get(definition_id).cloned()) {
            return Ok(p);
        }
        let row = sqlx::query(
            "SELECT d.process_key, p.xml FROM process_definitions d JOIN deployments p ON p.id = d.deployment_id \
             WHERE d.id = $1",
        )
        .bind(definition_id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or_else(|| EngineError::NotFound { what: "Process definition", id: definition_id.to_owned() })?;
        let key: String = row.try_get("process_key")?;
        let xml: String = row.try_get("xml")?;
        // The file was parsed at deployment with the same parser; failing now means the
        // stored file was damaged.
        let defs = parse(xml.as_bytes(), &ParseOptions { max_bytes: usize::MAX }).map_err(|e| {
            EngineError::Conflict(format!("The stored file of definition '{definition_id}' no longer parses: {e}"))
        })?;
        let process = defs.processes.into_iter().find(|p| p.id == key).ok_or_else(|| {
            EngineError::Conflict(format!("The stored file of definition '{definition_id}' has no process '{key}'."))
        })?;
        let process = Arc::new(process);
        if let Ok(mut m) = self.processes.0.lock() {
            if m.len() >= CACHE_LIMIT {
                m.clear();
            }
            m.insert(definition_id.to_owned(), process.clone());
        }
        Ok(process)
    }

    /// An instance row with its process attached.
    pub(super) async fn loaded(&self, row: InstanceRow) -> Result<Loaded> {
        Ok(Loaded { process: self.process_of(&row.definition_id).await?, row })
    }

    /// Reads an instance for a command (outside any transaction).
    pub(super) async fn load_instance(&self, id: &str) -> Result<Loaded> {
        let sql = format!("SELECT {INSTANCE_COLUMNS} FROM process_instances WHERE id = $1");
        let row = self
            .store
            .fetch_optional(&sql, vec![Arg::from(id)], |r| InstanceRow::read(r, ""))
            .await?
            .ok_or_else(|| EngineError::NotFound { what: "Process instance", id: id.to_owned() })?;
        self.loaded(row).await
    }

    async fn load_in_tx(
        &self,
        tx: &mut Transaction<'static, Any>,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<Loaded>> {
        let row = bind_all(sql, args).fetch_optional(&mut **tx).await?;
        match row {
            Some(r) => Ok(Some(self.loaded(InstanceRow::read(&r, "")?).await?)),
            None => Ok(None),
        }
    }

    /// Runs a command on instance `id`: reads it, lets `plan` decide, and writes the outcome
    /// in one transaction. When `pinned` is the revision the caller saw, a concurrent change
    /// refuses the command; otherwise it is re-read and planned again.
    pub(super) async fn run_command<F>(&self, id: &str, pinned: Option<i64>, plan: F) -> Result<Outcome>
    where
        F: FnMut(&Loaded) -> Result<Plan>,
    {
        self.run_command_from(id, None, pinned, plan).await
    }

    /// [`Engine::run_command`] whose first attempt uses `first`, the instance as the caller has
    /// just read it.
    pub(super) async fn run_command_from<F>(
        &self,
        id: &str,
        mut first: Option<Loaded>,
        pinned: Option<i64>,
        mut plan: F,
    ) -> Result<Outcome>
    where
        F: FnMut(&Loaded) -> Result<Plan>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let inst = match first.take() {
                Some(inst) => inst,
                None => self.load_instance(id).await?,
            };
            if pinned.is_some_and(|r| r != inst.revision) {
                return Err(EngineError::ChangedMeanwhile { what: "Process instance", id: id.to_owned() });
            }
            let p = plan(&inst)?;
            match self.execute(inst, p).await {
                Err(EngineError::ChangedMeanwhile { .. }) if pinned.is_none() && attempt < RETRIES => continue,
                other => return other,
            }
        }
    }

    /// Applies a plan to a loaded (or new, revision 0) instance in one transaction.
    pub(super) async fn execute(&self, inst: Loaded, plan: Plan) -> Result<Outcome> {
        let now = self.clock.now();
        let (state, effects) = match plan.command {
            Some(cmd) => runtime::step(&inst.process, inst.state.clone(), cmd, now).map_err(runtime_refusal)?,
            None => (inst.state.clone(), Vec::new()),
        };
        let mut state = state;
        for (name, value) in plan.set_variables {
            match value {
                Some(v) => state.variables.insert(name, v),
                None => state.variables.remove(&name),
            };
        }
        let status = plan.status.unwrap_or(inst.status);
        let mut ws = WriteSet::default();
        let mut outcome = Outcome::default();
        let inst = Arc::new(inst);
        // The instance row first (every command writes it first, so it is the lock that
        // orders them), then the job rows the executor must still hold.
        let step = self.write_step(&mut ws, &inst, state, effects, status, &plan.ctx, now, &mut outcome)?;
        if step.follow.is_empty() && plan.incidents.is_empty() {
            outcome.written = step.written;
        }
        let mut queue: VecDeque<FollowUp> = step.follow.into();
        for (sql, args) in plan.guards {
            ws.check(
                sql,
                args,
                EngineError::Conflict(
                    "The job was deleted or taken over by another executor meanwhile; nothing was written.".into(),
                ),
            );
        }
        for (sql, args) in plan.statements {
            ws.push(sql, args);
        }
        if let Some((op, detail, reason)) = &plan.operation {
            record_operation(&mut ws, &inst.id, now, &plan.ctx.actor, op, detail, reason);
        }
        for (token, activity, message) in &plan.incidents {
            insert_incident(&mut ws, &inst, *token, activity, message, now);
        }
        if !plan.incidents.is_empty() {
            refresh_incident_count(&mut ws, &inst.id);
        }
        if queue.is_empty() {
            self.store.write(ws).await?;
            return Ok(outcome);
        }
        // Work in other instances reads them inside the transaction.
        let mut tx = self.store.pool.begin().await?;
        ws.run(&mut tx).await?;
        let mut cascade = 0;
        while let Some(f) = queue.pop_front() {
            cascade += 1;
            if cascade > MAX_CASCADE {
                return Err(EngineError::Conflict(format!(
                    "The command reached more than {MAX_CASCADE} instances through call activities; \
                     the processes call each other without end. Check the call activities' called elements."
                )));
            }
            let system = StepCtx { actor: plan.ctx.actor.clone(), ..StepCtx::default() };
            let mut ws = WriteSet::default();
            let more = self.follow_up(&mut tx, &mut ws, f, &system, now, &mut outcome).await?;
            ws.run(&mut tx).await?;
            queue.extend(more);
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// The job executor's entry (see [`crate::jobs`]): runs what `decide` makes of the
    /// instance's current state as one command, re-reading and deciding again when the
    /// instance changed meanwhile.
    pub(crate) async fn run_job_command<F>(&self, instance_id: &str, actor: &str, mut decide: F) -> Result<()>
    where
        F: FnMut(&JobInstance<'_>) -> Result<JobCommand>,
    {
        self.run_command(instance_id, None, |inst| {
            let view = JobInstance { status: inst.status, process: &inst.process, state: &inst.state };
            let c = decide(&view)?;
            Ok(Plan {
                command: c.command,
                ctx: StepCtx { actor: actor.to_owned(), ..StepCtx::default() },
                operation: c.operation,
                statements: c.writes.into_iter().map(JobWrite::into_statement).collect(),
                guards: c.guards.into_iter().map(JobWrite::into_statement).collect(),
                incidents: c.incidents,
                ..Plan::default()
            })
        })
        .await
        .map(|_| ())
    }

    /// An instance's state, process and token state, read for a job outside any transaction.
    pub(crate) async fn job_instance(&self, id: &str) -> Result<(InstanceStatus, Arc<Process>, InstanceState)> {
        let inst = self.load_instance(id).await?;
        Ok((inst.row.status, inst.process, inst.row.state))
    }

    async fn follow_up(
        &self,
        tx: &mut Transaction<'static, Any>,
        ws: &mut WriteSet,
        f: FollowUp,
        ctx: &StepCtx,
        now: i64,
        outcome: &mut Outcome,
    ) -> Result<Vec<FollowUp>> {
        match f {
            FollowUp::StartChild { parent, token, node, key, variables } => {
                let def = sqlx::query(
                    "SELECT id, name FROM process_definitions WHERE tenant_id = $1 AND process_key = $2 AND startable = 1 \
                     ORDER BY version DESC LIMIT 1",
                )
                .bind(&parent.tenant_id)
                .bind(&key)
                .fetch_optional(&mut **tx)
                .await?;
                let Some(def) = def else {
                    let message = format!(
                        "The call activity '{}' calls process '{key}', which has no startable version in tenant \
                         '{}'. Deploy it, then adjust the instance.",
                        parent.node_name(node),
                        parent.tenant_id
                    );
                    let activity = parent.node(node).map(|n| n.id.clone()).unwrap_or_default();
                    insert_incident(ws, &parent, token as i64, &activity, &message, now);
                    refresh_incident_count(ws, &parent.id);
                    return Ok(Vec::new());
                };
                let definition_id: String = def.try_get("id")?;
                let child = self
                    .new_instance(
                        &definition_id,
                        parent.tenant_id.clone(),
                        def.try_get("name")?,
                        Some((&parent.id, token as i64)),
                    )
                    .await?;
                let (state, effects) =
                    runtime::step(&child.process, child.state.clone(), Command::Start { variables }, now)
                        .map_err(runtime_refusal)?;
                self.write_step(ws, &Arc::new(child), state, effects, InstanceStatus::Running, ctx, now, outcome)
                    .map(|s| s.follow)
            }
            FollowUp::ChildDone { parent_id, token, variables } => {
                let sql = format!("SELECT {INSTANCE_COLUMNS} FROM process_instances WHERE id = $1");
                let Some(parent) = self.load_in_tx(tx, &sql, vec![Arg::Text(parent_id)]).await? else {
                    return Ok(Vec::new());
                };
                if parent.status.is_finished() {
                    return Ok(Vec::new());
                }
                let cmd = Command::ChildCompleted { token: token as TokenId, variables };
                let (state, effects) =
                    runtime::step(&parent.process, parent.state.clone(), cmd, now).map_err(runtime_refusal)?;
                let status = parent.status;
                self.write_step(ws, &Arc::new(parent), state, effects, status, ctx, now, outcome).map(|s| s.follow)
            }
            FollowUp::TerminateChild { parent_id, token } => {
                let sql = format!("SELECT {INSTANCE_COLUMNS} FROM process_instances {CHILD_OF_TOKEN}");
                let Some(child) = self.load_in_tx(tx, &sql, vec![Arg::Text(parent_id), Arg::Int(token as i64)]).await?
                else {
                    return Ok(Vec::new());
                };
                let (state, effects) = runtime::step(&child.process, child.state.clone(), Command::Terminate, now)
                    .map_err(runtime_refusal)?;
                let ctx = StepCtx { cancel_reason: Some("terminated"), ..ctx.clone() };
                let status = child.status;
                self.write_step(ws, &Arc::new(child), state, effects, status, &ctx, now, outcome).map(|s| s.follow)
            }
        }
    }

    /// A new instance of a definition (of `tenant_id`, named `name`), not stored yet
    /// (revision 0).
    pub(super) async fn new_instance(
        &self,
        definition_id: &str,
        tenant_id: String,
        name: String,
        parent: Option<(&str, i64)>,
    ) -> Result<Loaded> {
        let row = InstanceRow {
            id: new_id(),
            tenant_id,
            definition_id: definition_id.to_owned(),
            definition_name: name,
            business_key: None,
            initiator: None,
            status: InstanceStatus::Running,
            parent_instance_id: parent.map(|(p, _)| p.to_owned()),
            parent_token: parent.map(|(_, t)| t),
            revision: 0,
            state: InstanceState::default(),
        };
        self.loaded(row).await
    }

    /// Writes one instance's step: the instance row first, then what the effects call for.
    /// Returns the work caused in other instances.
    #[allow(clippy::too_many_arguments)]
    fn write_step(
        &self,
        ws: &mut WriteSet,
        inst: &Arc<Loaded>,
        state: InstanceState,
        effects: Vec<Effect>,
        status: InstanceStatus,
        ctx: &StepCtx,
        now: i64,
        outcome: &mut Outcome,
    ) -> Result<Step> {
        let status = if effects.iter().any(|e| matches!(e, Effect::InstanceTerminated)) {
            InstanceStatus::Terminated
        } else if effects.iter().any(|e| matches!(e, Effect::InstanceCompleted)) {
            InstanceStatus::Completed
        } else {
            status
        };
        let written = write_instance_row(ws, inst, &state, status, now, ctx.latest)?;
        let mut w = StepWriter::new(inst, ctx, now, &effects);
        w.variable_changes(&inst.state.variables, &state.variables);
        let mut follow = Vec::new();
        // The tasks this step opens, by token: one the step also cancels (a terminate end event
        // in a parallel branch, say) is written, cancelled, but not answered as opened.
        let mut opened: Vec<(TokenId, String)> = Vec::new();
        for e in &effects {
            match e {
                Effect::History(h) => w.history(h.kind, h.token, h.node),
                Effect::CreateTask { token, node, assignee, candidate_users, candidate_groups, due } => {
                    let assignee = ctx.assignee_override.clone().or_else(|| assignee.clone());
                    let id = w.task(*token, *node, assignee, candidate_users, candidate_groups, due.as_deref());
                    opened.push((*token, id));
                }
                Effect::CancelTask { token, .. } => {
                    opened.retain(|(t, _)| t != token);
                    w.cancel_task(*token)
                }
                Effect::CallService { token, node } => w.service_job(*token, *node),
                Effect::ScheduleTimer { token, node, kind, definition } => {
                    w.timer_job(*token, *node, *kind, definition)
                }
                Effect::ScheduleAsync { token, node } => w.job(*token, *node, "async", None, now, None),
                Effect::CancelServiceCall { token, .. }
                | Effect::CancelTimer { token, .. }
                | Effect::CancelAsync { token, .. } => w.delete_jobs.push(*token as i64),
                Effect::StartChild { token, node, called_element, variables } => follow.push(FollowUp::StartChild {
                    parent: inst.clone(),
                    token: *token,
                    node: *node,
                    key: called_element.clone(),
                    variables: variables.clone(),
                }),
                Effect::CancelChild { token, .. } => {
                    follow.push(FollowUp::TerminateChild { parent_id: inst.id.clone(), token: *token })
                }
                Effect::Incident { token, node, message } => w.incident(*token, *node, message),
                Effect::ResolveIncident { token } => w.resolved.push(*token as i64),
                Effect::InstanceCompleted => {
                    if let (Some(parent_id), Some(token)) = (&inst.parent_instance_id, inst.parent_token) {
                        follow.push(FollowUp::ChildDone {
                            parent_id: parent_id.clone(),
                            token,
                            variables: state.variables.clone(),
                        });
                    }
                }
                Effect::InstanceTerminated => {}
            }
        }
        outcome.created_tasks.extend(opened.into_iter().map(|(_, id)| id));
        if let Some(task_id) = &ctx.completing_task {
            // Withdrawable when the completion created user tasks and nothing else that
            // moves on by itself (boundary timers of those tasks are part of them).
            let withdrawable = !w.tasks.is_empty()
                && effects.iter().all(|e| match e {
                    Effect::History(_)
                    | Effect::CreateTask { .. }
                    | Effect::CancelTimer { .. }
                    | Effect::ResolveIncident { .. } => true,
                    Effect::ScheduleTimer { token, .. } => {
                        state.tokens.iter().any(|t| t.id == *token && t.attached_to.is_some())
                    }
                    _ => false,
                });
            ws.check(
                COMPLETE_TASK,
                vec![
                    Arg::Int(now),
                    Arg::Text(ctx.actor.clone()),
                    Arg::Int(withdrawable as i64),
                    Arg::Text(task_id.clone()),
                ],
                EngineError::Conflict("The task was handled meanwhile by someone else; reload the list.".into()),
            );
        }
        // Incidents change the row again (their count).
        let written = written.filter(|_| w.incidents.is_empty());
        w.flush(ws);
        Ok(Step { follow, written })
    }
}

/// The stored form of the active activities' names: each followed by U+001F, a character XML
/// does not allow in a name, so a name may hold commas. Rows written before this kept the
/// names joined by `, ` (`query::split_names` reads both).
fn join_names(names: &[String]) -> String {
    names.iter().map(|n| format!("{n}\u{1f}")).collect()
}

/// Inserts (revision 0) or updates (revision-checked) an instance row.
fn write_instance_row(
    ws: &mut WriteSet,
    inst: &Loaded,
    state: &InstanceState,
    status: InstanceStatus,
    now: i64,
    latest: Option<LatestCheck>,
) -> Result<Option<Written>> {
    let json = serde_json::to_string(state)
        .map_err(|e| EngineError::Conflict(format!("The instance state cannot be stored: {e}")))?;
    let active = runtime::active_activities(&inst.process, state);
    let mut names = Vec::with_capacity(active.len());
    let mut ids = Vec::with_capacity(active.len());
    for (_, node) in &active {
        if let Some(n) = inst.node(*node) {
            if !ids.contains(&n.id) {
                ids.push(n.id.clone());
                names.push(node_label(n));
            }
        }
    }
    let (names, ids) = (join_names(&names), ids.join(","));
    let finished = status.is_finished() as i64;
    let end_time = if status.is_finished() { Some(now) } else { None };
    let stamp = next_stamp();
    if inst.revision == 0 {
        let written = Written {
            status,
            start_time: now,
            current_activities: names.clone(),
            current_activity_ids: ids.clone(),
            end_time,
            revision: 1,
        };
        // A start from the cached latest version checks that it still is the latest.
        let (latest_sql, refusal) = match latest {
            None => ("", EngineError::NotFound { what: "Process definition", id: inst.definition_id.clone() }),
            Some(check) => (check.condition(), LatestCheck::refusal(&inst.definition_id)),
        };
        ws.check(
            format!(
                "INSERT INTO process_instances (id, tenant_id, definition_id, definition_key, definition_name, \
                 name_lower, version, business_key, initiator, state, finished, start_time, end_time, \
                 parent_instance_id, parent_token, current_activities, current_activity_ids, state_json, revision, \
                 change_stamp) \
                 SELECT $1, tenant_id, id, process_key, name, name_lower, version, $2, $3, $4, $5, $6, $7, $8, $9, \
                 $10, $11, $12, 1, $13 FROM process_definitions d WHERE d.id = $14{latest_sql}"
            ),
            vec![
                Arg::Text(inst.id.clone()),
                Arg::OptText(inst.business_key.clone()),
                Arg::OptText(inst.initiator.clone()),
                Arg::Text(status.as_str().into()),
                Arg::Int(finished),
                Arg::Int(now),
                Arg::OptInt(end_time),
                Arg::OptText(inst.parent_instance_id.clone()),
                Arg::OptInt(inst.parent_token),
                Arg::Text(names),
                Arg::Text(ids),
                Arg::Text(json),
                Arg::Int(stamp),
                Arg::Text(inst.definition_id.clone()),
            ],
            refusal,
        );
        return Ok(Some(written));
    }
    ws.check(
        "UPDATE process_instances SET state = $1, finished = $2, end_time = COALESCE(end_time, $3), \
         current_activities = $4, current_activity_ids = $5, state_json = $6, revision = revision + 1, \
         change_stamp = $7 WHERE id = $8 AND revision = $9",
        vec![
            Arg::Text(status.as_str().into()),
            Arg::Int(finished),
            Arg::OptInt(end_time),
            Arg::Text(names),
            Arg::Text(ids),
            Arg::Text(json),
            Arg::Int(stamp),
            Arg::Text(inst.id.clone()),
            Arg::Int(inst.revision),
        ],
        EngineError::ChangedMeanwhile { what: "Process instance", id: inst.id.clone() },
    );
    Ok(None)
}

/// Writes an operation log entry.
fn record_operation(
    ws: &mut WriteSet,
    instance_id: &str,
    at: i64,
    actor: &str,
    operation: &str,
    detail: &str,
    reason: &str,
) {
    ws.push(
        "INSERT INTO instance_operations (instance_id, at, actor, operation, detail, reason) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        vec![
            Arg::from(instance_id),
            Arg::Int(at),
            Arg::from(actor),
            Arg::from(operation),
            Arg::from(detail),
            Arg::from(reason),
        ],
    );
}

fn insert_incident(ws: &mut WriteSet, inst: &Loaded, token: i64, activity_id: &str, message: &str, now: i64) {
    ws.push(
        "INSERT INTO incidents (id, tenant_id, instance_id, token, activity_id, message, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            Arg::Text(new_id()),
            Arg::Text(inst.tenant_id.clone()),
            Arg::Text(inst.id.clone()),
            Arg::Int(token),
            Arg::from(activity_id),
            Arg::from(message),
            Arg::Int(now),
        ],
    );
}

fn refresh_incident_count(ws: &mut WriteSet, instance_id: &str) {
    ws.push(
        "UPDATE process_instances SET open_incidents = \
         (SELECT COUNT(*) FROM incidents WHERE instance_id = $1 AND resolved IS NULL) WHERE id = $1",
        vec![Arg::from(instance_id)],
    );
}

/// An activity history row being written by this step.
struct HistRow {
    token: i64,
    node: usize,
    start: i64,
    end: Option<i64>,
    outcome: Option<&'static str>,
    actor: Option<String>,
    task_id: Option<String>,
}

/// Collects one step's rows and writes them with as few statements as possible.
struct StepWriter<'a> {
    inst: &'a Loaded,
    ctx: &'a StepCtx,
    now: i64,
    /// How the tokens this step cancels end, from the history entries.
    cancel_outcome: HashMap<TokenId, &'static str>,
    new_rows: Vec<HistRow>,
    /// Rows started by earlier steps that this step ends: token, node, outcome.
    ended: Vec<(i64, usize, &'static str)>,
    tasks: Vec<Vec<Arg>>,
    cancelled_tasks: Vec<(i64, &'static str)>,
    jobs: Vec<Vec<Arg>>,
    delete_jobs: Vec<i64>,
    incidents: Vec<(i64, usize, String)>,
    resolved: Vec<i64>,
    variables: Vec<Vec<Arg>>,
}

fn outcome_of(kind: HistoryKind) -> &'static str {
    match kind {
        HistoryKind::Started | HistoryKind::Ended => "completed",
        HistoryKind::Cancelled => "cancelled",
        HistoryKind::Moved => "moved",
        HistoryKind::Withdrawn => "withdrawn",
    }
}

impl<'a> StepWriter<'a> {
    fn new(inst: &'a Loaded, ctx: &'a StepCtx, now: i64, effects: &[Effect]) -> Self {
        let cancel_outcome = effects
            .iter()
            .filter_map(|e| match e {
                Effect::History(h) if !matches!(h.kind, HistoryKind::Started | HistoryKind::Ended) => {
                    Some((h.token, outcome_of(h.kind)))
                }
                _ => None,
            })
            .collect();
        StepWriter {
            inst,
            ctx,
            now,
            cancel_outcome,
            new_rows: Vec::new(),
            ended: Vec::new(),
            tasks: Vec::new(),
            cancelled_tasks: Vec::new(),
            jobs: Vec::new(),
            delete_jobs: Vec::new(),
            incidents: Vec::new(),
            resolved: Vec::new(),
            variables: Vec::new(),
        }
    }

    fn variable_changes(&mut self, before: &Map<String, Value>, after: &Map<String, Value>) {
        let mut names: Vec<&String> = after.keys().chain(before.keys()).collect();
        names.sort();
        names.dedup();
        for name in names {
            let (old, new) = (before.get(name), after.get(name));
            if old == new {
                continue;
            }
            self.variables.push(vec![
                Arg::Text(self.inst.id.clone()),
                Arg::Text(name.clone()),
                Arg::OptText(new.map(Value::to_string)),
                Arg::Int(self.now),
                Arg::Text(self.ctx.actor.clone()),
            ]);
        }
    }

    fn history(&mut self, kind: HistoryKind, token: TokenId, node: usize) {
        let token = token as i64;
        match kind {
            HistoryKind::Started => self.new_rows.push(HistRow {
                token,
                node,
                start: self.now,
                end: None,
                outcome: None,
                actor: None,
                task_id: None,
            }),
            _ => {
                let outcome = outcome_of(kind);
                let is_user_task = matches!(self.inst.node(node).map(|n| &n.kind), Some(NodeKind::UserTask(_)));
                let actor = (kind == HistoryKind::Ended && is_user_task).then(|| self.ctx.actor.clone());
                match self.new_rows.iter_mut().rev().find(|r| r.token == token && r.node == node && r.end.is_none()) {
                    Some(r) => {
                        r.end = Some(self.now);
                        r.outcome = Some(outcome);
                        r.actor = actor;
                    }
                    None => self.ended.push((token, node, outcome)),
                }
            }
        }
    }

    fn task(
        &mut self,
        token: TokenId,
        node: usize,
        assignee: Option<String>,
        candidate_users: &[String],
        candidate_groups: &[String],
        due: Option<&str>,
    ) -> String {
        let id = new_id();
        let n = self.inst.node(node);
        let name = n.map(node_label).unwrap_or_default();
        let (priority, form_key) = match n.map(|n| &n.kind) {
            Some(NodeKind::UserTask(t)) => {
                (t.priority.as_deref().and_then(|p| p.trim().parse::<i64>().ok()).unwrap_or(50), t.form_key.clone())
            }
            _ => (50, None),
        };
        let due = due.and_then(|d| schedule::parse_due(d, self.now).ok());
        let search = format!("{}\n{}", name, assignee.as_deref().unwrap_or("")).to_lowercase();
        self.tasks.push(vec![
            Arg::Text(id.clone()),
            Arg::Text(self.inst.tenant_id.clone()),
            Arg::Text(self.inst.id.clone()),
            Arg::Int(token as i64),
            Arg::Text(n.map(|n| n.id.clone()).unwrap_or_default()),
            Arg::Text(name),
            Arg::Text(search),
            Arg::Text(self.inst.definition_name.clone()),
            Arg::OptText(assignee),
            Arg::Text(serde_json::to_string(candidate_users).unwrap_or_else(|_| "[]".into())),
            Arg::Text(serde_json::to_string(candidate_groups).unwrap_or_else(|_| "[]".into())),
            Arg::Int(priority),
            Arg::OptText(form_key),
            Arg::Int(self.now),
            Arg::OptInt(due),
            Arg::OptText(self.ctx.completing_task.clone()),
            Arg::Text("active".into()),
            Arg::Int(next_stamp()),
        ]);
        if let Some(r) = self.new_rows.iter_mut().rev().find(|r| r.token == token as i64 && r.node == node) {
            r.task_id = Some(id.clone());
        }
        id
    }

    fn cancel_task(&mut self, token: TokenId) {
        let reason = self.ctx.cancel_reason.or_else(|| self.cancel_outcome.get(&token).copied()).unwrap_or("cancelled");
        self.cancelled_tasks.push((token as i64, reason));
    }

    fn job(
        &mut self,
        token: TokenId,
        node: usize,
        kind: &str,
        timer: Option<(&str, &str)>,
        due: i64,
        error: Option<String>,
    ) {
        let n = self.inst.node(node);
        let retries = match n.map(|n| &n.kind) {
            Some(NodeKind::ServiceTask(s)) => s
                .retry_time_cycle
                .as_deref()
                .and_then(|c| c.strip_prefix('R'))
                .and_then(|c| c.split('/').next())
                .and_then(|r| r.parse::<i64>().ok())
                .unwrap_or(3),
            _ => 3,
        };
        let state = if error.is_some() { "error" } else { "pending" };
        self.jobs.push(vec![
            Arg::Text(new_id()),
            Arg::Text(self.inst.tenant_id.clone()),
            Arg::Text(self.inst.id.clone()),
            Arg::Int(token as i64),
            Arg::Text(n.map(|n| n.id.clone()).unwrap_or_default()),
            Arg::Text(n.map(node_label).unwrap_or_default()),
            Arg::Text(kind.to_owned()),
            Arg::OptText(timer.map(|(k, _)| k.to_owned())),
            Arg::OptText(timer.map(|(_, d)| d.to_owned())),
            Arg::Int(due),
            Arg::Int(if error.is_some() { 0 } else { retries }),
            Arg::Text(state.to_owned()),
            Arg::Int((self.inst.status == InstanceStatus::Suspended) as i64),
            Arg::OptText(error),
            Arg::Int(self.now),
        ]);
    }

    fn service_job(&mut self, token: TokenId, node: usize) {
        self.job(token, node, "service", None, self.now, None);
    }

    fn timer_job(&mut self, token: TokenId, node: usize, kind: TimerKind, definition: &str) {
        let (kind_text, k) = match kind {
            TimerKind::Date => ("date", TimerKindText::Date),
            TimerKind::Duration => ("duration", TimerKindText::Duration),
            TimerKind::Cycle => ("cycle", TimerKindText::Cycle),
        };
        let due = schedule::parse_timer(k, definition).map_err(|e| e.to_string()).and_then(|spec| {
            spec.first_due(self.now).ok_or_else(|| format!("The timer `{definition}` never becomes due."))
        });
        match due {
            Ok(due) => self.job(token, node, "timer", Some((kind_text, definition)), due, None),
            Err(message) => {
                let message = format!("Timer of '{}': {message}", self.inst.node_name(node));
                self.job(token, node, "timer", Some((kind_text, definition)), self.now, Some(message.clone()));
                self.incidents.push((token as i64, node, message));
            }
        }
    }

    fn incident(&mut self, token: TokenId, node: usize, message: &str) {
        self.incidents.push((token as i64, node, message.to_owned()));
    }

    fn flush(self, ws: &mut WriteSet) {
        let inst = self.inst;
        for (token, node, outcome) in &self.ended {
            let actor = (*outcome == "completed").then(|| self.ctx.actor.clone());
            let is_user_task = matches!(inst.node(*node).map(|n| &n.kind), Some(NodeKind::UserTask(_)));
            ws.push(
                "UPDATE activity_history SET end_time = $1, outcome = $2, actor = COALESCE(actor, $3) \
                 WHERE instance_id = $4 AND token = $5 AND activity_id = $6 AND end_time IS NULL",
                vec![
                    Arg::Int(self.now),
                    Arg::from(*outcome),
                    Arg::OptText(if is_user_task { actor } else { None }),
                    Arg::Text(inst.id.clone()),
                    Arg::Int(*token),
                    Arg::Text(inst.node(*node).map(|n| n.id.clone()).unwrap_or_default()),
                ],
            );
        }
        let rows = self
            .new_rows
            .into_iter()
            .map(|r| {
                let n = inst.node(r.node);
                vec![
                    Arg::Text(inst.id.clone()),
                    Arg::Int(r.token),
                    Arg::Text(n.map(|n| n.id.clone()).unwrap_or_default()),
                    Arg::Text(n.map(node_label).unwrap_or_default()),
                    Arg::Text(n.map(|n| n.tag.clone()).unwrap_or_default()),
                    Arg::Int(r.start),
                    Arg::OptInt(r.end),
                    Arg::OptText(r.outcome.map(str::to_owned)),
                    Arg::OptText(r.actor),
                    Arg::OptText(r.task_id),
                ]
            })
            .collect();
        let inserts = [
            insert_many(
                "activity_history",
                &[
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
                ],
                rows,
            ),
            insert_many(
                "tasks",
                &[
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
                ],
                self.tasks,
            ),
            insert_many(
                "jobs",
                &[
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
                ],
                self.jobs,
            ),
            insert_many("variable_history", &["instance_id", "name", "value", "at", "actor"], self.variables),
        ];
        for (sql, args) in inserts.into_iter().flatten() {
            ws.push(sql, args);
        }
        for (token, reason) in &self.cancelled_tasks {
            ws.push(
                "UPDATE tasks SET state = 'cancelled', end_reason = $1, end_time = $2, revision = revision + 1 \
                 WHERE instance_id = $3 AND token = $4 AND state = 'active'",
                vec![Arg::from(*reason), Arg::Int(self.now), Arg::Text(inst.id.clone()), Arg::Int(*token)],
            );
        }
        let doomed: HashSet<i64> = self.delete_jobs.iter().copied().collect();
        for token in doomed {
            ws.push(
                "DELETE FROM jobs WHERE instance_id = $1 AND token = $2",
                vec![Arg::Text(inst.id.clone()), Arg::Int(token)],
            );
        }
        for token in &self.resolved {
            ws.push(
                "UPDATE incidents SET resolved = $1 WHERE instance_id = $2 AND token = $3 AND resolved IS NULL",
                vec![Arg::Int(self.now), Arg::Text(inst.id.clone()), Arg::Int(*token)],
            );
        }
        for (token, node, message) in &self.incidents {
            let activity = inst.node(*node).map(|n| n.id.clone()).unwrap_or_default();
            insert_incident(ws, inst, *token, &activity, message, self.now);
        }
        if !self.incidents.is_empty() || !self.resolved.is_empty() {
            refresh_incident_count(ws, &inst.id);
        }
    }
}
