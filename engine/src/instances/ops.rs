//! The commands: start, complete a task, and the administrator operations. Each reads what
//! it needs, refuses with a reason when the state forbids it, and hands a [`Plan`] to the
//! executor, which writes it in one transaction.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Map, Value};

use super::command::{runtime_refusal, Plan, StepCtx};
use super::loaded::{node_label, Loaded};
use super::{InstanceStatus, InstanceSummary, StartRequest, Started, Task};
use bpmn_core::instance::InstanceAction;
use bpmn_core::task::TaskAction;

use crate::bpmn::model::NodeIdx;
use crate::deploy::StoredReason;
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::identity::Account;
use crate::rules;
use crate::runtime::{self, Command, EndReason, MoveWarning, TokenId, TokenState};
use crate::store::instances::{split_list, split_names, LatestCheck, StartableDefinition};
use crate::store::jobs::JobWrite;
use crate::store::sql::search::task_search;
use crate::store::writes::Write;
use crate::Engine;

/// The latest startable version of each key, as starts by key last read it, by the tenant
/// they asked for (`None`: any) and key. A start from here checks as it inserts the instance
/// that no newer version (or, for `None`, no other tenant's) was deployed meanwhile, by this
/// or another server process; when one was, it forgets the entry and reads again.
#[derive(Debug, Default)]
pub(crate) struct LatestVersions(Mutex<HashMap<(Option<String>, String), StartableDefinition>>);

/// Keys kept at most; the map is cleared when it grows past this.
const LATEST_LIMIT: usize = 2_000;

impl LatestVersions {
    fn get(&self, tenant: &Option<String>, key: &str) -> Option<StartableDefinition> {
        self.0.lock().ok()?.get(&(tenant.clone(), key.to_owned())).cloned()
    }

    fn put(&self, tenant: &Option<String>, row: &StartableDefinition) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= LATEST_LIMIT {
                m.clear();
            }
            m.insert((tenant.clone(), row.process_key.clone()), row.clone());
        }
    }

    fn forget(&self, tenant: &Option<String>, key: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(&(tenant.clone(), key.to_owned()));
        }
    }
}

/// Refuses names that cannot be variables.
pub(super) fn check_variables(variables: &Map<String, Value>) -> Result<()> {
    if let Some(bad) = variables.keys().find(|k| k.trim().is_empty() || k.len() > 200) {
        return Err(EngineError::invalid("variables", Text::new("run.variable_name_unusable").with("name", bad)));
    }
    let nul = variables
        .iter()
        .find_map(|(k, v)| crate::identity::nul_in_json(v, k).or_else(|| k.contains('\0').then(|| k.clone())));
    if let Some(path) = nul {
        return Err(EngineError::invalid(
            "variables",
            Text::new("run.variable_nul").with("name", path.replace('\0', "")),
        ));
    }
    Ok(())
}

/// Refuses unless the instance is in one of `allowed` (see [`rules::require_state`]); `what`
/// and `hint` are catalog keys (`run.op.*`, `run.hint.*`).
fn require_state(inst: &Loaded, allowed: &[InstanceStatus], what: &'static str, hint: &'static str) -> Result<()> {
    rules::require_state(&inst.id, inst.status, allowed, Text::new(what), Text::new(hint)).map_err(EngineError::from)
}

/// Refuses unless the instance runs (see [`rules::require_running`]); `what` is a catalog key
/// (`run.op.*`).
fn require_running(inst: &Loaded, what: &'static str) -> Result<()> {
    rules::require_running(&inst.id, inst.status, Text::new(what)).map_err(EngineError::from)
}

/// The tokens waiting in the activities `from` (ids), or a refusal naming the one that is
/// not active.
fn tokens_at(inst: &Loaded, from: &[String]) -> Result<Vec<TokenId>> {
    if from.is_empty() {
        return Err(EngineError::invalid("from", Text::new("run.move_choose_from")));
    }
    let active = runtime::active_activities(&inst.process, &inst.state);
    let mut tokens = Vec::new();
    for id in from {
        let here: Vec<TokenId> =
            active.iter().filter(|(_, n)| inst.node(*n).is_some_and(|n| &n.id == id)).map(|(t, _)| *t).collect();
        if here.is_empty() {
            return Err(EngineError::invalid(
                "from",
                Text::new("run.move_not_waiting").with("activity", id).with("id", &inst.id),
            ));
        }
        tokens.extend(here);
    }
    Ok(tokens)
}

