//! What a file sets on a flow node that the engine does not act on: listeners, form data,
//! loops other than multi-instance, vendor attributes and extension elements that nothing
//! reads. Each becomes one short phrase in `FlowNode::ignored`, shown as a deploy warning.

use super::super::dom::{El, Ns};
use super::*;
use crate::bpmn::model::{NodeKind, ServiceTask};

/// Vendor attributes read on every flow node. `exclusive` only allows jobs of one instance to
/// run at the same time; running them one after the other is always within what it asks.
const READ_EVERYWHERE: &[&str] = &["async", "asyncBefore", "exclusive"];
const READ_USER_TASK: &[&str] = &["assignee", "candidateUsers", "candidateGroups", "dueDate", "priority", "formKey"];
const READ_SERVICE_TASK: &[&str] =
    &["type", "class", "expression", "delegateExpression", "failedJobRetryTimeCycle", "topic", "taskPriority"];
const READ_SCRIPT_TASK: &[&str] = &["resultVariable", "resource"];
const READ_CALL_ACTIVITY: &[&str] = &[
    "calledElementBinding",
    "calledElementVersion",
    "calledElementVersionTag",
    "calledElementType",
    "businessKey",
    "inheritVariables",
    "sameDeployment",
];

/// What some well-known vendor attributes mean, for the phrase.
const ATTRIBUTE_NAMES: &[(&str, &str)] = &[
    ("asyncAfter", "asynchronous continuation after the element"),
    ("initiator", "initiator variable"),
    ("formKey", "form key"),
    ("formFieldValidation", "form field validation"),
    ("jobPriority", "job priority"),
    ("taskPriority", "external task priority"),
    ("topic", "external task topic"),
    ("resultVariable", "result variable"),
    ("resultVariableName", "result variable"),
    ("skipExpression", "skip expression"),
    ("followUpDate", "follow-up date"),
    ("category", "task category"),
    ("owner", "task owner"),
    ("decisionRef", "decision reference"),
    ("triggerable", "triggerable service task"),
    ("completeAsync", "asynchronous completion"),
    ("fallbackToDefaultTenant", "fallback to the default tenant"),
    ("variableMappingClass", "variable mapping class"),
    ("variableMappingDelegateExpression", "variable mapping delegate expression"),
    ("isForCompensation", "compensation handler"),
];

impl<'d> Builder<'d> {
    /// The phrases for everything on `el` (a flow node of kind `kind`) that the engine ignores.
    /// `message_service` is the implementation read from a message throw or end event's
    /// definition: what it reads there is not listed.
    pub(super) fn ignored(&self, el: El, kind: &NodeKind, message_service: Option<&ServiceTask>) -> Vec<String> {
        let doc = self.doc;
        let mut out = Vec::new();
        let read: &[&str] = match kind {
            NodeKind::UserTask(_) => READ_USER_TASK,
            NodeKind::ServiceTask(_) | NodeKind::SendTask(_) => READ_SERVICE_TASK,
            NodeKind::CallActivity { .. } => READ_CALL_ACTIVITY,
            NodeKind::ScriptTask(_) => READ_SCRIPT_TASK,
            _ => &[],
        };
        for (vendor, name, value) in doc.ext_attrs(el) {
            if READ_EVERYWHERE.contains(&name) || read.contains(&name) {
                // A call activity's `calledElementType` is read as "key"; the same goes for
                // an unknown `calledElementBinding`, which calls the latest version.
                let value = value.trim();
                if name == "calledElementType" && !value.eq_ignore_ascii_case("key") {
                    push_unique(
                        &mut out,
                        &format!(
                            "called element type \"{value}\" ({vendor}:{name}); calledElement is read as a process key"
                        ),
                    );
                } else if name == "calledElementBinding"
                    && !["latest", "deployment", "version", "versionTag"].iter().any(|b| value.eq_ignore_ascii_case(b))
                {
                    push_unique(
                        &mut out,
                        &format!("unknown binding \"{value}\" ({vendor}:{name}); the latest version is called"),
                    );
                }
                continue;
            }
            let what = ATTRIBUTE_NAMES.iter().find(|(n, _)| *n == name).map_or("attribute", |(_, w)| w);
            push_unique(&mut out, &format!("{what} ({vendor}:{name})"));
        }
        for name in doc.foreign_attrs(el) {
            push_unique(&mut out, &format!("attribute of another tool ({name})"));
        }
        for c in doc.children(el) {
            if doc.ns(c) != Ns::Model {
                continue;
            }
            match doc.name(c) {
                "standardLoopCharacteristics" => {
                    push_unique(&mut out, "standard loop (standardLoopCharacteristics)");
                }
                "extensionElements" => self.ignored_extensions(c, kind, true, &mut out),
                name if name.ends_with("EventDefinition") => {
                    let service = message_service.filter(|_| name == "messageEventDefinition");
                    for (vendor, attr, _) in doc.ext_attrs(c) {
                        if service.is_some() && READ_SERVICE_TASK.contains(&attr) {
                            continue;
                        }
                        push_unique(&mut out, &format!("attribute of the {name} ({vendor}:{attr})"));
                    }
                    if let Some(ext) = doc.child(c, Ns::Model, "extensionElements") {
                        let kind = service.map_or(NodeKind::Task, |t| NodeKind::SendTask(t.clone()));
                        self.ignored_extensions(ext, &kind, false, &mut out);
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The children of an `<extensionElements>` that nothing reads. `on_node`: the element's
    /// own extensions, whose listeners run (those of an event definition do not).
    fn ignored_extensions(&self, extensions: El, kind: &NodeKind, on_node: bool, out: &mut Vec<String>) {
        let doc = self.doc;
        let service = match kind {
            NodeKind::ServiceTask(t) | NodeKind::SendTask(t) => Some(t),
            _ => None,
        };
        for c in doc.children(extensions) {
            let name = doc.name(c);
            match doc.ns(c) {
                Ns::Foreign => {
                    push_unique(out, &format!("extension element of another tool ({name})"));
                    continue;
                }
                Ns::Ext => {}
                _ => continue,
            }
            let vendor = doc.vendor(c);
            let what = match name {
                "field" | "connector" | "failedJobRetryTimeCycle" if service.is_some() => continue,
                "inputOutput" if service.is_some_and(uses_connector) => continue,
                "in" | "out" if matches!(kind, NodeKind::CallActivity { .. }) => continue,
                // Run (or refused at deploy) by the listeners' check: see `build/scripts.rs`.
                "executionListener" | "taskListener" if on_node => continue,
                "executionListener" => "execution listener",
                "taskListener" => "task listener",
                "formData" => "form data",
                "formProperty" => "form property",
                "formField" => "form field",
                "inputOutput" => "input/output mapping",
                "properties" => "properties",
                "field" => "field injection",
                "connector" => "connector",
                "failedJobRetryTimeCycle" => "retry time cycle",
                "in" | "out" => "variable mapping",
                "eventListener" => "event listener",
                _ => "extension element",
            };
            push_unique(out, &format!("{what} ({vendor}:{name})"));
        }
    }
}

/// A service or send task whose Camunda input/output parameters the web-service call reads:
/// it names a connector or a `url` parameter.
fn uses_connector(task: &ServiceTask) -> bool {
    task.connector_id.is_some() || task.input_parameters.iter().any(|(n, _)| n == "url")
}
