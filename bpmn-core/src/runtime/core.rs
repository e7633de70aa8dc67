//! The token machine: [`step`] moves an instance's tokens through a process until each one
//! waits (user task, service call, timer, message or signal, event-based gateway, called
//! process, join) or ends, and says what the outside world must do as a list of [`Effect`]s.
//!
//! Design notes:
//! - An embedded sub-process is a scope. The token that enters it stays on the sub-process
//!   node ([`TokenState::InSubProcess`]) and is the scope's identity: tokens inside carry its
//!   id in [`Token::scope`]. When the last inner token ends, the outer token leaves.
//! - A multi-instance activity is a scope too: the arriving token becomes the *body*
//!   ([`TokenState::MultiInstanceBody`], counters in its [`Token::vars`]) and each instance is
//!   a token on the same node whose scope is the body. An instance that finishes does not
//!   follow the outgoing flows; it reports to the body, which leaves once every instance is
//!   done or the completion condition holds.
//! - Local variables live in [`Token::vars`]. An expression sees the token's own variables,
//!   then those of its scope tokens outwards, then the instance's.
//! - Joins are not counters kept beside the tokens: a token that reaches a joining gateway
//!   stays on it ([`TokenState::Joining`], with the flow it came by). Once no work is left,
//!   every join is checked; a parallel join fires when each incoming flow has a token, an
//!   inclusive join when no other token of its scope can still reach it (the BPMN rule, which
//!   amounts to waiting for exactly the branches the fork actually started).
//! - A timer, message or signal boundary event is a token of its own, on the boundary node,
//!   waiting for its timer or subscribed to its message or signal, and naming the activity's
//!   token in [`Token::attached_to`]. It is created when the activity starts waiting and
//!   removed (timer cancelled, [`Effect::Unsubscribe`]) when the activity ends. Error and
//!   escalation boundaries have no token: they are found when something is thrown.
//! - A token at an event-based gateway waits there ([`TokenState::WaitingEvent`]); each catch
//!   event (or receive task) after it gets a token attached to the gateway's token, exactly
//!   like boundary events. The first to fire ends the gateway, cancels the others (no history:
//!   they never started) and passes its own event.
//! - Message and signal names are resolved (`${...}`) when the token subscribes; the
//!   subscription is the pair token/name in [`Effect::Subscribe`], answered by
//!   [`Command::Deliver`]. A name that cannot be resolved is an incident.
//! - An error or escalation is caught scope by scope outwards from the thrower: first an
//!   event sub-process directly in the scope, then a boundary event on the scope's activity
//!   (a multi-instance activity's boundaries sit on its body); at each place a catcher with
//!   the code wins over one without. An error nothing catches stops the thrower with an
//!   incident and [`Effect::UncaughtError`]; an escalation nothing catches is reported with
//!   [`Effect::UncaughtEscalation`] and the token goes on. [`Command::ThrowError`] and
//!   [`Command::ThrowEscalation`] throw at a waiting activity from outside and change nothing
//!   when nothing here catches.
//! - An event sub-process with a timer, message or signal start event is armed when its scope
//!   starts (the instance, an embedded sub-process, an event sub-process): a *listener* token
//!   waits on its start event, scoped like the other tokens of the scope. Listeners do not
//!   keep the scope alive: when only listeners are left, they are cancelled without history
//!   and the scope completes. When one fires, the event sub-process gets a token (a scope,
//!   [`TokenState::InSubProcess`]); an interrupting one first cancels everything else in the
//!   scope and moves the listener inside, a non-interrupting one leaves the listener waiting
//!   (a timer only if it is a cycle) and starts a new token inside.
//! - A token that cannot go on because of the model or the data at a node (no flow matches,
//!   an expression fails, an element is not supported) does not fail the step: it stops on
//!   the node as [`TokenState::Failed`] with an [`Effect::Incident`], and waits for
//!   [`Command::Retry`], a move or a cancellation. Only a refused command is an `Err`.
//! - An activity marked `asyncBefore` (`camunda:asyncBefore`, `flowable:async`) is entered in
//!   two steps: the arriving token stops in front of it ([`TokenState::WaitingAsync`], nothing
//!   started yet) with an [`Effect::ScheduleAsync`], and [`Command::ContinueAsync`], run by the
//!   job executor, lets it enter the activity as if it had just arrived. A retry, a withdrawal
//!   and a continuation enter at once; an adjustment (move) honours the mark.
//! - A call activity passes every variable its token sees to the called process and takes
//!   every variable back, unless it has `in`/`out` mappings: then only the mapped ones pass
//!   (plus all of them with `variables="all"`); a source variable that does not exist passes
//!   as `null`. An `out` mapping marked `local` sets a local variable of the call activity's
//!   token, which is dropped when the token leaves.
//! - Work is processed first in, first out, so branches advance in model order and the
//!   history is deterministic.