/// The node with id `to`, or a refusal.
fn target_node(inst: &Loaded, to: &str) -> Result<NodeIdx> {
    inst.process
        .node_index(to)
        .filter(|n| runtime::movable_activities(&inst.process).contains(n))
        .ok_or_else(|| EngineError::invalid("to", Text::new("run.move_bad_target").with("to", to)))
}

impl Engine {
    /// Reads an instance the caller may see, for a command.
    pub(super) async fn instance_for(&self, caller: &Account, id: &str) -> Result<Loaded> {
        let inst = self.load_instance(id).await?;
        if !caller.can_access(&inst.tenant_id) {
            return Err(EngineError::NotFound { what: "thing.instance", id: id.to_owned() });
        }
        Ok(inst)
    }

    /// Starts an instance of the latest version of `key` (or of `version`).
    ///
    /// Refused with 404 when there is no such definition, 422 when an administrator has the
    /// key in several tenants and did not say which, 409 when the version is not startable
    /// (with the reasons).
    pub async fn start_instance(
        &self,
        caller: &Account,
        key: &str,
        version: Option<i64>,
        req: StartRequest,
    ) -> Result<InstanceSummary> {
        Ok(self.start_instance_with_tasks(caller, key, version, req).await?.instance)
    }

    /// [`Engine::start_instance`], answering also with the user tasks the start opened, so
    /// that a caller can go on to them without listing tasks.
    pub async fn start_instance_with_tasks(
        &self,
        caller: &Account,
        key: &str,
        version: Option<i64>,
        req: StartRequest,
    ) -> Result<Started> {
        let tenant = caller.tenant_scope().map(str::to_owned).or_else(|| req.tenant.clone());
        let check = if tenant.is_some() { LatestCheck::InTenant } else { LatestCheck::Everywhere };
        if version.is_none() {
            if let Some(row) = self.latest.get(&tenant, key) {
                let definition_id = row.id.clone();
                match self.start_from_row(caller, row, req.clone(), Vec::new(), Some(check)).await {
                    Err(e) if LatestCheck::refused(&e, &definition_id) => self.latest.forget(&tenant, key),
                    other => return other,
                }
            }
        }
        let rows = self.store.startable_versions(key, tenant.as_deref(), version).await?;
        let mut tenants: Vec<&str> = Vec::new();
        for r in &rows {
            if !tenants.contains(&r.tenant_id.as_str()) {
                tenants.push(&r.tenant_id);
            }
        }
        let what = match version {
            Some(v) => format!("{key}' version '{v}"),
            None => key.to_owned(),
        };
        let Some(first) = rows.first() else {
            return Err(EngineError::NotFound { what: "thing.definition", id: what });
        };
        if tenants.len() > 1 {
            return Err(EngineError::invalid(
                "tenant",
                Text::new("run.tenant_ambiguous").with("key", key).with("tenants", tenants.join(", ")),
            ));
        }
        if version.is_none() && first.startable && caller.can_access(&first.tenant_id) {
            self.latest.put(&tenant, first);
        }
        let first = first.clone();
        self.start_from_row(caller, first, req, Vec::new(), None).await
    }

    /// Starts an instance of one definition version.
    pub async fn start_definition(
        &self,
        caller: &Account,
        definition_id: &str,
        req: StartRequest,
    ) -> Result<InstanceSummary> {
        Ok(self.start_guarded(caller, definition_id, req, Vec::<Write>::new()).await?.instance)
    }

    /// Starts an instance in one transaction with `guards`, row changes that must each change a
    /// row (a timer start event's claim on its firing); one that changes nothing refuses the
    /// start and nothing is written.
    pub(crate) async fn start_guarded(
        &self,
        caller: &Account,
        definition_id: &str,
        req: StartRequest,
        guards: Vec<impl Into<Write>>,
    ) -> Result<Started> {
        let row = self
            .store
            .startable_definition(definition_id)
            .await?
            .ok_or_else(|| EngineError::NotFound { what: "thing.definition", id: definition_id.to_owned() })?;
        self.start_from_row(caller, row, req, guards.into_iter().map(Into::into).collect(), None).await
    }

