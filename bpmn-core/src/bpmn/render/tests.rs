//! Unit tests on hand-built models: each element kind gets its marker, overlays add classes,
//! text is escaped and wrapped, the viewBox covers everything, odd input never panics.

use super::*;
use crate::bpmn::model::{Collaboration, MultiInstance, ServiceTask, TimerDefinition, UserTask};

/// Builds a one-process model with a diagram, shape by shape.
struct Builder {
    defs: Definitions,
}

fn bounds(x: f64, y: f64, width: f64, height: f64) -> Bounds {
    Bounds { x, y, width, height }
}

fn pt(x: f64, y: f64) -> Point {
    Point { x, y }
}

fn shape(element: &str, b: Bounds) -> Shape {
    Shape {
        id: None,
        element: element.into(),
        bounds: b,
        label: None,
        is_horizontal: None,
        is_expanded: None,
        is_marker_visible: None,
    }
}

impl Builder {
    fn new() -> Self {
        let mut defs = Definitions { name: Some("Test".into()), ..Default::default() };
        defs.processes.push(Process { id: "p".into(), is_executable: true, ..Default::default() });
        defs.index.insert("p".into(), ElementRef::Process(0));
        defs.diagrams.push(Diagram::default());
        Builder { defs }
    }

    fn process(&mut self) -> &mut Process {
        &mut self.defs.processes[0]
    }

    fn diagram(&mut self) -> &mut Diagram {
        &mut self.defs.diagrams[0]
    }

    /// Adds a node (without a shape) and returns its index.
    fn node_only(&mut self, id: &str, name: Option<&str>, kind: NodeKind) -> NodeIdx {
        let p = self.process();
        p.nodes.push(FlowNode::bare(id, name, kind));
        let idx = p.nodes.len() - 1;
        self.defs.index.insert(id.into(), ElementRef::Node { process: 0, node: idx });
        idx
    }

    /// Adds a node and its shape.
    fn node(&mut self, id: &str, name: Option<&str>, kind: NodeKind, b: Bounds) -> NodeIdx {
        let idx = self.node_only(id, name, kind);
        self.diagram().shapes.push(shape(id, b));
        idx
    }

    fn flow(&mut self, id: &str, source: NodeIdx, target: NodeIdx, waypoints: Vec<Point>) -> FlowIdx {
        let p = self.process();
        p.flows.push(SequenceFlow::bare(id, source, target));
        let idx = p.flows.len() - 1;
        self.defs.index.insert(id.into(), ElementRef::Flow { process: 0, flow: idx });
        self.diagram().edges.push(Edge { id: None, element: id.into(), waypoints, label: None });
        idx
    }

    fn artifact(&mut self, id: &str, kind: ArtifactKind, text: Option<&str>, b: Option<Bounds>) {
        let p = self.process();
        p.artifacts.push(Artifact { id: id.into(), kind, text: text.map(Into::into) });
        let idx = p.artifacts.len() - 1;
        self.defs.index.insert(id.into(), ElementRef::Artifact { process: 0, artifact: idx });
        if let Some(b) = b {
            self.diagram().shapes.push(shape(id, b));
        }
    }

    fn render(&self) -> String {
        self.render_with(Overlay::default())
    }

    fn render_with(&self, overlay: Overlay) -> String {
        let svg = render_svg(&self.defs, &RenderOptions { diagram: 0, overlay }).expect("renders");
        assert_well_formed(&svg);
        svg
    }
}

/// Parses the whole document with quick-xml; panics on the first error.
fn assert_well_formed(svg: &str) {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}\n{svg}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "unbalanced tags");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
}

/// The `<g>` group of element `id`, up to the next group at the same level (good enough for
/// substring checks: element groups are never nested).
fn group<'s>(svg: &'s str, id: &str) -> &'s str {
    let key = format!("data-element-id=\"{id}\"");
    let start = svg.find(&key).unwrap_or_else(|| panic!("no group for {id}"));
    let g_start = svg[..start].rfind("<g ").expect("group start");
    let after = start + key.len();
    let end = svg[after..].find("data-element-id=").and_then(|e| svg[..after + e].rfind("<g ")).unwrap_or(svg.len());
    &svg[g_start..end]
}

fn event_kinds() -> Vec<(NodeKind, &'static str)> {
    use EventTrigger as T;
    vec![
        (
            NodeKind::StartEvent { trigger: T::Timer(TimerDefinition::Duration("PT1H".into())), interrupting: true },
            "timer",
        ),
        (NodeKind::StartEvent { trigger: T::Message { name: None }, interrupting: true }, "message"),
        (NodeKind::EndEvent { trigger: T::Error { error_ref: None, code: None } }, "error"),
        (NodeKind::EndEvent { trigger: T::Terminate }, "terminate"),
        (NodeKind::IntermediateThrowEvent { trigger: T::Signal { name: None } }, "signal"),
        (NodeKind::IntermediateThrowEvent { trigger: T::Escalation { code: None } }, "escalation"),
        (NodeKind::IntermediateCatchEvent { trigger: T::Conditional }, "conditional"),
        (NodeKind::IntermediateCatchEvent { trigger: T::Link { name: None } }, "link"),
        (NodeKind::IntermediateThrowEvent { trigger: T::Compensate }, "compensate"),
        (NodeKind::EndEvent { trigger: T::Cancel }, "cancel"),
        (NodeKind::IntermediateCatchEvent { trigger: T::Multiple }, "multiple"),
    ]
}

