//! What the engine can run: the executable subset of BPMN, checked per process, and the
//! deploy warnings (what the file sets that the engine ignores).

mod expressions;
mod scripts;
mod services;

use super::{Unsupported, Warning};
use crate::bpmn::model::{CalledBinding, EventTrigger, FlowNode, NodeIdx, NodeKind, Process, TimerDefinition};

/// The start of every reason for an element kind the engine does not run.
const NOT_SUPPORTED: &str = "not supported yet";

/// The reason given for a process whose file says `isExecutable="false"`.
pub const NOT_EXECUTABLE: &str = "process is not executable (isExecutable=\"false\")";

pub(super) fn check_executable(process: &Process) -> Vec<Unsupported> {
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
    problems.extend(expressions::check_expressions(process));
    for (idx, node) in process.nodes.iter().enumerate() {
        if let Some(reason) = problem(process, idx, node).or_else(|| services::service_problem(node)) {
            problems.push(Unsupported {
                element_id: node.id.clone(),
                element_type: element_type(node),
                line: node.line,
                reason,
            });
        }
    }
    problems.extend(scripts::problems(process));
    problems
}

pub(super) fn deploy_warnings(process: &Process) -> Vec<Warning> {
    process
        .nodes
        .iter()
        .flat_map(|n| {
            n.ignored.iter().map(|text| Warning {
                element_id: n.id.clone(),
                element_type: element_type(n),
                line: n.line,
                text: text.clone(),
            })
        })
        .collect()
}

/// Where a node sits, for the triggers its start events may have.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Process,
    SubProcess,
    EventSubProcess,
}

fn scope_of(process: &Process, node: &FlowNode) -> Scope {
    match node.scope.and_then(|s| process.nodes.get(s)).map(|s| &s.kind) {
        None => Scope::Process,
        Some(NodeKind::SubProcess { triggered_by_event: true }) => Scope::EventSubProcess,
        Some(_) => Scope::SubProcess,
    }
}

/// Why this node cannot run, if it cannot.
fn problem(process: &Process, idx: NodeIdx, node: &FlowNode) -> Option<String> {
    use EventTrigger as T;
    let scope = scope_of(process, node);
    let supported = match &node.kind {
        NodeKind::StartEvent { trigger, .. } => match scope {
            Scope::Process => matches!(trigger, T::None | T::Timer(_) | T::Message { .. } | T::Signal { .. }),
            Scope::SubProcess => matches!(trigger, T::None | T::Timer(_)),
            Scope::EventSubProcess => matches!(
                trigger,
                T::Timer(_) | T::Message { .. } | T::Signal { .. } | T::Error { .. } | T::Escalation { .. }
            ),
        },
        NodeKind::EndEvent { trigger } => matches!(
            trigger,
            T::None | T::Terminate | T::Error { .. } | T::Signal { .. } | T::Message { .. } | T::Escalation { .. }
        ),
        NodeKind::IntermediateCatchEvent { trigger } => {
            matches!(trigger, T::Message { .. } | T::Signal { .. } | T::Timer(_) | T::Link { .. })
        }
        NodeKind::IntermediateThrowEvent { trigger } => {
            matches!(trigger, T::None | T::Signal { .. } | T::Message { .. } | T::Escalation { .. } | T::Link { .. })
        }
        NodeKind::BoundaryEvent { trigger, .. } => matches!(
            trigger,
            T::Message { .. } | T::Signal { .. } | T::Timer(_) | T::Error { .. } | T::Escalation { .. }
        ),
        NodeKind::Task
        | NodeKind::UserTask(_)
        | NodeKind::ManualTask
        | NodeKind::ServiceTask(_)
        | NodeKind::SendTask(_)
        | NodeKind::ReceiveTask { .. }
        | NodeKind::CallActivity { .. }
        | NodeKind::SubProcess { .. }
        | NodeKind::ExclusiveGateway
        | NodeKind::ParallelGateway
        | NodeKind::InclusiveGateway
        | NodeKind::EventBasedGateway
        | NodeKind::ScriptTask(_) => true,
        NodeKind::BusinessRuleTask | NodeKind::Transaction | NodeKind::AdHocSubProcess | NodeKind::ComplexGateway => {
            false
        }
    };
    if !supported {
        return Some(not_supported(node, scope));
    }
    // Supported kinds that lack what they need to run.
    match &node.kind {
        NodeKind::StartEvent { trigger, .. }
        | NodeKind::IntermediateCatchEvent { trigger }
        | NodeKind::BoundaryEvent { trigger, .. } => catch_problem(process, node, trigger),
        NodeKind::IntermediateThrowEvent { trigger } | NodeKind::EndEvent { trigger } => {
            throw_problem(process, node, trigger)
        }
        NodeKind::ReceiveTask { message: None } => {
            Some("has no messageRef; name the message it waits for".to_owned())
        }
        NodeKind::CallActivity { called_element: None, .. } => Some("call activity has no calledElement".to_owned()),
        NodeKind::CallActivity { call, .. } => match call.binding {
            CalledBinding::Version if call.version.is_none() => Some(
                "binds to a version (calledElementBinding=\"version\") but names none; add calledElementVersion or bind to the latest version".to_owned(),
            ),
            CalledBinding::VersionTag if call.version_tag.is_none() => Some(
                "binds to a version tag (calledElementBinding=\"versionTag\") but names none; add calledElementVersionTag or bind to the latest version".to_owned(),
            ),
            _ => None,
        },
        NodeKind::SubProcess { triggered_by_event: true } => event_sub_process_problem(process, idx),
        NodeKind::EventBasedGateway => event_gateway_problem(process, node),
        _ => None,
    }
}

