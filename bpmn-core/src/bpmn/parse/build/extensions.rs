//! The details of tasks and events, many of them read from vendor extension elements:
//! timers, user tasks, service tasks (fields, input/output), multi-instance.

use super::super::dom::{El, Ns};
use super::*;
use crate::bpmn::model::{
    CallSpec, CalledBinding, MultiInstance, ServiceTask, TimerDefinition, UserTask, VariableMapping,
};

impl<'d> Builder<'d> {
    /// A timer without `timeDate`/`timeDuration`/`timeCycle` (allowed by the schema, and
    /// found in reference models) becomes an empty duration, which `check_executable` refuses.
    pub(super) fn timer(&self, el: El) -> TimerDefinition {
        let doc = self.doc;
        for c in doc.children(el) {
            if doc.ns(c) != Ns::Model {
                continue;
            }
            let text = doc.text(c).to_owned();
            match doc.name(c) {
                "timeDate" => return TimerDefinition::Date(text),
                "timeDuration" => return TimerDefinition::Duration(text),
                "timeCycle" => return TimerDefinition::Cycle(text),
                _ => {}
            }
        }
        TimerDefinition::Duration(String::new())
    }

    pub(super) fn user_task(&self, el: El) -> UserTask {
        let doc = self.doc;
        let mut task = UserTask::default();
        // Standard BPMN: <potentialOwner>/<humanPerformer> with a formal expression, often
        // written the Activiti way: `user(kermit), group(management)`.
        for role in doc.children(el) {
            if doc.ns(role) != Ns::Model {
                continue;
            }
            let performer = match doc.name(role) {
                "humanPerformer" => true,
                "potentialOwner" => false,
                _ => continue,
            };
            let Some(expr) = doc.child(role, Ns::Model, "resourceAssignmentExpression") else {
                continue;
            };
            let text = doc
                .children(expr)
                .find(|&c| doc.ns(c) == Ns::Model && matches!(doc.name(c), "formalExpression" | "expression"))
                .map_or_else(|| doc.text(expr), |c| doc.text(c));
            for item in split_list(text) {
                if let Some(group) = wrapped(item, "group(") {
                    push_unique(&mut task.candidate_groups, group);
                    continue;
                }
                let user = wrapped(item, "user(").unwrap_or(item);
                if performer && task.assignee.is_none() {
                    task.assignee = Some(user.to_owned());
                } else {
                    push_unique(&mut task.candidate_users, user);
                }
            }
        }
        // Camunda/Flowable/Activiti attributes win over the standard notation.
        if let Some(assignee) = ext_string(doc, el, "assignee") {
            task.assignee = Some(assignee);
        }
        for user in split_list(doc.ext_attr(el, "candidateUsers").unwrap_or_default()) {
            push_unique(&mut task.candidate_users, user);
        }
        for group in split_list(doc.ext_attr(el, "candidateGroups").unwrap_or_default()) {
            push_unique(&mut task.candidate_groups, group);
        }
        task.due_date = ext_string(doc, el, "dueDate");
        task.priority = ext_string(doc, el, "priority");
        task.form_key = ext_string(doc, el, "formKey");
        task
    }

    pub(super) fn service_task(&self, el: El) -> ServiceTask {
        let doc = self.doc;
        let mut task = ServiceTask {
            task_type: ext_string(doc, el, "type"),
            implementation: attr_string(doc, el, "implementation"),
            class: ext_string(doc, el, "class"),
            expression: ext_string(doc, el, "expression"),
            delegate_expression: ext_string(doc, el, "delegateExpression"),
            retry_time_cycle: ext_string(doc, el, "failedJobRetryTimeCycle"),
            topic: ext_string(doc, el, "topic"),
            priority: ext_string(doc, el, "taskPriority"),
            ..ServiceTask::default()
        };
        let Some(extensions) = doc.child(el, Ns::Model, "extensionElements") else {
            return task;
        };
        for c in doc.children(extensions) {
            if doc.ns(c) != Ns::Ext {
                continue;
            }
            match doc.name(c) {
                "field" => {
                    if let Some(field) = self.field(c) {
                        task.fields.push(field);
                    }
                }
                "connector" => {
                    if let Some(id) = doc.child(c, Ns::Ext, "connectorId") {
                        task.connector_id = non_empty(doc.text(id));
                    }
                    if let Some(io) = doc.child(c, Ns::Ext, "inputOutput") {
                        self.input_output(io, &mut task);
                    }
                }
                "inputOutput" => self.input_output(c, &mut task),
                // The attribute, read above, wins over the element.
                "failedJobRetryTimeCycle" if task.retry_time_cycle.is_none() => {
                    task.retry_time_cycle = non_empty(doc.text(c));
                }
                _ => {}
            }
        }
        task
    }