#[test]
fn every_event_trigger_has_its_marker() {
    let mut b = Builder::new();
    for (i, (kind, _)) in event_kinds().into_iter().enumerate() {
        b.node(&format!("e{i}"), Some("Event"), kind, bounds(100.0 * i as f64, 0.0, 36.0, 36.0));
    }
    let svg = b.render();
    for (i, (_, marker)) in event_kinds().into_iter().enumerate() {
        let g = group(&svg, &format!("e{i}"));
        assert!(g.contains(&format!("bpmn-marker-{marker}")), "{marker}: {g}");
    }
}

#[test]
fn event_outlines_follow_the_notation() {
    let mut b = Builder::new();
    b.node(
        "s",
        None,
        NodeKind::StartEvent { trigger: EventTrigger::None, interrupting: true },
        bounds(0.0, 0.0, 36.0, 36.0),
    );
    b.node(
        "sn",
        None,
        NodeKind::StartEvent { trigger: EventTrigger::Message { name: None }, interrupting: false },
        bounds(50.0, 0.0, 36.0, 36.0),
    );
    b.node("e", None, NodeKind::EndEvent { trigger: EventTrigger::None }, bounds(100.0, 0.0, 36.0, 36.0));
    b.node(
        "i",
        None,
        NodeKind::IntermediateCatchEvent { trigger: EventTrigger::Message { name: None } },
        bounds(150.0, 0.0, 36.0, 36.0),
    );
    b.node("t", None, NodeKind::Task, bounds(200.0, 0.0, 100.0, 80.0));
    b.node(
        "bi",
        None,
        NodeKind::BoundaryEvent {
            attached_to: 4,
            cancel_activity: true,
            trigger: EventTrigger::Error { error_ref: None, code: None },
        },
        bounds(210.0, 62.0, 36.0, 36.0),
    );
    b.node(
        "bn",
        None,
        NodeKind::BoundaryEvent {
            attached_to: 4,
            cancel_activity: false,
            trigger: EventTrigger::Timer(TimerDefinition::Date("2030-01-01".into())),
        },
        bounds(250.0, 62.0, 36.0, 36.0),
    );
    let svg = b.render();
    let start = group(&svg, "s");
    assert_eq!(start.matches("<circle").count(), 1);
    assert!(start.contains("stroke-width=\"1.5\"") && !start.contains("dasharray"));
    assert!(group(&svg, "sn").contains("stroke-dasharray"), "non-interrupting start is dashed");
    assert!(group(&svg, "e").contains("stroke-width=\"4\""), "end event is thick");
    assert_eq!(group(&svg, "i").matches("<circle").count(), 2, "intermediate is a double circle");
    assert_eq!(group(&svg, "bi").matches("<circle").count(), 2);
    assert!(!group(&svg, "bi").contains("dasharray"));
    assert!(group(&svg, "bn").contains("stroke-dasharray"), "non-interrupting boundary is dashed");
    // Throw glyphs are filled, catch glyphs are not.
    assert!(group(&svg, "bi").contains("bpmn-marker-error"));
    // Boundary events are drawn over their activity.
    assert!(svg.find("data-element-id=\"bi\"").unwrap() > svg.find("data-element-id=\"t\"").unwrap());
}

#[test]
fn message_throw_is_filled_and_catch_is_not() {
    let mut b = Builder::new();
    b.node(
        "catch",
        None,
        NodeKind::IntermediateCatchEvent { trigger: EventTrigger::Message { name: None } },
        bounds(0.0, 0.0, 36.0, 36.0),
    );
    b.node(
        "throw",
        None,
        NodeKind::IntermediateThrowEvent { trigger: EventTrigger::Message { name: None } },
        bounds(50.0, 0.0, 36.0, 36.0),
    );
    let svg = b.render();
    let marker = |id: &str| {
        let g = group(&svg, id);
        g[g.find("bpmn-marker-message").unwrap()..].to_string()
    };
    assert!(marker("catch").contains("fill=\"#fff\""));
    assert!(marker("throw").contains("fill=\"#222\""));
}

