//! What a file sets on a flow node that the engine does not act on: listeners, form data,
//! loops other than multi-instance, vendor attributes and extension elements that nothing
//! reads. Each becomes one short phrase in `FlowNode::ignored`, shown as a deploy warning:
//! the English of a `check.ignored.*` text, which [`Warning::what`](crate::bpmn::parse::Warning::what)
//! reads back.

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

/// What some well-known vendor attributes mean: the phrase naming one, `{vendor}:{name}`.
const ATTRIBUTE_NAMES: &[(&str, &str)] = &[
    ("asyncAfter", "check.ignored.async_after"),
    ("initiator", "check.ignored.initiator"),
    ("formKey", "check.ignored.form_key"),
    ("formFieldValidation", "check.ignored.form_field_validation"),
    ("jobPriority", "check.ignored.job_priority"),
    ("taskPriority", "check.ignored.external_task_priority"),
    ("topic", "check.ignored.external_task_topic"),
    ("resultVariable", "check.ignored.result_variable"),
    ("resultVariableName", "check.ignored.result_variable"),
    ("skipExpression", "check.ignored.skip_expression"),
    ("followUpDate", "check.ignored.follow_up_date"),
    ("category", "check.ignored.task_category"),
    ("owner", "check.ignored.task_owner"),
    ("decisionRef", "check.ignored.decision_ref"),
    ("triggerable", "check.ignored.triggerable"),
    ("completeAsync", "check.ignored.complete_async"),
    ("fallbackToDefaultTenant", "check.ignored.fallback_tenant"),
    ("variableMappingClass", "check.ignored.variable_mapping_class"),
    ("variableMappingDelegateExpression", "check.ignored.variable_mapping_delegate"),
    ("isForCompensation", "check.ignored.compensation_handler"),
];

/// Adds the English of `text` to `out`, once.
fn add(out: &mut Vec<String>, text: Text) {
    push_unique(out, &text.english());
}

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
                let key = if name == "calledElementType" && !value.eq_ignore_ascii_case("key") {
                    "check.ignored.called_element_type"
                } else if name == "calledElementBinding"
                    && !["latest", "deployment", "version", "versionTag"].iter().any(|b| value.eq_ignore_ascii_case(b))
                {
                    "check.ignored.unknown_binding"
                } else {
                    continue;
                };
                add(&mut out, Text::new(key).with("value", value).with("vendor", vendor).with("name", name));
                continue;
            }
            let key = ATTRIBUTE_NAMES.iter().find(|(n, _)| *n == name).map_or("check.ignored.attribute", |(_, k)| k);
            add(&mut out, Text::new(key).with("vendor", vendor).with("name", name));
        }
        for name in doc.foreign_attrs(el) {
            add(&mut out, Text::new("check.ignored.foreign_attribute").with("name", name));
        }
        for c in doc.children(el) {
            if doc.ns(c) != Ns::Model {
                continue;
            }
            match doc.name(c) {
                "standardLoopCharacteristics" => add(&mut out, Text::new("check.ignored.standard_loop")),
                "extensionElements" => self.ignored_extensions(c, kind, true, &mut out),
                name if name.ends_with("EventDefinition") => {
                    let service = message_service.filter(|_| name == "messageEventDefinition");
                    for (vendor, attr, _) in doc.ext_attrs(c) {
                        if service.is_some() && READ_SERVICE_TASK.contains(&attr) {
                            continue;
                        }
                        let text = Text::new("check.ignored.definition_attribute")
                            .with("definition", name)
                            .with("vendor", vendor)
                            .with("name", attr);
                        add(&mut out, text);
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
                    add(out, Text::new("check.ignored.foreign_extension").with("name", name));
                    continue;
                }
                Ns::Ext => {}
                _ => continue,
            }
            let vendor = doc.vendor(c);
            let key = match name {
                "field" | "connector" | "failedJobRetryTimeCycle" if service.is_some() => continue,
                "inputOutput" if service.is_some_and(uses_connector) => continue,
                "in" | "out" if matches!(kind, NodeKind::CallActivity { .. }) => continue,
                // Run (or refused at deploy) by the listeners' check: see `build/scripts.rs`.
                "executionListener" | "taskListener" if on_node => continue,
                "executionListener" => "check.ignored.execution_listener",
                "taskListener" => "check.ignored.task_listener",
                "formData" => "check.ignored.form_data",
                "formProperty" => "check.ignored.form_property",
                "formField" => "check.ignored.form_field",
                "inputOutput" => "check.ignored.input_output",
                "properties" => "check.ignored.properties",
                "field" => "check.ignored.field_injection",
                "connector" => "check.ignored.connector",
                "failedJobRetryTimeCycle" => "check.ignored.retry_time_cycle",
                "in" | "out" => "check.ignored.variable_mapping",
                "eventListener" => "check.ignored.event_listener",
                _ => "check.ignored.extension_element",
            };
            add(out, Text::new(key).with("vendor", vendor).with("name", name));
        }
    }
}

/// A service or send task whose Camunda input/output parameters the web-service call reads:
/// it names a connector or a `url` parameter.
fn uses_connector(task: &ServiceTask) -> bool {
    task.connector_id.is_some() || task.input_parameters.iter().any(|(n, _)| n == "url")
}
