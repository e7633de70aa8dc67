//! Everything worth telling the author of a diagram, in one list: what the designer shows
//! while a model is drawn, computed by the same code as the server's deployment check.
//!
//! - A file that does not parse gives one error, the [`ParseError`](super::parse::ParseError),
//!   and nothing else.
//! - Otherwise, per process: what the engine cannot run ([`check_executable`], errors: the
//!   deployment refuses to start such a process), what it ignores ([`deploy_warnings`],
//!   warnings, each wrapped as "ignored by the engine: …" as a deployment lists them), and
//!   the design lints (warnings). Then the defects of the diagram, which belong to no one
//!   process (warnings, as a deployment lists them with its first process).
//!
//! A process with `isExecutable="false"` is an error, as the check says: the designer's
//! users draw processes to run them.
//!
//! The one lint so far: an exclusive or inclusive gateway that branches (two or more outgoing
//! flows) should say on every flow when it is taken; a flow that is neither the default flow
//! nor has a condition is always taken, which is rarely what was meant.

use super::model::{NodeKind, Process};
use super::parse::{check_executable, deploy_warnings, parse, ParseOptions, Warning};
use crate::text::Text;

/// One thing to tell the author of a diagram.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// The element concerned (a flow node, a sequence flow, the process), when there is one.
    pub element_id: Option<String>,
    pub severity: Severity,
    /// 1-based line of the element's start tag (or of the parse error).
    pub line: Option<u32>,
    /// What is wrong and what to do, in either language.
    pub text: Text,
}

/// Whether the process can be deployed and started as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file does not parse, or the process cannot run.
    Error,
    /// It runs, but perhaps not as meant.
    Warning,
}

/// The problems of a BPMN file, in the order described in the module documentation.
pub fn problems(xml: &[u8]) -> Vec<Problem> {
    let defs = match parse(xml, &ParseOptions::default()) {
        Ok(defs) => defs,
        Err(e) => {
            return vec![Problem { element_id: e.element_id, severity: Severity::Error, line: e.line, text: e.text }]
        }
    };
    let mut out = Vec::new();
    for process in &defs.processes {
        out.extend(check_executable(&defs, process).into_iter().map(|u| Problem {
            element_id: Some(u.element_id.clone()),
            severity: Severity::Error,
            line: Some(u.line),
            text: u.text(),
        }));
        out.extend(deploy_warnings(process).iter().map(ignored));
        out.extend(flows_without_condition(process));
    }
    out.extend(defs.warnings.iter().map(ignored));
    out
}

/// A deploy warning, said as a deployment says it.
fn ignored(w: &Warning) -> Problem {
    Problem {
        element_id: Some(w.element_id.clone()),
        severity: Severity::Warning,
        line: Some(w.line),
        text: Text::new("check.ignored_by_engine").with_text("what", w.what()),
    }
}

