//! Writing a laid-out diagram into the XML: every MIWG reference model without its diagram
//! round-trips (laid out, written, parsed again: the same diagram, no warnings, it renders,
//! the rest of the file untouched); roots with and without a prefix; files that already have
//! a diagram, or only an empty one; text that is not BPMN; escaping, numbers and ids.

use super::*;
use crate::bpmn::layout::layout;
use crate::bpmn::model::{Definitions, Edge, Point};
use crate::bpmn::parse::{parse, ParseOptions};

// The layout's tests load the same file: one list of the reference models for both.
#[allow(clippy::duplicate_mod)]
#[path = "../../../../tests/common/mod.rs"]
mod common;

use common::miwg_files;

fn parsed(xml: &str) -> Definitions {
    parse(xml.as_bytes(), &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}\n{xml}"))
}

/// `xml` laid out and written, with the layout it was written from.
fn written(xml: &str) -> (String, Diagram) {
    let d = parsed(xml);
    let diagram = layout(&d).into_iter().next().expect("a diagram");
    let out = with_diagram(xml, &diagram).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    (out, diagram)
}

/// `xml` without its `BPMNDiagram` elements (whatever their prefix), found by plain text
/// search, independently of the code under test.
fn strip_diagrams(xml: &str) -> String {
    let mut out = xml.to_owned();
    while let Some(at) = out.find("BPMNDiagram") {
        let open = out[..at].rfind('<').expect("a start tag");
        let qname = &out[open + 1..at + "BPMNDiagram".len()];
        assert!(!qname.starts_with('/'), "a closing tag before its start tag");
        let close = format!("</{qname}>");
        let end = out[at..].find(&close).map(|i| at + i + close.len()).expect("the closing tag");
        out.replace_range(open..end, "");
    }
    out
}

/// `out` without the block [`with_diagram`] inserted (its whole lines).
fn without_block(out: &str) -> String {
    let start = out.find("<bpmndi:BPMNDiagram").expect("the diagram");
    let start = out[..start].rfind('\n').map_or(0, |i| i + 1);
    let end = out.find("</bpmndi:BPMNDiagram>").expect("its end") + "</bpmndi:BPMNDiagram>".len();
    let end = end + out[end..].find('\n').map_or(out.len() - end, |i| i + 1);
    format!("{}{}", &out[..start], &out[end..])
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.01
}

fn same_bounds(a: &Bounds, b: &Bounds) -> bool {
    close(a.x, b.x) && close(a.y, b.y) && close(a.width, b.width) && close(a.height, b.height)
}

fn same_shape(a: &Shape, b: &Shape) -> bool {
    a.id == b.id
        && a.element == b.element
        && same_bounds(&a.bounds, &b.bounds)
        && match (&a.label, &b.label) {
            (Some(x), Some(y)) => same_bounds(x, y),
            (x, y) => x.is_none() && y.is_none(),
        }
        && (a.is_horizontal, a.is_expanded, a.is_marker_visible)
            == (b.is_horizontal, b.is_expanded, b.is_marker_visible)
}

fn same_edge(a: &Edge, b: &Edge) -> bool {
    a.id == b.id
        && a.element == b.element
        && a.waypoints.len() == b.waypoints.len()
        && a.waypoints.iter().zip(&b.waypoints).all(|(p, q)| close(p.x, q.x) && close(p.y, q.y))
}

/// What is wrong with `out`, the file `input` (parsed as `before`) written with `laid`.
fn problems(name: &str, input: &str, before: &Definitions, laid: &Diagram, out: &str) -> Vec<String> {
    let mut found = Vec::new();
    if without_block(out) != input {
        found.push(format!("{name}: more than the diagram changed"));
    }
    let after = match parse(out.as_bytes(), &ParseOptions::default()) {
        Ok(d) => d,
        Err(e) => return vec![format!("{name}: the written file does not parse: {e}")],
    };
    if !after.warnings.is_empty() {
        found.push(format!("{name}: diagram warnings {:?}", after.warnings));
    }
    if after.processes != before.processes || after.collaborations != before.collaborations {
        found.push(format!("{name}: the processes changed"));
    }
    let [d] = after.diagrams.as_slice() else {
        return vec![format!("{name}: {} diagrams", after.diagrams.len())];
    };
    if (&d.id, &d.plane_element) != (&laid.id, &laid.plane_element) {
        found.push(format!("{name}: diagram {:?} of {:?}", d.id, d.plane_element));
    }
    if d.shapes.len() != laid.shapes.len() || !d.shapes.iter().zip(&laid.shapes).all(|(a, b)| same_shape(a, b)) {
        found.push(format!("{name}: the shapes differ"));
    }
    if d.edges.len() != laid.edges.len() || !d.edges.iter().zip(&laid.edges).all(|(a, b)| same_edge(a, b)) {
        found.push(format!("{name}: the edges differ"));
    }
    found.extend(super::super::tests::drawing_problems(name, &after));
    found
}

