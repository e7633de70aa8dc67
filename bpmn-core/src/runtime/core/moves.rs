//! Moving tokens: an administrator's adjustment (调整) and the withdrawal (撤回) of a
//! completed task, with what the adjust dialog lists ([`active_activities`],
//! [`movable_activities`]) and checks before saving ([`check_move`]).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::events::is_listener;
use super::multi::mi_body_of;
use super::run::{doomed, reachable, Run, Work};
use super::vars::scope_chain;
use super::{node_id, step, Command, EndReason, HistoryKind, InstanceState, RuntimeError, Token, TokenId, TokenState};
use crate::bpmn::model::{EventTrigger, FlowIdx, NodeIdx, NodeKind, Process};
use crate::text::Text;

/// A reason to think twice before a move: after it, a joining gateway would wait for a token
/// that can no longer arrive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveWarning {
    /// The id of the element the warning is about (the joining gateway).
    pub node_id: String,
    /// What would go wrong, as a sentence.
    pub message: Text,
}

/// The nodes a token may be moved to: the activities and catch events the token machine runs
/// (tasks, user, service and receive tasks, embedded sub-processes, call activities, timer,
/// message and signal catch events),
/// including those inside embedded sub-processes; not events that start, end or are
/// attached, not gateways, and nothing inside an event sub-process, transaction or ad-hoc
/// sub-process.
pub fn movable_activities(process: &Process) -> Vec<NodeIdx> {
    (0..process.nodes.len()).filter(|&i| movable(process, i)).collect()
}

/// The activity-level waiting tokens with their nodes, in token order: what the adjust dialog
/// lists and the instance list shows as current activities. These are tokens on user and
/// service tasks, receive tasks, catch events (timer, message, signal), event-based gateways
/// and call activities, failed tokens and multi-instance
/// bodies (not their instances); a sub-process token is not listed, the tokens inside it are.
pub fn active_activities(process: &Process, state: &InstanceState) -> Vec<(TokenId, NodeIdx)> {
    state
        .tokens
        .iter()
        .filter(|t| t.node < process.nodes.len() && is_activity_level(process, state, t))
        .map(|t| (t.id, t.node))
        .collect()
}

/// Checks a move of `tokens` to `to` before it is saved, without changing anything. Refuses
/// (as [`step`] would) when `tokens` is empty, names a token that does not wait in an
/// activity (a boundary timer, a sub-process token, a join), or `to` cannot be moved to.
/// Otherwise simulates the move and returns a warning for each parallel join that would
/// then wait for ever: one of its incoming flows can still get a token while another can not.
pub fn check_move(
    process: &Process,
    state: &InstanceState,
    tokens: &[TokenId],
    to: NodeIdx,
) -> Result<Vec<MoveWarning>, RuntimeError> {
    let cmd = Command::Move { tokens: tokens.to_vec(), to, reason: EndReason::Moved };
    let (after, _) = step(process, state.clone(), cmd, 0)?;
    Ok(join_warnings(process, &after))
}

/// Whether a move may target `node`.
fn movable(process: &Process, node: NodeIdx) -> bool {
    let Some(n) = process.nodes.get(node) else { return false };
    let runnable = matches!(
        n.kind,
        NodeKind::Task
            | NodeKind::ManualTask
            | NodeKind::UserTask(_)
            | NodeKind::ServiceTask(_)
            | NodeKind::CallActivity { .. }
            | NodeKind::SubProcess { triggered_by_event: false }
            | NodeKind::ReceiveTask { .. }
            | NodeKind::IntermediateCatchEvent {
                trigger: EventTrigger::Timer(_) | EventTrigger::Message { .. } | EventTrigger::Signal { .. }
            }
    );
    runnable && enclosing_sub_processes(process, node).is_some()
}

/// The embedded sub-processes around `node`, outermost first; `None` when one of the
/// enclosing elements is not an embedded sub-process (it cannot be entered by a move).
fn enclosing_sub_processes(process: &Process, node: NodeIdx) -> Option<Vec<NodeIdx>> {
    let mut chain = Vec::new();
    let mut cur = process.nodes.get(node)?.scope;
    while let Some(s) = cur {
        let n = process.nodes.get(s)?;
        if chain.len() >= process.nodes.len() || !matches!(n.kind, NodeKind::SubProcess { triggered_by_event: false }) {
            return None;
        }
        chain.push(s);
        cur = n.scope;
    }
    chain.reverse();
    Some(chain)
}

