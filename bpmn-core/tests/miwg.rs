//! Conformance: every reference model of the BPMN Model Interchange Working Group
//! (shared/conformance/miwg, 21 files from a dozen tools) must parse, and its diagram must
//! only refer to elements the model knows.

use bpmn_core::bpmn::parse::{check_executable, parse, ParseOptions};
use bpmn_core::bpmn::{Definitions, ElementRef, NodeKind};

mod common;

use common::{miwg_dir, miwg_files};

fn load(name: &str) -> Definitions {
    let path = miwg_dir().join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse(&bytes, &ParseOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_reference_model_parses_and_its_diagram_resolves() {
    let files = miwg_files();
    let mut problems = Vec::new();
    for path in &files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let def = match parse(&bytes, &ParseOptions::default()) {
            Ok(def) => def,
            Err(e) => {
                problems.push(format!("{name}: does not parse: {e}"));
                continue;
            }
        };
        if def.processes.is_empty() {
            problems.push(format!("{name}: no process"));
        }
        if !def.diagrams.iter().any(|d| !d.shapes.is_empty()) {
            problems.push(format!("{name}: no diagram with shapes"));
        }
        for diagram in &def.diagrams {
            let shapes = diagram.shapes.iter().map(|s| ("shape", &s.element));
            let edges = diagram.edges.iter().map(|e| ("edge", &e.element));
            for (what, element) in shapes.chain(edges) {
                if def.get(element).is_none() {
                    problems.push(format!("{name}: {what} of \"{element}\" resolves to nothing"));
                }
            }
        }
        for process in &def.processes {
            // Must not panic, whatever the process holds.
            let _ = check_executable(&def, process);
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
    assert!(files.len() >= 21, "only {} reference models found in {}", files.len(), miwg_dir().display());
}

#[test]
fn b_2_0_has_lanes_pools_and_many_nodes() {
    let def = load("B.2.0.bpmn");
    assert_eq!(def.processes.len(), 4);
    let nodes: usize = def.processes.iter().map(|p| p.nodes.len()).sum();
    let flows: usize = def.processes.iter().map(|p| p.flows.len()).sum();
    assert_eq!(nodes, 94);
    assert_eq!(flows, 85);
    let lanes: usize = def.processes.iter().map(|p| p.lanes.len()).sum();
    assert_eq!(lanes, 2);
    assert_eq!(def.collaborations.len(), 1);
    assert_eq!(def.collaborations[0].participants.len(), 2);
    // Two of the processes are referenced by a pool; the others are called.
    let pools_with_process = def.collaborations[0]
        .participants
        .iter()
        .filter(|p| p.process_ref.as_deref().is_some_and(|r| def.process(r).is_some()))
        .count();
    assert_eq!(pools_with_process, 2);
    // Every flow connects nodes both sides know about.
    for p in &def.processes {
        for (i, f) in p.flows.iter().enumerate() {
            assert!(p.nodes[f.source].outgoing.contains(&i));
            assert!(p.nodes[f.target].incoming.contains(&i));
        }
    }
    // Gateways with a default flow.
    let defaults = def.processes.iter().flat_map(|p| &p.nodes).filter(|n| n.default_flow.is_some()).count();
    assert_eq!(defaults, 2);
    // Embedded sub-processes hold nodes.
    assert!(def.processes.iter().flat_map(|p| &p.nodes).any(|n| n.scope.is_some()));
}

#[test]
fn c_1_0_collaboration_with_message_flows_and_camunda_attributes() {
    let def = load("C.1.0.bpmn");
    assert_eq!(def.collaborations.len(), 1);
    let c = &def.collaborations[0];
    assert_eq!(c.participants.len(), 2);
    assert_eq!(c.message_flows.len(), 5);
    for mf in &c.message_flows {
        assert!(matches!(def.get(&mf.id), Some(ElementRef::MessageFlow { .. })));
    }
    let executable: Vec<_> = def.processes.iter().filter(|p| p.is_executable).collect();
    assert_eq!(executable.len(), 1);
    let p = executable[0];
    // The file binds the `camunda` prefix to the Activiti namespace; it is read all the same.
    let approve = &p.nodes[p.node_index("approveInvoice").expect("approveInvoice")];
    match &approve.kind {
        NodeKind::UserTask(t) => {
            assert_eq!(t.assignee.as_deref(), Some("${approver}"));
            assert_eq!(t.form_key.as_deref(), Some("app:approveInvoice.jsf"));
        }
        other => panic!("approveInvoice is {other:?}"),
    }
    let archive = &p.nodes[p.node_index("archiveInvoice").expect("archiveInvoice")];
    match &archive.kind {
        NodeKind::ServiceTask(t) => {
            assert_eq!(t.delegate_expression.as_deref(), Some("#{archiveService}"));
            assert_eq!(t.fields.len(), 5);
            assert_eq!(t.fields[0], ("text0".to_owned(), "Hello World".to_owned()));
            assert_eq!(t.fields[3], ("text3".to_owned(), "Hello World".to_owned()));
        }
        other => panic!("archiveInvoice is {other:?}"),
    }
    let lanes: usize = def.processes.iter().map(|p| p.lanes.len()).sum();
    assert_eq!(lanes, 4);
}

#[test]
fn c_4_0_has_four_diagrams() {
    let def = load("C.4.0.bpmn");
    assert_eq!(def.diagrams.len(), 4);
    assert_eq!(def.processes.len(), 4);
    // No isExecutable attribute and no Camunda/Flowable namespace: the spec default, false.
    assert!(def.processes.iter().all(|p| !p.is_executable));
    for d in &def.diagrams {
        assert!(d.plane_element.is_some());
        assert!(!d.shapes.is_empty());
    }
}

#[test]
fn iso_8859_1_reference_model_decodes_names() {
    // A.1.0 declares ISO-8859-1 (it is ASCII in practice); it must parse as such.
    let def = load("A.1.0.bpmn");
    assert_eq!(def.processes[0].nodes.len(), 5);
    assert_eq!(def.processes[0].flows.len(), 4);
    assert!(!def.processes[0].is_executable);
}

#[test]
fn reference_models_report_what_cannot_run() {
    // C.3.0 is executable; whatever it holds, the check names elements by id and line.
    let def = load("C.3.0.bpmn");
    let p = &def.processes[0];
    assert!(p.is_executable);
    for u in check_executable(&def, p) {
        assert!(u.line > 0);
        assert!(def.get(&u.element_id).is_some(), "{u:?}");
    }
}

/// The executable processes of the reference models (`C.*`, `isExecutable="true"`): which pass
/// the executability check, and why the others are refused. The covered elements (message
/// start and catch events, event-based gateways, message/timer/error boundary events, send and
/// receive tasks, call activities, event sub-processes, error and terminate end events) pass;
/// the business rule tasks without an implementation are refused, as Camunda refuses them, and
/// so is the service task of the invoice models that runs a Java bean (`delegateExpression`).
#[test]
fn executable_reference_processes_pass_the_check_unless_they_hold_a_business_rule_task_or_java() {
    let mut executable = Vec::new();
    let mut processes = 0;
    for path in miwg_files() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !name.starts_with("C.") {
            continue;
        }
        let def = load(&name);
        for process in &def.processes {
            processes += 1;
            if !process.is_executable {
                continue;
            }
            let refused: Vec<String> = check_executable(&def, process)
                .iter()
                .map(|u| format!("{} {}: {}", u.element_type, u.element_id, u.reason))
                .collect();
            executable.push((name.clone(), process.id.clone(), refused));
        }
    }
    assert_eq!(processes, 21, "processes in the C.* reference models");
    let rule_task = "not supported yet: a business rule task has no implementation here (no decision engine); \
                     call the decision service from a service task, or decide in a user task";
    let got: Vec<(&str, &str, Vec<&str>)> =
        executable.iter().map(|(f, p, r)| (f.as_str(), p.as_str(), r.iter().map(String::as_str).collect())).collect();
    let refused_rule = |id: &str| format!("businessRuleTask {id}: {rule_task}");
    let c81 = refused_rule("_1a818a94-ba6f-413b-a7e8-6f8fd2a11e32");
    let c90 = refused_rule("BusinessRuleTask_CheckApplicationAutomatically");
    let java = "serviceTask archiveInvoice: runs Java code (delegateExpression=\"#{archiveService}\"), which this \
                engine cannot run; make it an external task that a worker completes (camunda:type=\"external\" \
                camunda:topic=\"...\") or an HTTP call (flowable:type=\"http\", or the Camunda http-connector)";
    assert_eq!(
        got,
        [
            ("C.1.0.bpmn", "bpmn-miwg-test-case-c.1.0", vec![java]),
            ("C.1.1.bpmn", "handle-invoice", vec![java]),
            ("C.3.0.bpmn", "_8170787a-3207-434d-9bea-4787059f444f", vec![]),
            ("C.8.1.bpmn", "VacationRequestProcess", vec![c81.as_str()]),
            ("C.9.0.bpmn", "customer_onboarding_en", vec![c90.as_str()]),
            ("C.9.1.bpmn", "requestDocument_en", vec![]),
            ("C.9.2.bpmn", "ManualCheck", vec![]),
        ]
    );
}