    /// Starts an instance of the definition read as `row`, with `guards` as in
    /// [`Engine::start_guarded`]; `latest` when `row` comes from the cache of latest versions.
    async fn start_from_row(
        &self,
        caller: &Account,
        row: StartableDefinition,
        req: StartRequest,
        guards: Vec<Write>,
        latest: Option<LatestCheck>,
    ) -> Result<Started> {
        check_variables(&req.variables)?;
        let StartableDefinition {
            id: definition_id,
            tenant_id: tenant,
            process_key,
            name,
            version,
            startable,
            not_startable_reasons,
        } = row;
        let definition_id = definition_id.as_str();
        if !caller.can_access(&tenant) {
            return Err(EngineError::NotFound { what: "thing.definition", id: definition_id.to_owned() });
        }
        if !startable {
            let reasons: Vec<StoredReason> = serde_json::from_str(&not_startable_reasons).unwrap_or_default();
            let list = Text::list(reasons.iter().map(StoredReason::text));
            return Err(EngineError::conflict(
                ConflictReason::NotExecutable,
                Text::new("run.not_startable").with("name", &name).with("version", version).with_text("reasons", list),
            ));
        }
        let mut inst = self.new_instance(definition_id, tenant.clone(), name.clone(), None).await?;
        inst.business_key = req.business_key.filter(|b| !b.trim().is_empty());
        // The initiator: as given, else the `initiator` variable, else the caller.
        let from_variable = req.variables.get("initiator").and_then(Value::as_str).map(str::to_owned);
        inst.initiator = Some(
            req.initiator.filter(|i| !i.trim().is_empty()).or(from_variable).unwrap_or_else(|| caller.username.clone()),
        );
        let id = inst.id.clone();
        // `${initiator}` is how models name the starter (Camunda's `camunda:initiator`,
        // Flowable's `flowable:initiator`); a variable given explicitly wins.
        let mut variables = req.variables;
        if let Some(who) = &inst.initiator {
            variables.entry("initiator").or_insert_with(|| Value::String(who.clone()));
        }
        let (business_key, initiator) = (inst.business_key.clone(), inst.initiator.clone());
        let plan = Plan {
            command: Some(Command::Start { variables }),
            ctx: StepCtx { actor: caller.username.clone(), latest, ..StepCtx::default() },
            operation: Some(("start".into(), String::new(), String::new())),
            guards,
            ..Plan::default()
        };
        let outcome = self.execute(inst, plan).await?;
        let created_tasks = outcome.created_tasks;
        let Some(w) = outcome.written else {
            return Ok(Started { instance: self.instance_summary(caller, &id).await?, created_tasks });
        };
        // The row as inserted, without reading it back.
        let instance = InstanceSummary {
            id,
            tenant_id: tenant,
            definition_id: definition_id.to_owned(),
            definition_key: process_key,
            definition_name: name,
            version,
            business_key,
            initiator,
            initiator_name: None,
            state: w.status,
            start_time: w.start_time,
            end_time: w.end_time,
            current_activities: split_names(&w.current_activities),
            active_activity_ids: split_list(&w.current_activity_ids, ","),
            open_incidents: 0,
            parent_instance_id: None,
            revision: w.revision,
        };
        Ok(Started { instance, created_tasks })
    }

    /// Completes an active task with variables. Answers with the ids of the user tasks the
    /// completion opened (in its instance, or in others it reached through call activities),
    /// so that a caller can go on to them without listing tasks.
    pub async fn complete_task(
        &self,
        caller: &Account,
        task_id: &str,
        variables: Map<String, Value>,
    ) -> Result<Vec<String>> {
        check_variables(&variables)?;
        let (task, token, inst) = self.task_for_command(caller, task_id).await?;
        if let Some(refusal) = rules::task_action_refusal(&task, TaskAction::Complete) {
            return Err(refusal.into());
        }
        let outcome = self
            .run_command_from(&task.instance_id, Some(inst), None, |inst| {
                require_running(inst, "run.op.complete_task")?;
                // The token must still wait in this task's activity: after a completion it may
                // have moved on to the next user task under the same id.
                let waiting = inst.state.tokens.iter().any(|t| {
                    t.id == token
                        && t.state == TokenState::WaitingTask
                        && inst.node(t.node).is_some_and(|n| n.id == task.activity_id)
                });
                if !waiting {
                    return Err(EngineError::conflict(
                        ConflictReason::ChangedMeanwhile,
                        Text::new("run.task_handled_meanwhile").with("task", &task.name),
                    ));
                }
                Ok(Plan {
                    command: Some(Command::CompleteTask { token, variables: variables.clone() }),
                    ctx: StepCtx {
                        actor: caller.username.clone(),
                        completing_task: Some(task_id.to_owned()),
                        ..StepCtx::default()
                    },
                    task: Some((task_id.to_owned(), task.assignee.clone())),
                    ..Plan::default()
                })
            })
            .await?;
        Ok(outcome.created_tasks)
    }