/// The reason for an element kind (or trigger) the engine does not run, with what to do.
fn not_supported(node: &FlowNode, scope: Scope) -> String {
    use EventTrigger as T;
    let trigger = match &node.kind {
        NodeKind::StartEvent { trigger, .. }
        | NodeKind::EndEvent { trigger }
        | NodeKind::IntermediateCatchEvent { trigger }
        | NodeKind::IntermediateThrowEvent { trigger }
        | NodeKind::BoundaryEvent { trigger, .. } => Some(trigger),
        _ => None,
    };
    let fix = match (&node.kind, trigger) {
        (NodeKind::BusinessRuleTask, _) => {
            "a business rule task has no implementation here (no decision engine); call the decision service from a service task, or decide in a user task"
        }
        (NodeKind::Transaction, _) | (_, Some(T::Cancel)) => {
            "transactions and cancel events do not run here; model the undo steps explicitly, e.g. with an error boundary event on a sub-process"
        }
        (_, Some(T::Compensate)) => {
            "compensation does not run here; model the undo steps explicitly, e.g. with an error boundary event leading to them"
        }
        (NodeKind::AdHocSubProcess, _) => {
            "ad-hoc sub-processes do not run here; model the tasks with a parallel or inclusive gateway"
        }
        (NodeKind::ComplexGateway, _) => "complex gateways do not run here; use an inclusive or parallel gateway",
        (_, Some(T::Conditional)) => {
            "conditional events do not run here; use an exclusive gateway with conditions, or a message sent when the condition holds"
        }
        (_, Some(T::Multiple)) => {
            "an event with several event definitions does not run here; use one event per trigger (behind an event-based gateway to wait for the first)"
        }
        (NodeKind::StartEvent { .. }, Some(T::None)) if scope == Scope::EventSubProcess => {
            "the start event of an event sub-process needs a trigger; give it a message, signal, timer, error or escalation definition"
        }
        (NodeKind::StartEvent { .. }, Some(_)) if scope == Scope::SubProcess => {
            "the start event of an embedded sub-process has no trigger; remove the event definition"
        }
        (NodeKind::StartEvent { .. }, _) => {
            "a process starts with a none, timer, message or signal start event; put error and escalation start events in an event sub-process"
        }
        (NodeKind::IntermediateCatchEvent { .. }, _) => {
            "an intermediate catch event waits for a message, signal, timer or link; catch errors and escalations with a boundary event or an event sub-process"
        }
        (NodeKind::IntermediateThrowEvent { .. }, _) => {
            "an intermediate throw event raises a message, signal, escalation or link, or nothing; throw an error with an error end event"
        }
        (NodeKind::BoundaryEvent { .. }, _) => {
            "a boundary event catches a message, signal, timer, error or escalation; change its event definition"
        }
        _ => "this kind of end event does not run here; end with none, terminate, error, message, signal or escalation",
    };
    format!("{NOT_SUPPORTED}: {fix}")
}