mod events;
mod moves;
mod multi;
mod run;
mod scripts;
mod vars;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use self::events::Thrown;
use self::run::{Run, Work};
use super::env::Env;
use super::expr::ExprError;
use crate::bpmn::model::{CalledBinding, EventTrigger, FlowIdx, NodeIdx, NodeKind, Process};
use crate::text::Text;

pub use self::events::waiting_events;
pub use self::moves::{active_activities, check_move, movable_activities, MoveWarning};

/// Identifies a token within one instance. Never reused.
pub type TokenId = u64;

/// How many nodes one step may enter before it gives up: a cycle of pass-through elements
/// would otherwise never stop.
pub const MAX_NODES_PER_STEP: usize = 10_000;

/// How many instances one multi-instance activity may have; a larger collection or loop
/// cardinality stops the activity with an incident.
pub const MAX_INSTANCES: usize = 1_000;

/// The state of one process instance, as plain data that storage can keep as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    /// The live tokens; a token that ends is removed.
    pub tokens: Vec<Token>,
    /// The instance's variables. Local variables (multi-instance counters, the element
    /// variable) live on the tokens, in [`Token::vars`].
    pub variables: Map<String, Value>,
    /// The id the next token will get.
    pub next_token: TokenId,
    /// Set once the instance has started, so that a second `Start` is refused.
    pub started: bool,
    /// Set when the instance has completed (all tokens ended, or a terminate end event) or
    /// was terminated.
    pub ended: bool,
}

/// A token: where it is, in which scope, and what it waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// The token's id, unique within the instance.
    pub id: TokenId,
    /// The node the token is on.
    pub node: NodeIdx,
    /// The token that encloses this one: the token on the enclosing sub-process node, or the
    /// multi-instance body of which this token is an instance; `None` at process level.
    pub scope: Option<TokenId>,
    /// What the token waits for.
    pub state: TokenState,
    /// For a token waiting on a boundary event: the token of the activity it is attached to;
    /// for a token on a catch event after an event-based gateway: the gateway's token.
    #[serde(default)]
    pub attached_to: Option<TokenId>,
    /// The token's local variables: the counters of a multi-instance body (`nrOfInstances`,
    /// `nrOfCompletedInstances`, `nrOfActiveInstances`), `loopCounter` and the element variable
    /// of an instance. They are dropped when the token leaves its node.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub vars: Map<String, Value>,
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
    /// On a call activity, waiting for the called process (`ChildCompleted`).
    WaitingChild,
    /// On an embedded sub-process node while tokens run inside it.
    InSubProcess,
    /// The body of a multi-instance activity, while its instances (tokens on the same node,
    /// scoped to this one) run.
    MultiInstanceBody,
    /// On a joining gateway, having come by `flow`.
    Joining { flow: Option<FlowIdx> },
    /// Stopped on its node by an incident, waiting for `Retry`, a move or a cancellation.
    Failed,
    /// In front of an `asyncBefore` node it has not entered yet, waiting for
    /// `ContinueAsync`; `flow` is the flow it came by (a joining gateway needs it).
    WaitingAsync { flow: Option<FlowIdx> },
    /// On a message catch event, receive task, message boundary event or message start event
    /// of an event sub-process, subscribed to a message ([`Effect::Subscribe`]), waiting for
    /// [`Command::Deliver`].
    WaitingMessage,
    /// Likewise for a signal.
    WaitingSignal,
    /// On an event-based gateway: the tokens of the catch events after it are attached to
    /// this one; the first to fire cancels the others and this one.
    WaitingEvent,
}

/// Why tokens are moved by [`Command::Move`]; it names the history entry of what they leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndReason {
    /// An administrator adjusted the instance (调整).
    Moved,
    /// The person who completed a task took it back (撤回).
    Withdrawn,
}

