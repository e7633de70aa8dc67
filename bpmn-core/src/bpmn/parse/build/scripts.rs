//! Scripts and listeners: a script task's script and result variable, and the execution and
//! task listeners (`camunda:executionListener`, `flowable:taskListener`, ...) of a flow node or
//! sequence flow. What cannot run (a Java class, an external script file) is kept so that the
//! executability check can name it.

use super::super::dom::{El, Ns};
use super::*;
use crate::bpmn::model::{Listener, ListenerAction, ListenerEvent, Script, ScriptTask};

impl<'d> Builder<'d> {
    /// A `<scriptTask>`: `scriptFormat`, the `<script>` text, the result variable.
    pub(super) fn script_task(&self, el: El) -> ScriptTask {
        let doc = self.doc;
        let source = doc.child(el, Ns::Model, "script").map(|c| doc.text(c).to_owned()).unwrap_or_default();
        ScriptTask {
            script: Script {
                format: doc.attr(el, "scriptFormat").unwrap_or_default().trim().to_owned(),
                source,
                resource: ext_string(doc, el, "resource"),
            },
            result_variable: ext_string(doc, el, "resultVariable"),
        }
    }

    /// The execution and task listeners in `el`'s `<extensionElements>`, in file order. A
    /// sequence flow's listener without an event is a `take` listener.
    pub(super) fn listeners(&self, el: El, on_flow: bool) -> Vec<Listener> {
        let doc = self.doc;
        let Some(extensions) = doc.child(el, Ns::Model, "extensionElements") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for c in doc.children(extensions) {
            let name = doc.name(c);
            if doc.ns(c) != Ns::Ext || !matches!(name, "executionListener" | "taskListener") {
                continue;
            }
            let event_name = doc.attr(c, "event").unwrap_or_default().trim();
            let event = match event_name {
                "" if on_flow => Some(ListenerEvent::Take),
                e => ListenerEvent::parse(e),
            };
            out.push(Listener {
                event,
                event_name: event_name.to_owned(),
                action: self.listener_action(c),
                tag: format!("{}:{name}", doc.vendor(c)),
            });
        }
        out
    }

    /// What a listener runs: an expression, a nested script, or Java code.
    fn listener_action(&self, el: El) -> ListenerAction {
        let doc = self.doc;
        if let Some(e) = non_empty(doc.attr(el, "expression").unwrap_or_default()) {
            return ListenerAction::Expression(e);
        }
        if let Some(script) = doc.child(el, Ns::Ext, "script") {
            return ListenerAction::Script(Script {
                format: doc.attr(script, "scriptFormat").unwrap_or_default().trim().to_owned(),
                source: doc.text(script).to_owned(),
                resource: attr_string(doc, script, "resource"),
            });
        }
        ["class", "delegateExpression"]
            .iter()
            .find_map(|a| doc.attr(el, a).map(|v| ListenerAction::Java(format!("{a}=\"{}\"", v.trim()))))
            .unwrap_or(ListenerAction::Nothing)
    }
}
