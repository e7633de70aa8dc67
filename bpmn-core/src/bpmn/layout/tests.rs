//! The layout of every MIWG reference model (with its diagram removed) and of small
//! hand-written flows: every node gets one shape, nothing overlaps, every flow an edge, the
//! result renders; splits fan out, joins line up, loops go back, boundary events sit on their
//! host; odd hand-built models never panic.

use std::collections::HashMap;

use super::*;
use crate::bpmn::model::{FlowNode, Lane, SequenceFlow};
use crate::bpmn::parse::{parse, ParseOptions};
use crate::bpmn::render::{render_svg, RenderOptions};

#[path = "../../../tests/common/mod.rs"]
mod common;

use common::miwg_files;

/// A file of `body` (processes, collaborations) without any diagram.
fn defs(body: &str) -> Definitions {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="t">{body}</definitions>"#
    );
    let d = parse(xml.as_bytes(), &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(d.diagrams.is_empty());
    d
}

fn finite(b: &Bounds) -> bool {
    [b.x, b.y, b.width, b.height, b.x + b.width, b.y + b.height].iter().all(|v| v.is_finite())
}

fn overlap(a: &Bounds, b: &Bounds) -> bool {
    a.x < right(b) && b.x < right(a) && a.y < bottom(b) && b.y < bottom(a)
}

fn inside(inner: &Bounds, outer: &Bounds) -> bool {
    inner.x >= outer.x && inner.y >= outer.y && right(inner) <= right(outer) && bottom(inner) <= bottom(outer)
}

fn on_border(p: &Point, b: &Bounds) -> bool {
    let e = 0.5;
    p.x >= b.x - e && p.x <= right(b) + e && p.y >= b.y - e && p.y <= bottom(b) + e
}

/// Whether `a` is (transitively) inside sub-process `b`.
fn within(p: &Process, a: NodeIdx, b: NodeIdx) -> bool {
    let mut x = p.nodes[a].scope;
    for _ in 0..p.nodes.len() {
        match x {
            Some(s) if s == b => return true,
            Some(s) => x = p.nodes.get(s).and_then(|n| n.scope),
            None => return false,
        }
    }
    false
}

fn attached(p: &Process, a: NodeIdx, b: NodeIdx) -> bool {
    matches!(p.nodes[a].kind, NodeKind::BoundaryEvent { attached_to, .. } if attached_to == b)
}

