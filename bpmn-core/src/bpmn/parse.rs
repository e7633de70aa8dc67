//! BPMN 2.0 XML → [`Definitions`](super::Definitions).
//!
//! Parsing runs in three steps, each in its own sub-module:
//!
//! 1. [`encoding`]: the raw bytes become text: a byte order mark decides, else the XML
//!    declaration's `encoding` (windows-1252, GBK, GB18030, Big5, Shift_JIS, ... through
//!    `encoding_rs`), else UTF-8. An encoding that cannot be read is refused, not guessed.
//! 2. [`dom`]: quick-xml's namespace-aware reader turns the text into a compact tree holding
//!    only the BPMN, BPMNDI, DC, DI and Camunda/Flowable/Activiti elements; other tools'
//!    extensions are read (so that well-formedness is still checked) but not stored, except
//!    for their names (extension elements, attributes of flow nodes), listed as ignored.
//! 3. [`build`]: the tree becomes the indexed model, with every reference resolved
//!    (`tns:Task_1`, whose prefix is bound to the file's own `targetNamespace`, is `Task_1`).
//!
//! [`check_executable`] then says, per process, what the engine cannot run yet, and
//! [`deploy_warnings`] what the file sets that the engine ignores (listeners, form data,
//! unknown extensions), so that nothing changes behaviour silently. Defects of the diagram
//! alone (missing bounds, edges without waypoints, diagram ids used twice, shapes of missing
//! elements) never refuse a file: what can be drawn is, and each defect is a warning in
//! [`Definitions::warnings`](super::Definitions::warnings).
//!
//! Nothing here panics on any input: every problem is a [`ParseError`] whose message names
//! the line, column and element and says what to do about it; its `text` says the same in
//! Chinese or English (catalog keys `parse.*`). The check's reasons and warnings stay English
//! strings where they are stored and sent; [`reason_text`] and [`Warning::what`] read them back
//! as `check.*` texts, in either language.

use super::model::{Definitions, Process};
use crate::text::Text;

mod build;
mod check;
pub use check::NOT_EXECUTABLE;
mod dom;
pub mod encoding;
#[cfg(test)]
mod tests;

/// Limits applied while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Files larger than this many bytes are refused before anything is read.
    pub max_bytes: usize,
}

impl ParseOptions {
    /// For a file read back from the store: it was accepted once, so no size limit applies.
    pub const STORED: ParseOptions = ParseOptions { max_bytes: usize::MAX };
}

impl Default for ParseOptions {
    /// 10 MiB: far beyond any hand-made model, small enough to keep a server safe.
    fn default() -> Self {
        ParseOptions { max_bytes: 10 * 1024 * 1024 }
    }
}

/// Parses a BPMN 2.0 file into the checked, indexed model.
///
/// The file must be a `<definitions>` element of the BPMN model namespace with at least one
/// `<process>`. Every sequence flow, boundary event and default flow must point at an existing
/// element of its process, and ids must be unique.
pub fn parse(bytes: &[u8], opts: &ParseOptions) -> Result<Definitions, ParseError> {
    // Checked first, before even looking at the bytes, so that a huge upload costs nothing.
    if bytes.len() > opts.max_bytes {
        return Err(ParseError::new(
            ParseErrorKind::TooLarge,
            Location::NONE,
            Text::new("parse.too_large").with("size", bytes.len()).with("limit", opts.max_bytes),
        ));
    }
    let text = encoding::decode(bytes)?;
    if let Some(at) = text.find('\0') {
        // XML allows no NUL character, and PostgreSQL could not store one.
        let before = &text[..at];
        let line = before.matches('\n').count() as u32 + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() as u32 + 1;
        return Err(ParseError::new(ParseErrorKind::Malformed, Location::at(line, column), Text::new("parse.nul")));
    }
    let doc = dom::read(&text)?;
    build::build(&doc)
}

/// One element of a process that the engine cannot execute (yet).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unsupported {
    /// The id of the element (the process id for process-wide problems).
    pub element_id: String,
    /// The XML tag, with the event trigger when there is one, e.g. `intermediateCatchEvent (message)`.
    pub element_type: String,
    /// 1-based line of the element's start tag.
    pub line: u32,
    /// Why it cannot run, e.g. `not supported yet: ...`, in English (what the REST API
    /// sends and the database stores); [`Unsupported::text`] is the same in either language.
    pub reason: String,
}

