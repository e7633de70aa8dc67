//! The token machine: [`step`] moves an instance's tokens through a process until each one
//! waits (user task, service call, timer, join) or ends, and says what the outside world must
//! do as a list of [`Effect`]s.
//!
//! Design notes:
//! - An embedded sub-process is a scope. The token that enters it stays on the sub-process
//!   node ([`TokenState::InSubProcess`]) and is the scope's identity: tokens inside carry its
//!   id in [`Token::scope`]. When the last inner token ends, the outer token leaves.
//! - Joins are not counters kept beside the tokens: a token that reaches a joining gateway
//!   stays on it ([`TokenState::Joining`], with the flow it came by). Once no work is left,
//!   every join is checked; a parallel join fires when each incoming flow has a token, an
//!   inclusive join when no other token of its scope can still reach it (the BPMN rule, which
//!   amounts to waiting for exactly the branches the fork actually started).
//! - A timer boundary event is a token of its own, on the boundary node, waiting for its
//!   timer and naming the activity's token in [`Token::attached_to`]. It is created when the
//!   activity starts waiting and removed (timer cancelled) when the activity ends.
//! - Work is processed first in, first out, so branches advance in model order and the
//!   history is deterministic.

use std::collections::{HashSet, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::expr::{self, ExprError};
use crate::bpmn::model::{EventTrigger, FlowIdx, FlowNode, NodeIdx, NodeKind, Process, TimerDefinition};

/// Identifies a token within one instance. Never reused.
pub type TokenId = u64;

/// How many nodes one step may enter before it gives up: a cycle of pass-through elements
/// would otherwise never stop.
pub const MAX_NODES_PER_STEP: usize = 10_000;

/// The state of one process instance, as plain data that storage can keep as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    /// The live tokens; a token that ends is removed.
    pub tokens: Vec<Token>,
    /// The instance's variables (one map for the whole instance; there are no local scopes yet).
    pub variables: Map<String, Value>,
    /// The id the next token will get.
    pub next_token: TokenId,
    /// Set once the instance has started, so that a second `Start` is refused.
    pub started: bool,
    /// Set when the instance has completed (all tokens ended, or a terminate end event).
    pub ended: bool,
}

/// A token: where it is, in which scope, and what it waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// The token's id, unique within the instance.
    pub id: TokenId,
    /// The node the token is on.
    pub node: NodeIdx,
    /// The token waiting on the enclosing sub-process node; `None` at process level.
    pub scope: Option<TokenId>,
    /// What the token waits for.
    pub state: TokenState,
    /// For a token waiting on a timer boundary event: the token of the activity it is attached to.
    #[serde(default)]
    pub attached_to: Option<TokenId>,
}

/// What a token is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenState {
    /// Being moved by the current step. Never present in a state that `step` returns.
    Active,
    /// On a user task, waiting for `CompleteTask`.
    WaitingTask,
    /// On a service task, waiting for the call's result (`CompleteTask`).
    WaitingService,
    /// On a timer catch event or timer boundary event, waiting for `FireTimer`.
    WaitingTimer,
    /// On an embedded sub-process node while tokens run inside it.
    InSubProcess,
    /// On a joining gateway, having come by `flow`.
    Joining { flow: Option<FlowIdx> },
}

/// What happens to an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Starts the instance at its process-level none start event (or timer start event).
    Start { variables: Map<String, Value> },
    /// A user task was completed, or a service call returned; `variables` are merged into the
    /// instance's variables before the token moves on.
    CompleteTask { token: TokenId, variables: Map<String, Value> },
    /// The timer a token waits for is due.
    FireTimer { token: TokenId },
}

/// A timer's kind, as in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimerKind {
    Date,
    Duration,
    Cycle,
}

