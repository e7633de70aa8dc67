//! One step in progress: the work queue, arrival at and departure from each kind of node,
//! joins, cancellation, boundary timers and incidents.

use std::collections::{HashSet, VecDeque};

use serde_json::{Map, Value};

use super::events::{has_implementation, subscription_of, trigger_name, waiting_state};
use super::vars::set_variables;
use super::{
    find_start, node_id, Effect, HistoryEvent, HistoryKind, InstanceState, RuntimeError, SubscriptionKind, TimerKind,
    Token, TokenId, TokenState, MAX_NODES_PER_STEP,
};
use crate::bpmn::model::ScriptLanguage;
use crate::bpmn::model::{
    EventTrigger, FlowIdx, FlowNode, ListenerEvent, NodeIdx, NodeKind, Process, TimerDefinition, UserTask,
};
use crate::runtime::env::Env;
use crate::runtime::expr::{self, ExprError};
use crate::text::Text;

/// What a token attached to an activity (a boundary event) or to an event-based gateway (a
/// catch event after it) waits for, resolved.
#[derive(Debug, Clone)]
pub(super) enum Arm {
    /// A timer of this kind and resolved definition.
    Timer(TimerKind, String),
    /// A message or signal of this resolved name.
    Subscribe(SubscriptionKind, String),
}

/// A boundary event (or gateway branch) to arm: its node and what it waits for.
pub(super) type Armed = (NodeIdx, Arm);

pub(super) enum Work {
    /// The token reaches `node` (by flow `via`).
    Arrive { token: TokenId, node: NodeIdx, via: Option<FlowIdx> },
    /// The token has finished its node and takes the outgoing flows.
    Leave { token: TokenId },
}

pub(super) struct Run<'a> {
    pub(super) process: &'a Process,
    /// The instance's surroundings, for expressions.
    pub(super) env: Env<'a>,
    pub(super) state: InstanceState,
    pub(super) effects: Vec<Effect>,
    pub(super) now: i64,
    pub(super) queue: VecDeque<Work>,
    entered: usize,
    /// The token a `Retry` sends into its node again: the `Started` entry its failure already
    /// recorded is not repeated.
    resumed: Option<TokenId>,
    /// The token that enters its next node at once even if the node is `asyncBefore`: a
    /// continuation, a retry, a withdrawal. Cleared when the token arrives.
    pub(super) skip_async: Option<TokenId>,
}

impl<'a> Run<'a> {
    pub(super) fn new(process: &'a Process, state: InstanceState, now: i64, env: Env<'a>) -> Self {
        Run {
            process,
            env,
            state,
            effects: Vec::new(),
            now,
            queue: VecDeque::new(),
            entered: 0,
            resumed: None,
            skip_async: None,
        }
    }

    /// Processes the queued work, then fires joins, until nothing can move.
    pub(super) fn run(&mut self) -> Result<(), RuntimeError> {
        loop {
            while let Some(work) = self.queue.pop_front() {
                if self.state.ended {
                    // A terminate end event ended everything; what was queued is moot.
                    self.queue.clear();
                    break;
                }
                match work {
                    Work::Arrive { token, node, via } => {
                        let result = self.arrive(token, node, via);
                        self.absorb(token, node, result)?;
                    }
                    Work::Leave { token } => {
                        let Some(node) = self.token(token).map(|t| t.node) else { continue };
                        let result = self.leave(token);
                        self.absorb(token, node, result)?;
                    }
                }
                self.resumed = None;
            }
            // Joins are checked only when nothing else can move, so that every branch that
            // can reach a join has done so.
            if self.state.ended || !self.fire_one_join()? {
                return Ok(());
            }
        }
    }

    /// Turns an error of the model or the data met by `token` at `node` into an incident on
    /// the token; passes every other error on.
    pub(super) fn absorb(
        &mut self,
        token: TokenId,
        node: NodeIdx,
        result: Result<(), RuntimeError>,
    ) -> Result<(), RuntimeError> {
        match result {
            Err(e) if e.is_incident() => {
                self.fail(token, node, &e);
                Ok(())
            }
            other => other,
        }
    }

    /// The token stops on `node` with an incident. What it had started inside (instances,
    /// inner tokens) and its boundary timers are cancelled first. The node gets a `Started`
    /// entry unless it is still open (a multi-instance body whose completion failed), so that
    /// the failed token is on a started element that a retry, move or cancellation closes.
    fn fail(&mut self, token: TokenId, node: NodeIdx, error: &RuntimeError) {
        self.fail_with(token, node, error.text());
    }

