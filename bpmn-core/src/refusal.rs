//! Why a request that is valid in itself is refused in the current state (HTTP 409): a
//! stable reason beside the sentence the user reads. The engine decides it where it refuses;
//! API clients find it in the error's `reason`, the console's pages in `AppError::reason`,
//! so neither has to read the sentence to know what happened.

use crate::text::Text;
use serde::{Deserialize, Serialize};

/// The reason of a conflict refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictReason {
    /// The instance is not in a state that allows the action (suspended, or already in the
    /// state asked for).
    NotRunning,
    /// The instance (or the instance of the task or job) has ended.
    Ended,
    /// The thing was already done: a task completed or no longer active, an incident
    /// resolved, a token revoked.
    AlreadyDone,
    /// Someone else handled it between reading and writing; reload.
    ChangedMeanwhile,
    /// The job executor's claim on a job is gone: the job was deleted or taken over.
    ClaimLost,
    /// A completed task cannot be withdrawn: the process went on past the step it created.
    NextStepHandled,
    /// The task was not completed (still to do, or cancelled): there is nothing to withdraw.
    NotCompleted,
    /// The job is running already; wait for its outcome.
    JobRunning,
    /// It still holds or is needed by other things (a catalog node with children or
    /// definitions, an active task its instance waits for).
    InUse,
    /// Another one with the same key exists (a model of the same process).
    Duplicate,
    /// The definition cannot be started: it uses elements the engine does not run.
    NotExecutable,
    /// Stored data cannot be read or run (an unreadable instance state, a definition file
    /// that no longer parses, call activities that call each other without end).
    Broken,
    /// The server stopped before the change was saved; try again.
    Interrupted,
    /// The request matches several things where it must name one (a message that several
    /// instances wait for); narrow it down, or ask for all of them.
    Ambiguous,
}

impl ConflictReason {
    /// The stable code (`not_running`, `changed_meanwhile`, …), as serialized.
    pub fn code(self) -> &'static str {
        match self {
            ConflictReason::NotRunning => "not_running",
            ConflictReason::Ended => "ended",
            ConflictReason::AlreadyDone => "already_done",
            ConflictReason::ChangedMeanwhile => "changed_meanwhile",
            ConflictReason::ClaimLost => "claim_lost",
            ConflictReason::NextStepHandled => "next_step_handled",
            ConflictReason::NotCompleted => "not_completed",
            ConflictReason::JobRunning => "job_running",
            ConflictReason::InUse => "in_use",
            ConflictReason::Duplicate => "duplicate",
            ConflictReason::NotExecutable => "not_executable",
            ConflictReason::Broken => "broken",
            ConflictReason::Interrupted => "interrupted",
            ConflictReason::Ambiguous => "ambiguous",
        }
    }
}

/// A rule's refusal: why, and the sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: ConflictReason,
    pub text: Text,
}

impl Refusal {
    pub fn new(reason: ConflictReason, text: Text) -> Refusal {
        Refusal { reason, text }
    }
}

impl std::fmt::Display for Refusal {
    /// The English sentence.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.text.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_serialized_names() {
        for r in [
            ConflictReason::NotRunning,
            ConflictReason::Ended,
            ConflictReason::AlreadyDone,
            ConflictReason::ChangedMeanwhile,
            ConflictReason::ClaimLost,
            ConflictReason::NextStepHandled,
            ConflictReason::NotCompleted,
            ConflictReason::JobRunning,
            ConflictReason::InUse,
            ConflictReason::Duplicate,
            ConflictReason::NotExecutable,
            ConflictReason::Broken,
            ConflictReason::Interrupted,
            ConflictReason::Ambiguous,
        ] {
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::Value::String(r.code().into()));
        }
    }
}
