//! Automatic layout: a diagram for a BPMN file that carries none (no BPMNDI), so that it can
//! be drawn all the same. Left to right, in the spirit of bpmn.io's `bpmn-auto-layout` (own
//! code), with bpmn.io's standard sizes: events 36×36, gateways 50×50, tasks, call activities
//! and collapsed sub-processes 100×80.
//!
//! Per scope (the process level and each embedded sub-process):
//!
//! 1. **Columns**: a depth-first search from the start events along the sequence flows marks
//!    every flow that closes a cycle as a back edge; the remaining flows form a DAG whose
//!    longest-path layering gives each node its column. A flow between scopes counts, in the
//!    innermost scope holding both ends, between the sub-processes that hold them.
//! 2. **Rows**: a second depth-first walk in the same order places each node at the first free
//!    row of its column at or below the row its predecessor suggests: the first branch of a
//!    split stays in line, the next ones fan out below, a join takes the row of the branch that
//!    reaches it first (so it lines up with its split), and the targets of a boundary event go
//!    below its host. Nodes without any flow (an event sub-process, a lone task) and artifacts
//!    go on shelves below the grid.
//! 3. **Geometry**: columns are as wide as their widest node, rows as high as their highest,
//!    with gaps of 50 px (110 px after a column a named flow leaves) and 60 px; each node is
//!    centred in its cell. Boundary events sit on their host's bottom border (a host widens to
//!    hold them), their names beside the line their flows take downwards; gateway names go
//!    above the gateway, whose bottom corner is where branches leave.
//! 4. **Edges** are orthogonal polylines from the source's right side to the target's left
//!    side (a split gateway may leave from its bottom or top corner, a join may be entered
//!    there). Vertical segments run in the gaps between columns and horizontal detours in the
//!    gaps between rows, so that no flow runs through a node of the grid; back edges loop below
//!    the rows they join. A boundary event's flows leave it downwards, then turn right. A flow
//!    between two scopes is drawn last, through the middle between its ends.
//!
//! An expanded sub-process is laid out recursively inside its own bounds (`isExpanded="true"`);
//! the scopes are handled innermost first without recursion, so any nesting depth is fine. A
//! sub-process without children is drawn collapsed (`isExpanded="false"`) at task size.
//!
//! A collaboration gives one pool per participant, stacked vertically and equally wide, its
//! process inside (a participant without a process, or whose process another pool already
//! shows, is an empty black-box pool); lanes are horizontal bands inside the pool, nested lanes
//! with a header band each, every node in the band of its lane (a node in no lane goes in the
//! last one). Processes no pool shows follow below without a pool. Message flows run vertically
//! between the pools and turn in the gap above (or below) the target's pool.
//!
//! Text annotations, data object references and data stores go on a shelf below their scope,
//! under the node they are associated with when there is one; associations are straight dotted
//! lines (an association between two flow nodes, such as a compensation boundary event and its
//! handler, is laid out like a boundary event's flow). Left out: groups, and data inputs and
//! outputs (the model does not say whether one is the process's or inside an activity's
//! `ioSpecification`, where it is never drawn).
//!
//! Everything goes into one diagram, so that the overlay of an instance of any process of the
//! file finds its elements. Shape and edge ids are `<elementId>_di`. The layout is pure and
//! deterministic, and never panics: cycles, missing start events, references to nothing, scope
//! cycles in a hand-built model and empty processes all get a place.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::model::{
    ArtifactKind, Bounds, Definitions, Diagram, Edge, ElementRef, FlowIdx, NodeCategory, NodeIdx, NodeKind, Point,
    Process, Shape,
};

#[cfg(test)]
mod tests;
pub mod write;

/// Events are circles of this diameter.
const EVENT: f64 = 36.0;
/// Gateways are diamonds of this size.
const GATEWAY: f64 = 50.0;
/// Tasks, call activities and collapsed sub-processes.
const TASK_W: f64 = 100.0;
const TASK_H: f64 = 80.0;
/// Horizontal gap between two columns.
const COL_GAP: f64 = 50.0;
/// The gap after a column that a named flow leaves.
const NAMED_GAP: f64 = 110.0;
/// Vertical gap between two rows (room for labels under events and gateways).
const ROW_GAP: f64 = 60.0;
/// Space between a scope's border and its content, left/right and top/bottom.
const PAD_X: f64 = 30.0;
const PAD_Y: f64 = 30.0;
/// Horizontal detours of edges run this far below (or above) a row.
const CHANNEL: f64 = 26.0;
/// Extra room at the top of an expanded sub-process for its name.
const SUB_TOP: f64 = 20.0;
/// The name band of a pool or lane.
const HEADER: f64 = 30.0;
/// Minimum height of a lane.
const MIN_BAND: f64 = 100.0;
/// Minimum height of a pool with a process, and the height of a black-box pool.
const MIN_POOL_H: f64 = 100.0;
const BLACK_BOX_H: f64 = 80.0;
/// Minimum width of a pool, and the gap between two pools (or unpooled processes).
const MIN_POOL_W: f64 = 600.0;
const POOL_GAP: f64 = 50.0;
/// Gap between two boundary events on the same border.
const BOUNDARY_GAP: f64 = 10.0;
/// Gap between two items of a shelf.
const SHELF_GAP: f64 = 40.0;
/// A shelf wraps once it is wider than its grid and this.
const SHELF_WIDTH: f64 = 800.0;

