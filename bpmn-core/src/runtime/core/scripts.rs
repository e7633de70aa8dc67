//! Scripts and listeners in a step: script tasks, script conditions on sequence flows, and
//! the execution and task listeners of elements and flows. JavaScript runs through the
//! engine's [`ScriptRunner`] (in [`Env::scripts`]); the `juel` format and expression
//! listeners are evaluated by [`expr`]. What a script or listener sets with
//! `execution.setVariable` goes to the token's scope, only once every listener of the event
//! has run without error.

use std::cell::RefCell;

use serde_json::{Map, Value};

use super::run::{Run, Work};
use super::vars::{flattened, set_variables, visible, Visible};
use super::{HistoryKind, RuntimeError, Token, TokenId};
use crate::bpmn::model::{
    FlowIdx, Listener, ListenerAction, ListenerEvent, NodeIdx, Script, ScriptLanguage, ScriptTask,
};
use crate::runtime::env::{ScriptCall, ScriptOutcome};
use crate::runtime::expr::{self, Facts, TaskFacts, Variables};
use crate::text::Text;

/// An expression's view of the variables that also records `execution.setVariable` writes.
struct Recording<'s> {
    vars: Visible<'s>,
    facts: Facts<'s>,
    writes: RefCell<Map<String, Value>>,
}

impl Variables for Recording<'_> {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.vars.lookup(name)
    }

    fn facts(&self) -> Facts<'_> {
        self.facts
    }

    fn set_variable(&self, name: &str, value: Value) -> bool {
        self.writes.borrow_mut().insert(name.to_owned(), value);
        true
    }
}

