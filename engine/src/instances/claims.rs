//! Who holds a task, as Camunda's task API changes it: claim (refused when another user holds
//! it), unclaim, set the assignee, delegate (the assignee becomes the owner, the delegate the
//! assignee, the delegation PENDING) and resolve (back to the owner, RESOLVED). Each change is
//! one command on the task's instance with its operation log entry; a concurrent change of the
//! instance makes the command decide again on what it reads then, so that of two claims at
//! once the second sees the first.

use super::command::{Plan, StepCtx};
use super::{InstanceStatus, TaskRecord, TaskState};
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::identity::Account;
use crate::runtime::{Command, TokenId};
use crate::store::sql::search::task_search;
use crate::store::tasks::TaskAssignment;
use crate::store::writes::Write;
use crate::Engine;

/// A delegated task waiting for its delegate.
pub const PENDING: &str = "PENDING";
/// A delegated task its delegate resolved.
pub const RESOLVED: &str = "RESOLVED";

/// A change of who holds a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// The user takes the task; refused when another user holds it.
    Claim(String),
    /// Nobody holds the task.
    Unclaim,
    /// The task is given to the user (or to nobody), whoever held it.
    SetAssignee(Option<String>),
    /// The assignee hands the task to the user and becomes its owner.
    Delegate(String),
    /// The delegate hands the task back to its owner.
    Resolve,
}

/// Who holds a task: assignee, owner, delegation state.
type Holders = (Option<String>, Option<String>, Option<String>);

/// The holders of task `r` after `change`, or why the change is refused.
fn decide(change: &Assignment, r: &TaskRecord) -> Result<Holders> {
    let (assignee, owner, delegation) = (r.task.assignee.clone(), r.owner.clone(), r.delegation_state.clone());
    Ok(match change {
        Assignment::Claim(user) => match &assignee {
            Some(holder) if holder != user => {
                return Err(EngineError::conflict(
                    ConflictReason::InUse,
                    Text::new("run.claimed_by_other")
                        .with("task", &r.task.id)
                        .with("holder", holder)
                        .with("user", user),
                ))
            }
            _ => (Some(user.clone()), owner, delegation),
        },
        Assignment::Unclaim => (None, owner, delegation),
        Assignment::SetAssignee(user) => (user.clone(), owner, delegation),
        Assignment::Delegate(user) => (Some(user.clone()), owner.or(assignee), Some(PENDING.to_owned())),
        Assignment::Resolve => {
            if delegation.as_deref() != Some(PENDING) {
                return Err(EngineError::conflict(
                    ConflictReason::NotExecutable,
                    Text::new("run.not_delegated").with("task", &r.task.id),
                ));
            }
            (owner.clone(), owner, Some(RESOLVED.to_owned()))
        }
    })
}

/// The operation log's name and detail of `change`.
fn operation(change: &Assignment, r: &TaskRecord, to: &Option<String>) -> (String, String) {
    let op = match change {
        Assignment::Claim(_) => "claim",
        Assignment::Unclaim => "unclaim",
        Assignment::SetAssignee(_) => "set-assignee",
        Assignment::Delegate(_) => "delegate",
        Assignment::Resolve => "resolve",
    };
    let name = |who: &Option<String>| who.clone().unwrap_or_else(|| "(nobody)".into());
    (op.into(), format!("{}: {} → {}", r.task.name, name(&r.task.assignee), name(to)))
}

/// How often a change is decided again after a concurrent change of the instance.
const ATTEMPTS: usize = 4;