/// Lays out every process of `defs` (and its collaborations' pools and message flows) in one
/// new diagram; empty when the file has neither a process nor a participant. Existing diagrams
/// are not looked at: callers use this when `defs.diagrams` is empty.
pub fn layout(defs: &Definitions) -> Vec<Diagram> {
    let participants: Vec<_> = defs.collaborations.iter().flat_map(|c| &c.participants).collect();
    if defs.processes.is_empty() && participants.is_empty() {
        return Vec::new();
    }
    let layouts: Vec<ProcessLayout> = defs.processes.iter().map(layout_process).collect();
    let mut claimed = vec![false; defs.processes.len()];
    let pools: Vec<(&str, Option<usize>)> = participants
        .iter()
        .map(|part| {
            let process = part.process_ref.as_deref().and_then(|r| process_index(defs, r));
            let process = process.filter(|&i| !std::mem::replace(&mut claimed[i], true));
            (part.id.as_str(), process)
        })
        .collect();

    let mut shapes = Vec::new();
    let mut edges = Vec::new();
    let mut y = 0.0;
    let mut pool_boxes = Vec::new();
    if !pools.is_empty() {
        let content_w = pools.iter().filter_map(|&(_, p)| p.map(|i| layouts[i].width())).fold(MIN_POOL_W, f64::max);
        let pool_w = HEADER + content_w;
        for &(id, process) in &pools {
            let h = process.map_or(BLACK_BOX_H, |i| layouts[i].block.h.max(MIN_POOL_H));
            let bounds = Bounds { x: 0.0, y, width: pool_w, height: h };
            shapes.push(Shape { is_horizontal: Some(true), ..shape(id, bounds) });
            pool_boxes.push(bounds);
            if let Some(i) = process {
                layouts[i].place(&defs.processes[i], HEADER, y, content_w, h, &mut shapes, &mut edges);
            }
            y += h + POOL_GAP;
        }
    }
    for (i, l) in layouts.iter().enumerate().filter(|&(i, _)| !claimed[i]) {
        l.place(&defs.processes[i], 0.0, y, l.width(), l.block.h, &mut shapes, &mut edges);
        y += l.block.h + POOL_GAP;
    }

    // Collaboration-level annotations: one shelf under everything.
    let mut x = 0.0;
    for a in defs.collaborations.iter().flat_map(|c| &c.artifacts) {
        if let Some((w, h)) = artifact_size(&a.kind, a.text.as_deref()) {
            shapes.push(shape(&a.id, Bounds { x, y, width: w, height: h }));
            x += w + SHELF_GAP;
        }
    }

    let mut at: HashMap<&str, Bounds> = HashMap::new();
    for s in &shapes {
        at.entry(s.element.as_str()).or_insert(s.bounds);
    }
    // Flows between scopes (a tool may draw one from inside a sub-process to outside it).
    let mut loose = Vec::new();
    for (p, l) in defs.processes.iter().zip(&layouts) {
        for &(f, from_boundary) in &l.loose {
            let Some(flow) = p.flows.get(f) else { continue };
            let ends = p.nodes.get(flow.source).zip(p.nodes.get(flow.target));
            if let Some((s, t)) = ends.and_then(|(s, t)| at.get(s.id.as_str()).zip(at.get(t.id.as_str()))) {
                loose.push(edge(&flow.id, loose_route(*s, *t, from_boundary)));
            }
        }
    }
    edges.extend(loose);
    // Message flows between pools.
    let is_pool: HashSet<&str> = participants.iter().map(|p| p.id.as_str()).collect();
    let pool_of = |b: &Bounds| pool_boxes.iter().find(|p| inside_point(p, cx(b), cy(b))).copied();
    for m in defs.collaborations.iter().flat_map(|c| &c.message_flows) {
        if let (Some(s), Some(t)) = (at.get(m.source.as_str()), at.get(m.target.as_str())) {
            let s_end = End { b: *s, pool: is_pool.contains(m.source.as_str()), within: pool_of(s) };
            let t_end = End { b: *t, pool: is_pool.contains(m.target.as_str()), within: pool_of(t) };
            edges.push(edge(&m.id, message_route(&s_end, &t_end)));
        }
    }
    // Associations, once every shape and edge is known; an edge's end is its middle.
    for e in &edges {
        if let Some(p) = e.waypoints.get(e.waypoints.len() / 2) {
            at.entry(e.element.as_str()).or_insert(Bounds { x: p.x, y: p.y, width: 0.0, height: 0.0 });
        }
    }
    let drawn: HashSet<String> = edges.iter().map(|e| e.element.clone()).collect();
    let artifacts = defs.processes.iter().flat_map(|p| &p.artifacts);
    let mut associations = Vec::new();
    for a in artifacts.chain(defs.collaborations.iter().flat_map(|c| &c.artifacts)) {
        if drawn.contains(&a.id) {
            continue;
        }
        let (source, target) = match &a.kind {
            ArtifactKind::Association { source, target, .. } => (Some(source), Some(target)),
            ArtifactKind::DataAssociation { source, target } => (source.as_ref(), target.as_ref()),
            _ => continue,
        };
        let ends = source.and_then(|s| at.get(s.trim())).zip(target.and_then(|t| at.get(t.trim())));
        if let Some((s, t)) = ends {
            associations.push(edge(&a.id, straight(*s, *t)));
        }
    }
    edges.extend(associations);

    let plane =
        defs.collaborations.first().map(|c| c.id.clone()).or_else(|| defs.processes.first().map(|p| p.id.clone()));
    vec![Diagram {
        id: plane.as_ref().map(|p| format!("{p}_diagram")),
        name: None,
        plane_element: plane,
        shapes,
        edges,
    }]
}

/// The process a participant's `processRef` names (with or without a namespace prefix).
fn process_index(defs: &Definitions, r: &str) -> Option<usize> {
    let r = r.trim();
    let found = |id: &str| match defs.get(id) {
        Some(ElementRef::Process(i)) if i < defs.processes.len() => Some(i),
        _ => None,
    };
    found(r).or_else(|| r.split_once(':').and_then(|(_, local)| found(local)))
}

// ----- small geometry helpers ---------------------------------------------------------------

fn pt(x: f64, y: f64) -> Point {
    Point { x, y }
}

fn right(b: &Bounds) -> f64 {
    b.x + b.width
}

fn bottom(b: &Bounds) -> f64 {
    b.y + b.height
}

fn cx(b: &Bounds) -> f64 {
    b.x + b.width / 2.0
}

fn cy(b: &Bounds) -> f64 {
    b.y + b.height / 2.0
}

fn shape(element: &str, bounds: Bounds) -> Shape {
    Shape {
        id: Some(format!("{element}_di")),
        element: element.to_owned(),
        bounds,
        label: None,
        is_horizontal: None,
        is_expanded: None,
        is_marker_visible: None,
    }
}

fn edge(element: &str, waypoints: Vec<Point>) -> Edge {
    Edge { id: Some(format!("{element}_di")), element: element.to_owned(), waypoints: clean(waypoints), label: None }
}

/// Drops repeated points and the middle one of three on a straight line; keeps at least two.
fn clean(pts: Vec<Point>) -> Vec<Point> {
    let same = |a: &Point, b: &Point| (a.x - b.x).abs() < 0.01 && (a.y - b.y).abs() < 0.01;
    let mut out: Vec<Point> = Vec::with_capacity(pts.len());
    for p in pts {
        if out.last().is_some_and(|l| same(l, &p)) {
            continue;
        }
        if out.len() >= 2 {
            let (a, b) = (out[out.len() - 2], out[out.len() - 1]);
            let straight = ((a.x - b.x).abs() < 0.01 && (b.x - p.x).abs() < 0.01)
                || ((a.y - b.y).abs() < 0.01 && (b.y - p.y).abs() < 0.01);
            // Only when `b` lies between `a` and `p`: a path may double back on itself.
            let between = (b.x - a.x) * (p.x - b.x) >= 0.0 && (b.y - a.y) * (p.y - b.y) >= 0.0;
            if straight && between {
                out.pop();
            }
        }
        out.push(p);
    }
    if out.len() == 1 {
        out.push(out[0]);
    }
    out
}

fn offset(shapes: &mut [Shape], edges: &mut [Edge], dx: f64, dy: f64) {
    for s in shapes {
        for b in std::iter::once(&mut s.bounds).chain(&mut s.label) {
            b.x += dx;
            b.y += dy;
        }
    }
    for e in edges {
        for p in &mut e.waypoints {
            p.x += dx;
            p.y += dy;
        }
    }
}

/// Size of an artifact drawn as a shape; `None` for the ones drawn as edges, and groups.
fn artifact_size(kind: &ArtifactKind, text: Option<&str>) -> Option<(f64, f64)> {
    match kind {
        ArtifactKind::TextAnnotation => {
            // About 6.5 px a character at 12 px, wrapped at 90 px, 15 px a line.
            let chars = text.map_or(0, |t| t.trim().chars().count()) as f64;
            let lines = (chars * 6.5 / 90.0).ceil().max(1.0);
            Some((TASK_W, (lines * 15.0 + 10.0).clamp(30.0, 150.0)))
        }
        ArtifactKind::DataObject
        | ArtifactKind::DataObjectReference
        | ArtifactKind::DataInput
        | ArtifactKind::DataOutput => Some((36.0, 50.0)),
        ArtifactKind::DataStoreReference => Some((50.0, 50.0)),
        ArtifactKind::Group | ArtifactKind::Association { .. } | ArtifactKind::DataAssociation { .. } => None,
    }
}

