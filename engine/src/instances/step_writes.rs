//! From the core's effects to typed writes: one step of one instance becomes its instance
//! row (inserted, or updated over the revision read), the history, tasks, jobs, variable
//! changes, incidents and event subscriptions the effects call for, and the work they cause
//! in other instances. A token's subscription is inserted when it starts waiting for a
//! message or signal and deleted when it stops; an instance that ends keeps none.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::command::{ChildBinding, FollowUp, Outcome, Step, StepCtx, Thrown, Written};
use super::loaded::{node_label, Loaded};
use super::stamp::next_stamp;
use super::InstanceStatus;
use crate::bpmn::model::{FlowNode, NodeKind, ServiceTask};
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::jobs::JobKind;
use crate::rules;
use crate::runtime::{self, Effect, HistoryKind, InstanceState, SubscriptionKind, TimerKind, TokenId};
use crate::schedule::{self, TimeZone, TimerKindText};
use crate::store::events::NewSubscription;
use crate::store::history::{EndedActivity, NewActivity, NewVariableChange};
use crate::store::incidents::NewIncident;
use crate::store::instances::{InstanceUpdate, LatestCheck, NewInstance};
use crate::store::jobs::{JobWrite, NewJob};
use crate::store::new_id;
use crate::store::sql::search::{instance_search, task_search};
use crate::store::tasks::{NewTask, TaskCompletion};
use crate::store::writes::{Write, WriteSet};
use crate::Engine;

impl Engine {
    /// Writes one instance's step: the instance row first, then what the effects call for.
    /// Returns the work caused in other instances.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_step(
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
        let mut w = StepWriter::new(inst, ctx, now, &self.time_zone, &effects);
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
                Effect::CallService { token, node } => w.service_job(*token, *node, &state),
                Effect::ScheduleTimer { token, node, kind, definition } => {
                    w.timer_job(*token, *node, *kind, definition)
                }
                Effect::ScheduleAsync { token, node } => w.job(*token, *node, "async", None, now, None),
                Effect::CancelServiceCall { token, .. }
                | Effect::CancelTimer { token, .. }
                | Effect::CancelAsync { token, .. } => w.delete_jobs.push(*token as i64),
                Effect::StartChild {
                    token,
                    node,
                    called_element,
                    binding,
                    version,
                    version_tag,
                    business_key,
                    variables,
                } => follow.push(FollowUp::StartChild {
                    parent: inst.clone(),
                    token: *token,
                    node: *node,
                    key: called_element.clone(),
                    binding: ChildBinding {
                        binding: binding.clone(),
                        version: version.clone(),
                        version_tag: version_tag.clone(),
                    },
                    business_key: business_key.clone(),
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
                Effect::Subscribe { token, node, kind, name } => w.subscribe(*token, *node, *kind, name),
                Effect::Unsubscribe { token, .. } => w.unsubscribe(*token),
                Effect::BroadcastSignal { name, node, .. } => follow.push(FollowUp::Broadcast {
                    tenant_id: inst.tenant_id.clone(),
                    name: name.clone(),
                    instance_id: inst.id.clone(),
                    activity_id: inst.node(*node).map(|n| n.id.clone()).unwrap_or_default(),
                }),
                // The history entries of the throw event say it all; nothing is sent.
                Effect::MessageThrown { .. } => {}
                Effect::UncaughtError { code, message, .. } => {
                    if let (Some(parent_id), Some(token)) = (&inst.parent_instance_id, inst.parent_token) {
                        follow.push(FollowUp::Propagate {
                            parent_id: parent_id.clone(),
                            token,
                            thrown: Thrown::Error { code: code.clone().unwrap_or_default(), message: message.clone() },
                        });
                    }
                }
                Effect::UncaughtEscalation { code, .. } => {
                    if let (Some(parent_id), Some(token)) = (&inst.parent_instance_id, inst.parent_token) {
                        follow.push(FollowUp::Propagate {
                            parent_id: parent_id.clone(),
                            token,
                            thrown: Thrown::Escalation { code: code.clone().unwrap_or_default() },
                        });
                    }
                }
            }
        }
        outcome.created_tasks.extend(opened.into_iter().map(|(_, id)| id));
        if let Some(task_id) = &ctx.completing_task {
            let withdrawable = rules::completion_is_withdrawable(!w.tasks.is_empty(), &effects, &state);
            ws.check(
                Write::CompleteTask(TaskCompletion {
                    task_id: task_id.clone(),
                    at: now,
                    actor: ctx.actor.clone(),
                    withdrawable,
                }),
                EngineError::conflict(ConflictReason::ChangedMeanwhile, Text::new("run.the_task_handled_meanwhile")),
            );
        }
        outcome
            .external_created
            .extend(w.jobs.iter().filter_map(|j| j.external.as_ref().map(|(topic, _)| topic.clone())));
        // Incidents change the row again (their count).
        let written = written.filter(|_| w.incidents.is_empty());
        w.flush(ws, status.is_finished());
        Ok(Step { follow, written })
    }
}

