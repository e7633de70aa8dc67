//! What the engine can run: the executable subset of BPMN, checked per process, and the
//! deploy warnings (what the file sets that the engine ignores).

mod expressions;
pub(super) mod read_back;
mod scripts;
mod services;

use super::{Unsupported, Warning};
use crate::bpmn::model::{CalledBinding, EventTrigger, FlowNode, NodeIdx, NodeKind, Process, TimerDefinition};
use crate::text::Text;

/// The reason given for a process whose file says `isExecutable="false"` (the English of
/// `check.not_executable`).
pub const NOT_EXECUTABLE: &str = "process is not executable (isExecutable=\"false\")";

/// One reason why an element cannot run: the entry, whose `reason` is the English of `text`.
pub(super) struct Found {
    pub entry: Unsupported,
    /// Kept for the tests, which check that the English reads back as this text.
    #[cfg_attr(not(test), allow(dead_code))]
    pub text: Text,
}

impl Found {
    fn new(element_id: &str, element_type: String, line: u32, text: Text) -> Found {
        let entry = Unsupported { element_id: element_id.to_owned(), element_type, line, reason: text.english() };
        Found { entry, text }
    }

    /// A reason about flow node `node`.
    fn on_node(node: &FlowNode, text: Text) -> Found {
        Found::new(&node.id, element_type(node), node.line, text)
    }
}

pub(super) fn check_executable(process: &Process) -> Vec<Unsupported> {
    check_texts(process).into_iter().map(|f| f.entry).collect()
}

