//! Writing a laid-out [`Diagram`] back into a BPMN file's XML, so that a file that had no
//! diagram carries one (for the XML view, for other modelers, for a graphical editor).
//!
//! The diagram becomes one `<bpmndi:BPMNDiagram>` inserted just before the root's closing tag
//! (`</definitions>`, `</bpmn:definitions>`, whatever its prefix). It declares the BPMNDI, DC
//! and DI namespaces itself, so the root start tag is left untouched, and everything else in
//! the file stays byte for byte, with one exception: empty `BPMNDiagram` elements (without
//! any shape or edge, as a modeler writes for a new process) are removed, so that the new
//! diagram is the file's first and every tool shows it.
//!
//! A file whose diagram has a shape or an edge is refused, even if none of them can be drawn:
//! what someone drew is never thrown away. So is text that is not well-formed XML, or whose
//! root is not a BPMN `definitions` element. Nothing here panics on any input.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::ops::Range;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::NsReader;

use crate::bpmn::model::{Bounds, Diagram, Shape};

#[cfg(test)]
mod tests;

const BPMN_MODEL: &[u8] = b"http://www.omg.org/spec/BPMN/20100524/MODEL";
const BPMN_DI: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
const DD_DC: &str = "http://www.omg.org/spec/DD/20100524/DC";
const DD_DI: &str = "http://www.omg.org/spec/DD/20100524/DI";
/// Deeper nesting is refused, as the parser does: quick-xml counts namespace scopes in a `u16`,
/// which overflows (a panic in debug builds) past 65,535 levels.
const MAX_DEPTH: usize = 4096;

/// Why [`with_diagram`] left a file alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The text is not well-formed XML (or has a DOCTYPE), or its root is not a BPMN
    /// `<definitions>` element with a closing tag.
    #[error("the text is not a BPMN file whose root element has a closing tag")]
    NotBpmn,
    /// The file already has a diagram with at least one shape or edge.
    #[error("the file already has a diagram")]
    HasDiagram,
    /// The diagram holds a coordinate that is not a finite number, or text (an id, a name)
    /// with a character that XML cannot hold.
    #[error("the diagram holds a value that cannot be written as XML")]
    Unwritable,
}

/// `xml` with `diagram` written in as its BPMN DI (see the module's documentation), or why
/// not. Shape ids are the diagram's (`<element>_di` when it has none), edge ids
/// `<element>_di`, the plane's `<plane element>_plane`; an id the file (or the diagram)
/// already uses gets a suffix (`_2`, `_3`, ...). Numbers are written with at most two
/// decimals and none that are not needed (`152`, `80.5`).
pub fn with_diagram(xml: &str, diagram: &Diagram) -> Result<String, Refusal> {
    // quick-xml skips a byte order mark without counting it in its positions: it is set aside.
    let (bom, xml) = match xml.strip_prefix('\u{FEFF}') {
        Some(rest) => ("\u{FEFF}", rest),
        None => ("", xml),
    };
    let mut scan = scan(xml)?;
    let nl = if xml.contains("\r\n") { "\r\n" } else { "\n" };
    let block = Writer { out: String::new(), ids: &mut scan.ids, nl, unit: &scan.indent }.diagram(diagram)?;

    // Before the closing tag's own indentation when it starts its line, else on a new line.
    let close = scan.close_at;
    let line_start = xml[..close].trim_end_matches([' ', '\t']).len();
    let (at, lead) = if xml[..line_start].ends_with('\n') { (line_start, "") } else { (close, nl) };
    let cuts: Vec<Range<usize>> = scan.empty_diagrams.iter().map(|r| whole_lines(xml, r.clone())).collect();

    let mut out = String::with_capacity(bom.len() + xml.len() + lead.len() + block.len());
    out.push_str(bom);
    let mut cursor = 0;
    for cut in cuts.iter().filter(|c| c.end <= at) {
        out.push_str(&xml[cursor..cut.start.max(cursor)]);
        cursor = cursor.max(cut.end);
    }
    out.push_str(&xml[cursor..at.max(cursor)]);
    out.push_str(lead);
    out.push_str(&block);
    out.push_str(&xml[at.max(cursor)..]);
    Ok(out)
}

/// What the writer needs to know about the file.
struct Scan {
    /// Byte offset of the root's closing tag (its `<`).
    close_at: usize,
    /// Byte ranges of the `BPMNDiagram` elements that hold no shape or edge.
    empty_diagrams: Vec<Range<usize>>,
    /// Every `id` attribute value in the file.
    ids: HashSet<String>,
    /// The indentation of the root's first child (two spaces when it has none on its line).
    indent: String,
}

