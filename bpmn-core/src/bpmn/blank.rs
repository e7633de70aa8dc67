//! The file a new model (新建模型) starts from: one executable process with the key and name
//! the user chose, holding a start event drawn at the left of its diagram, ready for the
//! designer.

use crate::text::Text;

/// The longest process key a new model takes (keys are ids in the file and in URLs).
pub const MAX_KEY_CHARS: usize = 64;

/// Whether `key` can be a process id: a letter or `_` first, then letters, digits, `_`, `-`
/// and `.` (an XML name without a colon, the ids other modelers write).
pub fn is_process_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && key.chars().count() <= MAX_KEY_CHARS
}

/// The BPMN file of a new model: process `key` named `name`, with a start event named
/// `start_name`. Refused, with why and what to do, when the key cannot be a process id or the
/// name is empty or holds control characters.
pub fn blank_model(key: &str, name: &str, start_name: &str) -> Result<String, Text> {
    let key = key.trim();
    let name = name.trim();
    if !is_process_key(key) {
        return Err(Text::new("repo.model_key_invalid").with("key", key).with("max", MAX_KEY_CHARS));
    }
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(Text::new("repo.model_name_invalid"));
    }
    let (name, start) = (escape(name), escape(start_name));
    Ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="{start}" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{key}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="152" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"#
    ))
}

/// Text for an attribute value (the name has no control characters).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpmn::parse::{check_executable, parse, ParseOptions};

    #[test]
    fn a_new_model_parses_runs_and_is_drawn() {
        let xml = blank_model("leave_2", "请假 <A&B> \"x\"", "开始").unwrap();
        let defs = parse(xml.as_bytes(), &ParseOptions::default()).unwrap();
        let p = defs.process("leave_2").unwrap();
        assert_eq!(p.name.as_deref(), Some("请假 <A&B> \"x\""));
        assert!(check_executable(&defs, p).is_empty(), "{:?}", check_executable(&defs, p));
        assert!(defs.is_drawn());
    }

    #[test]
    fn keys_and_names_that_cannot_be_used_are_refused() {
        for key in ["", "1abc", "a b", "a:b", "<x>", &"k".repeat(MAX_KEY_CHARS + 1)] {
            let e = blank_model(key, "n", "s").unwrap_err();
            assert_eq!(e.key, "repo.model_key_invalid", "{key}");
        }
        assert!(is_process_key("请假_1.v-2"));
        assert_eq!(blank_model("k", "  ", "s").unwrap_err().key, "repo.model_name_invalid");
        assert_eq!(blank_model("k", "a\u{7}b", "s").unwrap_err().key, "repo.model_name_invalid");
    }
}