#[test]
fn task_types_have_their_markers() {
    let kinds = [
        (NodeKind::UserTask(UserTask::default()), "bpmn-userTask", "bpmn-marker-user"),
        (NodeKind::ServiceTask(ServiceTask::default()), "bpmn-serviceTask", "bpmn-marker-service"),
        (NodeKind::ManualTask, "bpmn-manualTask", "bpmn-marker-manual"),
        (NodeKind::ScriptTask(Box::default()), "bpmn-scriptTask", "bpmn-marker-script"),
        (NodeKind::SendTask(Default::default()), "bpmn-sendTask", "bpmn-marker-send"),
        (NodeKind::ReceiveTask { message: None }, "bpmn-receiveTask", "bpmn-marker-receive"),
        (NodeKind::BusinessRuleTask, "bpmn-businessRuleTask", "bpmn-marker-businessRule"),
    ];
    let mut b = Builder::new();
    b.node("plain", Some("Plain"), NodeKind::Task, bounds(0.0, 0.0, 100.0, 80.0));
    for (i, (kind, _, _)) in kinds.iter().enumerate() {
        b.node(&format!("t{i}"), Some("Do it"), kind.clone(), bounds(120.0 * (i + 1) as f64, 0.0, 100.0, 80.0));
    }
    let svg = b.render();
    assert!(!group(&svg, "plain").contains("bpmn-marker"));
    assert!(group(&svg, "plain").contains("class=\"bpmn-node bpmn-task\""));
    for (i, (_, class, marker)) in kinds.iter().enumerate() {
        let g = group(&svg, &format!("t{i}"));
        assert!(g.contains(&format!("class=\"bpmn-node {class}\"")), "{g}");
        assert!(g.contains(marker), "{marker}: {g}");
        assert!(g.contains("rx=\"10\""), "rounded rectangle");
    }
}

#[test]
fn sub_processes_call_activities_and_loop_markers() {
    let mut b = Builder::new();
    b.node(
        "call",
        Some("Call"),
        NodeKind::CallActivity { called_element: Some("other".into()), call: Box::default() },
        bounds(0.0, 0.0, 100.0, 80.0),
    );
    b.node(
        "collapsed",
        Some("Collapsed"),
        NodeKind::SubProcess { triggered_by_event: false },
        bounds(120.0, 0.0, 100.0, 80.0),
    );
    let exp = b.node(
        "expanded",
        Some("Expanded"),
        NodeKind::SubProcess { triggered_by_event: false },
        bounds(0.0, 100.0, 400.0, 200.0),
    );
    let child = b.node("child", Some("Child"), NodeKind::Task, bounds(50.0, 150.0, 100.0, 80.0));
    b.process().nodes[child].scope = Some(exp);
    b.node("tx", Some("Tx"), NodeKind::Transaction, bounds(240.0, 0.0, 100.0, 80.0));
    b.node("evt", Some("On error"), NodeKind::SubProcess { triggered_by_event: true }, bounds(360.0, 0.0, 100.0, 80.0));
    b.node("adhoc", Some("Ad hoc"), NodeKind::AdHocSubProcess, bounds(480.0, 0.0, 100.0, 80.0));
    let par = b.node("par", Some("Each"), NodeKind::Task, bounds(600.0, 0.0, 100.0, 80.0));
    b.process().nodes[par].multi_instance = Some(MultiInstance::default());
    let seq = b.node("seq", Some("One by one"), NodeKind::Task, bounds(720.0, 0.0, 100.0, 80.0));
    b.process().nodes[seq].multi_instance = Some(MultiInstance { sequential: true, ..Default::default() });
    let svg = b.render();

    assert!(group(&svg, "call").contains("stroke-width=\"4\""), "call activity has a thick border");
    assert!(group(&svg, "collapsed").contains("bpmn-marker-collapsed"));
    let expanded = group(&svg, "expanded");
    assert!(!expanded.contains("bpmn-marker-collapsed"), "content drawn, so expanded: {expanded}");
    assert!(expanded.contains("text-anchor=\"start\""), "expanded name at the top left");
    // The container is drawn before (under) its content.
    assert!(svg.find("data-element-id=\"expanded\"").unwrap() < svg.find("data-element-id=\"child\"").unwrap());
    assert_eq!(group(&svg, "tx").matches("<rect").count(), 2, "transaction has a double border");
    assert!(group(&svg, "evt").contains("stroke-dasharray"), "event sub-process is dotted");
    assert!(group(&svg, "evt").contains("bpmn-eventSubProcess"));
    assert!(group(&svg, "adhoc").contains("bpmn-marker-adhoc"));
    assert!(group(&svg, "par").contains("bpmn-marker-parallel-mi"));
    assert!(group(&svg, "seq").contains("bpmn-marker-sequential-mi"));
}

#[test]
fn is_expanded_attribute_wins_over_the_heuristic() {
    let mut b = Builder::new();
    b.node("a", Some("A"), NodeKind::SubProcess { triggered_by_event: false }, bounds(0.0, 0.0, 300.0, 200.0));
    b.diagram().shapes[0].is_expanded = Some(true);
    b.node("c", Some("C"), NodeKind::SubProcess { triggered_by_event: false }, bounds(400.0, 0.0, 100.0, 80.0));
    b.diagram().shapes[1].is_expanded = Some(false);
    let svg = b.render();
    assert!(!group(&svg, "a").contains("bpmn-marker-collapsed"));
    assert!(group(&svg, "c").contains("bpmn-marker-collapsed"));
}