/// Width external labels wrap at (as in bpmn.io and the renderer).
const LABEL_W: f64 = 90.0;

/// A name worth a label.
fn label_text(name: Option<&str>) -> Option<&str> {
    name.map(str::trim).filter(|t| !t.is_empty())
}

/// Height of an external label box for `name` at the renderer's small font (11 px, lines of
/// about 12.8 px), estimated generously: the renderer centres the text in the box.
fn label_height(name: Option<&str>) -> Option<f64> {
    let text = label_text(name)?;
    let width: f64 = text.chars().map(|c| if (c as u32) >= 0x1100 { 11.0 } else { 6.2 }).sum();
    let lines = ((width / LABEL_W).ceil() + 1.0).clamp(2.0, 5.0);
    Some(lines * 12.9)
}

/// A flow whose ends are not in the same scope: right side to left side through the middle,
/// or around below when the target is not to the right.
fn loose_route(s: Bounds, t: Bounds, from_boundary: bool) -> Vec<Point> {
    let tl = pt(t.x, cy(&t));
    let below = bottom(&s).max(bottom(&t)) + CHANNEL;
    if from_boundary {
        let start = pt(cx(&s), bottom(&s));
        if t.x > start.x && cy(&t) > start.y {
            return vec![start, pt(start.x, tl.y), tl];
        }
        return vec![start, pt(start.x, below), pt(t.x - 15.0, below), pt(t.x - 15.0, tl.y), tl];
    }
    let sr = pt(right(&s), cy(&s));
    if t.x >= sr.x + 10.0 {
        let mid = (sr.x + t.x) / 2.0;
        return vec![sr, pt(mid, sr.y), pt(mid, tl.y), tl];
    }
    vec![sr, pt(sr.x + 15.0, sr.y), pt(sr.x + 15.0, below), pt(t.x - 15.0, below), pt(t.x - 15.0, tl.y), tl]
}

fn inside_point(b: &Bounds, x: f64, y: f64) -> bool {
    x >= b.x && x <= right(b) && y >= b.y && y <= bottom(b)
}

/// One end of a message flow: its shape, whether that is a pool, and the pool it is in.
struct End {
    b: Bounds,
    pool: bool,
    within: Option<Bounds>,
}

/// A message flow: vertical from the source towards the target, turning in the gap above (or
/// below) the target's pool; a pool's end is taken right above or below the other end.
fn message_route(s: &End, t: &End) -> Vec<Point> {
    let x_in = |b: &Bounds, x: f64| if b.width > 20.0 { x.clamp(b.x + 10.0, right(b) - 10.0) } else { cx(b) };
    let (sb, tb) = (&s.b, &t.b);
    let sx = if s.pool { x_in(sb, cx(tb)) } else { cx(sb) };
    let tx = if t.pool { x_in(tb, sx) } else { cx(tb) };
    if bottom(sb) <= tb.y {
        let gap = t.within.map(|p| p.y - POOL_GAP / 2.0).filter(|&y| y > bottom(sb) && y < tb.y);
        let turn = gap.unwrap_or(tb.y - 20.0);
        vec![pt(sx, bottom(sb)), pt(sx, turn), pt(tx, turn), pt(tx, tb.y)]
    } else if bottom(tb) <= sb.y {
        let gap = t.within.map(|p| bottom(&p) + POOL_GAP / 2.0).filter(|&y| y < sb.y && y > bottom(tb));
        let turn = gap.unwrap_or(bottom(tb) + 20.0);
        vec![pt(sx, sb.y), pt(sx, turn), pt(tx, turn), pt(tx, bottom(tb))]
    } else {
        loose_route(*sb, *tb, false)
    }
}

/// A straight association between two shapes, between their facing sides.
fn straight(s: Bounds, t: Bounds) -> Vec<Point> {
    if bottom(&s) <= t.y {
        vec![pt(cx(&s), bottom(&s)), pt(cx(&t), t.y)]
    } else if bottom(&t) <= s.y {
        vec![pt(cx(&s), s.y), pt(cx(&t), bottom(&t))]
    } else if right(&s) <= t.x {
        vec![pt(right(&s), cy(&s)), pt(t.x, cy(&t))]
    } else if right(&t) <= s.x {
        vec![pt(s.x, cy(&s)), pt(right(&t), cy(&t))]
    } else {
        vec![pt(cx(&s), cy(&s)), pt(cx(&t), cy(&t))]
    }
}

// ----- one process --------------------------------------------------------------------------

/// A laid-out scope, relative to its own top-left corner.
#[derive(Default)]
struct Block {
    w: f64,
    h: f64,
    shapes: Vec<Shape>,
    edges: Vec<Edge>,
    /// Top and height of each band (lane), process level only.
    bands: Vec<(f64, f64)>,
}

/// A lane: its nesting depth and the bands (leaf lanes) it covers.
struct LaneBox {
    lane: usize,
    depth: usize,
    first: usize,
    last: usize,
}

/// A laid-out process, before it is put into its pool.
struct ProcessLayout {
    block: Block,
    lanes: Vec<LaneBox>,
    /// Nesting levels of lanes (0: no lanes): each adds a header band on the left.
    levels: usize,
    /// Flows not drawn inside a scope, and whether each leaves a boundary event.
    loose: Vec<(FlowIdx, bool)>,
}

impl ProcessLayout {
    fn width(&self) -> f64 {
        self.levels as f64 * HEADER + self.block.w
    }

    /// Puts the process at `(x, y)` in an area `width` × `height` (at least its own size):
    /// lanes across the area, content right of the lanes' headers.
    #[allow(clippy::too_many_arguments)]
    fn place(
        &self,
        p: &Process,
        x: f64,
        y: f64,
        width: f64,
        height: f64,
        shapes: &mut Vec<Shape>,
        edges: &mut Vec<Edge>,
    ) {
        let bottom_band = self.block.bands.len().saturating_sub(1);
        for l in &self.lanes {
            let (Some(first), Some(last)) = (self.block.bands.get(l.first), self.block.bands.get(l.last)) else {
                continue;
            };
            let lx = x + l.depth as f64 * HEADER;
            let top = y + first.0;
            let end = if l.last == bottom_band { y + height.max(self.block.h) } else { y + last.0 + last.1 };
            let bounds = Bounds { x: lx, y: top, width: (x + width - lx).max(HEADER), height: end - top };
            shapes.push(Shape { is_horizontal: Some(true), ..shape(&p.lanes[l.lane].id, bounds) });
        }
        let mut inner = self.block.shapes.clone();
        let mut lines = self.block.edges.clone();
        offset(&mut inner, &mut lines, x + self.levels as f64 * HEADER, y);
        shapes.extend(inner);
        edges.extend(lines);
    }
}