/// Whether `t` is one of the [`active_activities`].
fn is_activity_level(process: &Process, state: &InstanceState, t: &Token) -> bool {
    t.attached_to.is_none()
        && !is_listener(process, t)
        && mi_body_of(state, t).is_none()
        && matches!(
            t.state,
            TokenState::WaitingTask
                | TokenState::WaitingService
                | TokenState::WaitingTimer
                | TokenState::WaitingChild
                | TokenState::Failed
                | TokenState::MultiInstanceBody
                | TokenState::WaitingAsync { .. }
                | TokenState::WaitingMessage
                | TokenState::WaitingSignal
                | TokenState::WaitingEvent
        )
}

/// The token enclosing `t` when a multi-instance body is seen through: for an instance, the
/// scope of its body.
fn outer(state: &InstanceState, t: &Token) -> Option<TokenId> {
    match mi_body_of(state, t).and_then(|b| state.tokens.iter().find(|x| x.id == b)) {
        Some(body) => body.scope,
        None => t.scope,
    }
}

/// What a move does, decided before anything changes.
struct Plan {
    /// The tokens to cancel: the chosen ones, an instance replaced by its multi-instance body.
    roots: Vec<TokenId>,
    /// The sub-process tokens (already there, not cancelled) the new token goes into,
    /// outermost first.
    found: Vec<TokenId>,
    /// The sub-processes around the target that need a new token, outermost first, inside
    /// the last of `found`.
    missing: Vec<NodeIdx>,
}

fn plan(process: &Process, state: &InstanceState, tokens: &[TokenId], to: NodeIdx) -> Result<Plan, RuntimeError> {
    let node_id = |n: NodeIdx| node_id(process, n);
    let refuse = |n: NodeIdx, message: Text| RuntimeError::InvalidModel { node_id: node_id(n), message };
    if tokens.is_empty() {
        return Err(refuse(to, Text::new("run.move.none_chosen")));
    }
    let Some(scopes) = enclosing_sub_processes(process, to).filter(|_| movable(process, to)) else {
        return Err(refuse(to, Text::new("run.move.bad_target")));
    };
    let mut roots = Vec::new();
    for &id in tokens {
        let t = state.tokens.iter().find(|t| t.id == id).ok_or(RuntimeError::UnknownToken { token: id })?;
        let root = mi_body_of(state, t).and_then(|b| state.tokens.iter().find(|x| x.id == b)).unwrap_or(t);
        if !is_activity_level(process, state, root) {
            return Err(refuse(t.node, Text::new("run.move.not_in_activity").with("token", id)));
        }
        if !roots.contains(&root.id) {
            roots.push(root.id);
        }
    }
    let doomed = doomed(state, &roots);
    let ancestors: HashSet<TokenId> = roots.iter().flat_map(|&r| scope_chain(state, r)).collect();
    let mut found: Vec<TokenId> = Vec::new();
    let mut missing = Vec::new();
    for s in scopes {
        if missing.is_empty() {
            let parent = found.last().copied();
            let candidates: Vec<&Token> = state
                .tokens
                .iter()
                .filter(|t| t.node == s && t.state == TokenState::InSubProcess && !doomed.contains(&t.id))
                .filter(|t| outer(state, t) == parent)
                .collect();
            // The sub-process the moved tokens are in, if the target is in it too.
            if let Some(t) = candidates.iter().find(|t| ancestors.contains(&t.id)).or(candidates.first()) {
                found.push(t.id);
                continue;
            }
        }
        if process.nodes.get(s).is_some_and(|n| n.multi_instance.is_some()) {
            return Err(refuse(s, Text::new("run.move.into_multi_instance").with("target", node_id(to))));
        }
        missing.push(s);
    }
    Ok(Plan { roots, found, missing })
}

