//! BPMN DI: diagrams, their shapes and edges with bounds, waypoints and labels.

use super::super::dom::{El, Ns};
use super::super::{ParseError, ParseErrorKind};
use super::*;
use crate::bpmn::model::{Bounds, Diagram, Edge, Point, Shape};

impl<'d> Builder<'d> {
    pub(super) fn diagram(&mut self, el: El) -> Result<(), ParseError> {
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
    pub(super) fn shape(&self, el: El) -> Result<Option<Shape>, ParseError> {
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
    pub(super) fn edge(&self, el: El) -> Result<Option<Edge>, ParseError> {
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

    pub(super) fn label(&self, el: El, element: &str) -> Result<Option<Bounds>, ParseError> {
        let doc = self.doc;
        match doc.child(el, Ns::BpmnDi, "BPMNLabel").and_then(|l| doc.child(l, Ns::Dc, "Bounds")) {
            Some(b) => Ok(Some(self.bounds(b, element)?)),
            None => Ok(None),
        }
    }

    pub(super) fn bounds(&self, el: El, element: &str) -> Result<Bounds, ParseError> {
        Ok(Bounds {
            x: self.number(el, "x", element)?,
            y: self.number(el, "y", element)?,
            width: self.number(el, "width", element)?,
            height: self.number(el, "height", element)?,
        })
    }

    pub(super) fn number(&self, el: El, attr: &str, element: &str) -> Result<f64, ParseError> {
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
