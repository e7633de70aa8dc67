//! The checked, indexed BPMN model. The parser builds it once at deploy time;
//! nothing at run time reads XML again.
//!
//! Flow nodes of a process live in one flat arena (`Process::nodes`) and refer to
//! each other by index; a node inside an embedded sub-process names its enclosing
//! sub-process in `scope`. Sequence flows are indexed the same way. Ids are kept
//! for messages, history and the diagram.

use std::collections::HashMap;

/// Index of a flow node in `Process::nodes`.
pub type NodeIdx = usize;
/// Index of a sequence flow in `Process::flows`.
pub type FlowIdx = usize;

/// A whole BPMN file: its processes, collaboration and diagrams.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Definitions {
    pub id: Option<String>,
    pub name: Option<String>,
    pub target_namespace: Option<String>,
    /// The modelling tool that wrote the file (`exporter` attribute), if any.
    pub exporter: Option<String>,
    pub processes: Vec<Process>,
    pub collaborations: Vec<Collaboration>,
    pub diagrams: Vec<Diagram>,
    /// Every element with an id, anywhere in the file, for lookups by id.
    pub index: HashMap<String, ElementRef>,
    /// Defects of the diagrams (a shape without bounds, an edge without waypoints, a
    /// diagram id used twice, a shape of an element that does not exist): what can be
    /// drawn is, the rest is skipped, and each defect is one deploy warning. They never
    /// affect the processes.
    pub warnings: Vec<super::parse::Warning>,
}

/// Where an element with a given id lives in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementRef {
    Process(usize),
    Node { process: usize, node: NodeIdx },
    Flow { process: usize, flow: FlowIdx },
    Lane { process: usize, lane: usize },
    Artifact { process: usize, artifact: usize },
    Participant { collaboration: usize, participant: usize },
    MessageFlow { collaboration: usize, flow: usize },
    CollaborationArtifact { collaboration: usize, artifact: usize },
}

/// One `<process>`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Process {
    pub id: String,
    pub name: Option<String>,
    pub is_executable: bool,
    /// 1-based line of the `<process>` start tag.
    pub line: u32,
    pub nodes: Vec<FlowNode>,
    pub flows: Vec<SequenceFlow>,
    pub lanes: Vec<Lane>,
    pub artifacts: Vec<Artifact>,
    /// Camunda/Flowable/Activiti `candidateStarterUsers`/`Groups`, `versionTag` and the like are
    /// not needed; the process-level documentation is kept for the definition screen.
    pub documentation: Option<String>,
}

/// A flow node: event, activity or gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowNode {
    pub id: String,
    pub name: Option<String>,
    pub kind: NodeKind,
    /// The embedded sub-process this node sits in, `None` at process level.
    pub scope: Option<NodeIdx>,
    pub incoming: Vec<FlowIdx>,
    pub outgoing: Vec<FlowIdx>,
    /// The default flow of a gateway or activity (`default` attribute).
    pub default_flow: Option<FlowIdx>,
    /// `camunda:asyncBefore`, `flowable:async`, `activiti:async`.
    pub async_before: bool,
    pub multi_instance: Option<MultiInstance>,
    /// 1-based line of the element's start tag.
    pub line: u32,
    /// What the file sets on this element that the engine does not act on (listeners, form
    /// fields, unknown extensions, `standardLoopCharacteristics`, ...): shown as deploy
    /// warnings, so that nothing changes behaviour silently.
    pub ignored: Vec<String>,
    /// The local XML tag name (`userTask`, `complexGateway`, ...), for messages.
    pub tag: String,
    /// The implementation a message intermediate throw or end event names on its
    /// `messageEventDefinition` (`camunda:class`/`expression`/`delegateExpression`/`type`, an
    /// http-connector, `flowable:field`s): the event then runs as a service call, as a send
    /// task with an implementation does. `None` on every other node, and on a message event
    /// that names none: it passes through. An external topic makes it an external task.
    pub message_service: Option<Box<ServiceTask>>,
    /// `camunda:executionListener`s (start, end) and, on a user task, `camunda:taskListener`s
    /// (create, assignment, complete), Flowable's and Activiti's too, in file order.
    pub listeners: Vec<Listener>,
}