/// Everything the layout promises about `d` (laid out into its diagrams), as problems.
fn problems(name: &str, d: &Definitions) -> Vec<String> {
    let mut out = Vec::new();
    let Some(diagram) = d.diagrams.first() else {
        return vec![format!("{name}: no diagram")];
    };
    let mut shapes: HashMap<&str, Vec<&Shape>> = HashMap::new();
    for s in &diagram.shapes {
        shapes.entry(s.element.as_str()).or_default().push(s);
        if s.id.as_deref() != Some(format!("{}_di", s.element).as_str()) {
            out.push(format!("{name}: shape id {:?} of {}", s.id, s.element));
        }
        if d.get(&s.element).is_none() {
            out.push(format!("{name}: shape of unknown element {}", s.element));
        }
    }
    let mut edges: HashMap<&str, Vec<&Edge>> = HashMap::new();
    for e in &diagram.edges {
        edges.entry(e.element.as_str()).or_default().push(e);
    }
    for p in &d.processes {
        let mut placed = Vec::new();
        for (i, n) in p.nodes.iter().enumerate() {
            match shapes.get(n.id.as_str()).map(Vec::as_slice) {
                Some([s]) if finite(&s.bounds) && s.bounds.width > 0.0 && s.bounds.height > 0.0 => {
                    placed.push((i, s.bounds))
                }
                Some([s]) => out.push(format!("{name}: {} has bounds {:?}", n.id, s.bounds)),
                other => out.push(format!("{name}: {} has {} shapes", n.id, other.map_or(0, <[_]>::len))),
            }
        }
        for (k, &(a, ba)) in placed.iter().enumerate() {
            for &(b, bb) in &placed[k + 1..] {
                let exempt = attached(p, a, b) || attached(p, b, a) || within(p, a, b) || within(p, b, a);
                if !exempt && overlap(&ba, &bb) {
                    out.push(format!("{name}: {} {ba:?} overlaps {} {bb:?}", p.nodes[a].id, p.nodes[b].id));
                }
            }
            if let NodeKind::BoundaryEvent { attached_to, .. } = p.nodes[a].kind {
                if let Some(&(_, host)) = placed.iter().find(|x| x.0 == attached_to) {
                    let c = pt(cx(&ba), cy(&ba));
                    if (c.y - bottom(&host)).abs() > 0.01 || c.x < host.x || c.x > right(&host) {
                        out.push(format!("{name}: boundary {} is not on its host's bottom border", p.nodes[a].id));
                    }
                }
            }
            if let Some(s) = p.nodes[a].scope {
                if let Some(&(_, outer)) = placed.iter().find(|x| x.0 == s) {
                    if !inside(&ba, &outer) && !attached(p, a, s) {
                        out.push(format!("{name}: {} is outside its sub-process {}", p.nodes[a].id, p.nodes[s].id));
                    }
                }
            }
        }
        let at: HashMap<NodeIdx, Bounds> = placed.iter().copied().collect();
        for f in &p.flows {
            let Some([e]) = edges.get(f.id.as_str()).map(Vec::as_slice) else {
                out.push(format!("{name}: flow {} has no single edge", f.id));
                continue;
            };
            let ok = e.waypoints.iter().all(|w| w.x.is_finite() && w.y.is_finite());
            if e.waypoints.len() < 2 || !ok {
                out.push(format!("{name}: flow {} has waypoints {:?}", f.id, e.waypoints));
                continue;
            }
            if let (Some(s), Some(t)) = (at.get(&f.source), at.get(&f.target)) {
                if !on_border(&e.waypoints[0], s) || !on_border(&e.waypoints[e.waypoints.len() - 1], t) {
                    out.push(format!("{name}: flow {} does not join its ends: {:?}", f.id, e.waypoints));
                }
            }
            // No flow runs through a node other than its ends, their hosts and sub-processes.
            let mut ends = vec![f.source, f.target];
            for end in [f.source, f.target] {
                if let Some(NodeKind::BoundaryEvent { attached_to, .. }) = p.nodes.get(end).map(|n| &n.kind) {
                    ends.push(*attached_to);
                }
            }
            for &(i, b) in &placed {
                if ends.contains(&i) || ends.iter().any(|&x| x < p.nodes.len() && within(p, x, i)) {
                    continue;
                }
                let hit = e.waypoints.windows(2).any(|w| {
                    let (x0, x1) = (w[0].x.min(w[1].x), w[0].x.max(w[1].x));
                    let (y0, y1) = (w[0].y.min(w[1].y), w[0].y.max(w[1].y));
                    x0 < right(&b) - 1.0 && x1 > b.x + 1.0 && y0 < bottom(&b) - 1.0 && y1 > b.y + 1.0
                });
                if hit {
                    out.push(format!("{name}: flow {} runs through {}", f.id, p.nodes[i].id));
                }
            }
        }
    }
    for c in &d.collaborations {
        for part in &c.participants {
            if shapes.get(part.id.as_str()).map_or(0, Vec::len) != 1 {
                out.push(format!("{name}: participant {} has no single shape", part.id));
            }
        }
        for m in &c.message_flows {
            let drawn = shapes.contains_key(m.source.as_str()) && shapes.contains_key(m.target.as_str());
            if drawn && edges.get(m.id.as_str()).map_or(0, Vec::len) != 1 {
                out.push(format!("{name}: message flow {} has no single edge", m.id));
            }
        }
    }
    out.extend(drawing_problems(name, d));
    out
}

/// What is wrong with the drawing of `d`'s first diagram: it does not render, or a flow node
/// is not in it.
pub(super) fn drawing_problems(name: &str, d: &Definitions) -> Vec<String> {
    match render_svg(d, &RenderOptions::default()) {
        Ok(svg) => d
            .processes
            .iter()
            .flat_map(|p| &p.nodes)
            .filter(|n| !svg.contains(&format!("data-element-id=\"{}\"", n.id)))
            .map(|n| format!("{name}: {} is not drawn", n.id))
            .collect(),
        Err(e) => vec![format!("{name}: does not render: {e}")],
    }
}

/// Lays `d` out into its (empty) diagrams.
fn laid_out(mut d: Definitions) -> Definitions {
    d.diagrams = layout(&d);
    d
}

/// `body` laid out, with no problem found (see [`problems`]); `name` names it in a failure.
fn clean(name: &str, body: &str) -> Definitions {
    let d = laid_out(defs(body));
    let found = problems(name, &d);
    assert!(found.is_empty(), "{found:?}");
    d
}