    /// Like `fail`, with the incident's message given.
    pub(super) fn fail_with(&mut self, token: TokenId, node: NodeIdx, message: Text) {
        let Some(before) = self.token(token).map(|t| t.state) else { return };
        let open = !matches!(
            before,
            TokenState::Active | TokenState::Joining { .. } | TokenState::Failed | TokenState::WaitingAsync { .. }
        );
        let inside: Vec<TokenId> = self
            .state
            .tokens
            .iter()
            .filter(|t| t.scope == Some(token) || t.attached_to == Some(token))
            .map(|t| t.id)
            .collect();
        self.cancel(&inside, HistoryKind::Cancelled);
        let known = node < self.process.nodes.len();
        if let Some(t) = self.token_mut(token) {
            if known {
                t.node = node;
            }
            t.state = TokenState::Failed;
        }
        let node = self.token(token).map_or(node, |t| t.node);
        if !open {
            self.history(HistoryKind::Started, token, node);
        }
        self.effects.push(Effect::Incident { token, node, message });
    }

    /// A failed token tries again: its incident is resolved and it enters its node anew (a
    /// token that failed on a join, after the join fired, does the fork again). Failing again
    /// raises a new incident.
    pub(super) fn retry(&mut self, t: &Token) -> Result<(), RuntimeError> {
        self.effects.push(Effect::ResolveIncident { token: t.id });
        if self.is_listener(t) {
            // A listener of an event sub-process that could not subscribe tries again.
            let result = self.listen(t.id, t.node);
            return self.absorb(t.id, t.node, result);
        }
        self.resumed = Some(t.id);
        self.skip_async = Some(t.id);
        if self.is_join(self.node(t.node)?) {
            let result = self.fork(t.id, t.node);
            let result = self.absorb(t.id, t.node, result);
            self.resumed = None;
            return result;
        }
        self.queue.push_back(Work::Arrive { token: t.id, node: t.node, via: None });
        Ok(())
    }

    /// `Command::ContinueAsync`: the token waiting in front of an `asyncBefore` node enters it,
    /// by the flow it came by.
    pub(super) fn continue_async(&mut self, id: TokenId) -> Result<(), RuntimeError> {
        let t = self.token(id).cloned().ok_or(RuntimeError::UnknownToken { token: id })?;
        let TokenState::WaitingAsync { flow } = t.state else {
            return Err(RuntimeError::NotWaiting {
                token: id,
                node_id: self.node_id(t.node),
                expected: "an asynchronous continuation",
            });
        };
        self.set_state(id, TokenState::Active);
        self.skip_async = Some(id);
        self.queue.push_back(Work::Arrive { token: id, node: t.node, via: flow });
        Ok(())
    }

