//! XML text → a compact tree of the elements the model is built from.
//!
//! Only elements of the BPMN model, BPMNDI, DC and DI namespaces and of the Camunda, Flowable
//! and Activiti extension namespaces are kept. Anything else (vendor extensions, which can be
//! most of a file) is still read, so that well-formedness is checked everywhere, but is not
//! stored. Names, attribute values and element texts live in one shared string buffer, so a
//! kept element costs no allocation of its own unless it has text.

use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::NsReader;

use super::encoding::{line_col, LineTracker};
use super::{Location, ParseError, ParseErrorKind};
use crate::text::Text;

mod qname;
mod xml_error;

use self::xml_error::{attr_error, encoding_error, xml_error};

pub(super) const BPMN_MODEL: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const BPMN_DI: &[u8] = b"http://www.omg.org/spec/BPMN/20100524/DI";
const DD_DC: &[u8] = b"http://www.omg.org/spec/DD/20100524/DC";
const DD_DI: &[u8] = b"http://www.omg.org/spec/DD/20100524/DI";
const XSI: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";
const XML: &[u8] = b"http://www.w3.org/XML/1998/namespace";
/// Camunda 7, Flowable and Activiti use the same attribute and element names; they are read alike.
const EXTENSION_NAMESPACES: [&[u8]; 3] =
    [b"http://camunda.org/schema/1.0/bpmn", b"http://flowable.org/bpmn", b"http://activiti.org/bpmn"];

/// Deeper nesting than this is refused: real models nest a few levels, and the tree is
/// walked recursively afterwards.
const MAX_DEPTH: usize = 200;
/// Deeper nesting of any elements, kept or not, is refused too: quick-xml 0.38 counts
/// namespace scopes in a `u16` and overflows (a panic in debug builds) past 65,535 levels.
const MAX_XML_DEPTH: usize = 4096;
/// Marks "no element" in the tree's links.
const NIL: u32 = u32::MAX;

/// The namespaces of kept elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ns {
    /// BPMN 2.0 model.
    Model,
    /// BPMN diagram interchange (`BPMNDiagram`, `BPMNShape`, ...).
    BpmnDi,
    /// Diagram definition common (`Bounds`).
    Dc,
    /// Diagram definition DI (`waypoint`).
    DdDi,
    /// Camunda 7, Flowable or Activiti.
    Ext,
    /// A child of `<extensionElements>` from another tool's namespace: kept without attributes,
    /// text or children, named by its qualified name (`zeebe:taskDefinition`), so that the
    /// builder can list it as ignored.
    Foreign,
}

/// The extension vendors, by namespace, in the order of [`EXTENSION_NAMESPACES`]: the prefix
/// used when an element or attribute is named in a message.
const VENDOR_PREFIXES: [&str; 3] = ["camunda", "flowable", "activiti"];

/// The namespace of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AttrNs {
    /// No namespace (`id`, `name`, ...).
    Plain,
    /// Camunda/Flowable/Activiti: the index of the vendor in [`VENDOR_PREFIXES`].
    Ext(u8),
    /// Another tool's namespace; the attribute's name is its qualified name. Kept on BPMN
    /// model elements only, for the list of what the engine ignores.
    Foreign,
}

/// A span of the shared string buffer.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

#[derive(Debug)]
struct Attr {
    ns: AttrNs,
    name: Span,
    value: Span,
}

#[derive(Debug)]
struct Elem {
    ns: Ns,
    /// For `Ns::Ext`: the index of the vendor in [`VENDOR_PREFIXES`].
    vendor: u8,
    name: Span,
    /// Range in `Doc::attrs`.
    attrs: (u32, u32),
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
    /// Concatenated character data (text, CDATA, references), untrimmed.
    text: String,
    line: u32,
    column: u32,
}

impl Elem {
    /// A new element without children or text yet.
    fn new(ns: Ns, vendor: u8, name: Span, attrs: (u32, u32), line: u32, column: u32) -> Elem {
        Elem {
            ns,
            vendor,
            name,
            attrs,
            first_child: NIL,
            last_child: NIL,
            next_sibling: NIL,
            text: String::new(),
            line,
            column,
        }
    }
}

