//! Domain rules decided from loaded data alone: no I/O, no storage. Commands load what a
//! rule needs, ask it, and write what it decided; a refusal is the message for the user,
//! which the command returns as a conflict.

use crate::instances::InstanceStatus;
use crate::runtime::{Effect, InstanceState, TokenId};

/// The words for an instance's state in refusals.
pub(crate) fn state_words(s: InstanceStatus) -> &'static str {
    match s {
        InstanceStatus::Running => "running",
        InstanceStatus::Suspended => "suspended",
        InstanceStatus::Terminated => "terminated",
        InstanceStatus::Completed => "completed",
    }
}

/// Refuses unless instance `id`, in state `status`, is in one of `allowed`; `what` names the
/// operation, `hint` says what to do instead.
pub(crate) fn require_state(
    id: &str,
    status: InstanceStatus,
    allowed: &[InstanceStatus],
    what: &str,
    hint: &str,
) -> Result<(), String> {
    if allowed.contains(&status) {
        return Ok(());
    }
    Err(format!("Cannot {what} instance '{id}': it is {}. {hint}", state_words(status)))
}

/// Refuses unless the instance runs, with the advice that fits its state: a suspended
/// instance can be resumed, an ended (completed or terminated) one takes no more work.
pub(crate) fn require_running(id: &str, status: InstanceStatus, what: &str) -> Result<(), String> {
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
pub(crate) struct NextStep {
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
pub(crate) fn withdrawal_tokens(
    task_name: &str,
    withdrawable: bool,
    next: &[NextStep],
) -> Result<Vec<TokenId>, String> {
    if !withdrawable {
        return Err(format!(
            "Task '{task_name}' cannot be withdrawn: after it the process went on through other steps (a service \
             call, a timer, a sub-process instance, the end) or its multi-instance activity was not finished. Use \
             Adjust on the instance instead."
        ));
    }
    if let Some(handled) = next.iter().find(|t| !t.active) {
        return Err(format!(
            "Task '{task_name}' cannot be withdrawn: the next step '{}' has already been handled{}. Use Adjust on \
             the instance instead.",
            handled.name,
            handled.completed_by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default()
        ));
    }
    if next.is_empty() {
        return Err(format!("Task '{task_name}' cannot be withdrawn: the tasks its completion created are gone."));
    }
    Ok(next.iter().map(|t| t.token as TokenId).collect())
}

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