/// What the outside world must do, in order. History entries are effects too, so that one
/// list tells the whole story of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Effect {
    /// Something happened to an activity, event or gateway.
    History(HistoryEvent),
    /// Create a user task; expressions are already resolved from the variables.
    CreateTask {
        token: TokenId,
        node: NodeIdx,
        assignee: Option<String>,
        candidate_users: Vec<String>,
        candidate_groups: Vec<String>,
        /// The due date text (an ISO 8601 date or duration), resolved but not interpreted.
        due: Option<String>,
    },
    /// Remove the open user task of this token (cancelled by a terminate end event or an
    /// interrupting boundary timer).
    CancelTask { token: TokenId, node: NodeIdx },
    /// Call the service task `node`; answer with `CompleteTask { token }`.
    CallService { token: TokenId, node: NodeIdx },
    /// Forget the pending service call of this token.
    CancelServiceCall { token: TokenId, node: NodeIdx },
    /// Schedule a timer; answer with `FireTimer { token }` when it is due.
    ScheduleTimer {
        token: TokenId,
        node: NodeIdx,
        kind: TimerKind,
        /// The definition text with expressions resolved (ISO 8601 date, duration or cycle).
        definition: String,
    },
    /// Drop the timer of this token.
    CancelTimer { token: TokenId, node: NodeIdx },
    /// The instance has completed; no token is left.
    InstanceCompleted,
}

/// One history entry: an element started, ended or was cancelled at `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub kind: HistoryKind,
    pub token: TokenId,
    pub node: NodeIdx,
    /// The element's id in the model, for history screens and tests.
    pub node_id: String,
    /// The `now` of the step, in the caller's unit (milliseconds since the epoch, by convention).
    pub at: i64,
}

/// The kinds of [`HistoryEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistoryKind {
    Started,
    Ended,
    Cancelled,
}

/// Why a command could not be applied. The caller keeps the state it had before the step
/// (`step` is pure) and may record the error as an incident.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuntimeError {
    #[error("process `{process}` has no none or timer start event at process level")]
    NoStartEvent { process: String },
    #[error("the instance has already started")]
    AlreadyStarted,
    #[error("the instance has not started yet")]
    NotStarted,
    #[error("the instance has already ended")]
    InstanceEnded,
    #[error("the instance has no token {token}")]
    UnknownToken { token: TokenId },
    #[error("token {token} on `{node_id}` does not wait for {expected}")]
    NotWaiting { token: TokenId, node_id: String, expected: &'static str },
    /// No outgoing flow of a gateway could be taken: no condition is true and there is no
    /// default flow.
    #[error("gateway `{gateway}`: no outgoing flow's condition is true and there is no default flow")]
    NoMatchingFlow { gateway: String },
    #[error("element `{node_id}`: {source}")]
    Expression {
        node_id: String,
        #[source]
        source: ExprError,
    },
    #[error("element `{node_id}` ({what}) cannot be executed yet")]
    Unsupported { node_id: String, what: String },
    #[error("element `{node_id}`: {message}")]
    InvalidModel { node_id: String, message: String },
    #[error("the step entered more than {MAX_NODES_PER_STEP} elements without waiting; the model loops")]
    StepLimit,
}

/// Applies `cmd` to an instance of `process` at time `now` and returns the new state with the
/// effects to carry out, in order. Performs no I/O.
pub fn step(
    process: &Process,
    state: InstanceState,
    cmd: Command,
    now: i64,
) -> Result<(InstanceState, Vec<Effect>), RuntimeError> {
    if state.ended {
        return Err(RuntimeError::InstanceEnded);
    }
    let mut run = Run { process, state, effects: Vec::new(), now, queue: VecDeque::new(), entered: 0 };
    match cmd {
        Command::Start { variables } => {
            if run.state.started {
                return Err(RuntimeError::AlreadyStarted);
            }
            run.state.started = true;
            run.state.variables = variables;
            let start = find_start(process, None, true)
                .ok_or_else(|| RuntimeError::NoStartEvent { process: process.id.clone() })?;
            let token = run.new_token(start, None);
            run.queue.push_back(Work::Arrive { token, node: start, via: None });
        }
        Command::CompleteTask { token, variables } => {
            let t = run.waiting(token, &[TokenState::WaitingTask, TokenState::WaitingService], "a task to complete")?;
            run.state.variables.extend(variables);
            run.disarm(token);
            run.history(HistoryKind::Ended, token, t.node);
            run.queue.push_back(Work::Leave { token });
        }
        Command::FireTimer { token } => {
            let t = run.waiting(token, &[TokenState::WaitingTimer], "a timer")?;
            match t.attached_to {
                Some(activity) => run.fire_boundary(&t, activity)?,
                None => {
                    run.history(HistoryKind::Ended, token, t.node);
                    run.queue.push_back(Work::Leave { token });
                }
            }
        }
    }
    run.run()?;
    Ok((run.state, run.effects))
}