    /// Suspends a running instance: its tasks cannot be completed and its jobs wait.
    pub async fn suspend_instance(
        &self,
        caller: &Account,
        id: &str,
        reason: &str,
        revision: Option<i64>,
    ) -> Result<InstanceSummary> {
        self.set_suspended(caller, id, reason, revision, true).await
    }

    /// Resumes a suspended instance exactly where it was.
    pub async fn resume_instance(
        &self,
        caller: &Account,
        id: &str,
        reason: &str,
        revision: Option<i64>,
    ) -> Result<InstanceSummary> {
        self.set_suspended(caller, id, reason, revision, false).await
    }

    /// Suspend (`suspend`) or resume: the state and the jobs' `suspended` flag change together.
    async fn set_suspended(
        &self,
        caller: &Account,
        id: &str,
        reason: &str,
        revision: Option<i64>,
        suspend: bool,
    ) -> Result<InstanceSummary> {
        let (action, to, op) = if suspend {
            (InstanceAction::Suspend, InstanceStatus::Suspended, "suspend")
        } else {
            (InstanceAction::Resume, InstanceStatus::Running, "resume")
        };
        self.instance_for(caller, id).await?;
        self.run_command(id, revision, |inst| {
            if let Some(refusal) = rules::action_refusal(&inst.id, inst.status, action) {
                return Err(refusal.into());
            }
            Ok(Plan {
                status: Some(to),
                ctx: StepCtx { actor: caller.username.clone(), ..StepCtx::default() },
                operation: Some((op.into(), String::new(), reason.to_owned())),
                writes: vec![Write::Job(JobWrite::SuspendInstanceJobs {
                    instance_id: inst.id.clone(),
                    suspended: suspend,
                })],
                ..Plan::default()
            })
        })
        .await?;
        self.instance_summary(caller, id).await
    }

    /// Terminates a running or suspended instance: its tasks, jobs and child instances are
    /// cancelled; the history stays.
    pub async fn terminate_instance(
        &self,
        caller: &Account,
        id: &str,
        reason: &str,
        revision: Option<i64>,
    ) -> Result<InstanceSummary> {
        self.instance_for(caller, id).await?;
        self.run_command(id, revision, |inst| {
            if let Some(refusal) = rules::action_refusal(&inst.id, inst.status, InstanceAction::Terminate) {
                return Err(refusal.into());
            }
            Ok(Plan {
                command: Some(Command::Terminate),
                status: Some(InstanceStatus::Terminated),
                ctx: StepCtx {
                    actor: caller.username.clone(),
                    cancel_reason: Some("terminated"),
                    ..StepCtx::default()
                },
                operation: Some(("terminate".into(), String::new(), reason.to_owned())),
                ..Plan::default()
            })
        })
        .await?;
        self.instance_summary(caller, id).await
    }

    /// What moving the tokens of activities `from` to `to` would leave stuck, for the adjust
    /// dialog to show before saving.
    pub async fn check_move(&self, caller: &Account, id: &str, from: &[String], to: &str) -> Result<Vec<MoveWarning>> {
        let inst = self.instance_for(caller, id).await?;
        let tokens = tokens_at(&inst, from)?;
        let target = target_node(&inst, to)?;
        runtime::check_move(&inst.process, &inst.state, &tokens, target).map_err(runtime_refusal)
    }