    /// `<flowable:field name="...">`: value from `stringValue`/`expression` attributes or a
    /// `<string>`/`<expression>` child.
    pub(super) fn field(&self, el: El) -> Option<(String, String)> {
        let doc = self.doc;
        let name = doc.attr(el, "name")?.trim();
        let value = doc
            .attr(el, "stringValue")
            .or_else(|| doc.attr(el, "expression"))
            .or_else(|| {
                doc.children(el)
                    .find(|&c| doc.ns(c) == Ns::Ext && matches!(doc.name(c), "string" | "expression"))
                    .map(|c| doc.text(c))
            })
            .unwrap_or_default();
        Some((name.to_owned(), value.trim().to_owned()))
    }

    /// Camunda `<inputOutput>` parameters. A parameter holding a script, list or map keeps
    /// the text of that first child.
    pub(super) fn input_output(&self, el: El, task: &mut ServiceTask) {
        let doc = self.doc;
        for c in doc.children(el) {
            if doc.ns(c) != Ns::Ext {
                continue;
            }
            let list = match doc.name(c) {
                "inputParameter" => &mut task.input_parameters,
                "outputParameter" => &mut task.output_parameters,
                _ => continue,
            };
            let Some(name) = doc.attr(c, "name") else {
                continue;
            };
            let mut value = doc.text(c);
            if value.is_empty() {
                if let Some(inner) = doc.children(c).next() {
                    value = doc.text(inner);
                }
            }
            list.push((name.to_owned(), value.to_owned()));
        }
    }

    pub(super) fn multi_instance(&self, el: El) -> MultiInstance {
        let doc = self.doc;
        let child_text = |name: &str| doc.child(el, Ns::Model, name).and_then(|c| non_empty(doc.text(c)));
        MultiInstance {
            sequential: bool_attr(doc, el, "isSequential", false),
            collection: ext_string(doc, el, "collection").or_else(|| child_text("loopDataInputRef")),
            element_variable: ext_string(doc, el, "elementVariable").or_else(|| {
                doc.child(el, Ns::Model, "inputDataItem")
                    .and_then(|item| attr_string(doc, item, "name").or_else(|| attr_string(doc, item, "id")))
            }),
            cardinality: child_text("loopCardinality"),
            completion_condition: child_text("completionCondition"),
        }
    }
}

impl<'d> Builder<'d> {
    /// How a call activity calls its process: the version binding (`calledElementBinding`,
    /// `calledElementVersion`, `calledElementVersionTag`, Flowable's `sameDeployment`), the
    /// business key (`flowable:businessKey` or `camunda:in businessKey="…"`) and the
    /// `in`/`out` variable mappings of Camunda, Flowable and Activiti alike.
    pub(super) fn call_spec(&self, el: El) -> CallSpec {
        let doc = self.doc;
        let mut spec = CallSpec {
            version: ext_string(doc, el, "calledElementVersion"),
            version_tag: ext_string(doc, el, "calledElementVersionTag"),
            business_key: ext_string(doc, el, "businessKey"),
            inputs_all: doc.ext_attr(el, "inheritVariables").and_then(parse_bool).unwrap_or(false),
            ..CallSpec::default()
        };
        spec.binding = match doc.ext_attr(el, "calledElementBinding").map(str::trim) {
            Some(b) if b.eq_ignore_ascii_case("deployment") => CalledBinding::Deployment,
            Some(b) if b.eq_ignore_ascii_case("version") => CalledBinding::Version,
            Some(b) if b.eq_ignore_ascii_case("versionTag") => CalledBinding::VersionTag,
            // `latest`, and an unknown value (listed as ignored).
            Some(_) => CalledBinding::Latest,
            None if doc.ext_attr(el, "sameDeployment").and_then(parse_bool) == Some(true) => CalledBinding::Deployment,
            None => CalledBinding::Latest,
        };
        let Some(extensions) = doc.child(el, Ns::Model, "extensionElements") else {
            return spec;
        };
        for c in doc.children(extensions) {
            if doc.ns(c) != Ns::Ext {
                continue;
            }
            let input = match doc.name(c) {
                "in" => true,
                "out" => false,
                _ => continue,
            };
            if input {
                if let Some(key) = attr_string(doc, c, "businessKey") {
                    spec.business_key = Some(key);
                    continue;
                }
            }
            if attr_string(doc, c, "variables").is_some_and(|v| v.eq_ignore_ascii_case("all")) {
                if input {
                    spec.inputs_all = true;
                } else {
                    spec.outputs_all = true;
                }
                continue;
            }
            let mapping = VariableMapping {
                source: attr_string(doc, c, "source"),
                source_expression: attr_string(doc, c, "sourceExpression"),
                target: attr_string(doc, c, "target"),
                local: bool_attr(doc, c, "local", false),
            };
            if mapping.source.is_none() && mapping.source_expression.is_none() && mapping.target.is_none() {
                continue;
            }
            if input {
                spec.inputs.push(mapping);
            } else {
                spec.outputs.push(mapping);
            }
        }
        spec
    }
}
