//! Files as modelling tools other than bpmn.io write them: other encodings, references written
//! as qualified names, event definitions declared at the top level, diagrams with defects.
//! Each is read (a diagram defect with a warning); a semantic defect stays refused.

use bpmn_core::bpmn::parse::{parse, ParseError, ParseErrorKind, ParseOptions};
use bpmn_core::bpmn::render::{render_svg, RenderOptions};
use bpmn_core::bpmn::{Definitions, EventTrigger, NodeKind};

const NS: &str = r#"xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL""#;
const DI_NS: &str = r#"xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI""#;

fn ok(bytes: &[u8]) -> Definitions {
    parse(bytes, &ParseOptions::default()).unwrap_or_else(|e| panic!("refused: {e}"))
}

fn refuse(bytes: &[u8]) -> ParseError {
    match parse(bytes, &ParseOptions::default()) {
        Ok(def) => panic!("accepted: {def:?}"),
        Err(e) => e,
    }
}

/// A one-task process named `name`, with an XML declaration naming `encoding`.
fn named_task(encoding: &str, name: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n<definitions {NS}><process id=\"P\"><task id=\"t\" name=\"{name}\"/></process></definitions>"
    )
}

fn task_name(def: &Definitions) -> &str {
    def.processes[0].nodes[0].name.as_deref().unwrap_or_default()
}

// ----- Encodings -------------------------------------------------------------------------------

#[test]
fn windows_1252_is_decoded() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bpmn/windows-1252.bpmn");
    let bytes = std::fs::read(path).expect("fixture");
    // The fixture holds the single bytes 0xE9 and 0x80.
    assert!(bytes.windows(2).any(|w| w == b"\xE9 "));
    assert_eq!(task_name(&ok(&bytes)), "Café €");
}

#[test]
fn chinese_and_japanese_encodings_are_decoded() {
    for (label, encoding, name) in [
        ("GBK", encoding_rs::GBK, "报销审批"),
        ("gb2312", encoding_rs::GBK, "报销审批"),
        ("GB18030", encoding_rs::GB18030, "报销审批 𠀀"),
        ("Big5", encoding_rs::BIG5, "報銷審批"),
        ("Shift_JIS", encoding_rs::SHIFT_JIS, "経費精算"),
        ("EUC-KR", encoding_rs::EUC_KR, "경비 정산"),
    ] {
        let text = named_task(label, name);
        let (bytes, _, unmappable) = encoding.encode(&text);
        assert!(!unmappable, "{label}: test text not encodable");
        assert!(std::str::from_utf8(&bytes).is_err(), "{label}: the bytes must differ from UTF-8");
        assert_eq!(task_name(&ok(&bytes)), name, "{label}");
    }
}

#[test]
fn iso_8859_1_is_read_as_windows_1252_like_browsers_do() {
    let mut bytes = named_task("ISO-8859-1", "Caf").into_bytes();
    let at = bytes.windows(4).position(|w| w == b"Caf\"").expect("name") + 3;
    bytes.splice(at..at, *b"\xE9 \x80");
    assert_eq!(task_name(&ok(&bytes)), "Café €");
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if big_endian { b"\xFE\xFF" } else { b"\xFF\xFE" });
    }
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
    }
    out
}

#[test]
fn utf16_is_decoded_with_or_without_bom() {
    let text = named_task("UTF-16", "报销 é");
    for big_endian in [false, true] {
        for bom in [true, false] {
            let def = ok(&utf16(&text, big_endian, bom));
            assert_eq!(task_name(&def), "报销 é", "big endian {big_endian}, BOM {bom}");
        }
    }
}

#[test]
fn a_byte_order_mark_wins_over_the_declaration() {
    // Re-saved as UTF-8 with BOM by an editor that left the declaration alone.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(named_task("windows-1252", "Café").as_bytes());
    assert_eq!(task_name(&ok(&bytes)), "Café");
    // Declared UTF-16 but written in single bytes without BOM: read as UTF-8.
    assert_eq!(task_name(&ok(named_task("UTF-16", "Café").as_bytes())), "Café");
}

#[test]
fn stored_text_is_utf8_declared_as_such() {
    let file = named_task("GBK", "报销");
    let (gbk, _, _) = encoding_rs::GBK.encode(&file);
    let text = bpmn_core::bpmn::parse::encoding::utf8_text(&gbk).expect("decodes");
    assert_eq!(text, named_task("UTF-8", "报销"));
    assert_eq!(task_name(&ok(text.as_bytes())), "报销");
}

// ----- References written as qualified names -------------------------------------------------