/// The kept elements of a file; element 0 is the root `<definitions>`.
#[derive(Debug)]
pub(super) struct Doc {
    strings: String,
    elems: Vec<Elem>,
    attrs: Vec<Attr>,
    /// Whether the file declares the Camunda, Flowable or Activiti namespace anywhere.
    pub has_extension_namespace: bool,
    /// The prefixed namespace declarations of the root element: (prefix, namespace).
    root_namespaces: Vec<(Span, Span)>,
}

/// An element of the tree.
pub(super) type El = usize;

impl Doc {
    fn str(&self, span: Span) -> &str {
        self.strings.get(span.start as usize..span.end as usize).unwrap_or_default()
    }

    /// Number of kept elements.
    pub(super) fn len(&self) -> usize {
        self.elems.len()
    }

    pub(super) fn ns(&self, el: El) -> Ns {
        self.elems[el].ns
    }

    /// The local name (without prefix).
    pub(super) fn name(&self, el: El) -> &str {
        self.str(self.elems[el].name)
    }

    /// Whether `el` is `name` in namespace `ns`.
    pub(super) fn is(&self, el: El, ns: Ns, name: &str) -> bool {
        self.elems[el].ns == ns && self.name(el) == name
    }

    pub(super) fn line(&self, el: El) -> u32 {
        self.elems[el].line
    }

    /// The location of the start tag, for errors.
    pub(super) fn loc(&self, el: El) -> Location<'static> {
        Location::at(self.elems[el].line, self.elems[el].column)
    }

    fn attrs_of(&self, el: El) -> &[Attr] {
        let (start, end) = self.elems[el].attrs;
        self.attrs.get(start as usize..end as usize).unwrap_or_default()
    }

    fn find_attr(&self, el: El, ext: bool, name: &str) -> Option<&str> {
        self.attrs_of(el)
            .iter()
            .find(|a| matches!(a.ns, AttrNs::Ext(_)) == ext && a.ns != AttrNs::Foreign && self.str(a.name) == name)
            .map(|a| self.str(a.value))
    }

    /// The Camunda/Flowable/Activiti attributes of an element: (vendor prefix, local name, value).
    pub(super) fn ext_attrs(&self, el: El) -> impl Iterator<Item = (&'static str, &str, &str)> {
        self.attrs_of(el).iter().filter_map(|a| match a.ns {
            AttrNs::Ext(v) => Some((vendor_prefix(v), self.str(a.name), self.str(a.value))),
            _ => None,
        })
    }

    /// The qualified names of the attributes of other tools' namespaces on a BPMN element.
    pub(super) fn foreign_attrs(&self, el: El) -> impl Iterator<Item = &str> {
        self.attrs_of(el).iter().filter(|a| a.ns == AttrNs::Foreign).map(|a| self.str(a.name))
    }

    /// The vendor prefix (`camunda`, `flowable`, `activiti`) of an extension element, by its
    /// namespace (not by the prefix the file happens to use).
    pub(super) fn vendor(&self, el: El) -> &'static str {
        vendor_prefix(self.elems[el].vendor)
    }

    /// An attribute without namespace (`id`, `name`, `sourceRef`, ...).
    pub(super) fn attr(&self, el: El, name: &str) -> Option<&str> {
        self.find_attr(el, false, name)
    }

    /// A Camunda/Flowable/Activiti attribute.
    pub(super) fn ext_attr(&self, el: El, name: &str) -> Option<&str> {
        self.find_attr(el, true, name)
    }

    /// The element's text, trimmed.
    pub(super) fn text(&self, el: El) -> &str {
        self.elems[el].text.trim()
    }

    /// The element's children, in document order.
    pub(super) fn children(&self, el: El) -> Children<'_> {
        Children { doc: self, next: self.elems[el].first_child }
    }

    /// The first child `name` in namespace `ns`.
    pub(super) fn child(&self, el: El, ns: Ns, name: &str) -> Option<El> {
        self.children(el).find(|&c| self.is(c, ns, name))
    }

    fn push_str(&mut self, s: &str) -> Span {
        let start = self.strings.len();
        self.strings.push_str(s);
        // The input is at most a few MiB (see `ParseOptions`) and refused beyond u32 anyway.
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(self.strings.len()).unwrap_or(u32::MAX),
        }
    }
}

