//! Scripts and listeners end to end with the real JavaScript engine, on SQLite and
//! PostgreSQL: a script task computing a variable, a JavaScript condition choosing a branch,
//! execution and task listeners with scripts, and the sandbox's limits (an endless loop, a
//! memory bomb, `require`/`import`/`fetch`) ending as incidents that say why.

use std::time::{Duration, Instant};

use crate::common::{deploy, flow, history, sys, HEAD};
use engine::db_test;
use engine::instances::{Assignment, StartRequest, TaskState};
use engine::testing::TestDb;
use engine::Engine;
use serde_json::{json, Map, Value};

fn vars(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

async fn start(e: &Engine, key: &str, v: Value) -> String {
    let req = StartRequest { variables: vars(v), ..Default::default() };
    e.start_instance(&sys(), key, None, req).await.unwrap().id
}

/// start → a JavaScript script task `calc` (result into `result`) → wait (user task) → end.
fn script_process(script: &str) -> String {
    [
        r#"<startEvent id="start"/>"#.to_owned(),
        format!(
            r#"<scriptTask id="calc" name="Calculate" scriptFormat="javascript" camunda:resultVariable="result"><script><![CDATA[{script}]]></script></scriptTask>"#
        ),
        r#"<userTask id="wait"/><endEvent id="end"/>"#.to_owned(),
        flow("f1", "start", "calc"),
        flow("f2", "calc", "wait"),
        flow("f3", "wait", "end"),
    ]
    .concat()
}

/// The open incidents' messages of an instance.
async fn incidents(e: &Engine, id: &str) -> Vec<String> {
    let d = e.instance(&sys(), id).await.unwrap();
    d.incidents.iter().filter(|i| i.resolved.is_none()).map(|i| i.message.clone()).collect()
}

async fn script_task(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "double", &script_process("execution.setVariable('fee', amount / 10); amount * 2")).await;
    let id = start(e, "double", json!({"amount": 21})).await;
    assert_eq!(history(e, &id).await, ["start:completed", "calc:completed", "wait:-"]);
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!((d.variables["result"].clone(), d.variables["fee"].clone()), (json!(42), json!(2.1)));
}
db_test!(a_script_task_computes_a_variable, script_task);

async fn script_error_and_retry(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "check", &script_process("if (!ready) throw new Error('not ready yet'); 'done'")).await;
    let id = start(e, "check", json!({"ready": false})).await;
    assert_eq!(
        incidents(e, &id).await,
        ["element `calc`: the script failed: Error: not ready yet."],
        "the incident names the element and the JavaScript error"
    );
    e.set_variable(&sys(), &id, "ready", Some(json!(true)), None).await.unwrap();
    let d = e.instance(&sys(), &id).await.unwrap();
    let s = e.retry_incident(&sys(), &id, &d.incidents[0].id).await.unwrap();
    assert_eq!((s.open_incidents, s.active_activity_ids.as_slice()), (0, ["wait".to_owned()].as_slice()));
    assert_eq!(e.instance(&sys(), &id).await.unwrap().variables["result"], json!("done"));
}
db_test!(a_script_error_is_an_incident_and_a_retry_runs_it_again, script_error_and_retry);

async fn javascript_condition(db: &TestDb) {
    let e = &db.engine;
    let cond = |id: &str, to: &str, js: &str| {
        format!(
            r#"<sequenceFlow id="{id}" sourceRef="g" targetRef="{to}"><conditionExpression xsi:type="tFormalExpression" language="javascript">{js}</conditionExpression></sequenceFlow>"#
        )
    };
    let body = [
        r#"<startEvent id="s"/><exclusiveGateway id="g"/><userTask id="big"/><userTask id="small"/>"#.to_owned(),
        flow("f0", "s", "g"),
        cond("f1", "big", "amount &gt; 1000 &amp;&amp; execution.getVariable('region') === 'north'"),
        cond("f2", "small", "!(amount &gt; 1000)"),
    ]
    .concat();
    deploy(e, "route", &body).await;
    let a = start(e, "route", json!({"amount": 5000, "region": "north"})).await;
    let b = start(e, "route", json!({"amount": 10, "region": "north"})).await;
    assert_eq!(history(e, &a).await, ["s:completed", "g:completed", "big:-"]);
    assert_eq!(history(e, &b).await, ["s:completed", "g:completed", "small:-"]);
}
db_test!(a_javascript_condition_chooses_the_branch, javascript_condition);