impl EndReason {
    /// The history kind recorded for the activities the tokens leave.
    pub fn history_kind(self) -> HistoryKind {
        match self {
            EndReason::Moved => HistoryKind::Moved,
            EndReason::Withdrawn => HistoryKind::Withdrawn,
        }
    }
}

/// What happens to an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Starts the instance at its process-level none start event (or timer start event).
    Start { variables: Map<String, Value> },
    /// Starts the instance at the process-level start event `start` (a message or signal
    /// start event that was triggered), with the message's variables.
    StartAt { start: NodeIdx, variables: Map<String, Value> },
    /// The message or signal the token is subscribed to has arrived; `variables` are set as for
    /// `CompleteTask`, then the catch event fires (a boundary event or event sub-process
    /// start acts on its activity or scope as its kind says).
    Deliver { token: TokenId, variables: Map<String, Value> },
    /// A BPMN error is thrown at the waiting token `token` from outside the core: by the
    /// process its call activity started, or by the service call it waits for (an HTTP status
    /// mapped to an error). It is caught as if thrown by the token's activity; when nothing in
    /// this instance catches it the state is unchanged and the answer is
    /// [`Effect::UncaughtError`].
    ThrowError { token: TokenId, code: String, message: Option<String> },
    /// Likewise for an escalation (from a called process); uncaught it changes nothing and
    /// answers [`Effect::UncaughtEscalation`].
    ThrowEscalation { token: TokenId, code: String },
    /// A user task was completed, or a service call returned; `variables` are set before the
    /// token moves on: a name the token sees as a local variable updates the nearest one,
    /// any other name goes into the instance's variables.
    CompleteTask { token: TokenId, variables: Map<String, Value> },
    /// The user task the token waits in was given to `assignee` (claimed, assigned, delegated,
    /// reassigned): its assignment listeners run; the token stays. A failing listener refuses
    /// the change.
    AssignTask { token: TokenId, assignee: String },
    /// The timer a token waits for is due.
    FireTimer { token: TokenId },
    /// The asynchronous continuation a token waits for runs: the token enters its node.
    ContinueAsync { token: TokenId },
    /// The process a call activity started has completed; `variables` are set as for
    /// `CompleteTask`, then the token moves on.
    ChildCompleted { token: TokenId, variables: Map<String, Value> },
    /// A token stopped by an incident enters its node again (after an administrator fixed
    /// what was wrong). Its incident is resolved; if it fails again, a new one is raised.
    Retry { token: TokenId },
    /// Ends the instance: every token is cancelled.
    Terminate,
    /// Cancels the activities `tokens` wait in (an instance of a multi-instance activity
    /// stands for the whole activity) and starts `to` with one new token instead.
    Move { tokens: Vec<TokenId>, to: NodeIdx, reason: EndReason },
}

/// What a subscription waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscriptionKind {
    Message,
    Signal,
}