fn bounds_of<'d>(d: &'d Definitions, id: &str) -> &'d Bounds {
    &d.diagrams[0].shapes.iter().find(|s| s.element == id).unwrap_or_else(|| panic!("no shape of {id}")).bounds
}

fn waypoints<'d>(d: &'d Definitions, id: &str) -> &'d [Point] {
    &d.diagrams[0].edges.iter().find(|e| e.element == id).unwrap_or_else(|| panic!("no edge of {id}")).waypoints
}

#[test]
fn every_miwg_reference_model_lays_out_without_its_diagram() {
    let files = miwg_files();
    assert!(files.len() >= 21, "only {} reference models", files.len());
    let mut all = Vec::new();
    for path in &files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut d = parse(&bytes, &ParseOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        d.diagrams.clear();
        let first = layout(&d);
        assert_eq!(first, layout(&d), "{name}: the layout is deterministic");
        d.diagrams = first;
        all.extend(problems(&name, &d));
    }
    assert!(all.is_empty(), "{} problem(s):\n{}", all.len(), all.join("\n"));
}

#[test]
fn a_linear_flow_goes_strictly_left_to_right() {
    let d = clean(
        "linear",
        r#"<process id="p" isExecutable="true">
  <startEvent id="s"/><task id="a"/><userTask id="b"/><endEvent id="e"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="a"/><sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
  <sequenceFlow id="f3" sourceRef="b" targetRef="e"/>
</process>"#,
    );
    let ids = ["s", "a", "b", "e"];
    for w in ids.windows(2) {
        let (l, r) = (bounds_of(&d, w[0]), bounds_of(&d, w[1]));
        assert!(right(l) < r.x, "{} before {}", w[0], w[1]);
        assert!((cy(l) - cy(r)).abs() < 0.01, "{} and {} in line", w[0], w[1]);
    }
    assert_eq!((bounds_of(&d, "s").width, bounds_of(&d, "a").width, bounds_of(&d, "a").height), (36.0, 100.0, 80.0));
    // Straight arrows from right side to left side.
    let f2 = waypoints(&d, "f2");
    assert_eq!(f2.len(), 2);
    assert_eq!(f2[0].x, right(bounds_of(&d, "a")));
    assert_eq!(f2[1].x, bounds_of(&d, "b").x);
}

#[test]
fn an_exclusive_split_fans_out_and_its_join_lines_up() {
    let d = clean(
        "split",
        r#"<process id="p" isExecutable="true">
  <startEvent id="s"/><exclusiveGateway id="split"/><task id="a"/><task id="b"/><task id="c"/>
  <exclusiveGateway id="join"/><endEvent id="e"/>
  <sequenceFlow id="f0" sourceRef="s" targetRef="split"/>
  <sequenceFlow id="fa" sourceRef="split" targetRef="a"/><sequenceFlow id="fb" sourceRef="split" targetRef="b"/>
  <sequenceFlow id="fc" sourceRef="split" targetRef="c"/>
  <sequenceFlow id="ja" sourceRef="a" targetRef="join"/><sequenceFlow id="jb" sourceRef="b" targetRef="join"/>
  <sequenceFlow id="jc" sourceRef="c" targetRef="join"/><sequenceFlow id="fe" sourceRef="join" targetRef="e"/>
</process>"#,
    );
    let (split, join) = (bounds_of(&d, "split"), bounds_of(&d, "join"));
    let branches = ["a", "b", "c"].map(|id| bounds_of(&d, id));
    for (i, x) in branches.iter().enumerate() {
        assert!(x.x > right(split) && right(x) < join.x, "branch {i} between split and join");
        for y in &branches[i + 1..] {
            assert!(bottom(x) <= y.y || bottom(y) <= x.y, "branches on different rows");
        }
    }
    assert_eq!(cy(split), cy(join), "the join lines up with its split");
    assert_eq!(cy(branches[0]), cy(split), "the first branch stays in line");
    // The other branches leave the split from its bottom corner.
    assert_eq!(waypoints(&d, "fb")[0], pt(cx(split), bottom(split)));
}