#[test]
fn gateways_have_their_markers() {
    let mut b = Builder::new();
    b.node("x_default", None, NodeKind::ExclusiveGateway, bounds(0.0, 0.0, 50.0, 50.0));
    b.node("x_shown", None, NodeKind::ExclusiveGateway, bounds(60.0, 0.0, 50.0, 50.0));
    b.node("x_hidden", None, NodeKind::ExclusiveGateway, bounds(120.0, 0.0, 50.0, 50.0));
    b.node("par", None, NodeKind::ParallelGateway, bounds(180.0, 0.0, 50.0, 50.0));
    b.node("inc", None, NodeKind::InclusiveGateway, bounds(240.0, 0.0, 50.0, 50.0));
    b.node("evt", None, NodeKind::EventBasedGateway, bounds(300.0, 0.0, 50.0, 50.0));
    b.node("cpx", None, NodeKind::ComplexGateway, bounds(360.0, 0.0, 50.0, 50.0));
    b.diagram().shapes[1].is_marker_visible = Some(true);
    b.diagram().shapes[2].is_marker_visible = Some(false);
    let svg = b.render();
    assert!(group(&svg, "x_default").contains("bpmn-marker-exclusive"));
    assert!(group(&svg, "x_shown").contains("bpmn-marker-exclusive"));
    assert!(!group(&svg, "x_hidden").contains("bpmn-marker"));
    assert!(group(&svg, "x_hidden").contains("<path"), "the diamond is still drawn");
    assert!(group(&svg, "par").contains("bpmn-marker-parallel"));
    assert!(group(&svg, "inc").contains("bpmn-marker-inclusive"));
    assert!(group(&svg, "evt").contains("bpmn-marker-eventBased"));
    assert!(group(&svg, "cpx").contains("bpmn-marker-complex"));
}

#[test]
fn sequence_flows_default_and_conditional_markers() {
    let mut b = Builder::new();
    let gw = b.node("gw", None, NodeKind::ExclusiveGateway, bounds(0.0, 0.0, 50.0, 50.0));
    let t1 = b.node("t1", None, NodeKind::Task, bounds(100.0, 0.0, 100.0, 80.0));
    let t2 = b.node("t2", None, NodeKind::Task, bounds(100.0, 100.0, 100.0, 80.0));
    let plain = b.flow("plain", gw, t1, vec![pt(50.0, 25.0), pt(100.0, 25.0)]);
    let dflt = b.flow("dflt", gw, t2, vec![pt(25.0, 50.0), pt(25.0, 140.0), pt(100.0, 140.0)]);
    b.process().nodes[gw].default_flow = Some(dflt);
    let cond = b.flow("cond", t1, t2, vec![pt(150.0, 80.0), pt(150.0, 100.0)]);
    b.process().flows[cond].condition = Some("${x > 1}".into());
    let gcond = b.flow("gcond", gw, t1, vec![pt(50.0, 20.0), pt(100.0, 20.0)]);
    b.process().flows[gcond].condition = Some("${y}".into());
    let _ = plain;
    let svg = b.render();
    let g = group(&svg, "plain");
    assert!(g.contains("class=\"bpmn-edge bpmn-sequenceFlow\""));
    assert!(g.contains("<polyline") && g.contains("bpmn-arrow"));
    assert!(!g.contains("bpmn-marker"));
    assert!(group(&svg, "dflt").contains("bpmn-marker-default"));
    assert!(group(&svg, "cond").contains("bpmn-marker-conditional-flow"));
    assert!(!group(&svg, "gcond").contains("bpmn-marker-conditional-flow"), "no diamond after a gateway");
}

#[test]
fn collaboration_pools_lanes_and_message_flows() {
    let mut b = Builder::new();
    let t = b.node("t", Some("Task"), NodeKind::Task, bounds(100.0, 20.0, 100.0, 80.0));
    let _ = t;
    b.process().lanes.push(Lane {
        id: "lane".into(),
        name: Some("Clerk".into()),
        parent: None,
        flow_node_refs: vec!["t".into()],
    });
    b.defs.index.insert("lane".into(), ElementRef::Lane { process: 0, lane: 0 });
    b.defs.collaborations.push(Collaboration {
        id: "c".into(),
        name: None,
        participants: vec![
            Participant { id: "pool".into(), name: Some("Company".into()), process_ref: Some("p".into()) },
            Participant { id: "customer".into(), name: Some("Customer".into()), process_ref: None },
            Participant { id: "vpool".into(), name: Some("Vertical".into()), process_ref: Some("p".into()) },
        ],
        message_flows: vec![MessageFlow {
            id: "mf".into(),
            name: Some("Order".into()),
            source: "customer".into(),
            target: "t".into(),
        }],
        artifacts: vec![],
    });
    for (i, id) in ["pool", "customer", "vpool"].into_iter().enumerate() {
        b.defs.index.insert(id.into(), ElementRef::Participant { collaboration: 0, participant: i });
    }
    b.defs.index.insert("mf".into(), ElementRef::MessageFlow { collaboration: 0, flow: 0 });
    b.diagram().shapes.insert(0, shape("pool", bounds(0.0, 0.0, 600.0, 150.0)));
    let mut lane = shape("lane", bounds(30.0, 0.0, 570.0, 150.0));
    lane.is_horizontal = Some(true);
    b.diagram().shapes.push(lane);
    b.diagram().shapes.push(shape("customer", bounds(0.0, -200.0, 600.0, 60.0)));
    let mut v = shape("vpool", bounds(700.0, 0.0, 150.0, 500.0));
    v.is_horizontal = Some(false);
    b.diagram().shapes.push(v);
    b.diagram().edges.push(Edge {
        id: None,
        element: "mf".into(),
        waypoints: vec![pt(150.0, -140.0), pt(150.0, 20.0)],
        label: None,
    });
    let svg = b.render();

    let pool = group(&svg, "pool");
    assert!(pool.contains("class=\"bpmn-pool\""));
    assert!(pool.contains("rotate(-90"), "horizontal pool name written upwards");
    assert!(pool.contains(">Company<"));
    assert!(group(&svg, "lane").contains("rotate(-90"));
    assert!(group(&svg, "lane").contains(">Clerk<"));
    let customer = group(&svg, "customer");
    assert!(!customer.contains("rotate"), "black-box pool: name centred");
    assert!(!group(&svg, "vpool").contains("rotate"), "vertical pool: name on top");
    // Pools are drawn first, under everything.
    assert!(svg.find("data-element-id=\"pool\"").unwrap() < svg.find("data-element-id=\"lane\"").unwrap());
    assert!(svg.find("data-element-id=\"lane\"").unwrap() < svg.find("data-element-id=\"t\"").unwrap());
    let mf = group(&svg, "mf");
    assert!(mf.contains("bpmn-messageFlow"));
    assert!(mf.contains("stroke-dasharray"));
    assert!(mf.contains("<circle"), "open circle at the start");
    assert!(mf.contains("fill=\"#fff\""), "open arrowhead");
    assert!(mf.contains(">Order<"));
}