/// Why a process cannot be started: empty = startable.
///
/// The startable subset is:
/// - start events: none, timer, message and signal at process level; message, signal, timer,
///   error and escalation in event sub-processes; none (and timer) in embedded sub-processes;
/// - intermediate catch events: message, signal, timer, link; intermediate throw events:
///   none, message, signal, escalation, link;
/// - end events: none, terminate, error, message, signal, escalation;
/// - boundary events: message, signal, timer, error, escalation;
/// - tasks (plain, user, manual, service, send, receive), embedded and event sub-processes,
///   call activities, exclusive, parallel, inclusive and event-based gateways.
///
/// Every other element yields one entry whose reason says what to do instead (script and
/// business rule tasks, transactions, compensation, cancel, conditional and multiple events,
/// ad-hoc sub-processes, complex gateways), as does a supported element that lacks what it
/// needs: a message or signal catch without a name, a timer without a time, a link throw
/// without its catch in the same scope, an event sub-process without exactly one start event,
/// an event-based gateway leading elsewhere than to catch events and receive tasks, a call
/// activity without calledElement or with a version binding that names no version. An
/// expression that does not parse (a syntax error, an unknown function) yields one entry naming
/// the attribute and the position. A non-executable process and a process without a start
/// event yield one entry each.
pub fn check_executable(_def: &Definitions, process: &Process) -> Vec<Unsupported> {
    check::check_executable(process)
}

/// What the engine ignores in a process: one warning per item of each flow node's
/// [`ignored`](super::FlowNode::ignored) list (listeners, form data, unknown extensions,
/// `standardLoopCharacteristics`, ...), in document order. They do not stop a deployment.
pub fn deploy_warnings(process: &Process) -> Vec<Warning> {
    check::deploy_warnings(process)
}

/// The start of the reason of a deploy warning shown beside the [`Unsupported`] entries
/// (see [`Warning::to_unsupported`]).
pub const IGNORED: &str = "ignored by the engine";

/// Something a file sets on an element that the engine does not act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// The id of the element.
    pub element_id: String,
    /// The XML tag, with the event trigger when there is one (as in [`Unsupported`]).
    pub element_type: String,
    /// 1-based line of the element's start tag.
    pub line: u32,
    /// What is ignored, e.g. `execution listener (camunda:executionListener)`, in English;
    /// [`Warning::what`] is the same in either language.
    pub text: String,
}

impl Warning {
    /// The warning in the shape of an [`Unsupported`] entry, its reason starting with
    /// [`IGNORED`], for lists that carry both (a deployment's `warnings`).
    pub fn to_unsupported(&self) -> Unsupported {
        Unsupported {
            element_id: self.element_id.clone(),
            element_type: self.element_type.clone(),
            line: self.line,
            reason: format!("{IGNORED}: {}", self.text),
        }
    }

    /// What is ignored, in either language (a `check.ignored.*` or `check.diagram.*` text).
    pub fn what(&self) -> Text {
        check::read_back::warning(&self.text)
    }
}

impl Unsupported {
    /// Whether this entry is a deploy warning (something ignored) rather than a reason why
    /// the process cannot start.
    pub fn is_ignored(&self) -> bool {
        is_ignored_reason(&self.reason)
    }

    /// Why it cannot run, in either language: see [`reason_text`].
    pub fn text(&self) -> Text {
        reason_text(&self.reason)
    }

    /// `id <type> (line n): reason`, one line of a list (the screens' not-startable reasons).
    pub fn line_text(&self) -> Text {
        Text::new("repo.element_line")
            .with("element", &self.element_id)
            .with("type", &self.element_type)
            .with("line", self.line)
            .with_text("reason", self.text())
    }

    /// `element 'id' (type, line n): reason`, inside a sentence (the refusal of a start).
    pub fn described(&self) -> Text {
        Text::new("repo.element_reason")
            .with("element", &self.element_id)
            .with("type", &self.element_type)
            .with("line", self.line)
            .with_text("reason", self.text())
    }
}