impl Run<'_> {
    /// `Command::Move`: cancels the chosen activities with history `kind` (`Moved` or
    /// `Withdrawn`), then one new token arrives at `to`, inside the sub-processes around it
    /// (reused when the instance is in them, started otherwise). A sub-process the move
    /// leaves empty is cancelled as well, not completed.
    pub(super) fn move_tokens(
        &mut self,
        tokens: &[TokenId],
        to: NodeIdx,
        kind: HistoryKind,
    ) -> Result<(), RuntimeError> {
        let plan = plan(self.process, &self.state, tokens, to)?;
        let mut left: Vec<TokenId> = plan.roots.iter().filter_map(|&r| self.token(r).and_then(|t| t.scope)).collect();
        self.cancel(&plan.roots, kind);
        while let Some(s) = left.pop() {
            if plan.found.contains(&s)
                || self.state.tokens.iter().any(|t| t.scope == Some(s) && !is_listener(self.process, t))
            {
                continue;
            }
            // An emptied instance of a multi-instance sub-process stands for its body.
            let Some(victim) = self.mi_body_of(s).or_else(|| self.token(s).map(|t| t.id)) else { continue };
            left.extend(self.token(victim).and_then(|t| t.scope));
            self.cancel(&[victim], kind);
        }
        let mut parent = plan.found.last().copied();
        for s in plan.missing {
            let id = self.new_token(s, parent);
            match self.boundaries(id, s) {
                Ok(timers) => {
                    self.history(HistoryKind::Started, id, s);
                    self.set_state(id, TokenState::InSubProcess);
                    self.arm(id, timers);
                    self.open_scope(Some(id), Some(s));
                }
                Err(e) => return self.absorb(id, s, Err(e)),
            }
            parent = Some(id);
        }
        let token = self.new_token(to, parent);
        if kind == HistoryKind::Withdrawn {
            // The withdrawn task comes back at once, even on an `asyncBefore` activity.
            self.skip_async = Some(token);
        }
        self.queue.push_back(Work::Arrive { token, node: to, via: None });
        Ok(())
    }
}

/// The flow a token at a join (or in front of an `asyncBefore` one) came by.
fn came_by(t: &Token) -> Option<FlowIdx> {
    match t.state {
        TokenState::Joining { flow } | TokenState::WaitingAsync { flow } => flow,
        _ => None,
    }
}

/// The parallel joins that would wait for ever in `state`: per scope, a join one of whose
/// incoming flows has a token (waiting at the join, or able to reach the flow) while another
/// has none.
fn join_warnings(process: &Process, state: &InstanceState) -> Vec<MoveWarning> {
    let mut scopes: Vec<Option<TokenId>> = Vec::new();
    for t in &state.tokens {
        if !scopes.contains(&t.scope) {
            scopes.push(t.scope);
        }
    }
    let mut warnings: Vec<MoveWarning> = Vec::new();
    for scope in scopes {
        let scope_node = match scope {
            Some(s) => match state.tokens.iter().find(|t| t.id == s) {
                Some(t) => Some(t.node),
                None => continue,
            },
            None => None,
        };
        let members: Vec<&Token> = state.tokens.iter().filter(|t| t.scope == scope).collect();
        for (j, n) in process.nodes.iter().enumerate() {
            if !matches!(n.kind, NodeKind::ParallelGateway) || n.incoming.len() < 2 || n.scope != scope_node {
                continue;
            }
            // A token in front of the join (`asyncBefore`) will join by the flow it came by.
            let joining = |t: &Token| {
                t.node == j && matches!(t.state, TokenState::Joining { .. } | TokenState::WaitingAsync { .. })
            };
            let reach = reachable(process, members.iter().filter(|t| !joining(t)).map(|t| t.node));
            let (fed, starved): (Vec<FlowIdx>, Vec<FlowIdx>) = n.incoming.iter().copied().partition(|&f| {
                members.iter().any(|t| joining(t) && came_by(t) == Some(f))
                    || process.flows.get(f).is_some_and(|fl| reach.get(fl.source).copied().unwrap_or(false))
            });
            if fed.is_empty() || starved.is_empty() {
                continue;
            }
            let flows = starved.iter().filter_map(|&f| process.flows.get(f)).map(|fl| {
                Text::new("run.move.flow_from").with("flow", &fl.id).with("source", node_id(process, fl.source))
            });
            let warning = MoveWarning {
                node_id: n.id.clone(),
                message: Text::new("run.move.join_starves").with("node", &n.id).with_text("flows", Text::list(flows)),
            };
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
    }
    warnings
}
