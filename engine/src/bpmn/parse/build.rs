//! The element tree → the indexed model, resolving every reference.

use std::collections::HashMap;

use super::dom::{Doc, El, Ns};
use super::{ParseError, ParseErrorKind};
use crate::bpmn::model::{
    Artifact, ArtifactKind, Bounds, Collaboration, Definitions, Diagram, Edge, ElementRef, EventTrigger, FlowNode,
    Lane, MessageFlow, MultiInstance, NodeIdx, NodeKind, Participant, Point, Process, SequenceFlow, ServiceTask, Shape,
    TimerDefinition, UserTask,
};

/// The root element is the first one stored.
const ROOT: El = 0;

/// BPMN model children of a process or sub-process that carry nothing the model keeps (or
/// that are read elsewhere, like the sub-process's own loop characteristics). Any other BPMN
/// element there is refused: dropping an unknown flow node would silently change the process.
const SKIPPED_IN_CONTAINER: &[&str] = &[
    "extensionElements",
    "ioSpecification",
    "ioBinding",
    "property",
    "auditing",
    "monitoring",
    "correlationSubscription",
    "supports",
    "supportedInterfaceRef",
    "performer",
    "humanPerformer",
    "potentialOwner",
    "resourceRole",
    "incoming",
    "outgoing",
    "standardLoopCharacteristics",
    "multiInstanceLoopCharacteristics",
    "dataInputAssociation",
    "dataOutputAssociation",
    "dataInput",
    "dataOutput",
    "inputSet",
    "outputSet",
    "completionCondition",
    "categoryValueRef",
    "rendering",
];

const FIX_ID: &str = "Give every process, flow node, sequence flow, lane, participant and message flow a unique id.";

/// Builds the model from the tree.
pub(super) fn build(doc: &Doc) -> Result<Definitions, ParseError> {
    check_has_process(doc)?;
    check_duplicate_ids(doc)?;

    let mut b = Builder {
        doc,
        def: Definitions {
            id: attr_string(doc, ROOT, "id"),
            name: attr_string(doc, ROOT, "name"),
            target_namespace: attr_string(doc, ROOT, "targetNamespace"),
            exporter: attr_string(doc, ROOT, "exporter"),
            ..Definitions::default()
        },
        category_values: HashMap::new(),
        event_definitions: HashMap::new(),
    };
    // Roughly one indexed element per three kept XML elements (the rest is DI and details).
    b.def.index.reserve(doc.len() / 3);

    // Root-level elements that flow elements refer to.
    for c in doc.children(ROOT) {
        if doc.ns(c) != Ns::Model {
            continue;
        }
        let name = doc.name(c);
        if name == "category" {
            for v in doc.children(c) {
                if doc.is(v, Ns::Model, "categoryValue") {
                    if let (Some(id), Some(value)) = (doc.attr(v, "id"), doc.attr(v, "value")) {
                        b.category_values.insert(id, value);
                    }
                }
            }
        } else if name.ends_with("EventDefinition") {
            if let Some(id) = doc.attr(c, "id") {
                b.event_definitions.insert(id, c);
            }
        }
    }

    for c in doc.children(ROOT) {
        match (doc.ns(c), doc.name(c)) {
            (Ns::Model, "process") => b.process(c)?,
            (Ns::Model, "collaboration") => b.collaboration(c)?,
            (Ns::BpmnDi, "BPMNDiagram") => b.diagram(c)?,
            _ => {}
        }
    }
    Ok(b.def)
}

fn check_has_process(doc: &Doc) -> Result<(), ParseError> {
    if doc.children(ROOT).any(|c| doc.is(c, Ns::Model, "process")) {
        return Ok(());
    }
    let pools = doc
        .children(ROOT)
        .filter(|&c| doc.is(c, Ns::Model, "collaboration"))
        .flat_map(|c| doc.children(c))
        .filter(|&p| doc.is(p, Ns::Model, "participant"))
        .count();
    let what = if pools > 0 {
        format!(
            "the file has {pools} pool(s) but no <process>: every pool is empty (a black box), so there is nothing to run"
        )
    } else {
        "the file has no <process>".to_owned()
    };
    Err(ParseError::new(
        ParseErrorKind::NoProcess,
        doc.loc(ROOT),
        format_args!("{what}"),
        "Model at least one process (in a pool or on its own) before deploying.",
    ))
}

