//! The command loop: a command reads its instance, plans (deciding in the pure core), and
//! writes the outcome as one write set in one transaction; a concurrent change makes it read
//! and plan again (or refuse, when the caller pinned the revision). Work a step causes in
//! other instances (a call activity's child starts, a finished child resumes its parent, an
//! error or escalation a child did not catch is thrown at its parent's call activity, a
//! thrown signal reaches its receivers and starts the definitions it starts) follows in the
//! same transaction. A signal with more receivers than one transaction takes
//! ([`SIGNAL_RECEIVERS_IN_COMMAND`]) is handed to a `signal` job instead, written in the same
//! transaction and due at once: the job executor broadcasts it in batches (see
//! `crate::events`), so a server stopped after the commit still delivers it once it runs again.

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::loaded::Loaded;
use super::step_writes::incident;
use super::InstanceStatus;
use crate::bpmn::model::{CalledBinding, Process};
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::jobs::{JobCommand, JobInstance, JobKind};
use crate::runtime::{self, Command, InstanceState, RuntimeError, TokenId};
use crate::store::events;
use crate::store::history::NewOperation;
use crate::store::instances::{self, InstanceRow, LatestCheck};
use crate::store::jobs::NewJob;
use crate::store::new_id;
use crate::store::writes::{Cascade, Write, WriteSet};
use crate::Engine;

/// How many instances one command may touch through call activities (children started,
/// parents resumed) before it is refused: a process that calls itself would never stop.
const MAX_CASCADE: usize = 256;

/// Retries of a command whose instance changed between read and write, when the caller did
/// not pin a revision.
const RETRIES: usize = 5;

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
    /// Row changes to write after the instance row.
    pub writes: Vec<Write>,
    /// Instance variables to set (`Some`) or remove (`None`) after the command.
    pub set_variables: Vec<(String, Option<Value>)>,
    /// Row changes that must each change a row, written first (after the instance row is
    /// locked): the job executor's claim on its job. One that changes nothing refuses the whole
    /// command.
    pub guards: Vec<Write>,
    /// Incidents to raise: token, activity id, message.
    pub incidents: Vec<(i64, String, Text)>,
    /// Variables set before the command.
    pub before: Option<VariablesBefore>,
    /// The stored user task the command completes or assigns, with its assignee before: what
    /// its listeners see as `task.id` and `task.assignee`.
    pub task: Option<(String, Option<String>)>,
}

/// Variables set on an instance before a command (a worker's outcome): `variables` by
/// `CompleteTask`'s rule (a name `token` sees as a local variable updates the nearest one, any
/// other the instance's), `local` on the token itself.
#[derive(Debug, Clone, Default)]
pub(crate) struct VariablesBefore {
    pub token: TokenId,
    pub variables: Map<String, Value>,
    pub local: Map<String, Value>,
}

/// What the transaction did, for the caller's answer.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub created_tasks: Vec<String>,
    /// The topic of each external task the command created (waiting workers are woken).
    pub external_created: Vec<String>,
    /// The instance row a start inserted, when nothing else in the command changed it (no
    /// call activity's child, no incident): the caller's answer without reading it back.
    pub written: Option<Written>,
}

/// The list columns of a new instance row as a start wrote them.
#[derive(Debug, Clone)]
pub(super) struct Written {
    pub status: InstanceStatus,
    pub start_time: i64,
    /// The active activities' names (`step_writes::join_names`) and ids (`,`-separated), as stored.
    pub current_activities: String,
    pub current_activity_ids: String,
    pub end_time: Option<i64>,
    pub revision: i64,
}

/// What writing one instance's step gave.
pub(super) struct Step {
    /// The work it causes in other instances.
    pub follow: Vec<FollowUp>,
    /// The new instance row as written, unless the step raised incidents (which change it
    /// again).
    pub written: Option<Written>,
}