#[test]
fn a_loop_back_goes_below_and_its_target_stays_left() {
    let d = clean(
        "loop",
        r#"<process id="p" isExecutable="true">
  <startEvent id="s"/><task id="a"/><task id="b"/><exclusiveGateway id="g"/><endEvent id="e"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="a"/><sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
  <sequenceFlow id="f3" sourceRef="b" targetRef="g"/><sequenceFlow id="f4" sourceRef="g" targetRef="e"/>
  <sequenceFlow id="back" sourceRef="g" targetRef="a"/><sequenceFlow id="self" sourceRef="b" targetRef="b"/>
</process>"#,
    );
    let (a, b, g) = (bounds_of(&d, "a"), bounds_of(&d, "b"), bounds_of(&d, "g"));
    assert!(right(a) < b.x && right(b) < g.x);
    let back = waypoints(&d, "back");
    let lowest = back.iter().map(|p| p.y).fold(f64::MIN, f64::max);
    assert!(lowest > bottom(a).max(bottom(g)), "the loop runs below: {back:?}");
    assert_eq!(back.last().copied(), Some(pt(a.x, cy(a))), "into the target's left side");
    assert!(waypoints(&d, "self").len() >= 4);
}

#[test]
fn a_boundary_event_sits_on_its_hosts_bottom_edge_and_its_flow_goes_down_then_right() {
    let d = clean(
        "boundary",
        r#"<process id="p" isExecutable="true">
  <startEvent id="s"/><userTask id="t"/><endEvent id="e"/>
  <boundaryEvent id="timer" attachedToRef="t"><timerEventDefinition/></boundaryEvent>
  <boundaryEvent id="err" attachedToRef="t"><errorEventDefinition/></boundaryEvent>
  <task id="late"/><endEvent id="e2"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="t"/><sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
  <sequenceFlow id="f3" sourceRef="timer" targetRef="late"/><sequenceFlow id="f4" sourceRef="late" targetRef="e2"/>
</process>"#,
    );
    let (t, timer, err) = (bounds_of(&d, "t"), bounds_of(&d, "timer"), bounds_of(&d, "err"));
    for b in [timer, err] {
        assert_eq!(cy(b), bottom(t));
        assert!(b.x >= t.x && right(b) <= right(t));
    }
    assert!(!overlap(timer, err));
    let late = bounds_of(&d, "late");
    assert!(late.y > bottom(t) && late.x > right(t), "the timer's target is below, to the right");
    let f3 = waypoints(&d, "f3");
    assert_eq!(f3, &[pt(cx(timer), bottom(timer)), pt(cx(timer), cy(late)), pt(late.x, cy(late))]);
}

#[test]
fn sub_processes_lanes_and_pools() {
    let d = clean(
        "pools",
        r#"<collaboration id="c">
  <participant id="pool1" name="Customer" processRef="p1"/><participant id="pool2" processRef="p2"/>
  <participant id="bb" name="Bank"/>
  <messageFlow id="m1" sourceRef="t1" targetRef="r2"/><messageFlow id="m2" sourceRef="bb" targetRef="r2"/>
  <textAnnotation id="note"><text>Hello</text></textAnnotation>
</collaboration>
<process id="p1" isExecutable="true">
  <laneSet id="ls"><lane id="l1"><flowNodeRef>s1</flowNodeRef><flowNodeRef>sub</flowNodeRef></lane>
    <lane id="l2"><flowNodeRef>t1</flowNodeRef><flowNodeRef>e1</flowNodeRef></lane></laneSet>
  <startEvent id="s1"/>
  <subProcess id="sub"><startEvent id="ss"/><task id="st"/><endEvent id="se"/>
    <sequenceFlow id="sf1" sourceRef="ss" targetRef="st"/><sequenceFlow id="sf2" sourceRef="st" targetRef="se"/>
  </subProcess>
  <sendTask id="t1"/><endEvent id="e1"/>
  <subProcess id="events" triggeredByEvent="true"><startEvent id="es"/></subProcess>
  <dataStoreReference id="store"/>
  <sequenceFlow id="f1" sourceRef="s1" targetRef="sub"/><sequenceFlow id="f2" sourceRef="sub" targetRef="t1"/>
  <sequenceFlow id="f3" sourceRef="t1" targetRef="e1"/>
  <association id="as" sourceRef="t1" targetRef="store"/>
</process>
<process id="p2" isExecutable="true"><receiveTask id="r2"/></process>
<process id="p3" isExecutable="true"><task id="alone"/></process>"#,
    );
    let diagram = &d.diagrams[0];
    assert_eq!(diagram.plane_element.as_deref(), Some("c"));
    let (pool1, pool2, bb) = (bounds_of(&d, "pool1"), bounds_of(&d, "pool2"), bounds_of(&d, "bb"));
    assert!(bottom(pool1) < pool2.y && bottom(pool2) < bb.y, "pools stacked");
    assert_eq!((pool1.width, pool1.x), (pool2.width, pool2.x));
    for id in ["s1", "sub", "ss", "st", "se", "t1", "e1", "events", "es", "store"] {
        assert!(inside(bounds_of(&d, id), pool1), "{id} in its pool");
    }
    assert!(inside(bounds_of(&d, "r2"), pool2));
    assert!(bottom(bb) < bounds_of(&d, "alone").y, "a process without a pool comes after the pools");
    // Lanes: each node in its lane, the lanes fill the pool below each other.
    let (l1, l2) = (bounds_of(&d, "l1"), bounds_of(&d, "l2"));
    for (id, lane) in [("s1", l1), ("sub", l1), ("t1", l2), ("e1", l2)] {
        assert!(inside(bounds_of(&d, id), lane), "{id} in its lane");
    }
    assert_eq!(bottom(l1), l2.y);
    assert_eq!((l1.y, bottom(l2)), (pool1.y, bottom(pool1)));
    // The sub-process is expanded around its content.
    let sub = diagram.shapes.iter().find(|s| s.element == "sub").unwrap();
    assert_eq!(sub.is_expanded, Some(true));
    for id in ["ss", "st", "se"] {
        assert!(inside(bounds_of(&d, id), &sub.bounds));
    }
    assert!(right(bounds_of(&d, "ss")) < bounds_of(&d, "st").x);
    // Message flows run down from the sender to the receiver.
    let m1 = waypoints(&d, "m1");
    assert_eq!(m1[0].y, bottom(bounds_of(&d, "t1")));
    assert_eq!(m1[m1.len() - 1].y, bounds_of(&d, "r2").y);
    assert!(waypoints(&d, "m2")[0].y == bb.y);
    assert_eq!(waypoints(&d, "as").len(), 2);
    assert!(diagram.shapes.iter().any(|s| s.element == "note"));
}