#[test]
fn artifacts_and_data() {
    let mut b = Builder::new();
    b.node("t", None, NodeKind::Task, bounds(0.0, 0.0, 100.0, 80.0));
    b.artifact("note", ArtifactKind::TextAnnotation, Some("Check the stock"), Some(bounds(150.0, 0.0, 120.0, 40.0)));
    b.artifact("grp", ArtifactKind::Group, Some("Finance"), Some(bounds(-20.0, -20.0, 300.0, 200.0)));
    b.artifact("obj", ArtifactKind::DataObjectReference, Some("Invoice"), Some(bounds(0.0, 150.0, 36.0, 50.0)));
    b.artifact("in", ArtifactKind::DataInput, Some("Request"), Some(bounds(50.0, 150.0, 36.0, 50.0)));
    b.artifact("store", ArtifactKind::DataStoreReference, Some("CRM"), Some(bounds(100.0, 150.0, 50.0, 50.0)));
    b.artifact(
        "assoc",
        ArtifactKind::Association { source: "note".into(), target: "t".into(), directional: false },
        None,
        None,
    );
    b.artifact(
        "dassoc",
        ArtifactKind::DataAssociation { source: Some("obj".into()), target: Some("t".into()) },
        None,
        None,
    );
    b.diagram().edges.push(Edge {
        id: None,
        element: "assoc".into(),
        waypoints: vec![pt(150.0, 20.0), pt(100.0, 20.0)],
        label: None,
    });
    b.diagram().edges.push(Edge {
        id: None,
        element: "dassoc".into(),
        waypoints: vec![pt(18.0, 150.0), pt(18.0, 80.0)],
        label: None,
    });
    let svg = b.render();

    let note = group(&svg, "note");
    assert!(note.contains("bpmn-textAnnotation") && note.contains("Check the stock"));
    let grp = group(&svg, "grp");
    assert!(grp.contains("bpmn-group") && grp.contains("stroke-dasharray") && grp.contains(">Finance<"));
    // Groups are frames over everything else.
    assert!(svg.find("data-element-id=\"grp\"").unwrap() > svg.find("data-element-id=\"dassoc\"").unwrap());
    assert!(group(&svg, "obj").contains("bpmn-dataObjectReference"));
    assert!(group(&svg, "in").contains("bpmn-marker-data-io"));
    let store = group(&svg, "store");
    assert!(store.contains("bpmn-dataStoreReference") && store.contains("<ellipse"));
    let assoc = group(&svg, "assoc");
    assert!(assoc.contains("bpmn-association") && assoc.contains("stroke-dasharray") && !assoc.contains("bpmn-arrow"));
    let dassoc = group(&svg, "dassoc");
    assert!(dassoc.contains("bpmn-dataAssociation") && dassoc.contains("bpmn-arrow"));
}