/// Ids are unique across the whole file (BPMN and diagram elements alike); extension
/// elements have ids of their own vendor's and are not checked.
fn check_duplicate_ids(doc: &Doc) -> Result<(), ParseError> {
    let mut seen: HashMap<&str, El> = HashMap::with_capacity(doc.len() / 2);
    for el in 0..doc.len() {
        if doc.ns(el) == Ns::Ext {
            continue;
        }
        let Some(id) = doc.attr(el, "id").filter(|id| !id.is_empty()) else {
            continue;
        };
        if let Some(&first) = seen.get(id) {
            return Err(ParseError::new(
                ParseErrorKind::DuplicateId,
                doc.loc(el).element(Some(id)),
                format_args!(
                    "the id \"{id}\" of this <{}> is already used by the <{}> on line {}",
                    doc.name(el),
                    doc.name(first),
                    doc.line(first)
                ),
                "Ids must be unique within a file: rename one of the two elements (and the references to it).",
            ));
        }
        seen.insert(id, el);
    }
    Ok(())
}

/// Per-process state while its elements are read; references are resolved at the end,
/// once every node and flow of the process is known.
struct ProcessState<'d> {
    index: usize,
    process: Process,
    flows: Vec<El>,
    boundaries: Vec<(NodeIdx, El)>,
    defaults: Vec<(NodeIdx, El)>,
    /// Data object references without a name of their own: (artifact, dataObjectRef).
    unnamed_data_refs: Vec<(usize, &'d str)>,
}

struct Builder<'d> {
    doc: &'d Doc,
    def: Definitions,
    /// `categoryValue` id → value: the label of a group.
    category_values: HashMap<&'d str, &'d str>,
    /// Event definitions declared under `<definitions>`, for `eventDefinitionRef`.
    event_definitions: HashMap<&'d str, El>,
}

impl<'d> Builder<'d> {
    fn index(&mut self, id: &str, at: ElementRef) {
        self.def.index.insert(id.to_owned(), at);
    }

