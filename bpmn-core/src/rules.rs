//! Domain rules decided from loaded data alone: no I/O, no storage. The engine's commands
//! load what a rule needs, ask it, and write what it decided; a refusal is a [`Refusal`]
//! (reason and the sentence for the user), which the command returns as a conflict.

use crate::instance::{InstanceAction, InstanceStatus};
use crate::job::{JobAction, JobKind, JobState};
use crate::refusal::{ConflictReason, Refusal};
use crate::runtime::{Effect, InstanceState, TokenId};
use crate::task::{Task, TaskAction, TaskState};
use crate::text::Text;

/// The words for an instance's state in refusals.
pub fn state_words(s: InstanceStatus) -> Text {
    Text::new(match s {
        InstanceStatus::Running => "rules.state.running",
        InstanceStatus::Suspended => "rules.state.suspended",
        InstanceStatus::Completed => "rules.state.completed",
        InstanceStatus::Terminated => "rules.state.terminated",
    })
}

/// Refuses unless instance `id`, in state `status`, is in one of `allowed`; `what` names the
/// operation, `hint` says what to do instead.
pub fn require_state(
    id: &str,
    status: InstanceStatus,
    allowed: &[InstanceStatus],
    what: Text,
    hint: Text,
) -> Result<(), Refusal> {
    if allowed.contains(&status) {
        return Ok(());
    }
    Err(state_refusal(id, status, what, hint))
}

/// The refusal of operation `what` on instance `id` in state `status`.
fn state_refusal(id: &str, status: InstanceStatus, what: Text, hint: Text) -> Refusal {
    let reason = if status.is_finished() { ConflictReason::Ended } else { ConflictReason::NotRunning };
    Refusal::new(
        reason,
        Text::new("rules.cannot_in_state")
            .with_text("what", what)
            .with("id", id)
            .with_text("state", state_words(status))
            .with_text("hint", hint),
    )
}

/// Refuses administrator operation `action` unless the instance's state allows it
/// ([`InstanceStatus::allows`], the rule the console's buttons follow too); `what` names the
/// operation, `hint` says what to do instead.
pub fn require_action(
    id: &str,
    status: InstanceStatus,
    action: InstanceAction,
    what: Text,
    hint: Text,
) -> Result<(), Refusal> {
    if status.allows(action) {
        return Ok(());
    }
    Err(state_refusal(id, status, what, hint))
}

/// Refuses unless the instance runs, with the advice that fits its state: a suspended
/// instance can be resumed, an ended (completed or terminated) one takes no more work.
pub fn require_running(id: &str, status: InstanceStatus, what: Text) -> Result<(), Refusal> {
    let hint = match status {
        InstanceStatus::Running => return Ok(()),
        InstanceStatus::Suspended => Text::new("rules.hint.resume_first"),
        InstanceStatus::Completed | InstanceStatus::Terminated => Text::new("rules.hint.ended"),
    };
    require_state(id, status, &[InstanceStatus::Running], what, hint)
}

/// Why administrator operation `action` cannot be done on instance `id` in state `status`,
/// or `None` when the state allows it: the sentence the engine refuses with, and the one the
/// console shows on the disabled button.
pub fn action_refusal(id: &str, status: InstanceStatus, action: InstanceAction) -> Option<Refusal> {
    let (what, hint) = match action {
        InstanceAction::Adjust => return require_running(id, status, Text::new("run.op.adjust")).err(),
        InstanceAction::Suspend => ("run.op.suspend", "run.hint.only_running_suspends"),
        InstanceAction::Resume => ("run.op.resume", "run.hint.only_suspended_resumes"),
        InstanceAction::Terminate => ("run.op.terminate", "run.hint.already_ended"),
    };
    require_action(id, status, action, Text::new(what), Text::new(hint)).err()
}

/// Why `action` cannot be done on `task` as loaded (its state and its instance's state), or
/// `None` when they allow it: the refusal the engine answers with, and the sentence the
/// console shows on the disabled button. A withdrawal allowed here may still be refused by
/// [`withdrawal_tokens`], which needs the next step.
pub fn task_action_refusal(task: &Task, action: TaskAction) -> Option<Refusal> {
    let name = task.name.as_str();
    let status = task.instance_state;
    match (action, task.state) {
        (TaskAction::Complete, TaskState::Active) => {
            require_running(&task.instance_id, status, Text::new("run.op.complete_task")).err()
        }
        (TaskAction::Complete, state) => Some(Refusal::new(
            ConflictReason::AlreadyDone,
            Text::new(if state == TaskState::Completed {
                "run.task_already_completed"
            } else {
                "run.task_already_cancelled"
            })
            .with("task", name),
        )),
        (TaskAction::Reassign, TaskState::Active) => require_state(
            &task.instance_id,
            status,
            &[InstanceStatus::Running, InstanceStatus::Suspended],
            Text::new("run.op.reassign_task"),
            Text::new("run.hint.tasks_closed"),
        )
        .err(),
        (TaskAction::Reassign, _) => {
            Some(Refusal::new(ConflictReason::AlreadyDone, Text::new("run.reassign_not_active").with("task", name)))
        }
        (TaskAction::Withdraw, TaskState::Completed) => None,
        (TaskAction::Withdraw, state) => Some(Refusal::new(
            ConflictReason::NotCompleted,
            Text::new(if state == TaskState::Active { "run.withdraw_still_to_do" } else { "run.withdraw_cancelled" })
                .with("task", name),
        )),
        (TaskAction::Delete, TaskState::Active) if !status.is_finished() => Some(Refusal::new(
            ConflictReason::InUse,
            Text::new("run.delete_active_task").with("task", name).with_text("state", state_words(status)),
        )),
        (TaskAction::Delete, _) => None,
    }
}

