//! Script tasks, script conditions and listeners, with a tiny fake script runner: its
//! "scripts" are `;`-separated operations (`value:<json>`, `set:<name>=<json>`,
//! `echo:<variable>`, `fact:<name>`, `factis:<name>=<text>` (fails unless the fact is that
//! text), `fail:<message>`, `failunless:<variable>`).

use std::cell::RefCell;

use super::*;
use crate::bpmn::parse::check_executable;
use crate::runtime::{ScriptCall, ScriptOutcome, ScriptRunner};

/// Runs the fake scripts and remembers each source it ran.
#[derive(Default)]
struct Fake {
    ran: RefCell<Vec<String>>,
}

impl ScriptRunner for Fake {
    fn run(&self, call: &ScriptCall<'_>) -> Result<ScriptOutcome, Text> {
        self.run_plain(call).map_err(Text::verbatim)
    }
}

impl Fake {
    fn run_plain(&self, call: &ScriptCall<'_>) -> Result<ScriptOutcome, String> {
        self.ran.borrow_mut().push(call.source.to_owned());
        let mut out = ScriptOutcome::default();
        for op in call.source.split(';').map(str::trim).filter(|o| !o.is_empty()) {
            let (verb, arg) = op.split_once(':').unwrap_or((op, ""));
            match verb {
                "value" => out.value = serde_json::from_str(arg).map_err(|e| e.to_string())?,
                "set" => {
                    let (name, v) = arg.split_once('=').unwrap_or((arg, "null"));
                    out.writes.insert(name.to_owned(), serde_json::from_str(v).map_err(|e| e.to_string())?);
                }
                "echo" => out.value = call.variables.get(arg).cloned().unwrap_or(Value::Null),
                "fact" => out.value = fact(call, arg).map_or(Value::Null, |s| Value::String(s.to_owned())),
                "factis" => {
                    let (name, want) = arg.split_once('=').unwrap_or((arg, ""));
                    let got = fact(call, name);
                    if got != Some(want) {
                        return Err(format!("{name} is {got:?}, not {want}"));
                    }
                }
                "fail" => return Err(arg.to_owned()),
                "failunless" if call.variables.get(arg) != Some(&Value::Bool(true)) => {
                    return Err(format!("{arg} is not true"))
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// A fact the fake scripts read.
fn fact<'a>(call: &ScriptCall<'a>, name: &str) -> Option<&'a str> {
    let f = call.facts;
    let task = f.task.unwrap_or_default();
    match name {
        "task.id" => task.id,
        "task.name" => task.name,
        "task.assignee" => task.assignee,
        "activity" => f.activity_id,
        "instance" => f.instance_id,
        _ => None,
    }
}

fn run(
    p: &Process,
    fake: &Fake,
    state: InstanceState,
    cmd: Command,
) -> Result<(InstanceState, Vec<Effect>), RuntimeError> {
    let env = Env { instance_id: "i-1", scripts: Some(fake), ..Env::default() };
    step_with(p, state, cmd, 0, &env)
}

fn run_ok(p: &Process, fake: &Fake, state: InstanceState, cmd: Command) -> (InstanceState, Vec<Effect>) {
    run(p, fake, state, cmd).unwrap_or_else(|e| panic!("{e}"))
}

fn script_task(id: &str, attrs: &str, source: &str) -> String {
    format!(
        r#"<bpmn:scriptTask id="{id}" scriptFormat="javascript" {attrs}><bpmn:script>{source}</bpmn:script></bpmn:scriptTask>"#
    )
}

/// An execution or task listener (`kind`) with a fake script.
fn listener(kind: &str, event: &str, source: &str) -> String {
    format!(
        r#"<camunda:{kind} event="{event}"><camunda:script scriptFormat="javascript">{source}</camunda:script></camunda:{kind}>"#
    )
}

fn incidents(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Incident { message, .. } => Some(message.english().trim_end_matches('.').to_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_script_task_stores_its_value_and_writes_and_goes_on() {
    let p = around("calc", &script_task("calc", r#"camunda:resultVariable="doubled""#, "set:seen=1;echo:amount"), &[]);
    let fake = Fake::default();
    let (s, effects) = run_ok(&p, &fake, InstanceState::default(), start(json!({"amount": 21})));
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:calc", "ended:calc", "started:after"]);
    assert_eq!(s.variables, vars(json!({"amount": 21, "seen": 1, "doubled": 21})));
    assert_eq!(created(&effects), [(0, None)]);
}

#[test]
fn a_script_without_the_runner_is_an_incident_that_says_so() {
    let p = around("calc", &script_task("calc", "", "value:1"), &[]);
    let (s, effects) = step(&p, InstanceState::default(), start(json!({})), 0).unwrap();
    assert_eq!(
        incidents(&effects),
        ["element `calc`: the script failed: scripts need the engine's script runner, which this step was not given"
            .to_owned()]
    );
    assert_eq!(s.tokens[0].state, TokenState::Failed);
}

#[test]
fn a_failing_script_is_an_incident_naming_the_element_and_a_retry_runs_it_again() {
    let p = around("calc", &script_task("calc", r#"camunda:resultVariable="r""#, "failunless:ok;value:7"), &[]);
    let fake = Fake::default();
    let (mut s, effects) = run_ok(&p, &fake, InstanceState::default(), start(json!({"ok": false})));
    assert_eq!(incidents(&effects), ["element `calc`: the script failed: ok is not true"]);
    assert_eq!(s.tokens[0].state, TokenState::Failed);
    assert!(!s.variables.contains_key("r"), "a failed script writes nothing");

    s.variables.insert("ok".into(), json!(true));
    let (s, effects) = run_ok(&p, &fake, s, Command::Retry { token: 0 });
    assert_eq!(history(&effects), ["ended:calc", "started:after"]);
    assert_eq!(s.variables.get("r"), Some(&json!(7)));
    assert_eq!(fake.ran.borrow().len(), 2);
}

#[test]
fn a_javascript_condition_chooses_the_branch_and_must_be_boolean() {
    let cond = |id: &str, to: &str, src: &str| {
        format!(
            r#"<bpmn:sequenceFlow id="{id}" sourceRef="gw" targetRef="{to}"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript">{src}</bpmn:conditionExpression></bpmn:sequenceFlow>"#
        )
    };
    let body = |second: &str| {
        [
            r#"<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="gw"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/>"#
                .to_owned(),
            flow("f0", "start", "gw", ""),
            cond("fa", "a", "value:false"),
            cond("fb", "b", second),
        ]
        .join("\n")
    };
    let fake = Fake::default();
    let p = model(&body("value:true"));
    let (_, effects) = run_ok(&p, &fake, InstanceState::default(), start(json!({})));
    assert_eq!(created(&effects), [(0, None)]);
    assert!(history(&effects).contains(&"started:b".to_owned()));

    let p = model(&body("value:5"));
    let (_, effects) = run_ok(&p, &fake, InstanceState::default(), start(json!({})));
    assert_eq!(
        incidents(&effects),
        ["element `fb`: the condition returned 5, not true or false; make it return a boolean"]
    );
}

#[test]
fn execution_listeners_run_at_start_end_and_take_and_write_to_the_scope() {
    let p = model(
        &[
            format!(
                r#"<bpmn:startEvent id="start"/><bpmn:task id="t"><bpmn:extensionElements>{}{}<camunda:executionListener event="start" expression="${{amount > 1}}"/></bpmn:extensionElements></bpmn:task><bpmn:userTask id="u"/>"#,
                listener("executionListener", "start", "set:started=true"),
                listener("executionListener", "end", "set:ended=true"),
            ),
            flow("f1", "start", "t", ""),
            format!(
                r#"<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="u"><bpmn:extensionElements>{}</bpmn:extensionElements></bpmn:sequenceFlow>"#,
                listener("executionListener", "take", "set:took=true")
            ),
        ]
        .join("\n"),
    );
    let fake = Fake::default();
    let (s, _) = run_ok(&p, &fake, InstanceState::default(), start(json!({"amount": 2})));
    assert_eq!(s.variables, vars(json!({"amount": 2, "started": true, "ended": true, "took": true})));
    assert_eq!(*fake.ran.borrow(), ["set:started=true", "set:ended=true", "set:took=true"]);
}

#[test]
fn a_failing_expression_listener_is_an_incident_on_its_element() {
    let p = around(
        "t",
        r#"<bpmn:task id="t"><bpmn:extensionElements><camunda:executionListener event="start" expression="${missing.field}"/></bpmn:extensionElements></bpmn:task>"#,
        &[],
    );
    let (s, effects) = run_ok(&p, &Fake::default(), InstanceState::default(), start(json!({})));
    let messages = incidents(&effects);
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].starts_with("element `t`: the start listener (camunda:executionListener) failed"),
        "{messages:?}"
    );
    assert_eq!(s.tokens[0].state, TokenState::Failed);
}

#[test]
fn task_listeners_run_on_create_assignment_and_complete_with_the_task_facts() {
    let p = around(
        "u",
        &format!(
            r#"<bpmn:userTask id="u" name="Approve" camunda:assignee="kermit"><bpmn:extensionElements>{}{}{}</bpmn:extensionElements></bpmn:userTask>"#,
            listener("taskListener", "create", "fact:task.name;set:created=true"),
            listener("taskListener", "assignment", "set:assigned=true"),
            listener("taskListener", "complete", "failunless:approved;set:completed=true"),
        ),
        &[],
    );
    let fake = Fake::default();
    let (s, effects) = run_ok(&p, &fake, InstanceState::default(), start(json!({})));
    assert_eq!(created(&effects), [(0, Some("kermit".into()))]);
    assert_eq!(s.variables, vars(json!({"created": true, "assigned": true})));

    // A failing complete listener refuses the completion: nothing changes.
    let refused = plain(run(&p, &fake, s.clone(), complete(0, json!({"approved": false}))));
    assert_eq!(
        refused.map(|_| ()),
        Err(RuntimeError::Script {
            node_id: "u".into(),
            message: "the complete listener (camunda:taskListener) failed: approved is not true".into()
        })
    );
    let (s, effects) = run_ok(&p, &fake, s, complete(0, json!({"approved": true})));
    assert_eq!(s.variables.get("completed"), Some(&json!(true)));
    assert_eq!(history(&effects), ["ended:u", "started:after"]);
}

#[test]
fn a_new_assignee_runs_the_assignment_listeners_and_complete_listeners_see_the_stored_task() {
    let p = around(
        "u",
        &format!(
            r#"<bpmn:userTask id="u" name="Approve"><bpmn:extensionElements>{}{}</bpmn:extensionElements></bpmn:userTask>"#,
            listener("taskListener", "assignment", "factis:task.assignee=gonzo;factis:task.id=t-1;set:assigned=true"),
            listener("taskListener", "complete", "factis:task.assignee=gonzo;factis:task.id=t-1"),
        ),
        &[],
    );
    let fake = Fake::default();
    let (s, _) = run_ok(&p, &fake, InstanceState::default(), start(json!({})));
    assert!(!s.variables.contains_key("assigned"), "no assignee at creation: no assignment listener");
    let task = crate::runtime::TaskRef { id: "t-1", assignee: None };
    let env = Env { scripts: Some(&fake), task: Some(task), ..Env::default() };
    let (s, effects) = step_with(&p, s, Command::AssignTask { token: 0, assignee: "gonzo".into() }, 0, &env).unwrap();
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(s.variables.get("assigned"), Some(&json!(true)));
    assert_eq!(s.tokens[0].state, TokenState::WaitingTask, "the token stays");
    // Only a waiting user task can be assigned.
    let refused = step_with(&p, s.clone(), Command::AssignTask { token: 9, assignee: "x".into() }, 0, &env);
    assert!(refused.is_err());
    // The complete listener sees the stored task's assignee.
    let task = crate::runtime::TaskRef { id: "t-1", assignee: Some("gonzo") };
    let env = Env { scripts: Some(&fake), task: Some(task), ..Env::default() };
    step_with(&p, s.clone(), complete(0, json!({})), 0, &env).unwrap();
    // Without the stored task the listener sees no assignee (and refuses here).
    let env = Env { scripts: Some(&fake), ..Env::default() };
    assert!(step_with(&p, s, complete(0, json!({})), 0, &env).is_err());
}

#[test]
fn groovy_external_scripts_and_java_listeners_are_refused_at_deploy() {
    let p = model(
        &[
            r#"<bpmn:startEvent id="start"/>"#,
            r#"<bpmn:scriptTask id="g" scriptFormat="groovy"><bpmn:script>1</bpmn:script></bpmn:scriptTask>"#,
            r#"<bpmn:scriptTask id="r" scriptFormat="javascript" camunda:resource="deployment://x.js"/>"#,
            r#"<bpmn:scriptTask id="j" scriptFormat="JavaScript"><bpmn:script>1</bpmn:script></bpmn:scriptTask>"#,
            r#"<bpmn:userTask id="u"><bpmn:extensionElements><camunda:taskListener event="create" class="org.example.L"/><camunda:executionListener event="take" expression="${x}"/></bpmn:extensionElements></bpmn:userTask>"#,
        ]
        .join("\n"),
    );
    let def = crate::bpmn::model::Definitions::default();
    let problems: Vec<(String, String)> =
        check_executable(&def, &p).into_iter().map(|u| (u.element_id, u.reason)).collect();
    let expected = [
        ("g", "the script task is written in script format \"groovy\", which does not run here; write it in JavaScript (scriptFormat=\"javascript\")"),
        ("r", "the script task names an external script file (resource \"deployment://x.js\"), which is not read; put the script's text inside the element"),
        ("u", "the camunda:taskListener runs Java code (class=\"org.example.L\"), which this engine cannot run; use expression=\"${...}\" or a nested <camunda:script scriptFormat=\"javascript\">"),
        ("u", "the camunda:executionListener's event \"take\" does not happen on this element; execution listeners run on start or end (take on a sequence flow), task listeners of a user task on create, assignment or complete"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect();
    assert_eq!(problems, expected);
}

/// An expression listener may write: `${execution.setVariable(...)}` sets the variable.
#[test]
fn an_expression_listener_writes_with_execution_set_variable() {
    let p = around(
        "t",
        r#"<bpmn:task id="t"><bpmn:extensionElements><camunda:executionListener event="end" expression="${execution.setVariable('fee', amount * 2)}"/></bpmn:extensionElements></bpmn:task>"#,
        &[],
    );
    let (s, effects) = run_ok(&p, &Fake::default(), InstanceState::default(), start(json!({"amount": 4})));
    assert_eq!(incidents(&effects), Vec::<String>::new());
    assert_eq!(s.variables.get("fee"), Some(&json!(8)));
}