/// A sequence flow as seen from one scope: between two of its nodes (`from`, `to`), which are
/// the flow's own ends or the sub-processes holding them. An association between two flow
/// nodes of one scope (a compensation boundary event and its handler) is laid out the same way.
struct GEdge {
    of: EdgeOf,
    from: NodeIdx,
    to: NodeIdx,
    /// The boundary event the flow leaves, when `from` is its host.
    boundary: Option<NodeIdx>,
    /// Both ends are in this scope: the flow is drawn here.
    intra: bool,
}

#[derive(Clone, Copy)]
enum EdgeOf {
    Flow(FlowIdx),
    /// An association, by its index in `Process::artifacts`.
    Association(usize),
}

/// An artifact to put on a shelf, with the node it is associated with.
struct Placed {
    artifact: usize,
    anchor: Option<NodeIdx>,
    size: (f64, f64),
}

/// What a scope's layout needs to know about its process, sanitised so that nothing panics.
struct Graph<'a> {
    p: &'a Process,
    /// The sub-process each node is drawn in: the node's scope when that is a sub-process and
    /// the chain of scopes ends at the process.
    scope: Vec<Option<NodeIdx>>,
    /// The host each boundary event is drawn on (an activity of the same scope).
    host: Vec<Option<NodeIdx>>,
    /// The boundary events drawn on each node.
    boundaries: Vec<Vec<NodeIdx>>,
    /// Sub-processes with children: laid out inside their bounds.
    expanded: Vec<bool>,
    depth: Vec<usize>,
}

fn is_container(kind: &NodeKind) -> bool {
    matches!(kind, NodeKind::SubProcess { .. } | NodeKind::Transaction | NodeKind::AdHocSubProcess)
}

impl<'a> Graph<'a> {
    fn new(p: &'a Process) -> Self {
        let n = p.nodes.len();
        let mut scope: Vec<Option<NodeIdx>> = p
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| node.scope.filter(|&s| s != i && p.nodes.get(s).is_some_and(|c| is_container(&c.kind))))
            .collect();
        // Cut scope cycles (only a hand-built model has them).
        let mut state = vec![0u8; n];
        let mut path = Vec::new();
        for i in 0..n {
            let mut x = i;
            loop {
                match state[x] {
                    2 => break,
                    1 => {
                        scope[x] = None;
                        break;
                    }
                    _ => {}
                }
                state[x] = 1;
                path.push(x);
                match scope[x] {
                    Some(s) => x = s,
                    None => break,
                }
            }
            for v in path.drain(..) {
                state[v] = 2;
            }
        }
        let mut depth = vec![usize::MAX; n];
        for i in 0..n {
            let mut chain = Vec::new();
            let mut x = Some(i);
            let mut d = loop {
                match x {
                    None => break 0,
                    Some(v) if depth[v] != usize::MAX => break depth[v] + 1,
                    Some(v) => {
                        chain.push(v);
                        x = scope[v];
                    }
                }
            };
            for &v in chain.iter().rev() {
                depth[v] = d;
                d += 1;
            }
        }
        let host: Vec<Option<NodeIdx>> = p
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| match node.kind {
                NodeKind::BoundaryEvent { attached_to, .. } if attached_to != i => p
                    .nodes
                    .get(attached_to)
                    .filter(|h| h.kind.is_activity() && scope[attached_to] == scope[i])
                    .map(|_| attached_to),
                _ => None,
            })
            .collect();
        let mut boundaries = vec![Vec::new(); n];
        let mut expanded = vec![false; n];
        for i in 0..n {
            if let Some(h) = host[i] {
                boundaries[h].push(i);
            }
            if let Some(s) = scope[i] {
                expanded[s] = true;
            }
        }
        Graph { p, scope, host, boundaries, expanded, depth }
    }

    /// The node drawn in the scope's grid for `i`: its host for a boundary event.
    fn anchor(&self, i: NodeIdx) -> NodeIdx {
        self.host[i].unwrap_or(i)
    }

    fn size(&self, i: NodeIdx, blocks: &HashMap<NodeIdx, Block>) -> (f64, f64) {
        let (mut w, h) = match blocks.get(&i) {
            Some(b) => (b.w.max(TASK_W), (b.h + SUB_TOP).max(TASK_H)),
            None => match self.p.nodes[i].kind.category() {
                NodeCategory::Event => (EVENT, EVENT),
                NodeCategory::Gateway => (GATEWAY, GATEWAY),
                NodeCategory::Activity => (TASK_W, TASK_H),
            },
        };
        let k = self.boundaries[i].len() as f64;
        if k > 0.0 {
            w = w.max((k - 1.0) * self.boundary_step(i) + EVENT + 2.0 * BOUNDARY_GAP);
        }
        (w, h)
    }

    /// Distance between the centres of two boundary events on `host`: wide enough for a
    /// label beside each one's outgoing line when any of them has a name.
    fn boundary_step(&self, host: NodeIdx) -> f64 {
        let named = self.boundaries[host].iter().any(|&b| label_text(self.p.nodes[b].name.as_deref()).is_some());
        if named {
            LABEL_W + 6.0
        } else {
            EVENT + BOUNDARY_GAP
        }
    }
}

/// Lanes as bands: which band each process-level node goes in.
struct Bands {
    of: HashMap<NodeIdx, usize>,
    count: usize,
    lanes: Vec<LaneBox>,
    levels: usize,
}

fn bands(g: &Graph<'_>, members: &[NodeIdx]) -> Bands {
    let p = g.p;
    let no_lanes = || Bands { of: HashMap::new(), count: 1, lanes: Vec::new(), levels: 0 };
    if p.lanes.is_empty() {
        return no_lanes();
    }
    let n = p.lanes.len();
    // Parsed lanes come after their parent; any other parent is ignored (no cycles).
    let parent: Vec<Option<usize>> = p.lanes.iter().enumerate().map(|(i, l)| l.parent.filter(|&q| q < i)).collect();
    let mut children = vec![Vec::new(); n];
    let mut depth = vec![0; n];
    for i in 0..n {
        if let Some(q) = parent[i] {
            children[q].push(i);
            depth[i] = depth[q] + 1;
        }
    }
    // Leaves in depth-first order are the bands.
    let mut band = vec![usize::MAX; n];
    let mut count = 0usize;
    let mut stack: Vec<usize> = (0..n).rev().filter(|&i| parent[i].is_none()).collect();
    while let Some(l) = stack.pop() {
        if children[l].is_empty() {
            band[l] = count;
            count += 1;
        }
        stack.extend(children[l].iter().rev());
    }
    // A parent covers its children's bands (children have higher indexes).
    let mut range = vec![(usize::MAX, 0); n];
    for i in (0..n).rev() {
        if band[i] != usize::MAX {
            range[i] = (band[i], band[i]);
        }
        if let Some(q) = parent[i] {
            range[q] = (range[q].0.min(range[i].0), range[q].1.max(range[i].1));
        }
    }
    let by_id: HashMap<&str, NodeIdx> =
        p.nodes.iter().enumerate().rev().map(|(i, node)| (node.id.as_str(), i)).collect();
    let mut of = HashMap::new();
    // Leaf lanes first, so a node a parent lane also lists goes in its own lane.
    for leaf_pass in [true, false] {
        for (i, lane) in p.lanes.iter().enumerate() {
            if children[i].is_empty() != leaf_pass || range[i].0 == usize::MAX {
                continue;
            }
            for r in &lane.flow_node_refs {
                if let Some(&node) = by_id.get(r.trim()) {
                    if g.scope[node].is_none() {
                        of.entry(g.anchor(node)).or_insert(range[i].0);
                    }
                }
            }
        }
    }
    // Nodes in no lane go in the last one, so that the lanes still fill the pool.
    for m in members {
        of.entry(*m).or_insert(count.saturating_sub(1));
    }
    let lanes = (0..n)
        .filter(|&i| range[i].0 != usize::MAX)
        .map(|i| LaneBox { lane: i, depth: depth[i], first: range[i].0, last: range[i].1 })
        .collect();
    Bands { of, count: count.max(1), lanes, levels: depth.iter().max().map_or(0, |d| d + 1) }
}

