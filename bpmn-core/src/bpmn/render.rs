//! BPMNDI → SVG: draws one diagram of a [`Definitions`] in BPMN 2.0 notation as a standalone
//! SVG document, optionally coloured with the state of a running instance ([`Overlay`]).
//!
//! The SVG is meant both for inline use in the web console and as a file or `<img>`:
//! every element is a `<g class="bpmn-… " data-element-id="…">` group (so the console can
//! style and click it with CSS classes), and every primitive also carries inline presentation
//! attributes (stroke, fill), which CSS overrides, so it looks right without any stylesheet.
//!
//! Drawing never fails on odd input: elements the model does not know are drawn as grey
//! outlines, edges with fewer than two usable waypoints and shapes with non-finite bounds are
//! skipped. Only a missing diagram is an error.

mod glyph;
mod svg;
#[cfg(test)]
mod tests;
mod text;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::model::{
    Artifact, ArtifactKind, Bounds, Definitions, Diagram, Edge, ElementRef, EventTrigger, FlowIdx, FlowNode, Lane,
    MessageFlow, NodeCategory, NodeIdx, NodeKind, Participant, Point, Process, SequenceFlow, Shape,
};
use glyph::{BottomMarker, EdgeEnd};
use svg::{finite_bounds, normalized, push_escaped, w, Anchor, BBox, Paint, N};
use text::Font;

/// The run-time state of an activity (or any flow node) shown by the [`Overlay`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActivityState {
    /// Done: green tint.
    Completed,
    /// A token is waiting there: thick blue outline.
    Active,
    /// Failed (incident): red.
    Error,
    /// Where a token was when the instance was terminated by hand: dark grey, thick.
    Stopped,
}

/// Run-time state painted over the diagram: activity states by element id and the sequence
/// flows a token went through. Elements not named here are drawn plain.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    pub activities: HashMap<String, ActivityState>,
    pub taken_flows: HashSet<String>,
}

/// What to render.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Index into `Definitions::diagrams` (0 is the first, usually the only, diagram).
    pub diagram: usize,
    pub overlay: Overlay,
}

/// Why a diagram could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The file has no `BPMNDiagram` at all.
    #[error(
        "the BPMN file has no diagram (BPMNDI) to draw; the process definition itself is unaffected \
         and still deploys and runs"
    )]
    NoDiagram,
    /// `RenderOptions::diagram` is past the end of `Definitions::diagrams`.
    #[error("diagram #{index} does not exist: the file has {count} diagram(s)")]
    DiagramIndex { index: usize, count: usize },
}

/// Renders diagram `opts.diagram` of `defs` as a standalone SVG document.
///
/// The `viewBox` covers every shape, label and waypoint plus a margin (coordinates may be
/// negative). Each drawn shape and edge is a group with `data-element-id` and `bpmn-*` classes
/// (`bpmn-node bpmn-userTask state-active`, `bpmn-edge bpmn-sequenceFlow state-taken`,
/// `bpmn-pool`, `bpmn-lane`, `bpmn-artifact bpmn-textAnnotation`, `bpmn-unknown`, …).
pub fn render_svg(defs: &Definitions, opts: &RenderOptions) -> Result<String, RenderError> {
    if defs.diagrams.is_empty() {
        return Err(RenderError::NoDiagram);
    }
    let diagram = defs
        .diagrams
        .get(opts.diagram)
        .ok_or(RenderError::DiagramIndex { index: opts.diagram, count: defs.diagrams.len() })?;
    let mut r = Renderer::new(defs, diagram, &opts.overlay);
    r.draw_diagram(diagram);
    Ok(r.finish(&title(defs, diagram)))
}

/// The document title: the diagram's name, else the file's, else the first named process.
fn title(defs: &Definitions, diagram: &Diagram) -> String {
    let named = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    named(&diagram.name)
        .or_else(|| named(&defs.name))
        .or_else(|| defs.processes.iter().find_map(|p| named(&p.name)))
        .unwrap_or_else(|| "BPMN diagram".to_string())
}

// Colours. Plain elements are near-black on white; overlay states use the console's palette.
const INK: &str = "#222";
const PAPER: &str = "#fff";
const UNKNOWN: &str = "#999";
const GREEN: &str = "#2e7d32";
const GREEN_TINT: &str = "#e8f5e9";
const BLUE: &str = "#1565c0";
const BLUE_TINT: &str = "#e3f2fd";
const RED: &str = "#c62828";
const RED_TINT: &str = "#ffebee";
const SLATE: &str = "#455a64";
const SLATE_TINT: &str = "#eceff1";

/// Margin around the drawing, in px.
const MARGIN: f64 = 20.0;
/// Width of the name band of a pool or lane.
const HEADER: f64 = 30.0;
/// Width an external label (under an event, gateway, data object, on an edge) may wrap to
/// at least; modellers such as bpmn.io wrap at 90 px and store the tight box around the
/// result, which may be narrower than our estimated widths need.
const LABEL_WIDTH: f64 = 90.0;

/// Colours and stroke boost of an element, from the overlay.
#[derive(Debug, Clone, Copy)]
struct Look {
    stroke: &'static str,
    fill: &'static str,
    /// Added to every outline width (thick outline of an active element).
    boost: f64,
    /// Extra class, with its leading space (` state-active`), or empty.
    class: &'static str,
}

impl Look {
    const PLAIN: Look = Look { stroke: INK, fill: PAPER, boost: 0.0, class: "" };

    fn paint(&self, width: f64) -> Paint {
        Paint { stroke: self.stroke, fill: self.fill, width: width + self.boost }
    }