/// A catch event (start, intermediate, boundary) without what it waits for.
fn catch_problem(process: &Process, node: &FlowNode, trigger: &EventTrigger) -> Option<String> {
    use EventTrigger as T;
    match trigger {
        T::Timer(TimerDefinition::Date(v) | TimerDefinition::Duration(v) | TimerDefinition::Cycle(v))
            if v.is_empty() =>
        {
            Some("timer has no timeDate, timeDuration or timeCycle".to_owned())
        }
        T::Message { name: None } => Some("has no messageRef; name the message it waits for".to_owned()),
        T::Signal { name: None } => Some("has no signalRef; name the signal it waits for".to_owned()),
        T::Link { name: None } => Some("has no link name; name it as the link throw events that jump to it".to_owned()),
        T::Link { name: Some(name) } => {
            let same = process
                .children(node.scope)
                .filter(|(_, n)| {
                    matches!(&n.kind, NodeKind::IntermediateCatchEvent { trigger: T::Link { name: Some(m) } } if m == name)
                })
                .count();
            (same > 1).then(|| {
                format!("{same} link catch events of this scope are named \"{name}\"; give each link a name of its own")
            })
        }
        _ => None,
    }
}

/// A throw event (intermediate, end) without what it throws, or a link throw without its catch.
fn throw_problem(process: &Process, node: &FlowNode, trigger: &EventTrigger) -> Option<String> {
    use EventTrigger as T;
    match trigger {
        T::Signal { name: None } => Some("has no signalRef; name the signal it broadcasts".to_owned()),
        T::Escalation { code: None } => {
            Some("has no escalationRef (or its escalation no escalationCode); name the escalation it raises".to_owned())
        }
        T::Link { name: None } => Some("has no link name; name it as the link catch event it jumps to".to_owned()),
        T::Link { name: Some(name) } => {
            let found = process.children(node.scope).any(|(_, n)| {
                matches!(&n.kind, NodeKind::IntermediateCatchEvent { trigger: T::Link { name: Some(m) } } if m == name)
            });
            (!found).then(|| {
                format!("no link catch event named \"{name}\" in the same scope; add one, or correct the name")
            })
        }
        _ => None,
    }
}

/// An event sub-process has exactly one start event, with a trigger.
fn event_sub_process_problem(process: &Process, idx: NodeIdx) -> Option<String> {
    let starts = process.children(Some(idx)).filter(|(_, n)| matches!(n.kind, NodeKind::StartEvent { .. })).count();
    (starts != 1).then(|| {
        format!(
            "an event sub-process needs exactly one start event (with a message, signal, timer, error or escalation trigger), this one has {starts}; keep one"
        )
    })
}

/// An event-based gateway leads only to catch events and receive tasks.
fn event_gateway_problem(process: &Process, node: &FlowNode) -> Option<String> {
    use EventTrigger as T;
    if node.outgoing.is_empty() {
        return Some(
            "an event-based gateway has no outgoing flow; connect it to the catch events that race".to_owned(),
        );
    }
    for &f in &node.outgoing {
        let Some(target) = process.flows.get(f).and_then(|f| process.nodes.get(f.target)) else {
            continue;
        };
        let ok = matches!(
            &target.kind,
            NodeKind::ReceiveTask { .. }
                | NodeKind::IntermediateCatchEvent { trigger: T::Message { .. } | T::Signal { .. } | T::Timer(_) }
        );
        if !ok {
            return Some(format!(
                "an event-based gateway may only lead to message, signal or timer catch events and receive tasks, but \"{}\" is a {}; put a catch event in front of it",
                target.id,
                element_type(target)
            ));
        }
    }
    None
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
    match trigger {
        EventTrigger::None => None,
        t => Some(t.name()),
    }
}