fn node(id: &str, kind: NodeKind, scope: Option<NodeIdx>) -> FlowNode {
    FlowNode { scope, ..FlowNode::bare(id, Some(&format!("Node {id}")), kind) }
}

fn flow(id: &str, source: NodeIdx, target: NodeIdx) -> SequenceFlow {
    SequenceFlow::bare(id, source, target)
}

#[test]
fn odd_hand_built_models_never_panic() {
    let sub = NodeKind::SubProcess { triggered_by_event: false };
    let boundary = |attached_to| NodeKind::BoundaryEvent {
        attached_to,
        cancel_activity: true,
        trigger: crate::bpmn::model::EventTrigger::None,
    };
    let mut p = Process { id: "p".into(), ..Default::default() };
    p.nodes = vec![
        node("a", NodeKind::Task, None),
        // Two sub-processes inside each other.
        node("x", sub.clone(), Some(2)),
        node("y", sub.clone(), Some(1)),
        node("in", NodeKind::Task, Some(1)),
        // Scope out of range, scope on a task, a boundary on itself, on nothing, on a gateway.
        node("lost", NodeKind::Task, Some(99)),
        node("on_task", NodeKind::Task, Some(0)),
        node("b_self", boundary(6), None),
        node("b_none", boundary(42), None),
        node("gw", NodeKind::ParallelGateway, None),
        node("b_gw", boundary(8), None),
        // A boundary whose host is in another scope.
        node("b_far", boundary(3), None),
        node("sub_self", sub, Some(11)),
    ];
    p.flows = vec![
        flow("c1", 0, 8),
        flow("c2", 8, 0),
        flow("loop", 0, 0),
        flow("into", 0, 3),
        flow("out", 3, 0),
        flow("far", 10, 9),
        flow("dangling", 0, 1000),
        flow("dangling2", 2000, 0),
    ];
    p.lanes = vec![
        Lane { id: "l0".into(), name: None, parent: Some(1), flow_node_refs: vec!["a".into(), "nope".into()] },
        Lane { id: "l1".into(), name: None, parent: Some(0), flow_node_refs: vec!["gw".into(), "in".into()] },
        Lane { id: "l2".into(), name: None, parent: Some(7), flow_node_refs: vec![] },
    ];
    let mut d =
        Definitions { processes: vec![p, Process { id: "empty".into(), ..Default::default() }], ..Default::default() };
    d.collaborations.push(crate::bpmn::model::Collaboration {
        id: "c".into(),
        participants: vec![
            crate::bpmn::model::Participant { id: "pp".into(), name: None, process_ref: Some("p".into()) },
            crate::bpmn::model::Participant { id: "again".into(), name: None, process_ref: Some("p".into()) },
        ],
        message_flows: vec![crate::bpmn::model::MessageFlow {
            id: "m".into(),
            name: None,
            source: "a".into(),
            target: "nowhere".into(),
        }],
        ..Default::default()
    });
    let first = layout(&d);
    assert_eq!(first, layout(&d));
    let diagram = &first[0];
    for n in &d.processes[0].nodes {
        let found: Vec<_> = diagram.shapes.iter().filter(|s| s.element == n.id).collect();
        assert_eq!(found.len(), 1, "{}", n.id);
        assert!(finite(&found[0].bounds) && found[0].bounds.width > 0.0);
    }
    for e in &diagram.edges {
        assert!(e.waypoints.len() >= 2 && e.waypoints.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
    }
    let drawn: Vec<_> = diagram.edges.iter().map(|e| e.element.as_str()).collect();
    for id in ["c1", "c2", "loop", "into", "out", "far"] {
        assert!(drawn.contains(&id), "{id}");
    }
    // Nothing at all: no diagram; a file of empty processes: one, without shapes.
    assert!(layout(&Definitions::default()).is_empty());
    let empty = Definitions { processes: vec![Process::default()], ..Default::default() };
    assert_eq!(layout(&empty).len(), 1);
    assert!(layout(&empty)[0].shapes.is_empty());
}

#[test]
fn a_process_without_a_start_event_and_only_a_cycle_still_lays_out() {
    let d = clean(
        "cycle",
        r#"<process id="p" isExecutable="true">
  <task id="a"/><task id="b"/><task id="c"/><intermediateThrowEvent id="lonely"/>
  <sequenceFlow id="f1" sourceRef="a" targetRef="b"/><sequenceFlow id="f2" sourceRef="b" targetRef="c"/>
  <sequenceFlow id="f3" sourceRef="c" targetRef="a"/>
</process>"#,
    );
    assert!(right(bounds_of(&d, "a")) < bounds_of(&d, "b").x);
    assert!(bottom(bounds_of(&d, "a")) < bounds_of(&d, "lonely").y, "an isolated node goes below");
}

#[test]
fn deep_nesting_and_long_flows_lay_out_without_recursion() {
    // 400 sub-processes inside each other, each with a task, all chained by flows across scopes.
    let mut p = Process { id: "deep".into(), ..Default::default() };
    for i in 0..400usize {
        let scope = i.checked_sub(1).map(|s| s * 2);
        p.nodes.push(node(&format!("sp{i}"), NodeKind::SubProcess { triggered_by_event: false }, scope));
        p.nodes.push(node(&format!("t{i}"), NodeKind::Task, Some(i * 2)));
        if i > 0 {
            p.flows.push(flow(&format!("f{i}"), (i - 1) * 2 + 1, i * 2 + 1));
        }
    }
    // 3000 nodes: a chain of splits, each with a branch that loops back.
    let mut q = Process { id: "long".into(), ..Default::default() };
    for i in 0..1500 {
        q.nodes.push(node(&format!("g{i}"), NodeKind::ExclusiveGateway, None));
        q.nodes.push(node(&format!("a{i}"), NodeKind::Task, None));
        q.flows.push(flow(&format!("ga{i}"), i * 2, i * 2 + 1));
        q.flows.push(flow(&format!("back{i}"), i * 2 + 1, i * 2));
        if i > 0 {
            q.flows.push(flow(&format!("next{i}"), (i - 1) * 2, i * 2));
        }
    }
    let d = Definitions { processes: vec![p, q], ..Default::default() };
    let diagrams = layout(&d);
    let shapes = &diagrams[0].shapes;
    assert_eq!(shapes.len(), 800 + 3000);
    assert!(shapes.iter().all(|s| finite(&s.bounds) && s.bounds.width > 0.0));
    let edges = &diagrams[0].edges;
    assert_eq!(edges.len(), 399 + 1500 * 3 - 1);
    assert!(edges.iter().all(|e| e.waypoints.len() >= 2));
    // The innermost task is inside the outermost sub-process.
    let at = |id: &str| shapes.iter().find(|s| s.element == id).map(|s| s.bounds).unwrap();
    assert!(inside(&at("t399"), &at("sp0")));
}
