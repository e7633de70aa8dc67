//! The deploy check of expressions: every expression of a process (conditions, assignees,
//! candidates, due dates, message and signal names, timers, multi-instance settings, call
//! activity settings, service-task fields and parameters) is parsed, and a syntax error or an
//! unknown function is reported on its element with the attribute and the position, so that a
//! typo is found when the file is deployed rather than when a token reaches it.

use super::Found;
use crate::bpmn::model::{EventTrigger, FlowNode, NodeKind, Process, ServiceTask, TimerDefinition};
use crate::runtime::expr;
use crate::text::Text;

/// One problem per expression that does not parse.
pub(super) fn check_expressions(process: &Process) -> Vec<Found> {
    let mut problems = Vec::new();
    for flow in &process.flows {
        if let Some(text) = &flow.condition {
            if let Err(e) = expr::check(text) {
                let text = reason("conditionExpression", &e);
                problems.push(Found::new(&flow.id, "sequenceFlow".to_owned(), flow.line, text));
            }
        }
    }
    for node in &process.nodes {
        for (attribute, text) in node_expressions(node) {
            if let Err(e) = expr::check(text) {
                problems.push(Found::on_node(node, reason(&attribute, &e)));
            }
        }
    }
    problems
}

/// The expression's error is the runtime's sentence (`{error}`), shown as it is.
fn reason(attribute: &str, e: &expr::ExprError) -> Text {
    Text::new("check.bad_expression").with("attribute", attribute).with_text("error", e.text())
}

/// The texts of `node` that are evaluated as expressions, with the attribute each comes from.
fn node_expressions(node: &FlowNode) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = Vec::new();
    match &node.kind {
        NodeKind::StartEvent { trigger, .. }
        | NodeKind::EndEvent { trigger }
        | NodeKind::IntermediateCatchEvent { trigger }
        | NodeKind::IntermediateThrowEvent { trigger }
        | NodeKind::BoundaryEvent { trigger, .. } => match trigger {
            EventTrigger::Message { name } => push(&mut out, "messageRef name", name.as_ref()),
            EventTrigger::Signal { name } => push(&mut out, "signalRef name", name.as_ref()),
            EventTrigger::Timer(def) => {
                let (attribute, text) = match def {
                    TimerDefinition::Date(t) => ("timeDate", t),
                    TimerDefinition::Duration(t) => ("timeDuration", t),
                    TimerDefinition::Cycle(t) => ("timeCycle", t),
                };
                push(&mut out, attribute, Some(text));
            }
            _ => {}
        },
        NodeKind::UserTask(task) => {
            push(&mut out, "assignee", task.assignee.as_ref());
            push(&mut out, "dueDate", task.due_date.as_ref());
            push(&mut out, "priority", task.priority.as_ref());
            for t in &task.candidate_users {
                push(&mut out, "candidateUsers", Some(t));
            }
            for t in &task.candidate_groups {
                push(&mut out, "candidateGroups", Some(t));
            }
        }
        NodeKind::ReceiveTask { message } => push(&mut out, "messageRef name", message.as_ref()),
        NodeKind::CallActivity { called_element, call } => {
            push(&mut out, "calledElement", called_element.as_ref());
            push(&mut out, "calledElementVersion", call.version.as_ref());
            push(&mut out, "calledElementVersionTag", call.version_tag.as_ref());
            push(&mut out, "businessKey", call.business_key.as_ref());
            for m in &call.inputs {
                push(&mut out, "in sourceExpression", m.source_expression.as_ref());
            }
            for m in &call.outputs {
                push(&mut out, "out sourceExpression", m.source_expression.as_ref());
            }
        }
        _ => {}
    }
    if let Some(mi) = &node.multi_instance {
        push(&mut out, "multiInstance collection", mi.collection.as_ref());
        push(&mut out, "loopCardinality", mi.cardinality.as_ref());
        push(&mut out, "completionCondition", mi.completion_condition.as_ref());
    }
    let service = match &node.kind {
        NodeKind::ServiceTask(s) | NodeKind::SendTask(s) => Some(s),
        _ => node.message_service.as_deref(),
    };
    if let Some(s) = service {
        out.extend(service_expressions(s));
    }
    out
}

/// Adds `text`, if there is one, as the expression of `attribute`.
fn push<'n>(out: &mut Vec<(String, &'n str)>, attribute: &str, text: Option<&'n String>) {
    if let Some(t) = text {
        out.push((attribute.to_owned(), t.as_str()));
    }
}

/// A service call's field values and input/output parameters that hold an expression.
fn service_expressions(s: &ServiceTask) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let lists =
        [("field", &s.fields), ("inputParameter", &s.input_parameters), ("outputParameter", &s.output_parameters)];
    for (kind, list) in lists {
        for (name, text) in list {
            if text.contains("${") || text.contains("#{") {
                out.push((format!("{kind} \"{name}\""), text.as_str()));
            }
        }
    }
    out
}
