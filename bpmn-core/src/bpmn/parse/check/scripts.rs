//! What the engine refuses among scripts and listeners: script formats it does not run
//! (`groovy`, `python`, ...), external script files, listeners that run Java code
//! (`class`, `delegateExpression`) and listener events an element does not have.

use super::Found;
use crate::bpmn::model::{Listener, ListenerAction, ListenerEvent, NodeKind, Process, Script, ScriptLanguage};
use crate::text::Text;

/// The problems of every script and listener of `process`.
pub(super) fn problems(process: &Process) -> Vec<Found> {
    let mut out = Vec::new();
    for node in &process.nodes {
        let mut reasons = Vec::new();
        if let NodeKind::ScriptTask(task) = &node.kind {
            reasons.extend(script_problem(&task.script, Text::new("check.subject.script_task")));
        }
        let user_task = matches!(node.kind, NodeKind::UserTask(_));
        for l in &node.listeners {
            reasons.extend(listener_problem(l, |e| match e {
                ListenerEvent::Start | ListenerEvent::End => true,
                ListenerEvent::Take => false,
                _ => user_task && l.tag.ends_with("taskListener"),
            }));
        }
        out.extend(reasons.into_iter().map(|text| Found::on_node(node, text)));
    }
    for flow in &process.flows {
        let mut reasons = Vec::new();
        // A language named by a URI (XPath, FEEL) is an expression language, read as an
        // expression as before; a script engine's name must be one that runs.
        let is_script_name = |l: &str| !l.contains([':', '/']);
        if let (Some(language), Some(source)) = (&flow.condition_language, &flow.condition) {
            if is_script_name(language) {
                let script = Script { format: language.clone(), source: source.clone(), resource: None };
                reasons.extend(script_problem(&script, Text::new("check.subject.condition")));
            }
        }
        for l in &flow.listeners {
            reasons.extend(listener_problem(l, |e| e == ListenerEvent::Take));
        }
        out.extend(reasons.into_iter().map(|text| Found::new(&flow.id, "sequenceFlow".to_owned(), flow.line, text)));
    }
    out
}

/// Why `script` (of `what`, a `check.subject.*` text) cannot run, if it cannot.
fn script_problem(script: &Script, what: Text) -> Option<Text> {
    if let Some(resource) = &script.resource {
        return Some(Text::new("check.script_resource").with_text("what", what).with("resource", resource));
    }
    if ScriptLanguage::of(&script.format).is_none() {
        return Some(if script.format.is_empty() {
            Text::new("check.script_format_missing").with_text("what", what)
        } else {
            Text::new("check.script_format").with_text("what", what).with("format", &script.format)
        });
    }
    script.source.trim().is_empty().then(|| Text::new("check.script_empty").with_text("what", what))
}

/// Why the listener `l` cannot run, if it cannot; `fits` tells whether its event belongs to
/// the element it is on.
fn listener_problem(l: &Listener, fits: impl Fn(ListenerEvent) -> bool) -> Option<Text> {
    let tag = &l.tag;
    let fix = || Text::new("check.fix.listener");
    match &l.action {
        ListenerAction::Java(java) => {
            return Some(Text::new("check.listener_java").with("tag", tag).with("java", java).with_text("fix", fix()));
        }
        ListenerAction::Nothing => {
            return Some(Text::new("check.listener_nothing").with("tag", tag).with_text("fix", fix()));
        }
        ListenerAction::Script(script) => {
            if let Some(problem) = script_problem(script, Text::new("check.subject.listener_script").with("tag", tag)) {
                return Some(problem);
            }
        }
        ListenerAction::Expression(_) => {}
    }
    match l.event {
        Some(e) if fits(e) => None,
        _ => Some(Text::new("check.listener_event").with("tag", tag).with("event", &l.event_name)),
    }
}