impl SubscriptionKind {
    /// The stored and displayed name: `message`, `signal`.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionKind::Message => "message",
            SubscriptionKind::Signal => "signal",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "message" => Some(SubscriptionKind::Message),
            "signal" => Some(SubscriptionKind::Signal),
            _ => None,
        }
    }
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
    /// Remove the open user task of this token (cancelled by a terminate end event, an
    /// interrupting boundary timer, a completion condition, a move or a termination).
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
    /// Create an asynchronous continuation (a job due now) for the token waiting in front of
    /// `node`; answer with `ContinueAsync { token }`.
    ScheduleAsync { token: TokenId, node: NodeIdx },
    /// Drop the asynchronous continuation of this token.
    CancelAsync { token: TokenId, node: NodeIdx },
    /// Start an instance of the process `called_element` for the call activity `node`; answer
    /// with `ChildCompleted { token }` when it completes.
    StartChild {
        token: TokenId,
        node: NodeIdx,
        /// The called process's key, expressions resolved.
        called_element: String,
        /// Which version to start; `version` is resolved for [`CalledBinding::Version`] and
        /// `version_tag` for [`CalledBinding::VersionTag`].
        binding: CalledBinding,
        version: Option<String>,
        version_tag: Option<String>,
        /// The called instance's business key, resolved.
        business_key: Option<String>,
        /// The variables passed in: with no `in` mapping every variable the token sees,
        /// flattened (the instance's, overridden by the local ones); else the mapped ones.
        variables: Map<String, Value>,
    },
    /// Terminate the instance the call activity `node` started for this token.
    CancelChild { token: TokenId, node: NodeIdx },
    /// The token now waits for the message or signal `name`: record a subscription, answered by
    /// [`Command::Deliver`].
    Subscribe { token: TokenId, node: NodeIdx, kind: SubscriptionKind, name: String },
    /// Drop the subscription of this token (it fired, or its element was left or cancelled).
    Unsubscribe { token: TokenId, node: NodeIdx },
    /// A signal throw event: deliver the signal `name` to every subscription of that name in
    /// the tenant (this instance's included) and start the definitions with such a signal
    /// start event, after this step.
    BroadcastSignal { token: TokenId, node: NodeIdx, name: String },
    /// A message throw event or send task without an implementation: the message is recorded
    /// in the history, nothing is sent (as Camunda does).
    MessageThrown { token: TokenId, node: NodeIdx, name: Option<String> },
    /// An error thrown at `node` was not caught in this instance. Raised on a token stopped
    /// with an [`Effect::Incident`] (thrown inside the step), or alone (after
    /// [`Command::ThrowError`], which then changed nothing). The caller passes it on to the
    /// call activity of a parent instance, if there is one.
    UncaughtError { token: TokenId, node: NodeIdx, code: Option<String>, message: Option<String> },
    /// An escalation nothing in this instance caught; the token went on (as the spec says).
    /// The caller passes it on to the parent instance, if there is one.
    UncaughtEscalation { token: TokenId, node: NodeIdx, code: Option<String> },
    /// The token stopped on `node`; an administrator must fix the cause and retry, move or
    /// cancel it. `message` is the [`RuntimeError`]'s text.
    Incident { token: TokenId, node: NodeIdx, message: Text },
    /// The incident of this token is over: it was retried, moved or cancelled.
    ResolveIncident { token: TokenId },
    /// The instance has completed; no token is left.
    InstanceCompleted,
    /// The instance was terminated by [`Command::Terminate`]; no token is left.
    InstanceTerminated,
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
    /// Ended early by a terminate end event or command, an interrupting boundary event or a
    /// multi-instance completion condition.
    Cancelled,
    /// Left because an administrator moved the token elsewhere.
    Moved,
    /// Left because a completed task was withdrawn.
    Withdrawn,
}

/// Why a command could not be applied, or (for the errors where [`RuntimeError::is_incident`]
/// holds) why a token stopped with an incident.
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
    /// No outgoing flow of a gateway (or of an activity with conditional flows) could be
    /// taken: no condition is true and there is no default flow.
    #[error("element `{gateway}`: no outgoing flow's condition is true and there is no default flow")]
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
    InvalidModel { node_id: String, message: Text },
    /// A script (script task, script condition, listener) failed: its error, or a time or
    /// memory limit.
    #[error("element `{node_id}`: {message}")]
    Script { node_id: String, message: Text },
    #[error("the step entered more than {MAX_NODES_PER_STEP} elements without waiting; the model loops")]
    StepLimit,
}

impl RuntimeError {
    /// Whether the error is about the model or the data at one element. Such an error met
    /// while a token moves becomes an [`Effect::Incident`] on that token instead of failing
    /// the step; the other errors refuse the command.
    pub fn is_incident(&self) -> bool {
        matches!(
            self,
            RuntimeError::NoMatchingFlow { .. }
                | RuntimeError::Expression { .. }
                | RuntimeError::Unsupported { .. }
                | RuntimeError::InvalidModel { .. }
                | RuntimeError::Script { .. }
        )
    }
}