/// Iterator over an element's children.
pub(super) struct Children<'a> {
    doc: &'a Doc,
    next: u32,
}

impl Iterator for Children<'_> {
    type Item = El;

    fn next(&mut self) -> Option<El> {
        if self.next == NIL {
            return None;
        }
        let el = self.next as usize;
        self.next = self.doc.elems.get(el).map_or(NIL, |e| e.next_sibling);
        Some(el)
    }
}

/// Where the reader is relative to the root element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Before,
    Inside,
    After,
}

/// The file is not well-formed at byte `pos`: `what` says how and what to do.
fn malformed(text: &str, pos: usize, what: Text) -> ParseError {
    let (line, column) = line_col(text.as_bytes(), pos);
    ParseError::new(ParseErrorKind::Malformed, Location::at(line, column), what)
}

/// A sentence `key` with the reader's `detail` and the usual remedy, "check the file in an
/// XML editor" (`{fix}`).
fn with_xml_fix(key: &'static str, detail: Text) -> Text {
    Text::new(key).with_text("detail", detail).with_text("fix", Text::new("parse.fix.xml"))
}

/// Reads the whole text into a [`Doc`], refusing malformed XML, DOCTYPEs and non-BPMN roots.
pub(super) fn read(text: &str) -> Result<Doc, ParseError> {
    if text.len() >= u32::MAX as usize {
        return Err(ParseError::new(ParseErrorKind::TooLarge, Location::NONE, Text::new("parse.over_4gib")));
    }
    let mut reader = NsReader::from_str(text);
    {
        let config = reader.config_mut();
        // `<a/>` becomes Start + End: one code path for both.
        config.expand_empty_elements = true;
        config.check_end_names = true;
        // Text is kept untrimmed so that the position before a start tag is its `<`.
        config.trim_text(false);
    }

    // Typical models have a few thousand kept elements; a rough guess saves regrowing.
    let mut doc = Doc {
        strings: String::with_capacity(text.len() / 4),
        elems: Vec::with_capacity(text.len() / 80),
        attrs: Vec::with_capacity(text.len() / 40),
        has_extension_namespace: false,
        root_namespaces: Vec::new(),
    };
    let mut lines = LineTracker::new(text.as_bytes());
    // Kept elements that are open; `skipped` counts open elements of a skipped subtree.
    let mut open: Vec<u32> = Vec::with_capacity(32);
    let mut skipped: usize = 0;
    let mut state = State::Before;

    loop {
        // With untrimmed text, the reader stands on the `<` of the next tag here.
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_resolved_event() {
            Ok((ns, event)) => (classify(ns), event),
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                // An entity declaration outside a DOCTYPE is a syntax error for quick-xml,
                // but its real problem is the same as a DOCTYPE's.
                if text.get(at..).is_some_and(|rest| rest.starts_with("<!ENTITY")) {
                    return Err(doctype_error(text, at));
                }
                return Err(malformed(text, at, with_xml_fix("parse.not_well_formed", xml_error(&e))));
            }
        };
        match event {
            (ns, ev @ (Event::Start(_) | Event::Empty(_))) => {
                // `expand_empty_elements` turns `<a/>` into Start + End, but an Empty
                // event is handled correctly all the same.
                let (empty, start) = match ev {
                    Event::Empty(start) => (true, start),
                    Event::Start(start) => (false, start),
                    _ => continue,
                };
                if state == State::After {
                    return Err(malformed(text, pos, Text::new("parse.second_root")));
                }
                if open.len() + skipped >= MAX_XML_DEPTH {
                    return Err(too_deep(text, pos, MAX_XML_DEPTH));
                }
                if skipped > 0 {
                    if !empty {
                        skipped += 1;
                    }
                    continue;
                }
                let (line, column) = lines.advance_to(pos);
                if state == State::Before {
                    check_root(&reader, &start, ns, line, column)?;
                    state = State::Inside;
                }
                let ns = match ns {
                    Classified::Kept(ns) => ns,
                    Classified::Foreign { listed } => {
                        if let (true, Some(&parent)) = (listed, open.last()) {
                            if doc.is(parent as usize, Ns::Model, "extensionElements") {
                                let el = foreign_stub(&mut doc, &start, line, column);
                                link_child(&mut doc, parent, el);
                            }
                        }
                        if !empty {
                            skipped = 1;
                        }
                        continue;
                    }
                    Classified::UndeclaredPrefix => {
                        let qname = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                        return Err(ParseError::new(
                            ParseErrorKind::Malformed,
                            Location::at(line, column),
                            Text::new("parse.undeclared_prefix").with("qname", qname),
                        ));
                    }
                };
                if open.len() >= MAX_DEPTH {
                    return Err(too_deep(text, pos, MAX_DEPTH));
                }
                let el = open_element(&mut doc, &reader, &start, ns, line, column, text, pos)?;
                if let Some(&parent) = open.last() {
                    link_child(&mut doc, parent, el);
                }
                if !empty {
                    open.push(el);
                } else if open.is_empty() {
                    state = State::After;
                }
            }
            (_, Event::End(_)) => {
                if skipped > 0 {
                    skipped -= 1;
                } else {
                    open.pop();
                    if open.is_empty() {
                        state = State::After;
                    }
                }
            }
            (_, Event::Text(t)) => {
                let content = t
                    .xml10_content()
                    .map_err(|e| malformed(text, pos, with_xml_fix("parse.unreadable_text", encoding_error(&e))))?;
                add_text(&mut doc, &open, skipped, state, &content, text, pos)?;
            }
            (_, Event::CData(c)) => {
                let content = c
                    .xml10_content()
                    .map_err(|e| malformed(text, pos, with_xml_fix("parse.unreadable_cdata", encoding_error(&e))))?;
                if state != State::Inside {
                    let what = Text::new("parse.cdata_outside_root").with_text("fix", Text::new("parse.fix.xml"));
                    return Err(malformed(text, pos, what));
                }
                add_text(&mut doc, &open, skipped, state, &content, text, pos)?;
            }
            (_, Event::GeneralRef(r)) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => {
                        let name = String::from_utf8_lossy(&r);
                        let Some(value) = quick_xml::escape::resolve_predefined_entity(&name) else {
                            return Err(malformed(text, pos, Text::new("parse.undefined_entity").with("name", name)));
                        };
                        // The predefined entities are all a single character.
                        value.chars().next().unwrap_or('&')
                    }
                    Err(e) => return Err(malformed(text, pos, with_xml_fix("parse.bad_char_ref", xml_error(&e)))),
                };
                let mut buf = [0u8; 4];
                add_text(&mut doc, &open, skipped, state, resolved.encode_utf8(&mut buf), text, pos)?;
            }
            (_, Event::DocType(_)) => return Err(doctype_error(text, pos)),
            (_, Event::Decl(_) | Event::PI(_) | Event::Comment(_)) => {}
            (_, Event::Eof) => {
                return match state {
                    State::After => {
                        doc.strip_own_prefixes();
                        Ok(doc)
                    }
                    State::Before => Err(malformed(text, text.len(), Text::new("parse.no_root"))),
                    State::Inside => Err(malformed(text, text.len(), Text::new("parse.truncated"))),
                };
            }
        }
    }
}