#[cfg(test)]
impl FlowNode {
    /// A node of `kind` with its id and name alone, at the process's top level: what tests
    /// build models by hand from.
    pub(crate) fn bare(id: &str, name: Option<&str>, kind: NodeKind) -> FlowNode {
        FlowNode {
            id: id.into(),
            name: name.map(Into::into),
            kind,
            scope: None,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            default_flow: None,
            async_before: false,
            multi_instance: None,
            line: 1,
            ignored: Vec::new(),
            tag: String::new(),
            message_service: None,
            listeners: Vec::new(),
        }
    }
}

/// What a flow node is. One variant per element kind; the executor matches on it.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    StartEvent {
        trigger: EventTrigger,
        interrupting: bool,
    },
    EndEvent {
        trigger: EventTrigger,
    },
    IntermediateCatchEvent {
        trigger: EventTrigger,
    },
    IntermediateThrowEvent {
        trigger: EventTrigger,
    },
    BoundaryEvent {
        attached_to: NodeIdx,
        cancel_activity: bool,
        trigger: EventTrigger,
    },
    /// A plain `<task>` (no type).
    Task,
    UserTask(UserTask),
    ManualTask,
    ServiceTask(ServiceTask),
    /// Runs its script synchronously in the step (the engine's script runner).
    ScriptTask(Box<ScriptTask>),
    /// Runs as a service call when it names an implementation (HTTP, a class, an external
    /// topic), as Camunda does; otherwise passes the token on.
    SendTask(ServiceTask),
    /// Waits for the message `message` (the `messageRef`'s name).
    ReceiveTask {
        message: Option<String>,
    },
    BusinessRuleTask,
    /// Embedded sub-process; `triggered_by_event` marks an event sub-process.
    SubProcess {
        triggered_by_event: bool,
    },
    Transaction,
    AdHocSubProcess,
    CallActivity {
        called_element: Option<String>,
        call: Box<CallSpec>,
    },
    ExclusiveGateway,
    ParallelGateway,
    InclusiveGateway,
    EventBasedGateway,
    ComplexGateway,
}

impl NodeKind {
    /// Whether the node is an event, an activity or a gateway.
    pub fn category(&self) -> NodeCategory {
        match self {
            NodeKind::StartEvent { .. }
            | NodeKind::EndEvent { .. }
            | NodeKind::IntermediateCatchEvent { .. }
            | NodeKind::IntermediateThrowEvent { .. }
            | NodeKind::BoundaryEvent { .. } => NodeCategory::Event,
            NodeKind::Task
            | NodeKind::UserTask(_)
            | NodeKind::ManualTask
            | NodeKind::ServiceTask(_)
            | NodeKind::ScriptTask(_)
            | NodeKind::SendTask(_)
            | NodeKind::ReceiveTask { .. }
            | NodeKind::BusinessRuleTask
            | NodeKind::SubProcess { .. }
            | NodeKind::Transaction
            | NodeKind::AdHocSubProcess
            | NodeKind::CallActivity { .. } => NodeCategory::Activity,
            NodeKind::ExclusiveGateway
            | NodeKind::ParallelGateway
            | NodeKind::InclusiveGateway
            | NodeKind::EventBasedGateway
            | NodeKind::ComplexGateway => NodeCategory::Gateway,
        }
    }

    /// True for tasks, sub-processes and call activities (as opposed to events and gateways).
    pub fn is_activity(&self) -> bool {
        self.category() == NodeCategory::Activity
    }
}

/// The three families of flow node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeCategory {
    Event,
    Activity,
    Gateway,
}

/// The event definition inside an event element.
#[derive(Debug, Clone, PartialEq)]
pub enum EventTrigger {
    None,
    Timer(TimerDefinition),
    /// `messageRef` resolved to the message's `name` (its id when it has none).
    Message {
        name: Option<String>,
    },
    /// `signalRef` resolved to the signal's `name` (its id when it has none).
    Signal {
        name: Option<String>,
    },
    /// `errorRef` (the `<error>` id) and that error's `errorCode`; neither on a catch-all.
    Error {
        error_ref: Option<String>,
        code: Option<String>,
    },
    /// `escalationRef` resolved to the escalation's `escalationCode`; none on a catch-all.
    Escalation {
        code: Option<String>,
    },
    Terminate,
    Conditional,
    /// The link's `name`: a throw jumps to the catch of the same name in its scope.
    Link {
        name: Option<String>,
    },
    Compensate,
    Cancel,
    /// More than one event definition on one event.
    Multiple,
}