impl RuntimeError {
    /// The error as a sentence for people. The English of a refusal is the error's own with a
    /// full stop; an expression's, a schedule's or a script's error is a sentence of its own.
    pub fn text(&self) -> Text {
        match self {
            RuntimeError::NoStartEvent { process } => Text::new("run.core.no_start_event").with("process", process),
            RuntimeError::AlreadyStarted => Text::new("run.core.already_started"),
            RuntimeError::NotStarted => Text::new("run.core.not_started"),
            RuntimeError::InstanceEnded => Text::new("run.core.instance_ended"),
            RuntimeError::UnknownToken { token } => Text::new("run.core.unknown_token").with("token", token),
            RuntimeError::NotWaiting { token, node_id, expected } => {
                let expected = match *expected {
                    "a message or signal" => Text::new("run.core.expects.message_or_signal"),
                    "an error" => Text::new("run.core.expects.error"),
                    "an escalation" => Text::new("run.core.expects.escalation"),
                    "a task to complete" => Text::new("run.core.expects.task"),
                    "an assignment" => Text::new("run.core.expects.assignment"),
                    "a called process to complete" => Text::new("run.core.expects.called_process"),
                    "a timer" => Text::new("run.core.expects.timer"),
                    "a retry" => Text::new("run.core.expects.retry"),
                    "an asynchronous continuation" => Text::new("run.core.expects.async"),
                    other => Text::verbatim(other),
                };
                Text::new("run.core.not_waiting")
                    .with("token", token)
                    .with("node", node_id)
                    .with_text("expected", expected)
            }
            RuntimeError::NoMatchingFlow { gateway } => Text::new("run.core.no_matching_flow").with("node", gateway),
            RuntimeError::Expression { node_id, source } => {
                Text::new("run.core.element_error").with("node", node_id).with_text("detail", source.text())
            }
            RuntimeError::Unsupported { node_id, what } => {
                Text::new("run.core.unsupported").with("node", node_id).with("what", what)
            }
            RuntimeError::InvalidModel { node_id, message } | RuntimeError::Script { node_id, message } => {
                Text::new("run.core.element_error").with("node", node_id).with_text("detail", message.clone())
            }
            RuntimeError::StepLimit => Text::new("run.core.step_limit").with("max", MAX_NODES_PER_STEP),
        }
    }
}

/// Applies `cmd` to an instance of `process` at time `now` and returns the new state with the
/// effects to carry out, in order. Performs no I/O. On `Err` the caller keeps the state it had.
pub fn step(
    process: &Process,
    state: InstanceState,
    cmd: Command,
    now: i64,
) -> Result<(InstanceState, Vec<Effect>), RuntimeError> {
    step_with(process, state, cmd, now, &Env::default())
}

/// [`step`] with the instance's surroundings: what expressions may read about the instance.
pub fn step_with(
    process: &Process,
    state: InstanceState,
    cmd: Command,
    now: i64,
    env: &Env<'_>,
) -> Result<(InstanceState, Vec<Effect>), RuntimeError> {
    if state.ended {
        return Err(RuntimeError::InstanceEnded);
    }
    validate(process, &state)?;
    if !state.started && !matches!(cmd, Command::Start { .. } | Command::StartAt { .. }) {
        return Err(RuntimeError::NotStarted);
    }
    let mut run = Run::new(process, state, now, *env);
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
            run.open_scope(None, None);
            run.queue.push_back(Work::Arrive { token, node: start, via: None });
        }
        Command::StartAt { start, variables } => {
            if run.state.started {
                return Err(RuntimeError::AlreadyStarted);
            }
            let is_start = process
                .nodes
                .get(start)
                .is_some_and(|n| n.scope.is_none() && matches!(n.kind, NodeKind::StartEvent { .. }));
            if !is_start {
                return Err(RuntimeError::InvalidModel {
                    node_id: node_id(process, start),
                    message: Text::new("run.core.start_at_not_start"),
                });
            }
            run.state.started = true;
            run.state.variables = variables;
            let token = run.new_token(start, None);
            run.open_scope(None, None);
            run.queue.push_back(Work::Arrive { token, node: start, via: None });
        }
        Command::Deliver { token, variables } => {
            let expected = [TokenState::WaitingMessage, TokenState::WaitingSignal];
            let t = run.waiting(token, &expected, "a message or signal")?;
            run.deliver(&t, variables)?;
        }
        Command::ThrowError { token, code, message } => {
            let t = run.waiting(token, &[TokenState::WaitingChild, TokenState::WaitingService], "an error")?;
            run.set_state(token, t.state);
            match run.find_catcher(Some(token), Thrown::Error, Some(&code)) {
                Some(c) => run.catch(c, Thrown::Error),
                None => {
                    let uncaught = Effect::UncaughtError { token, node: t.node, code: Some(code), message };
                    return Ok((run.state, vec![uncaught]));
                }
            }
        }
        Command::ThrowEscalation { token, code } => {
            let t = run.waiting(token, &[TokenState::WaitingChild, TokenState::WaitingService], "an escalation")?;
            run.set_state(token, t.state);
            match run.find_catcher(Some(token), Thrown::Escalation, Some(&code)) {
                Some(c) => run.catch(c, Thrown::Escalation),
                None => {
                    let uncaught = Effect::UncaughtEscalation { token, node: t.node, code: Some(code) };
                    return Ok((run.state, vec![uncaught]));
                }
            }
        }
        Command::CompleteTask { token, variables } => {
            let t = run.waiting(token, &[TokenState::WaitingTask, TokenState::WaitingService], "a task to complete")?;
            if t.state == TokenState::WaitingTask {
                // A failing complete or end listener refuses the completion: nothing changes.
                run.complete_listeners(&t, &variables)?;
            }
            run.finish_wait(&t, variables);
        }
        Command::AssignTask { token, assignee } => {
            let t = run.waiting(token, &[TokenState::WaitingTask], "an assignment")?;
            run.set_state(token, t.state);
            run.assignment_listeners(&t, &assignee)?;
        }
        Command::ChildCompleted { token, variables } => {
            let t = run.waiting(token, &[TokenState::WaitingChild], "a called process to complete")?;
            run.child_completed(&t, variables)?;
        }
        Command::FireTimer { token } => {
            let t = run.waiting(token, &[TokenState::WaitingTimer], "a timer")?;
            match t.attached_to {
                Some(gateway) if run.is_gateway_token(gateway) => run.gateway_fired(&t, gateway),
                Some(activity) => run.fire_boundary(&t, activity)?,
                None if run.is_listener(&t) => run.fire_listener(&t)?,
                None => run.finish_wait(&t, Map::new()),
            }
        }
        Command::ContinueAsync { token } => run.continue_async(token)?,
        Command::Retry { token } => {
            let t = run.waiting(token, &[TokenState::Failed], "a retry")?;
            run.retry(&t)?;
        }
        Command::Terminate => run.terminate_instance(),
        Command::Move { tokens, to, reason } => run.move_tokens(&tokens, to, reason.history_kind())?,
    }
    run.run()?;
    Ok((run.state, run.effects))
}

