//! BPMN DI: diagrams, their shapes and edges with bounds, waypoints and labels.
//!
//! The diagram never decides whether a process can be deployed: a defect here (missing or
//! unreadable bounds, an edge without waypoints, a shape of an element that does not exist)
//! skips what cannot be drawn, keeps the rest, and becomes a warning in
//! [`Definitions::warnings`](crate::bpmn::Definitions::warnings).

use super::super::dom::{El, Ns};
use super::super::Warning;
use super::*;
use crate::bpmn::model::{Bounds, Diagram, Edge, Point, Shape};
use crate::text::Text;

/// Coordinates and sizes beyond this are refused (as diagram warnings): no drawing is that
/// large, and sums of larger ones could overflow to infinity in the renderer.
const MAX_COORDINATE: f64 = 1e9;

impl<'d> Builder<'d> {
    pub(super) fn diagram(&mut self, el: El) {
        let doc = self.doc;
        let mut diagram = Diagram { id: self.diagram_id(el), name: attr_string(doc, el, "name"), ..Diagram::default() };
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
                        if let Some(shape) = self.shape(c) {
                            diagram.shapes.push(shape);
                        }
                    }
                    "BPMNEdge" => {
                        if let Some(edge) = self.edge(c) {
                            diagram.edges.push(edge);
                        }
                    }
                    _ => {}
                }
            }
        }
        self.def.diagrams.push(diagram);
    }

    /// Records a defect of the diagram element `el`, which draws `element`: a
    /// `check.diagram.*` text, whose English starts with `diagram: `.
    fn diagram_warning(&mut self, el: El, element: &str, text: Text) {
        let doc = self.doc;
        self.def.warnings.push(Warning {
            element_id: element.to_owned(),
            element_type: doc.name(el).to_owned(),
            line: doc.line(el),
            text: text.english(),
        });
    }

    /// The model element a shape or edge draws; `None` when it names none (some tools draw
    /// free connectors). One that names an element the file does not have is kept (drawn
    /// as unknown) with a warning.
    fn drawn_element(&mut self, el: El) -> Option<&'d str> {
        let element = self.doc.attr(el, "bpmnElement").map(str::trim).filter(|e| !e.is_empty())?;
        if !self.def.index.contains_key(element) && !self.root_refs.contains_key(element) {
            self.diagram_warning(el, element, Text::new("check.diagram.unknown_element").with("element", element));
        }
        Some(element)
    }

    /// A shape; `None` when it names no model element or has no usable bounds.
    fn shape(&mut self, el: El) -> Option<Shape> {
        let doc = self.doc;
        let element = self.drawn_element(el)?;
        let bounds = match doc.child(el, Ns::Dc, "Bounds").map(|b| self.bounds(b)) {
            Some(Ok(bounds)) => bounds,
            Some(Err(what)) => {
                self.diagram_warning(el, element, Text::new("check.diagram.shape_bounds").with_text("what", what));
                return None;
            }
            None => {
                self.diagram_warning(el, element, Text::new("check.diagram.no_bounds"));
                return None;
            }
        };
        if !(bounds.width > 0.0 && bounds.height > 0.0) {
            self.diagram_warning(
                el,
                element,
                Text::new("check.diagram.no_size").with("width", bounds.width).with("height", bounds.height),
            );
        }
        Some(Shape {
            id: self.diagram_id(el),
            element: element.to_owned(),
            bounds,
            label: self.label(el, element),
            is_horizontal: doc.attr(el, "isHorizontal").and_then(parse_bool),
            is_expanded: doc.attr(el, "isExpanded").and_then(parse_bool),
            is_marker_visible: doc.attr(el, "isMarkerVisible").and_then(parse_bool),
        })
    }

    /// An edge; `None` when it names no model element. Unreadable waypoints are dropped; an
    /// edge left with fewer than two is kept (the renderer skips it) with a warning.
    fn edge(&mut self, el: El) -> Option<Edge> {
        let doc = self.doc;
        let element = self.drawn_element(el)?;
        let mut waypoints = Vec::new();
        for c in doc.children(el).filter(|&c| doc.is(c, Ns::DdDi, "waypoint")) {
            match (self.number(c, "x"), self.number(c, "y")) {
                (Ok(x), Ok(y)) => waypoints.push(Point { x, y }),
                (Err(what), _) | (_, Err(what)) => {
                    self.diagram_warning(el, element, Text::new("check.diagram.waypoint").with_text("what", what));
                }
            }
        }
        if waypoints.len() < 2 {
            self.diagram_warning(el, element, Text::new("check.diagram.few_waypoints").with("count", waypoints.len()));
        }
        Some(Edge { id: self.diagram_id(el), element: element.to_owned(), waypoints, label: self.label(el, element) })
    }

    /// The id of a shape or edge; one already used by another element of the file is
    /// dropped with a warning (ids of diagram elements are referred to by nothing here).
    fn diagram_id(&mut self, el: El) -> Option<String> {
        let id = self.doc.attr(el, "id").map(str::trim).filter(|id| !id.is_empty())?;
        if let Some(&first) = self.diagram_ids.get(id) {
            let (tag, line) = (self.doc.name(first), self.doc.line(first));
            let element = self.doc.attr(el, "bpmnElement").map(str::trim).filter(|e| !e.is_empty()).unwrap_or(id);
            self.diagram_warning(
                el,
                element,
                Text::new("check.diagram.duplicate_id").with("id", id).with("tag", tag).with("line", line),
            );
            return None;
        }
        self.diagram_ids.insert(id, el);
        Some(id.to_owned())
    }

    /// The bounds of the label; unusable ones are dropped (the label goes to its default
    /// place) with a warning.
    fn label(&mut self, el: El, element: &str) -> Option<Bounds> {
        let doc = self.doc;
        let b = doc.child(el, Ns::BpmnDi, "BPMNLabel").and_then(|l| doc.child(l, Ns::Dc, "Bounds"))?;
        match self.bounds(b) {
            Ok(bounds) => Some(bounds),
            Err(what) => {
                self.diagram_warning(el, element, Text::new("check.diagram.label_bounds").with_text("what", what));
                None
            }
        }
    }

    fn bounds(&self, el: El) -> Result<Bounds, Text> {
        Ok(Bounds {
            x: self.number(el, "x")?,
            y: self.number(el, "y")?,
            width: self.number(el, "width")?,
            height: self.number(el, "height")?,
        })
    }

    /// A coordinate or size; the error says what is wrong with it (`has no x`), as a
    /// `check.diagram.value.*` text.
    fn number(&self, el: El, attr: &str) -> Result<f64, Text> {
        let value =
            self.doc.attr(el, attr).ok_or_else(|| Text::new("check.diagram.value.missing").with("attr", attr))?;
        match value.trim().parse::<f64>() {
            Ok(n) if n.abs() <= MAX_COORDINATE => Ok(n),
            Ok(n) if n.is_finite() => Err(Text::new("check.diagram.value.out_of_range")
                .with("attr", attr)
                .with("value", value)
                .with("max", format!("{MAX_COORDINATE:e}"))),
            _ => Err(Text::new("check.diagram.value.not_a_number").with("attr", attr).with("value", value)),
        }
    }
}
