//! The BPMN execution core: pure functions from (model, instance state, command, `now`) to
//! (new state, effects). Nothing here performs I/O; storage and the job executor carry the
//! effects out.

mod core;
pub(crate) mod env;
pub mod expr;
#[cfg(test)]
mod tests;

pub use self::core::{
    active_activities, check_move, movable_activities, step, step_with, waiting_events, Command, Effect, EndReason,
    HistoryEvent, HistoryKind, InstanceState, MoveWarning, RuntimeError, SubscriptionKind, TimerKind, Token, TokenId,
    TokenState, MAX_INSTANCES, MAX_NODES_PER_STEP,
};
pub use self::env::{Env, ScriptCall, ScriptOutcome, ScriptRunner, TaskRef};