#[test]
fn overlay_states_and_taken_flows() {
    let mut b = Builder::new();
    let a = b.node("done", Some("Done"), NodeKind::Task, bounds(0.0, 0.0, 100.0, 80.0));
    let c = b.node("now", Some("Now"), NodeKind::UserTask(UserTask::default()), bounds(150.0, 0.0, 100.0, 80.0));
    b.node("bad", Some("Bad"), NodeKind::ServiceTask(ServiceTask::default()), bounds(300.0, 0.0, 100.0, 80.0));
    b.node("plain", Some("Plain"), NodeKind::Task, bounds(450.0, 0.0, 100.0, 80.0));
    b.flow("f1", a, c, vec![pt(100.0, 40.0), pt(150.0, 40.0)]);
    b.flow("f2", c, a, vec![pt(150.0, 60.0), pt(100.0, 60.0)]);
    let mut overlay = Overlay::default();
    overlay.activities.insert("done".into(), ActivityState::Completed);
    overlay.activities.insert("now".into(), ActivityState::Active);
    overlay.activities.insert("bad".into(), ActivityState::Error);
    overlay.taken_flows.insert("f1".into());
    let svg = b.render_with(overlay);

    assert!(group(&svg, "done").contains("class=\"bpmn-node bpmn-task state-completed\""));
    assert!(group(&svg, "done").contains(GREEN_TINT));
    let now = group(&svg, "now");
    assert!(now.contains("class=\"bpmn-node bpmn-userTask state-active\""));
    assert!(now.contains("stroke=\"#1565c0\"") && now.contains("stroke-width=\"3.5\""), "{now}");
    assert!(group(&svg, "bad").contains("state-error") && group(&svg, "bad").contains(RED));
    assert!(!group(&svg, "plain").contains("state-"));
    let f1 = group(&svg, "f1");
    assert!(f1.contains("state-taken") && f1.contains(GREEN) && f1.contains("stroke-width=\"3\""));
    assert!(!group(&svg, "f2").contains("state-taken"));
}

#[test]
fn text_and_ids_are_escaped() {
    let mut b = Builder::new();
    b.node("a&b", Some("<Approve> & \"sign\" 'it'"), NodeKind::Task, bounds(0.0, 0.0, 200.0, 80.0));
    b.defs.diagrams[0].name = Some("Q&A <1>".into());
    let svg = b.render();
    assert!(svg.contains("data-element-id=\"a&amp;b\""));
    assert!(svg.contains("&lt;Approve&gt; &amp; &quot;sign&quot; &apos;it&apos;"), "{svg}");
    assert!(svg.contains("<title>Q&amp;A &lt;1&gt;</title>"));
}

#[test]
fn cjk_names_wrap_inside_the_task() {
    let mut b = Builder::new();
    b.node(
        "t",
        Some("采购订单审批流程需要部门经理确认"),
        NodeKind::UserTask(UserTask::default()),
        bounds(0.0, 0.0, 100.0, 80.0),
    );
    let svg = b.render();
    let g = group(&svg, "t");
    let lines = g.matches("<tspan").count();
    assert!(lines >= 2, "{g}");
    assert!(g.contains("采购订单"));
}

#[test]
fn long_names_are_truncated_with_an_ellipsis() {
    let mut b = Builder::new();
    let name = "word ".repeat(60);
    b.node("t", Some(&name), NodeKind::Task, bounds(0.0, 0.0, 100.0, 80.0));
    let svg = b.render();
    let g = group(&svg, "t");
    assert!(g.contains('…'));
    assert!(g.matches("<tspan").count() <= 5);
}

#[test]
fn view_box_covers_negative_coordinates() {
    let mut b = Builder::new();
    let s = b.node(
        "s",
        None,
        NodeKind::StartEvent { trigger: EventTrigger::None, interrupting: true },
        bounds(-500.0, -300.0, 36.0, 36.0),
    );
    let e = b.node("e", None, NodeKind::EndEvent { trigger: EventTrigger::None }, bounds(100.0, 100.0, 36.0, 36.0));
    b.flow("f", s, e, vec![pt(-464.0, -282.0), pt(-600.0, 400.0), pt(100.0, 118.0)]);
    let svg = b.render();
    let vb = svg.split("viewBox=\"").nth(1).unwrap().split('"').next().unwrap();
    let v: Vec<f64> = vb.split(' ').map(|n| n.parse().unwrap()).collect();
    assert!(v[0] <= -600.0 && v[1] <= -300.0, "{vb}");
    assert!(v[0] + v[2] >= 136.0 && v[1] + v[3] >= 400.0, "{vb}");
}

#[test]
fn every_shape_gets_one_group_with_its_id() {
    let mut b = Builder::new();
    for i in 0..5 {
        b.node(&format!("n{i}"), Some("N"), NodeKind::Task, bounds(i as f64 * 120.0, 0.0, 100.0, 80.0));
    }
    let svg = b.render();
    assert_eq!(svg.matches("data-element-id=").count(), 5);
}