    /// The node at `idx`; an index out of range means the state belongs to another process.
    pub(super) fn node(&self, idx: NodeIdx) -> Result<&'a FlowNode, RuntimeError> {
        self.process.nodes.get(idx).ok_or_else(|| RuntimeError::InvalidModel {
            node_id: format!("#{idx}"),
            message: Text::new("run.core.inconsistent")
                .with("detail", "the instance state names a node this process does not have"),
        })
    }

    pub(super) fn node_id(&self, node: NodeIdx) -> String {
        node_id(self.process, node)
    }

    pub(super) fn history(&mut self, kind: HistoryKind, token: TokenId, node: NodeIdx) {
        if kind == HistoryKind::Started && self.resumed == Some(token) {
            self.resumed = None;
            return;
        }
        let node_id = self.node_id(node);
        self.effects.push(Effect::History(HistoryEvent { kind, token, node, node_id, at: self.now }));
    }

    pub(super) fn new_token(&mut self, node: NodeIdx, scope: Option<TokenId>) -> TokenId {
        let id = self.state.next_token;
        self.state.next_token += 1;
        self.state.tokens.push(Token {
            id,
            node,
            scope,
            state: TokenState::Active,
            attached_to: None,
            vars: Map::new(),
        });
        id
    }

    pub(super) fn token(&self, id: TokenId) -> Option<&Token> {
        self.state.tokens.iter().find(|t| t.id == id)
    }

    pub(super) fn token_mut(&mut self, id: TokenId) -> Option<&mut Token> {
        self.state.tokens.iter_mut().find(|t| t.id == id)
    }

    pub(super) fn set_state(&mut self, id: TokenId, state: TokenState) {
        if let Some(t) = self.token_mut(id) {
            t.state = state;
        }
    }

    /// The token `id`, checked to be in one of the `expected` states; it becomes active.
    pub(super) fn waiting(
        &mut self,
        id: TokenId,
        expected: &[TokenState],
        what: &'static str,
    ) -> Result<Token, RuntimeError> {
        let t = self.token(id).cloned().ok_or(RuntimeError::UnknownToken { token: id })?;
        if !expected.contains(&t.state) {
            return Err(RuntimeError::NotWaiting { token: id, node_id: self.node_id(t.node), expected: what });
        }
        self.set_state(id, TokenState::Active);
        Ok(t)
    }

    /// The waiting token `t` got its answer: `variables` are set, its boundary timers
    /// cancelled, and it leaves its node.
    pub(super) fn finish_wait(&mut self, t: &Token, variables: Map<String, Value>) {
        set_variables(&mut self.state, t.id, variables);
        self.disarm(t.id);
        self.history(HistoryKind::Ended, t.id, t.node);
        self.queue.push_back(Work::Leave { token: t.id });
    }

    pub(super) fn expr_err(&self, node: NodeIdx) -> impl Fn(ExprError) -> RuntimeError {
        let node_id = self.node_id(node);
        move |source| RuntimeError::Expression { node_id: node_id.clone(), source }
    }

    pub(super) fn unsupported(&self, node: NodeIdx, what: &str) -> RuntimeError {
        RuntimeError::Unsupported { node_id: self.node_id(node), what: what.to_owned() }
    }

    pub(super) fn invalid(&self, node: NodeIdx, message: Text) -> RuntimeError {
        RuntimeError::InvalidModel { node_id: self.node_id(node), message }
    }

    /// An instance state this process cannot have made (`detail` says how).
    pub(super) fn inconsistent(&self, node: NodeIdx, detail: &str) -> RuntimeError {
        self.invalid(node, Text::new("run.core.inconsistent").with("detail", detail))
    }

    /// A parallel or inclusive gateway with more than one incoming flow.
    fn is_join(&self, n: &FlowNode) -> bool {
        matches!(n.kind, NodeKind::ParallelGateway | NodeKind::InclusiveGateway) && n.incoming.len() > 1
    }

    /// The token reaches `node`. Everything that can fail is decided before the first effect,
    /// so that a failure leaves nothing half done.
    fn arrive(&mut self, token: TokenId, node: NodeIdx, via: Option<FlowIdx>) -> Result<(), RuntimeError> {
        self.entered += 1;
        if self.entered > MAX_NODES_PER_STEP {
            return Err(RuntimeError::StepLimit);
        }
        let n = self.node(node)?;
        let enters_now = self.skip_async == Some(token);
        if enters_now {
            self.skip_async = None;
        }
        match self.token_mut(token) {
            Some(t) => {
                t.node = node;
                t.state = TokenState::Active;
            }
            // Cancelled by a terminate end event after this work was queued.
            None => return Ok(()),
        }
        let unsupported_boundary = self.process.nodes.iter().find(|b| {
            matches!(&b.kind, NodeKind::BoundaryEvent { attached_to, trigger, .. }
                if *attached_to == node && !matches!(trigger, EventTrigger::Timer(_) | EventTrigger::Message { .. }
                    | EventTrigger::Signal { .. } | EventTrigger::Error { .. } | EventTrigger::Escalation { .. }))
        });
        if let Some(b) = unsupported_boundary {
            return Err(RuntimeError::Unsupported {
                node_id: b.id.clone(),
                what: format!("{} boundary event", trigger_name(&b.kind)),
            });
        }
        // `asyncBefore` applies to the activity as a whole: a multi-instance body, not its instances.
        if n.async_before && !enters_now && self.mi_body_of(token).is_none() {
            self.set_state(token, TokenState::WaitingAsync { flow: via });
            self.effects.push(Effect::ScheduleAsync { token, node });
            return Ok(());
        }
        // Start listeners run once per element: on a multi-instance body, not its instances;
        // on a join when it fires.
        if self.mi_body_of(token).is_none() && !self.is_join(n) {
            self.node_listeners(token, node, ListenerEvent::Start)?;
        }
        if let Some(mi) = &n.multi_instance {
            if self.mi_body_of(token).is_none() {
                return self.start_multi_instance(token, node, mi);
            }
        }
        match &n.kind {
            NodeKind::StartEvent { .. }
            | NodeKind::Task
            | NodeKind::ManualTask
            | NodeKind::IntermediateThrowEvent { trigger: EventTrigger::None }
            | NodeKind::IntermediateCatchEvent { trigger: EventTrigger::Link { .. } } => {
                // Nothing to wait for: these pass the token straight on.
                self.history(HistoryKind::Started, token, node);
                self.history(HistoryKind::Ended, token, node);
                self.queue.push_back(Work::Leave { token });
            }
            NodeKind::EndEvent { trigger } => {
                let terminate = match trigger {
                    EventTrigger::Terminate => true,
                    EventTrigger::None => false,
                    other => return self.throw_event(token, node, other, true),
                };
                self.node_listeners(token, node, ListenerEvent::End)?;
                self.history(HistoryKind::Started, token, node);
                self.history(HistoryKind::Ended, token, node);
                if terminate {
                    self.terminate(token);
                } else {
                    self.end_token(token);
                }
            }
            NodeKind::UserTask(task) => {
                let create = self.task_effect(token, node, task)?;
                let timers = self.boundaries(token, node)?;
                if let Effect::CreateTask { assignee, .. } = &create {
                    self.task_listeners(token, node, ListenerEvent::Create, None, assignee.as_deref())?;
                    if assignee.is_some() {
                        self.task_listeners(token, node, ListenerEvent::Assignment, None, assignee.as_deref())?;
                    }
                }
                self.wait(token, node, TokenState::WaitingTask, create, timers);
            }
            NodeKind::IntermediateThrowEvent { trigger } => return self.throw_event(token, node, trigger, false),
            NodeKind::ScriptTask(task) => self.script_task(token, node, task)?,
            NodeKind::ServiceTask(_) => {
                let timers = self.boundaries(token, node)?;
                self.wait(token, node, TokenState::WaitingService, Effect::CallService { token, node }, timers);
            }
            NodeKind::SendTask(task) if has_implementation(task) => {
                let timers = self.boundaries(token, node)?;
                self.wait(token, node, TokenState::WaitingService, Effect::CallService { token, node }, timers);
            }
            NodeKind::SendTask(_) => {
                // Without an implementation the message is only recorded, as Camunda does.
                self.history(HistoryKind::Started, token, node);
                self.effects.push(Effect::MessageThrown { token, node, name: None });
                self.history(HistoryKind::Ended, token, node);
                self.queue.push_back(Work::Leave { token });
            }
            NodeKind::ReceiveTask { message } => {
                let name = self.subscription_name(token, node, SubscriptionKind::Message, message)?;
                let timers = self.boundaries(token, node)?;
                let kind = SubscriptionKind::Message;
                let subscribe = Effect::Subscribe { token, node, kind, name };
                self.wait(token, node, TokenState::WaitingMessage, subscribe, timers);
            }
            NodeKind::IntermediateCatchEvent {
                trigger: trigger @ (EventTrigger::Message { .. } | EventTrigger::Signal { .. }),
            } => {
                let Some((kind, name)) = subscription_of(trigger) else { return Err(self.unsupported(node, &n.tag)) };
                let name = self.subscription_name(token, node, kind, name)?;
                let state = waiting_state(kind);
                self.wait(token, node, state, Effect::Subscribe { token, node, kind, name }, Vec::new());
            }
            NodeKind::EventBasedGateway => self.event_gateway(token, node)?,
            NodeKind::CallActivity { called_element, call } => {
                let Some(text) = called_element else {
                    return Err(self.invalid(node, Text::new("run.core.no_called_element")));
                };
                let called = expr::evaluate_string(text, &self.visible(token)).map_err(self.expr_err(node))?;
                let Some(called_element) = called else {
                    return Err(self.invalid(node, Text::new("run.core.called_element_empty").with("text", text)));
                };
                let timers = self.boundaries(token, node)?;
                let start = self.start_child(token, node, called_element, call)?;
                self.wait(token, node, TokenState::WaitingChild, start, timers);
            }
            NodeKind::IntermediateCatchEvent { trigger: EventTrigger::Timer(def) } => {
                let (kind, definition) = self.timer(token, node, def)?;
                let schedule = Effect::ScheduleTimer { token, node, kind, definition };
                self.wait(token, node, TokenState::WaitingTimer, schedule, Vec::new());
            }
            NodeKind::SubProcess { triggered_by_event: false } => {
                let Some(start) = find_start(self.process, Some(node), false) else {
                    return Err(self.invalid(node, Text::new("run.core.sub_process_no_start")));
                };
                let timers = self.boundaries(token, node)?;
                self.history(HistoryKind::Started, token, node);
                self.set_state(token, TokenState::InSubProcess);
                self.arm(token, timers);
                let inner = self.new_token(start, Some(token));
                self.open_scope(Some(token), Some(node));
                self.queue.push_back(Work::Arrive { token: inner, node: start, via: None });
            }
            NodeKind::ExclusiveGateway => {
                let flow = self.choose_flows(token, node, true)?;
                self.node_listeners(token, node, ListenerEvent::End)?;
                self.history(HistoryKind::Started, token, node);
                self.history(HistoryKind::Ended, token, node);
                self.take(token, &flow)?;
            }
            _ if self.is_join(n) => self.set_state(token, TokenState::Joining { flow: via }),
            NodeKind::ParallelGateway | NodeKind::InclusiveGateway => self.fork(token, node)?,
            _ => return Err(self.unsupported(node, &n.tag)),
        }
        Ok(())
    }

    /// The token starts waiting on `node` in `state`: history, the effect that starts the
    /// work, then its boundary timers.
    pub(super) fn wait(
        &mut self,
        token: TokenId,
        node: NodeIdx,
        state: TokenState,
        effect: Effect,
        timers: Vec<Armed>,
    ) {
        self.history(HistoryKind::Started, token, node);
        self.set_state(token, state);
        self.effects.push(effect);
        self.arm(token, timers);
    }

    /// The `CreateTask` effect of a user task, expressions resolved for `token`.
    fn task_effect(&self, token: TokenId, node: NodeIdx, task: &UserTask) -> Result<Effect, RuntimeError> {
        let vars = self.visible(token);
        let err = self.expr_err(node);
        let one = |text: &Option<String>| match text {
            Some(t) => expr::evaluate_string(t, &vars).map_err(&err),
            None => Ok(None),
        };
        let many = |texts: &[String]| {
            let mut out = Vec::new();
            for t in texts {
                out.extend(expr::evaluate_list(t, &vars).map_err(&err)?);
            }
            Ok::<_, RuntimeError>(out)
        };
        Ok(Effect::CreateTask {
            token,
            node,
            assignee: one(&task.assignee)?,
            candidate_users: many(&task.candidate_users)?,
            candidate_groups: many(&task.candidate_groups)?,
            due: one(&task.due_date)?,
        })
    }

    /// A gateway's visit: takes all outgoing flows (parallel) or those whose condition holds
    /// (inclusive).
    fn fork(&mut self, token: TokenId, node: NodeIdx) -> Result<(), RuntimeError> {
        let n = self.node(node)?;
        let flows = match n.kind {
            NodeKind::ParallelGateway => n.outgoing.clone(),
            _ => self.choose_flows(token, node, false)?,
        };
        self.node_listeners(token, node, ListenerEvent::End)?;
        self.history(HistoryKind::Started, token, node);
        self.history(HistoryKind::Ended, token, node);
        self.take(token, &flows)
    }

    /// The outgoing flows of `node` for `token`: with `first_only` the first whose condition
    /// holds (exclusive), otherwise all of them (inclusive); a flow without condition holds.
    /// The default flow is taken only when nothing else is.
    fn choose_flows(&self, token: TokenId, node: NodeIdx, first_only: bool) -> Result<Vec<FlowIdx>, RuntimeError> {
        let n = self.node(node)?;
        let vars = self.visible(token);
        let mut chosen = Vec::new();
        for &f in &n.outgoing {
            if Some(f) == n.default_flow {
                continue;
            }
            let flow = self.process.flows.get(f);
            let language = flow.and_then(|fl| fl.condition_language.as_deref());
            let holds = match (flow.and_then(|fl| fl.condition.as_deref()), language) {
                (Some(c), Some(l)) if ScriptLanguage::of(l) == Some(ScriptLanguage::JavaScript) => {
                    self.script_condition(token, f, l, c)?
                }
                (Some(c), _) => expr::evaluate_bool(c, &vars).map_err(self.expr_err(node))?,
                (None, _) => true,
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

    /// An activity or event is done: an instance of a multi-instance activity reports to its
    /// body; any other token follows every outgoing flow whose condition holds (conditional
    /// flows), the default flow if none does, or ends if there is none (an implicit end).
    fn leave(&mut self, token: TokenId) -> Result<(), RuntimeError> {
        let Some(node) = self.token(token).map(|t| t.node) else {
            return Ok(());
        };
        if let Some(body) = self.mi_body_of(token) {
            return self.instance_completed(body, token);
        }
        let n = self.node(node)?;
        let flows = if n.outgoing.is_empty() { Vec::new() } else { self.choose_flows(token, node, false)? };
        // A user task's end listeners ran when it was completed.
        if !matches!(n.kind, NodeKind::UserTask(_)) {
            self.node_listeners(token, node, ListenerEvent::End)?;
        }
        self.take(token, &flows)
    }

    /// Sends the token along the first flow and new tokens of the same scope along the others
    /// (after the flows' take listeners); with no flow to take the token ends. Local variables
    /// stay behind.
    fn take(&mut self, token: TokenId, flows: &[FlowIdx]) -> Result<(), RuntimeError> {
        self.take_listeners(token, flows)?;
        let Some(t) = self.token_mut(token) else { return Ok(()) };
        t.vars.clear();
        let scope = t.scope;
        if flows.is_empty() {
            self.end_token(token);
            return Ok(());
        }
        for (i, &f) in flows.iter().enumerate() {
            let Some(target) = self.process.flows.get(f).map(|fl| fl.target) else { continue };
            let t = if i == 0 { token } else { self.new_token(target, scope) };
            self.queue.push_back(Work::Arrive { token: t, node: target, via: Some(f) });
        }
        Ok(())
    }

    /// Removes a token that reached an end; completes its scope if it was the last one there.
    pub(super) fn end_token(&mut self, token: TokenId) {
        let Some(pos) = self.state.tokens.iter().position(|t| t.id == token) else { return };
        let scope = self.state.tokens.remove(pos).scope;
        self.scope_maybe_done(scope);
    }

    /// Completes `scope` when only listeners of its event sub-processes are left in it (they
    /// are cancelled, without history).
    pub(super) fn scope_maybe_done(&mut self, scope: Option<TokenId>) {
        if self.state.tokens.iter().any(|t| t.scope == scope && !self.is_listener(t)) {
            return;
        }
        let listeners: Vec<TokenId> = self.state.tokens.iter().filter(|t| t.scope == scope).map(|t| t.id).collect();
        self.cancel(&listeners, HistoryKind::Cancelled);
        self.scope_completed(scope);
    }

    /// Every token of a scope has ended: the scope's token leaves, or the instance completes.
    fn scope_completed(&mut self, scope: Option<TokenId>) {
        match scope {
            Some(outer) => self.close_scope(outer),
            None => {
                self.state.ended = true;
                self.effects.push(Effect::InstanceCompleted);
            }
        }
    }

    /// The scope token `outer` (sub-process or multi-instance body) is done: what still runs
    /// inside it is cancelled, its boundary timers too, and it leaves.
    pub(super) fn close_scope(&mut self, outer: TokenId) {
        let Some(node) = self.token(outer).map(|t| t.node) else { return };
        let inside: Vec<TokenId> = self.state.tokens.iter().filter(|t| t.scope == Some(outer)).map(|t| t.id).collect();
        self.cancel(&inside, HistoryKind::Cancelled);
        self.set_state(outer, TokenState::Active);
        self.disarm(outer);
        self.history(HistoryKind::Ended, outer, node);
        self.queue.push_back(Work::Leave { token: outer });
    }

    /// A terminate end event: cancels every other token of the token's scope (and of the
    /// sub-processes inside it), then completes the scope.
    fn terminate(&mut self, token: TokenId) {
        let scope = self.token(token).and_then(|t| t.scope);
        self.state.tokens.retain(|t| t.id != token);
        let roots: Vec<TokenId> = self.state.tokens.iter().filter(|t| t.scope == scope).map(|t| t.id).collect();
        self.cancel(&roots, HistoryKind::Cancelled);
        self.scope_completed(scope);
    }

    /// `Command::Terminate`: every token is cancelled and the instance ends.
    pub(super) fn terminate_instance(&mut self) {
        let all: Vec<TokenId> = self.state.tokens.iter().map(|t| t.id).collect();
        self.cancel(&all, HistoryKind::Cancelled);
        self.state.ended = true;
        self.effects.push(Effect::InstanceTerminated);
    }

    /// Cancels the tokens `roots`, the tokens inside the scopes they are (sub-processes,
    /// multi-instance bodies) and their boundary timers: each waiting token's task, call,
    /// timer or called process is cancelled, an incident is resolved, and each started
    /// element gets a history entry of `kind`.
    pub(super) fn cancel(&mut self, roots: &[TokenId], kind: HistoryKind) {
        let doomed = doomed(&self.state, roots);
        let cancelled: Vec<Token> = self.state.tokens.iter().filter(|t| doomed.contains(&t.id)).cloned().collect();
        for t in cancelled {
            let (token, node) = (t.id, t.node);
            let action = match t.state {
                TokenState::WaitingTask => Some(Effect::CancelTask { token, node }),
                TokenState::WaitingService => Some(Effect::CancelServiceCall { token, node }),
                TokenState::WaitingTimer => Some(Effect::CancelTimer { token, node }),
                TokenState::WaitingChild => Some(Effect::CancelChild { token, node }),
                TokenState::Failed => Some(Effect::ResolveIncident { token }),
                TokenState::WaitingAsync { .. } => Some(Effect::CancelAsync { token, node }),
                TokenState::WaitingMessage | TokenState::WaitingSignal => Some(Effect::Unsubscribe { token, node }),
                TokenState::WaitingEvent
                | TokenState::Active
                | TokenState::InSubProcess
                | TokenState::MultiInstanceBody
                | TokenState::Joining { .. } => None,
            };
            self.effects.extend(action);
            // Only elements that were started get a history entry: tokens queued towards a
            // node, waiting at a join, in front of an `asyncBefore` node or on a boundary timer
            // never started anything.
            if !matches!(t.state, TokenState::Active | TokenState::Joining { .. } | TokenState::WaitingAsync { .. })
                && t.attached_to.is_none()
                && !self.is_listener(&t)
            {
                self.history(kind, token, node);
            }
        }
        self.state.tokens.retain(|t| !doomed.contains(&t.id));
    }

    /// The kind and resolved text of a timer definition on `node`, for `token`.
    pub(super) fn timer(
        &self,
        token: TokenId,
        node: NodeIdx,
        def: &TimerDefinition,
    ) -> Result<(TimerKind, String), RuntimeError> {
        let (kind, text) = match def {
            TimerDefinition::Date(t) => (TimerKind::Date, t),
            TimerDefinition::Duration(t) => (TimerKind::Duration, t),
            TimerDefinition::Cycle(t) => (TimerKind::Cycle, t),
        };
        match expr::evaluate_string(text, &self.visible(token)).map_err(self.expr_err(node))? {
            Some(definition) => Ok((kind, definition)),
            None => Err(self.invalid(node, Text::new("run.core.timer_empty"))),
        }
    }

    /// The timer, message and signal boundary events of `node`, resolved for the activity
    /// token `token` (error and escalation boundaries need no token: they are found when
    /// something is thrown). An instance of a multi-instance activity has none: its body
    /// holds them.
    pub(super) fn boundaries(&self, token: TokenId, node: NodeIdx) -> Result<Vec<Armed>, RuntimeError> {
        if self.mi_body_of(token).is_some() {
            return Ok(Vec::new());
        }
        let mut armed = Vec::new();
        for (b, n) in self.process.nodes.iter().enumerate() {
            let NodeKind::BoundaryEvent { attached_to, trigger, .. } = &n.kind else { continue };
            if *attached_to != node {
                continue;
            }
            if let EventTrigger::Timer(def) = trigger {
                let (kind, definition) = self.timer(token, b, def)?;
                armed.push((b, Arm::Timer(kind, definition)));
            } else if let Some((kind, name)) = subscription_of(trigger) {
                armed.push((b, Arm::Subscribe(kind, self.subscription_name(token, b, kind, name)?)));
            }
        }
        Ok(armed)
    }

    /// The token `token` (an activity, or an event-based gateway) starts waiting: each of its
    /// boundary events (or the gateway's catch events) gets a token of its own, attached to
    /// it, with a scheduled timer or a subscription.
    pub(super) fn arm(&mut self, token: TokenId, armed: Vec<Armed>) {
        let scope = self.token(token).and_then(|t| t.scope);
        for (b, arm) in armed {
            let id = self.new_token(b, scope);
            if let Some(t) = self.token_mut(id) {
                t.attached_to = Some(token);
            }
            self.await_arm(id, b, arm);
        }
    }

    /// The token `id` on `node` starts waiting for `arm`.
    pub(super) fn await_arm(&mut self, id: TokenId, node: NodeIdx, arm: Arm) {
        match arm {
            Arm::Timer(kind, definition) => {
                self.set_state(id, TokenState::WaitingTimer);
                self.effects.push(Effect::ScheduleTimer { token: id, node, kind, definition });
            }
            Arm::Subscribe(kind, name) => {
                self.set_state(id, waiting_state(kind));
                self.effects.push(Effect::Subscribe { token: id, node, kind, name });
            }
        }
    }

    /// The activity token `token` ends normally: its boundary events' timers and
    /// subscriptions are cancelled.
    pub(super) fn disarm(&mut self, token: TokenId) {
        let armed: Vec<Token> = self.state.tokens.iter().filter(|t| t.attached_to == Some(token)).cloned().collect();
        for t in &armed {
            let (token, node) = (t.id, t.node);
            self.effects.push(match t.state {
                TokenState::WaitingMessage | TokenState::WaitingSignal => Effect::Unsubscribe { token, node },
                _ => Effect::CancelTimer { token, node },
            });
        }
        self.state.tokens.retain(|t| t.attached_to != Some(token));
    }

    /// A boundary timer is due, or a boundary message or signal arrived. An interrupting one cancels its activity (and everything inside
    /// it) and continues with the boundary token; a non-interrupting one starts a new token and
    /// keeps waiting if it is a cycle, a message or a signal.
    pub(super) fn fire_boundary(&mut self, boundary: &Token, activity: TokenId) -> Result<(), RuntimeError> {
        let node = self.node(boundary.node)?;
        let NodeKind::BoundaryEvent { cancel_activity, trigger, .. } = &node.kind else {
            return Err(
                self.inconsistent(boundary.node, "the token is attached to an activity but is not on a boundary event")
            );
        };
        let subscribed = matches!(boundary.state, TokenState::WaitingMessage | TokenState::WaitingSignal);
        let token = if *cancel_activity {
            // Detached first, so that cancelling the activity does not cancel this token too.
            if let Some(t) = self.token_mut(boundary.id) {
                t.attached_to = None;
            }
            if subscribed {
                self.effects.push(Effect::Unsubscribe { token: boundary.id, node: boundary.node });
            }
            self.cancel(&[activity], HistoryKind::Cancelled);
            boundary.id
        } else {
            if subscribed || matches!(trigger, EventTrigger::Timer(TimerDefinition::Cycle(_))) {
                // The scheduler fires a cycle again, a message or signal may come again; the
                // boundary token keeps waiting.
                self.set_state(boundary.id, boundary.state);
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
            let result =
                self.node_listeners(survivor, node, ListenerEvent::Start).and_then(|()| self.fork(survivor, node));
            self.absorb(survivor, node, result)?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Whether a token of `scope` that is not already joining at `join` could still get
    /// there. A failed token counts: it is still there and may be retried.
    fn can_still_reach(&self, join: NodeIdx, scope: Option<TokenId>) -> bool {
        let starts = self
            .state
            .tokens
            .iter()
            .filter(|t| t.scope == scope && !(t.node == join && matches!(t.state, TokenState::Joining { .. })))
            .map(|t| t.node);
        reachable(self.process, starts).get(join).copied().unwrap_or(false)
    }
}

/// The tokens `roots` and every token inside them (by scope) or attached to them (boundary
/// timers), transitively.
pub(super) fn doomed(state: &InstanceState, roots: &[TokenId]) -> HashSet<TokenId> {
    let mut doomed: HashSet<TokenId> = roots.iter().copied().collect();
    loop {
        let before = doomed.len();
        for t in &state.tokens {
            if t.scope.is_some_and(|s| doomed.contains(&s)) || t.attached_to.is_some_and(|a| doomed.contains(&a)) {
                doomed.insert(t.id);
            }
        }
        if doomed.len() == before {
            return doomed;
        }
    }
}

/// Which nodes can be reached from `starts` by following sequence flows (the starts included).
pub(super) fn reachable(process: &Process, starts: impl IntoIterator<Item = NodeIdx>) -> Vec<bool> {
    let mut seen = vec![false; process.nodes.len()];
    let mut stack: Vec<NodeIdx> = starts.into_iter().collect();
    while let Some(node) = stack.pop() {
        let Some(done) = seen.get_mut(node) else { continue };
        if std::mem::replace(done, true) {
            continue;
        }
        for &f in process.nodes.get(node).map_or(&[][..], |n| &n.outgoing[..]) {
            stack.extend(process.flows.get(f).map(|fl| fl.target));
        }
    }
    seen
}