    /// Adjust (调整): cancels the activity instances of `from` and starts `to`.
    pub async fn move_instance(
        &self,
        caller: &Account,
        id: &str,
        from: &[String],
        to: &str,
        reason: &str,
        revision: Option<i64>,
    ) -> Result<InstanceSummary> {
        self.instance_for(caller, id).await?;
        self.run_command(id, revision, |inst| {
            if let Some(refusal) = rules::action_refusal(&inst.id, inst.status, InstanceAction::Adjust) {
                return Err(refusal.into());
            }
            let tokens = tokens_at(inst, from)?;
            let target = target_node(inst, to)?;
            let names: Vec<String> = from.to_vec();
            Ok(Plan {
                command: Some(Command::Move { tokens, to: target, reason: EndReason::Moved }),
                ctx: StepCtx { actor: caller.username.clone(), ..StepCtx::default() },
                operation: Some((
                    "move".into(),
                    format!("{} → {} ({})", names.join(", "), to, inst.node_name(target)),
                    reason.to_owned(),
                )),
                ..Plan::default()
            })
        })
        .await?;
        self.instance_summary(caller, id).await
    }

    /// Reassign (改派): gives an active task to another person of the organisation.
    pub async fn reassign_task(&self, caller: &Account, task_id: &str, assignee: &str, reason: &str) -> Result<Task> {
        let (task, token, inst) = self.task_for_command(caller, task_id).await?;
        if let Some(refusal) = rules::task_action_refusal(&task, TaskAction::Reassign) {
            return Err(refusal.into());
        }
        let assignee = assignee.trim();
        let Some(person_name) = self.store.person_name(&task.tenant_id, assignee).await? else {
            return Err(EngineError::invalid("assignee", Text::new("run.no_such_person").with("person", assignee)));
        };
        self.refuse_inactive_assignee(&task.tenant_id, assignee).await?;
        if task.assignee.as_deref() == Some(assignee) {
            return Err(EngineError::invalid(
                "assignee",
                Text::new("run.already_assigned").with("task", &task.name).with("person", &person_name),
            ));
        }
        let from = task.assignee_name.clone().or(task.assignee.clone()).unwrap_or_else(|| "(nobody)".into());
        self.run_command_from(&task.instance_id, Some(inst), None, |inst| {
            require_state(
                inst,
                &[InstanceStatus::Running, InstanceStatus::Suspended],
                "run.op.reassign_task",
                "run.hint.tasks_closed",
            )?;
            let search = task_search(
                &task.name,
                Some(assignee),
                &task.candidate_groups,
                inst.business_key.as_deref(),
                &task.definition_name,
                &inst.process.id,
            );
            Ok(Plan {
                ctx: StepCtx { actor: caller.username.clone(), ..StepCtx::default() },
                operation: Some((
                    "reassign".into(),
                    format!("{}: {from} → {person_name} ({assignee})", task.name),
                    reason.to_owned(),
                )),
                writes: vec![Write::ReassignTask {
                    task_id: task_id.to_owned(),
                    assignee: assignee.to_owned(),
                    search,
                }],
                command: Some(Command::AssignTask { token, assignee: assignee.to_owned() }),
                task: Some((task_id.to_owned(), task.assignee.clone())),
                ..Plan::default()
            })
        })
        .await?;
        self.task(caller, task_id).await
    }

    /// Withdraw (撤回): takes back a completed task while the step its completion created is
    /// untouched; returns the re-created task.
    pub async fn withdraw_task(&self, caller: &Account, task_id: &str, reason: &str) -> Result<Task> {
        let task = self.task(caller, task_id).await?;
        if let Some(refusal) = rules::task_action_refusal(&task, TaskAction::Withdraw) {
            return Err(refusal.into());
        }
        let (withdrawable, next) = self.store.completion_followers(task_id).await?;
        let tokens = rules::withdrawal_tokens(&task.name, withdrawable, &next).map_err(EngineError::from)?;
        let outcome = self
            .run_command(&task.instance_id, None, |inst| {
                require_state(
                    inst,
                    &[InstanceStatus::Running],
                    "run.op.withdraw_task",
                    "run.hint.withdraw_while_running",
                )?;
                let target = inst.process.node_index(&task.activity_id).ok_or_else(|| {
                    EngineError::conflict(
                        ConflictReason::Broken,
                        Text::new("run.activity_gone").with("activity", &task.activity_id),
                    )
                })?;
                let still_waiting = tokens
                    .iter()
                    .all(|t| inst.state.tokens.iter().any(|k| k.id == *t && k.state == TokenState::WaitingTask));
                if !still_waiting {
                    return Err(EngineError::conflict(
                        ConflictReason::ChangedMeanwhile,
                        Text::new("run.withdraw_changed").with("task", &task.name),
                    ));
                }
                let multi = inst.node(target).is_some_and(|n| n.multi_instance.is_some());
                let back_to = task.assignee.clone().or(task.completed_by.clone());
                Ok(Plan {
                    command: Some(Command::Move { tokens: tokens.clone(), to: target, reason: EndReason::Withdrawn }),
                    ctx: StepCtx {
                        actor: caller.username.clone(),
                        assignee_override: if multi { None } else { back_to },
                        ..StepCtx::default()
                    },
                    operation: Some((
                        "withdraw".into(),
                        format!("{} ({})", task.name, inst.node(target).map(node_label).unwrap_or_default()),
                        reason.to_owned(),
                    )),
                    ..Plan::default()
                })
            })
            .await?;
        match outcome.created_tasks.first() {
            Some(id) => self.task(caller, id).await,
            None => Err(EngineError::conflict(ConflictReason::Broken, Text::new("run.withdraw_no_task"))),
        }
    }