    /// The same outline without fill (inner rings drawn over a filled shape).
    fn outline(&self, width: f64) -> Paint {
        Paint { fill: "none", ..self.paint(width) }
    }
}

/// A diagram element resolved in the model.
#[derive(Clone, Copy)]
enum Elem<'a> {
    Node {
        process: &'a Process,
        idx: NodeIdx,
        node: &'a FlowNode,
    },
    Flow {
        process: &'a Process,
        idx: FlowIdx,
        flow: &'a SequenceFlow,
    },
    Lane(&'a Lane),
    Participant(&'a Participant),
    MessageFlow(&'a MessageFlow),
    Artifact(&'a Artifact),
    /// Not in the model, or nothing drawable (a process, ...): drawn as a grey outline.
    Unknown,
}

/// Paint order of shapes: containers first so their content stays visible, groups last since
/// they are transparent frames around other elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Pool,
    Lane,
    /// Expanded sub-processes.
    Container,
    Node,
    /// Boundary events sit on top of their activity's border.
    Boundary,
    /// Drawn after the edges.
    Top,
}

struct Renderer<'a> {
    defs: &'a Definitions,
    overlay: &'a Overlay,
    /// Element ids that have a shape in this diagram: a sub-process without `isExpanded` is
    /// taken as expanded when its content is drawn.
    shaped: HashSet<&'a str>,
    out: String,
    bbox: BBox,
}

impl<'a> Renderer<'a> {
    fn new(defs: &'a Definitions, diagram: &'a Diagram, overlay: &'a Overlay) -> Self {
        Renderer {
            defs,
            overlay,
            shaped: diagram.shapes.iter().map(|s| s.element.as_str()).collect(),
            out: String::with_capacity(256 + 600 * (diagram.shapes.len() + diagram.edges.len())),
            bbox: BBox::EMPTY,
        }
    }

    /// Looks an element id up in the model; anything missing or inconsistent is `Unknown`.
    fn resolve(&self, id: &str) -> Elem<'a> {
        let defs = self.defs;
        let found = match defs.get(id) {
            Some(ElementRef::Node { process, node }) => defs
                .processes
                .get(process)
                .and_then(|p| p.nodes.get(node).map(|n| Elem::Node { process: p, idx: node, node: n })),
            Some(ElementRef::Flow { process, flow }) => defs
                .processes
                .get(process)
                .and_then(|p| p.flows.get(flow).map(|f| Elem::Flow { process: p, idx: flow, flow: f })),
            Some(ElementRef::Lane { process, lane }) => {
                defs.processes.get(process).and_then(|p| p.lanes.get(lane)).map(Elem::Lane)
            }
            Some(ElementRef::Artifact { process, artifact }) => {
                defs.processes.get(process).and_then(|p| p.artifacts.get(artifact)).map(Elem::Artifact)
            }
            Some(ElementRef::Participant { collaboration, participant }) => defs
                .collaborations
                .get(collaboration)
                .and_then(|c| c.participants.get(participant))
                .map(Elem::Participant),
            Some(ElementRef::MessageFlow { collaboration, flow }) => {
                defs.collaborations.get(collaboration).and_then(|c| c.message_flows.get(flow)).map(Elem::MessageFlow)
            }
            Some(ElementRef::CollaborationArtifact { collaboration, artifact }) => {
                defs.collaborations.get(collaboration).and_then(|c| c.artifacts.get(artifact)).map(Elem::Artifact)
            }
            Some(ElementRef::Process(_)) | None => None,
        };
        found.unwrap_or(Elem::Unknown)
    }

    fn look(&self, id: &str) -> Look {
        match self.overlay.activities.get(id) {
            None => Look::PLAIN,
            Some(ActivityState::Completed) => {
                Look { stroke: GREEN, fill: GREEN_TINT, boost: 0.0, class: " state-completed" }
            }
            Some(ActivityState::Active) => Look { stroke: BLUE, fill: BLUE_TINT, boost: 1.5, class: " state-active" },
            Some(ActivityState::Error) => Look { stroke: RED, fill: RED_TINT, boost: 0.5, class: " state-error" },
            Some(ActivityState::Stopped) => {
                Look { stroke: SLATE, fill: SLATE_TINT, boost: 1.5, class: " state-stopped" }
            }
        }
    }

    /// Whether a sub-process shape shows its content: `isExpanded` when written, else whether
    /// any of its child nodes has a shape in this diagram.
    fn is_expanded(&self, s: &Shape, process: &Process, idx: NodeIdx) -> bool {
        s.is_expanded.unwrap_or_else(|| process.children(Some(idx)).any(|(_, n)| self.shaped.contains(n.id.as_str())))
    }

    fn layer(&self, s: &Shape, e: Elem<'_>) -> Layer {
        match e {
            Elem::Participant(_) => Layer::Pool,
            Elem::Lane(_) => Layer::Lane,
            Elem::Node { node, process, idx } => match node.kind {
                NodeKind::BoundaryEvent { .. } => Layer::Boundary,
                NodeKind::SubProcess { .. } | NodeKind::Transaction | NodeKind::AdHocSubProcess
                    if self.is_expanded(s, process, idx) =>
                {
                    Layer::Container
                }
                // An expanded call activity shows the called process's elements inside it.
                NodeKind::CallActivity { .. } if s.is_expanded == Some(true) => Layer::Container,
                _ => Layer::Node,
            },
            Elem::Artifact(a) if a.kind == ArtifactKind::Group => Layer::Top,
            _ => Layer::Node,
        }
    }

    fn draw_diagram(&mut self, diagram: &'a Diagram) {
        let mut shapes: Vec<(Layer, f64, &Shape, Elem<'a>)> = diagram
            .shapes
            .iter()
            .filter(|s| finite_bounds(&s.bounds))
            .map(|s| {
                let e = self.resolve(&s.element);
                (self.layer(s, e), (s.bounds.width * s.bounds.height).abs(), s, e)
            })
            .collect();
        // Stable sort: document order within a layer, except that nested lanes and nested
        // sub-processes must come after (over) the larger ones that contain them.
        shapes.sort_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| match a.0 {
                Layer::Lane | Layer::Container => b.1.total_cmp(&a.1),
                _ => std::cmp::Ordering::Equal,
            })
        });
        for (_, _, s, e) in shapes.iter().filter(|x| x.0 < Layer::Top) {
            self.draw_shape(s, *e);
        }
        for edge in &diagram.edges {
            self.draw_edge(edge);
        }
        for (_, _, s, e) in shapes.iter().filter(|x| x.0 == Layer::Top) {
            self.draw_shape(s, *e);
        }
    }

    /// Wraps everything in the SVG root with a `viewBox` around what was drawn.
    fn finish(self, title: &str) -> String {
        let (x, y, w, h) = if self.bbox.is_empty() {
            (0.0, 0.0, 100.0, 100.0)
        } else {
            let b = self.bbox;
            (
                (b.min_x - MARGIN).floor(),
                (b.min_y - MARGIN).floor(),
                (b.max_x - b.min_x + 2.0 * MARGIN).ceil().max(1.0),
                (b.max_y - b.min_y + 2.0 * MARGIN).ceil().max(1.0),
            )
        };
        let mut s = String::with_capacity(self.out.len() + 512);
        w!(
            &mut s,
            format_args!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" class="bpmn-diagram" role="img" viewBox="{x} {y} {w} {h}" width="{w}" height="{h}" font-family="Arial, Helvetica, 'Liberation Sans', sans-serif" font-size="12"><title>"#,
                x = N(x),
                y = N(y),
                w = N(w),
                h = N(h)
            )
        );
        push_escaped(&mut s, title);
        s.push_str("</title>");
        w!(
            &mut s,
            format_args!(
                r#"<rect class="bpmn-background" x="{}" y="{}" width="{}" height="{}" fill="{PAPER}" stroke="none"/>"#,
                N(x),
                N(y),
                N(w),
                N(h)
            )
        );
        s.push_str(&self.out);
        s.push_str("</svg>");
        s
    }

    /// Opens the group of one element.
    fn open(&mut self, class: &str, id: &str) {
        w!(&mut self.out, format_args!(r#"<g class="{class}" data-element-id=""#));
        push_escaped(&mut self.out, id);
        self.out.push_str("\">");
    }

    fn close(&mut self) {
        self.out.push_str("</g>");
    }

    // ----- shapes -------------------------------------------------------------------------

    /// Draws one `BPMNShape`, dispatching on what its element is.
    fn draw_shape(&mut self, s: &Shape, e: Elem<'a>) {
        let b = normalized(s.bounds);
        self.bbox.add_bounds(&b);
        match e {
            Elem::Node { process, idx, node } => match node.kind.category() {
                NodeCategory::Event => self.draw_event(s, b, node),
                NodeCategory::Gateway => self.draw_gateway(s, b, node),
                NodeCategory::Activity => self.draw_activity(s, b, process, idx, node),
            },
            Elem::Participant(p) => self.draw_pool(s, b, p),
            Elem::Lane(l) => self.draw_lane(s, b, l),
            Elem::Artifact(a) => self.draw_artifact(s, b, a),
            Elem::Flow { .. } | Elem::MessageFlow(_) | Elem::Unknown => self.draw_unknown_shape(s, b),
        }
    }

    /// Events: a circle, thin (start), thick (end) or double (intermediate, boundary), dashed
    /// when non-interrupting, with the trigger glyph inside (filled for throw events).
    fn draw_event(&mut self, s: &Shape, b: Bounds, node: &FlowNode) {
        let look = self.look(&node.id);
        self.open(&format!("bpmn-node bpmn-{}{}", kind_class(&node.kind), look.class), &node.id);
        let (cx, cy) = (b.x + b.width / 2.0, b.y + b.height / 2.0);
        let r = b.width.min(b.height) / 2.0;
        enum Ring {
            Thin,
            Thick,
            Double,
        }
        let (trigger, throw, ring, dashed) = match &node.kind {
            NodeKind::StartEvent { trigger, interrupting } => (trigger, false, Ring::Thin, !interrupting),
            NodeKind::EndEvent { trigger } => (trigger, true, Ring::Thick, false),
            NodeKind::IntermediateCatchEvent { trigger } => (trigger, false, Ring::Double, false),
            NodeKind::IntermediateThrowEvent { trigger } => (trigger, true, Ring::Double, false),
            NodeKind::BoundaryEvent { cancel_activity, trigger, .. } => {
                (trigger, false, Ring::Double, !cancel_activity)
            }
            _ => (&EventTrigger::None, false, Ring::Thin, false),
        };
        let dash = if dashed { r#" stroke-dasharray="5.5 3""# } else { "" };
        let out = &mut self.out;
        match ring {
            Ring::Thin => svg::circle(out, cx, cy, r, look.paint(1.5), dash),
            // Inset so the thick stroke stays mostly inside the bounds.
            // Thinner on small events, whose ring would otherwise swallow the glyph.
            Ring::Thick => svg::circle(out, cx, cy, (r - 1.0).max(0.0), look.paint((r / 4.5).clamp(2.0, 4.0)), ""),
            Ring::Double => {
                svg::circle(out, cx, cy, r, look.paint(1.5), dash);
                svg::circle(out, cx, cy, (r - 3.0).max(0.0), look.outline(1.5), dash);
            }
        }
        glyph::event_trigger(out, trigger, cx, cy, r, look.stroke, throw);
        self.external_label(node.name.as_deref(), s.label, b);
        self.close();
    }

    /// Activities: rounded rectangle (thick for call activities, double for transactions,
    /// dotted for event sub-processes), task-type glyph top left, markers bottom centre,
    /// name centred inside — or top left when an expanded sub-process shows its content.
    fn draw_activity(&mut self, s: &Shape, b: Bounds, process: &Process, idx: NodeIdx, node: &FlowNode) {
        let look = self.look(&node.id);
        self.open(&format!("bpmn-node bpmn-{}{}", kind_class(&node.kind), look.class), &node.id);
        let Bounds { x, y, width: w, height: h } = b;
        let is_sub =
            matches!(node.kind, NodeKind::SubProcess { .. } | NodeKind::Transaction | NodeKind::AdHocSubProcess);
        // A call activity is expanded (showing the called process inside it) only when the
        // diagram says so; otherwise it gets the `[+]` like a collapsed sub-process, as in
        // bpmn.io/Camunda (the model cannot tell a called global task, which has none).
        let is_call = matches!(node.kind, NodeKind::CallActivity { .. });
        let expanded = match node.kind {
            _ if is_sub => self.is_expanded(s, process, idx),
            NodeKind::CallActivity { .. } => s.is_expanded == Some(true),
            _ => false,
        };
        let out = &mut self.out;
        match &node.kind {
            NodeKind::CallActivity { .. } => svg::rect(out, x, y, w, h, 10.0, look.paint(4.0), ""),
            NodeKind::Transaction => {
                svg::rect(out, x, y, w, h, 10.0, look.paint(1.5), "");
                svg::rect(out, x + 3.0, y + 3.0, w - 6.0, h - 6.0, 7.0, look.outline(1.5), "");
            }
            NodeKind::SubProcess { triggered_by_event: true } => {
                svg::rect(out, x, y, w, h, 10.0, look.paint(1.5), r#" stroke-dasharray="1.5 3""#);
            }
            _ => svg::rect(out, x, y, w, h, 10.0, look.paint(2.0), ""),
        }
        glyph::task_marker(out, &node.kind, x + 6.0, y + 6.0, look.stroke);

        // Left to right as in the specification's figures: loop marker, [+], ad-hoc.
        let mut markers = Vec::new();
        match &node.multi_instance {
            Some(mi) if mi.sequential => markers.push(BottomMarker::SequentialMi),
            Some(_) => markers.push(BottomMarker::ParallelMi),
            None => {}
        }
        if (is_sub || is_call) && !expanded {
            markers.push(BottomMarker::Collapsed);
        }
        if node.kind == NodeKind::AdHocSubProcess {
            markers.push(BottomMarker::AdHoc);
        }
        glyph::bottom_markers(out, &markers, x + w / 2.0, y + h - 4.0, look.stroke);

        let Some(name) = node.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
            self.close();
            return;
        };
        let font = Font::NORMAL;
        if expanded {
            let lines = font.wrap(name, w - 16.0, 2);
            svg::text_block(&mut self.out, &lines, x + 8.0, y + 4.0, Anchor::Start, None, font);
        } else {
            let reserved = if markers.is_empty() { 0.0 } else { 16.0 };
            // Keep clear of the task-type glyph (top left): below it at the normal size, else
            // below it at the small size, else over the whole height (overlapping the glyph)
            // rather than cutting the name short.
            let glyph_bottom = if has_type_glyph(&node.kind) { y + 24.0 } else { y + 5.0 };
            let below = y + h - reserved - 5.0 - glyph_bottom;
            let fits_below = |font: Font| {
                let lines = font.wrap(name, w - 10.0, usize::MAX);
                (lines.len() <= font.lines_in(below)).then_some((font, lines))
            };
            let (font, lines, min_top) = match fits_below(Font::NORMAL).or_else(|| fits_below(Font::SMALL)) {
                Some((font, lines)) => (font, lines, glyph_bottom),
                None => (font, font.wrap(name, w - 10.0, font.lines_in(h - 10.0 - reserved)), y),
            };
            let block = lines.len() as f64 * font.line_height();
            let top = (y + (h - reserved - block) / 2.0).max(min_top);
            svg::text_block(&mut self.out, &lines, x + w / 2.0, top, Anchor::Middle, None, font);
        }
        self.close();
    }

    /// Gateways: a diamond with the type marker; the exclusive X is hidden only when the
    /// diagram explicitly says `isMarkerVisible="false"`.
    fn draw_gateway(&mut self, s: &Shape, b: Bounds, node: &FlowNode) {
        let look = self.look(&node.id);
        self.open(&format!("bpmn-node bpmn-{}{}", kind_class(&node.kind), look.class), &node.id);
        let (cx, cy) = (b.x + b.width / 2.0, b.y + b.height / 2.0);
        let d = format!(
            "M{},{} L{},{} L{},{} L{},{} Z",
            N(cx),
            N(b.y),
            N(b.x + b.width),
            N(cy),
            N(cx),
            N(b.y + b.height),
            N(b.x),
            N(cy)
        );
        svg::path(&mut self.out, &d, look.paint(2.0), r#" stroke-linejoin="round""#);
        let show_x = s.is_marker_visible != Some(false);
        glyph::gateway_marker(&mut self.out, &node.kind, cx, cy, b.width.min(b.height), look.stroke, show_x);
        self.external_label(node.name.as_deref(), s.label, b);
        self.close();
    }

    /// Pools: a rectangle with the name in a header band (left, written upwards, for horizontal
    /// pools; top for vertical ones). A black-box pool (no process) shows its name centred.
    fn draw_pool(&mut self, s: &Shape, b: Bounds, p: &Participant) {
        self.open("bpmn-pool", &p.id);
        let Bounds { x, y, width: w, height: h } = b;
        svg::rect(&mut self.out, x, y, w, h, 0.0, Paint { stroke: INK, fill: PAPER, width: 1.5 }, "");
        let name = p.name.as_deref().map(str::trim).unwrap_or("");
        let black_box = p.process_ref.as_deref().and_then(|id| self.defs.process(id)).is_none();
        let horizontal = s.is_horizontal != Some(false);
        if black_box {
            let font = Font::NORMAL;
            let lines = font.wrap(name, w - 10.0, font.lines_in(h - 4.0));
            let top = y + (h - lines.len() as f64 * font.line_height()) / 2.0;
            svg::text_block(&mut self.out, &lines, x + w / 2.0, top, Anchor::Middle, None, font);
        } else {
            self.header(b, name, horizontal, true);
        }
        self.close();
    }

    /// Lanes: a rectangle with the name in a header band like a pool's.
    fn draw_lane(&mut self, s: &Shape, b: Bounds, l: &Lane) {
        self.open("bpmn-lane", &l.id);
        let Bounds { x, y, width: w, height: h } = b;
        svg::rect(&mut self.out, x, y, w, h, 0.0, Paint { stroke: INK, fill: "none", width: 1.0 }, "");
        let name = l.name.as_deref().map(str::trim).unwrap_or("");
        self.header(b, name, s.is_horizontal != Some(false), false);
        self.close();
    }

    /// The name band of a pool or lane: `HEADER` px on the left with the name written upwards,
    /// or on top for vertical ones; `separator` draws the band's inner border.
    fn header(&mut self, b: Bounds, name: &str, horizontal: bool, separator: bool) {
        let Bounds { x, y, width: w, height: h } = b;
        let band = HEADER.min(if horizontal { w } else { h });
        let font = Font::NORMAL;
        let max_lines = font.lines_in(band);
        let paint = Paint { stroke: INK, fill: "none", width: 1.0 };
        if horizontal {
            if separator {
                let d = format!("M{},{} L{},{}", N(x + band), N(y), N(x + band), N(y + h));
                svg::path(&mut self.out, &d, paint, "");
            }
            let lines = font.wrap(name, h - 10.0, max_lines);
            let (cx, cy) = (x + band / 2.0, y + h / 2.0);
            let top = cy - lines.len() as f64 * font.line_height() / 2.0;
            svg::text_block(&mut self.out, &lines, cx, top, Anchor::Middle, Some((cx, cy)), font);
        } else {
            if separator {
                let d = format!("M{},{} L{},{}", N(x), N(y + band), N(x + w), N(y + band));
                svg::path(&mut self.out, &d, paint, "");
            }
            let lines = font.wrap(name, w - 10.0, max_lines);
            let top = y + (band - lines.len() as f64 * font.line_height()) / 2.0;
            svg::text_block(&mut self.out, &lines, x + w / 2.0, top, Anchor::Middle, None, font);
        }
    }

    /// Artifacts and data: text annotation (open bracket and text), group (dash-dotted frame),
    /// data object (dog-eared page, with an arrow for data inputs and outputs), data store
    /// (cylinder).
    fn draw_artifact(&mut self, s: &Shape, b: Bounds, a: &Artifact) {
        let Bounds { x, y, width: w, height: h } = b;
        let text = a.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let ink = Paint { stroke: INK, fill: PAPER, width: 1.5 };
        match &a.kind {
            ArtifactKind::TextAnnotation => {
                self.open("bpmn-artifact bpmn-textAnnotation", &a.id);
                let d = format!(
                    "M{},{} L{},{} L{},{} L{},{}",
                    N(x + 10.0_f64.min(w)),
                    N(y),
                    N(x),
                    N(y),
                    N(x),
                    N(y + h),
                    N(x + 10.0_f64.min(w)),
                    N(y + h)
                );
                svg::path(&mut self.out, &d, Paint { fill: "none", width: 1.0, ..ink }, "");
                if let Some(t) = text {
                    let font = Font::NORMAL;
                    let lines = font.wrap(t, w - 10.0, font.lines_in(h - 6.0));
                    svg::text_block(&mut self.out, &lines, x + 6.0, y + 3.0, Anchor::Start, None, font);
                }
            }
            ArtifactKind::Group => {
                self.open("bpmn-artifact bpmn-group", &a.id);
                svg::rect(
                    &mut self.out,
                    x,
                    y,
                    w,
                    h,
                    10.0,
                    Paint { fill: "none", width: 1.5, ..ink },
                    r#" stroke-dasharray="8 4 1.5 4""#,
                );
                if let Some(t) = text {
                    match s.label.filter(usable_label) {
                        Some(_) => self.external_label(Some(t), s.label, b),
                        None => {
                            let font = Font::NORMAL;
                            let lines = font.wrap(t, w - 16.0, 2);
                            svg::text_block(&mut self.out, &lines, x + w / 2.0, y + 4.0, Anchor::Middle, None, font);
                        }
                    }
                }
            }
            ArtifactKind::DataObject
            | ArtifactKind::DataObjectReference
            | ArtifactKind::DataInput
            | ArtifactKind::DataOutput => {
                let class = match a.kind {
                    ArtifactKind::DataInput => "bpmn-artifact bpmn-dataInput",
                    ArtifactKind::DataOutput => "bpmn-artifact bpmn-dataOutput",
                    ArtifactKind::DataObject => "bpmn-artifact bpmn-dataObject",
                    _ => "bpmn-artifact bpmn-dataObjectReference",
                };
                self.open(class, &a.id);
                let ear = (w.min(h) * 0.3).min(12.0);
                let d = format!(
                    "M{},{} L{},{} L{},{} L{},{} L{},{} Z M{},{} L{},{} L{},{}",
                    N(x),
                    N(y),
                    N(x + w - ear),
                    N(y),
                    N(x + w),
                    N(y + ear),
                    N(x + w),
                    N(y + h),
                    N(x),
                    N(y + h),
                    N(x + w - ear),
                    N(y),
                    N(x + w - ear),
                    N(y + ear),
                    N(x + w),
                    N(y + ear)
                );
                svg::path(&mut self.out, &d, ink.with_width(1.2), r#" stroke-linejoin="round""#);
                if matches!(a.kind, ArtifactKind::DataInput | ArtifactKind::DataOutput) {
                    // The input (white) or output (black) arrow in the top-left corner.
                    let fill = if a.kind == ArtifactKind::DataOutput { INK } else { PAPER };
                    let d = format!(
                        "M{},{} L{},{} L{},{} L{},{} L{},{} L{},{} L{},{} Z",
                        N(x + 4.0),
                        N(y + 7.0),
                        N(x + 10.0),
                        N(y + 7.0),
                        N(x + 10.0),
                        N(y + 4.0),
                        N(x + 15.0),
                        N(y + 9.0),
                        N(x + 10.0),
                        N(y + 14.0),
                        N(x + 10.0),
                        N(y + 11.0),
                        N(x + 4.0),
                        N(y + 11.0)
                    );
                    svg::path(&mut self.out, &d, Paint { fill, width: 1.0, ..ink }, r#" class="bpmn-marker-data-io""#);
                }
                self.external_label(text, s.label, b);
            }
            ArtifactKind::DataStoreReference => {
                self.open("bpmn-artifact bpmn-dataStoreReference", &a.id);
                let rx = w / 2.0;
                let ry = (h * 0.12).min(10.0);
                let d = format!(
                    "M{},{} L{},{} A{},{} 0 0 0 {},{} L{},{} Z",
                    N(x),
                    N(y + ry),
                    N(x),
                    N(y + h - ry),
                    N(rx),
                    N(ry),
                    N(x + w),
                    N(y + h - ry),
                    N(x + w),
                    N(y + ry)
                );
                svg::path(&mut self.out, &d, ink, "");
                w!(
                    &mut self.out,
                    format_args!(
                        r#"<ellipse cx="{}" cy="{}" rx="{}" ry="{}" stroke="{INK}" fill="{PAPER}" stroke-width="1.5"/>"#,
                        N(x + rx),
                        N(y + ry),
                        N(rx),
                        N(ry)
                    )
                );
                // The two rims under the lid.
                let mut d = String::new();
                for k in 1..=2 {
                    let yy = y + ry + f64::from(k) * 4.0;
                    w!(&mut d, format_args!("M{},{} A{},{} 0 0 0 {},{} ", N(x), N(yy), N(rx), N(ry), N(x + w), N(yy)));
                }
                svg::path(&mut self.out, d.trim_end(), Paint { fill: "none", ..ink }, "");
                self.external_label(text, s.label, b);
            }
            ArtifactKind::Association { .. } | ArtifactKind::DataAssociation { .. } => {
                // An edge element referenced by a shape: nothing sensible to draw.
                self.draw_unknown_shape(s, b);
                return;
            }
        }
        self.close();
    }

    /// A shape whose element is unknown (or not a shape kind): a plain grey rectangle.
    fn draw_unknown_shape(&mut self, s: &Shape, b: Bounds) {
        self.open("bpmn-unknown", &s.element);
        svg::rect(
            &mut self.out,
            b.x,
            b.y,
            b.width,
            b.height,
            0.0,
            Paint { stroke: UNKNOWN, fill: "none", width: 1.0 },
            "",
        );
        self.close();
    }

    /// A name outside its shape: in the diagram's label bounds when given (wrapped to at least
    /// `LABEL_WIDTH`), else centred under the shape.
    fn external_label(&mut self, text: Option<&str>, label: Option<Bounds>, shape: Bounds) {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return;
        };
        let font = Font::SMALL;
        let (cx, top, lines) = match label.filter(usable_label) {
            Some(l) => {
                let l = normalized(l);
                // The modeller sized the box for its own font: allow a line or two more than fit.
                let max_lines = font.lines_in(l.height).max(2) + 1;
                let lines = font.wrap(text, l.width.max(LABEL_WIDTH), max_lines);
                // Centred vertically in the box when it fits, else growing downwards from its top
                // (so the text does not run into the shape above it).
                let block = lines.len() as f64 * font.line_height();
                (l.x + l.width / 2.0, l.y + ((l.height - block) / 2.0).max(0.0), lines)
            }
            None => (shape.x + shape.width / 2.0, shape.y + shape.height + 5.0, font.wrap(text, LABEL_WIDTH, 4)),
        };
        self.centred_lines(&lines, cx, top);
    }

    /// Writes centred lines of an external label and grows the bounding box around their
    /// estimated extent.
    fn centred_lines(&mut self, lines: &[String], cx: f64, top: f64) {
        let font = Font::SMALL;
        let widest = lines.iter().map(|l| font.width(l)).fold(0.0, f64::max);
        self.bbox.add_point(cx - widest / 2.0, top);
        self.bbox.add_point(cx + widest / 2.0, top + lines.len() as f64 * font.line_height());
        svg::text_block(&mut self.out, lines, cx, top, Anchor::Middle, None, font);
    }

    // ----- edges --------------------------------------------------------------------------

    /// Draws one `BPMNEdge`, dispatching on what its element is. Non-finite waypoints are
    /// dropped; an edge left with fewer than two is not drawn.
    fn draw_edge(&mut self, e: &Edge) {
        let pts: Vec<Point> = e.waypoints.iter().copied().filter(|p| p.x.is_finite() && p.y.is_finite()).collect();
        if pts.len() < 2 {
            return;
        }
        for p in &pts {
            self.bbox.add_point(p.x, p.y);
        }
        match self.resolve(&e.element) {
            Elem::Flow { process, idx, flow } => self.draw_sequence_flow(e, &pts, process, idx, flow),
            Elem::MessageFlow(m) => self.draw_message_flow(e, &pts, m),
            Elem::Artifact(a) => match &a.kind {
                ArtifactKind::Association { directional, .. } => {
                    self.draw_association(e, &pts, "bpmn-association", *directional)
                }
                ArtifactKind::DataAssociation { .. } => self.draw_association(e, &pts, "bpmn-dataAssociation", true),
                _ => self.draw_unknown_edge(e, &pts),
            },
            _ => self.draw_unknown_edge(e, &pts),
        }
    }

    /// Stroke colour, width boost and class of an edge from the overlay's taken flows.
    fn edge_look(&self, id: &str) -> (&'static str, f64, &'static str) {
        if self.overlay.taken_flows.contains(id) {
            (GREEN, 1.5, " state-taken")
        } else {
            (INK, 0.0, "")
        }
    }

    /// Sequence flows: solid line, filled arrowhead; a slash at the start of a default flow,
    /// a small diamond at the start of a conditional flow leaving an activity.
    fn draw_sequence_flow(&mut self, e: &Edge, pts: &[Point], process: &Process, idx: FlowIdx, flow: &SequenceFlow) {
        let (color, boost, state) = self.edge_look(&flow.id);
        self.open(&format!("bpmn-edge bpmn-sequenceFlow{state}"), &flow.id);
        let width = 1.5 + boost;
        let source = process.nodes.get(flow.source);
        let is_default = source.is_some_and(|n| n.default_flow == Some(idx));
        let from_activity = source.is_some_and(|n| n.kind.is_activity());
        // Stop the line a little before the tip so its end does not poke through the arrowhead.
        let line = shortened_end(pts, 3.0);
        svg::polyline(&mut self.out, &line, color, width, "");
        if let Some((tip, dir)) = end_direction(pts) {
            glyph::arrowhead(&mut self.out, tip, dir, EdgeEnd::Filled, color, width);
        }
        if let Some((start, dir)) = start_direction(pts) {
            if is_default {
                glyph::default_slash(&mut self.out, start, dir, color, width);
            } else if flow.condition.is_some() && from_activity {
                glyph::conditional_diamond(&mut self.out, start, dir, color, width);
            }
        }
        self.edge_label(flow.name.as_deref(), e, pts);
        self.close();
    }

    /// Message flows: dashed line from a small open circle to an open arrowhead.
    fn draw_message_flow(&mut self, e: &Edge, pts: &[Point], m: &MessageFlow) {
        let (color, boost, state) = self.edge_look(&m.id);
        self.open(&format!("bpmn-edge bpmn-messageFlow{state}"), &m.id);
        let width = 1.5 + boost;
        svg::polyline(&mut self.out, pts, color, width, r#" stroke-dasharray="8 5""#);
        if let Some((start, _)) = start_direction(pts) {
            svg::circle(&mut self.out, start.x, start.y, 4.0, Paint { stroke: color, fill: PAPER, width: 1.5 }, "");
        }
        if let Some((tip, dir)) = end_direction(pts) {
            glyph::arrowhead(&mut self.out, tip, dir, EdgeEnd::Open, color, 1.5);
        }
        self.edge_label(m.name.as_deref(), e, pts);
        self.close();
    }

    /// Associations and data associations: dotted line, with a line arrowhead when directed.
    fn draw_association(&mut self, e: &Edge, pts: &[Point], class: &str, directional: bool) {
        let (color, boost, state) = self.edge_look(&e.element);
        self.open(&format!("bpmn-edge {class}{state}"), &e.element);
        let width = 1.5 + boost;
        svg::polyline(&mut self.out, pts, color, width, r#" stroke-dasharray="0.5 4" stroke-linecap="round""#);
        if directional {
            if let Some((tip, dir)) = end_direction(pts) {
                glyph::arrowhead(&mut self.out, tip, dir, EdgeEnd::Line, color, 1.5);
            }
        }
        self.close();
    }

    /// An edge whose element is unknown (or not an edge kind): a plain grey polyline.
    fn draw_unknown_edge(&mut self, e: &Edge, pts: &[Point]) {
        self.open("bpmn-edge bpmn-unknown", &e.element);
        svg::polyline(&mut self.out, pts, UNKNOWN, 1.0, "");
        self.close();
    }

    /// An edge's name: in its label bounds when given, else next to the middle of the line.
    fn edge_label(&mut self, text: Option<&str>, e: &Edge, pts: &[Point]) {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return;
        };
        if e.label.filter(usable_label).is_some() {
            // Only used when the label bounds are unusable, which was just ruled out.
            let first = pts.first().copied().unwrap_or_default();
            let anchor = Bounds { x: first.x, y: first.y, width: 0.0, height: 0.0 };
            self.external_label(Some(text), e.label, anchor);
            return;
        }
        let (mid, dir) = midpoint(pts);
        let font = Font::SMALL;
        let lines = font.wrap(text, LABEL_WIDTH, 3);
        let block = lines.len() as f64 * font.line_height();
        if dir.0.abs() >= dir.1.abs() {
            // Mostly horizontal: above the line.
            self.centred_lines(&lines, mid.x, mid.y - block - 2.0);
        } else {
            // Mostly vertical: to the right of the line.
            let widest = lines.iter().map(|l| font.width(l)).fold(0.0, f64::max);
            let top = mid.y - block / 2.0;
            self.bbox.add_point(mid.x + 6.0 + widest, top + block);
            svg::text_block(&mut self.out, &lines, mid.x + 6.0, top, Anchor::Start, None, font);
        }
    }
}

/// Label bounds worth using: finite, with some width.
fn usable_label(l: &Bounds) -> bool {
    finite_bounds(l) && l.width.abs() > 0.5
}

/// True for the task kinds drawn with a type glyph in the top-left corner.
fn has_type_glyph(kind: &NodeKind) -> bool {
    matches!(
        kind,
        NodeKind::UserTask(_)
            | NodeKind::ManualTask
            | NodeKind::ServiceTask(_)
            | NodeKind::ScriptTask(_)
            | NodeKind::SendTask(_)
            | NodeKind::ReceiveTask { .. }
            | NodeKind::BusinessRuleTask
    )
}

/// The CSS class suffix of a flow node kind: its BPMN tag name.
fn kind_class(kind: &NodeKind) -> &'static str {
    match kind {
        NodeKind::StartEvent { .. } => "startEvent",
        NodeKind::EndEvent { .. } => "endEvent",
        NodeKind::IntermediateCatchEvent { .. } => "intermediateCatchEvent",
        NodeKind::IntermediateThrowEvent { .. } => "intermediateThrowEvent",
        NodeKind::BoundaryEvent { .. } => "boundaryEvent",
        NodeKind::Task => "task",
        NodeKind::UserTask(_) => "userTask",
        NodeKind::ManualTask => "manualTask",
        NodeKind::ServiceTask(_) => "serviceTask",
        NodeKind::ScriptTask(_) => "scriptTask",
        NodeKind::SendTask(_) => "sendTask",
        NodeKind::ReceiveTask { .. } => "receiveTask",
        NodeKind::BusinessRuleTask => "businessRuleTask",
        NodeKind::SubProcess { triggered_by_event: false } => "subProcess",
        NodeKind::SubProcess { triggered_by_event: true } => "subProcess bpmn-eventSubProcess",
        NodeKind::Transaction => "transaction",
        NodeKind::AdHocSubProcess => "adHocSubProcess",
        NodeKind::CallActivity { .. } => "callActivity",
        NodeKind::ExclusiveGateway => "exclusiveGateway",
        NodeKind::ParallelGateway => "parallelGateway",
        NodeKind::InclusiveGateway => "inclusiveGateway",
        NodeKind::EventBasedGateway => "eventBasedGateway",
        NodeKind::ComplexGateway => "complexGateway",
    }
}

/// The first point and the unit direction towards the next distinct point.
fn start_direction(pts: &[Point]) -> Option<(Point, (f64, f64))> {
    let start = *pts.first()?;
    pts.iter().skip(1).find_map(|&p| glyph::direction(start, p)).map(|d| (start, d))
}

/// The last point and the unit direction arriving at it from the previous distinct point.
fn end_direction(pts: &[Point]) -> Option<(Point, (f64, f64))> {
    let tip = *pts.last()?;
    pts.iter().rev().skip(1).find_map(|&p| glyph::direction(p, tip)).map(|d| (tip, d))
}

/// `pts` with the last point moved back by `by` along the last segment (when it is longer).
fn shortened_end(pts: &[Point], by: f64) -> Vec<Point> {
    let mut v = pts.to_vec();
    let n = v.len();
    if n >= 2 {
        let (a, b) = (v[n - 2], v[n - 1]);
        let len = ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt();
        if len > by * 2.0 {
            v[n - 1] = Point { x: b.x - (b.x - a.x) / len * by, y: b.y - (b.y - a.y) / len * by };
        }
    }
    v
}

/// The point halfway along the polyline and the direction of the segment it lies on.
fn midpoint(pts: &[Point]) -> (Point, (f64, f64)) {
    let seg_len = |a: &Point, b: &Point| ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt();
    let total: f64 = pts.windows(2).map(|w| seg_len(&w[0], &w[1])).sum();
    let mut left = total / 2.0;
    for w in pts.windows(2) {
        let l = seg_len(&w[0], &w[1]);
        if l > 0.0 && left <= l {
            let t = left / l;
            let p = Point { x: w[0].x + (w[1].x - w[0].x) * t, y: w[0].y + (w[1].y - w[0].y) * t };
            return (p, ((w[1].x - w[0].x) / l, (w[1].y - w[0].y) / l));
        }
        left -= l;
    }
    (pts.first().copied().unwrap_or_default(), (1.0, 0.0))
}