#[test]
fn every_miwg_reference_model_round_trips_without_its_diagram() {
    let files = miwg_files();
    assert!(files.len() >= 21, "only {} reference models", files.len());
    let mut all = Vec::new();
    for path in &files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(parsed(&text).diagrams.iter().any(|d| !d.shapes.is_empty()), "{name} has a diagram");
        assert_eq!(with_diagram(&text, &Diagram::default()), Err(Refusal::HasDiagram), "{name}");

        let input = strip_diagrams(&text);
        let before = parsed(&input);
        assert!(before.diagrams.is_empty() && before.warnings.is_empty(), "{name}: stripped");
        let laid = layout(&before).into_iter().next().unwrap_or_else(|| panic!("{name}: no layout"));
        assert!(!laid.shapes.is_empty(), "{name}: an empty layout");
        match with_diagram(&input, &laid) {
            Ok(out) => all.extend(problems(&name, &input, &before, &laid, &out)),
            Err(e) => all.push(format!("{name}: refused: {e}")),
        }
    }
    assert!(all.is_empty(), "{} problem(s):\n{}", all.len(), all.join("\n"));
}

const FLOW: &str = r#"<startEvent id="s"/><userTask id="t" name="Approve"/><endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="t"/><sequenceFlow id="f2" sourceRef="t" targetRef="e"/>"#;

#[test]
fn a_prefixed_root_gets_the_diagram_before_its_closing_tag() {
    let input = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    {}
  </bpmn:process>
</bpmn:definitions>
"#,
        FLOW.replace('<', "<bpmn:").replace("<bpmn:/", "</bpmn:")
    );
    let (out, laid) = written(&input);
    let at = input.find("</bpmn:definitions>").unwrap();
    assert!(out.starts_with(&input[..at]), "everything before the root's end is kept:\n{out}");
    assert!(out.ends_with("  </bpmndi:BPMNDiagram>\n</bpmn:definitions>\n"), "{out}");
    assert!(out[at..].starts_with(
        "  <bpmndi:BPMNDiagram id=\"p_diagram\" xmlns:bpmndi=\"http://www.omg.org/spec/BPMN/20100524/DI\" \
         xmlns:dc=\"http://www.omg.org/spec/DD/20100524/DC\" xmlns:di=\"http://www.omg.org/spec/DD/20100524/DI\">\n    \
         <bpmndi:BPMNPlane id=\"p_plane\" bpmnElement=\"p\">\n      <bpmndi:BPMNShape id=\"s_di\" bpmnElement=\"s\">\n        \
         <dc:Bounds x=\""
    ));
    assert!(out.contains("<bpmndi:BPMNEdge id=\"f1_di\" bpmnElement=\"f1\">\n        <di:waypoint x=\""), "{out}");
    assert!(!out[at..].contains(".0\""), "no needless decimals:\n{out}");
    assert_eq!(problems("prefixed", &input, &parsed(&input), &laid, &out), Vec::<String>::new());
}

#[test]
fn a_root_without_prefix_and_its_indentation_and_line_breaks() {
    let input = format!(
        "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" id=\"d\">\r\n\t<process id=\"p\">\r\n\t\t{}\r\n\t</process>\r\n</definitions>",
        FLOW.replace('\n', "\r\n")
    );
    let (out, laid) = written(&input);
    assert!(out.ends_with("\r\n\t</bpmndi:BPMNDiagram>\r\n</definitions>"), "{out}");
    assert!(
        out.contains("\r\n\t\t<bpmndi:BPMNPlane id=\"p_plane\" bpmnElement=\"p\">\r\n\t\t\t<bpmndi:BPMNShape"),
        "{out}"
    );
    assert!(!out.replace("\r\n", "").contains('\n'), "CRLF throughout");
    assert_eq!(problems("no prefix", &input, &parsed(&input), &laid, &out), Vec::<String>::new());

    // All on one line: the diagram goes on lines of its own before the closing tag.
    let input = format!(
        "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" id=\"d\"><process id=\"p\">{}</process></definitions>",
        FLOW.replace('\n', "")
    );
    let (out, _) = written(&input);
    assert!(out.contains("</process>\n  <bpmndi:BPMNDiagram id=\"p_diagram\""), "{out}");
    assert!(out.ends_with("\n  </bpmndi:BPMNDiagram>\n</definitions>"), "{out}");
    let after = parsed(&out);
    assert_eq!((after.diagrams.len(), after.diagrams[0].shapes.len(), after.warnings.len()), (1, 3, 0));
}

