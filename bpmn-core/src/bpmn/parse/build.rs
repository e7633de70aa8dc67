//! The element tree → the indexed model, resolving every reference.

use std::collections::HashMap;

use super::dom::{Doc, El, Ns};
use super::{ParseError, ParseErrorKind};
use crate::bpmn::model::{Definitions, ElementRef, NodeIdx, Process};
use crate::text::Text;

mod collaboration;
mod diagram;
mod extensions;
mod ignored;
mod process;
mod scripts;

/// The root element is the first one stored.
const ROOT: El = 0;

/// BPMN model children of a process or sub-process that carry nothing the model keeps (or
/// that are read elsewhere, like the sub-process's own loop characteristics). Any other BPMN
/// element there is refused: dropping an unknown flow node would silently change the process.
const SKIPPED_IN_CONTAINER: &[&str] = &[
    "extensionElements",
    "ioSpecification",
    "ioBinding",
    "property",
    "auditing",
    "monitoring",
    "correlationSubscription",
    "supports",
    "supportedInterfaceRef",
    "performer",
    "humanPerformer",
    "potentialOwner",
    "resourceRole",
    "incoming",
    "outgoing",
    "standardLoopCharacteristics",
    "multiInstanceLoopCharacteristics",
    "dataInputAssociation",
    "dataOutputAssociation",
    "dataInput",
    "dataOutput",
    "inputSet",
    "outputSet",
    "completionCondition",
    "categoryValueRef",
    "rendering",
];

/// Builds the model from the tree.
pub(super) fn build(doc: &Doc) -> Result<Definitions, ParseError> {
    check_has_process(doc)?;
    let model_ids = check_duplicate_ids(doc)?;

    let mut b = Builder {
        doc,
        def: Definitions {
            id: attr_string(doc, ROOT, "id"),
            name: attr_string(doc, ROOT, "name"),
            target_namespace: attr_string(doc, ROOT, "targetNamespace"),
            exporter: attr_string(doc, ROOT, "exporter"),
            ..Definitions::default()
        },
        category_values: HashMap::new(),
        event_definitions: HashMap::new(),
        root_refs: HashMap::new(),
        diagram_ids: model_ids,
    };
    // Roughly one indexed element per three kept XML elements (the rest is DI and details).
    b.def.index.reserve(doc.len() / 3);

    // Root-level elements that flow elements refer to.
    for c in doc.children(ROOT) {
        if doc.ns(c) != Ns::Model {
            continue;
        }
        let name = doc.name(c);
        if name == "category" {
            for v in doc.children(c) {
                if doc.is(v, Ns::Model, "categoryValue") {
                    if let (Some(id), Some(value)) = (doc.attr(v, "id"), doc.attr(v, "value")) {
                        b.category_values.insert(id, value);
                    }
                }
            }
        } else if let Some(attr) = match name {
            "message" | "signal" => Some("name"),
            "error" => Some("errorCode"),
            "escalation" => Some("escalationCode"),
            _ => None,
        } {
            if let Some(id) = doc.attr(c, "id") {
                let value = doc.attr(c, attr).map(str::trim).filter(|v| !v.is_empty());
                b.root_refs.insert(id, (name, value));
            }
        } else if name.ends_with("EventDefinition") {
            if let Some(id) = doc.attr(c, "id") {
                b.event_definitions.insert(id, c);
            }
        }
    }

    for c in doc.children(ROOT) {
        match (doc.ns(c), doc.name(c)) {
            (Ns::Model, "process") => b.process(c)?,
            (Ns::Model, "collaboration") => b.collaboration(c)?,
            _ => {}
        }
    }
    // Once every model element is known, so that a shape of a missing one can be told.
    for c in doc.children(ROOT) {
        if doc.is(c, Ns::BpmnDi, "BPMNDiagram") {
            b.diagram(c);
        }
    }
    Ok(b.def)
}

fn check_has_process(doc: &Doc) -> Result<(), ParseError> {
    if doc.children(ROOT).any(|c| doc.is(c, Ns::Model, "process")) {
        return Ok(());
    }
    let pools = doc
        .children(ROOT)
        .filter(|&c| doc.is(c, Ns::Model, "collaboration"))
        .flat_map(|c| doc.children(c))
        .filter(|&p| doc.is(p, Ns::Model, "participant"))
        .count();
    let what = if pools > 0 {
        Text::new("parse.only_empty_pools").with("pools", pools)
    } else {
        Text::new("parse.no_process")
    };
    Err(ParseError::new(ParseErrorKind::NoProcess, doc.loc(ROOT), what))
}

/// Ids of BPMN model elements are unique across the whole file; returns them, each with its
/// element. Extension elements have ids of their own vendor's and are not checked; diagram
/// elements are checked as the diagram is read, and a clash there is only a warning.
fn check_duplicate_ids(doc: &Doc) -> Result<HashMap<&str, El>, ParseError> {
    let mut seen: HashMap<&str, El> = HashMap::with_capacity(doc.len() / 2);
    for el in 0..doc.len() {
        if doc.ns(el) != Ns::Model {
            continue;
        }
        let Some(id) = doc.attr(el, "id").filter(|id| !id.is_empty()) else {
            continue;
        };
        if let Some(&first) = seen.get(id) {
            return Err(ParseError::new(
                ParseErrorKind::DuplicateId,
                doc.loc(el).element(Some(id)),
                Text::new("parse.duplicate_id")
                    .with("id", id)
                    .with("tag", doc.name(el))
                    .with("other", doc.name(first))
                    .with("other_line", doc.line(first)),
            ));
        }
        seen.insert(id, el);
    }
    Ok(seen)
}