impl EventTrigger {
    /// The trigger's name for messages: `none`, `timer`, `message`, `signal`, `error`, ...
    pub fn name(&self) -> &'static str {
        match self {
            EventTrigger::None => "none",
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
        }
    }

    /// The message, signal, error code, escalation code or link name the trigger names.
    pub fn reference(&self) -> Option<&str> {
        match self {
            EventTrigger::Message { name } | EventTrigger::Signal { name } | EventTrigger::Link { name } => {
                name.as_deref()
            }
            EventTrigger::Error { code, .. } | EventTrigger::Escalation { code } => code.as_deref(),
            _ => None,
        }
    }
}

/// How a call activity calls its process: which version, with which business key, and which
/// variables pass in and out (`camunda:in`/`out`, `flowable:in`/`out`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallSpec {
    pub binding: CalledBinding,
    /// `camunda:calledElementVersion` / `flowable:calledElementVersion` (text, may be an expression).
    pub version: Option<String>,
    /// `camunda:calledElementVersionTag`.
    pub version_tag: Option<String>,
    /// `businessKey` of `camunda:in businessKey="…"` or `flowable:businessKey`.
    pub business_key: Option<String>,
    /// Variables passed to the called process. Empty: all of them (no mapping was written).
    pub inputs: Vec<VariableMapping>,
    /// Variables passed back when it completes. Empty: all of them.
    pub outputs: Vec<VariableMapping>,
    /// `flowable:inheritVariables` / an `in variables="all"`: every variable passes in as well
    /// as the mapped ones. Likewise `outputs_all` for `out variables="all"`.
    pub inputs_all: bool,
    pub outputs_all: bool,
}

/// Which version of the called process a call activity starts (`calledElementBinding`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CalledBinding {
    /// The latest version (the default).
    #[default]
    Latest,
    /// The version deployed with the calling process (same deployment; Flowable writes
    /// `flowable:sameDeployment="true"`).
    Deployment,
    /// The version `CallSpec::version`.
    Version,
    /// The latest version with `CallSpec::version_tag`.
    VersionTag,
}

/// One `in`/`out` mapping of a call activity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariableMapping {
    /// `source`: a variable's name.
    pub source: Option<String>,
    /// `sourceExpression`: an expression (`${a + 1}`).
    pub source_expression: Option<String>,
    /// `target`: the variable's name on the other side.
    pub target: Option<String>,
    /// `local="true"`: read from (in) or written to (out) the call activity's local scope.
    pub local: bool,
}

/// A timer's definition, kept as the raw text (an ISO 8601 value, a cron or an expression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerDefinition {
    Date(String),
    Duration(String),
    Cycle(String),
}

/// A user task's assignment and scheduling, from the standard `potentialOwner`/`humanPerformer`
/// or from the Camunda, Flowable and Activiti extension attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserTask {
    pub assignee: Option<String>,
    pub candidate_users: Vec<String>,
    pub candidate_groups: Vec<String>,
    pub due_date: Option<String>,
    pub priority: Option<String>,
    pub form_key: Option<String>,
}

/// A service task's implementation, as written in the file. The jobs issue gives it meaning
/// (HTTP calls); the parser only records what is there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceTask {
    /// `flowable:type`/`activiti:type`/`camunda:type` (e.g. `http`).
    pub task_type: Option<String>,
    /// `implementation` attribute (e.g. `##WebService`).
    pub implementation: Option<String>,
    pub class: Option<String>,
    pub expression: Option<String>,
    pub delegate_expression: Option<String>,
    /// `camunda:connector` `connectorId` (e.g. `http-connector`).
    pub connector_id: Option<String>,
    /// Flowable/Activiti `<flowable:field name="...">` values (string or expression).
    pub fields: Vec<(String, String)>,
    /// Camunda `<camunda:inputParameter name="...">` values (text content).
    pub input_parameters: Vec<(String, String)>,
    /// Camunda `<camunda:outputParameter name="...">` values.
    pub output_parameters: Vec<(String, String)>,
    /// `camunda:failedJobRetryTimeCycle` / `flowable:failedJobRetryTimeCycle`.
    pub retry_time_cycle: Option<String>,
    /// `camunda:topic` / `flowable:topic`: the topic workers fetch an external task by.
    pub topic: Option<String>,
    /// `camunda:taskPriority`: an external task's priority, a number or an expression.
    pub priority: Option<String>,
}