/// The first start event directly in `scope`: a none start event, or at process level a
/// timer start event (the scheduler starts those instances).
fn find_start(process: &Process, scope: Option<NodeIdx>, allow_timer: bool) -> Option<NodeIdx> {
    let starts = || {
        process.children(scope).filter_map(|(i, n)| match &n.kind {
            NodeKind::StartEvent { trigger, .. } => Some((i, trigger)),
            _ => None,
        })
    };
    starts()
        .find(|(_, t)| matches!(t, EventTrigger::None))
        .or_else(|| starts().find(|(_, t)| allow_timer && matches!(t, EventTrigger::Timer(_))))
        .map(|(i, _)| i)
}

enum Work {
    /// The token reaches `node` (by flow `via`).
    Arrive { token: TokenId, node: NodeIdx, via: Option<FlowIdx> },
    /// The token has finished its node and takes the outgoing flows.
    Leave { token: TokenId },
}

struct Run<'a> {
    process: &'a Process,
    state: InstanceState,
    effects: Vec<Effect>,
    now: i64,
    queue: VecDeque<Work>,
    entered: usize,
}

impl<'a> Run<'a> {
    fn run(&mut self) -> Result<(), RuntimeError> {
        loop {
            while let Some(work) = self.queue.pop_front() {
                if self.state.ended {
                    // A terminate end event ended everything; what was queued is moot.
                    self.queue.clear();
                    break;
                }
                match work {
                    Work::Arrive { token, node, via } => self.arrive(token, node, via)?,
                    Work::Leave { token } => self.leave(token)?,
                }
            }
            // Joins are checked only when nothing else can move, so that every branch that
            // can reach a join has done so.
            if self.state.ended || !self.fire_one_join()? {
                return Ok(());
            }
        }
    }