#[test]
fn unknown_and_broken_elements_never_panic() {
    let mut b = Builder::new();
    let t = b.node("t", Some("T"), NodeKind::Task, bounds(0.0, 0.0, 100.0, 80.0));
    b.diagram().shapes.push(shape("ghost", bounds(200.0, 0.0, 50.0, 50.0)));
    b.diagram().shapes.push(shape("p", bounds(300.0, 0.0, 50.0, 50.0))); // a process id
    b.diagram().shapes.push(shape("t", bounds(f64::NAN, 0.0, 50.0, 50.0)));
    b.diagram().shapes.push(shape("t", bounds(400.0, 80.0, -100.0, -80.0))); // negative size
    b.diagram().shapes.push(shape("t", bounds(f64::MAX, 0.0, f64::MAX, 10.0))); // overflows to inf
    b.diagram().edges.push(Edge {
        id: None,
        element: "ghost-edge".into(),
        waypoints: vec![pt(0.0, 0.0), pt(10.0, 10.0)],
        label: None,
    });
    b.diagram().edges.push(Edge { id: None, element: "one".into(), waypoints: vec![pt(0.0, 0.0)], label: None });
    b.diagram().edges.push(Edge {
        id: None,
        element: "nan".into(),
        waypoints: vec![pt(0.0, 0.0), pt(f64::NAN, 1.0)],
        label: None,
    });
    b.diagram().edges.push(Edge {
        id: None,
        element: "inf".into(),
        waypoints: vec![pt(0.0, 0.0), pt(f64::INFINITY, 1.0), pt(5.0, 5.0)],
        label: None,
    });
    b.diagram().edges.push(Edge {
        id: None,
        element: "t".into(),
        waypoints: vec![pt(0.0, 0.0), pt(0.0, 0.0)],
        label: None,
    });
    // Index entries pointing nowhere.
    b.defs.index.insert("dangling".into(), ElementRef::Node { process: 7, node: 99 });
    b.defs.index.insert("dflow".into(), ElementRef::Flow { process: 0, flow: 42 });
    b.diagram().shapes.push(shape("dangling", bounds(500.0, 0.0, 10.0, 10.0)));
    b.diagram().edges.push(Edge {
        id: None,
        element: "dflow".into(),
        waypoints: vec![pt(0.0, 0.0), pt(5.0, 0.0)],
        label: None,
    });
    // A flow whose source index is out of range.
    let f = b.flow("bad-src", t, t, vec![pt(1.0, 1.0), pt(1.0, 1.0)]);
    b.process().flows[f].source = 1000;
    let svg = b.render();

    assert!(group(&svg, "ghost").contains("bpmn-unknown") && group(&svg, "ghost").contains(UNKNOWN));
    assert!(group(&svg, "p").contains("bpmn-unknown"));
    assert!(group(&svg, "dangling").contains("bpmn-unknown"));
    assert!(group(&svg, "ghost-edge").contains("<polyline"));
    assert!(!svg.contains("data-element-id=\"one\""), "one waypoint: skipped");
    assert!(!svg.contains("data-element-id=\"nan\""), "NaN leaves one waypoint: skipped");
    assert!(svg.contains("data-element-id=\"inf\""), "the finite waypoints remain");
    assert!(!svg.contains("NaN") && !svg.contains("inf,") && !svg.contains(",inf"));
    assert_eq!(svg.matches("data-element-id=\"t\"").count(), 3, "task, negative-size task, edge");
}

#[test]
fn errors_name_the_problem() {
    let defs = Definitions::default();
    let err = render_svg(&defs, &RenderOptions::default()).unwrap_err();
    assert_eq!(err, RenderError::NoDiagram);
    let msg = err.to_string();
    assert!(msg.contains("no diagram") && msg.contains("still"), "{msg}");

    let b = Builder::new();
    let err = render_svg(&b.defs, &RenderOptions { diagram: 3, overlay: Overlay::default() }).unwrap_err();
    assert_eq!(err, RenderError::DiagramIndex { index: 3, count: 1 });
}

#[test]
fn empty_diagram_is_a_small_valid_svg() {
    let b = Builder::new();
    let svg = b.render();
    assert!(svg.contains("viewBox=\"0 0 100 100\""));
    assert!(svg.contains("<title>Test</title>"));
}