/// A file whose target namespace is bound to the prefix `tns`, which every reference uses.
const QNAME_FILE: &str = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:tns="http://example.com/orders" targetNamespace="http://example.com/orders">
  <message id="Msg_1" name="order paid"/>
  <collaboration id="C"><participant id="Pool" processRef="tns:P"/></collaboration>
  <process id="P" isExecutable="true">
    <laneSet id="LS"><lane id="L"><flowNodeRef>tns:s</flowNodeRef><flowNodeRef> tns:gw </flowNodeRef></lane></laneSet>
    <startEvent id="s"/>
    <exclusiveGateway id="gw" default="tns:f2"/>
    <receiveTask id="pay" messageRef="tns:Msg_1"/>
    <boundaryEvent id="b" attachedToRef="tns:pay"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>
    <endEvent id="e"/>
    <dataObject id="DO" name="Order"/>
    <dataObjectReference id="DOR" dataObjectRef="tns:DO"/>
    <sequenceFlow id="f1" sourceRef="tns:s" targetRef="tns:gw"/>
    <sequenceFlow id="f2" sourceRef="tns:gw" targetRef="tns:pay"/>
    <sequenceFlow id="f3" sourceRef="tns:gw" targetRef="tns:e"><conditionExpression>${paid}</conditionExpression></sequenceFlow>
    <sequenceFlow id="f4" sourceRef="tns:pay" targetRef="tns:e"/>
    <sequenceFlow id="f5" sourceRef="tns:b" targetRef="tns:e"/>
  </process>
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="DP" bpmnElement="tns:C">
    <bpmndi:BPMNShape id="S_s" bpmnElement="tns:s"><dc:Bounds x="0" y="0" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="E_f1" bpmnElement="tns:f1"><di:waypoint x="36" y="18"/><di:waypoint x="100" y="18"/></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</definitions>"#;

#[test]
fn references_prefixed_with_the_own_target_namespace_resolve_to_local_ids() {
    let def = ok(QNAME_FILE.as_bytes());
    assert!(def.warnings.is_empty(), "{:?}", def.warnings);
    let p = &def.processes[0];
    let node = |id: &str| p.nodes.iter().position(|n| n.id == id).expect(id);
    let flow = |id: &str| p.flows.iter().position(|f| f.id == id).expect(id);
    assert_eq!((p.flows[flow("f1")].source, p.flows[flow("f1")].target), (node("s"), node("gw")));
    assert_eq!(p.nodes[node("gw")].default_flow, Some(flow("f2")));
    assert!(
        matches!(p.nodes[node("b")].kind, NodeKind::BoundaryEvent { attached_to, .. } if attached_to == node("pay"))
    );
    assert_eq!(p.nodes[node("pay")].kind, NodeKind::ReceiveTask { message: Some("order paid".into()) });
    assert_eq!(p.lanes[0].flow_node_refs, ["s", "gw"]);
    assert_eq!(p.artifacts.iter().find(|a| a.id == "DOR").and_then(|a| a.text.as_deref()), Some("Order"));
    assert_eq!(def.collaborations[0].participants[0].process_ref.as_deref(), Some("P"));
    assert_eq!(def.diagrams[0].plane_element.as_deref(), Some("C"));
    assert_eq!(def.diagrams[0].shapes[0].element, "s");
    assert_eq!(def.diagrams[0].edges[0].element, "f1");
    let svg = render_svg(&def, &RenderOptions::default()).expect("renders");
    assert!(svg.contains("data-element-id=\"f1\"") && svg.contains("bpmn-startEvent"), "{svg}");
}