    /// Deletes a completed or cancelled task, or any task of an ended instance. An active task
    /// of a live instance is refused: the instance would wait for it for ever.
    pub async fn delete_task(&self, caller: &Account, task_id: &str) -> Result<()> {
        let task = self.task(caller, task_id).await?;
        if let Some(refusal) = rules::task_action_refusal(&task, TaskAction::Delete) {
            return Err(refusal.into());
        }
        self.run_command(&task.instance_id, None, |_| {
            Ok(Plan {
                ctx: StepCtx { actor: caller.username.clone(), ..StepCtx::default() },
                operation: Some(("delete-task".into(), task.name.clone(), String::new())),
                writes: vec![Write::DeleteTask { task_id: task_id.to_owned() }],
                ..Plan::default()
            })
        })
        .await?;
        Ok(())
    }

    /// Sets (or, with `None`, removes) an instance variable of a running or suspended instance.
    pub async fn set_variable(
        &self,
        caller: &Account,
        id: &str,
        name: &str,
        value: Option<Value>,
        revision: Option<i64>,
    ) -> Result<InstanceSummary> {
        let name = name.trim();
        let mut one = Map::new();
        one.insert(name.to_owned(), Value::Null);
        check_variables(&one)?;
        self.instance_for(caller, id).await?;
        self.run_command(id, revision, |inst| {
            require_state(
                inst,
                &[InstanceStatus::Running, InstanceStatus::Suspended],
                "run.op.change_variable",
                "run.hint.variables_are_history",
            )?;
            if value.is_none() && !inst.state.variables.contains_key(name) {
                return Err(EngineError::NotFound { what: "thing.variable", id: name.to_owned() });
            }
            let (op, detail) = match &value {
                Some(v) => ("set-variable", format!("{name} = {v}")),
                None => ("delete-variable", name.to_owned()),
            };
            Ok(Plan {
                ctx: StepCtx { actor: caller.username.clone(), ..StepCtx::default() },
                operation: Some((op.into(), detail, String::new())),
                set_variables: vec![(name.to_owned(), value.clone())],
                ..Plan::default()
            })
        })
        .await?;
        self.instance_summary(caller, id).await
    }

    /// Retries the token stopped by an open incident (after its cause was fixed, e.g. a
    /// variable set).
    pub async fn retry_incident(&self, caller: &Account, id: &str, incident_id: &str) -> Result<InstanceSummary> {
        self.instance_for(caller, id).await?;
        let (token, resolved) = self
            .store
            .incident_token(incident_id, id)
            .await?
            .ok_or_else(|| EngineError::NotFound { what: "thing.incident", id: incident_id.to_owned() })?;
        if resolved.is_some() {
            return Err(EngineError::conflict(ConflictReason::AlreadyDone, Text::new("run.incident_resolved")));
        }
        let token = token as TokenId;
        self.run_command(id, None, |inst| {
            require_running(inst, "run.op.retry")?;
            let failed = inst.state.tokens.iter().any(|t| t.id == token && t.state == TokenState::Failed);
            if !failed {
                return Err(EngineError::conflict(ConflictReason::AlreadyDone, Text::new("run.incident_token_moved")));
            }
            Ok(Plan {
                command: Some(Command::Retry { token }),
                ctx: StepCtx { actor: caller.username.clone(), ..StepCtx::default() },
                operation: Some(("retry".into(), incident_id.to_owned(), String::new())),
                ..Plan::default()
            })
        })
        .await?;
        self.instance_summary(caller, id).await
    }
}
