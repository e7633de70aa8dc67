//! Every refusal of the parser: its kind, where it points (line, column, element id), and a
//! message that says so. Ends with a bounded, deterministic mutation test: thousands of
//! damaged reference models must each give `Ok` or `Err`, never a panic.

use std::path::{Path, PathBuf};

use bpmn_core::bpmn::parse::{check_executable, parse, ParseError, ParseErrorKind, ParseOptions};
use bpmn_core::bpmn::{Definitions, ElementRef, NodeKind};

const NS: &str = r#"xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL""#;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bpmn").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn refuse(bytes: &[u8]) -> ParseError {
    match parse(bytes, &ParseOptions::default()) {
        Ok(def) => panic!("accepted: {def:?}"),
        Err(e) => e,
    }
}

/// Checks the error's position fields and that its message states them.
fn assert_at(e: &ParseError, line: u32, column: u32, element: Option<&str>) {
    assert_eq!((e.line, e.column), (Some(line), Some(column)), "{e}");
    assert!(e.message.contains(&format!("Line {line}, column {column}")), "{e}");
    assert_eq!(e.element_id.as_deref(), element, "{e}");
    if let Some(id) = element {
        assert!(e.message.contains(&format!("\"{id}\"")), "{e}");
    }
    assert_eq!(e.to_string(), e.message);
}

/// A process file whose body starts on line 3.
fn process(body: &str) -> String {
    format!("<definitions {NS}>\n<process id=\"P\" isExecutable=\"true\">\n{body}\n</process>\n</definitions>\n")
}

// ----- TooLarge --------------------------------------------------------------------------------

#[test]
fn too_large_is_checked_first() {
    // Not even XML: the size is checked before anything is read.
    let e = parse(&[0xFF; 101], &ParseOptions { max_bytes: 100 }).expect_err("too large");
    assert_eq!(e.kind, ParseErrorKind::TooLarge);
    assert_eq!((e.line, e.column, e.element_id.as_deref()), (None, None, None));
    assert!(e.message.contains("101 bytes") && e.message.contains("100 bytes"), "{e}");
    // Exactly at the limit is fine.
    let xml = process("<task id=\"t\"/>");
    assert!(parse(xml.as_bytes(), &ParseOptions { max_bytes: xml.len() }).is_ok());
    assert_eq!(ParseOptions::default().max_bytes, 10 * 1024 * 1024);
}

// ----- Malformed -------------------------------------------------------------------------------