#[test]
fn a_file_with_a_diagram_is_refused_and_empty_diagrams_are_replaced() {
    let body = r#"<process id="p"><task id="t"/></process>"#;
    let file = |di: &str| {
        format!(
            r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d">
  {body}
{di}
</definitions>
"#
        )
    };
    let drawn = file(
        r#"  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane bpmnElement="p"><bpmndi:BPMNShape bpmnElement="t"><dc:Bounds x="0" y="0" width="100" height="80"/></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"#,
    );
    let laid = layout(&parsed(&drawn)).remove(0);
    assert_eq!(with_diagram(&drawn, &laid), Err(Refusal::HasDiagram));
    // A shape that cannot be drawn is still what someone drew.
    let broken = drawn.replace(r#"<dc:Bounds x="0" y="0" width="100" height="80"/>"#, "");
    assert!(parsed(&broken).diagrams[0].shapes.is_empty());
    assert_eq!(with_diagram(&broken, &laid), Err(Refusal::HasDiagram));

    // Empty diagrams (as a modeler writes for a new process) give way to the new one.
    let empty = file(
        "  <bpmndi:BPMNDiagram id=\"BPMNDiagram_1\">\n    <bpmndi:BPMNPlane id=\"BPMNPlane_1\" bpmnElement=\"p\" />\n  </bpmndi:BPMNDiagram>\n  <bpmndi:BPMNDiagram id=\"D2\"/>",
    );
    assert_eq!(parsed(&empty).diagrams.len(), 2);
    let out = with_diagram(&empty, &laid).unwrap();
    assert_eq!(out.matches("BPMNDiagram ").count(), 1, "{out}");
    assert_eq!(without_block(&out), file("").replace("\n\n", "\n"), "only the empty diagrams went");
    let after = parsed(&out);
    assert_eq!((after.diagrams.len(), after.diagrams[0].shapes.len(), after.warnings.len()), (1, 1, 0));
}

#[test]
fn text_that_is_not_a_bpmn_file_is_refused_without_panic() {
    let diagram = Diagram { plane_element: Some("p".into()), ..Diagram::default() };
    let deep = format!(
        "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">{}{}</definitions>",
        "<a>".repeat(70_000),
        "</a>".repeat(70_000)
    );
    for text in [
        "",
        "not xml at all",
        "{\"definitions\": []}",
        "<definitions",
        "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"><process id=\"p\">",
        "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"><process></definitions>",
        "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"/>",
        "<definitions><process id=\"p\"/></definitions>",
        "<other xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"></other>",
        "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"></definitions><definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"></definitions>",
        "<!DOCTYPE d [<!ENTITY x \"y\">]><definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"></definitions>",
        "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" id=\"&nope;\"></definitions>",
        &deep,
    ] {
        assert_eq!(with_diagram(text, &diagram), Err(Refusal::NotBpmn), "{text:.80}");
    }
    // Every cut of a file short of its root's end is refused.
    let file = "\u{FEFF}<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"><process id=\"p\" name=\"审批 &amp; ok\"><task id=\"t\"/></process></definitions>";
    for cut in (0..file.len()).filter(|&i| file.is_char_boundary(i)) {
        assert_eq!(with_diagram(&file[..cut], &diagram), Err(Refusal::NotBpmn), "{}", &file[..cut]);
    }
    assert!(with_diagram(file, &diagram).is_ok());
    assert_eq!(with_diagram(&format!("\u{FEFF}{file}"), &diagram), Err(Refusal::NotBpmn), "one mark only");
    // Comments, CDATA and processing instructions that look like the end are not the end.
    let tricky = "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"><!-- </definitions> --><process id=\"p\"><documentation><![CDATA[</definitions>]]></documentation></process></definitions>\n<!-- after -->\n";
    let out = with_diagram(tricky, &diagram).unwrap();
    assert!(out.ends_with("</bpmndi:BPMNDiagram>\n</definitions>\n<!-- after -->\n"), "{out}");
    assert!(out.starts_with(&tricky[..tricky.find("</process>").unwrap()]));
    assert_eq!(parsed(&out).diagrams.len(), 1);
}

#[test]
fn values_are_escaped_and_ids_do_not_clash() {
    let input = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="p_diagram">
  <process id="p"><startEvent id="a&amp;&quot;b"/><task id="t"/><task id="t_di"/><task id="p_plane"/>
    <sequenceFlow id="f" sourceRef="a&amp;&quot;b" targetRef="t"/><sequenceFlow id="t_di_di" sourceRef="t" targetRef="t_di"/></process>
</definitions>"#;
    let (out, laid) = written(input);
    assert!(out.contains(r#"<bpmndi:BPMNShape id="a&amp;&quot;b_di" bpmnElement="a&amp;&quot;b">"#), "{out}");
    assert!(out.contains(r#"<bpmndi:BPMNDiagram id="p_diagram_2""#), "{out}");
    assert!(out.contains(r#"<bpmndi:BPMNPlane id="p_plane_2" bpmnElement="p">"#), "{out}");
    assert!(out.contains(r#"<bpmndi:BPMNShape id="t_di_2" bpmnElement="t">"#), "{out}");
    // `t_di_di` is the id of a flow: the shape of `t_di` takes the next one.
    assert!(out.contains(r#"<bpmndi:BPMNShape id="t_di_di_2" bpmnElement="t_di">"#), "{out}");
    assert!(out.contains(r#"<bpmndi:BPMNEdge id="t_di_di_di" bpmnElement="t_di_di">"#), "{out}");
    let after = parsed(&out);
    assert!(after.warnings.is_empty(), "{:?}", after.warnings);
    let d = &after.diagrams[0];
    assert_eq!(d.shapes.len(), laid.shapes.len());
    assert!(d.shapes.iter().zip(&laid.shapes).all(|(a, b)| a.element == b.element));
    assert_eq!(d.shapes[0].element, "a&\"b");

    // A hand-built diagram: a name and ids with markup, newlines and tabs come back as they were.
    let file = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p"/></definitions>"#;
    let shape = Shape {
        id: Some("s<1>\n\tx".into()),
        element: "p".into(),
        bounds: Bounds { x: 1.005, y: -0.001, width: 100.0, height: 80.456 },
        label: Some(Bounds { x: 12.3456, y: 1e6, width: 0.5, height: 7.1 }),
        is_horizontal: Some(true),
        is_expanded: Some(false),
        is_marker_visible: None,
    };
    let diagram = Diagram {
        id: None,
        name: Some("Q&A \"1\" <x>".into()),
        plane_element: Some("p".into()),
        shapes: vec![shape],
        edges: vec![Edge {
            id: None,
            element: "p".into(),
            waypoints: vec![Point { x: 0.0, y: 0.0 }, Point { x: 2.5, y: 3.0 }],
            label: Some(Bounds { x: 1.0, y: 2.0, width: 3.0, height: 4.0 }),
        }],
    };
    let out = with_diagram(file, &diagram).unwrap();
    assert!(out.contains(r#"name="Q&amp;A &quot;1&quot; &lt;x&gt;""#), "{out}");
    assert!(
        out.contains(
            r#"<bpmndi:BPMNShape id="s&lt;1&gt;&#10;&#9;x" bpmnElement="p" isHorizontal="true" isExpanded="false">"#
        ),
        "{out}"
    );
    assert!(out.contains(r#"<dc:Bounds x="1" y="0" width="100" height="80.46" />"#), "{out}");
    assert!(out.contains(r#"<dc:Bounds x="12.35" y="1000000" width="0.5" height="7.1" />"#), "{out}");
    assert!(out.contains(r#"<di:waypoint x="2.5" y="3" />"#), "{out}");
    let after = parsed(&out);
    assert_eq!(after.diagrams[0].name.as_deref(), Some("Q&A \"1\" <x>"));
    assert_eq!(after.diagrams[0].shapes[0].id.as_deref(), Some("s<1>\n\tx"));
    assert_eq!(after.diagrams[0].edges[0].label, Some(Bounds { x: 1.0, y: 2.0, width: 3.0, height: 4.0 }));

    // What XML cannot hold is refused, not written.
    let mut bad = diagram.clone();
    bad.shapes[0].bounds.x = f64::NAN;
    assert_eq!(with_diagram(file, &bad), Err(Refusal::Unwritable));
    let mut bad = diagram;
    bad.edges[0].element = "p\u{1}".into();
    assert_eq!(with_diagram(file, &bad), Err(Refusal::Unwritable));
}

#[test]
fn numbers_have_at_most_two_decimals_and_no_needless_ones() {
    let cases = [(152.0, "152"), (80.5, "80.5"), (-12.25, "-12.25"), (0.126, "0.13"), (-0.0, "0"), (-0.004, "0")];
    for (v, s) in cases {
        assert_eq!(number(v).as_deref(), Ok(s), "{v}");
    }
    assert_eq!(number(1e21).as_deref(), Ok("1000000000000000000000"));
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(number(v), Err(Refusal::Unwritable));
    }
}

#[test]
fn a_byte_order_mark_stays_in_front() {
    let input = "\u{FEFF}<?xml version=\"1.0\"?>\n<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n  <process id=\"p\"><task id=\"t\" name=\"审批\"/></process>\n</definitions>\n";
    let (out, laid) = written(input);
    assert!(out.starts_with(&input[..input.find("</definitions>").unwrap()]), "{out}");
    assert!(out.ends_with("  </bpmndi:BPMNDiagram>\n</definitions>\n"), "{out}");
    assert_eq!(problems("bom", input, &parsed(input), &laid, &out), Vec::<String>::new());
}