    /// The node at `idx`; an index out of range means the state belongs to another process.
    fn node(&self, idx: NodeIdx) -> Result<&'a FlowNode, RuntimeError> {
        self.process.nodes.get(idx).ok_or_else(|| RuntimeError::InvalidModel {
            node_id: format!("#{idx}"),
            message: "the instance state names a node this process does not have".into(),
        })
    }

    fn node_id(&self, node: NodeIdx) -> String {
        self.process.nodes.get(node).map_or_else(|| format!("#{node}"), |n| n.id.clone())
    }

    fn history(&mut self, kind: HistoryKind, token: TokenId, node: NodeIdx) {
        let node_id = self.node_id(node);
        self.effects.push(Effect::History(HistoryEvent { kind, token, node, node_id, at: self.now }));
    }

    fn new_token(&mut self, node: NodeIdx, scope: Option<TokenId>) -> TokenId {
        let id = self.state.next_token;
        self.state.next_token += 1;
        self.state.tokens.push(Token { id, node, scope, state: TokenState::Active, attached_to: None });
        id
    }

    fn token(&self, id: TokenId) -> Option<&Token> {
        self.state.tokens.iter().find(|t| t.id == id)
    }

    fn token_mut(&mut self, id: TokenId) -> Option<&mut Token> {
        self.state.tokens.iter_mut().find(|t| t.id == id)
    }

    fn set_state(&mut self, id: TokenId, state: TokenState) {
        if let Some(t) = self.token_mut(id) {
            t.state = state;
        }
    }

    /// The token `id`, checked to be in one of the `expected` states; it becomes active.
    fn waiting(&mut self, id: TokenId, expected: &[TokenState], what: &'static str) -> Result<Token, RuntimeError> {
        if !self.state.started {
            return Err(RuntimeError::NotStarted);
        }
        let t = self.token(id).cloned().ok_or(RuntimeError::UnknownToken { token: id })?;
        if !expected.contains(&t.state) {
            return Err(RuntimeError::NotWaiting { token: id, node_id: self.node_id(t.node), expected: what });
        }
        self.set_state(id, TokenState::Active);
        Ok(t)
    }

    fn expr_err(&self, node: NodeIdx) -> impl Fn(ExprError) -> RuntimeError {
        let node_id = self.node_id(node);
        move |source| RuntimeError::Expression { node_id: node_id.clone(), source }
    }

    fn unsupported(&self, node: NodeIdx, what: &str) -> RuntimeError {
        RuntimeError::Unsupported { node_id: self.node_id(node), what: what.to_owned() }
    }

    fn arrive(&mut self, token: TokenId, node: NodeIdx, via: Option<FlowIdx>) -> Result<(), RuntimeError> {
        self.entered += 1;
        if self.entered > MAX_NODES_PER_STEP {
            return Err(RuntimeError::StepLimit);
        }
        let process = self.process;
        let n = self.node(node)?;
        match self.token_mut(token) {
            Some(t) => {
                t.node = node;
                t.state = TokenState::Active;
            }
            // Cancelled by a terminate end event after this work was queued.
            None => return Ok(()),
        }
        if n.multi_instance.is_some() {
            return Err(self.unsupported(node, "multi-instance"));
        }
        let unsupported_boundary = process.nodes.iter().find(|b| {
            matches!(&b.kind, NodeKind::BoundaryEvent { attached_to, trigger, .. }
                if *attached_to == node && !matches!(trigger, EventTrigger::Timer(_)))
        });
        if let Some(b) = unsupported_boundary {
            return Err(RuntimeError::Unsupported { node_id: b.id.clone(), what: "non-timer boundary event".into() });
        }
        match &n.kind {
            NodeKind::StartEvent { .. }
            | NodeKind::Task
            | NodeKind::ManualTask
            | NodeKind::IntermediateThrowEvent { trigger: EventTrigger::None } => {
                // Nothing to wait for: these pass the token straight on.
                self.history(HistoryKind::Started, token, node);
                self.history(HistoryKind::Ended, token, node);
                self.queue.push_back(Work::Leave { token });
            }
            NodeKind::EndEvent { trigger } => {
                self.history(HistoryKind::Started, token, node);
                self.history(HistoryKind::Ended, token, node);
                match trigger {
                    EventTrigger::Terminate => self.terminate(token),
                    EventTrigger::None => self.end_token(token),
                    _ => return Err(self.unsupported(node, &format!("{} end event", n.tag))),
                }
            }
            NodeKind::UserTask(task) => {
                let vars = &self.state.variables;
                let err = self.expr_err(node);
                let assignee = match &task.assignee {
                    Some(a) => expr::evaluate_string(a, vars).map_err(&err)?,
                    None => None,
                };
                let mut candidate_users = Vec::new();
                for u in &task.candidate_users {
                    candidate_users.extend(expr::evaluate_list(u, vars).map_err(&err)?);
                }
                let mut candidate_groups = Vec::new();
                for g in &task.candidate_groups {
                    candidate_groups.extend(expr::evaluate_list(g, vars).map_err(&err)?);
                }
                let due = match &task.due_date {
                    Some(d) => expr::evaluate_string(d, vars).map_err(&err)?,
                    None => None,
                };
                self.history(HistoryKind::Started, token, node);
                self.set_state(token, TokenState::WaitingTask);
                self.effects.push(Effect::CreateTask { token, node, assignee, candidate_users, candidate_groups, due });
                self.arm(token, node)?;
            }
            NodeKind::ServiceTask(_) => {
                self.history(HistoryKind::Started, token, node);
                self.set_state(token, TokenState::WaitingService);
                self.effects.push(Effect::CallService { token, node });
                self.arm(token, node)?;
            }
            NodeKind::IntermediateCatchEvent { trigger: EventTrigger::Timer(def) } => {
                let (kind, definition) = self.timer(node, def)?;
                self.history(HistoryKind::Started, token, node);
                self.set_state(token, TokenState::WaitingTimer);
                self.effects.push(Effect::ScheduleTimer { token, node, kind, definition });
            }
            NodeKind::SubProcess { triggered_by_event: false } => {
                let Some(start) = find_start(process, Some(node), false) else {
                    return Err(RuntimeError::InvalidModel {
                        node_id: n.id.clone(),
                        message: "the sub-process has no none start event".into(),
                    });
                };
                self.history(HistoryKind::Started, token, node);
                self.set_state(token, TokenState::InSubProcess);
                self.arm(token, node)?;
                let inner = self.new_token(start, Some(token));
                self.queue.push_back(Work::Arrive { token: inner, node: start, via: None });
            }
            NodeKind::ExclusiveGateway => {
                self.history(HistoryKind::Started, token, node);
                let flow = self.choose_flows(node, true)?;
                self.history(HistoryKind::Ended, token, node);
                self.take(token, &flow);
            }
            NodeKind::ParallelGateway | NodeKind::InclusiveGateway if n.incoming.len() > 1 => {
                self.set_state(token, TokenState::Joining { flow: via });
            }
            NodeKind::ParallelGateway | NodeKind::InclusiveGateway => {
                self.history(HistoryKind::Started, token, node);
                self.fork(token, node)?;
            }
            _ => return Err(self.unsupported(node, &n.tag)),
        }
        Ok(())
    }

    /// Ends a gateway's visit: takes all outgoing flows (parallel) or those whose condition
    /// holds (inclusive).
    fn fork(&mut self, token: TokenId, node: NodeIdx) -> Result<(), RuntimeError> {
        let n = self.node(node)?;
        let flows = match n.kind {
            NodeKind::ParallelGateway => n.outgoing.clone(),
            _ => self.choose_flows(node, false)?,
        };
        self.history(HistoryKind::Ended, token, node);
        self.take(token, &flows);
        Ok(())
    }

    /// The outgoing flows of a gateway to take: with `first_only` the first whose condition
    /// holds (exclusive), otherwise all of them (inclusive); a flow without condition holds.
    /// The default flow is taken only when nothing else is.
    fn choose_flows(&self, node: NodeIdx, first_only: bool) -> Result<Vec<FlowIdx>, RuntimeError> {
        let n = self.node(node)?;
        let mut chosen = Vec::new();
        for &f in &n.outgoing {
            if Some(f) == n.default_flow {
                continue;
            }
            let holds = match self.process.flows.get(f).and_then(|fl| fl.condition.as_deref()) {
                Some(c) => expr::evaluate_bool(c, &self.state.variables).map_err(self.expr_err(node))?,
                None => true,
            };
            if holds {
                chosen.push(f);
                if first_only {
                    break;
                }
            }
        }
        if chosen.is_empty() {
            chosen.extend(n.default_flow);
        }
        if chosen.is_empty() {
            return Err(RuntimeError::NoMatchingFlow { gateway: n.id.clone() });
        }
        Ok(chosen)
    }

    /// An activity or event is done: the token follows every outgoing flow whose condition
    /// holds (conditional flows), the default flow if none does, or ends if there is none
    /// (an implicit end).
    fn leave(&mut self, token: TokenId) -> Result<(), RuntimeError> {
        let Some(node) = self.token(token).map(|t| t.node) else {
            return Ok(());
        };
        let n = self.node(node)?;
        if n.outgoing.is_empty() {
            self.end_token(token);
            return Ok(());
        }
        // Flows out of an activity behave like an inclusive split: every flow whose condition
        // holds is taken, the default flow when none does.
        let flows = self.choose_flows(node, false)?;
        self.take(token, &flows);
        Ok(())
    }

    /// Sends the token along the first flow and new tokens of the same scope along the others.
    fn take(&mut self, token: TokenId, flows: &[FlowIdx]) {
        let scope = self.token(token).and_then(|t| t.scope);
        for (i, &f) in flows.iter().enumerate() {
            let Some(target) = self.process.flows.get(f).map(|fl| fl.target) else { continue };
            let t = if i == 0 { token } else { self.new_token(target, scope) };
            self.queue.push_back(Work::Arrive { token: t, node: target, via: Some(f) });
        }
    }

    /// Removes a token that reached an end; completes its scope if it was the last one there.
    fn end_token(&mut self, token: TokenId) {
        let Some(pos) = self.state.tokens.iter().position(|t| t.id == token) else { return };
        let scope = self.state.tokens.remove(pos).scope;
        if !self.state.tokens.iter().any(|t| t.scope == scope) {
            self.scope_completed(scope);
        }
    }

    /// Every token of a scope has ended: the sub-process token leaves, or the instance completes.
    fn scope_completed(&mut self, scope: Option<TokenId>) {
        match scope {
            Some(outer) => {
                if let Some(node) = self.token(outer).map(|t| t.node) {
                    self.set_state(outer, TokenState::Active);
                    self.disarm(outer);
                    self.history(HistoryKind::Ended, outer, node);
                    self.queue.push_back(Work::Leave { token: outer });
                }
            }
            None => {
                self.state.ended = true;
                self.effects.push(Effect::InstanceCompleted);
            }
        }
    }

    /// A terminate end event: cancels every other token of the token's scope (and of the
    /// sub-processes inside it), then completes the scope.
    fn terminate(&mut self, token: TokenId) {
        let scope = self.token(token).and_then(|t| t.scope);
        self.state.tokens.retain(|t| t.id != token);
        let roots: Vec<TokenId> = self.state.tokens.iter().filter(|t| t.scope == scope).map(|t| t.id).collect();
        self.cancel(&roots);
        self.scope_completed(scope);
    }

    /// Cancels the tokens `roots`, the tokens inside the sub-processes they are on and their
    /// boundary timers: each waiting token's task, call or timer is cancelled, and each
    /// started element gets a `Cancelled` history entry.
    fn cancel(&mut self, roots: &[TokenId]) {
        let mut doomed: HashSet<TokenId> = roots.iter().copied().collect();
        // Inner tokens point at a doomed sub-process token, boundary tokens at a doomed
        // activity: grow the set to a fixpoint.
        loop {
            let before = doomed.len();
            for t in &self.state.tokens {
                if t.scope.is_some_and(|s| doomed.contains(&s)) || t.attached_to.is_some_and(|a| doomed.contains(&a)) {
                    doomed.insert(t.id);
                }
            }
            if doomed.len() == before {
                break;
            }
        }
        let cancelled: Vec<Token> = self.state.tokens.iter().filter(|t| doomed.contains(&t.id)).cloned().collect();
        for t in cancelled {
            match t.state {
                TokenState::WaitingTask => self.effects.push(Effect::CancelTask { token: t.id, node: t.node }),
                TokenState::WaitingService => {
                    self.effects.push(Effect::CancelServiceCall { token: t.id, node: t.node })
                }
                TokenState::WaitingTimer => self.effects.push(Effect::CancelTimer { token: t.id, node: t.node }),
                TokenState::Active | TokenState::InSubProcess | TokenState::Joining { .. } => {}
            }
            // Only elements that were started get a history entry: tokens queued towards a
            // node, waiting at a join or on a boundary timer never started anything.
            let started = matches!(
                t.state,
                TokenState::WaitingTask
                    | TokenState::WaitingService
                    | TokenState::WaitingTimer
                    | TokenState::InSubProcess
            );
            if started && t.attached_to.is_none() {
                self.history(HistoryKind::Cancelled, t.id, t.node);
            }
        }
        self.state.tokens.retain(|t| !doomed.contains(&t.id));
    }

    /// The kind and resolved text of a timer definition.
    fn timer(&self, node: NodeIdx, def: &TimerDefinition) -> Result<(TimerKind, String), RuntimeError> {
        let (kind, text) = match def {
            TimerDefinition::Date(t) => (TimerKind::Date, t),
            TimerDefinition::Duration(t) => (TimerKind::Duration, t),
            TimerDefinition::Cycle(t) => (TimerKind::Cycle, t),
        };
        match expr::evaluate_string(text, &self.state.variables).map_err(self.expr_err(node))? {
            Some(definition) => Ok((kind, definition)),
            None => Err(RuntimeError::InvalidModel {
                node_id: self.node_id(node),
                message: "the timer definition is empty".into(),
            }),
        }
    }

    /// The activity token `token` on `node` starts waiting: each timer boundary event attached
    /// to the node gets a token of its own and a timer.
    fn arm(&mut self, token: TokenId, node: NodeIdx) -> Result<(), RuntimeError> {
        let process = self.process;
        let scope = self.token(token).and_then(|t| t.scope);
        for (b, n) in process.nodes.iter().enumerate() {
            let NodeKind::BoundaryEvent { attached_to, trigger: EventTrigger::Timer(def), .. } = &n.kind else {
                continue;
            };
            if *attached_to != node {
                continue;
            }
            let (kind, definition) = self.timer(b, def)?;
            let id = self.new_token(b, scope);
            if let Some(t) = self.token_mut(id) {
                t.state = TokenState::WaitingTimer;
                t.attached_to = Some(token);
            }
            self.effects.push(Effect::ScheduleTimer { token: id, node: b, kind, definition });
        }
        Ok(())
    }

    /// The activity token `token` ends normally: its boundary timers are cancelled.
    fn disarm(&mut self, token: TokenId) {
        let armed: Vec<Token> = self.state.tokens.iter().filter(|t| t.attached_to == Some(token)).cloned().collect();
        for t in &armed {
            self.effects.push(Effect::CancelTimer { token: t.id, node: t.node });
        }
        self.state.tokens.retain(|t| t.attached_to != Some(token));
    }

    /// A boundary timer is due. An interrupting one cancels its activity (and everything inside
    /// it) and continues with the boundary token; a non-interrupting one starts a new token and
    /// keeps waiting only if it is a cycle.
    fn fire_boundary(&mut self, boundary: &Token, activity: TokenId) -> Result<(), RuntimeError> {
        let node = self.node(boundary.node)?;
        let NodeKind::BoundaryEvent { cancel_activity, trigger, .. } = &node.kind else {
            return Err(RuntimeError::InvalidModel {
                node_id: node.id.clone(),
                message: "the token is attached to an activity but is not on a boundary event".into(),
            });
        };
        let token = if *cancel_activity {
            // Detached first, so that cancelling the activity does not cancel this token too.
            if let Some(t) = self.token_mut(boundary.id) {
                t.attached_to = None;
            }
            self.cancel(&[activity]);
            boundary.id
        } else {
            if matches!(trigger, EventTrigger::Timer(TimerDefinition::Cycle(_))) {
                // The scheduler fires a cycle again; the boundary token keeps waiting for it.
                self.set_state(boundary.id, TokenState::WaitingTimer);
            } else {
                self.state.tokens.retain(|t| t.id != boundary.id);
            }
            self.new_token(boundary.node, boundary.scope)
        };
        self.history(HistoryKind::Started, token, boundary.node);
        self.history(HistoryKind::Ended, token, boundary.node);
        self.queue.push_back(Work::Leave { token });
        Ok(())
    }

    /// Fires the first join that can fire; returns whether one did.
    fn fire_one_join(&mut self) -> Result<bool, RuntimeError> {
        let mut seen: Vec<(NodeIdx, Option<TokenId>)> = Vec::new();
        for t in &self.state.tokens {
            if matches!(t.state, TokenState::Joining { .. }) && !seen.contains(&(t.node, t.scope)) {
                seen.push((t.node, t.scope));
            }
        }
        for (node, scope) in seen {
            let at_join: Vec<(TokenId, Option<FlowIdx>)> = self
                .state
                .tokens
                .iter()
                .filter(|t| t.node == node && t.scope == scope)
                .filter_map(|t| match t.state {
                    TokenState::Joining { flow } => Some((t.id, flow)),
                    _ => None,
                })
                .collect();
            let n = self.node(node)?;
            let consumed: Vec<TokenId> = match n.kind {
                NodeKind::ParallelGateway => {
                    // One token per incoming flow, the earliest arrived first.
                    let mut picked = Vec::new();
                    for &f in &n.incoming {
                        match at_join.iter().find(|(_, flow)| *flow == Some(f)) {
                            Some((id, _)) => picked.push(*id),
                            None => break,
                        }
                    }
                    if picked.len() < n.incoming.len() {
                        continue;
                    }
                    picked
                }
                _ => {
                    if self.can_still_reach(node, scope) {
                        continue;
                    }
                    at_join.iter().map(|(id, _)| *id).collect()
                }
            };
            let Some(&survivor) = consumed.first() else { continue };
            self.state.tokens.retain(|t| t.id == survivor || !consumed.contains(&t.id));
            self.set_state(survivor, TokenState::Active);
            self.history(HistoryKind::Started, survivor, node);
            self.fork(survivor, node)?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Whether a token of `scope` that is not already joining at `join` could still get there.
    fn can_still_reach(&self, join: NodeIdx, scope: Option<TokenId>) -> bool {
        let mut seen = vec![false; self.process.nodes.len()];
        let mut stack: Vec<NodeIdx> = self
            .state
            .tokens
            .iter()
            .filter(|t| t.scope == scope && !(t.node == join && matches!(t.state, TokenState::Joining { .. })))
            .map(|t| t.node)
            .collect();
        while let Some(node) = stack.pop() {
            if node == join {
                return true;
            }
            let Some(done) = seen.get_mut(node) else { continue };
            if std::mem::replace(done, true) {
                continue;
            }
            for &f in self.process.nodes.get(node).map_or(&[][..], |n| &n.outgoing[..]) {
                stack.extend(self.process.flows.get(f).map(|fl| fl.target));
            }
        }
        false
    }
}
