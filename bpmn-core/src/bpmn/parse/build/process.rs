//! Processes and sub-processes: flow nodes, events, lanes, artifacts and data, and the
//! resolution of sequence flows, boundary events and default flows once all are read.

use super::super::dom::{El, Ns};
use super::super::{ParseError, ParseErrorKind};
use super::*;
use crate::bpmn::model::{
    Artifact, ArtifactKind, ElementRef, EventTrigger, FlowNode, Lane, NodeIdx, NodeKind, Process, SequenceFlow,
};
use crate::text::Text;

impl<'d> Builder<'d> {
    pub(super) fn process(&mut self, el: El) -> Result<(), ParseError> {
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
    pub(super) fn container(
        &mut self,
        st: &mut ProcessState<'d>,
        el: El,
        scope: Option<NodeIdx>,
    ) -> Result<(), ParseError> {
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
                    let what = if matches!(n, "callChoreography" | "choreographyTask" | "subChoreography") {
                        Text::new("parse.choreography_in_process")
                    } else {
                        Text::new("parse.unknown_in_process")
                    };
                    return Err(ParseError::new(
                        ParseErrorKind::Invalid,
                        doc.loc(c).element(doc.attr(c, "id")),
                        what.with("tag", n).with("parent", doc.name(el)),
                    ));
                }
            }
        }
        Ok(())
    }

    pub(super) fn flow_node(
        &mut self,
        st: &mut ProcessState<'d>,
        el: El,
        scope: Option<NodeIdx>,
    ) -> Result<(), ParseError> {
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
            "scriptTask" => NodeKind::ScriptTask(Box::new(self.script_task(el))),
            "sendTask" => NodeKind::SendTask(self.service_task(el)),
            "receiveTask" => NodeKind::ReceiveTask { message: self.root_ref(el, "messageRef", "message") },
            "businessRuleTask" => NodeKind::BusinessRuleTask,
            "subProcess" => NodeKind::SubProcess { triggered_by_event: bool_attr(doc, el, "triggeredByEvent", false) },
            "transaction" => NodeKind::Transaction,
            "adHocSubProcess" => NodeKind::AdHocSubProcess,
            "callActivity" => NodeKind::CallActivity {
                called_element: attr_string(doc, el, "calledElement"),
                call: Box::new(self.call_spec(el)),
            },
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
                    Text::new("parse.unknown_flow_node").with("tag", other),
                ));
            }
        };
        let async_before =
            ["asyncBefore", "async"].iter().any(|a| doc.ext_attr(el, a).and_then(parse_bool).unwrap_or(false));
        let multi_instance =
            doc.child(el, Ns::Model, "multiInstanceLoopCharacteristics").map(|mi| self.multi_instance(mi));
        // A message throw or end event runs as a service call (or an external task) when its
        // definition names an implementation.
        let message_service = match &kind {
            NodeKind::IntermediateThrowEvent { trigger: EventTrigger::Message { .. } }
            | NodeKind::EndEvent { trigger: EventTrigger::Message { .. } } => doc
                .child(el, Ns::Model, "messageEventDefinition")
                .map(|d| self.service_task(d))
                .filter(|t| t.names_implementation())
                .map(Box::new),
            _ => None,
        };
        let ignored = self.ignored(el, &kind, message_service.as_deref());
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
            ignored,
            tag: tag.to_owned(),
            message_service,
            listeners: self.listeners(el, false),
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
    pub(super) fn trigger(&self, el: El) -> Result<EventTrigger, ParseError> {
        let doc = self.doc;
        let mut found = EventTrigger::None;
        let mut count = 0;
        for c in doc.children(el) {
            if doc.ns(c) != Ns::Model {
                continue;
            }
            let trigger = if doc.name(c) == "eventDefinitionRef" {
                let target = doc.text(c);
                let declared = self.event_definitions.get(target).and_then(|&d| self.event_definition(d));
                match declared.or_else(|| self.trigger_of_root(target)) {
                    Some(t) => t,
                    None => {
                        return Err(ParseError::new(
                            ParseErrorKind::MissingReference,
                            doc.loc(c).element(doc.attr(el, "id")),
                            Text::new("parse.event_definition_ref").with("target", target),
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

    /// Some tools (Bonita) point `eventDefinitionRef` at the `<signal>`, `<message>`,
    /// `<error>` or `<escalation>` itself rather than at an event definition: what they mean
    /// is an event definition referring to it, which bpmn.io imports too.
    fn trigger_of_root(&self, id: &str) -> Option<EventTrigger> {
        let &(tag, value) = self.root_refs.get(id)?;
        let name = || Some(value.unwrap_or(id).to_owned());
        Some(match tag {
            "message" => EventTrigger::Message { name: name() },
            "signal" => EventTrigger::Signal { name: name() },
            "error" => EventTrigger::Error { error_ref: Some(id.to_owned()), code: value.map(str::to_owned) },
            _ => EventTrigger::Escalation { code: value.map(str::to_owned) },
        })
    }

    pub(super) fn event_definition(&self, el: El) -> Option<EventTrigger> {
        let doc = self.doc;
        if doc.ns(el) != Ns::Model {
            return None;
        }
        Some(match doc.name(el) {
            "timerEventDefinition" => EventTrigger::Timer(self.timer(el)),
            "messageEventDefinition" => EventTrigger::Message { name: self.root_ref(el, "messageRef", "message") },
            "signalEventDefinition" => EventTrigger::Signal { name: self.root_ref(el, "signalRef", "signal") },
            "errorEventDefinition" => EventTrigger::Error {
                error_ref: attr_string(doc, el, "errorRef"),
                code: self.root_ref(el, "errorRef", "error"),
            },
            "escalationEventDefinition" => {
                EventTrigger::Escalation { code: self.root_ref(el, "escalationRef", "escalation") }
            }
            "terminateEventDefinition" => EventTrigger::Terminate,
            "conditionalEventDefinition" => EventTrigger::Conditional,
            "linkEventDefinition" => EventTrigger::Link { name: attr_string(doc, el, "name") },
            "compensateEventDefinition" => EventTrigger::Compensate,
            "cancelEventDefinition" => EventTrigger::Cancel,
            _ => return None,
        })
    }

    pub(super) fn lane_set(
        &mut self,
        st: &mut ProcessState<'d>,
        el: El,
        parent: Option<usize>,
    ) -> Result<(), ParseError> {
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
    pub(super) fn artifact(&self, el: El) -> Result<Option<Artifact>, ParseError> {
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
                            Text::new("parse.association_end").with("attr", attr),
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

    pub(super) fn push_process_artifact(&mut self, st: &mut ProcessState<'d>, artifact: Artifact) {
        let idx = st.process.artifacts.len();
        self.index(&artifact.id, ElementRef::Artifact { process: st.index, artifact: idx });
        st.process.artifacts.push(artifact);
    }

    pub(super) fn process_artifact(&mut self, st: &mut ProcessState<'d>, el: El) -> Result<(), ParseError> {
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

    pub(super) fn io_specification(&mut self, st: &mut ProcessState<'d>, el: El) -> Result<(), ParseError> {
        let doc = self.doc;
        for c in doc.children(el) {
            if doc.ns(c) == Ns::Model && matches!(doc.name(c), "dataInput" | "dataOutput") {
                self.process_artifact(st, c)?;
            }
        }
        Ok(())
    }

    pub(super) fn data_association(&mut self, st: &mut ProcessState<'d>, el: El) {
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

    pub(super) fn resolve_flows(&mut self, st: &mut ProcessState<'d>) -> Result<(), ParseError> {
        let doc = self.doc;
        let flows = std::mem::take(&mut st.flows);
        st.process.flows.reserve(flows.len());
        for el in flows {
            let id = self.require_id(el)?;
            let source = self.flow_end(st, el, id, "sourceRef")?;
            let target = self.flow_end(st, el, id, "targetRef")?;
            let idx = st.process.flows.len();
            let condition_el = doc.child(el, Ns::Model, "conditionExpression");
            let condition = condition_el.and_then(|c| non_empty(doc.text(c)));
            let condition_language = condition_el.and_then(|c| attr_string(doc, c, "language"));
            st.process.nodes[source].outgoing.push(idx);
            st.process.nodes[target].incoming.push(idx);
            st.process.flows.push(SequenceFlow {
                id: id.to_owned(),
                name: attr_string(doc, el, "name"),
                source,
                target,
                condition,
                condition_language,
                listeners: self.listeners(el, true),
                line: doc.line(el),
            });
            self.index(id, ElementRef::Flow { process: st.index, flow: idx });
        }
        Ok(())
    }

    /// The node at one end of a sequence flow; it must belong to the same process. Any
    /// scope of it is accepted: some tools write every flow at process level, even those
    /// inside sub-processes.
    pub(super) fn flow_end(&self, st: &ProcessState<'d>, el: El, id: &str, attr: &str) -> Result<NodeIdx, ParseError> {
        let doc = self.doc;
        let at = doc.loc(el).element(Some(id));
        let fix = || Text::new("parse.fix.flow_ends");
        let Some(target) = doc.attr(el, attr).map(str::trim).filter(|r| !r.is_empty()) else {
            return Err(ParseError::new(
                ParseErrorKind::MissingReference,
                at,
                Text::new("parse.flow_end_missing").with("attr", attr).with_text("fix", fix()),
            ));
        };
        let what = match self.def.index.get(target) {
            Some(&ElementRef::Node { process, node }) if process == st.index => return Ok(node),
            Some(_) => Text::new("parse.flow_end_elsewhere")
                .with("attr", attr)
                .with("target", target)
                .with("process", &st.process.id),
            None => self.with_foreign_note(
                Text::new("parse.flow_end_unknown").with("attr", attr).with("target", target),
                target,
            ),
        };
        Err(ParseError::new(ParseErrorKind::MissingReference, at, what.with_text("fix", fix())))
    }

    pub(super) fn resolve_boundaries(&mut self, st: &mut ProcessState<'d>) -> Result<(), ParseError> {
        let doc = self.doc;
        let fix = || Text::new("parse.fix.attach_boundary");
        for (node, el) in std::mem::take(&mut st.boundaries) {
            let at = doc.loc(el).element(doc.attr(el, "id"));
            let Some(target) = doc.attr(el, "attachedToRef").map(str::trim).filter(|r| !r.is_empty()) else {
                return Err(ParseError::new(
                    ParseErrorKind::MissingReference,
                    at,
                    Text::new("parse.boundary_unattached").with_text("fix", fix()),
                ));
            };
            let attached = match self.def.index.get(target) {
                Some(&ElementRef::Node { process, node }) if process == st.index => node,
                _ => {
                    let what =
                        Text::new("parse.boundary_elsewhere").with("target", target).with("process", &st.process.id);
                    return Err(ParseError::new(
                        ParseErrorKind::MissingReference,
                        at,
                        self.with_foreign_note(what, target).with_text("fix", fix()),
                    ));
                }
            };
            if !st.process.nodes[attached].kind.is_activity() {
                return Err(ParseError::new(
                    ParseErrorKind::Invalid,
                    at,
                    Text::new("parse.boundary_on_non_activity")
                        .with("target", target)
                        .with("tag", &st.process.nodes[attached].tag)
                        .with_text("fix", fix()),
                ));
            }
            if let NodeKind::BoundaryEvent { attached_to, .. } = &mut st.process.nodes[node].kind {
                *attached_to = attached;
            }
        }
        Ok(())
    }

    pub(super) fn resolve_defaults(&mut self, st: &mut ProcessState<'d>) -> Result<(), ParseError> {
        let doc = self.doc;
        for (node, el) in std::mem::take(&mut st.defaults) {
            let target = doc.attr(el, "default").unwrap_or_default().trim();
            let at = doc.loc(el).element(doc.attr(el, "id"));
            let flow = match self.def.index.get(target) {
                Some(&ElementRef::Flow { process, flow }) if process == st.index => flow,
                _ => {
                    let what =
                        Text::new("parse.default_elsewhere").with("target", target).with("process", &st.process.id);
                    return Err(ParseError::new(
                        ParseErrorKind::MissingReference,
                        at,
                        self.with_foreign_note(what, target),
                    ));
                }
            };
            if st.process.flows[flow].source != node {
                return Err(ParseError::new(
                    ParseErrorKind::Invalid,
                    at,
                    Text::new("parse.default_not_outgoing")
                        .with("target", target)
                        .with("tag", &st.process.nodes[node].tag),
                ));
            }
            st.process.nodes[node].default_flow = Some(flow);
        }
        Ok(())
    }

    /// A data object reference without a name shows its data object's name.
    pub(super) fn resolve_data_ref_names(&self, st: &mut ProcessState<'d>) {
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
}
