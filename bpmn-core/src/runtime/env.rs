//! What a step knows beyond the instance's state: facts about the instance that expressions
//! read (`execution.processInstanceId`, `execution.processBusinessKey`, ...). The engine fills
//! it from the instance row; pure tests may leave it empty ([`Env::default`]).
//!
//! Nothing here performs I/O: the fields are plain data (and, where a capability is needed,
//! a trait object the caller provides).

use serde_json::{Map, Value};

use crate::runtime::expr::Facts;

/// Runs the scripts of a process (script tasks, script conditions, script listeners) for the
/// core: the engine provides one (its embedded JavaScript engine). A trait, so that the core
/// itself does no I/O and still builds for wasm.
pub trait ScriptRunner {
    /// Runs `call.source`, written in `call.format` (one the deploy check accepts as
    /// JavaScript), and returns its value and the variables it set with
    /// `execution.setVariable`, or why it failed: the script's own error as it is
    /// (`ReferenceError: x is not defined`), or a limit it ran into as a sentence.
    fn run(&self, call: &ScriptCall<'_>) -> Result<ScriptOutcome, crate::text::Text>;
}

/// One script to run and what it sees.
#[derive(Debug, Clone, Copy)]
pub struct ScriptCall<'a> {
    pub format: &'a str,
    pub source: &'a str,
    /// Every variable the token sees, the nearest scope winning.
    pub variables: &'a Map<String, Value>,
    /// `execution.processInstanceId`, `execution.currentActivityId`, `task.name`, ...
    pub facts: Facts<'a>,
}

/// What a script did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptOutcome {
    /// The value of its last expression (`null` for none).
    pub value: Value,
    /// The variables it set, in order of their first write.
    pub writes: Map<String, Value>,
}

/// The surroundings of one step.
#[derive(Clone, Copy, Default)]
pub struct Env<'a> {
    /// The instance's id (`execution.processInstanceId`); empty when unknown.
    pub instance_id: &'a str,
    /// The instance's business key (`execution.processBusinessKey`).
    pub business_key: Option<&'a str>,
    /// The definition's id (`execution.processDefinitionId`); empty when unknown.
    pub definition_id: &'a str,
    /// Runs JavaScript; without one a script is an incident.
    pub scripts: Option<&'a dyn ScriptRunner>,
    /// The user task a command completes or assigns: `task.id` and `task.assignee` (before the
    /// change) in its listeners.
    pub task: Option<TaskRef<'a>>,
}

/// The stored user task a command acts on, as its listeners see it.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskRef<'a> {
    pub id: &'a str,
    pub assignee: Option<&'a str>,
}

impl std::fmt::Debug for Env<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("instance_id", &self.instance_id)
            .field("business_key", &self.business_key)
            .field("definition_id", &self.definition_id)
            .field("scripts", &self.scripts.is_some())
            .field("task", &self.task)
            .finish_non_exhaustive()
    }
}
