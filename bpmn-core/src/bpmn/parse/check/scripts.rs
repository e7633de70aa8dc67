//! What the engine refuses among scripts and listeners: script formats it does not run
//! (`groovy`, `python`, ...), external script files, listeners that run Java code
//! (`class`, `delegateExpression`) and listener events an element does not have.

use super::{element_type, Unsupported};
use crate::bpmn::model::{Listener, ListenerAction, ListenerEvent, NodeKind, Process, Script, ScriptLanguage};

/// The problems of every script and listener of `process`.
pub(super) fn problems(process: &Process) -> Vec<Unsupported> {
    let mut out = Vec::new();
    for node in &process.nodes {
        let mut reasons = Vec::new();
        if let NodeKind::ScriptTask(task) = &node.kind {
            reasons.extend(script_problem(&task.script, "the script task"));
        }
        let user_task = matches!(node.kind, NodeKind::UserTask(_));
        for l in &node.listeners {
            reasons.extend(listener_problem(l, |e| match e {
                ListenerEvent::Start | ListenerEvent::End => true,
                ListenerEvent::Take => false,
                _ => user_task && l.tag.ends_with("taskListener"),
            }));
        }
        let at = |reason| Unsupported {
            element_id: node.id.clone(),
            element_type: element_type(node),
            line: node.line,
            reason,
        };
        out.extend(reasons.into_iter().map(at));
    }
    for flow in &process.flows {
        let mut reasons = Vec::new();
        // A language named by a URI (XPath, FEEL) is an expression language, read as an
        // expression as before; a script engine's name must be one that runs.
        let is_script_name = |l: &str| !l.contains([':', '/']);
        if let (Some(language), Some(source)) = (&flow.condition_language, &flow.condition) {
            if is_script_name(language) {
                let script = Script { format: language.clone(), source: source.clone(), resource: None };
                reasons.extend(script_problem(&script, "the condition"));
            }
        }
        for l in &flow.listeners {
            reasons.extend(listener_problem(l, |e| e == ListenerEvent::Take));
        }
        out.extend(reasons.into_iter().map(|reason| Unsupported {
            element_id: flow.id.clone(),
            element_type: "sequenceFlow".to_owned(),
            line: flow.line,
            reason,
        }));
    }
    out
}

/// Why `script` (of `what`) cannot run, if it cannot.
fn script_problem(script: &Script, what: &str) -> Option<String> {
    if let Some(resource) = &script.resource {
        return Some(format!(
            "{what} names an external script file (resource \"{resource}\"), which is not read; put the script's text inside the element"
        ));
    }
    if ScriptLanguage::of(&script.format).is_none() {
        let format = if script.format.is_empty() { "(none)" } else { script.format.as_str() };
        return Some(format!(
            "{what} is written in script format \"{format}\", which does not run here; write it in JavaScript (scriptFormat=\"javascript\")"
        ));
    }
    script.source.trim().is_empty().then(|| format!("{what} has no script text; write the script or remove it"))
}

/// Why the listener `l` cannot run, if it cannot; `fits` tells whether its event belongs to
/// the element it is on.
fn listener_problem(l: &Listener, fits: impl Fn(ListenerEvent) -> bool) -> Option<String> {
    let tag = &l.tag;
    let fix = "use expression=\"${...}\" or a nested <camunda:script scriptFormat=\"javascript\">";
    match &l.action {
        ListenerAction::Java(what) => {
            return Some(format!("the {tag} runs Java code ({what}), which this engine cannot run; {fix}"));
        }
        ListenerAction::Nothing => return Some(format!("the {tag} names nothing to run; {fix}")),
        ListenerAction::Script(script) => {
            if let Some(problem) = script_problem(script, &format!("the {tag}'s script")) {
                return Some(problem);
            }
        }
        ListenerAction::Expression(_) => {}
    }
    match l.event {
        Some(e) if fits(e) => None,
        _ => Some(format!(
            "the {tag}'s event \"{}\" does not happen on this element; execution listeners run on start or end (take on a sequence flow), task listeners of a user task on create, assignment or complete",
            l.event_name
        )),
    }
}