fn layout_process(p: &Process) -> ProcessLayout {
    let g = Graph::new(p);
    let n = p.nodes.len();
    let mut members: HashMap<Option<NodeIdx>, Vec<NodeIdx>> = HashMap::new();
    for i in (0..n).filter(|&i| g.host[i].is_none()) {
        members.entry(g.scope[i]).or_default().push(i);
    }
    // Each flow belongs to the innermost scope holding both ends (or their sub-processes).
    let mut scope_edges: HashMap<Option<NodeIdx>, Vec<GEdge>> = HashMap::new();
    for (f, flow) in p.flows.iter().enumerate() {
        if flow.source >= n || flow.target >= n {
            continue;
        }
        let (a0, b0) = (g.anchor(flow.source), g.anchor(flow.target));
        let (mut a, mut b) = (a0, b0);
        while g.depth[a] > g.depth[b] {
            let Some(s) = g.scope[a] else { break };
            a = s;
        }
        while g.depth[b] > g.depth[a] {
            let Some(s) = g.scope[b] else { break };
            b = s;
        }
        while g.scope[a] != g.scope[b] {
            match (g.scope[a], g.scope[b]) {
                (Some(x), Some(y)) => (a, b) = (x, y),
                _ => break,
            }
        }
        if g.scope[a] != g.scope[b] {
            continue;
        }
        let intra = a == a0 && b == b0;
        if a == b && !intra {
            continue;
        }
        let boundary = (intra && g.host[flow.source].is_some()).then_some(flow.source);
        let edge = GEdge { of: EdgeOf::Flow(f), from: a, to: b, boundary, intra };
        scope_edges.entry(g.scope[a]).or_default().push(edge);
    }

    let top_members = members.get(&None).map(Vec::as_slice).unwrap_or_default();
    let lanes = bands(&g, top_members);

    // Artifacts go in the scope (and band) of the node they are associated with.
    let by_id: HashMap<&str, NodeIdx> =
        p.nodes.iter().enumerate().rev().map(|(i, node)| (node.id.as_str(), i)).collect();
    for (i, a) in p.artifacts.iter().enumerate() {
        let ArtifactKind::Association { source, target, .. } = &a.kind else { continue };
        let (Some(&s), Some(&t)) = (by_id.get(source.trim()), by_id.get(target.trim())) else { continue };
        let (from, to) = (g.anchor(s), g.anchor(t));
        if from != to && g.scope[from] == g.scope[to] {
            let boundary = g.host[s].is_some().then_some(s);
            let edge = GEdge { of: EdgeOf::Association(i), from, to, boundary, intra: true };
            scope_edges.entry(g.scope[from]).or_default().push(edge);
        }
    }
    // The flow node each artifact is first associated with.
    let mut linked: HashMap<&str, NodeIdx> = HashMap::new();
    for a in &p.artifacts {
        let (s, t) = match &a.kind {
            ArtifactKind::Association { source, target, .. } => (Some(source.trim()), Some(target.trim())),
            ArtifactKind::DataAssociation { source, target } => {
                (source.as_deref().map(str::trim), target.as_deref().map(str::trim))
            }
            _ => continue,
        };
        if let (Some(s), Some(t)) = (s, t) {
            for (end, other) in [(s, t), (t, s)] {
                if let Some(&node) = by_id.get(other) {
                    linked.entry(end).or_insert(node);
                }
            }
        }
    }
    let ends: HashSet<&str> = p
        .artifacts
        .iter()
        .flat_map(|a| match &a.kind {
            ArtifactKind::Association { source, target, .. } => vec![source.trim(), target.trim()],
            ArtifactKind::DataAssociation { source, target } => source.iter().chain(target).map(|s| s.trim()).collect(),
            _ => Vec::new(),
        })
        .collect();
    let mut placed: HashMap<Option<NodeIdx>, Vec<Placed>> = HashMap::new();
    for (i, a) in p.artifacts.iter().enumerate() {
        // A data object is drawn through its references, unless something links to it. Data
        // inputs and outputs are left out: the model does not say whether one belongs to the
        // process or is inside an activity (its `ioSpecification`), where it is never drawn.
        match a.kind {
            ArtifactKind::DataObject if !ends.contains(a.id.as_str()) => continue,
            ArtifactKind::DataInput | ArtifactKind::DataOutput => continue,
            _ => {}
        }
        let Some(size) = artifact_size(&a.kind, a.text.as_deref()) else { continue };
        let anchor = linked.get(a.id.as_str()).map(|&node| g.anchor(node));
        let scope = anchor.and_then(|node| g.scope[node]);
        placed.entry(scope).or_default().push(Placed { artifact: i, anchor, size });
    }

    let mut used = vec![false; p.flows.len()];
    let mut blocks: HashMap<NodeIdx, Block> = HashMap::new();
    let mut inner: Vec<NodeIdx> = (0..n).filter(|&i| g.expanded[i]).collect();
    inner.sort_by_key(|&i| (std::cmp::Reverse(g.depth[i]), i));
    let none = Vec::new();
    for c in inner {
        let scope = Scope {
            members: members.get(&Some(c)).unwrap_or(&none),
            edges: scope_edges.get(&Some(c)).map(Vec::as_slice).unwrap_or_default(),
            artifacts: placed.get(&Some(c)).map(Vec::as_slice).unwrap_or_default(),
            bands: None,
        };
        let block = layout_scope(&g, &scope, &mut blocks, &mut used);
        blocks.insert(c, block);
    }
    let scope = Scope {
        members: top_members,
        edges: scope_edges.get(&None).map(Vec::as_slice).unwrap_or_default(),
        artifacts: placed.get(&None).map(Vec::as_slice).unwrap_or_default(),
        bands: (!lanes.lanes.is_empty()).then_some(&lanes),
    };
    let block = layout_scope(&g, &scope, &mut blocks, &mut used);
    let loose = (0..p.flows.len())
        .filter(|&f| !used[f])
        .map(|f| (f, p.flows[f].source < n && g.host[p.flows[f].source].is_some()))
        .collect();
    ProcessLayout { block, lanes: lanes.lanes, levels: lanes.levels, loose }
}

// ----- one scope ----------------------------------------------------------------------------

struct Scope<'s> {
    /// The nodes placed in the scope (boundary events ride on their hosts).
    members: &'s [NodeIdx],
    edges: &'s [GEdge],
    artifacts: &'s [Placed],
    /// Lanes, at process level.
    bands: Option<&'s Bands>,
}

/// A row: of the grid (nodes in columns) or of a shelf (nodes and artifacts side by side).
struct Row {
    grid: bool,
    top: f64,
    h: f64,
}

/// What is on a shelf.
#[derive(Clone, Copy)]
enum Item {
    Node(usize),
    Artifact(usize),
}

