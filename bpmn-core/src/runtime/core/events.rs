//! Events: message and signal subscriptions, the event-based gateway, throw events (signal,
//! message, link, escalation, error), the search for the catcher of an error or escalation,
//! event sub-processes and their listeners, and the variable mappings of call activities.

use serde_json::{Map, Value};

use super::run::{Arm, Run, Work};
use super::vars::{flattened, set_variables};
use super::{Effect, HistoryKind, InstanceState, RuntimeError, SubscriptionKind, Token, TokenId, TokenState};
use crate::bpmn::model::{CallSpec, EventTrigger, NodeIdx, NodeKind, Process, ServiceTask, TimerDefinition};
use crate::runtime::expr::{self, Variables};
use crate::text::Text;

/// What an error or escalation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Thrown {
    Error,
    Escalation,
}

/// Who catches a thrown error or escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Catcher {
    /// The boundary event `boundary` on the activity of token `activity`.
    Boundary { activity: TokenId, boundary: NodeIdx },
    /// The event sub-process `sub` of `scope` (a scope token, `None` at process level),
    /// through its start event `start`.
    EventSub { scope: Option<TokenId>, sub: NodeIdx, start: NodeIdx },
}

/// The state a token subscribed to `kind` is in.
pub(super) fn waiting_state(kind: SubscriptionKind) -> TokenState {
    match kind {
        SubscriptionKind::Message => TokenState::WaitingMessage,
        SubscriptionKind::Signal => TokenState::WaitingSignal,
    }
}

/// The subscription a message or signal trigger asks for: its kind and name text.
pub(super) fn subscription_of(trigger: &EventTrigger) -> Option<(SubscriptionKind, &Option<String>)> {
    match trigger {
        EventTrigger::Message { name } => Some((SubscriptionKind::Message, name)),
        EventTrigger::Signal { name } => Some((SubscriptionKind::Signal, name)),
        _ => None,
    }
}

/// The name of an event's trigger, for messages (`message`, `conditional`, ...).
pub(super) fn trigger_name(kind: &NodeKind) -> &'static str {
    let trigger = match kind {
        NodeKind::StartEvent { trigger, .. }
        | NodeKind::EndEvent { trigger }
        | NodeKind::IntermediateCatchEvent { trigger }
        | NodeKind::IntermediateThrowEvent { trigger }
        | NodeKind::BoundaryEvent { trigger, .. } => trigger,
        _ => return "activity",
    };
    trigger.name()
}

/// Whether a send task names an implementation (and so runs as a service call).
pub(super) fn has_implementation(task: &ServiceTask) -> bool {
    task.names_implementation()
}

/// The event sub-process a start event belongs to, if it is one's.
fn event_sub_of(process: &Process, start: NodeIdx) -> Option<NodeIdx> {
    let n = process.nodes.get(start)?;
    if !matches!(n.kind, NodeKind::StartEvent { .. }) {
        return None;
    }
    let sub = n.scope?;
    matches!(process.nodes.get(sub)?.kind, NodeKind::SubProcess { triggered_by_event: true }).then_some(sub)
}

/// Whether `t` is a listener: a token waiting on the start event of an event sub-process
/// (or stopped there because it could not subscribe). Listeners do not keep their scope alive.
pub(super) fn is_listener(process: &Process, t: &Token) -> bool {
    t.state != TokenState::Active && t.attached_to.is_none() && event_sub_of(process, t.node).is_some()
}

/// The tokens waiting for an event, for the diagram: tokens on catch events (timer, message,
/// signal, also after an event-based gateway), on boundary events and on the start events of
/// event sub-processes, with what they wait for (`None`: a timer). Receive tasks are
/// activities and are listed by [`super::active_activities`].
pub fn waiting_events(process: &Process, state: &InstanceState) -> Vec<(TokenId, NodeIdx, Option<SubscriptionKind>)> {
    state
        .tokens
        .iter()
        .filter(|t| {
            process.nodes.get(t.node).is_some_and(|n| n.kind.category() == crate::bpmn::model::NodeCategory::Event)
        })
        .filter_map(|t| match t.state {
            TokenState::WaitingTimer => Some((t.id, t.node, None)),
            TokenState::WaitingMessage => Some((t.id, t.node, Some(SubscriptionKind::Message))),
            TokenState::WaitingSignal => Some((t.id, t.node, Some(SubscriptionKind::Signal))),
            _ => None,
        })
        .collect()
}