/// The stored form of the active activities' names: each followed by U+001F, a character XML
/// does not allow in a name, so a name may hold commas. Rows written before this kept the
/// names joined by `, ` (`store::instances::split_names` reads both).
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
    let json = serde_json::to_string(state).map_err(|e| {
        EngineError::conflict(ConflictReason::Broken, Text::new("run.state_unstorable").with("error", e))
    })?;
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
        let refusal = match latest {
            None => EngineError::NotFound { what: "thing.definition", id: inst.definition_id.clone() },
            Some(_) => LatestCheck::refusal(&inst.definition_id),
        };
        let row = NewInstance {
            id: inst.id.clone(),
            definition_id: inst.definition_id.clone(),
            business_key: inst.business_key.clone(),
            initiator: inst.initiator.clone(),
            status,
            start_time: now,
            end_time,
            parent_instance_id: inst.parent_instance_id.clone(),
            parent_token: inst.parent_token,
            current_activities: names,
            current_activity_ids: ids,
            state_json: json,
            change_stamp: stamp,
            latest,
            search: instance_search(
                inst.business_key.as_deref(),
                &inst.definition_name,
                &inst.process.id,
                inst.initiator.as_deref(),
            ),
        };
        ws.check(Write::InsertInstance(row), refusal);
        return Ok(Some(written));
    }
    let update = InstanceUpdate {
        id: inst.id.clone(),
        revision: inst.revision,
        status,
        end_time,
        current_activities: names,
        current_activity_ids: ids,
        state_json: json,
        change_stamp: stamp,
    };
    ws.check(
        Write::UpdateInstance(update),
        EngineError::ChangedMeanwhile { what: "thing.instance", id: inst.id.clone() },
    );
    Ok(None)
}

/// The implementation of a service or send task, or of a message throw event that names one.
fn service_of(n: &FlowNode) -> Option<&ServiceTask> {
    match &n.kind {
        NodeKind::ServiceTask(s) | NodeKind::SendTask(s) => Some(s),
        _ => n.message_service.as_deref(),
    }
}