impl Engine {
    /// Changes who holds active task `task_id` of a running instance; answers the task as it
    /// is then. 404 when unknown or not the caller's; 409 when the task has ended, its
    /// instance is suspended or ended, or `change` is refused (see [`Assignment`]).
    pub async fn assign_task(&self, caller: &Account, task_id: &str, change: Assignment) -> Result<TaskRecord> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The instance is read between two reads of the task, so that a change of the task
            // after the second read moves the instance's revision past the one pinned.
            let first = self.task_record(caller, task_id).await?;
            let inst = self.load_instance(&first.task.instance_id).await?;
            let record = self.task_record(caller, task_id).await?;
            if record.task.state != TaskState::Active {
                return Err(EngineError::conflict(
                    ConflictReason::AlreadyDone,
                    Text::new("run.claim_ended").with("task", task_id),
                ));
            }
            let (assignee, owner, delegation_state) = decide(&change, &record)?;
            if let (1, Assignment::Claim(to) | Assignment::SetAssignee(Some(to)) | Assignment::Delegate(to)) =
                (attempt, &change)
            {
                // A deactivated person of the organisation can be given no task.
                self.refuse_inactive_assignee(&record.task.tenant_id, to).await?;
            }
            let (op, detail) = operation(&change, &record, &assignee);
            let revision = inst.revision;
            let search = task_search(
                &record.task.name,
                assignee.as_deref(),
                &record.task.candidate_groups,
                record.business_key.as_deref(),
                &record.task.definition_name,
                &record.definition_key,
            );
            let write = TaskAssignment { task_id: task_id.to_owned(), assignee, owner, delegation_state, search };
            let mut write = Some(write);
            let done = self
                .run_command_from(&record.task.instance_id, Some(inst), Some(revision), |inst| {
                    if inst.status != InstanceStatus::Running {
                        return Err(EngineError::conflict(
                            ConflictReason::NotRunning,
                            Text::new("run.task_instance_not_running")
                                .with("task", task_id)
                                .with_text("state", crate::rules::state_words(inst.status)),
                        ));
                    }
                    // A new holder: the task's assignment listeners run.
                    let given = write
                        .as_ref()
                        .and_then(|w| w.assignee.clone())
                        .filter(|a| record.task.assignee.as_ref() != Some(a));
                    Ok(Plan {
                        ctx: StepCtx { actor: caller.username.clone(), ..StepCtx::default() },
                        operation: Some((op.clone(), detail.clone(), String::new())),
                        writes: write.take().map(Write::AssignTask).into_iter().collect(),
                        command: given.map(|assignee| Command::AssignTask { token: record.token as TokenId, assignee }),
                        task: Some((task_id.to_owned(), record.task.assignee.clone())),
                        ..Plan::default()
                    })
                })
                .await;
            match done {
                Err(EngineError::ChangedMeanwhile { .. }) if attempt < ATTEMPTS => continue,
                Err(e) => return Err(e),
                Ok(_) => return self.task_record(caller, task_id).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instances::Task;

    fn record(assignee: Option<&str>, owner: Option<&str>, delegation: Option<&str>) -> TaskRecord {
        TaskRecord {
            task: Task {
                id: "t1".into(),
                tenant_id: "default".into(),
                name: "Approve".into(),
                activity_id: "approve".into(),
                instance_id: "i1".into(),
                definition_name: "P".into(),
                assignee: assignee.map(str::to_owned),
                assignee_name: None,
                candidate_users: vec![],
                candidate_user_names: vec![],
                candidate_groups: vec![],
                priority: 50,
                form_key: None,
                created: 0,
                due: None,
                end_time: None,
                state: TaskState::Active,
                end_reason: None,
                completed_by: None,
                overdue: false,
                instance_state: InstanceStatus::Running,
                revision: 1,
            },
            owner: owner.map(str::to_owned),
            delegation_state: delegation.map(str::to_owned),
            definition_id: "d".into(),
            definition_key: "p".into(),
            business_key: None,
            token: 1,
        }
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn a_claim_of_a_task_held_by_another_is_refused_but_the_holder_may_claim_again() {
        let e = decide(&Assignment::Claim("bob".into()), &record(Some("ann"), None, None)).unwrap_err();
        assert_eq!(e.conflict_reason(), Some(ConflictReason::InUse));
        assert!(e.user_message().contains("already claimed by someone else ('ann')"), "{}", e.user_message());
        let again = decide(&Assignment::Claim("ann".into()), &record(Some("ann"), None, None)).unwrap();
        assert_eq!(again, (some("ann"), None, None));
        assert_eq!(decide(&Assignment::Claim("bob".into()), &record(None, None, None)).unwrap().0, some("bob"));
    }

    #[test]
    fn delegation_keeps_the_owner_and_resolve_gives_the_task_back() {
        let delegated = decide(&Assignment::Delegate("bob".into()), &record(Some("ann"), None, None)).unwrap();
        assert_eq!(delegated, (some("bob"), some("ann"), some(PENDING)));
        // A second delegation keeps the first owner.
        let again = decide(&Assignment::Delegate("cy".into()), &record(Some("bob"), Some("ann"), Some(PENDING)));
        assert_eq!(again.unwrap(), (some("cy"), some("ann"), some(PENDING)));
        let resolved = decide(&Assignment::Resolve, &record(Some("bob"), Some("ann"), Some(PENDING))).unwrap();
        assert_eq!(resolved, (some("ann"), some("ann"), some(RESOLVED)));
        assert!(decide(&Assignment::Resolve, &record(Some("ann"), None, None)).is_err());
    }

    #[test]
    fn unclaim_and_set_assignee_change_only_the_assignee() {
        let r = record(Some("ann"), Some("own"), Some(RESOLVED));
        assert_eq!(decide(&Assignment::Unclaim, &r).unwrap(), (None, some("own"), some(RESOLVED)));
        assert_eq!(decide(&Assignment::SetAssignee(some("bob")), &r).unwrap().0, some("bob"));
    }
}