fn too_deep(text: &str, pos: usize, limit: usize) -> ParseError {
    let (line, column) = line_col(text.as_bytes(), pos);
    ParseError::new(
        ParseErrorKind::Invalid,
        Location::at(line, column),
        Text::new("parse.too_deep").with("limit", limit),
    )
}

fn doctype_error(text: &str, pos: usize) -> ParseError {
    let (line, column) = line_col(text.as_bytes(), pos);
    ParseError::new(ParseErrorKind::Doctype, Location::at(line, column), Text::new("parse.doctype"))
}

/// Adds character data to the open kept element, or refuses text outside the root.
fn add_text(
    doc: &mut Doc,
    open: &[u32],
    skipped: usize,
    state: State,
    content: &str,
    text: &str,
    pos: usize,
) -> Result<(), ParseError> {
    if state != State::Inside {
        if content.trim().is_empty() {
            return Ok(());
        }
        let what = Text::new("parse.text_outside_root").with_text("fix", Text::new("parse.fix.xml"));
        return Err(malformed(text, pos, what));
    }
    if skipped > 0 {
        return Ok(());
    }
    let Some(&el) = open.last() else {
        return Ok(());
    };
    let elem = &mut doc.elems[el as usize];
    // Whitespace between child elements is the bulk of all text and never needed;
    // skipping it while the text is empty saves an allocation per element.
    if elem.text.is_empty() && content.trim().is_empty() {
        return Ok(());
    }
    elem.text.push_str(content);
    Ok(())
}