/// The sentence of a reason ([`Unsupported::reason`], also one stored or received from the
/// REST API) in either language: its English read back against the catalog's `check.*`
/// templates. A reason that matches none (written by an older version) is shown as it is.
pub fn reason_text(reason: &str) -> Text {
    check::read_back::reason(reason)
}

/// Whether a reason is that of a deploy warning ([`Warning::to_unsupported`]).
pub fn is_ignored_reason(reason: &str) -> bool {
    reason.strip_prefix(IGNORED).is_some_and(|rest| rest.starts_with(':'))
}

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{message}")]
pub struct ParseError {
    /// What kind of problem it is, for programs.
    pub kind: ParseErrorKind,
    /// A full sentence for people, in English: where (line, column, element), what is wrong
    /// and what to do.
    pub message: String,
    /// The same sentence in either language.
    pub text: Text,
    /// 1-based line of the problem, when it has a place in the file.
    pub line: Option<u32>,
    /// 1-based column (in characters) of the problem.
    pub column: Option<u32>,
    /// The id of the element concerned, when there is one.
    pub element_id: Option<String>,
}

/// The kinds of [`ParseError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ParseErrorKind {
    /// The file is larger than [`ParseOptions::max_bytes`].
    TooLarge,
    /// The file is not well-formed XML.
    Malformed,
    /// The file has a `<!DOCTYPE>` or entity declaration; they are refused (entity expansion attacks).
    Doctype,
    /// The file's encoding cannot be read (UTF-32, an unknown name), or its bytes are not
    /// valid in the encoding it declares.
    Encoding,
    /// The root element is not a BPMN 2.0 `<definitions>`.
    NotBpmn,
    /// The file has no `<process>`.
    NoProcess,
    /// Two elements share an id.
    DuplicateId,
    /// A reference (sourceRef, targetRef, attachedToRef, default, ...) points at nothing.
    MissingReference,
    /// The file is XML and BPMN but breaks a rule of the BPMN model (unknown element, bad number, ...).
    Invalid,
}

/// Where an error is, to build its message.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Location<'a> {
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub element_id: Option<&'a str>,
}

impl Location<'static> {
    pub(crate) const NONE: Location<'static> = Location { line: None, column: None, element_id: None };
}

impl<'a> Location<'a> {
    /// A place in the file.
    pub(crate) fn at(line: u32, column: u32) -> Self {
        Location { line: Some(line), column: Some(column), element_id: None }
    }

    /// The same place, naming an element.
    pub(crate) fn element<'b>(self, id: Option<&'b str>) -> Location<'b>
    where
        'a: 'b,
    {
        Location { line: self.line, column: self.column, element_id: id }
    }
}

impl ParseError {
    /// Builds the error: `what` is the sentence of the problem and its remedy (a `parse.*`
    /// text whose English starts in lower case); the place (line, column, element) goes in
    /// front of it.
    pub(crate) fn new(kind: ParseErrorKind, at: Location<'_>, what: Text) -> Self {
        let text = match (at.line, at.column, at.element_id) {
            (Some(l), Some(c), Some(id)) => {
                Text::new("parse.at.line_column_element").with("line", l).with("column", c).with("element", id)
            }
            (Some(l), Some(c), None) => Text::new("parse.at.line_column").with("line", l).with("column", c),
            (Some(l), None, Some(id)) => Text::new("parse.at.line_element").with("line", l).with("element", id),
            (Some(l), None, None) => Text::new("parse.at.line").with("line", l),
            (None, _, Some(id)) => Text::new("parse.at.element").with("element", id),
            (None, _, None) => Text::new("parse.at.nowhere"),
        }
        .with_text("what", what);
        let mut message = text.english();
        // Without a place the sentence starts with `what`: capitalise it.
        if let Some(first) = message.chars().next().filter(|c| c.is_lowercase()) {
            message.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
        }
        ParseError {
            kind,
            message,
            text,
            line: at.line,
            column: at.column,
            element_id: at.element_id.map(str::to_owned),
        }
    }
}
