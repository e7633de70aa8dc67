//! What the engine can run: the executable subset of BPMN, checked per process.

use super::Unsupported;
use crate::bpmn::model::{Definitions, EventTrigger, FlowNode, NodeKind, Process, TimerDefinition};

const NOT_SUPPORTED: &str = "not supported yet";

/// The reason given for a process whose file says `isExecutable="false"`.
pub const NOT_EXECUTABLE: &str = "process is not executable (isExecutable=\"false\")";

pub(super) fn check_executable(_def: &Definitions, process: &Process) -> Vec<Unsupported> {
    let mut problems = Vec::new();
    let on_process = |reason: &str| Unsupported {
        element_id: process.id.clone(),
        element_type: "process".to_owned(),
        line: process.line,
        reason: reason.to_owned(),
    };
    if !process.is_executable {
        problems.push(on_process(NOT_EXECUTABLE));
    }
    let has_start = process.children(None).any(|(_, n)| matches!(n.kind, NodeKind::StartEvent { .. }));
    if !has_start {
        problems.push(on_process("has no start event"));
    }
    for node in &process.nodes {
        if let Some(reason) = problem(node) {
            problems.push(Unsupported {
                element_id: node.id.clone(),
                element_type: element_type(node),
                line: node.line,
                reason: reason.to_owned(),
            });
        }
    }
    problems
}

/// Why this node cannot run, if it cannot.
fn problem(node: &FlowNode) -> Option<&'static str> {
    use EventTrigger as T;
    let supported = match &node.kind {
        NodeKind::StartEvent { trigger, .. } => matches!(trigger, T::None | T::Timer(_)),
        NodeKind::EndEvent { trigger } => {
            matches!(trigger, T::None | T::Terminate | T::Error { .. })
        }
        NodeKind::IntermediateCatchEvent { trigger } | NodeKind::BoundaryEvent { trigger, .. } => {
            matches!(trigger, T::Timer(_))
        }
        NodeKind::Task
        | NodeKind::UserTask(_)
        | NodeKind::ManualTask
        | NodeKind::ServiceTask(_)
        | NodeKind::CallActivity { .. }
        | NodeKind::ExclusiveGateway
        | NodeKind::ParallelGateway
        | NodeKind::InclusiveGateway => true,
        NodeKind::SubProcess { triggered_by_event } => !triggered_by_event,
        NodeKind::IntermediateThrowEvent { .. }
        | NodeKind::ScriptTask
        | NodeKind::SendTask(_)
        | NodeKind::ReceiveTask { .. }
        | NodeKind::BusinessRuleTask
        | NodeKind::Transaction
        | NodeKind::AdHocSubProcess
        | NodeKind::EventBasedGateway
        | NodeKind::ComplexGateway => false,
    };
    if !supported {
        return Some(NOT_SUPPORTED);
    }
    // Supported kinds that lack what they need to run.
    match &node.kind {
        NodeKind::StartEvent { trigger, .. }
        | NodeKind::IntermediateCatchEvent { trigger }
        | NodeKind::BoundaryEvent { trigger, .. } => match trigger {
            T::Timer(TimerDefinition::Date(v) | TimerDefinition::Duration(v) | TimerDefinition::Cycle(v))
                if v.is_empty() =>
            {
                Some("timer has no timeDate, timeDuration or timeCycle")
            }
            _ => None,
        },
        NodeKind::CallActivity { called_element: None, .. } => Some("call activity has no calledElement"),
        _ => None,
    }
}

/// The tag, with the trigger of an event: `intermediateCatchEvent (message)`.
fn element_type(node: &FlowNode) -> String {
    let trigger = match &node.kind {
        NodeKind::StartEvent { trigger, .. }
        | NodeKind::EndEvent { trigger }
        | NodeKind::IntermediateCatchEvent { trigger }
        | NodeKind::IntermediateThrowEvent { trigger }
        | NodeKind::BoundaryEvent { trigger, .. } => trigger_name(trigger),
        NodeKind::SubProcess { triggered_by_event: true } => Some("event sub-process"),
        _ => None,
    };
    match trigger {
        Some(t) => format!("{} ({t})", node.tag),
        None => node.tag.clone(),
    }
}

fn trigger_name(trigger: &EventTrigger) -> Option<&'static str> {
    Some(match trigger {
        EventTrigger::None => return None,
        EventTrigger::Timer(_) => "timer",
        EventTrigger::Message { .. } => "message",
        EventTrigger::Signal { .. } => "signal",
        EventTrigger::Error { .. } => "error",
        EventTrigger::Escalation { .. } => "escalation",
        EventTrigger::Terminate => "terminate",
        EventTrigger::Conditional => "conditional",
        EventTrigger::Link { .. } => "link",
        EventTrigger::Compensate => "compensate",
        EventTrigger::Cancel => "cancel",
        EventTrigger::Multiple => "multiple",
    })
}