/// Refuses a state that cannot belong to this process (it comes from storage as JSON): a
/// token on a node the process does not have, ids used twice or not below `next_token`,
/// references to tokens that do not exist, scopes that enclose themselves.
fn validate(process: &Process, state: &InstanceState) -> Result<(), RuntimeError> {
    let bad = |detail: String| RuntimeError::InvalidModel {
        node_id: process.id.clone(),
        message: Text::new("run.core.inconsistent").with("detail", detail),
    };
    let mut index: HashMap<TokenId, usize> = HashMap::with_capacity(state.tokens.len());
    for (i, t) in state.tokens.iter().enumerate() {
        if t.node >= process.nodes.len() {
            return Err(bad(format!(
                "the instance state puts token {} on node #{}, which this process does not have",
                t.id, t.node
            )));
        }
        if t.id >= state.next_token {
            return Err(bad(format!(
                "the instance state has token {} but the next token id is {}",
                t.id, state.next_token
            )));
        }
        if index.insert(t.id, i).is_some() {
            return Err(bad(format!("the instance state has token {} twice", t.id)));
        }
    }
    for t in &state.tokens {
        for r in [t.scope, t.attached_to].into_iter().flatten() {
            if !index.contains_key(&r) {
                return Err(bad(format!(
                    "the instance state's token {} refers to token {r}, which does not exist",
                    t.id
                )));
            }
        }
    }
    // Every scope chain must end: walk each chain once, marking what is known to end.
    let mut ends: HashSet<TokenId> = HashSet::with_capacity(state.tokens.len());
    for t in &state.tokens {
        let mut path = HashSet::new();
        let mut cur = Some(t);
        while let Some(c) = cur {
            if ends.contains(&c.id) {
                break;
            }
            if !path.insert(c.id) {
                return Err(bad(format!("the instance state's token {} encloses itself", c.id)));
            }
            cur = c.scope.and_then(|s| index.get(&s)).and_then(|&i| state.tokens.get(i));
        }
        ends.extend(path);
    }
    Ok(())
}

/// The id of `node` for messages and history, `#index` for a node the process does not have.
fn node_id(process: &Process, node: NodeIdx) -> String {
    process.nodes.get(node).map_or_else(|| format!("#{node}"), |n| n.id.clone())
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