#[test]
fn labels_use_label_bounds_or_go_below() {
    let mut b = Builder::new();
    b.node(
        "s",
        Some("Order received"),
        NodeKind::StartEvent { trigger: EventTrigger::None, interrupting: true },
        bounds(0.0, 0.0, 36.0, 36.0),
    );
    b.node("g", Some("Amount?"), NodeKind::ExclusiveGateway, bounds(100.0, 0.0, 50.0, 50.0));
    b.diagram().shapes[1].label = Some(bounds(100.0, -40.0, 50.0, 14.0));
    let svg = b.render();
    let s = group(&svg, "s");
    // Below the event: the first baseline is under its bottom edge (y = 36).
    let y: f64 =
        s.split("<text x=\"").nth(1).unwrap().split("y=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    assert!(y > 36.0, "{s}");
    let g = group(&svg, "g");
    let y: f64 =
        g.split("<text x=\"").nth(1).unwrap().split("y=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    assert!(y < 0.0, "in the label bounds above the gateway: {g}");
}

/// Every kind on one sheet; written to `$BPMN_RENDER_OUT/showcase.svg` when that variable is set,
/// to look at the glyphs by eye.
#[test]
fn showcase_of_every_kind() {
    let mut b = Builder::new();
    for (i, (kind, name)) in event_kinds().into_iter().enumerate() {
        b.node(&format!("e{i}"), Some(name), kind, bounds(20.0 + 80.0 * i as f64, 20.0, 36.0, 36.0));
    }
    let tasks = vec![
        NodeKind::Task,
        NodeKind::UserTask(UserTask::default()),
        NodeKind::ServiceTask(ServiceTask::default()),
        NodeKind::ManualTask,
        NodeKind::ScriptTask(Box::default()),
        NodeKind::SendTask(Default::default()),
        NodeKind::ReceiveTask { message: None },
        NodeKind::BusinessRuleTask,
        NodeKind::CallActivity { called_element: None, call: Box::default() },
        NodeKind::SubProcess { triggered_by_event: false },
        NodeKind::Transaction,
        NodeKind::SubProcess { triggered_by_event: true },
        NodeKind::AdHocSubProcess,
    ];
    for (i, kind) in tasks.into_iter().enumerate() {
        let name = format!("{} with a long name", kind_class(&kind));
        let idx = b.node(
            &format!("t{i}"),
            Some(&name),
            kind,
            bounds(20.0 + 120.0 * (i % 7) as f64, 120.0 + 110.0 * (i / 7) as f64, 100.0, 80.0),
        );
        if i % 3 == 1 {
            b.process().nodes[idx].multi_instance =
                Some(MultiInstance { sequential: i % 2 == 0, ..Default::default() });
        }
    }
    let gws = [
        NodeKind::ExclusiveGateway,
        NodeKind::ParallelGateway,
        NodeKind::InclusiveGateway,
        NodeKind::EventBasedGateway,
        NodeKind::ComplexGateway,
    ];
    for (i, kind) in gws.into_iter().enumerate() {
        b.node(&format!("g{i}"), Some(kind_class(&kind)), kind, bounds(20.0 + 120.0 * i as f64, 370.0, 50.0, 50.0));
    }
    let t = b.node(
        "cjk",
        Some("采购订单审批流程需要部门经理确认，然后通知申请人"),
        NodeKind::UserTask(UserTask::default()),
        bounds(640.0, 360.0, 100.0, 80.0),
    );
    let bnd = b.node(
        "bnd",
        Some("Timeout"),
        NodeKind::BoundaryEvent {
            attached_to: t,
            cancel_activity: false,
            trigger: EventTrigger::Timer(TimerDefinition::Duration("PT1H".into())),
        },
        bounds(700.0, 422.0, 36.0, 36.0),
    );
    let end = b.node(
        "end",
        Some("Done"),
        NodeKind::EndEvent { trigger: EventTrigger::None },
        bounds(820.0, 520.0, 36.0, 36.0),
    );
    let d = b.flow("dflt", bnd, end, vec![pt(718.0, 458.0), pt(718.0, 538.0), pt(820.0, 538.0)]);
    b.process().flows[d].name = Some("late".into());
    b.process().nodes[bnd].default_flow = Some(d);
    let c = b.flow("cond", t, end, vec![pt(740.0, 400.0), pt(838.0, 400.0), pt(838.0, 520.0)]);
    b.process().flows[c].condition = Some("x".into());
    b.artifact(
        "note",
        ArtifactKind::TextAnnotation,
        Some("A note that explains & warns <a lot>"),
        Some(bounds(20.0, 470.0, 150.0, 50.0)),
    );
    b.artifact("obj", ArtifactKind::DataObjectReference, Some("Invoice"), Some(bounds(220.0, 470.0, 36.0, 50.0)));
    b.artifact("out", ArtifactKind::DataOutput, Some("Result"), Some(bounds(300.0, 470.0, 36.0, 50.0)));
    b.artifact("store", ArtifactKind::DataStoreReference, Some("CRM"), Some(bounds(380.0, 470.0, 50.0, 50.0)));
    b.artifact("grp", ArtifactKind::Group, Some("Group"), Some(bounds(200.0, 455.0, 250.0, 100.0)));
    let mut overlay = Overlay::default();
    overlay.activities.insert("t1".into(), ActivityState::Completed);
    overlay.activities.insert("t2".into(), ActivityState::Active);
    overlay.activities.insert("t3".into(), ActivityState::Error);
    overlay.taken_flows.insert("cond".into());
    let svg = b.render_with(overlay);
    if let Some(dir) = std::env::var_os("BPMN_RENDER_OUT") {
        std::fs::write(std::path::Path::new(&dir).join("showcase.svg"), &svg).expect("write showcase");
    }
}

#[test]
fn call_activities_follow_is_expanded() {
    let mut b = Builder::new();
    b.node(
        "exp",
        Some("Expanded call"),
        NodeKind::CallActivity { called_element: None, call: Box::default() },
        bounds(0.0, 0.0, 400.0, 200.0),
    );
    b.node("inner", Some("Inner"), NodeKind::Task, bounds(50.0, 50.0, 100.0, 80.0));
    b.node(
        "col",
        Some("Collapsed call"),
        NodeKind::CallActivity { called_element: None, call: Box::default() },
        bounds(500.0, 0.0, 100.0, 80.0),
    );
    b.node(
        "plain",
        Some("Call"),
        NodeKind::CallActivity { called_element: None, call: Box::default() },
        bounds(650.0, 0.0, 100.0, 80.0),
    );
    b.diagram().shapes[0].is_expanded = Some(true);
    b.diagram().shapes[2].is_expanded = Some(false);
    let svg = b.render();
    // Drawn under its content, name top left.
    assert!(svg.find("data-element-id=\"exp\"").unwrap() < svg.find("data-element-id=\"inner\"").unwrap());
    assert!(group(&svg, "exp").contains("text-anchor=\"start\""));
    assert!(!group(&svg, "exp").contains("bpmn-marker-collapsed"));
    assert!(group(&svg, "col").contains("bpmn-marker-collapsed"));
    assert!(group(&svg, "plain").contains("bpmn-marker-collapsed"), "collapsed unless said expanded");
}