impl ServiceTask {
    /// Whether it names an implementation (a type, a class, an expression or a connector), and
    /// so runs as a service call on a send task or a message throw event.
    pub fn names_implementation(&self) -> bool {
        self.task_type.is_some()
            || self.class.is_some()
            || self.expression.is_some()
            || self.delegate_expression.is_some()
            || self.connector_id.is_some()
    }

    /// Whether it is an external task (Camunda's `type="external"`, Flowable's
    /// `type="external-worker"`): a worker outside the engine fetches it by its topic.
    pub fn is_external(&self) -> bool {
        self.task_type.as_deref().is_some_and(|t| {
            let t = t.trim();
            t.eq_ignore_ascii_case("external") || t.eq_ignore_ascii_case("external-worker")
        })
    }

    /// The topic of an external task, if it is one with a topic.
    pub fn external_topic(&self) -> Option<&str> {
        self.topic.as_deref().map(str::trim).filter(|t| self.is_external() && !t.is_empty())
    }
}

/// A script task: its script and where its value goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptTask {
    pub script: Script,
    /// `camunda:resultVariable` / `flowable:resultVariable` / `activiti:resultVariable`.
    pub result_variable: Option<String>,
}

/// A piece of code in a process file: its language (`scriptFormat`, `language`) and text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    /// As written (`javascript`, `groovy`, ...); empty when the file names none.
    pub format: String,
    pub source: String,
    /// `camunda:resource`: an external script file, refused at deploy.
    pub resource: Option<String>,
}

/// What kind of code a script format names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptLanguage {
    /// `javascript`, `js`, `ecmascript`: run by the engine's script runner.
    JavaScript,
    /// `juel`: evaluated as an expression, like `${...}` elsewhere.
    Juel,
}

impl ScriptLanguage {
    /// The language of a `scriptFormat` / `language` value (case-insensitive); `None` for a
    /// format the engine does not run (`groovy`, `python`, ...).
    pub fn of(format: &str) -> Option<Self> {
        let f = format.trim();
        if ["javascript", "js", "ecmascript"].iter().any(|n| f.eq_ignore_ascii_case(n)) {
            Some(Self::JavaScript)
        } else if f.eq_ignore_ascii_case("juel") {
            Some(Self::Juel)
        } else {
            None
        }
    }
}

/// When a listener runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerEvent {
    /// Execution listeners: the element starts, ends, or the flow is taken.
    Start,
    End,
    Take,
    /// Task listeners: the task is created, gets an assignee, is completed.
    Create,
    Assignment,
    Complete,
}

impl ListenerEvent {
    /// The event named by a listener's `event` attribute.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.trim() {
            "start" => Self::Start,
            "end" => Self::End,
            "take" => Self::Take,
            "create" => Self::Create,
            "assignment" => Self::Assignment,
            "complete" => Self::Complete,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::End => "end",
            Self::Take => "take",
            Self::Create => "create",
            Self::Assignment => "assignment",
            Self::Complete => "complete",
        }
    }
}

/// What a listener runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerAction {
    /// `expression="${...}"`: evaluated, its `execution.setVariable` writes kept.
    Expression(String),
    /// A nested `<camunda:script>`.
    Script(Script),
    /// `class` / `delegateExpression` (Java code): refused at deploy; kept to name it.
    Java(String),
    /// Names nothing to run: refused at deploy.
    Nothing,
}

/// An execution or task listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// `None` for an event name the engine does not know (refused at deploy).
    pub event: Option<ListenerEvent>,
    /// The `event` attribute as written.
    pub event_name: String,
    pub action: ListenerAction,
    /// The listener's tag (`camunda:executionListener`), for messages.
    pub tag: String,
}

/// `multiInstanceLoopCharacteristics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MultiInstance {
    pub sequential: bool,
    /// `camunda:collection` / `flowable:collection` / `activiti:collection`.
    pub collection: Option<String>,
    /// `camunda:elementVariable` and the like.
    pub element_variable: Option<String>,
    /// `<loopCardinality>` text.
    pub cardinality: Option<String>,
    /// `<completionCondition>` text.
    pub completion_condition: Option<String>,
}

