//! The executable reference processes that pass the check also start and run: each is started
//! (at its none start event, or at its message start event) and driven by answering whatever
//! it waits for, until it ends, without an incident.

use std::path::PathBuf;

use bpmn_core::bpmn::parse::{check_executable, parse, ParseOptions};
use bpmn_core::bpmn::{EventTrigger, NodeKind, Process};
use bpmn_core::runtime::{step, Command, Effect, InstanceState, TokenState};
use serde_json::{json, Map, Value};

fn load(name: &str) -> bpmn_core::bpmn::Definitions {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/miwg").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse(&bytes, &ParseOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Starts `p` and answers each waiting token (task, service, timer, message, signal, child)
/// in turn, the oldest first, with `answers` as variables, until the instance ends or
/// `limit` commands have run. Returns the commands run and whether it ended.
fn drive(p: &Process, answers: &Value, limit: usize) -> (usize, bool) {
    let vars: Map<String, Value> = answers.as_object().cloned().unwrap_or_default();
    let start = p
        .children(None)
        .find(|(_, n)| matches!(&n.kind, NodeKind::StartEvent { trigger: EventTrigger::None, .. }))
        .map(|_| Command::Start { variables: vars.clone() })
        .or_else(|| {
            p.children(None)
                .find(|(_, n)| matches!(n.kind, NodeKind::StartEvent { .. }))
                .map(|(i, _)| Command::StartAt { start: i, variables: vars.clone() })
        })
        .expect("a start event");
    let (mut s, mut effects) = step(p, InstanceState::default(), start, 0).expect("starts");
    let mut n = 1;
    while !s.ended && n < limit {
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Incident { .. })),
            "{}: incident after {n} commands: {effects:?}",
            p.id
        );
        let Some(t) = s.tokens.iter().find(|t| {
            matches!(
                t.state,
                TokenState::WaitingTask
                    | TokenState::WaitingService
                    | TokenState::WaitingTimer
                    | TokenState::WaitingMessage
                    | TokenState::WaitingSignal
                    | TokenState::WaitingChild
                    | TokenState::WaitingAsync { .. }
            )
        }) else {
            panic!("{}: nothing to answer and not ended: {:?}", p.id, s.tokens)
        };
        let cmd = match t.state {
            TokenState::WaitingTask | TokenState::WaitingService => {
                Command::CompleteTask { token: t.id, variables: vars.clone() }
            }
            TokenState::WaitingTimer => Command::FireTimer { token: t.id },
            TokenState::WaitingMessage | TokenState::WaitingSignal => {
                Command::Deliver { token: t.id, variables: vars.clone() }
            }
            TokenState::WaitingChild => Command::ChildCompleted { token: t.id, variables: vars.clone() },
            _ => Command::ContinueAsync { token: t.id },
        };
        let (s2, e2) = step(p, s, cmd, n as i64).unwrap_or_else(|e| panic!("{}: {e}", p.id));
        s = s2;
        effects = e2;
        n += 1;
    }
    (n, s.ended)
}

#[test]
fn executable_reference_processes_that_pass_the_check_start_and_run_to_their_end() {
    let answers = json!({
        "approved": true, "invoiceApproved": true, "clarified": "yes", "amount": 10,
        "isCustomer": true, "accepted": true, "decision": "accept", "approver": "demo"
    });
    // C.1.0 and C.1.1 archive the invoice with a Java bean (`delegateExpression`), which is
    // refused at deploy (see `miwg.rs`).
    for (file, id, to_end) in [
        ("C.3.0.bpmn", "_8170787a-3207-434d-9bea-4787059f444f", true),
        ("C.9.1.bpmn", "requestDocument_en", true),
        ("C.9.2.bpmn", "ManualCheck", true),
    ] {
        let def = load(file);
        let p = def.process(id).unwrap_or_else(|| panic!("{file}: no process {id}"));
        assert!(check_executable(&def, p).is_empty(), "{file} passes the check");
        let (commands, ended) = drive(p, &answers, if to_end { 200 } else { 2 });
        assert_eq!(ended, to_end, "{file}: ended after {commands} commands");
    }
}