/// How an element's namespace is handled.
#[derive(Debug, Clone, Copy)]
enum Classified {
    Kept(Ns),
    /// Another namespace; `listed` unless it only describes the drawing or the modelling tool.
    Foreign {
        listed: bool,
    },
    UndeclaredPrefix,
}

fn classify(ns: ResolveResult<'_>) -> Classified {
    match ns {
        ResolveResult::Bound(Namespace(uri)) => match namespace(uri) {
            Some(ns) => Classified::Kept(ns),
            None => Classified::Foreign { listed: !is_presentation(uri) },
        },
        ResolveResult::Unbound => Classified::Foreign { listed: true },
        ResolveResult::Unknown(_) => Classified::UndeclaredPrefix,
    }
}

/// Namespaces of other tools whose extensions only describe the drawing (colours, styles,
/// labels), translations, simulation parameters or the modelling tool's own bookkeeping: no
/// engine acts on them, so they are not listed as ignored.
const PRESENTATION_NAMESPACES: &[&[u8]] = &[
    b"http://www.signavio.com",
    b"http://www.w4.eu/spec/BPMN/20110930/GRAPH",
    b"http://www.w4.eu/spec/DataComposer/20120927/Diagram/Style",
    b"http://www.omg.org/spec/BPMN/non-normative/color/1.0",
    b"http://www.omg.org/spec/BPMN/non-normative/extensions/i18n/1.0",
    b"http://bpmn.io/schema/bpmn/biocolor/1.0",
    b"http://www.bpsim.org/schemas/1.0",
    b"http://camunda.org/schema/modeler/1.0",
    b"http://www.itp-commerce.com/BPMN2.0",
];

fn is_presentation(uri: &[u8]) -> bool {
    PRESENTATION_NAMESPACES.contains(&uri)
}

fn namespace(uri: &[u8]) -> Option<Ns> {
    if uri == BPMN_MODEL.as_bytes() {
        Some(Ns::Model)
    } else if uri == BPMN_DI {
        Some(Ns::BpmnDi)
    } else if uri == DD_DC {
        Some(Ns::Dc)
    } else if uri == DD_DI {
        Some(Ns::DdDi)
    } else if EXTENSION_NAMESPACES.contains(&uri) {
        Some(Ns::Ext)
    } else {
        None
    }
}

fn check_root(
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
    ns: Classified,
    line: u32,
    column: u32,
) -> Result<(), ParseError> {
    let local = start.local_name();
    if matches!(ns, Classified::Kept(Ns::Model)) && local.as_ref() == b"definitions" {
        return Ok(());
    }
    let qname = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let (resolved, _) = reader.resolve_element(start.name());
    let in_ns = match resolved {
        ResolveResult::Bound(Namespace(uri)) => {
            Text::new("parse.root_ns.bound").with("namespace", String::from_utf8_lossy(uri))
        }
        ResolveResult::Unbound => Text::new("parse.root_ns.none"),
        ResolveResult::Unknown(_) => Text::new("parse.root_ns.undeclared"),
    };
    Err(ParseError::new(
        ParseErrorKind::NotBpmn,
        Location::at(line, column),
        Text::new("parse.not_bpmn").with("qname", qname).with_text("in_ns", in_ns).with("model_ns", BPMN_MODEL),
    ))
}