    fn require_id(&self, el: El) -> Result<&'d str, ParseError> {
        let doc = self.doc;
        match doc.attr(el, "id") {
            Some(id) if !id.trim().is_empty() => Ok(id),
            _ => Err(ParseError::new(
                ParseErrorKind::Invalid,
                doc.loc(el),
                format_args!("this <{}> has no id", doc.name(el)),
                FIX_ID,
            )),
        }
    }

    fn process(&mut self, el: El) -> Result<(), ParseError> {
        let doc = self.doc;
        let index = self.def.processes.len();
        let id = self.require_id(el)?;
        let is_executable = match doc.attr(el, "isExecutable") {
            Some(v) => parse_bool(v).unwrap_or(false),
            // The spec's default is false, but Camunda, Flowable and Activiti files are
            // written to be run and their tools do not always write the attribute.
            None => doc.has_extension_namespace,
        };
        self.index(id, ElementRef::Process(index));
        let mut st = ProcessState {
            index,
            process: Process {
                id: id.to_owned(),
                name: attr_string(doc, el, "name"),
                is_executable,
                line: doc.line(el),
                ..Process::default()
            },
            flows: Vec::new(),
            boundaries: Vec::new(),
            defaults: Vec::new(),
            unnamed_data_refs: Vec::new(),
        };
        for c in doc.children(el) {
            if doc.is(c, Ns::Model, "ioSpecification") {
                self.io_specification(&mut st, c)?;
            }
        }
        self.container(&mut st, el, None)?;
        self.resolve_flows(&mut st)?;
        self.resolve_boundaries(&mut st)?;
        self.resolve_defaults(&mut st)?;
        self.resolve_data_ref_names(&mut st);
        self.def.processes.push(st.process);
        Ok(())
    }

    /// Reads the flow elements of a process or sub-process (`scope`).
    fn container(&mut self, st: &mut ProcessState<'d>, el: El, scope: Option<NodeIdx>) -> Result<(), ParseError> {
        let doc = self.doc;
        for c in doc.children(el) {
            if doc.ns(c) != Ns::Model {
                continue;
            }
            let name = doc.name(c);
            if is_flow_node(name) {
                self.flow_node(st, c, scope)?;
                continue;
            }
            match name {
                "sequenceFlow" => st.flows.push(c),
                "laneSet" => self.lane_set(st, c, None)?,
                "textAnnotation"
                | "association"
                | "group"
                | "dataObject"
                | "dataObjectReference"
                | "dataStoreReference" => self.process_artifact(st, c)?,
                "documentation" => {
                    if scope.is_none() && st.process.documentation.is_none() {
                        st.process.documentation = non_empty(doc.text(c));
                    }
                }
                n if SKIPPED_IN_CONTAINER.contains(&n) => {}
                n => {
                    let why = if matches!(n, "callChoreography" | "choreographyTask" | "subChoreography") {
                        "choreography elements cannot appear in a process"
                    } else {
                        "it is not a BPMN 2.0 element that can appear in a process"
                    };
                    return Err(ParseError::new(
                        ParseErrorKind::Invalid,
                        doc.loc(c).element(doc.attr(c, "id")),
                        format_args!(
                            "<{n}> inside <{}> is not understood: {why}, and ignoring it could change what the process does",
                            doc.name(el)
                        ),
                        "Replace it with a standard BPMN 2.0 flow node (task, event, gateway, sub-process) or remove it.",
                    ));
                }
            }
        }
        Ok(())
    }

    fn flow_node(&mut self, st: &mut ProcessState<'d>, el: El, scope: Option<NodeIdx>) -> Result<(), ParseError> {
        let doc = self.doc;
        let tag = doc.name(el);
        let id = self.require_id(el)?;
        let idx = st.process.nodes.len();
        let kind = match tag {
            "startEvent" => NodeKind::StartEvent {
                trigger: self.trigger(el)?,
                interrupting: bool_attr(doc, el, "isInterrupting", true),
            },
            "endEvent" => NodeKind::EndEvent { trigger: self.trigger(el)? },
            "intermediateCatchEvent" => NodeKind::IntermediateCatchEvent { trigger: self.trigger(el)? },
            "intermediateThrowEvent" => NodeKind::IntermediateThrowEvent { trigger: self.trigger(el)? },
            "boundaryEvent" => {
                st.boundaries.push((idx, el));
                NodeKind::BoundaryEvent {
                    // Replaced once every node of the process is known.
                    attached_to: idx,
                    cancel_activity: bool_attr(doc, el, "cancelActivity", true),
                    trigger: self.trigger(el)?,
                }
            }
            "task" => NodeKind::Task,
            "userTask" => NodeKind::UserTask(self.user_task(el)),
            "manualTask" => NodeKind::ManualTask,
            "serviceTask" => NodeKind::ServiceTask(self.service_task(el)),
            "scriptTask" => NodeKind::ScriptTask,
            "sendTask" => NodeKind::SendTask,
            "receiveTask" => NodeKind::ReceiveTask,
            "businessRuleTask" => NodeKind::BusinessRuleTask,
            "subProcess" => NodeKind::SubProcess { triggered_by_event: bool_attr(doc, el, "triggeredByEvent", false) },
            "transaction" => NodeKind::Transaction,
            "adHocSubProcess" => NodeKind::AdHocSubProcess,
            "callActivity" => NodeKind::CallActivity { called_element: attr_string(doc, el, "calledElement") },
            "exclusiveGateway" => NodeKind::ExclusiveGateway,
            "parallelGateway" => NodeKind::ParallelGateway,
            "inclusiveGateway" => NodeKind::InclusiveGateway,
            "eventBasedGateway" => NodeKind::EventBasedGateway,
            "complexGateway" => NodeKind::ComplexGateway,
            other => {
                // `is_flow_node` and this match list the same tags; kept as an error
                // rather than a panic should they ever drift apart.
                return Err(ParseError::new(
                    ParseErrorKind::Invalid,
                    doc.loc(el).element(Some(id)),
                    format_args!("<{other}> is not a known flow node"),
                    "",
                ));
            }
        };
        let async_before =
            ["asyncBefore", "async"].iter().any(|a| doc.ext_attr(el, a).and_then(parse_bool).unwrap_or(false));
        let multi_instance =
            doc.child(el, Ns::Model, "multiInstanceLoopCharacteristics").map(|mi| self.multi_instance(mi));
        self.index(id, ElementRef::Node { process: st.index, node: idx });
        st.process.nodes.push(FlowNode {
            id: id.to_owned(),
            name: attr_string(doc, el, "name"),
            kind,
            scope,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            default_flow: None,
            async_before,
            multi_instance,
            line: doc.line(el),
            tag: tag.to_owned(),
        });
        if doc.attr(el, "default").is_some_and(|d| !d.trim().is_empty()) {
            st.defaults.push((idx, el));
        }

        // The data the activity or event reads and writes, drawn as dotted arrows and shapes.
        for c in doc.children(el) {
            if doc.ns(c) != Ns::Model {
                continue;
            }
            match doc.name(c) {
                "dataInputAssociation" | "dataOutputAssociation" => {
                    self.data_association(st, c);
                }
                "ioSpecification" => self.io_specification(st, c)?,
                // Events carry their data inputs/outputs directly.
                "dataInput" | "dataOutput" => self.process_artifact(st, c)?,
                _ => {}
            }
        }

        if matches!(tag, "subProcess" | "transaction" | "adHocSubProcess") {
            self.container(st, el, Some(idx))?;
        }
        Ok(())
    }

    /// The event definition(s) of an event.
    fn trigger(&self, el: El) -> Result<EventTrigger, ParseError> {
        let doc = self.doc;
        let mut found = EventTrigger::None;
        let mut count = 0;
        for c in doc.children(el) {
            if doc.ns(c) != Ns::Model {
                continue;
            }
            let trigger = if doc.name(c) == "eventDefinitionRef" {
                let target = doc.text(c);
                match self.event_definitions.get(target).and_then(|&d| self.event_definition(d)) {
                    Some(t) => t,
                    None => {
                        return Err(ParseError::new(
                            ParseErrorKind::MissingReference,
                            doc.loc(c).element(doc.attr(el, "id")),
                            format_args!(
                                "the eventDefinitionRef \"{target}\" names no event definition of the file"
                            ),
                            "Point it at the id of an event definition declared under <definitions>, or put the definition inside the event.",
                        ));
                    }
                }
            } else {
                match self.event_definition(c) {
                    Some(t) => t,
                    None => continue,
                }
            };
            count += 1;
            if count == 1 {
                found = trigger;
            }
        }
        Ok(if count > 1 { EventTrigger::Multiple } else { found })
    }

    fn event_definition(&self, el: El) -> Option<EventTrigger> {
        let doc = self.doc;
        if doc.ns(el) != Ns::Model {
            return None;
        }
        Some(match doc.name(el) {
            "timerEventDefinition" => EventTrigger::Timer(self.timer(el)),
            "messageEventDefinition" => EventTrigger::Message,
            "signalEventDefinition" => EventTrigger::Signal,
            "errorEventDefinition" => EventTrigger::Error { error_ref: attr_string(doc, el, "errorRef") },
            "escalationEventDefinition" => EventTrigger::Escalation,
            "terminateEventDefinition" => EventTrigger::Terminate,
            "conditionalEventDefinition" => EventTrigger::Conditional,
            "linkEventDefinition" => EventTrigger::Link,
            "compensateEventDefinition" => EventTrigger::Compensate,
            "cancelEventDefinition" => EventTrigger::Cancel,
            _ => return None,
        })
    }

    /// A timer without `timeDate`/`timeDuration`/`timeCycle` (allowed by the schema, and
    /// found in reference models) becomes an empty duration, which `check_executable` refuses.
    fn timer(&self, el: El) -> TimerDefinition {
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

    fn user_task(&self, el: El) -> UserTask {
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

    fn service_task(&self, el: El) -> ServiceTask {
        let doc = self.doc;
        let mut task = ServiceTask {
            task_type: ext_string(doc, el, "type"),
            implementation: attr_string(doc, el, "implementation"),
            class: ext_string(doc, el, "class"),
            expression: ext_string(doc, el, "expression"),
            delegate_expression: ext_string(doc, el, "delegateExpression"),
            retry_time_cycle: ext_string(doc, el, "failedJobRetryTimeCycle"),
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
    fn field(&self, el: El) -> Option<(String, String)> {
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
    fn input_output(&self, el: El, task: &mut ServiceTask) {
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

    fn multi_instance(&self, el: El) -> MultiInstance {
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

    fn lane_set(&mut self, st: &mut ProcessState<'d>, el: El, parent: Option<usize>) -> Result<(), ParseError> {
        let doc = self.doc;
        for lane in doc.children(el) {
            if !doc.is(lane, Ns::Model, "lane") {
                continue;
            }
            let id = self.require_id(lane)?;
            let idx = st.process.lanes.len();
            let flow_node_refs = doc
                .children(lane)
                .filter(|&c| doc.is(c, Ns::Model, "flowNodeRef"))
                .filter_map(|c| non_empty(doc.text(c)))
                .collect();
            st.process.lanes.push(Lane {
                id: id.to_owned(),
                name: attr_string(doc, lane, "name"),
                parent,
                flow_node_refs,
            });
            self.index(id, ElementRef::Lane { process: st.index, lane: idx });
            for c in doc.children(lane) {
                if doc.is(c, Ns::Model, "childLaneSet") {
                    self.lane_set(st, c, Some(idx))?;
                }
            }
        }
        Ok(())
    }

    /// An artifact or data element; `None` for one without id (nothing can refer to it,
    /// not even its diagram shape).
    fn artifact(&self, el: El) -> Result<Option<Artifact>, ParseError> {
        let doc = self.doc;
        let Some(id) = doc.attr(el, "id").filter(|id| !id.trim().is_empty()) else {
            return Ok(None);
        };
        let name = || attr_string(doc, el, "name");
        let (kind, text) = match doc.name(el) {
            "textAnnotation" => {
                (ArtifactKind::TextAnnotation, doc.child(el, Ns::Model, "text").and_then(|t| non_empty(doc.text(t))))
            }
            "association" => {
                let end = |attr: &str| {
                    doc.attr(el, attr).filter(|r| !r.trim().is_empty()).map(str::to_owned).ok_or_else(|| {
                        ParseError::new(
                            ParseErrorKind::MissingReference,
                            doc.loc(el).element(Some(id)),
                            format_args!("the association has no {attr}"),
                            "Connect both ends of the association, or delete it.",
                        )
                    })
                };
                let directional = matches!(doc.attr(el, "associationDirection"), Some("One" | "Both"));
                (ArtifactKind::Association { source: end("sourceRef")?, target: end("targetRef")?, directional }, None)
            }
            "group" => (
                ArtifactKind::Group,
                doc.attr(el, "categoryValueRef")
                    .and_then(|r| self.category_values.get(r.trim()))
                    .and_then(|v| non_empty(v))
                    .or_else(name),
            ),
            "dataObject" => (ArtifactKind::DataObject, name()),
            "dataObjectReference" => (ArtifactKind::DataObjectReference, name()),
            "dataStoreReference" => (ArtifactKind::DataStoreReference, name()),
            "dataInput" => (ArtifactKind::DataInput, name()),
            "dataOutput" => (ArtifactKind::DataOutput, name()),
            _ => return Ok(None),
        };
        Ok(Some(Artifact { id: id.to_owned(), kind, text }))
    }

    fn push_process_artifact(&mut self, st: &mut ProcessState<'d>, artifact: Artifact) {
        let idx = st.process.artifacts.len();
        self.index(&artifact.id, ElementRef::Artifact { process: st.index, artifact: idx });
        st.process.artifacts.push(artifact);
    }

    fn process_artifact(&mut self, st: &mut ProcessState<'d>, el: El) -> Result<(), ParseError> {
        let Some(artifact) = self.artifact(el)? else {
            return Ok(());
        };
        if artifact.text.is_none() && artifact.kind == ArtifactKind::DataObjectReference {
            if let Some(r) = self.doc.attr(el, "dataObjectRef") {
                st.unnamed_data_refs.push((st.process.artifacts.len(), r));
            }
        }
        self.push_process_artifact(st, artifact);
        Ok(())
    }

    fn io_specification(&mut self, st: &mut ProcessState<'d>, el: El) -> Result<(), ParseError> {
        let doc = self.doc;
        for c in doc.children(el) {
            if doc.ns(c) == Ns::Model && matches!(doc.name(c), "dataInput" | "dataOutput") {
                self.process_artifact(st, c)?;
            }
        }
        Ok(())
    }

    fn data_association(&mut self, st: &mut ProcessState<'d>, el: El) {
        let doc = self.doc;
        let Some(id) = doc.attr(el, "id").filter(|id| !id.trim().is_empty()) else {
            return;
        };
        let end =
            |name: &str| doc.children(el).filter(|&c| doc.is(c, Ns::Model, name)).find_map(|c| non_empty(doc.text(c)));
        let artifact = Artifact {
            id: id.to_owned(),
            kind: ArtifactKind::DataAssociation { source: end("sourceRef"), target: end("targetRef") },
            text: None,
        };
        self.push_process_artifact(st, artifact);
    }

    fn resolve_flows(&mut self, st: &mut ProcessState<'d>) -> Result<(), ParseError> {
        let doc = self.doc;
        let flows = std::mem::take(&mut st.flows);
        st.process.flows.reserve(flows.len());
        for el in flows {
            let id = self.require_id(el)?;
            let source = self.flow_end(st, el, id, "sourceRef")?;
            let target = self.flow_end(st, el, id, "targetRef")?;
            let idx = st.process.flows.len();
            let condition = doc.child(el, Ns::Model, "conditionExpression").and_then(|c| non_empty(doc.text(c)));
            st.process.nodes[source].outgoing.push(idx);
            st.process.nodes[target].incoming.push(idx);
            st.process.flows.push(SequenceFlow {
                id: id.to_owned(),
                name: attr_string(doc, el, "name"),
                source,
                target,
                condition,
                line: doc.line(el),
            });
            self.index(id, ElementRef::Flow { process: st.index, flow: idx });
        }
        Ok(())
    }

    /// The node at one end of a sequence flow; it must belong to the same process. Any
    /// scope of it is accepted: some tools write every flow at process level, even those
    /// inside sub-processes.
    fn flow_end(&self, st: &ProcessState<'d>, el: El, id: &str, attr: &str) -> Result<NodeIdx, ParseError> {
        let doc = self.doc;
        let at = doc.loc(el).element(Some(id));
        let fix = "Connect both ends of every sequence flow to a flow node of the same process.";
        let Some(target) = doc.attr(el, attr).map(str::trim).filter(|r| !r.is_empty()) else {
            return Err(ParseError::new(
                ParseErrorKind::MissingReference,
                at,
                format_args!("the sequence flow has no {attr}"),
                fix,
            ));
        };
        match self.def.index.get(target) {
            Some(&ElementRef::Node { process, node }) if process == st.index => Ok(node),
            Some(_) => Err(ParseError::new(
                ParseErrorKind::MissingReference,
                at,
                format_args!(
                    "the sequence flow's {attr} \"{target}\" is not a flow node of process \"{}\"",
                    st.process.id
                ),
                fix,
            )),
            None => Err(ParseError::new(
                ParseErrorKind::MissingReference,
                at,
                format_args!("the sequence flow's {attr} \"{target}\" points to no element of the file"),
                fix,
            )),
        }
    }

    fn resolve_boundaries(&mut self, st: &mut ProcessState<'d>) -> Result<(), ParseError> {
        let doc = self.doc;
        let fix = "Attach the boundary event to an activity of the same process (attachedToRef=\"<activity id>\").";
        for (node, el) in std::mem::take(&mut st.boundaries) {
            let at = doc.loc(el).element(doc.attr(el, "id"));
            let Some(target) = doc.attr(el, "attachedToRef").map(str::trim).filter(|r| !r.is_empty()) else {
                return Err(ParseError::new(
                    ParseErrorKind::MissingReference,
                    at,
                    format_args!("the boundary event has no attachedToRef"),
                    fix,
                ));
            };
            let attached = match self.def.index.get(target) {
                Some(&ElementRef::Node { process, node }) if process == st.index => node,
                _ => {
                    return Err(ParseError::new(
                        ParseErrorKind::MissingReference,
                        at,
                        format_args!(
                            "the boundary event's attachedToRef \"{target}\" is not an activity of process \"{}\"",
                            st.process.id
                        ),
                        fix,
                    ))
                }
            };
            if !st.process.nodes[attached].kind.is_activity() {
                return Err(ParseError::new(
                    ParseErrorKind::Invalid,
                    at,
                    format_args!(
                        "the boundary event is attached to \"{target}\", a <{}>, but boundary events can only be attached to activities",
                        st.process.nodes[attached].tag
                    ),
                    fix,
                ));
            }
            if let NodeKind::BoundaryEvent { attached_to, .. } = &mut st.process.nodes[node].kind {
                *attached_to = attached;
            }
        }
        Ok(())
    }

    fn resolve_defaults(&mut self, st: &mut ProcessState<'d>) -> Result<(), ParseError> {
        let doc = self.doc;
        for (node, el) in std::mem::take(&mut st.defaults) {
            let target = doc.attr(el, "default").unwrap_or_default().trim();
            let at = doc.loc(el).element(doc.attr(el, "id"));
            let flow = match self.def.index.get(target) {
                Some(&ElementRef::Flow { process, flow }) if process == st.index => flow,
                _ => {
                    return Err(ParseError::new(
                        ParseErrorKind::MissingReference,
                        at,
                        format_args!(
                            "the default flow \"{target}\" is not a sequence flow of process \"{}\"",
                            st.process.id
                        ),
                        "Set default to the id of one of the element's outgoing sequence flows, or remove it.",
                    ))
                }
            };
            if st.process.flows[flow].source != node {
                return Err(ParseError::new(
                    ParseErrorKind::Invalid,
                    at,
                    format_args!("the default flow \"{target}\" does not leave this <{}>", st.process.nodes[node].tag),
                    "Set default to the id of one of the element's outgoing sequence flows.",
                ));
            }
            st.process.nodes[node].default_flow = Some(flow);
        }
        Ok(())
    }

    /// A data object reference without a name shows its data object's name.
    fn resolve_data_ref_names(&self, st: &mut ProcessState<'d>) {
        for (artifact, target) in std::mem::take(&mut st.unnamed_data_refs) {
            let name = match self.def.index.get(target.trim()) {
                Some(&ElementRef::Artifact { process, artifact }) if process == st.index => {
                    st.process.artifacts.get(artifact).and_then(|a| a.text.clone())
                }
                _ => None,
            };
            if let Some(a) = st.process.artifacts.get_mut(artifact) {
                a.text = name;
            }
        }
    }

    fn collaboration(&mut self, el: El) -> Result<(), ParseError> {
        let doc = self.doc;
        let index = self.def.collaborations.len();
        let mut collab = Collaboration {
            id: self.require_id(el)?.to_owned(),
            name: attr_string(doc, el, "name"),
            ..Collaboration::default()
        };
        for c in doc.children(el) {
            if doc.ns(c) != Ns::Model {
                continue;
            }
            match doc.name(c) {
                "participant" => {
                    let id = self.require_id(c)?;
                    self.index(
                        id,
                        ElementRef::Participant { collaboration: index, participant: collab.participants.len() },
                    );
                    collab.participants.push(Participant {
                        id: id.to_owned(),
                        name: attr_string(doc, c, "name"),
                        process_ref: attr_string(doc, c, "processRef"),
                    });
                }
                "messageFlow" => {
                    let id = self.require_id(c)?;
                    let end = |attr: &str| {
                        attr_string(doc, c, attr).ok_or_else(|| {
                            ParseError::new(
                                ParseErrorKind::MissingReference,
                                doc.loc(c).element(Some(id)),
                                format_args!("the message flow has no {attr}"),
                                "Connect both ends of the message flow to pools or flow nodes.",
                            )
                        })
                    };
                    let flow = MessageFlow {
                        id: id.to_owned(),
                        name: attr_string(doc, c, "name"),
                        source: end("sourceRef")?,
                        target: end("targetRef")?,
                    };
                    self.index(id, ElementRef::MessageFlow { collaboration: index, flow: collab.message_flows.len() });
                    collab.message_flows.push(flow);
                }
                "textAnnotation" | "association" | "group" => {
                    if let Some(artifact) = self.artifact(c)? {
                        self.index(
                            &artifact.id,
                            ElementRef::CollaborationArtifact {
                                collaboration: index,
                                artifact: collab.artifacts.len(),
                            },
                        );
                        collab.artifacts.push(artifact);
                    }
                }
                _ => {}
            }
        }
        self.def.collaborations.push(collab);
        Ok(())
    }

    fn diagram(&mut self, el: El) -> Result<(), ParseError> {
        let doc = self.doc;
        let mut diagram =
            Diagram { id: attr_string(doc, el, "id"), name: attr_string(doc, el, "name"), ..Diagram::default() };
        for plane in doc.children(el) {
            if !doc.is(plane, Ns::BpmnDi, "BPMNPlane") {
                continue;
            }
            if diagram.plane_element.is_none() {
                diagram.plane_element = attr_string(doc, plane, "bpmnElement");
            }
            for c in doc.children(plane) {
                if doc.ns(c) != Ns::BpmnDi {
                    continue;
                }
                match doc.name(c) {
                    "BPMNShape" => {
                        if let Some(shape) = self.shape(c)? {
                            diagram.shapes.push(shape);
                        }
                    }
                    "BPMNEdge" => {
                        if let Some(edge) = self.edge(c)? {
                            diagram.edges.push(edge);
                        }
                    }
                    _ => {}
                }
            }
        }
        self.def.diagrams.push(diagram);
        Ok(())
    }

    /// A shape; `None` when it names no model element (then there is nothing to draw).
    fn shape(&self, el: El) -> Result<Option<Shape>, ParseError> {
        let doc = self.doc;
        let Some(element) = doc.attr(el, "bpmnElement").map(str::trim).filter(|e| !e.is_empty()) else {
            return Ok(None);
        };
        let Some(bounds) = doc.child(el, Ns::Dc, "Bounds") else {
            return Err(ParseError::new(
                ParseErrorKind::Invalid,
                doc.loc(el).element(Some(element)),
                format_args!("the diagram shape of \"{element}\" has no <dc:Bounds>"),
                "Export the diagram again from the modelling tool.",
            ));
        };
        Ok(Some(Shape {
            id: attr_string(doc, el, "id"),
            element: element.to_owned(),
            bounds: self.bounds(bounds, element)?,
            label: self.label(el, element)?,
            is_horizontal: doc.attr(el, "isHorizontal").and_then(parse_bool),
            is_expanded: doc.attr(el, "isExpanded").and_then(parse_bool),
            is_marker_visible: doc.attr(el, "isMarkerVisible").and_then(parse_bool),
        }))
    }

    /// An edge; `None` when it names no model element (some tools draw free connectors).
    fn edge(&self, el: El) -> Result<Option<Edge>, ParseError> {
        let doc = self.doc;
        let Some(element) = doc.attr(el, "bpmnElement").map(str::trim).filter(|e| !e.is_empty()) else {
            return Ok(None);
        };
        let mut waypoints = Vec::new();
        for c in doc.children(el) {
            if doc.is(c, Ns::DdDi, "waypoint") {
                waypoints.push(Point { x: self.number(c, "x", element)?, y: self.number(c, "y", element)? });
            }
        }
        Ok(Some(Edge {
            id: attr_string(doc, el, "id"),
            element: element.to_owned(),
            waypoints,
            label: self.label(el, element)?,
        }))
    }

    fn label(&self, el: El, element: &str) -> Result<Option<Bounds>, ParseError> {
        let doc = self.doc;
        match doc.child(el, Ns::BpmnDi, "BPMNLabel").and_then(|l| doc.child(l, Ns::Dc, "Bounds")) {
            Some(b) => Ok(Some(self.bounds(b, element)?)),
            None => Ok(None),
        }
    }

    fn bounds(&self, el: El, element: &str) -> Result<Bounds, ParseError> {
        Ok(Bounds {
            x: self.number(el, "x", element)?,
            y: self.number(el, "y", element)?,
            width: self.number(el, "width", element)?,
            height: self.number(el, "height", element)?,
        })
    }

    fn number(&self, el: El, attr: &str, element: &str) -> Result<f64, ParseError> {
        let doc = self.doc;
        let at = doc.loc(el).element(Some(element));
        let Some(value) = doc.attr(el, attr) else {
            return Err(ParseError::new(
                ParseErrorKind::Invalid,
                at,
                format_args!("the <{}> of the diagram element of \"{element}\" has no {attr} attribute", doc.name(el)),
                "Export the diagram again from the modelling tool.",
            ));
        };
        match value.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => Err(ParseError::new(
                ParseErrorKind::Invalid,
                at,
                format_args!(
                    "{attr}=\"{value}\" on the <{}> of the diagram element of \"{element}\" is not a number",
                    doc.name(el)
                ),
                "Coordinates and sizes are decimal numbers such as 120 or 80.5.",
            )),
        }
    }
}

fn is_flow_node(name: &str) -> bool {
    matches!(
        name,
        "startEvent"
            | "endEvent"
            | "intermediateCatchEvent"
            | "intermediateThrowEvent"
            | "boundaryEvent"
            | "task"
            | "userTask"
            | "manualTask"
            | "serviceTask"
            | "scriptTask"
            | "sendTask"
            | "receiveTask"
            | "businessRuleTask"
            | "subProcess"
            | "transaction"
            | "adHocSubProcess"
            | "callActivity"
            | "exclusiveGateway"
            | "parallelGateway"
            | "inclusiveGateway"
            | "eventBasedGateway"
            | "complexGateway"
    )
}

/// XML Schema booleans (`true`/`false`/`1`/`0`); tools sometimes write `True`.
fn parse_bool(value: &str) -> Option<bool> {
    let value = value.trim();
    if value == "1" || value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value == "0" || value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn bool_attr(doc: &Doc, el: El, name: &str, default: bool) -> bool {
    doc.attr(el, name).and_then(parse_bool).unwrap_or(default)
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// An attribute without namespace, trimmed; `None` when absent or blank.
fn attr_string(doc: &Doc, el: El, name: &str) -> Option<String> {
    doc.attr(el, name).and_then(non_empty)
}

/// A Camunda/Flowable/Activiti attribute, trimmed; `None` when absent or blank.
fn ext_string(doc: &Doc, el: El, name: &str) -> Option<String> {
    doc.ext_attr(el, name).and_then(non_empty)
}

/// Splits a comma-separated list, ignoring commas inside `(...)`, `{...}` and `[...]` so
/// that expressions such as `${users.get(a, b)}` stay whole. Items are trimmed, empty ones dropped.
pub(super) fn split_list(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items.retain(|s| !s.trim().is_empty());
    items.iter_mut().for_each(|s| *s = s.trim());
    items
}

/// `user(kermit)` with prefix `user(` → `kermit`.
fn wrapped<'a>(item: &'a str, prefix: &str) -> Option<&'a str> {
    let inner = item.strip_prefix(prefix)?.strip_suffix(')')?.trim();
    (!inner.is_empty()).then_some(inner)
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}