#[test]
fn mismatched_end_tag_is_malformed() {
    let e = refuse(process("<task id=\"t\">\n  <task id=\"u\"/>\n").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    // `</process>` closes the still open <task>.
    assert_at(&e, 6, 1, None);
    assert!(e.message.contains("not well-formed"), "{e}");
}

#[test]
fn truncated_file_is_malformed() {
    let xml = process("<task id=\"t\"/>");
    let cut = &xml[..xml.find("</process>").unwrap_or(xml.len())];
    let e = refuse(cut.as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    assert_at(&e, 4, 1, None);
    assert!(e.message.contains("truncated"), "{e}");
}

#[test]
fn undefined_entity_is_malformed_not_expanded() {
    let e = refuse(process("<task id=\"t\" name=\"Tom &amp; Jerry\"/>\n<task id=\"u\">&foo;</task>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    assert_at(&e, 4, 14, None);
    assert!(e.message.contains("&foo;"), "{e}");
    // In an attribute value too.
    let e = refuse(process("<task id=\"t\" name=\"&nbsp;\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    assert_eq!(e.line, Some(3));
}

#[test]
fn broken_attribute_is_malformed() {
    let e = refuse(process("<task id=\"t\" name=\"open/>\n<task id=\"u\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    assert!(e.line.is_some() && e.column.is_some(), "{e}");
    let e = refuse(process("<task id=\"t\" id=\"again\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    // Points at the second `id`.
    assert_at(&e, 3, 14, None);
}

#[test]
fn content_outside_the_root_is_malformed() {
    let e = refuse(format!("<definitions {NS}><process id=\"P\"/></definitions>\n<definitions {NS}/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    assert_at(&e, 2, 1, None);
    let e = refuse(format!("hello\n<definitions {NS}><process id=\"P\"/></definitions>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    assert_at(&e, 1, 1, None);
}

#[test]
fn empty_file_and_undeclared_prefix_are_malformed() {
    let e = refuse(b"");
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    assert_at(&e, 1, 1, None);
    let e = refuse(b"  \n ");
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    let e = refuse(process("<bpmn:task id=\"t\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    assert_at(&e, 3, 1, None);
    assert!(e.message.contains("bpmn:task"), "{e}");
}

// ----- Doctype ---------------------------------------------------------------------------------

#[test]
fn doctype_with_entities_is_refused_before_expansion() {
    let e = refuse(&fixture("billion-laughs.bpmn"));
    assert_eq!(e.kind, ParseErrorKind::Doctype);
    assert_at(&e, 2, 1, None);
    assert!(e.message.contains("DOCTYPE"), "{e}");
}

#[test]
fn plain_doctype_is_refused() {
    let e = refuse(
        format!(
            "<?xml version=\"1.0\"?>\n  <!DOCTYPE definitions>\n<definitions {NS}><process id=\"P\"/></definitions>"
        )
        .as_bytes(),
    );
    assert_eq!(e.kind, ParseErrorKind::Doctype);
    assert_at(&e, 2, 3, None);
}

// ----- Encoding --------------------------------------------------------------------------------

#[test]
fn declared_unknown_encoding_is_refused_by_name() {
    let xml =
        format!("<?xml version=\"1.0\" encoding=\"x-klingon\"?>\n<definitions {NS}><process id=\"P\"/></definitions>");
    let e = refuse(xml.as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Encoding);
    assert_at(&e, 1, 31, None);
    assert!(e.message.contains("\"x-klingon\"") && e.message.contains("UTF-8"), "{e}");
    // An encoding the standard refuses to decode (mapped to `replacement`) is refused too.
    let e = refuse(xml.replace("x-klingon", "ISO-2022-KR").as_bytes());
    assert!(e.message.contains("ISO-2022-KR"), "{e}");
}

#[test]
fn bytes_undefined_in_the_declared_encoding_are_refused_where_they_are() {
    // 0xFF is not a lead byte of Shift_JIS.
    let mut xml =
        format!("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n<definitions {NS}>\n<process id=\"").into_bytes();
    xml.extend_from_slice(b"ab\xFF\xFF\"/></definitions>");
    let e = refuse(&xml);
    assert_eq!(e.kind, ParseErrorKind::Encoding);
    assert_at(&e, 3, 16, None);
    assert!(e.message.contains("Shift_JIS"), "{e}");
}

#[test]
fn latin1_bytes_without_declaration_are_refused_where_they_are() {
    let e = refuse(&fixture("undeclared-latin1.bpmn"));
    assert_eq!(e.kind, ParseErrorKind::Encoding);
    assert_at(&e, 3, 41, None);
    assert!(e.message.contains("0xE9") && e.message.contains("ISO-8859-1"), "{e}");
    // The same file, declared ISO-8859-1, is fine.
    let def = parse(&fixture("latin1-cafe.bpmn"), &ParseOptions::default()).expect("latin-1 parses");
    assert_eq!(def.processes[0].nodes[1].name.as_deref(), Some("Café"));
}

#[test]
fn utf32_is_refused() {
    let mut utf32 = Vec::new();
    for c in format!("<definitions {NS}/>").chars() {
        utf32.extend_from_slice(&u32::from(c).to_le_bytes());
    }
    let e = refuse(&utf32);
    assert_eq!(e.kind, ParseErrorKind::Encoding);
    assert_at(&e, 1, 1, None);
    assert!(e.message.contains("UTF-32"), "{e}");
}

// ----- NotBpmn ---------------------------------------------------------------------------------

#[test]
fn other_xml_is_not_bpmn() {
    let e = refuse(&fixture("not-bpmn.svg"));
    assert_eq!(e.kind, ParseErrorKind::NotBpmn);
    assert_at(&e, 2, 1, None);
    assert!(e.message.contains("<svg>") && e.message.contains("http://www.w3.org/2000/svg"), "{e}");
}

#[test]
fn definitions_without_the_bpmn_namespace_is_not_bpmn() {
    let e = refuse(b"<definitions><process id=\"P\"/></definitions>");
    assert_eq!(e.kind, ParseErrorKind::NotBpmn);
    assert_at(&e, 1, 1, None);
    assert!(e.message.contains("without namespace"), "{e}");
    // A BPMN element, but not the root one.
    let e = refuse(format!("<process {NS} id=\"P\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::NotBpmn);
}

// ----- NoProcess -------------------------------------------------------------------------------

#[test]
fn black_box_pools_are_no_process() {
    let e = refuse(&fixture("black-box-pools.bpmn"));
    assert_eq!(e.kind, ParseErrorKind::NoProcess);
    assert_at(&e, 2, 1, None);
    assert!(e.message.contains("2 pool(s)"), "{e}");
}

#[test]
fn empty_definitions_is_no_process() {
    let e = refuse(format!("<definitions {NS}>\n  <message id=\"m\"/>\n</definitions>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::NoProcess);
    assert_at(&e, 1, 1, None);
}

// ----- DuplicateId -----------------------------------------------------------------------------

#[test]
fn duplicate_id_names_both_places() {
    let e = refuse(&fixture("duplicate-id.bpmn"));
    assert_eq!(e.kind, ParseErrorKind::DuplicateId);
    assert_at(&e, 7, 7, Some("review"));
    assert!(e.message.contains("<userTask> on line 5"), "{e}");
}

#[test]
fn duplicate_id_between_model_elements_of_any_kind() {
    // A lane set and a sequence flow: neither is a flow node, both are model elements.
    let xml = process("<laneSet id=\"x\"/>\n<sequenceFlow id=\"x\" sourceRef=\"a\" targetRef=\"b\"/>");
    let e = refuse(xml.as_bytes());
    assert_eq!(e.kind, ParseErrorKind::DuplicateId);
    assert_at(&e, 4, 1, Some("x"));
    assert!(e.message.contains("<laneSet> on line 3"), "{e}");
}

// ----- MissingReference ------------------------------------------------------------------------

#[test]
fn sequence_flow_without_source() {
    let e = refuse(process("<task id=\"t\"/>\n  <sequenceFlow id=\"f\" targetRef=\"t\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_at(&e, 4, 3, Some("f"));
    assert!(e.message.contains("sourceRef"), "{e}");
}

#[test]
fn sequence_flow_to_unknown_target() {
    let e = refuse(process("<task id=\"t\"/>\n<sequenceFlow id=\"f\" sourceRef=\"t\" targetRef=\"gone\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_at(&e, 4, 1, Some("f"));
    assert!(e.message.contains("\"gone\""), "{e}");
}

#[test]
fn sequence_flow_to_something_that_is_not_a_node() {
    let e = refuse(
        process("<task id=\"t\"/><dataObject id=\"d\"/>\n<sequenceFlow id=\"f\" sourceRef=\"t\" targetRef=\"d\"/>")
            .as_bytes(),
    );
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_at(&e, 4, 1, Some("f"));
    assert!(e.message.contains("not a flow node of process \"P\""), "{e}");
}

#[test]
fn boundary_event_without_attached_to_ref() {
    let e = refuse(process("<task id=\"t\"/>\n<boundaryEvent id=\"b\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_at(&e, 4, 1, Some("b"));
    assert!(e.message.contains("attachedToRef"), "{e}");
}

#[test]
fn boundary_event_attached_to_nothing() {
    let e = refuse(process("<boundaryEvent id=\"b\" attachedToRef=\"ghost\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_at(&e, 3, 1, Some("b"));
    assert!(e.message.contains("\"ghost\""), "{e}");
}

#[test]
fn default_flow_that_does_not_exist() {
    let e = refuse(process("<task id=\"a\"/>\n  <exclusiveGateway id=\"gw\" default=\"missing\"/>\n<sequenceFlow id=\"f\" sourceRef=\"gw\" targetRef=\"a\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_at(&e, 4, 3, Some("gw"));
    assert!(e.message.contains("\"missing\""), "{e}");
}

// ----- Invalid ---------------------------------------------------------------------------------

#[test]
fn unknown_flow_node_is_not_dropped() {
    let e = refuse(process("<task id=\"a\"/>\n    <superTask id=\"s\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Invalid);
    assert_at(&e, 4, 5, Some("s"));
    assert!(e.message.contains("<superTask>"), "{e}");
}

#[test]
fn flow_node_without_id() {
    let e = refuse(process("<task name=\"anonymous\"/>").as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Invalid);
    assert_at(&e, 3, 1, None);
    assert!(e.message.contains("no id"), "{e}");
}

#[test]
fn absurd_nesting_is_refused_without_overflowing_the_stack() {
    let depth = 100_000;
    let mut xml = format!("<definitions {NS}><process id=\"P\">");
    for i in 0..depth {
        xml.push_str(&format!("<subProcess id=\"s{i}\">"));
    }
    for _ in 0..depth {
        xml.push_str("</subProcess>");
    }
    xml.push_str("</process></definitions>");
    let e = refuse(xml.as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Invalid);
    assert!(e.message.contains("nested"), "{e}");
    // Deep foreign markup is skipped without building anything, up to a limit: quick-xml
    // itself cannot count more than 65,535 levels.
    let depth = 4000;
    let mut xml = format!("<definitions {NS} xmlns:x=\"urn:x\"><process id=\"P\"/><extensionElements>");
    for _ in 0..depth {
        xml.push_str("<x:a>");
    }
    for _ in 0..depth {
        xml.push_str("</x:a>");
    }
    xml.push_str("</extensionElements></definitions>");
    assert!(parse(xml.as_bytes(), &ParseOptions::default()).is_ok());
    let xml = xml.replace("<x:a>", "<x:a><x:b>").replace("</x:a>", "</x:b></x:a>");
    let e = refuse(xml.as_bytes());
    assert_eq!(e.kind, ParseErrorKind::Invalid);
    assert!(e.message.contains("4096"), "{e}");
    let mut xml = format!("<definitions {NS}>");
    xml.push_str(&"<a>".repeat(70_000));
    assert_eq!(refuse(xml.as_bytes()).kind, ParseErrorKind::Invalid);
}

// ----- Robustness ------------------------------------------------------------------------------

/// xorshift64*: deterministic, dependency-free randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const SNIPPETS: &[&[u8]] = &[
    b"<",
    b">",
    b"&",
    b"\"",
    b"/>",
    b"</process>",
    b"<!DOCTYPE x>",
    b"&foo;",
    b"&#0;",
    b"&#x110000;",
    b"&#xE9;",
    b"<![CDATA[",
    b"]]>",
    b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    b"<task id=\"dup\"/><task id=\"dup\"/>",
    b"<subProcess id=\"x\">",
    b"<boundaryEvent id=\"b1\" attachedToRef=\"nowhere\"/>",
    b"<sequenceFlow id=\"sf\" sourceRef=\"a\" targetRef=\"b\"/>",
    b" default=\"nothing\"",
    b" xmlns:bpmn=\"urn:other\"",
    b" xmlns=\"\"",
    b"\xEF\xBB\xBF",
    b"\xE9",
    b"\xFF\xFE",
    b"\0",
    b"\r\n",
];

fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..=rng.below(3) {
        let at = rng.below(data.len() + 1);
        match rng.below(6) {
            0 => {
                if let Some(b) = data.get_mut(at) {
                    *b = rng.next() as u8;
                }
            }
            1 => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                data.drain(at.min(end)..end);
            }
            2 => {
                let len = rng.below(128).min(data.len() - at.min(data.len()));
                let chunk = data[at.min(data.len())..at.min(data.len()) + len].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, chunk);
            }
            3 => data.truncate(at),
            _ => {
                let snippet = SNIPPETS[rng.below(SNIPPETS.len())];
                data.splice(at..at, snippet.iter().copied());
            }
        }
    }
}

/// Every index in the model points inside its arrays.
fn check_consistent(def: &Definitions) {
    for (id, at) in &def.index {
        match *at {
            ElementRef::Process(p) => assert_eq!(&def.processes[p].id, id),
            ElementRef::Node { process, node } => {
                assert_eq!(&def.processes[process].nodes[node].id, id)
            }
            ElementRef::Flow { process, flow } => {
                assert_eq!(&def.processes[process].flows[flow].id, id)
            }
            ElementRef::Lane { process, lane } => {
                assert_eq!(&def.processes[process].lanes[lane].id, id)
            }
            ElementRef::Artifact { process, artifact } => {
                assert_eq!(&def.processes[process].artifacts[artifact].id, id)
            }
            ElementRef::Participant { collaboration, participant } => {
                assert_eq!(&def.collaborations[collaboration].participants[participant].id, id)
            }
            ElementRef::MessageFlow { collaboration, flow } => {
                assert_eq!(&def.collaborations[collaboration].message_flows[flow].id, id)
            }
            ElementRef::CollaborationArtifact { collaboration, artifact } => {
                assert_eq!(&def.collaborations[collaboration].artifacts[artifact].id, id)
            }
        }
    }
    for p in &def.processes {
        for n in &p.nodes {
            assert!(n.incoming.iter().chain(&n.outgoing).all(|&f| f < p.flows.len()));
            assert!(n.default_flow.is_none_or(|f| f < p.flows.len()));
            assert!(n.scope.is_none_or(|s| s < p.nodes.len()));
            if let NodeKind::BoundaryEvent { attached_to, .. } = n.kind {
                assert!(attached_to < p.nodes.len());
            }
        }
        for f in &p.flows {
            assert!(f.source < p.nodes.len() && f.target < p.nodes.len());
        }
        for l in &p.lanes {
            assert!(l.parent.is_none_or(|x| x < p.lanes.len()));
        }
        let _ = check_executable(def, p);
    }
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/miwg");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bpmn"))
        .collect();
    files.sort();
    let mut seeds: Vec<(String, Vec<u8>)> =
        files.iter().map(|p| (p.display().to_string(), std::fs::read(p).unwrap_or_default())).collect();
    seeds.push(("latin1-cafe.bpmn".into(), fixture("latin1-cafe.bpmn")));
    seeds
}

#[test]
fn damaged_files_never_panic() {
    // 22 seeds × 250 mutants = 5,500 parses: a few seconds in a debug build.
    // BPMN_MUTATIONS raises it for a longer soak.
    let per_seed: usize = std::env::var("BPMN_MUTATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(250);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut accepted, mut refused) = (0, 0);
    for (name, original) in seeds() {
        let lines = original.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        for round in 0..per_seed {
            let mut data = original.clone();
            mutate(&mut rng, &mut data);
            // Small limit now and then, so TooLarge is exercised as well.
            let opts = ParseOptions { max_bytes: if round % 50 == 0 { original.len() } else { 1 << 20 } };
            let result = std::panic::catch_unwind(|| parse(&data, &opts));
            let Ok(result) = result else {
                let path = std::env::temp_dir().join("bpmn-panic.bpmn");
                let _ = std::fs::write(&path, &data);
                panic!("{name}, round {round}: parse panicked; input saved to {}", path.display());
            };
            match result {
                Ok(def) => {
                    accepted += 1;
                    check_consistent(&def);
                }
                Err(e) => {
                    refused += 1;
                    assert!(!e.message.is_empty());
                    if let Some(line) = e.line {
                        // Mutations add at most a few hundred lines.
                        assert!(line >= 1 && line <= lines + 500, "{name}: {e}");
                        assert!(e.message.contains(&format!("Line {line}")), "{name}: {e}");
                        assert!(e.column.is_none_or(|c| c >= 1), "{name}: {e}");
                    }
                }
            }
        }
    }
    // Both outcomes must actually be exercised.
    assert!(accepted > 100 && refused > 100, "accepted {accepted}, refused {refused}");
}
