//! Domain rules decided from loaded data alone: no I/O, no storage. The engine's commands
//! load what a rule needs, ask it, and write what it decided; a refusal is a [`Refusal`]
//! (reason and the sentence for the user), which the command returns as a conflict.

use crate::instance::{InstanceAction, InstanceStatus};
use crate::refusal::{ConflictReason, Refusal};
use crate::runtime::{Effect, InstanceState, TokenId};

/// The words for an instance's state in refusals.
pub fn state_words(s: InstanceStatus) -> &'static str {
    s.as_str()
}

/// Refuses unless instance `id`, in state `status`, is in one of `allowed`; `what` names the
/// operation, `hint` says what to do instead.
pub fn require_state(
    id: &str,
    status: InstanceStatus,
    allowed: &[InstanceStatus],
    what: &str,
    hint: &str,
) -> Result<(), Refusal> {
    if allowed.contains(&status) {
        return Ok(());
    }
    Err(state_refusal(id, status, what, hint))
}

/// The refusal of operation `what` on instance `id` in state `status`.
fn state_refusal(id: &str, status: InstanceStatus, what: &str, hint: &str) -> Refusal {
    let reason = if status.is_finished() { ConflictReason::Ended } else { ConflictReason::NotRunning };
    Refusal::new(reason, format!("Cannot {what} instance '{id}': it is {}. {hint}", state_words(status)))
}

/// Refuses administrator operation `action` unless the instance's state allows it
/// ([`InstanceStatus::allows`], the rule the console's buttons follow too); `what` names the
/// operation, `hint` says what to do instead.
pub fn require_action(
    id: &str,
    status: InstanceStatus,
    action: InstanceAction,
    what: &str,
    hint: &str,
) -> Result<(), Refusal> {
    if status.allows(action) {
        return Ok(());
    }
    Err(state_refusal(id, status, what, hint))
}

/// Refuses unless the instance runs, with the advice that fits its state: a suspended
/// instance can be resumed, an ended (completed or terminated) one takes no more work.
pub fn require_running(id: &str, status: InstanceStatus, what: &str) -> Result<(), Refusal> {
    let hint = match status {
        InstanceStatus::Running => return Ok(()),
        InstanceStatus::Suspended => "Resume the instance first.",
        InstanceStatus::Completed | InstanceStatus::Terminated => {
            "An ended instance takes no more work; reload to see where it stands."
        }
    };
    require_state(id, status, &[InstanceStatus::Running], what, hint)
}

/// A task created by a completion, as the withdrawal of that completion sees it.
#[derive(Debug, Clone)]
pub struct NextStep {
    pub name: String,
    pub token: i64,
    /// Still active: nobody has handled it.
    pub active: bool,
    pub completed_by: Option<String>,
}

/// Whether the completion of task `task_name` can be withdrawn (撤回): it was marked
/// withdrawable when it was made (see [`completion_is_withdrawable`]) and every task it
/// created (`next`) is still untouched. Answers the tokens waiting in those tasks, which the
/// withdrawal moves back.
pub fn withdrawal_tokens(task_name: &str, withdrawable: bool, next: &[NextStep]) -> Result<Vec<TokenId>, Refusal> {
    if !withdrawable {
        return Err(Refusal::new(
            ConflictReason::NextStepHandled,
            format!(
                "Task '{task_name}' cannot be withdrawn: after it the process went on through other steps (a service \
             call, a timer, a sub-process instance, the end) or its multi-instance activity was not finished. Use \
             Adjust on the instance instead."
            ),
        ));
    }
    if let Some(handled) = next.iter().find(|t| !t.active) {
        return Err(Refusal::new(
            ConflictReason::NextStepHandled,
            format!(
                "Task '{task_name}' cannot be withdrawn: the next step '{}' has already been handled{}. Use Adjust on \
             the instance instead.",
                handled.name,
                handled.completed_by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default()
            ),
        ));
    }
    if next.is_empty() {
        return Err(Refusal::new(
            ConflictReason::ChangedMeanwhile,
            format!("Task '{task_name}' cannot be withdrawn: the tasks its completion created are gone."),
        ));
    }
    Ok(next.iter().map(|t| t.token as TokenId).collect())
}

/// Whether a task's completion may be withdrawn later (撤回): the completion created user
/// tasks (`created_tasks`) and nothing else that moves on by itself. Boundary timers and
/// boundary message or signal subscriptions of those tasks are part of them; `effects` and
/// `state` are the core's answer to the completion.
pub fn completion_is_withdrawable(created_tasks: bool, effects: &[Effect], state: &InstanceState) -> bool {
    created_tasks
        && effects.iter().all(|e| match e {
            Effect::History(_)
            | Effect::CreateTask { .. }
            | Effect::CancelTimer { .. }
            | Effect::Unsubscribe { .. }
            | Effect::ResolveIncident { .. } => true,
            // The boundary timers and boundary message or signal subscriptions of the tasks it
            // created go with them when they are taken back.
            Effect::ScheduleTimer { token, .. } | Effect::Subscribe { token, .. } => {
                state.tokens.iter().any(|t| t.id == *token && t.attached_to.is_some())
            }
            _ => false,
        })
}