/// The finished grid, for routing edges.
struct Grid {
    col_x: Vec<f64>,
    col_w: Vec<f64>,
    /// The gap after each column.
    gaps: Vec<f64>,
    rows: Vec<Row>,
    cells: HashSet<(usize, usize)>,
    /// How many detours already run below each row.
    below: HashMap<usize, usize>,
}

impl Grid {
    fn free(&self, c: usize, r: usize) -> bool {
        self.rows.get(r).is_some_and(|row| row.grid) && !self.cells.contains(&(c, r))
    }

    fn gap_after(&self, c: usize) -> f64 {
        self.col_x[c] + self.col_w[c] + self.gaps[c] / 2.0
    }

    fn gap_before(&self, c: usize) -> f64 {
        let gap = if c == 0 { COL_GAP } else { self.gaps[c - 1] };
        self.col_x[c] - gap / 2.0
    }

    /// A fresh detour line below row `r` (a few px apart, so that parallel loops stay apart).
    fn channel_below(&mut self, r: usize) -> (f64, f64) {
        let k = self.below.entry(r).or_default();
        let off = (*k % 4) as f64;
        *k += 1;
        (self.rows[r].top + self.rows[r].h + CHANNEL + 5.0 * off, 4.0 * off)
    }

    fn channel_above(&self, r: usize) -> f64 {
        self.rows[r].top - CHANNEL
    }
}

/// The ends of one edge in the grid.
struct Ends {
    s: Bounds,
    sc: usize,
    sr: usize,
    t: Bounds,
    tc: usize,
    tr: usize,
    s_gateway: bool,
    t_gateway: bool,
    self_loop: bool,
    /// The boundary event the edge leaves.
    boundary: Option<Bounds>,
}

fn route(grid: &mut Grid, e: &Ends) -> Vec<Point> {
    let (s, t) = (&e.s, &e.t);
    let (ys, yt) = (cy(s), cy(t));
    let tl = pt(t.x, yt);
    let sr_pt = pt(right(s), ys);
    let (sc, sr, tc, tr) = (e.sc, e.sr, e.tc, e.tr);
    let between = |a: usize, b: usize| a.min(b) + 1..a.max(b);
    if let Some(b) = e.boundary {
        let xb = cx(&b);
        let start = pt(xb, bottom(&b));
        if tc > sc && tr > sr && (sr + 1..=tr).all(|r| grid.free(sc, r)) && (sc + 1..tc).all(|c| grid.free(c, tr)) {
            return vec![start, pt(xb, yt), tl];
        }
        let (hy, off) = grid.channel_below(sr);
        let xi = grid.gap_before(tc) - off;
        return vec![start, pt(xb, hy), pt(xi, hy), pt(xi, yt), tl];
    }
    if tc > sc {
        let mid_free = |r: usize| (sc + 1..tc).all(|c| grid.free(c, r));
        if tr == sr && mid_free(sr) {
            return vec![sr_pt, tl];
        }
        if tr != sr {
            // A split leaves from its top or bottom corner, straight to the branch's row.
            let down = if tr > sr { sr + 1..tr + 1 } else { tr..sr };
            if e.s_gateway && down.clone().all(|r| grid.free(sc, r)) && mid_free(tr) {
                let x = cx(s);
                let start = if tr > sr { pt(x, bottom(s)) } else { pt(x, s.y) };
                return vec![start, pt(x, yt), tl];
            }
            // A join is entered at its bottom or top corner.
            if e.t_gateway && (sc + 1..=tc).all(|c| grid.free(c, sr)) && between(sr, tr).all(|r| grid.free(tc, r)) {
                let x = cx(t);
                let end = if sr > tr { pt(x, bottom(t)) } else { pt(x, t.y) };
                return vec![sr_pt, pt(x, ys), end];
            }
        }
        if mid_free(tr) {
            let x = grid.gap_after(sc);
            return vec![sr_pt, pt(x, ys), pt(x, yt), tl];
        }
        if mid_free(sr) {
            let x = grid.gap_before(tc);
            return vec![sr_pt, pt(x, ys), pt(x, yt), tl];
        }
        let hy = if tr < sr { grid.channel_above(sr) } else { grid.channel_below(sr).0 };
        let (xo, xi) = (grid.gap_after(sc), grid.gap_before(tc));
        return vec![sr_pt, pt(xo, ys), pt(xo, hy), pt(xi, hy), pt(xi, yt), tl];
    }
    // Back edge (or within one column): a loop below both rows.
    let low = sr.max(tr);
    let (hy, off) = grid.channel_below(low);
    let mut pts = if e.s_gateway && !e.self_loop && (sr + 1..=low).all(|r| grid.free(sc, r)) {
        vec![pt(cx(s), bottom(s)), pt(cx(s), hy)]
    } else {
        let xo = grid.gap_after(sc) + off;
        vec![sr_pt, pt(xo, ys), pt(xo, hy)]
    };
    if e.t_gateway && !e.self_loop && (tr + 1..=low).all(|r| grid.free(tc, r)) {
        pts.extend([pt(cx(t), hy), pt(cx(t), bottom(t))]);
    } else {
        let xi = grid.gap_before(tc) - off;
        pts.extend([pt(xi, hy), pt(xi, yt), tl]);
    }
    pts
}