/// Work a step causes in another instance.
pub(super) enum FollowUp {
    StartChild {
        parent: Arc<Loaded>,
        token: TokenId,
        node: usize,
        key: String,
        binding: ChildBinding,
        business_key: Option<String>,
        variables: Map<String, Value>,
    },
    ChildDone {
        parent_id: String,
        token: i64,
        variables: Map<String, Value>,
    },
    TerminateChild {
        parent_id: String,
        token: TokenId,
    },
    /// A signal thrown by a step: delivered to its receivers in the tenant and starting the
    /// definitions it starts, in this transaction when they are few
    /// ([`SIGNAL_RECEIVERS_IN_COMMAND`]), else through a `signal` job written in it.
    Broadcast {
        tenant_id: String,
        name: String,
        /// The throwing instance and event: the job's instance and activity.
        instance_id: String,
        activity_id: String,
    },
    /// An error or escalation a child instance did not catch, thrown at its parent's call
    /// activity token.
    Propagate {
        parent_id: String,
        token: i64,
        thrown: Thrown,
    },
}

/// Which version of the called process a call activity starts.
#[derive(Debug, Clone)]
pub(super) struct ChildBinding {
    pub binding: CalledBinding,
    pub version: Option<String>,
    pub version_tag: Option<String>,
}

/// What a child instance throws at its parent.
#[derive(Debug, Clone)]
pub(super) enum Thrown {
    Error { code: String, message: Option<String> },
    Escalation { code: String },
}

/// How many receivers of a signal thrown by a step are reached in the step's own transaction;
/// for a signal with more, the transaction writes a `signal` job due at once, which the job
/// executor runs as a batched broadcast (see `crate::events`).
pub(super) const SIGNAL_RECEIVERS_IN_COMMAND: i64 = 200;

/// Sets variables on `state` before a command (see [`VariablesBefore`]).
pub(crate) fn set_variables_before(state: &mut InstanceState, before: VariablesBefore) {
    let VariablesBefore { token, variables, local } = before;
    for (name, value) in variables {
        let mut cur = state.tokens.iter().position(|t| t.id == token);
        let mut hops = 0;
        while let Some(i) = cur {
            if state.tokens[i].vars.contains_key(&name) || hops > state.tokens.len() {
                break;
            }
            hops += 1;
            cur = state.tokens[i].scope.and_then(|s| state.tokens.iter().position(|t| t.id == s));
        }
        match cur.filter(|&i| state.tokens[i].vars.contains_key(&name)) {
            Some(i) => state.tokens[i].vars.insert(name, value),
            None => state.variables.insert(name, value),
        };
    }
    if let Some(t) = state.tokens.iter_mut().find(|t| t.id == token) {
        t.vars.extend(local);
    }
}

/// The refusal for a core error on a command.
pub(super) fn runtime_refusal(e: RuntimeError) -> EngineError {
    let reason = match &e {
        RuntimeError::InstanceEnded => ConflictReason::Ended,
        RuntimeError::UnknownToken { .. } | RuntimeError::NotWaiting { .. } => ConflictReason::ChangedMeanwhile,
        RuntimeError::Unsupported { .. } => ConflictReason::NotExecutable,
        _ => ConflictReason::Broken,
    };
    EngineError::conflict(reason, e.text())
}

impl Engine {
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
                return Err(EngineError::ChangedMeanwhile { what: "thing.instance", id: id.to_owned() });
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
        let mut before = inst.state.clone();
        if let Some(b) = plan.before {
            set_variables_before(&mut before, b);
        }
        let (state, effects) = match plan.command {
            Some(cmd) => {
                // The environment holds the script runner, which stays on this thread.
                let mut env = inst.env();
                env.task =
                    plan.task.as_ref().map(|(id, assignee)| runtime::TaskRef { id, assignee: assignee.as_deref() });
                runtime::step_with(&inst.process, before, cmd, now, &env).map_err(runtime_refusal)?
            }
            None => (before, Vec::new()),
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
        let queue: VecDeque<FollowUp> = step.follow.into();
        for guard in plan.guards {
            ws.check(guard, EngineError::conflict(ConflictReason::ClaimLost, Text::new("run.job_claim_lost")));
        }
        for write in plan.writes {
            ws.push(write);
        }
        if let Some((operation, detail, reason)) = plan.operation {
            ws.push(Write::LogOperation(NewOperation {
                instance_id: inst.id.clone(),
                at: now,
                actor: plan.ctx.actor.clone(),
                operation,
                detail,
                reason,
            }));
        }
        for (token, activity, message) in &plan.incidents {
            ws.push(incident(&inst, *token, activity, message, now));
        }
        if !plan.incidents.is_empty() {
            ws.push(Write::RefreshIncidentCount { instance_id: inst.id.clone() });
        }
        if queue.is_empty() {
            self.store.write(ws).await?;
        } else {
            self.cascade(ws, queue, &plan.ctx.actor, now, &mut outcome).await?;
        }
        if !outcome.external_created.is_empty() {
            self.external.created(outcome.external_created.iter().map(String::as_str));
        }
        Ok(outcome)
    }

