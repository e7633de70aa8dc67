//! The BPMN execution core: pure functions from (model, instance state, command, `now`) to
//! (new state, effects). Nothing here performs I/O; storage and the job executor carry the
//! effects out.

mod core;
pub mod expr;
#[cfg(test)]
mod tests;

pub use self::core::{
    step, Command, Effect, HistoryEvent, HistoryKind, InstanceState, RuntimeError, TimerKind, Token, TokenId,
    TokenState, MAX_NODES_PER_STEP,
};