impl Run<'_> {
    pub(super) fn is_listener(&self, t: &Token) -> bool {
        is_listener(self.process, t)
    }

    /// The resolved name of the message or signal `node` waits for or throws, for `token`: the
    /// name text with its expressions evaluated; no name, or an empty one, stops the token.
    pub(super) fn subscription_name(
        &self,
        token: TokenId,
        node: NodeIdx,
        kind: SubscriptionKind,
        name: &Option<String>,
    ) -> Result<String, RuntimeError> {
        let what = Text::new(match kind {
            SubscriptionKind::Message => "run.core.what.message",
            SubscriptionKind::Signal => "run.core.what.signal",
        });
        let Some(text) = name else {
            return Err(self.invalid(node, Text::new("run.core.event_unnamed").with_text("what", what)));
        };
        match expr::evaluate_string(text, &self.visible(token)).map_err(self.expr_err(node))? {
            Some(name) => Ok(name),
            None => {
                Err(self
                    .invalid(node, Text::new("run.core.event_name_empty").with_text("what", what).with("text", text)))
            }
        }
    }

    /// A throw event (intermediate, or an end event when `end`) other than none and terminate.
    pub(super) fn throw_event(
        &mut self,
        token: TokenId,
        node: NodeIdx,
        trigger: &EventTrigger,
        end: bool,
    ) -> Result<(), RuntimeError> {
        match trigger {
            EventTrigger::Signal { name } => {
                let name = self.subscription_name(token, node, SubscriptionKind::Signal, name)?;
                self.history(HistoryKind::Started, token, node);
                self.effects.push(Effect::BroadcastSignal { token, node, name });
                self.history(HistoryKind::Ended, token, node);
                self.passed(token, end);
            }
            EventTrigger::Message { .. }
                if self.node(node)?.message_service.as_deref().is_some_and(has_implementation) =>
            {
                // It runs as a service call, as a send task with an implementation does: the
                // call's completion moves the token on, or ends it at an end event.
                self.wait(token, node, TokenState::WaitingService, Effect::CallService { token, node }, Vec::new());
            }
            EventTrigger::Message { name } => {
                let name = match name {
                    Some(text) => expr::evaluate_string(text, &self.visible(token)).map_err(self.expr_err(node))?,
                    None => None,
                };
                self.history(HistoryKind::Started, token, node);
                self.effects.push(Effect::MessageThrown { token, node, name });
                self.history(HistoryKind::Ended, token, node);
                self.passed(token, end);
            }
            EventTrigger::Link { name } if !end => {
                let scope = self.node(node)?.scope;
                let Some(name) = name else {
                    return Err(self.invalid(node, Text::new("run.core.link_unnamed")));
                };
                let target = self.process.children(scope).find(|(_, n)| {
                    matches!(&n.kind, NodeKind::IntermediateCatchEvent { trigger: EventTrigger::Link { name: Some(c) } } if c == name)
                });
                let Some((target, _)) = target else {
                    return Err(self.invalid(node, Text::new("run.core.link_missing").with("name", name)));
                };
                self.history(HistoryKind::Started, token, node);
                self.history(HistoryKind::Ended, token, node);
                self.queue.push_back(Work::Arrive { token, node: target, via: None });
            }
            EventTrigger::Escalation { code } => {
                let from = self.token(token).and_then(|t| t.scope);
                let catcher = self.find_catcher(from, Thrown::Escalation, code.as_deref());
                self.history(HistoryKind::Started, token, node);
                self.history(HistoryKind::Ended, token, node);
                match catcher {
                    Some(c) => self.catch(c, Thrown::Escalation),
                    None => self.effects.push(Effect::UncaughtEscalation { token, node, code: code.clone() }),
                }
                // An interrupting catcher has cancelled the thrower; otherwise it goes on.
                if self.token(token).is_some() {
                    self.passed(token, end);
                }
            }
            EventTrigger::Error { code, .. } if end => {
                let from = self.token(token).and_then(|t| t.scope);
                match self.find_catcher(from, Thrown::Error, code.as_deref()) {
                    Some(c) => {
                        self.history(HistoryKind::Started, token, node);
                        self.history(HistoryKind::Ended, token, node);
                        self.catch(c, Thrown::Error);
                    }
                    None => {
                        let message = match code {
                            Some(code) => Text::new("run.core.error_uncaught").with("code", code),
                            None => Text::new("run.core.error_uncaught_no_code"),
                        };
                        self.fail_with(token, node, message);
                        let code = code.clone();
                        self.effects.push(Effect::UncaughtError { token, node, code, message: None });
                    }
                }
            }
            _ => {
                let n = self.node(node)?;
                let place = if end { "end" } else { "intermediate throw" };
                return Err(self.unsupported(node, &format!("{} {place} event", trigger_name(&n.kind))));
            }
        }
        Ok(())
    }

    /// The token has passed a throw event: it goes on, or ends at an end event.
    fn passed(&mut self, token: TokenId, end: bool) {
        if end {
            self.end_token(token);
        } else {
            self.queue.push_back(Work::Leave { token });
        }
    }

    /// A token reaches an event-based gateway: it waits there, and each catch event after it
    /// gets a token attached to it, waiting for its timer, message or signal.
    pub(super) fn event_gateway(&mut self, token: TokenId, node: NodeIdx) -> Result<(), RuntimeError> {
        let n = self.node(node)?;
        let mut armed = Vec::new();
        for &f in &n.outgoing {
            let Some(target) = self.process.flows.get(f).map(|fl| fl.target) else { continue };
            let tn = self.node(target)?;
            let arm = match &tn.kind {
                NodeKind::IntermediateCatchEvent { trigger: EventTrigger::Timer(def) } => {
                    let (kind, definition) = self.timer(token, target, def)?;
                    Arm::Timer(kind, definition)
                }
                NodeKind::IntermediateCatchEvent { trigger } if subscription_of(trigger).is_some() => {
                    let Some((kind, name)) = subscription_of(trigger) else { continue };
                    Arm::Subscribe(kind, self.subscription_name(token, target, kind, name)?)
                }
                NodeKind::ReceiveTask { message } => {
                    let kind = SubscriptionKind::Message;
                    Arm::Subscribe(kind, self.subscription_name(token, target, kind, message)?)
                }
                _ => return Err(self.invalid(node, Text::new("run.core.event_gateway_target").with("target", &tn.id))),
            };
            armed.push((target, arm));
        }
        if armed.is_empty() {
            return Err(self.invalid(node, Text::new("run.core.event_gateway_no_outgoing")));
        }
        self.history(HistoryKind::Started, token, node);
        self.set_state(token, TokenState::WaitingEvent);
        self.arm(token, armed);
        Ok(())
    }

    /// Whether `id` is a token waiting on an event-based gateway.
    pub(super) fn is_gateway_token(&self, id: TokenId) -> bool {
        self.token(id).is_some_and(|t| t.state == TokenState::WaitingEvent)
    }

    /// The catch event `t` after the event-based gateway of token `gateway` fired: the gateway
    /// ends, the other catch events are cancelled (without history: they never started), and
    /// `t` passes its catch event (or completes its receive task) and leaves.
    pub(super) fn gateway_fired(&mut self, t: &Token, gateway: TokenId) {
        let Some(gw_node) = self.token(gateway).map(|g| g.node) else { return };
        self.history(HistoryKind::Ended, gateway, gw_node);
        if let Some(x) = self.token_mut(t.id) {
            x.attached_to = None;
        }
        let others: Vec<TokenId> =
            self.state.tokens.iter().filter(|x| x.attached_to == Some(gateway)).map(|x| x.id).collect();
        self.cancel(&others, HistoryKind::Cancelled);
        self.state.tokens.retain(|x| x.id != gateway);
        self.history(HistoryKind::Started, t.id, t.node);
        self.history(HistoryKind::Ended, t.id, t.node);
        self.queue.push_back(Work::Leave { token: t.id });
    }

    /// `Command::Deliver`: the message or signal the token `t` waits for arrived.
    pub(super) fn deliver(&mut self, t: &Token, variables: Map<String, Value>) -> Result<(), RuntimeError> {
        set_variables(&mut self.state, t.id, variables);
        match t.attached_to {
            Some(gateway) if self.is_gateway_token(gateway) => {
                self.effects.push(Effect::Unsubscribe { token: t.id, node: t.node });
                self.gateway_fired(t, gateway);
            }
            Some(activity) => self.fire_boundary(t, activity)?,
            None if self.is_listener(t) => self.fire_listener(t)?,
            None => {
                self.effects.push(Effect::Unsubscribe { token: t.id, node: t.node });
                self.finish_wait(t, Map::new());
            }
        }
        Ok(())
    }

    /// A scope starts (the instance, an embedded sub-process, an event sub-process): each
    /// event sub-process directly in it with a timer, message or signal start event gets a
    /// listener token there. A listener that cannot subscribe stops with an incident.
    pub(super) fn open_scope(&mut self, scope: Option<TokenId>, scope_node: Option<NodeIdx>) {
        let starts: Vec<NodeIdx> = self
            .process
            .children(scope_node)
            .filter(|(_, n)| matches!(n.kind, NodeKind::SubProcess { triggered_by_event: true }))
            .flat_map(|(e, _)| self.process.children(Some(e)))
            .filter(|(_, n)| {
                matches!(&n.kind, NodeKind::StartEvent { trigger, .. }
                    if matches!(trigger, EventTrigger::Timer(_)) || subscription_of(trigger).is_some())
            })
            .map(|(s, _)| s)
            .collect();
        for start in starts {
            let id = self.new_token(start, scope);
            let result = self.listen(id, start);
            // `absorb` passes on only errors that are not incidents, and `listen` has none.
            let _ = self.absorb(id, start, result);
        }
    }

    /// The listener `id` on the start event `start` subscribes or schedules its timer.
    pub(super) fn listen(&mut self, id: TokenId, start: NodeIdx) -> Result<(), RuntimeError> {
        let NodeKind::StartEvent { trigger, .. } = &self.node(start)?.kind else {
            return Err(self.inconsistent(start, "the listener is not on a start event"));
        };
        let arm = match trigger {
            EventTrigger::Timer(def) => {
                let (kind, definition) = self.timer(id, start, def)?;
                Arm::Timer(kind, definition)
            }
            other => match subscription_of(other) {
                Some((kind, name)) => Arm::Subscribe(kind, self.subscription_name(id, start, kind, name)?),
                None => return Err(self.invalid(start, Text::new("run.core.start_without_trigger"))),
            },
        };
        self.await_arm(id, start, arm);
        Ok(())
    }

    /// The listener `t` fired (its timer, message or signal): its event sub-process starts,
    /// interrupting its scope or beside it.
    pub(super) fn fire_listener(&mut self, t: &Token) -> Result<(), RuntimeError> {
        let n = self.node(t.node)?;
        let NodeKind::StartEvent { trigger, interrupting } = &n.kind else {
            return Err(self.inconsistent(t.node, "the listener is not on a start event"));
        };
        let Some(sub) = event_sub_of(self.process, t.node) else {
            return Err(self.inconsistent(t.node, "the listener's start event is not in an event sub-process"));
        };
        let subscribed = matches!(t.state, TokenState::WaitingMessage | TokenState::WaitingSignal);
        if *interrupting {
            if subscribed {
                self.effects.push(Effect::Unsubscribe { token: t.id, node: t.node });
            }
            self.start_event_sub(t.scope, sub, t.node, true, Some(t.id));
        } else {
            if subscribed || matches!(trigger, EventTrigger::Timer(TimerDefinition::Cycle(_))) {
                self.set_state(t.id, t.state);
            } else {
                self.state.tokens.retain(|x| x.id != t.id);
            }
            self.start_event_sub(t.scope, sub, t.node, false, None);
        }
        Ok(())
    }

    /// Starts the event sub-process `sub` in `scope` through its start event `start`. An
    /// interrupting one first cancels every other token of the scope. The token on `sub` is
    /// a scope of its own; `mover` (the listener that fired) is moved into it, else a new
    /// token enters there.
    fn start_event_sub(
        &mut self,
        scope: Option<TokenId>,
        sub: NodeIdx,
        start: NodeIdx,
        interrupting: bool,
        mover: Option<TokenId>,
    ) {
        if interrupting {
            let others: Vec<TokenId> =
                self.state.tokens.iter().filter(|t| t.scope == scope && Some(t.id) != mover).map(|t| t.id).collect();
            self.cancel(&others, HistoryKind::Cancelled);
        }
        let e = self.new_token(sub, scope);
        self.history(HistoryKind::Started, e, sub);
        self.set_state(e, TokenState::InSubProcess);
        let inner = match mover.and_then(|m| self.token_mut(m)) {
            Some(m) => {
                m.scope = Some(e);
                m.state = TokenState::Active;
                m.id
            }
            None => self.new_token(start, Some(e)),
        };
        self.open_scope(Some(e), Some(sub));
        self.queue.push_back(Work::Arrive { token: inner, node: start, via: None });
    }

    /// Finds who catches an error or escalation with `code` thrown inside the scope token
    /// `from` (or, for `Command::ThrowError`, by the activity token `from` itself), scope by
    /// scope outwards: an event sub-process directly in the scope, then a boundary event on
    /// the scope's activity. At each of these a catcher naming the code wins over one without
    /// a code (which catches all).
    pub(super) fn find_catcher(&self, from: Option<TokenId>, thrown: Thrown, code: Option<&str>) -> Option<Catcher> {
        let matches = |trigger: &EventTrigger| -> Option<bool> {
            // Some(true): the code matches; Some(false): a catch-all.
            let catcher_code = match (thrown, trigger) {
                (Thrown::Error, EventTrigger::Error { code, .. }) => code.as_deref(),
                (Thrown::Escalation, EventTrigger::Escalation { code }) => code.as_deref(),
                _ => return None,
            };
            match catcher_code {
                None => Some(false),
                Some(c) if Some(c) == code => Some(true),
                Some(_) => None,
            }
        };
        let best = |candidates: Vec<(bool, Catcher)>| {
            candidates.iter().find(|(exact, _)| *exact).or(candidates.first()).map(|(_, c)| *c)
        };
        let mut level = from;
        // The event sub-process the search came up from: it does not catch what was thrown
        // inside itself (that would start it again without end); the search goes on outwards.
        let mut came_from: Option<NodeIdx> = None;
        for _ in 0..=self.state.tokens.len() {
            let (node, is_instance, is_body) = match level {
                None => (None, false, false),
                Some(l) => {
                    let t = self.token(l)?;
                    (Some(t.node), self.mi_body_of(l).is_some(), t.state == TokenState::MultiInstanceBody)
                }
            };
            if !is_body {
                let mut found = Vec::new();
                for (e, en) in self.process.children(node) {
                    if !matches!(en.kind, NodeKind::SubProcess { triggered_by_event: true }) || came_from == Some(e) {
                        continue;
                    }
                    for (s, sn) in self.process.children(Some(e)) {
                        if let NodeKind::StartEvent { trigger, .. } = &sn.kind {
                            if let Some(exact) = matches(trigger) {
                                found.push((exact, Catcher::EventSub { scope: level, sub: e, start: s }));
                            }
                        }
                    }
                }
                if let Some(c) = best(found) {
                    return Some(c);
                }
            }
            let l = level?;
            if !is_instance {
                let mut found = Vec::new();
                for (b, bn) in self.process.nodes.iter().enumerate() {
                    if let NodeKind::BoundaryEvent { attached_to, trigger, .. } = &bn.kind {
                        if Some(*attached_to) == node {
                            if let Some(exact) = matches(trigger) {
                                found.push((exact, Catcher::Boundary { activity: l, boundary: b }));
                            }
                        }
                    }
                }
                if let Some(c) = best(found) {
                    return Some(c);
                }
            }
            came_from = node;
            level = self.token(l)?.scope;
        }
        None
    }

    /// The catcher `c` catches: a boundary event leaves (cancelling its activity if it is
    /// interrupting, which an error boundary always is), or an event sub-process starts
    /// (interrupting as its start event says; an error one always).
    pub(super) fn catch(&mut self, c: Catcher, thrown: Thrown) {
        match c {
            Catcher::Boundary { activity, boundary } => {
                let interrupting = thrown == Thrown::Error
                    || matches!(
                        self.process.nodes.get(boundary).map(|n| &n.kind),
                        Some(NodeKind::BoundaryEvent { cancel_activity: true, .. })
                    );
                let scope = self.token(activity).and_then(|t| t.scope);
                if interrupting {
                    self.cancel(&[activity], HistoryKind::Cancelled);
                }
                let b = self.new_token(boundary, scope);
                self.history(HistoryKind::Started, b, boundary);
                self.history(HistoryKind::Ended, b, boundary);
                self.queue.push_back(Work::Leave { token: b });
            }
            Catcher::EventSub { scope, sub, start } => {
                let interrupting = thrown == Thrown::Error
                    || matches!(
                        self.process.nodes.get(start).map(|n| &n.kind),
                        Some(NodeKind::StartEvent { interrupting: true, .. })
                    );
                self.start_event_sub(scope, sub, start, interrupting, None);
            }
        }
    }

    /// The `StartChild` effect of a call activity: the called element, version, business key
    /// and the variables passed in (all the token sees, or the mapped ones).
    pub(super) fn start_child(
        &self,
        token: TokenId,
        node: NodeIdx,
        called_element: String,
        call: &CallSpec,
    ) -> Result<Effect, RuntimeError> {
        let vars = self.visible(token);
        let err = self.expr_err(node);
        let one = |text: &Option<String>| match text {
            Some(t) => expr::evaluate_string(t, &vars).map_err(&err),
            None => Ok(None),
        };
        let variables = if call.inputs.is_empty() {
            flattened(&self.state, token)
        } else {
            let mut out = if call.inputs_all { flattened(&self.state, token) } else { Map::new() };
            let own = self.token(token).map(|t| &t.vars);
            for m in &call.inputs {
                let Some(target) = m.target.as_ref().or(m.source.as_ref()) else { continue };
                let value = if let Some(e) = &m.source_expression {
                    expr::evaluate(e, &vars).map_err(&err)?
                } else if let Some(source) = &m.source {
                    let found = if m.local { own.and_then(|v| v.get(source)) } else { vars.lookup(source) };
                    found.cloned().unwrap_or(Value::Null)
                } else {
                    continue;
                };
                out.insert(target.clone(), value);
            }
            out
        };
        Ok(Effect::StartChild {
            token,
            node,
            called_element,
            binding: call.binding.clone(),
            version: one(&call.version)?,
            version_tag: one(&call.version_tag)?,
            business_key: one(&call.business_key)?,
            variables,
        })
    }

    /// `Command::ChildCompleted`: the called process's variables come back (all of them, or
    /// the mapped ones), then the call activity's token leaves.
    pub(super) fn child_completed(&mut self, t: &Token, child: Map<String, Value>) -> Result<(), RuntimeError> {
        let call = match &self.node(t.node)?.kind {
            NodeKind::CallActivity { call, .. } => Some(&**call),
            _ => None,
        };
        let back = match call {
            Some(call) if !call.outputs.is_empty() => {
                let mut out = if call.outputs_all { child.clone() } else { Map::new() };
                let mut local = Map::new();
                for m in &call.outputs {
                    let Some(target) = m.target.as_ref().or(m.source.as_ref()) else { continue };
                    let value = if let Some(e) = &m.source_expression {
                        match expr::evaluate(e, &child) {
                            Ok(v) => v,
                            Err(source) => {
                                // Nothing has changed yet: the token stops on the call activity
                                // with an incident (a retry calls the process again).
                                self.set_state(t.id, TokenState::WaitingChild);
                                let e = self.expr_err(t.node)(source);
                                return self.absorb(t.id, t.node, Err(e));
                            }
                        }
                    } else if let Some(source) = &m.source {
                        child.get(source).cloned().unwrap_or(Value::Null)
                    } else {
                        continue;
                    };
                    if m.local {
                        local.insert(target.clone(), value);
                    } else {
                        out.insert(target.clone(), value);
                    }
                }
                if let Some(x) = self.token_mut(t.id) {
                    x.vars.extend(local);
                }
                out
            }
            _ => child,
        };
        self.finish_wait(t, back);
        Ok(())
    }
}