    /// Runs a command's first write set and the work it causes in other instances in one
    /// transaction.
    pub(super) async fn cascade(
        &self,
        ws: WriteSet,
        queue: VecDeque<FollowUp>,
        actor: &str,
        now: i64,
        outcome: &mut Outcome,
    ) -> Result<()> {
        let mut queue = queue;
        // Work in other instances reads them inside the transaction.
        let mut tx = self.store.begin_cascade().await?;
        tx.run(ws).await?;
        let mut cascade = 0;
        while let Some(f) = queue.pop_front() {
            cascade += 1;
            if cascade > MAX_CASCADE {
                return Err(EngineError::conflict(
                    ConflictReason::Broken,
                    Text::new("run.call_loop").with("max", MAX_CASCADE),
                ));
            }
            let system = StepCtx { actor: actor.to_owned(), ..StepCtx::default() };
            let mut ws = WriteSet::default();
            let more = self.follow_up(&mut tx, &mut ws, f, &system, now, outcome).await?;
            tx.run(ws).await?;
            queue.extend(more);
        }
        tx.commit().await?;
        Ok(())
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
                writes: c.writes,
                guards: c.guards.into_iter().map(Into::into).collect(),
                incidents: c.incidents,
                before: c.before,
                ..Plan::default()
            })
        })
        .await
        .map(|_| ())
    }

    /// An instance's row and process, read for a worker outside any transaction.
    pub(crate) async fn instance_with_process(&self, id: &str) -> Result<(InstanceRow, Arc<Process>)> {
        let inst = self.load_instance(id).await?;
        Ok((inst.row, inst.process))
    }

    /// An instance's state, process and token state, read for a job outside any transaction.
    pub(crate) async fn job_instance(&self, id: &str) -> Result<(InstanceStatus, Arc<Process>, InstanceState)> {
        let inst = self.load_instance(id).await?;
        Ok((inst.row.status, inst.process, inst.row.state))
    }

    async fn follow_up(
        &self,
        tx: &mut Cascade,
        ws: &mut WriteSet,
        f: FollowUp,
        ctx: &StepCtx,
        now: i64,
        outcome: &mut Outcome,
    ) -> Result<Vec<FollowUp>> {
        match f {
            FollowUp::StartChild { parent, token, node, key, binding, business_key, variables } => {
                let def = match self.called_definition(tx, &parent, &key, &binding).await? {
                    Ok(def) => def,
                    Err(why) => {
                        let message = Text::new("run.job.call_unstartable")
                            .with("name", parent.node_name(node))
                            .with("key", &key)
                            .with_text("why", why)
                            .with("tenant", &parent.tenant_id);
                        let activity = parent.node(node).map(|n| n.id.clone()).unwrap_or_default();
                        ws.push(incident(&parent, token as i64, &activity, &message, now));
                        ws.push(Write::RefreshIncidentCount { instance_id: parent.id.clone() });
                        return Ok(Vec::new());
                    }
                };
                let (definition_id, name) = def;
                let mut child = self
                    .new_instance(&definition_id, parent.tenant_id.clone(), name, Some((&parent.id, token as i64)))
                    .await?;
                child.business_key = business_key.filter(|b| !b.trim().is_empty());
                let (state, effects) = runtime::step_with(
                    &child.process,
                    child.state.clone(),
                    Command::Start { variables },
                    now,
                    &child.env(),
                )
                .map_err(runtime_refusal)?;
                self.write_step(ws, &Arc::new(child), state, effects, InstanceStatus::Running, ctx, now, outcome)
                    .map(|s| s.follow)
            }
            FollowUp::Broadcast { tenant_id, name, instance_id, activity_id } => {
                let receivers =
                    events::signal_receivers_in(tx, &tenant_id, &name, SIGNAL_RECEIVERS_IN_COMMAND + 1).await?;
                if receivers.len() as i64 > SIGNAL_RECEIVERS_IN_COMMAND {
                    // Too many for this transaction: a job, committed with it, broadcasts the
                    // signal. It has no token (-1), so no step of the throwing instance cancels
                    // it, and it is named after the signal.
                    ws.push(Write::InsertJobs(vec![NewJob {
                        id: new_id(),
                        tenant_id,
                        instance_id,
                        token: -1,
                        activity_id,
                        name,
                        kind: JobKind::Signal.code(),
                        timer: None,
                        due: now,
                        retries: 3,
                        state: "pending",
                        suspended: false,
                        error: None,
                        created: now,
                        external: None,
                    }]));
                    return Ok(Vec::new());
                }
                let mut more = Vec::new();
                for (_, instance_id, token) in receivers {
                    let Some(row) = instances::instance_row_in(tx, instance_id).await? else { continue };
                    let inst = self.loaded(row).await?;
                    let waiting = inst
                        .state
                        .tokens
                        .iter()
                        .any(|t| t.id == token as TokenId && t.state == crate::runtime::TokenState::WaitingSignal);
                    if inst.status != InstanceStatus::Running || !waiting {
                        continue;
                    }
                    let cmd = Command::Deliver { token: token as TokenId, variables: Map::new() };
                    let Ok((state, effects)) =
                        runtime::step_with(&inst.process, inst.state.clone(), cmd, now, &inst.env())
                    else {
                        continue;
                    };
                    let mut w = WriteSet::default();
                    let status = inst.status;
                    let step = self.write_step(&mut w, &Arc::new(inst), state, effects, status, ctx, now, outcome)?;
                    // Each receiver's rows are written before the next one is read: one instance
                    // may wait for the signal with several tokens.
                    tx.run(w).await?;
                    more.extend(step.follow);
                }
                for start in events::signal_starts_in(tx, &tenant_id, &name).await? {
                    let def = start.sub;
                    let child = self
                        .new_instance(&def.definition_id, def.tenant_id.clone(), def.definition_name.clone(), None)
                        .await?;
                    let Some(node) = child.process.node_index(&def.activity_id) else { continue };
                    let cmd = Command::StartAt { start: node, variables: Map::new() };
                    let Ok((state, effects)) =
                        runtime::step_with(&child.process, child.state.clone(), cmd, now, &child.env())
                    else {
                        continue;
                    };
                    let mut w = WriteSet::default();
                    let step = self.write_step(
                        &mut w,
                        &Arc::new(child),
                        state,
                        effects,
                        InstanceStatus::Running,
                        ctx,
                        now,
                        outcome,
                    )?;
                    tx.run(w).await?;
                    more.extend(step.follow);
                }
                Ok(more)
            }
            FollowUp::Propagate { parent_id, token, thrown } => {
                let Some(parent) = instances::instance_row_in(tx, parent_id).await? else {
                    return Ok(Vec::new());
                };
                let parent = self.loaded(parent).await?;
                if parent.status.is_finished() {
                    return Ok(Vec::new());
                }
                let cmd = match thrown {
                    Thrown::Error { code, message } => Command::ThrowError { token: token as TokenId, code, message },
                    Thrown::Escalation { code } => Command::ThrowEscalation { token: token as TokenId, code },
                };
                // A parent whose call activity no longer waits (moved meanwhile) takes nothing.
                let Ok((state, effects)) =
                    runtime::step_with(&parent.process, parent.state.clone(), cmd, now, &parent.env())
                else {
                    return Ok(Vec::new());
                };
                let status = parent.status;
                self.write_step(ws, &Arc::new(parent), state, effects, status, ctx, now, outcome).map(|s| s.follow)
            }
            FollowUp::ChildDone { parent_id, token, variables } => {
                let Some(parent) = instances::instance_row_in(tx, parent_id).await? else {
                    return Ok(Vec::new());
                };
                let parent = self.loaded(parent).await?;
                if parent.status.is_finished() {
                    return Ok(Vec::new());
                }
                let cmd = Command::ChildCompleted { token: token as TokenId, variables };
                let (state, effects) =
                    runtime::step_with(&parent.process, parent.state.clone(), cmd, now, &parent.env())
                        .map_err(runtime_refusal)?;
                let status = parent.status;
                self.write_step(ws, &Arc::new(parent), state, effects, status, ctx, now, outcome).map(|s| s.follow)
            }
            FollowUp::TerminateChild { parent_id, token } => {
                let Some(child) = instances::child_of_token_in(tx, parent_id, token as i64).await? else {
                    return Ok(Vec::new());
                };
                let child = self.loaded(child).await?;
                let (state, effects) = runtime::step(&child.process, child.state.clone(), Command::Terminate, now)
                    .map_err(runtime_refusal)?;
                let ctx = StepCtx { cancel_reason: Some("terminated"), ..ctx.clone() };
                let status = child.status;
                self.write_step(ws, &Arc::new(child), state, effects, status, &ctx, now, outcome).map(|s| s.follow)
            }
        }
    }
}