/// Stores a start tag and its relevant attributes; returns the new element.
#[allow(clippy::too_many_arguments)]
fn open_element(
    doc: &mut Doc,
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
    ns: Ns,
    line: u32,
    column: u32,
    text: &str,
    pos: usize,
) -> Result<u32, ParseError> {
    let name = std::str::from_utf8(start.local_name().into_inner()).unwrap_or_default();
    let name = doc.push_str(name);
    let vendor = match (ns, reader.resolve_element(start.name()).0) {
        (Ns::Ext, ResolveResult::Bound(Namespace(uri))) => vendor_index(uri).unwrap_or(0),
        _ => 0,
    };
    let attrs_start = doc.attrs.len();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| {
            // Attribute error positions count from the tag name, just after the `<`.
            let offset = match e {
                AttrError::ExpectedEq(p)
                | AttrError::ExpectedValue(p)
                | AttrError::UnquotedValue(p)
                | AttrError::ExpectedQuote(p, _)
                | AttrError::Duplicated(p, _) => p + 1,
            };
            malformed(
                text,
                pos.saturating_add(offset),
                Text::new("parse.broken_attribute").with_text("detail", attr_error(&e)),
            )
        })?;
        let key = attr.key.as_ref();
        if key == b"xmlns" || key.starts_with(b"xmlns:") {
            // Namespace declarations are used by the reader; here only to know whether
            // the file was written for Camunda/Flowable/Activiti (see `isExecutable`).
            if EXTENSION_NAMESPACES.contains(&attr.value.as_ref()) {
                doc.has_extension_namespace = true;
            }
            // The root's prefixes, to read references written `prefix:id` (see `qname`).
            if let (true, Some(prefix)) = (doc.elems.is_empty(), key.strip_prefix(b"xmlns:")) {
                let prefix = doc.push_str(&String::from_utf8_lossy(prefix));
                let uri = doc.push_str(&String::from_utf8_lossy(&attr.value));
                doc.root_namespaces.push((prefix, uri));
            }
            continue;
        }
        let attr_ns = match reader.resolve_attribute(attr.key) {
            (ResolveResult::Unbound, _) => AttrNs::Plain,
            (ResolveResult::Bound(Namespace(uri)), _) => match vendor_index(uri) {
                Some(v) => AttrNs::Ext(v),
                // Other tools' attributes on model elements are listed as ignored; xsi:type,
                // xml:lang and anything on diagram elements are not needed.
                None if ns == Ns::Model && uri != XSI && uri != XML && !is_presentation(uri) => AttrNs::Foreign,
                None => continue,
            },
            // Undeclared prefixes: not needed.
            _ => continue,
        };
        let value = attr.decode_and_unescape_value(reader.decoder()).map_err(|e| {
            malformed(text, pos, Text::new("parse.broken_attribute_value").with_text("detail", xml_error(&e)))
        })?;
        let name = if attr_ns == AttrNs::Foreign {
            doc.push_str(&String::from_utf8_lossy(attr.key.as_ref()))
        } else {
            doc.push_str(std::str::from_utf8(attr.key.local_name().into_inner()).unwrap_or_default())
        };
        let value = doc.push_str(&value);
        doc.attrs.push(Attr { ns: attr_ns, name, value });
    }
    let el = u32::try_from(doc.elems.len()).unwrap_or(NIL);
    let attrs = (u32::try_from(attrs_start).unwrap_or(u32::MAX), u32::try_from(doc.attrs.len()).unwrap_or(u32::MAX));
    doc.elems.push(Elem::new(ns, vendor, name, attrs, line, column));
    Ok(el)
}

fn vendor_prefix(v: u8) -> &'static str {
    VENDOR_PREFIXES.get(v as usize).copied().unwrap_or("camunda")
}

fn vendor_index(uri: &[u8]) -> Option<u8> {
    EXTENSION_NAMESPACES.iter().position(|n| *n == uri).map(|i| i as u8)
}

/// Stores a child of `<extensionElements>` from another tool's namespace, named by its
/// qualified name, without attributes, text or children.
fn foreign_stub(doc: &mut Doc, start: &BytesStart<'_>, line: u32, column: u32) -> u32 {
    let qname = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let name = doc.push_str(&qname);
    let at = u32::try_from(doc.attrs.len()).unwrap_or(u32::MAX);
    let el = u32::try_from(doc.elems.len()).unwrap_or(NIL);
    doc.elems.push(Elem::new(Ns::Foreign, 0, name, (at, at), line, column));
    el
}

fn link_child(doc: &mut Doc, parent: u32, child: u32) {
    let last = doc.elems[parent as usize].last_child;
    if last == NIL {
        doc.elems[parent as usize].first_child = child;
    } else {
        doc.elems[last as usize].next_sibling = child;
    }
    doc.elems[parent as usize].last_child = child;
}