impl Run<'_> {
    /// What an expression or script run for `token` on `node` knows about the execution.
    pub(super) fn facts<'f>(&'f self, node_id: &'f str, task: Option<TaskFacts<'f>>) -> Facts<'f> {
        let non_empty = |s: &'f str| (!s.is_empty()).then_some(s);
        Facts {
            instance_id: non_empty(self.env.instance_id),
            business_key: self.env.business_key,
            definition_id: non_empty(self.env.definition_id),
            activity_id: non_empty(node_id),
            task,
            now: Some(self.now),
        }
    }

    /// Runs `script` for `token` on the element `element` (an id, for messages and
    /// `execution.currentActivityId`); `node` is where a failure is reported.
    fn run_script(
        &self,
        token: TokenId,
        element: &str,
        script: &Script,
        task: Option<TaskFacts<'_>>,
        what: &Text,
    ) -> Result<ScriptOutcome, RuntimeError> {
        let facts = self.facts(element, task);
        let failed = |error: Text| RuntimeError::Script {
            node_id: element.to_owned(),
            message: Text::new("run.script.failed").with_text("what", what.clone()).with_text("error", error),
        };
        match ScriptLanguage::of(&script.format) {
            Some(ScriptLanguage::Juel) => {
                let rec = Recording { vars: visible(&self.state, token), facts, writes: RefCell::default() };
                let value = expr::evaluate(&script.source, &rec).map_err(|e| failed(e.text()))?;
                Ok(ScriptOutcome { value, writes: rec.writes.into_inner() })
            }
            Some(ScriptLanguage::JavaScript) => {
                let runner = self.env.scripts.ok_or_else(|| failed(Text::new("run.script.no_runner")))?;
                let variables = flattened(&self.state, token);
                let call = ScriptCall { format: &script.format, source: &script.source, variables: &variables, facts };
                runner.run(&call).map_err(failed)
            }
            None => Err(failed(Text::new("run.script.bad_format").with("format", &script.format))),
        }
    }

    /// The listeners of `event` among `listeners` (of the element `element`), run for
    /// `token`; their writes are applied once all have run.
    fn run_listeners(
        &mut self,
        token: TokenId,
        element: &str,
        listeners: &[Listener],
        event: ListenerEvent,
        task: Option<TaskFacts<'_>>,
    ) -> Result<(), RuntimeError> {
        let mut writes = Map::new();
        for l in listeners.iter().filter(|l| l.event == Some(event)) {
            let what = Text::new("run.script.listener").with("event", event.as_str()).with("tag", &l.tag);
            let outcome = match &l.action {
                ListenerAction::Expression(text) => {
                    let facts = self.facts(element, task);
                    let rec = Recording { vars: visible(&self.state, token), facts, writes: RefCell::default() };
                    expr::evaluate(text, &rec).map_err(|e| RuntimeError::Script {
                        node_id: element.to_owned(),
                        message: Text::new("run.script.failed")
                            .with_text("what", what.clone())
                            .with_text("error", e.text()),
                    })?;
                    rec.writes.into_inner()
                }
                ListenerAction::Script(script) => self.run_script(token, element, script, task, &what)?.writes,
                ListenerAction::Java(_) | ListenerAction::Nothing => {
                    return Err(RuntimeError::Script {
                        node_id: element.to_owned(),
                        message: Text::new("run.script.runs_nothing").with_text("what", what),
                    });
                }
            };
            writes.extend(outcome);
        }
        if !writes.is_empty() {
            set_variables(&mut self.state, token, writes);
        }
        Ok(())
    }

    /// The execution listeners of `event` (start or end) of `node`, for `token`.
    pub(super) fn node_listeners(
        &mut self,
        token: TokenId,
        node: NodeIdx,
        event: ListenerEvent,
    ) -> Result<(), RuntimeError> {
        let n = self.node(node)?;
        if n.listeners.is_empty() {
            return Ok(());
        }
        self.run_listeners(token, &n.id, &n.listeners, event, None)
    }

    /// The task listeners of `event` of the user task `node`, for `token`: the task's id (once
    /// stored), name and assignee are `task.id`, `task.name` and `task.assignee`.
    pub(super) fn task_listeners(
        &mut self,
        token: TokenId,
        node: NodeIdx,
        event: ListenerEvent,
        id: Option<&str>,
        assignee: Option<&str>,
    ) -> Result<(), RuntimeError> {
        let n = self.node(node)?;
        if n.listeners.is_empty() {
            return Ok(());
        }
        let task = TaskFacts { id, name: n.name.as_deref(), assignee };
        self.run_listeners(token, &n.id, &n.listeners, event, Some(task))
    }

    /// The `take` listeners of each flow of `flows`, for `token`.
    pub(super) fn take_listeners(&mut self, token: TokenId, flows: &[FlowIdx]) -> Result<(), RuntimeError> {
        let process = self.process;
        for f in flows.iter().filter_map(|&f| process.flows.get(f)) {
            if !f.listeners.is_empty() {
                self.run_listeners(token, &f.id, &f.listeners, ListenerEvent::Take, None)?;
            }
        }
        Ok(())
    }

    /// A user task `t` is being completed with `variables`: its complete listeners, then its
    /// end listeners, see the variables as they will be, and the stored task (`Env::task`).
    pub(super) fn complete_listeners(&mut self, t: &Token, variables: &Map<String, Value>) -> Result<(), RuntimeError> {
        let n = self.node(t.node)?;
        if n.listeners.is_empty() {
            return Ok(());
        }
        set_variables(&mut self.state, t.id, variables.clone());
        let task = self.env.task;
        self.task_listeners(t.id, t.node, ListenerEvent::Complete, task.map(|x| x.id), task.and_then(|x| x.assignee))?;
        self.node_listeners(t.id, t.node, ListenerEvent::End)
    }

    /// User task `t` was given to `assignee` (claimed, assigned, delegated, reassigned): its
    /// assignment listeners run.
    pub(super) fn assignment_listeners(&mut self, t: &Token, assignee: &str) -> Result<(), RuntimeError> {
        let id = self.env.task.map(|x| x.id);
        self.task_listeners(t.id, t.node, ListenerEvent::Assignment, id, Some(assignee))
    }

    /// Whether the condition of `flow`, written in a script `language`, holds for `token`.
    pub(super) fn script_condition(
        &self,
        token: TokenId,
        flow: FlowIdx,
        language: &str,
        source: &str,
    ) -> Result<bool, RuntimeError> {
        let Some(f) = self.process.flows.get(flow) else { return Ok(false) };
        let script = Script { format: language.to_owned(), source: source.to_owned(), resource: None };
        match self.run_script(token, &f.id, &script, None, &Text::new("run.script.condition"))?.value {
            Value::Bool(b) => Ok(b),
            other => Err(RuntimeError::Script {
                node_id: f.id.clone(),
                message: Text::new("run.script.not_boolean").with("value", other),
            }),
        }
    }

    /// A script task: its script runs, its writes and its value (into the result variable)
    /// go to the token's scope, and the token leaves. Nothing changes when it fails.
    pub(super) fn script_task(&mut self, token: TokenId, node: NodeIdx, task: &ScriptTask) -> Result<(), RuntimeError> {
        let id = self.node_id(node);
        let outcome = self.run_script(token, &id, &task.script, None, &Text::new("run.script.script"))?;
        let mut writes = outcome.writes;
        if let Some(name) = &task.result_variable {
            writes.insert(name.clone(), outcome.value);
        }
        self.history(HistoryKind::Started, token, node);
        set_variables(&mut self.state, token, writes);
        self.history(HistoryKind::Ended, token, node);
        self.queue.push_back(Work::Leave { token });
        Ok(())
    }
}