impl Engine {
    /// The definition (id, name) a call activity of `parent` starts for `key` under its
    /// binding, or why there is none (completing "calls process 'key', …").
    async fn called_definition(
        &self,
        tx: &mut Cascade,
        parent: &Loaded,
        key: &str,
        b: &ChildBinding,
    ) -> Result<std::result::Result<(String, String), Text>> {
        let found = match b.binding {
            CalledBinding::Latest => instances::latest_startable_in(tx, &parent.tenant_id, key).await?,
            CalledBinding::Deployment => {
                instances::deployment_startable_in(tx, &parent.tenant_id, key, &parent.definition_id).await?
            }
            CalledBinding::Version => {
                let text = b.version.as_deref().unwrap_or("").trim();
                let Ok(version) = text.parse::<i64>() else {
                    return Ok(Err(Text::new("run.job.call_version_not_number").with("version", text)));
                };
                let found = instances::version_startable_in(tx, &parent.tenant_id, key, version).await?;
                if found.is_none() {
                    return Ok(Err(Text::new("run.job.call_no_version").with("version", version)));
                }
                found
            }
            CalledBinding::VersionTag => {
                let tag = b.version_tag.as_deref().unwrap_or("").trim();
                let found = instances::tagged_startable_in(tx, &parent.tenant_id, key, tag).await?;
                if found.is_none() {
                    return Ok(Err(Text::new("run.job.call_no_tag").with("tag", tag)));
                }
                found
            }
        };
        Ok(found.ok_or_else(|| Text::new("run.job.call_none_startable")))
    }
}