#[test]
fn a_prefix_of_another_namespace_is_refused_and_named() {
    // `other:` is an imported file's namespace: nothing here has that id (bpmn.io does not
    // resolve it either), so the flow points to nothing.
    let xml = QNAME_FILE
        .replace(
            r#"xmlns:tns="http://example.com/orders""#,
            r#"xmlns:tns="http://example.com/orders" xmlns:other="http://example.com/billing""#,
        )
        .replace(r#"targetRef="tns:gw""#, r#"targetRef="other:gw""#);
    let e = refuse(xml.as_bytes());
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_eq!((e.line, e.element_id.as_deref()), (Some(13), Some("f1")), "{e}");
    assert!(e.message.contains("\"other:gw\"") && e.message.contains("http://example.com/billing"), "{e}");
    // A prefix bound to the target namespace under another name works as well.
    let xml = QNAME_FILE
        .replace("xmlns:tns=", "xmlns:o=")
        .replace("\"tns:", "\"o:")
        .replace(">tns:", ">o:")
        .replace("> tns:", "> o:");
    assert_eq!(ok(xml.as_bytes()).processes[0].flows.len(), 5);
}

// ----- Event definitions declared at the top level ---------------------------------------------

#[test]
fn top_level_event_definitions_are_referenced_by_events() {
    let xml = format!(
        r#"<definitions {NS} xmlns:tns="urn:t" targetNamespace="urn:t">
  <message id="M" name="paid"/>
  <signal id="S" name="alarm"/>
  <messageEventDefinition id="med" messageRef="M"/>
  <signalEventDefinition id="sed" signalRef="tns:S"/>
  <process id="P">
    <startEvent id="start"><eventDefinitionRef>med</eventDefinitionRef></startEvent>
    <intermediateCatchEvent id="wait"><eventDefinitionRef>tns:sed</eventDefinitionRef></intermediateCatchEvent>
    <intermediateCatchEvent id="bonita"><eventDefinitionRef>S</eventDefinitionRef></intermediateCatchEvent>
  </process>
</definitions>"#
    );
    let def = ok(xml.as_bytes());
    let trigger = |i: usize| match &def.processes[0].nodes[i].kind {
        NodeKind::StartEvent { trigger, .. } | NodeKind::IntermediateCatchEvent { trigger } => trigger.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(trigger(0), EventTrigger::Message { name: Some("paid".into()) });
    assert_eq!(trigger(1), EventTrigger::Signal { name: Some("alarm".into()) });
    // Bonita points eventDefinitionRef at the signal itself.
    assert_eq!(trigger(2), EventTrigger::Signal { name: Some("alarm".into()) });
    // A reference to nothing is still refused where it is.
    let e = refuse(xml.replace("<eventDefinitionRef>med<", "<eventDefinitionRef>nothing<").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_eq!((e.line, e.element_id.as_deref()), (Some(7), Some("start")), "{e}");
}

// ----- Diagram-only defects --------------------------------------------------------------------

/// A valid two-node process with the diagram `shapes` (lines from 8 on).
fn with_diagram(shapes: &str) -> String {
    format!(
        r#"<definitions {NS} {DI_NS}>
<process id="P" isExecutable="true">
<startEvent id="s"/>
<endEvent id="e"/>
<sequenceFlow id="f" sourceRef="s" targetRef="e"/>
</process>
<bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="DP" bpmnElement="P">
{shapes}
</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</definitions>"#
    )
}

/// Parses, renders every diagram (no NaN, well-formed enough to hold each drawn id) and
/// returns the model.
fn parsed_and_drawn(xml: &str) -> Definitions {
    let def = ok(xml.as_bytes());
    let svg = render_svg(&def, &RenderOptions::default()).expect("renders");
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    assert!(svg.ends_with("</svg>"), "{svg}");
    def
}

#[test]
fn shapes_with_zero_missing_or_broken_bounds_are_warned_not_refused() {
    let def = parsed_and_drawn(&with_diagram(
        r#"<bpmndi:BPMNShape id="S_s" bpmnElement="s"><dc:Bounds x="0" y="0" width="0" height="0"/></bpmndi:BPMNShape>
<bpmndi:BPMNShape id="S_e" bpmnElement="e"/>
<bpmndi:BPMNShape id="S_e2" bpmnElement="e"><dc:Bounds x="100" y="0" width="36"/><bpmndi:BPMNLabel><dc:Bounds x="a" y="0" width="1" height="1"/></bpmndi:BPMNLabel></bpmndi:BPMNShape>
<bpmndi:BPMNShape id="S_e3" bpmnElement="e"><dc:Bounds x="100" y="0" width="36" height="36"/><bpmndi:BPMNLabel><dc:Bounds x="a" y="0" width="1" height="1"/></bpmndi:BPMNLabel></bpmndi:BPMNShape>"#,
    ));
    // The zero-size shape is kept; those without (usable) bounds are not; a broken label
    // box drops only the label.
    let shapes: Vec<_> = def.diagrams[0].shapes.iter().map(|s| s.id.as_deref().unwrap_or_default()).collect();
    assert_eq!(shapes, ["S_s", "S_e3"]);
    assert_eq!(def.diagrams[0].shapes[1].label, None);
    let warnings: Vec<_> =
        def.warnings.iter().map(|w| (w.line, w.element_type.as_str(), w.element_id.as_str())).collect();
    assert_eq!(
        warnings,
        [(8, "BPMNShape", "s"), (9, "BPMNShape", "e"), (10, "BPMNShape", "e"), (11, "BPMNShape", "e")]
    );
    assert!(def.warnings[0].text.contains("no size"), "{:?}", def.warnings[0]);
    assert!(def.warnings[1].text.contains("no <dc:Bounds>"), "{:?}", def.warnings[1]);
    assert!(def.warnings[2].text.contains("has no height"), "{:?}", def.warnings[2]);
    assert!(
        def.warnings[3].text.contains("label") && def.warnings[3].text.contains("x=\"a\""),
        "{:?}",
        def.warnings[3]
    );
    // The process itself is untouched.
    assert_eq!(def.processes[0].flows.len(), 1);
}

#[test]
fn edges_without_waypoints_and_shapes_of_nothing_are_warned_and_skipped_or_drawn_as_unknown() {
    let def = parsed_and_drawn(&with_diagram(
        r#"<bpmndi:BPMNEdge id="E_f" bpmnElement="f"/>
<bpmndi:BPMNEdge id="E_f2" bpmnElement="f"><di:waypoint x="0" y="zero"/><di:waypoint x="10" y="0"/><di:waypoint x="20" y="0"/></bpmndi:BPMNEdge>
<bpmndi:BPMNShape id="S_ghost" bpmnElement="ghost"><dc:Bounds x="0" y="0" width="10" height="10"/></bpmndi:BPMNShape>
<bpmndi:BPMNShape id="S_far" bpmnElement="s"><dc:Bounds x="1e308" y="-1e308" width="1e308" height="1e308"/></bpmndi:BPMNShape>"#,
    ));
    let edges: Vec<_> = def.diagrams[0].edges.iter().map(|e| e.waypoints.len()).collect();
    assert_eq!(edges, [0, 2]);
    let warnings: Vec<_> = def.warnings.iter().map(|w| (w.line, w.element_id.as_str())).collect();
    assert_eq!(warnings, [(8, "f"), (9, "f"), (10, "ghost"), (11, "s")]);
    assert!(
        def.warnings[3].text.contains("x=\"1e308\"") && def.warnings[3].text.contains("out of range"),
        "{:?}",
        def.warnings[3]
    );
    assert!(def.warnings[0].text.contains("0 waypoint(s)"), "{:?}", def.warnings[0]);
    assert!(def.warnings[1].text.contains("y=\"zero\""), "{:?}", def.warnings[1]);
    assert!(def.warnings[2].text.contains("no element of the file"), "{:?}", def.warnings[2]);
    let svg = render_svg(&def, &RenderOptions::default()).expect("renders");
    assert!(svg.contains("data-element-id=\"ghost\"") && svg.contains("bpmn-unknown"), "{svg}");
}

#[test]
fn duplicate_diagram_ids_are_warned_and_every_shape_is_still_drawn() {
    let def = parsed_and_drawn(&with_diagram(
        r#"<bpmndi:BPMNShape id="X" bpmnElement="s"><dc:Bounds x="0" y="0" width="36" height="36"/></bpmndi:BPMNShape>
<bpmndi:BPMNShape id="X" bpmnElement="e"><dc:Bounds x="100" y="0" width="36" height="36"/></bpmndi:BPMNShape>
<bpmndi:BPMNEdge id="P" bpmnElement="f"><di:waypoint x="36" y="18"/><di:waypoint x="100" y="18"/></bpmndi:BPMNEdge>"#,
    ));
    let drawn: Vec<_> = def.diagrams[0].shapes.iter().map(|s| (s.element.as_str(), s.id.as_deref())).collect();
    assert_eq!(drawn, [("s", Some("X")), ("e", None)]);
    assert_eq!(def.diagrams[0].edges[0].id, None);
    let warnings: Vec<_> = def.warnings.iter().map(|w| (w.line, w.element_id.as_str())).collect();
    assert_eq!(warnings, [(9, "e"), (10, "f")]);
    assert!(def.warnings[0].text.contains("<BPMNShape> on line 8"), "{:?}", def.warnings[0]);
    assert!(def.warnings[1].text.contains("<process> on line 2"), "{:?}", def.warnings[1]);
    let svg = render_svg(&def, &RenderOptions::default()).expect("renders");
    for id in ["s", "e", "f"] {
        assert!(svg.contains(&format!("data-element-id=\"{id}\"")), "{id}: {svg}");
    }
}

// ----- Semantic defects stay refused -----------------------------------------------------------

#[test]
fn semantic_defects_are_refused_with_line_and_element_even_beside_diagram_defects() {
    // A sequence flow to nothing, in a file whose diagram is broken too.
    let xml = with_diagram(r#"<bpmndi:BPMNShape id="S" bpmnElement="s"/>"#)
        .replace(r#"targetRef="e""#, r#"targetRef="nowhere""#);
    let e = refuse(xml.as_bytes());
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_eq!((e.line, e.element_id.as_deref()), (Some(5), Some("f")), "{e}");
    assert!(e.message.contains("\"nowhere\"") && e.message.contains("Line 5"), "{e}");
    // Two flow nodes with one id.
    let xml = with_diagram("").replace(r#"<endEvent id="e"/>"#, r#"<endEvent id="s"/>"#);
    let e = refuse(xml.as_bytes());
    assert_eq!(e.kind, ParseErrorKind::DuplicateId);
    assert_eq!((e.line, e.element_id.as_deref()), (Some(4), Some("s")), "{e}");
    assert!(e.message.contains("<startEvent> on line 3"), "{e}");
}