/// A sequence flow between two nodes of one process.
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceFlow {
    pub id: String,
    pub name: Option<String>,
    pub source: NodeIdx,
    pub target: NodeIdx,
    /// `<conditionExpression>` text, e.g. `${amount > 1000}`.
    pub condition: Option<String>,
    /// The condition's `language` attribute (`javascript`, ...); `None`: an expression.
    pub condition_language: Option<String>,
    /// `take` execution listeners.
    pub listeners: Vec<Listener>,
    pub line: u32,
}

#[cfg(test)]
impl SequenceFlow {
    /// A flow from `source` to `target` without a name or condition: what tests build models
    /// by hand from.
    pub(crate) fn bare(id: &str, source: NodeIdx, target: NodeIdx) -> SequenceFlow {
        SequenceFlow {
            id: id.into(),
            name: None,
            source,
            target,
            condition: None,
            condition_language: None,
            listeners: Vec::new(),
            line: 1,
        }
    }
}

/// A lane of a lane set; nested lanes name their parent lane.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    pub id: String,
    pub name: Option<String>,
    pub parent: Option<usize>,
    pub flow_node_refs: Vec<String>,
}

/// Artifacts and data elements drawn on the diagram but not executed.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    pub id: String,
    pub kind: ArtifactKind,
    /// Name, or the text of a text annotation.
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ArtifactKind {
    TextAnnotation,
    /// An association from `source` to `target` (ids); `directional` when it has an arrow.
    Association {
        source: String,
        target: String,
        directional: bool,
    },
    Group,
    DataObject,
    DataObjectReference,
    DataStoreReference,
    DataInput,
    DataOutput,
    /// `dataInputAssociation` / `dataOutputAssociation` (drawn as dotted arrows).
    DataAssociation {
        source: Option<String>,
        target: Option<String>,
    },
}

/// A `<collaboration>`: pools (participants) and message flows between them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Collaboration {
    pub id: String,
    pub name: Option<String>,
    pub participants: Vec<Participant>,
    pub message_flows: Vec<MessageFlow>,
    pub artifacts: Vec<Artifact>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub id: String,
    pub name: Option<String>,
    pub process_ref: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessageFlow {
    pub id: String,
    pub name: Option<String>,
    pub source: String,
    pub target: String,
}

/// One `<bpmndi:BPMNDiagram>`; a file may hold several.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagram {
    pub id: Option<String>,
    pub name: Option<String>,
    /// The `bpmnElement` of the plane (a process or collaboration id).
    pub plane_element: Option<String>,
    pub shapes: Vec<Shape>,
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bounds {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A `BPMNShape`.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub id: Option<String>,
    /// The id of the model element it draws.
    pub element: String,
    pub bounds: Bounds,
    pub label: Option<Bounds>,
    pub is_horizontal: Option<bool>,
    pub is_expanded: Option<bool>,
    pub is_marker_visible: Option<bool>,
}

/// A `BPMNEdge`.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub id: Option<String>,
    pub element: String,
    pub waypoints: Vec<Point>,
    pub label: Option<Bounds>,
}

impl Definitions {
    /// Whether a diagram draws something: a file without BPMNDI, or with only empty diagrams
    /// (as modelers write for a new process), is not drawn and is laid out instead
    /// ([`super::layout`]).
    pub fn is_drawn(&self) -> bool {
        self.diagrams.iter().any(|d| !d.shapes.is_empty() || !d.edges.is_empty())
    }

    /// Looks an element up by id anywhere in the file.
    pub fn get(&self, id: &str) -> Option<ElementRef> {
        self.index.get(id).copied()
    }

    /// The process with this id.
    pub fn process(&self, id: &str) -> Option<&Process> {
        match self.get(id)? {
            ElementRef::Process(i) => self.processes.get(i),
            _ => None,
        }
    }
}

impl Process {
    /// The node with this id, if it belongs to this process.
    pub fn node_index(&self, id: &str) -> Option<NodeIdx> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// The flow nodes directly inside `scope` (`None` = process level).
    pub fn children(&self, scope: Option<NodeIdx>) -> impl Iterator<Item = (NodeIdx, &FlowNode)> {
        self.nodes.iter().enumerate().filter(move |(_, n)| n.scope == scope)
    }
}