/// The refusals of a start's check that its cached definition is still the latest.
impl LatestCheck {
    /// The refusal when the check fails: the start reads the definitions again and retries.
    pub(super) fn refusal(definition_id: &str) -> EngineError {
        EngineError::ChangedMeanwhile { what: "thing.definition", id: definition_id.to_owned() }
    }

    /// Whether `e` is this check's refusal of a start of `definition_id`.
    pub(super) fn refused(e: &EngineError, definition_id: &str) -> bool {
        matches!(e, EngineError::ChangedMeanwhile { what: "thing.definition", id } if id == definition_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bpmn_core::text::Lang;

    #[test]
    fn core_refusals_keep_their_english_and_have_chinese() {
        let errors = [
            RuntimeError::NoStartEvent { process: "p".into() },
            RuntimeError::AlreadyStarted,
            RuntimeError::NotStarted,
            RuntimeError::InstanceEnded,
            RuntimeError::UnknownToken { token: 7 },
            RuntimeError::NotWaiting { token: 0, node_id: "wait".into(), expected: "a task to complete" },
            RuntimeError::NotWaiting { token: 1, node_id: "call".into(), expected: "a called process to complete" },
            RuntimeError::NoMatchingFlow { gateway: "gw".into() },
            RuntimeError::Unsupported { node_id: "x".into(), what: "complex gateway".into() },
            RuntimeError::InvalidModel {
                node_id: "P".into(),
                message: Text::verbatim("the instance state has token 3 twice"),
            },
            RuntimeError::Script { node_id: "s".into(), message: Text::verbatim("time limit") },
            RuntimeError::StepLimit,
        ];
        for e in errors {
            let refusal = runtime_refusal(e.clone());
            let text = refusal.text();
            assert_eq!(text.english(), format!("{e}."));
            let zh = text.render(Lang::Zh);
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
            assert!(!zh.contains("run."), "a key was not found: {zh}");
        }
        let zh = (RuntimeError::NotWaiting { token: 0, node_id: "wait".into(), expected: "a timer" })
            .text()
            .render(Lang::Zh);
        assert_eq!(zh, "位于“wait”的令牌 0 并没有在等待定时器。");
    }
}
