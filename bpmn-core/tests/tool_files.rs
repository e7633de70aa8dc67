//! Files as modelling tools other than bpmn.io write them: other encodings, references written
//! as qualified names, event definitions declared at the top level, diagrams with defects.
//! Each is read (a diagram defect with a warning); a semantic defect stays refused.

use bpmn_core::bpmn::parse::{parse, ParseError, ParseErrorKind, ParseOptions};
use bpmn_core::bpmn::render::{render_svg, RenderOptions};
use bpmn_core::bpmn::{Definitions, EventTrigger, NodeKind};

const NS: &str = r#"xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL""#;
const DI_NS: &str = r#"xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI""#;

fn ok(bytes: &[u8]) -> Definitions {
    parse(bytes, &ParseOptions::default()).unwrap_or_else(|e| panic!("refused: {e}"))
}

fn refuse(bytes: &[u8]) -> ParseError {
    match parse(bytes, &ParseOptions::default()) {
        Ok(def) => panic!("accepted: {def:?}"),
        Err(e) => e,
    }
}

/// A one-task process named `name`, with an XML declaration naming `encoding`.
fn named_task(encoding: &str, name: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n<definitions {NS}><process id=\"P\"><task id=\"t\" name=\"{name}\"/></process></definitions>"
    )
}

fn task_name(def: &Definitions) -> &str {
    def.processes[0].nodes[0].name.as_deref().unwrap_or_default()
}

// ----- Encodings -------------------------------------------------------------------------------

#[test]
fn windows_1252_is_decoded() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bpmn/windows-1252.bpmn");
    let bytes = std::fs::read(path).expect("fixture");
    // The fixture holds the single bytes 0xE9 and 0x80.
    assert!(bytes.windows(2).any(|w| w == b"\xE9 "));
    assert_eq!(task_name(&ok(&bytes)), "Café €");
}

#[test]
fn chinese_and_japanese_encodings_are_decoded() {
    for (label, encoding, name) in [
        ("GBK", encoding_rs::GBK, "报销审批"),
        ("gb2312", encoding_rs::GBK, "报销审批"),
        ("GB18030", encoding_rs::GB18030, "报销审批 𠀀"),
        ("Big5", encoding_rs::BIG5, "報銷審批"),
        ("Shift_JIS", encoding_rs::SHIFT_JIS, "経費精算"),
        ("EUC-KR", encoding_rs::EUC_KR, "경비 정산"),
    ] {
        let text = named_task(label, name);
        let (bytes, _, unmappable) = encoding.encode(&text);
        assert!(!unmappable, "{label}: test text not encodable");
        assert!(std::str::from_utf8(&bytes).is_err(), "{label}: the bytes must differ from UTF-8");
        assert_eq!(task_name(&ok(&bytes)), name, "{label}");
    }
}

#[test]
fn iso_8859_1_is_read_as_windows_1252_like_browsers_do() {
    let mut bytes = named_task("ISO-8859-1", "Caf").into_bytes();
    let at = bytes.windows(4).position(|w| w == b"Caf\"").expect("name") + 3;
    bytes.splice(at..at, *b"\xE9 \x80");
    assert_eq!(task_name(&ok(&bytes)), "Café €");
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if big_endian { b"\xFE\xFF" } else { b"\xFF\xFE" });
    }
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
    }
    out
}

#[test]
fn utf16_is_decoded_with_or_without_bom() {
    let text = named_task("UTF-16", "报销 é");
    for big_endian in [false, true] {
        for bom in [true, false] {
            let def = ok(&utf16(&text, big_endian, bom));
            assert_eq!(task_name(&def), "报销 é", "big endian {big_endian}, BOM {bom}");
        }
    }
}

#[test]
fn a_byte_order_mark_wins_over_the_declaration() {
    // Re-saved as UTF-8 with BOM by an editor that left the declaration alone.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(named_task("windows-1252", "Café").as_bytes());
    assert_eq!(task_name(&ok(&bytes)), "Café");
    // Declared UTF-16 but written in single bytes without BOM: read as UTF-8.
    assert_eq!(task_name(&ok(named_task("UTF-16", "Café").as_bytes())), "Café");
}

#[test]
fn stored_text_is_utf8_declared_as_such() {
    let file = named_task("GBK", "报销");
    let (gbk, _, _) = encoding_rs::GBK.encode(&file);
    let text = bpmn_core::bpmn::parse::encoding::utf8_text(&gbk).expect("decodes");
    assert_eq!(text, named_task("UTF-8", "报销"));
    assert_eq!(task_name(&ok(text.as_bytes())), "报销");
}