/// The reasons of [`check_executable`], each with its sentence.
pub(super) fn check_texts(process: &Process) -> Vec<Found> {
    let mut problems = Vec::new();
    let on_process = |text: Text| Found::new(&process.id, "process".to_owned(), process.line, text);
    if !process.is_executable {
        problems.push(on_process(Text::new("check.not_executable")));
    }
    let has_start = process.children(None).any(|(_, n)| matches!(n.kind, NodeKind::StartEvent { .. }));
    if !has_start {
        problems.push(on_process(Text::new("check.no_start_event")));
    }
    problems.extend(expressions::check_expressions(process));
    for (idx, node) in process.nodes.iter().enumerate() {
        if let Some(text) = problem(process, idx, node).or_else(|| services::service_problem(node)) {
            problems.push(Found::on_node(node, text));
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
fn problem(process: &Process, idx: NodeIdx, node: &FlowNode) -> Option<Text> {
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
        NodeKind::ReceiveTask { message: None } => Some(Text::new("check.no_message_ref")),
        NodeKind::CallActivity { called_element: None, .. } => Some(Text::new("check.no_called_element")),
        NodeKind::CallActivity { call, .. } => match call.binding {
            CalledBinding::Version if call.version.is_none() => Some(Text::new("check.no_called_version")),
            CalledBinding::VersionTag if call.version_tag.is_none() => Some(Text::new("check.no_called_version_tag")),
            _ => None,
        },
        NodeKind::SubProcess { triggered_by_event: true } => event_sub_process_problem(process, idx),
        NodeKind::EventBasedGateway => event_gateway_problem(process, node),
        _ => None,
    }
}

/// The reason for an element kind (or trigger) the engine does not run, with what to do:
/// "not supported yet: ...".
fn not_supported(node: &FlowNode, scope: Scope) -> Text {
    use EventTrigger as T;
    let trigger = match &node.kind {
        NodeKind::StartEvent { trigger, .. }
        | NodeKind::EndEvent { trigger }
        | NodeKind::IntermediateCatchEvent { trigger }
        | NodeKind::IntermediateThrowEvent { trigger }
        | NodeKind::BoundaryEvent { trigger, .. } => Some(trigger),
        _ => None,
    };
    Text::new(match (&node.kind, trigger) {
        (NodeKind::BusinessRuleTask, _) => "check.unsupported.business_rule_task",
        (NodeKind::Transaction, _) | (_, Some(T::Cancel)) => "check.unsupported.transaction",
        (_, Some(T::Compensate)) => "check.unsupported.compensation",
        (NodeKind::AdHocSubProcess, _) => "check.unsupported.ad_hoc",
        (NodeKind::ComplexGateway, _) => "check.unsupported.complex_gateway",
        (_, Some(T::Conditional)) => "check.unsupported.conditional",
        (_, Some(T::Multiple)) => "check.unsupported.multiple",
        (NodeKind::StartEvent { .. }, Some(T::None)) if scope == Scope::EventSubProcess => {
            "check.unsupported.event_sub_process_start"
        }
        (NodeKind::StartEvent { .. }, Some(_)) if scope == Scope::SubProcess => "check.unsupported.sub_process_start",
        (NodeKind::StartEvent { .. }, _) => "check.unsupported.start_event",
        (NodeKind::IntermediateCatchEvent { .. }, _) => "check.unsupported.intermediate_catch",
        (NodeKind::IntermediateThrowEvent { .. }, _) => "check.unsupported.intermediate_throw",
        (NodeKind::BoundaryEvent { .. }, _) => "check.unsupported.boundary_event",
        _ => "check.unsupported.end_event",
    })
}

/// A catch event (start, intermediate, boundary) without what it waits for.
fn catch_problem(process: &Process, node: &FlowNode, trigger: &EventTrigger) -> Option<Text> {
    use EventTrigger as T;
    match trigger {
        T::Timer(TimerDefinition::Date(v) | TimerDefinition::Duration(v) | TimerDefinition::Cycle(v))
            if v.is_empty() =>
        {
            Some(Text::new("check.timer_without_time"))
        }
        T::Message { name: None } => Some(Text::new("check.no_message_ref")),
        T::Signal { name: None } => Some(Text::new("check.no_signal_ref_catch")),
        T::Link { name: None } => Some(Text::new("check.link_catch_unnamed")),
        T::Link { name: Some(name) } => {
            let same = process
                .children(node.scope)
                .filter(|(_, n)| {
                    matches!(&n.kind, NodeKind::IntermediateCatchEvent { trigger: T::Link { name: Some(m) } } if m == name)
                })
                .count();
            (same > 1).then(|| Text::new("check.link_name_twice").with("count", same).with("name", name))
        }
        _ => None,
    }
}

/// A throw event (intermediate, end) without what it throws, or a link throw without its catch.
fn throw_problem(process: &Process, node: &FlowNode, trigger: &EventTrigger) -> Option<Text> {
    use EventTrigger as T;
    match trigger {
        T::Signal { name: None } => Some(Text::new("check.no_signal_ref_throw")),
        T::Escalation { code: None } => Some(Text::new("check.no_escalation_ref")),
        T::Link { name: None } => Some(Text::new("check.link_throw_unnamed")),
        T::Link { name: Some(name) } => {
            let found = process.children(node.scope).any(|(_, n)| {
                matches!(&n.kind, NodeKind::IntermediateCatchEvent { trigger: T::Link { name: Some(m) } } if m == name)
            });
            (!found).then(|| Text::new("check.link_catch_missing").with("name", name))
        }
        _ => None,
    }
}

/// An event sub-process has exactly one start event, with a trigger.
fn event_sub_process_problem(process: &Process, idx: NodeIdx) -> Option<Text> {
    let starts = process.children(Some(idx)).filter(|(_, n)| matches!(n.kind, NodeKind::StartEvent { .. })).count();
    (starts != 1).then(|| Text::new("check.event_sub_process_starts").with("count", starts))
}

/// An event-based gateway leads only to catch events and receive tasks.
fn event_gateway_problem(process: &Process, node: &FlowNode) -> Option<Text> {
    use EventTrigger as T;
    if node.outgoing.is_empty() {
        return Some(Text::new("check.event_gateway_no_outgoing"));
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
            return Some(
                Text::new("check.event_gateway_target").with("target", &target.id).with("type", element_type(target)),
            );
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