/// One warning per flow out of a branching exclusive or inclusive gateway that is neither
/// the gateway's default flow nor has a condition.
fn flows_without_condition(process: &Process) -> Vec<Problem> {
    let mut out = Vec::new();
    for node in &process.nodes {
        let branches = matches!(node.kind, NodeKind::ExclusiveGateway | NodeKind::InclusiveGateway);
        if !branches || node.outgoing.len() < 2 {
            continue;
        }
        let gateway = node.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(&node.id);
        for &f in &node.outgoing {
            let Some(flow) = process.flows.get(f) else { continue };
            let conditioned = flow.condition.as_deref().is_some_and(|c| !c.trim().is_empty());
            if conditioned || node.default_flow == Some(f) {
                continue;
            }
            out.push(Problem {
                element_id: Some(flow.id.clone()),
                severity: Severity::Warning,
                line: Some(flow.line),
                text: Text::new("lint.flow_without_condition").with("gateway", gateway),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Lang;

    /// A file with one executable process holding `body`.
    fn file(body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">
<process id="P" isExecutable="true">
{body}
</process>
</definitions>"#
        )
    }

    /// A start event, gateway `gw` (`tag`) and its outgoing flows `flows` to end events.
    fn gateway(tag: &str, default: Option<&str>, flows: &str) -> String {
        let default = default.map(|d| format!(r#" default="{d}""#)).unwrap_or_default();
        file(&format!(
            r#"<startEvent id="s"/><{tag} id="gw" name="Amount?"{default}/>
<sequenceFlow id="in" sourceRef="s" targetRef="gw"/>
<endEvent id="e1"/><endEvent id="e2"/>
{flows}"#
        ))
    }

    fn summary(p: &[Problem]) -> Vec<(Option<&str>, Severity, String)> {
        p.iter().map(|p| (p.element_id.as_deref(), p.severity, p.text.english())).collect()
    }

    #[test]
    fn a_parse_error_is_the_only_problem_and_names_its_element() {
        let xml = file(r#"<startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="nowhere"/>"#);
        let p = problems(xml.as_bytes());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].element_id.as_deref(), p[0].severity, p[0].line), (Some("f"), Severity::Error, Some(4)));
        assert!(p[0].text.english().contains("\"nowhere\""), "{}", p[0].text.english());
        assert!(p[0].text.render(Lang::Zh).contains("“f”"), "{}", p[0].text.render(Lang::Zh));
        // Not XML at all: no element, still one error.
        let p = problems(b"<definitions");
        assert_eq!((p.len(), p[0].severity), (1, Severity::Error));
    }

    #[test]
    fn an_unsupported_element_is_an_error() {
        let xml = file(
            r#"<startEvent id="s"/><complexGateway id="cx"/><endEvent id="e"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="cx"/><sequenceFlow id="f2" sourceRef="cx" targetRef="e"/>"#,
        );
        let p = problems(xml.as_bytes());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].element_id.as_deref(), p[0].severity, p[0].line), (Some("cx"), Severity::Error, Some(4)));
        assert_eq!(p[0].text.key, "check.unsupported.complex_gateway");
        assert!(p[0].text.render(Lang::Zh).starts_with("尚不支持"), "{}", p[0].text.render(Lang::Zh));
    }

    #[test]
    fn a_non_executable_process_is_an_error_as_the_check_says() {
        let xml = file(r#"<startEvent id="s"/>"#).replace(r#"isExecutable="true""#, r#"isExecutable="false""#);
        let p = problems(xml.as_bytes());
        assert_eq!(summary(&p), [(Some("P"), Severity::Error, crate::bpmn::parse::NOT_EXECUTABLE.to_owned())]);
    }

    #[test]
    fn an_expression_that_does_not_parse_is_an_error_on_its_flow() {
        let xml = gateway(
            "exclusiveGateway",
            Some("f2"),
            r#"<sequenceFlow id="f1" sourceRef="gw" targetRef="e1"><conditionExpression>${amount &gt;}</conditionExpression></sequenceFlow>
<sequenceFlow id="f2" sourceRef="gw" targetRef="e2"/>"#,
        );
        let p = problems(xml.as_bytes());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].element_id.as_deref(), p[0].severity), (Some("f1"), Severity::Error));
        assert_eq!(p[0].text.key, "check.bad_expression");
    }

    #[test]
    fn what_the_engine_ignores_is_a_warning() {
        let xml = file(
            r#"<startEvent id="s"/><userTask id="t"><standardLoopCharacteristics/></userTask><endEvent id="e"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="t"/><sequenceFlow id="f2" sourceRef="t" targetRef="e"/>"#,
        );
        let p = problems(xml.as_bytes());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].element_id.as_deref(), p[0].severity), (Some("t"), Severity::Warning));
        let english = p[0].text.english();
        assert!(english.starts_with(crate::bpmn::parse::IGNORED), "{english}");
    }

    #[test]
    fn unconditioned_flows_out_of_a_branching_gateway_are_warned_about() {
        let two_bare = r#"<sequenceFlow id="f1" sourceRef="gw" targetRef="e1"/>
<sequenceFlow id="f2" sourceRef="gw" targetRef="e2"><conditionExpression>  </conditionExpression></sequenceFlow>"#;
        for tag in ["exclusiveGateway", "inclusiveGateway"] {
            let p = problems(gateway(tag, None, two_bare).as_bytes());
            let ids: Vec<_> = p.iter().map(|p| (p.element_id.as_deref(), p.severity)).collect();
            assert_eq!(ids, [(Some("f1"), Severity::Warning), (Some("f2"), Severity::Warning)], "{tag}: {p:?}");
            assert_eq!(p[0].line, Some(7));
            assert_eq!(
                p[0].text.english(),
                "this flow out of gateway \"Amount?\" has no condition; write one (e.g. ${amount > 1000}) \
                 or make it the gateway's default flow"
            );
            assert_eq!(
                p[0].text.render(Lang::Zh),
                "从网关“Amount?”出发的这条顺序流没有条件；请写上条件（如 ${amount > 1000}），或将其设为网关的默认流"
            );
        }
    }

    #[test]
    fn default_or_conditioned_flows_and_single_flows_are_fine() {
        let flows = r#"<sequenceFlow id="f1" sourceRef="gw" targetRef="e1"><conditionExpression>${amount > 1000}</conditionExpression></sequenceFlow>
<sequenceFlow id="f2" sourceRef="gw" targetRef="e2"/>"#;
        assert_eq!(problems(gateway("exclusiveGateway", Some("f2"), flows).as_bytes()), []);
        // Without the default, only the bare flow is named.
        let p = problems(gateway("inclusiveGateway", None, flows).as_bytes());
        assert_eq!(p.iter().map(|p| p.element_id.as_deref()).collect::<Vec<_>>(), [Some("f2")]);
        // A gateway with one way out (a join) has nothing to choose.
        let one = r#"<sequenceFlow id="f1" sourceRef="gw" targetRef="e1"/>
<sequenceFlow id="f2" sourceRef="e2" targetRef="e1"/>"#;
        let xml = gateway("exclusiveGateway", None, one).replace(r#"<endEvent id="e2"/>"#, r#"<task id="e2"/>"#);
        assert_eq!(problems(xml.as_bytes()), []);
        // Parallel gateways take every flow: conditions would be ignored, none is missing.
        let bare = r#"<sequenceFlow id="f1" sourceRef="gw" targetRef="e1"/>
<sequenceFlow id="f2" sourceRef="gw" targetRef="e2"/>"#;
        assert_eq!(problems(gateway("parallelGateway", None, bare).as_bytes()), []);
    }

    #[test]
    fn a_clean_process_has_no_problems() {
        let xml = file(
            r#"<startEvent id="s"/><userTask id="t" name="Review"/><endEvent id="e"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="t"/><sequenceFlow id="f2" sourceRef="t" targetRef="e"/>"#,
        );
        assert_eq!(problems(xml.as_bytes()), []);
    }

    #[test]
    fn problems_serialise_for_the_browser() {
        let p = Problem { element_id: None, severity: Severity::Warning, line: Some(3), text: Text::verbatim("x") };
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["elementId"], serde_json::Value::Null);
        assert_eq!(json["severity"], "warning");
        assert_eq!(json["line"], 3);
    }
}