/// Reads the whole file once: where the root closes, its empty diagrams, its ids.
fn scan(xml: &str) -> Result<Scan, Refusal> {
    let mut reader = NsReader::from_str(xml);
    {
        let config = reader.config_mut();
        config.expand_empty_elements = false;
        config.check_end_names = true;
        config.trim_text(false);
    }
    let mut ids = HashSet::new();
    let mut empty_diagrams = Vec::new();
    let mut indent = None;
    let mut close_at = None;
    let mut depth = 0usize;
    // The open diagram (no shape or edge in it so far): its start offset and depth.
    let mut diagram: Option<(usize, usize)> = None;
    loop {
        let pos = usize::try_from(reader.buffer_position()).map_err(|_| Refusal::NotBpmn)?;
        let (ns, event) = reader.read_resolved_event().map_err(|_| Refusal::NotBpmn)?;
        let (model, di) = (is_ns(&ns, BPMN_MODEL), is_ns(&ns, BPMN_DI.as_bytes()));
        let end = usize::try_from(reader.buffer_position()).map_err(|_| Refusal::NotBpmn)?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                if close_at.is_some() || depth >= MAX_DEPTH {
                    return Err(Refusal::NotBpmn);
                }
                let local = start.local_name();
                if depth == 0 && (!model || local.as_ref() != b"definitions" || empty) {
                    return Err(Refusal::NotBpmn);
                }
                if depth == 1 && indent.is_none() {
                    indent = Some(indentation(xml, pos));
                }
                collect_id(&reader, start, &mut ids)?;
                if di && diagram.is_some() && matches!(local.as_ref(), b"BPMNShape" | b"BPMNEdge") {
                    return Err(Refusal::HasDiagram);
                }
                if di && diagram.is_none() && local.as_ref() == b"BPMNDiagram" {
                    if empty {
                        empty_diagrams.push(pos..end);
                    } else {
                        diagram = Some((pos, depth));
                    }
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let Some((start, _)) = diagram.filter(|&(_, d)| d == depth) {
                    empty_diagrams.push(start..end);
                    diagram = None;
                }
                if depth == 0 {
                    close_at = Some(pos);
                }
            }
            Event::DocType(_) => return Err(Refusal::NotBpmn),
            Event::Eof => break,
            _ => {}
        }
    }
    let close_at = close_at.ok_or(Refusal::NotBpmn)?;
    // The offsets are used to cut the text: make sure they stand on its tags.
    let on_tag = |r: &Range<usize>| xml.get(r.clone()).is_some_and(|t| t.starts_with('<') && t.ends_with('>'));
    if !xml.get(close_at..).is_some_and(|t| t.starts_with("</")) || !empty_diagrams.iter().all(on_tag) {
        return Err(Refusal::NotBpmn);
    }
    Ok(Scan { close_at, empty_diagrams, ids, indent: indent.unwrap_or_else(|| "  ".into()) })
}

fn is_ns(ns: &ResolveResult, uri: &[u8]) -> bool {
    matches!(ns, ResolveResult::Bound(Namespace(n)) if *n == uri)
}

/// Adds the element's `id` (unprefixed) to `ids`.
fn collect_id(reader: &NsReader<&[u8]>, start: &BytesStart, ids: &mut HashSet<String>) -> Result<(), Refusal> {
    for attr in start.attributes() {
        let attr = attr.map_err(|_| Refusal::NotBpmn)?;
        if attr.key.as_ref() == b"id" {
            let value = attr.decode_and_unescape_value(reader.decoder()).map_err(|_| Refusal::NotBpmn)?;
            ids.insert(value.trim().to_owned());
        }
    }
    Ok(())
}

/// The spaces and tabs between the start of the line and `pos`, when only they are there.
fn indentation(xml: &str, pos: usize) -> String {
    let before = xml.get(..pos).unwrap_or_default();
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    if before.contains('\n') && !line.is_empty() && line.bytes().all(|b| b == b' ' || b == b'\t') {
        line.to_owned()
    } else {
        "  ".to_owned()
    }
}

/// `r` widened to the whole lines it occupies (their indentation and line break) when
/// nothing else is on them.
fn whole_lines(xml: &str, r: Range<usize>) -> Range<usize> {
    let start = xml[..r.start].trim_end_matches([' ', '\t']).len();
    let rest = &xml[r.end..];
    let after = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let line_break = if rest[after..].starts_with("\r\n") {
        2
    } else if rest[after..].starts_with('\n') {
        1
    } else {
        0
    };
    if (start == 0 || xml[..start].ends_with('\n')) && line_break > 0 {
        start..r.end + after + line_break
    } else {
        r
    }
}

/// Writes one diagram's XML, taking fresh ids from `ids`.
struct Writer<'a> {
    out: String,
    ids: &'a mut HashSet<String>,
    nl: &'a str,
    unit: &'a str,
}