/// Per-process state while its elements are read; references are resolved at the end,
/// once every node and flow of the process is known.
struct ProcessState<'d> {
    index: usize,
    process: Process,
    flows: Vec<El>,
    boundaries: Vec<(NodeIdx, El)>,
    defaults: Vec<(NodeIdx, El)>,
    /// Data object references without a name of their own: (artifact, dataObjectRef).
    unnamed_data_refs: Vec<(usize, &'d str)>,
}

struct Builder<'d> {
    doc: &'d Doc,
    def: Definitions,
    /// `categoryValue` id → value: the label of a group.
    category_values: HashMap<&'d str, &'d str>,
    /// Event definitions declared under `<definitions>`, for `eventDefinitionRef`.
    event_definitions: HashMap<&'d str, El>,
    /// `<message>`, `<signal>`, `<error>` and `<escalation>` by id: the tag and the name
    /// (message, signal) or code (error, escalation), if it has one.
    root_refs: HashMap<&'d str, (&'d str, Option<&'d str>)>,
    /// Every id seen so far with its element: those of the model, then those of the diagram
    /// elements read, to tell a diagram id used twice.
    diagram_ids: HashMap<&'d str, El>,
}

impl<'d> Builder<'d> {
    /// What the reference attribute `attr` of `el` names: a root `<tag>` element's name or
    /// code. A message or signal without a name is known by its id; a reference to nothing
    /// declared is kept as written (a `prefix:` of a qualified name dropped), as the
    /// modelling tools that write such files mean the name itself.
    fn root_ref(&self, el: El, attr: &str, tag: &str) -> Option<String> {
        let raw = self.doc.attr(el, attr)?.trim();
        if raw.is_empty() {
            return None;
        }
        let local = raw.rsplit(':').next().unwrap_or(raw);
        match self.root_refs.get(raw).or_else(|| self.root_refs.get(local)) {
            Some((t, value)) if *t == tag => match value {
                Some(v) => Some((*v).to_owned()),
                None if matches!(tag, "message" | "signal") => Some(local.to_owned()),
                None => None,
            },
            _ => Some(local.to_owned()),
        }
    }

    /// `what` with its `{note}`: for a reference to nothing written `prefix:id` whose prefix
    /// is bound to a namespace other than the file's own (prefixes of the own one are already
    /// stripped), a clause saying so; nothing otherwise.
    fn with_foreign_note(&self, what: Text, target: &str) -> Text {
        match target.split_once(':').and_then(|(p, _)| Some((p, self.doc.root_namespace(p)?))) {
            Some((prefix, uri)) => {
                what.with_text("note", Text::new("parse.foreign_prefix").with("prefix", prefix).with("uri", uri))
            }
            None => what.with("note", ""),
        }
    }

    fn index(&mut self, id: &str, at: ElementRef) {
        self.def.index.insert(id.to_owned(), at);
    }

    fn require_id(&self, el: El) -> Result<&'d str, ParseError> {
        let doc = self.doc;
        match doc.attr(el, "id") {
            Some(id) if !id.trim().is_empty() => Ok(id),
            _ => Err(ParseError::new(
                ParseErrorKind::Invalid,
                doc.loc(el),
                Text::new("parse.no_id").with("tag", doc.name(el)),
            )),
        }
    }
}

fn is_flow_node(name: &str) -> bool {
    matches!(
        name,
        "startEvent"
            | "endEvent"
            | "intermediateCatchEvent"
            | "intermediateThrowEvent"
            | "boundaryEvent"
            | "task"
            | "userTask"
            | "manualTask"
            | "serviceTask"
            | "scriptTask"
            | "sendTask"
            | "receiveTask"
            | "businessRuleTask"
            | "subProcess"
            | "transaction"
            | "adHocSubProcess"
            | "callActivity"
            | "exclusiveGateway"
            | "parallelGateway"
            | "inclusiveGateway"
            | "eventBasedGateway"
            | "complexGateway"
    )
}

/// XML Schema booleans (`true`/`false`/`1`/`0`); tools sometimes write `True`.
fn parse_bool(value: &str) -> Option<bool> {
    let value = value.trim();
    if value == "1" || value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value == "0" || value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn bool_attr(doc: &Doc, el: El, name: &str, default: bool) -> bool {
    doc.attr(el, name).and_then(parse_bool).unwrap_or(default)
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// An attribute without namespace, trimmed; `None` when absent or blank.
fn attr_string(doc: &Doc, el: El, name: &str) -> Option<String> {
    doc.attr(el, name).and_then(non_empty)
}

/// A Camunda/Flowable/Activiti attribute, trimmed; `None` when absent or blank.
fn ext_string(doc: &Doc, el: El, name: &str) -> Option<String> {
    doc.ext_attr(el, name).and_then(non_empty)
}

/// Splits a comma-separated list, ignoring commas inside `(...)`, `{...}` and `[...]` so
/// that expressions such as `${users.get(a, b)}` stay whole. Items are trimmed, empty ones dropped.
pub(super) fn split_list(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items.retain(|s| !s.trim().is_empty());
    items.iter_mut().for_each(|s| *s = s.trim());
    items
}

/// `user(kermit)` with prefix `user(` → `kermit`.
fn wrapped<'a>(item: &'a str, prefix: &str) -> Option<&'a str> {
    let inner = item.strip_prefix(prefix)?.strip_suffix(')')?.trim();
    (!inner.is_empty()).then_some(inner)
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}