/// Lays out one scope: its nodes in columns and rows, shelves, boundary events, the flows
/// inside it, and the blocks of its expanded sub-processes (taken from `blocks`) in place.
fn layout_scope(g: &Graph<'_>, sc: &Scope<'_>, blocks: &mut HashMap<NodeIdx, Block>, used: &mut [bool]) -> Block {
    let p = g.p;
    let members = sc.members;
    let m = members.len();
    let local: HashMap<NodeIdx, usize> = members.iter().enumerate().map(|(k, &v)| (v, k)).collect();
    // Local edges: (from, to, edge).
    let edges: Vec<(usize, usize, &GEdge)> =
        sc.edges.iter().filter_map(|e| Some((*local.get(&e.from)?, *local.get(&e.to)?, e))).collect();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); m];
    let mut has_in = vec![false; m];
    let mut connected = vec![false; m];
    for (k, &(a, b, _)) in edges.iter().enumerate() {
        out[a].push(k);
        has_in[b] = true;
        connected[a] = true;
        connected[b] = true;
    }
    let is_start = |v: usize| matches!(p.nodes[members[v]].kind, NodeKind::StartEvent { .. });
    // Roots: start events without incoming flows, other nodes without, then the rest.
    let mut order = Vec::with_capacity(m);
    let mut queued = vec![false; m];
    let passes: [&dyn Fn(usize) -> bool; 3] =
        [&|v: usize| is_start(v) && !has_in[v], &|v: usize| !has_in[v], &|_: usize| true];
    for pass in passes {
        for v in 0..m {
            if connected[v] && !queued[v] && pass(v) {
                queued[v] = true;
                order.push(v);
            }
        }
    }

    // 1. Back edges by depth-first search, then columns by longest path over the rest.
    let mut back = vec![false; edges.len()];
    let mut state = vec![0u8; m];
    for &r in &order {
        if state[r] != 0 {
            continue;
        }
        state[r] = 1;
        let mut stack = vec![(r, 0usize)];
        while let Some(top) = stack.last_mut() {
            let (v, i) = *top;
            if let Some(&k) = out[v].get(i) {
                top.1 += 1;
                let w = edges[k].1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[k] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    let mut indeg = vec![0usize; m];
    for (k, e) in edges.iter().enumerate() {
        if !back[k] {
            indeg[e.1] += 1;
        }
    }
    let mut col = vec![0usize; m];
    let mut queue: Vec<usize> = (0..m).filter(|&v| indeg[v] == 0).collect();
    let mut head = 0;
    while let Some(&v) = queue.get(head) {
        head += 1;
        for &k in &out[v] {
            if back[k] {
                continue;
            }
            let w = edges[k].1;
            col[w] = col[w].max(col[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push(w);
            }
        }
    }

    // 2. Rows, band by band (lanes), in depth-first order from the roots.
    let band_of = |v: usize| sc.bands.map_or(0, |b| b.of.get(&members[v]).copied().unwrap_or(b.count - 1));
    let nbands = sc.bands.map_or(1, |b| b.count);
    let band: Vec<usize> = (0..m).map(|v| band_of(v).min(nbands - 1)).collect();
    // Forward edges of each node: ordinary ones first, then those of its boundary events.
    let fwd: Vec<Vec<usize>> = (0..m)
        .map(|v| {
            let ks = out[v].iter().copied().filter(|&k| !back[k]);
            let (plain, mut bnd): (Vec<usize>, Vec<usize>) = ks.partition(|&k| edges[k].2.boundary.is_none());
            // The rightmost boundary event's targets come first (nearest below): no crossings.
            let on_host = |k: usize| {
                let b = edges[k].2.boundary;
                g.boundaries[members[v]].iter().position(|&x| Some(x) == b).unwrap_or(0)
            };
            bnd.sort_by_key(|&k| std::cmp::Reverse(on_host(k)));
            plain.into_iter().chain(bnd).collect()
        })
        .collect();
    let mut row: Vec<Option<usize>> = vec![None; m];
    let mut taken: HashSet<(usize, usize, usize)> = HashSet::new();
    let mut place = |v: usize, suggest: usize, row: &mut Vec<Option<usize>>| {
        let mut r = suggest;
        while taken.contains(&(col[v], band[v], r)) {
            r += 1;
        }
        taken.insert((col[v], band[v], r));
        row[v] = Some(r);
        r
    };
    for &r0 in &order {
        if row[r0].is_some() {
            continue;
        }
        let r = place(r0, 0, &mut row);
        // (node, its row, next edge, branches placed, boundary branches placed)
        let mut stack = vec![(r0, r, 0usize, 0usize, 0usize)];
        while let Some(top) = stack.last_mut() {
            let (v, rv, i, kn, kb) = *top;
            let Some(&k) = fwd[v].get(i) else {
                stack.pop();
                continue;
            };
            top.2 += 1;
            let w = edges[k].1;
            if row[w].is_some() {
                continue;
            }
            let suggest = if band[w] != band[v] {
                0
            } else if edges[k].2.boundary.is_some() {
                top.4 += 1;
                rv + 1 + kb
            } else {
                top.3 += 1;
                rv + kn
            };
            let rw = place(w, suggest, &mut row);
            stack.push((w, rw, 0, 0, 0));
        }
    }

    // 3. Geometry: sizes, columns, rows (grid rows, then shelves, per band).
    let size: Vec<(f64, f64)> = members.iter().map(|&i| g.size(i, blocks)).collect();
    let ncols = (0..m).filter(|&v| connected[v]).map(|v| col[v] + 1).max().unwrap_or(0);
    let mut col_w = vec![0.0f64; ncols];
    for v in (0..m).filter(|&v| connected[v]) {
        col_w[col[v]] = col_w[col[v]].max(size[v].0);
    }
    // A column a named flow leaves gets a wider gap after it, for the name.
    let mut gaps = vec![COL_GAP; ncols];
    for &(a, b, e) in &edges {
        let named = match e.of {
            EdgeOf::Flow(f) => p.flows.get(f).is_some_and(|f| label_text(f.name.as_deref()).is_some()),
            EdgeOf::Association(_) => false,
        };
        if named && e.intra && connected[a] && col[b] > col[a] {
            gaps[col[a]] = NAMED_GAP;
        }
    }
    let mut col_x = Vec::with_capacity(ncols);
    let mut x = PAD_X;
    for (w, gap) in col_w.iter().zip(&gaps) {
        col_x.push(x);
        x += w + gap;
    }
    let grid_w = gaps.last().map_or(0.0, |gap| x - gap + PAD_X);
    let shelf_limit = grid_w.max(SHELF_WIDTH) - PAD_X;

    // Used grid rows of each band, compacted.
    let mut used_rows: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); nbands];
    for v in (0..m).filter(|&v| connected[v]) {
        if let Some(r) = row[v] {
            used_rows[band[v]].insert(r);
        }
    }
    let mut xs: Vec<Option<f64>> =
        (0..m).map(|v| connected[v].then(|| col_x[col[v]] + (col_w[col[v]] - size[v].0) / 2.0)).collect();
    // Shelves: unconnected nodes, then artifacts (each under its node when it can).
    let mut shelves: Vec<Vec<Vec<(Item, f64)>>> = vec![Vec::new(); nbands];
    for (b, shelf) in shelves.iter_mut().enumerate() {
        let mut line: Vec<(Item, f64)> = Vec::new();
        let mut x = PAD_X;
        for v in (0..m).filter(|&v| !connected[v] && band[v] == b) {
            let node = &p.nodes[members[v]];
            let outside = node.kind.category() != NodeCategory::Activity && label_text(node.name.as_deref()).is_some();
            let room = if outside { size[v].0.max(LABEL_W) } else { size[v].0 };
            if !line.is_empty() && x + room > shelf_limit {
                shelf.push(std::mem::take(&mut line));
                x = PAD_X;
            }
            let at = x + (room - size[v].0) / 2.0;
            line.push((Item::Node(v), at));
            xs[v] = Some(at);
            x += room + SHELF_GAP;
        }
        if !line.is_empty() {
            shelf.push(std::mem::take(&mut line));
        }
        let arts_band = |a: &Placed| {
            let anchor = a.anchor.and_then(|n| local.get(&n)).map(|&v| band[v]);
            anchor.unwrap_or(nbands - 1)
        };
        let mut arts: Vec<(usize, f64)> = sc
            .artifacts
            .iter()
            .enumerate()
            .filter(|(_, a)| arts_band(a) == b)
            .map(|(k, a)| {
                let under = a.anchor.and_then(|n| local.get(&n)).and_then(|&v| Some(xs[v]? + size[v].0 / 2.0));
                (k, under.map_or(f64::MAX, |c| c - a.size.0 / 2.0))
            })
            .collect();
        arts.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut x = PAD_X;
        for (k, want) in arts {
            let w = sc.artifacts[k].size.0;
            // Room for the name under data objects and stores.
            let art = p.artifacts.get(sc.artifacts[k].artifact);
            let outside =
                art.is_some_and(|a| a.kind != ArtifactKind::TextAnnotation && label_text(a.text.as_deref()).is_some());
            let margin = if outside { (LABEL_W - w).max(0.0) / 2.0 } else { 0.0 };
            // Under its node when that is free, else right after the previous item.
            let pick = |x: f64| if want == f64::MAX { x + margin } else { want.max(x + margin) };
            let mut at = pick(x);
            if !line.is_empty() && at + w > shelf_limit + PAD_X {
                shelf.push(std::mem::take(&mut line));
                x = PAD_X;
                at = pick(x);
            }
            line.push((Item::Artifact(k), at));
            x = at + w + margin + SHELF_GAP;
        }
        if !line.is_empty() {
            shelf.push(line);
        }
    }
    let item_size = |it: Item| match it {
        Item::Node(v) => size[v],
        Item::Artifact(k) => sc.artifacts[k].size,
    };

    let mut rows: Vec<Row> = Vec::new();
    let mut grid_row: HashMap<(usize, usize), usize> = HashMap::new();
    let mut shelf_row: Vec<Vec<usize>> = vec![Vec::new(); nbands];
    let mut row_h: HashMap<(usize, usize), f64> = HashMap::new();
    for v in (0..m).filter(|&v| connected[v]) {
        if let Some(r) = row[v] {
            let h = row_h.entry((band[v], r)).or_default();
            *h = h.max(size[v].1);
        }
    }
    let mut band_bounds = Vec::with_capacity(nbands);
    let mut y = 0.0;
    for b in 0..nbands {
        let first = rows.len();
        for &r in &used_rows[b] {
            grid_row.insert((b, r), rows.len());
            rows.push(Row { grid: true, top: 0.0, h: row_h.get(&(b, r)).copied().unwrap_or(TASK_H) });
        }
        for line in &shelves[b] {
            shelf_row[b].push(rows.len());
            let h = line.iter().map(|&(it, _)| item_size(it).1).fold(0.0, f64::max);
            rows.push(Row { grid: false, top: 0.0, h });
        }
        let content: f64 =
            rows[first..].iter().map(|r| r.h).sum::<f64>() + ROW_GAP * (rows.len() - first).saturating_sub(1) as f64;
        let height = if rows.len() > first { content + 2.0 * PAD_Y } else { 0.0 };
        let height = if sc.bands.is_some() { height.max(MIN_BAND) } else { height };
        let mut ry = y + (height - content) / 2.0;
        for r in &mut rows[first..] {
            r.top = ry;
            ry += r.h + ROW_GAP;
        }
        band_bounds.push((y, height));
        y += height;
    }

    // 4. Shapes.
    let mut bounds: Vec<Bounds> = vec![Bounds::default(); m];
    let mut grow = vec![0usize; m];
    let mut cells = HashSet::new();
    for v in (0..m).filter(|&v| connected[v]) {
        let Some(&gr) = row[v].and_then(|r| grid_row.get(&(band[v], r))) else { continue };
        let r = &rows[gr];
        grow[v] = gr;
        cells.insert((col[v], gr));
        let (w, h) = size[v];
        bounds[v] = Bounds { x: xs[v].unwrap_or(PAD_X), y: r.top + (r.h - h) / 2.0, width: w, height: h };
    }
    let mut art_bounds: Vec<Option<Bounds>> = vec![None; sc.artifacts.len()];
    for (b, shelf) in shelves.iter().enumerate() {
        for (line, &ri) in shelf.iter().zip(&shelf_row[b]) {
            let r = &rows[ri];
            for &(it, x) in line {
                let (w, h) = item_size(it);
                let bx = Bounds { x, y: r.top + (r.h - h) / 2.0, width: w, height: h };
                match it {
                    Item::Node(v) => bounds[v] = bx,
                    Item::Artifact(k) => art_bounds[k] = Some(bx),
                }
            }
        }
    }
    let width =
        bounds.iter().map(right).chain(art_bounds.iter().flatten().map(right)).fold(grid_w, |a, r| a.max(r + PAD_X));

    let mut block = Block { w: width, h: y, bands: band_bounds, ..Block::default() };
    let mut boundary_bounds: HashMap<NodeIdx, Bounds> = HashMap::new();
    for v in 0..m {
        let i = members[v];
        let node = &p.nodes[i];
        let b = bounds[v];
        // A gateway's name goes above it: its bottom corner is where branches leave.
        let label = match node.kind.category() {
            NodeCategory::Gateway => label_height(node.name.as_deref()).map(|h| Bounds {
                x: cx(&b) - LABEL_W / 2.0,
                y: b.y - 4.0 - h,
                width: LABEL_W,
                height: h,
            }),
            _ => None,
        };
        block.shapes.push(Shape {
            label,
            is_expanded: is_container(&node.kind).then_some(g.expanded[i]),
            is_marker_visible: (node.kind == NodeKind::ExclusiveGateway).then_some(true),
            ..shape(&node.id, b)
        });
        let hosted = &g.boundaries[i];
        let step = g.boundary_step(i);
        let first = cx(&b) - (hosted.len().saturating_sub(1) as f64) * step / 2.0;
        for (j, &e) in hosted.iter().enumerate() {
            let c = first + j as f64 * step;
            let eb = Bounds { x: c - EVENT / 2.0, y: bottom(&b) - EVENT / 2.0, width: EVENT, height: EVENT };
            boundary_bounds.insert(e, eb);
            // The name beside the line the event's flows take downwards.
            let label = label_height(p.nodes[e].name.as_deref()).map(|h| Bounds {
                x: c + 4.0,
                y: bottom(&eb) + 4.0,
                width: LABEL_W,
                height: h,
            });
            block.shapes.push(Shape { label, ..shape(&p.nodes[e].id, eb) });
        }
    }
    for (a, b) in sc.artifacts.iter().zip(&art_bounds) {
        if let (Some(art), Some(b)) = (p.artifacts.get(a.artifact), b) {
            block.shapes.push(shape(&art.id, *b));
        }
    }

    // 5. The flows inside the scope.
    let mut grid = Grid { col_x, col_w, gaps, rows, cells, below: HashMap::new() };
    for &(a, b, e) in &edges {
        if !e.intra || !connected[a] || !connected[b] {
            continue;
        }
        let id = match e.of {
            EdgeOf::Flow(f) => p.flows.get(f).map(|f| &f.id),
            EdgeOf::Association(a) => p.artifacts.get(a).map(|a| &a.id),
        };
        let Some(id) = id else { continue };
        let is_gateway = |v: usize| p.nodes[members[v]].kind.category() == NodeCategory::Gateway;
        let ends = Ends {
            s: bounds[a],
            sc: col[a],
            sr: grow[a],
            t: bounds[b],
            tc: col[b],
            tr: grow[b],
            s_gateway: is_gateway(a),
            t_gateway: is_gateway(b),
            self_loop: a == b,
            boundary: e.boundary.and_then(|bd| boundary_bounds.get(&bd).copied()),
        };
        block.edges.push(edge(id, route(&mut grid, &ends)));
        if let EdgeOf::Flow(f) = e.of {
            if let Some(u) = used.get_mut(f) {
                *u = true;
            }
        }
    }

    // 6. Expanded sub-processes: their own blocks inside their bounds.
    for v in 0..m {
        if let Some(mut inner) = blocks.remove(&members[v]) {
            let b = bounds[v];
            offset(&mut inner.shapes, &mut inner.edges, b.x, b.y + SUB_TOP);
            block.shapes.append(&mut inner.shapes);
            block.edges.append(&mut inner.edges);
        }
    }
    block
}