impl Writer<'_> {
    fn diagram(mut self, d: &Diagram) -> Result<String, Refusal> {
        let plane = d.plane_element.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let diagram_id = match (d.id.as_deref().map(str::trim).filter(|i| !i.is_empty()), plane) {
            (Some(id), _) => id.to_owned(),
            (None, Some(p)) => format!("{p}_diagram"),
            (None, None) => "BPMNDiagram_1".to_owned(),
        };
        let plane_id = plane.map_or_else(|| "BPMNPlane_1".to_owned(), |p| format!("{p}_plane"));

        self.open(1, "bpmndi:BPMNDiagram");
        self.attr_id(&diagram_id)?;
        if let Some(name) = &d.name {
            self.attr("name", name)?;
        }
        self.attr("xmlns:bpmndi", BPMN_DI)?;
        self.attr("xmlns:dc", DD_DC)?;
        self.attr("xmlns:di", DD_DI)?;
        self.out.push('>');
        self.open(2, "bpmndi:BPMNPlane");
        self.attr_id(&plane_id)?;
        if let Some(p) = plane {
            self.attr("bpmnElement", p)?;
        }
        self.out.push('>');
        for s in &d.shapes {
            self.shape(s)?;
        }
        for e in &d.edges {
            self.open(3, "bpmndi:BPMNEdge");
            self.attr_id(&format!("{}_di", e.element))?;
            self.attr("bpmnElement", &e.element)?;
            self.out.push('>');
            for p in &e.waypoints {
                self.open(4, "di:waypoint");
                self.attr("x", &number(p.x)?)?;
                self.attr("y", &number(p.y)?)?;
                self.out.push_str(" />");
            }
            if let Some(label) = &e.label {
                self.label(label)?;
            }
            self.close(3, "bpmndi:BPMNEdge");
        }
        self.close(2, "bpmndi:BPMNPlane");
        self.close(1, "bpmndi:BPMNDiagram");
        self.out.push_str(self.nl);
        // The block starts on its own line: drop the line break in front of the first tag.
        Ok(self.out.split_off(self.nl.len()))
    }

    fn shape(&mut self, s: &Shape) -> Result<(), Refusal> {
        let id = s.id.as_deref().map(str::trim).filter(|i| !i.is_empty());
        let id = id.map_or_else(|| format!("{}_di", s.element), str::to_owned);
        self.open(3, "bpmndi:BPMNShape");
        self.attr_id(&id)?;
        self.attr("bpmnElement", &s.element)?;
        let flags = [
            ("isHorizontal", s.is_horizontal),
            ("isExpanded", s.is_expanded),
            ("isMarkerVisible", s.is_marker_visible),
        ];
        for (name, value) in flags {
            if let Some(v) = value {
                self.attr(name, if v { "true" } else { "false" })?;
            }
        }
        self.out.push('>');
        self.bounds(4, &s.bounds)?;
        if let Some(label) = &s.label {
            self.label(label)?;
        }
        self.close(3, "bpmndi:BPMNShape");
        Ok(())
    }

    fn label(&mut self, b: &Bounds) -> Result<(), Refusal> {
        self.open(4, "bpmndi:BPMNLabel");
        self.out.push('>');
        self.bounds(5, b)?;
        self.close(4, "bpmndi:BPMNLabel");
        Ok(())
    }

    fn bounds(&mut self, level: usize, b: &Bounds) -> Result<(), Refusal> {
        self.open(level, "dc:Bounds");
        for (name, v) in [("x", b.x), ("y", b.y), ("width", b.width), ("height", b.height)] {
            self.attr(name, &number(v)?)?;
        }
        self.out.push_str(" />");
        Ok(())
    }

    /// A new line at `level` and the start of the tag `name`, left open for attributes.
    fn open(&mut self, level: usize, name: &str) {
        self.line(level);
        self.out.push('<');
        self.out.push_str(name);
    }

    fn close(&mut self, level: usize, name: &str) {
        self.line(level);
        let _ = write!(self.out, "</{name}>");
    }

    fn line(&mut self, level: usize) {
        self.out.push_str(self.nl);
        for _ in 0..level {
            self.out.push_str(self.unit);
        }
    }

    /// ` id="…"` with an id no other element uses yet.
    fn attr_id(&mut self, base: &str) -> Result<(), Refusal> {
        let mut id = base.to_owned();
        let mut n = 2u64;
        while self.ids.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        self.ids.insert(id.clone());
        self.attr("id", &id)
    }

    /// ` name="value"`, escaped.
    fn attr(&mut self, name: &str, value: &str) -> Result<(), Refusal> {
        let _ = write!(self.out, " {name}=\"");
        for c in value.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '"' => self.out.push_str("&quot;"),
                // Written as references, so that attribute normalisation keeps them.
                '\t' => self.out.push_str("&#9;"),
                '\n' => self.out.push_str("&#10;"),
                '\r' => self.out.push_str("&#13;"),
                c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => return Err(Refusal::Unwritable),
                c => self.out.push(c),
            }
        }
        self.out.push('"');
        Ok(())
    }
}

/// `v` with at most two decimals and no needless ones: `152`, `80.5`, `-12.25`.
fn number(v: f64) -> Result<String, Refusal> {
    if !v.is_finite() {
        return Err(Refusal::Unwritable);
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    Ok(if s == "-0" { "0".to_owned() } else { s.to_owned() })
}