/// An external task's priority (`camunda:taskPriority`): a whole number, or an expression
/// evaluated with the variables the token sees; 0 when it names none or does not evaluate to
/// a whole number.
fn external_priority(text: Option<&str>, state: &InstanceState, token: TokenId) -> i64 {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return 0 };
    if let Ok(n) = text.parse::<i64>() {
        return n;
    }
    let vars = crate::jobs::visible_variables(state, token);
    match crate::runtime::expr::evaluate(text, &vars) {
        Ok(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).unwrap_or(0),
        Ok(Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

/// An incident raised on `token` of `inst` in `activity_id`.
pub(super) fn incident(inst: &Loaded, token: i64, activity_id: &str, message: &Text, now: i64) -> Write {
    Write::InsertIncident(NewIncident {
        id: new_id(),
        tenant_id: inst.tenant_id.clone(),
        instance_id: inst.id.clone(),
        token,
        activity_id: activity_id.to_owned(),
        message: message.to_stored(),
        created: now,
    })
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
    /// The engine's zone: timers and due dates are read on its wall clock and calendar.
    zone: &'a TimeZone,
    /// How the tokens this step cancels end, from the history entries.
    cancel_outcome: HashMap<TokenId, &'static str>,
    new_rows: Vec<HistRow>,
    /// Rows started by earlier steps that this step ends: token, node, outcome.
    ended: Vec<(i64, usize, &'static str)>,
    tasks: Vec<NewTask>,
    cancelled_tasks: Vec<(i64, &'static str)>,
    jobs: Vec<NewJob>,
    pub(super) delete_jobs: Vec<i64>,
    incidents: Vec<(i64, usize, Text)>,
    pub(super) resolved: Vec<i64>,
    variables: Vec<NewVariableChange>,
    /// Subscriptions of tokens that start waiting for a message or signal.
    subscriptions: Vec<NewSubscription>,
    /// Tokens whose stored subscription goes.
    unsubscribed: Vec<i64>,
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
    fn new(inst: &'a Loaded, ctx: &'a StepCtx, now: i64, zone: &'a TimeZone, effects: &[Effect]) -> Self {
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
            zone,
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
            subscriptions: Vec::new(),
            unsubscribed: Vec::new(),
        }
    }

    fn subscribe(&mut self, token: TokenId, node: usize, kind: SubscriptionKind, name: &str) {
        let n = self.inst.node(node);
        self.subscriptions.push(NewSubscription {
            id: new_id(),
            tenant_id: self.inst.tenant_id.clone(),
            kind,
            name: name.to_owned(),
            instance_id: Some(self.inst.id.clone()),
            token: Some(token as i64),
            definition_id: self.inst.definition_id.clone(),
            definition_name: self.inst.definition_name.clone(),
            activity_id: n.map(|n| n.id.clone()).unwrap_or_default(),
            activity_name: n.map(node_label).unwrap_or_default(),
            business_key: self.inst.business_key.clone(),
            created_at: self.now,
        });
    }

    /// A subscription made by this very step is not written at all.
    fn unsubscribe(&mut self, token: TokenId) {
        let before = self.subscriptions.len();
        self.subscriptions.retain(|s| s.token != Some(token as i64));
        if self.subscriptions.len() == before {
            self.unsubscribed.push(token as i64);
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
            self.variables.push(NewVariableChange {
                instance_id: self.inst.id.clone(),
                name: name.clone(),
                value: new.map(Value::to_string),
                at: self.now,
                actor: self.ctx.actor.clone(),
            });
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
        let due = due.and_then(|d| schedule::parse_due(d, self.now, self.zone).ok());
        let search = task_search(
            &name,
            assignee.as_deref(),
            candidate_groups,
            self.inst.business_key.as_deref(),
            &self.inst.definition_name,
            &self.inst.process.id,
        );
        self.tasks.push(NewTask {
            id: id.clone(),
            tenant_id: self.inst.tenant_id.clone(),
            instance_id: self.inst.id.clone(),
            token: token as i64,
            activity_id: n.map(|n| n.id.clone()).unwrap_or_default(),
            name,
            search,
            definition_name: self.inst.definition_name.clone(),
            assignee,
            candidate_users: serde_json::to_string(candidate_users).unwrap_or_else(|_| "[]".into()),
            candidate_groups: serde_json::to_string(candidate_groups).unwrap_or_else(|_| "[]".into()),
            priority,
            form_key,
            created: self.now,
            due,
            created_by_task: self.ctx.completing_task.clone(),
            seq: next_stamp(),
        });
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
        kind: &'static str,
        timer: Option<(&'static str, &str)>,
        due: i64,
        error: Option<&Text>,
    ) {
        let n = self.inst.node(node);
        let service = n.and_then(service_of);
        let retries = match service {
            Some(s) => s
                .retry_time_cycle
                .as_deref()
                .and_then(|c| c.strip_prefix('R'))
                .and_then(|c| c.split('/').next())
                .and_then(|r| r.parse::<i64>().ok())
                .unwrap_or(3),
            _ => 3,
        };
        let state = if error.is_some() { "error" } else { "pending" };
        self.jobs.push(NewJob {
            id: new_id(),
            tenant_id: self.inst.tenant_id.clone(),
            instance_id: self.inst.id.clone(),
            token: token as i64,
            activity_id: n.map(|n| n.id.clone()).unwrap_or_default(),
            name: n.map(node_label).unwrap_or_default(),
            kind,
            timer: timer.map(|(k, d)| (k, d.to_owned())),
            due,
            retries: if error.is_some() { 0 } else { retries },
            state,
            suspended: self.inst.status == InstanceStatus::Suspended,
            error: error.map(Text::to_stored),
            created: self.now,
            external: None,
        });
    }

    /// A web-service call, or an external task when the node names an external topic (its
    /// retries unset until the first failure, its priority read with the token's variables).
    fn service_job(&mut self, token: TokenId, node: usize, state: &InstanceState) {
        self.job(token, node, "service", None, self.now, None);
        let external = self.inst.node(node).and_then(service_of).and_then(|s| {
            let topic = s.external_topic()?;
            Some((topic.to_owned(), external_priority(s.priority.as_deref(), state, token)))
        });
        if let (Some(external), Some(job)) = (external, self.jobs.last_mut()) {
            job.kind = JobKind::External.code();
            job.external = Some(external);
        }
    }

    fn timer_job(&mut self, token: TokenId, node: usize, kind: TimerKind, definition: &str) {
        let (kind_text, k) = match kind {
            TimerKind::Date => ("date", TimerKindText::Date),
            TimerKind::Duration => ("duration", TimerKindText::Duration),
            TimerKind::Cycle => ("cycle", TimerKindText::Cycle),
        };
        let due = schedule::parse_timer(k, definition, self.zone).map_err(|e| e.text()).and_then(|spec| {
            spec.first_due(self.now, self.zone)
                .ok_or_else(|| Text::new("run.job.timer_never_due").with("definition", definition))
        });
        match due {
            Ok(due) => self.job(token, node, "timer", Some((kind_text, definition)), due, None),
            Err(error) => {
                let message =
                    Text::new("run.job.timer_failed").with("name", self.inst.node_name(node)).with_text("error", error);
                self.job(token, node, "timer", Some((kind_text, definition)), self.now, Some(&message));
                self.incidents.push((token as i64, node, message));
            }
        }
    }

    fn incident(&mut self, token: TokenId, node: usize, message: &Text) {
        self.incidents.push((token as i64, node, message.clone()));
    }

    /// Writes the rows; `ended` when the instance ended with this step (it keeps no
    /// subscription).
    fn flush(self, ws: &mut WriteSet, ended: bool) {
        let inst = self.inst;
        // Incidents raised or resolved change the instance's count of open ones.
        let recount = !self.incidents.is_empty() || !self.resolved.is_empty();
        for (token, node, outcome) in &self.ended {
            let actor = (*outcome == "completed").then(|| self.ctx.actor.clone());
            let is_user_task = matches!(inst.node(*node).map(|n| &n.kind), Some(NodeKind::UserTask(_)));
            ws.push(Write::EndActivity(EndedActivity {
                instance_id: inst.id.clone(),
                token: *token,
                activity_id: inst.node(*node).map(|n| n.id.clone()).unwrap_or_default(),
                end_time: self.now,
                outcome,
                actor: if is_user_task { actor } else { None },
            }));
        }
        let activities = self
            .new_rows
            .into_iter()
            .map(|r| {
                let n = inst.node(r.node);
                NewActivity {
                    instance_id: inst.id.clone(),
                    token: r.token,
                    activity_id: n.map(|n| n.id.clone()).unwrap_or_default(),
                    activity_name: n.map(node_label).unwrap_or_default(),
                    activity_type: n.map(|n| n.tag.clone()).unwrap_or_default(),
                    start_time: r.start,
                    end_time: r.end,
                    outcome: r.outcome,
                    actor: r.actor,
                    task_id: r.task_id,
                }
            })
            .collect();
        ws.push(Write::InsertActivities(activities));
        ws.push(Write::InsertTasks(self.tasks));
        ws.push(Write::InsertJobs(self.jobs));
        ws.push(Write::InsertVariableChanges(self.variables));
        for (token, reason) in self.cancelled_tasks {
            ws.push(Write::CancelTokenTasks { instance_id: inst.id.clone(), token, at: self.now, reason });
        }
        let doomed: HashSet<i64> = self.delete_jobs.iter().copied().collect();
        for token in doomed {
            ws.push(Write::Job(JobWrite::CancelTokenJobs { instance_id: inst.id.clone(), token }));
        }
        for token in self.resolved {
            ws.push(Write::ResolveIncidents { instance_id: inst.id.clone(), token, at: self.now });
        }
        for (token, node, message) in &self.incidents {
            let activity = inst.node(*node).map(|n| n.id.clone()).unwrap_or_default();
            ws.push(incident(inst, *token, &activity, message, self.now));
        }
        if recount {
            ws.push(Write::RefreshIncidentCount { instance_id: inst.id.clone() });
        }
        // Deletions before insertions: a set that inserts into a table before it changes rows
        // of it cannot be fused into one statement on PostgreSQL.
        if ended {
            if inst.revision > 0 {
                ws.push(Write::DeleteInstanceSubscriptions { instance_id: inst.id.clone() });
            }
        } else {
            let doomed: HashSet<i64> = self.unsubscribed.into_iter().collect();
            for token in doomed {
                ws.push(Write::DeleteTokenSubscription { instance_id: inst.id.clone(), token });
            }
            if !self.subscriptions.is_empty() {
                ws.push(Write::InsertSubscriptions(self.subscriptions));
            }
        }
    }
}