/// Why `action` cannot be done on job `name` of `kind` in `state`, or `None` when its state
/// allows it (the state of its instance is checked by the engine when the command runs): a
/// running job is not started again; an external task can always be given back to workers.
pub fn job_action_refusal(name: &str, kind: JobKind, state: JobState, action: JobAction) -> Option<Refusal> {
    match action {
        JobAction::Execute if kind != JobKind::External && !state.can_execute() => {
            Some(Refusal::new(ConflictReason::JobRunning, Text::new("run.job_running_already").with("job", name)))
        }
        JobAction::Execute | JobAction::Delete => None,
    }
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
            Text::new("rules.withdraw.went_on").with("task", task_name),
        ));
    }
    if let Some(handled) = next.iter().find(|t| !t.active) {
        let text = match &handled.completed_by {
            Some(by) => Text::new("rules.withdraw.next_handled_by").with("by", by),
            None => Text::new("rules.withdraw.next_handled"),
        };
        return Err(Refusal::new(
            ConflictReason::NextStepHandled,
            text.with("task", task_name).with("next", &handled.name),
        ));
    }
    if next.is_empty() {
        return Err(Refusal::new(
            ConflictReason::ChangedMeanwhile,
            Text::new("rules.withdraw.next_gone").with("task", task_name),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Lang;

    fn task(state: TaskState, instance_state: InstanceStatus) -> Task {
        Task {
            id: "t1".into(),
            tenant_id: "default".into(),
            name: "审批".into(),
            activity_id: "a".into(),
            instance_id: "i1".into(),
            definition_name: "请假".into(),
            assignee: None,
            assignee_name: None,
            candidate_users: Vec::new(),
            candidate_user_names: Vec::new(),
            candidate_groups: Vec::new(),
            priority: 50,
            form_key: None,
            created: 0,
            due: None,
            end_time: None,
            state,
            end_reason: None,
            completed_by: None,
            overdue: false,
            instance_state,
            revision: 1,
        }
    }

    #[test]
    fn a_task_button_the_states_forbid_says_why() {
        use InstanceStatus::*;
        use TaskAction::*;
        let open = task(TaskState::Active, Running);
        for action in [Complete, Reassign, Delete] {
            let refusal = task_action_refusal(&open, action);
            assert_eq!(refusal.is_some(), action == Delete, "{action:?}");
        }
        let stuck = task_action_refusal(&open, Delete).expect("an active task of a running instance stays");
        assert_eq!(stuck.reason, ConflictReason::InUse);
        assert!(stuck.text.render(Lang::Zh).contains("任务“审批”"), "{}", stuck.text.render(Lang::Zh));
        let to_do = task_action_refusal(&open, Withdraw).expect("nothing to withdraw yet");
        assert!(to_do.text.english().contains("still to do"), "{}", to_do.text);
        // A suspended instance's task may be reassigned but not completed.
        let paused = task(TaskState::Active, Suspended);
        assert!(task_action_refusal(&paused, Reassign).is_none());
        assert_eq!(task_action_refusal(&paused, Complete).map(|r| r.reason), Some(ConflictReason::NotRunning));
        let done = task(TaskState::Completed, Running);
        assert!(task_action_refusal(&done, Withdraw).is_none());
        assert!(task_action_refusal(&done, Delete).is_none());
        assert_eq!(task_action_refusal(&done, Complete).map(|r| r.reason), Some(ConflictReason::AlreadyDone));
        assert_eq!(task_action_refusal(&done, Reassign).map(|r| r.reason), Some(ConflictReason::AlreadyDone));
        // Any task of an ended instance can be deleted.
        assert!(task_action_refusal(&task(TaskState::Active, Terminated), Delete).is_none());
        let running = job_action_refusal("发送邮件", JobKind::Service, JobState::Running, JobAction::Execute);
        assert_eq!(running.map(|r| r.reason), Some(ConflictReason::JobRunning));
        assert!(job_action_refusal("x", JobKind::External, JobState::Running, JobAction::Execute).is_none());
        assert!(job_action_refusal("x", JobKind::Timer, JobState::Error, JobAction::Execute).is_none());
    }

    #[test]
    fn an_action_the_state_forbids_says_why_in_either_language() {
        use InstanceAction::*;
        use InstanceStatus::*;
        assert!(action_refusal("i1", Running, Suspend).is_none());
        assert!(action_refusal("i1", Suspended, Resume).is_none());
        assert!(action_refusal("i1", Suspended, Terminate).is_none());
        let ended = action_refusal("i1", Completed, Suspend).expect("a completed instance cannot be suspended");
        assert_eq!(ended.reason, ConflictReason::Ended);
        assert!(ended.text.render(Lang::Zh).contains("实例已完成"), "{}", ended.text.render(Lang::Zh));
        assert!(ended.text.english().starts_with("Cannot suspend instance 'i1': it is completed."), "{}", ended.text);
        let paused = action_refusal("i1", Suspended, Adjust).expect("a suspended instance cannot be adjusted");
        assert_eq!(paused.reason, ConflictReason::NotRunning);
        assert!(paused.text.english().contains("Resume the instance first"), "{}", paused.text);
        // Exactly the states the buttons enable.
        for status in [Running, Suspended, Completed, Terminated] {
            for action in [Adjust, Suspend, Resume, Terminate] {
                assert_eq!(
                    action_refusal("i1", status, action).is_none(),
                    status.allows(action),
                    "{status:?} {action:?}"
                );
            }
        }
    }
}
