//! The BPMN designer's check, in the browser: [`check`] gives the problems of a diagram
//! ([`bpmn_core::bpmn::problems`], the code the server deploys with) as JSON, each sentence in
//! the user's language:
//!
//! ```json
//! [{"elementId": "Task_1", "severity": "error", "line": 12, "message": "…"}]
//! ```
//!
//! `elementId` and `line` are `null` when the problem has no element or place; `severity` is
//! `"error"` (the file does not parse, or the process cannot run) or `"warning"`.

use bpmn_core::bpmn::problems::{problems, Severity};
use bpmn_core::text::Lang;
use wasm_bindgen::prelude::wasm_bindgen;

/// One problem as the designer reads it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Message<'a> {
    element_id: Option<&'a str>,
    severity: Severity,
    line: Option<u32>,
    message: String,
}

/// The problems of the BPMN XML `xml` as a JSON array, their sentences in `lang` (`"en"`, or
/// Chinese for anything else).
#[wasm_bindgen]
pub fn check(xml: &str, lang: &str) -> String {
    check_json(xml, lang)
}

/// What [`check`] returns, callable outside the browser.
pub fn check_json(xml: &str, lang: &str) -> String {
    let lang = if lang == "en" { Lang::En } else { Lang::Zh };
    let found = problems(xml.as_bytes());
    let messages: Vec<Message<'_>> = found
        .iter()
        .map(|p| Message {
            element_id: p.element_id.as_deref(),
            severity: p.severity,
            line: p.line,
            message: capitalised(p.text.render(lang)),
        })
        .collect();
    serde_json::to_string(&messages).unwrap_or_else(|_| "[]".to_owned())
}

/// The sentence with an upper-case first letter: the check's sentences start in lower case,
/// as they are written after an element's name on the server's screens.
fn capitalised(mut s: String) -> String {
    if let Some(first) = s.chars().next().filter(|c| c.is_lowercase()) {
        s.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const GATEWAY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">
  <process id="P" isExecutable="true">
    <startEvent id="s"/>
    <exclusiveGateway id="gw"/>
    <endEvent id="e1"/><endEvent id="e2"/>
    <sequenceFlow id="f0" sourceRef="s" targetRef="gw"/>
    <sequenceFlow id="f1" sourceRef="gw" targetRef="e1"/>
    <sequenceFlow id="f2" sourceRef="gw" targetRef="e2"><conditionExpression>${amount > 1000}</conditionExpression></sequenceFlow>
    <complexGateway id="cx"/>
    <sequenceFlow id="f3" sourceRef="cx" targetRef="e1"/>
  </process>
</definitions>"#;

    fn parsed(xml: &str, lang: &str) -> Value {
        serde_json::from_str(&check_json(xml, lang)).unwrap()
    }

    #[test]
    fn problems_come_as_json_in_the_chosen_language() {
        let en = parsed(GATEWAY, "en");
        assert_eq!(
            en,
            json!([
                {"elementId": "cx", "severity": "error", "line": 10,
                 "message": "Not supported yet: complex gateways do not run here; use an inclusive or parallel gateway"},
                {"elementId": "f1", "severity": "warning", "line": 8,
                 "message": "This flow out of gateway \"gw\" has no condition; write one (e.g. ${amount > 1000}) or make it the gateway's default flow"},
            ])
        );
        let zh = parsed(GATEWAY, "zh");
        assert!(zh[1]["message"].as_str().unwrap().starts_with("从网关“gw”出发"), "{zh}");
        // Any other language is Chinese.
        assert_eq!(parsed(GATEWAY, "fr"), zh);
    }

    #[test]
    fn a_file_that_does_not_parse_is_one_error_without_place_when_it_has_none() {
        let v = parsed("", "en");
        assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
        assert_eq!(v[0]["severity"], "error");
        assert_eq!(v[0]["elementId"], Value::Null);
        assert!(v[0]["message"].as_str().unwrap().chars().next().unwrap().is_uppercase(), "{v}");
    }

    #[test]
    fn a_clean_file_is_an_empty_list() {
        let xml = GATEWAY.replace(r#"<exclusiveGateway id="gw"/>"#, r#"<exclusiveGateway id="gw" default="f1"/>"#);
        let xml = xml.replace(r#"<complexGateway id="cx"/>"#, r#"<task id="cx"/>"#);
        assert_eq!(check_json(&xml, "en"), "[]");
    }
}