async fn listeners(db: &TestDb) {
    let e = &db.engine;
    let script = |kind: &str, event: &str, js: &str| {
        format!(
            r#"<camunda:{kind} event="{event}"><camunda:script scriptFormat="javascript">{js}</camunda:script></camunda:{kind}>"#
        )
    };
    let body = [
        r#"<startEvent id="s"/>"#.to_owned(),
        format!(
            r#"<userTask id="review" name="Review" camunda:assignee="kermit"><extensionElements>{}{}{}{}</extensionElements></userTask>"#,
            script("executionListener", "start", "execution.setVariable('startedAt', execution.getCurrentActivityId())"),
            script("taskListener", "create", "execution.setVariable('reviewer', task.assignee + ' / ' + task.name)"),
            script("taskListener", "complete", "execution.setVariable('verdict', (approved ? 'yes' : 'no') + ' by ' + task.assignee)"),
            script(
                "taskListener",
                "assignment",
                "var a = execution.getVariable('assignments'); execution.setVariable('assignments', a == null ? task.assignee : a + ',' + task.assignee)"
            ),
        ),
        format!(
            r#"<sequenceFlow id="f2" sourceRef="review" targetRef="end"><extensionElements>{}</extensionElements></sequenceFlow>"#,
            script("executionListener", "take", "execution.setVariable('took', 'f2')")
        ),
        r#"<endEvent id="end"/>"#.to_owned(),
        flow("f1", "s", "review"),
    ]
    .concat();
    deploy(e, "reviewing", &body).await;
    let id = start(e, "reviewing", json!({})).await;
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.variables["startedAt"], json!("review"));
    assert_eq!(d.variables["reviewer"], json!("kermit / Review"));
    assert_eq!(
        d.variables.get("assignments"),
        Some(&json!("kermit")),
        "an assignee at creation is an assignment: {:?}",
        incidents(e, &id).await
    );
    let task = d.tasks.iter().find(|t| t.state == TaskState::Active).expect("the review task").id.clone();
    // Every new holder runs the assignment listener: set by the API, reassigned (改派).
    e.assign_task(&sys(), &task, Assignment::SetAssignee(Some("gonzo".into()))).await.unwrap();
    e.assign_task(&sys(), &task, Assignment::Claim("gonzo".into())).await.unwrap();
    e.assign_task(&sys(), &task, Assignment::Unclaim).await.unwrap();
    let unit = e.create_org_unit(&sys(), "default", None, "Review").await.unwrap();
    e.create_person(&sys(), &unit.id, Some("piggy"), "Piggy", &[]).await.unwrap();
    e.reassign_task(&sys(), &task, "piggy", "holiday").await.unwrap();
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.variables["assignments"], json!("kermit,gonzo,piggy"), "the same holder or nobody is no assignment");
    e.complete_task(&sys(), &task, vars(json!({"approved": true}))).await.unwrap();
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!((d.variables["verdict"].clone(), d.variables["took"].clone()), (json!("yes by piggy"), json!("f2")));
    assert_eq!(history(e, &id).await, ["s:completed", "review:completed", "end:completed"]);
}
db_test!(execution_and_task_listeners_run_scripts, listeners);

async fn sandbox_limits(db: &TestDb) {
    let e = &db.engine;
    // An endless loop is stopped at the time limit (1 s by default).
    deploy(e, "loop", &script_process("while (true) {}")).await;
    let t = Instant::now();
    let id = start(e, "loop", json!({})).await;
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    let msgs = incidents(e, &id).await;
    assert!(msgs[0].starts_with("element `calc`: the script failed: the script ran longer than"), "{msgs:?}");

    deploy(e, "bomb", &script_process("let a = []; while (true) a.push('x'.repeat(100000) + a.length);")).await;
    let id = start(e, "bomb", json!({})).await;
    let msgs = incidents(e, &id).await;
    assert!(msgs[0].contains("the script used more than 32 MB of memory"), "{msgs:?}");

    // Nothing reaches files, the network or other modules.
    let probe = "[typeof require, typeof fetch, typeof process, typeof std, typeof os].join()";
    deploy(e, "probe", &script_process(probe)).await;
    let id = start(e, "probe", json!({})).await;
    assert_eq!(
        e.instance(&sys(), &id).await.unwrap().variables["result"],
        json!("undefined,undefined,undefined,undefined,undefined")
    );
    for (key, js, error) in [
        ("req", "require('fs')", "ReferenceError: require is not defined"),
        ("fetch", "fetch('http://example.org')", "ReferenceError: fetch is not defined"),
        ("imp", "import fs from 'fs'", "SyntaxError"),
    ] {
        deploy(e, key, &script_process(js)).await;
        let id = start(e, key, json!({})).await;
        let msgs = incidents(e, &id).await;
        assert!(msgs.len() == 1 && msgs[0].contains(error), "{key}: {msgs:?}");
    }
}
db_test!(the_sandbox_stops_loops_memory_bombs_and_outside_access, sandbox_limits);

async fn refused_at_deploy(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    let body = [
        r#"<startEvent id="s"/><scriptTask id="g" scriptFormat="groovy"><script>1</script></scriptTask>"#.to_owned(),
        r#"<userTask id="u"><extensionElements><flowable:taskListener event="create" class="org.example.Notify"/></extensionElements></userTask>"#.to_owned(),
        flow("f1", "s", "g"),
        flow("f2", "g", "u"),
    ]
    .concat();
    let xml = format!(r#"{HEAD}<process id="old" isExecutable="true">{body}</process></definitions>"#);
    let report = e
        .deploy(&sys(), "default", None, vec![("old.bpmn".into(), xml.into_bytes())], &Default::default())
        .await
        .unwrap();
    let file = &report.files[0];
    assert!(!file.definitions[0].startable, "{report:?}");
    let reasons: Vec<String> = file.warnings.iter().map(|w| format!("{}: {}", w.element_id, w.reason)).collect();
    assert!(
        reasons.iter().any(|r| r.starts_with("g: the script task is written in script format \"groovy\"")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("u: the flowable:taskListener runs Java code (class=\"org.example.Notify\")")),
        "{reasons:?}"
    );
}
db_test!(groovy_scripts_and_java_listeners_are_refused_at_deploy, refused_at_deploy);
