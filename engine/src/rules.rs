//! Domain rules decided from loaded data alone: no I/O, no storage. Commands load what a
//! rule needs, ask it, and write what it decided.

use crate::runtime::{Effect, InstanceState};

/// Whether a task's completion may be withdrawn later (撤回): the completion created user
/// tasks (`created_tasks`) and nothing else that moves on by itself. Boundary timers of those
/// tasks are part of them; `effects` and `state` are the core's answer to the completion.
pub(crate) fn completion_is_withdrawable(created_tasks: bool, effects: &[Effect], state: &InstanceState) -> bool {
    created_tasks
        && effects.iter().all(|e| match e {
            Effect::History(_)
            | Effect::CreateTask { .. }
            | Effect::CancelTimer { .. }
            | Effect::ResolveIncident { .. } => true,
            Effect::ScheduleTimer { token, .. } => {
                state.tokens.iter().any(|t| t.id == *token && t.attached_to.is_some())
            }
            _ => false,
        })
}
