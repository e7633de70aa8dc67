//! Running processes end to end on SQLite and PostgreSQL: given a `.bpmn`, when commands,
//! then the exact history, tasks, variables and refusals.

use crate::common::{self, deploy, flow, history, sys};
use engine::db_test;
use engine::error::ConflictReason;
use engine::identity::{Account, Role};
use engine::instances::{
    InstanceCategory, InstanceQuery, InstanceStatus, StartRequest, Task, TaskCategory, TaskQuery, TaskState,
};
use engine::testing::TestDb;
use engine::{Engine, EngineError};
use serde_json::{json, Map, Value};

fn admin(name: &str) -> Account {
    Account { id: name.into(), username: name.into(), display_name: name.into(), role: Role::Admin, tenant_id: None }
}

fn cond(id: &str, from: &str, to: &str, c: &str) -> String {
    format!(
        r#"<sequenceFlow id="{id}" sourceRef="{from}" targetRef="{to}"><conditionExpression xsi:type="tFormalExpression">{c}</conditionExpression></sequenceFlow>"#
    )
}

fn vars(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

async fn start(e: &Engine, key: &str, v: Value) -> String {
    let req = StartRequest { business_key: Some(format!("BK-{key}")), variables: vars(v), ..Default::default() };
    e.start_instance(&sys(), key, None, req).await.unwrap().id
}

/// The instance's active tasks, oldest first.
async fn active_tasks(e: &Engine, instance: &str) -> Vec<Task> {
    let d = e.instance(&sys(), instance).await.unwrap();
    d.tasks.into_iter().filter(|t| t.state == TaskState::Active).collect()
}

async fn task_at(e: &Engine, instance: &str, activity: &str) -> Task {
    active_tasks(e, instance)
        .await
        .into_iter()
        .find(|t| t.activity_id == activity)
        .unwrap_or_else(|| panic!("no active task at {activity}"))
}

fn expense() -> String {
    [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<userTask id="approve" name="Approve" camunda:assignee="${initiator}" camunda:dueDate="P2D"/>"#.into(),
        r#"<exclusiveGateway id="big" default="f_small"/>"#.into(),
        r#"<userTask id="cfo" name="CFO approval" camunda:candidateUsers="lina, chenjing"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "approve"),
        flow("f2", "approve", "big"),
        cond("f_big", "big", "cfo", "${amount > 1000}"),
        flow("f_small", "big", "end"),
        flow("f3", "cfo", "end"),
    ]
    .concat()
}

async fn expense_flow(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "expense", &expense()).await;
    let id = start(e, "expense", json!({"initiator": "zhangwei", "amount": 5000})).await;
    let s = e.instance_summary(&sys(), &id).await.unwrap();
    assert_eq!(s.state, InstanceStatus::Running);
    assert_eq!(s.business_key.as_deref(), Some("BK-expense"));
    assert_eq!(s.active_activity_ids, vec!["approve"]);
    assert_eq!(s.current_activities, vec!["Approve"]);
    let t = task_at(e, &id, "approve").await;
    assert_eq!(t.assignee.as_deref(), Some("zhangwei"));
    assert_eq!(t.due, Some(1_700_000_000_000 + 2 * 86_400_000));
    assert!(!t.overdue);

    let opened = e.complete_task(&admin("alice"), &t.id, vars(json!({"approved": true}))).await.unwrap();
    let cfo = task_at(e, &id, "cfo").await;
    assert_eq!(opened, std::slice::from_ref(&cfo.id), "a completion answers with the task it opened");
    assert_eq!(cfo.candidate_users, vec!["lina", "chenjing"]);
    let opened = e.complete_task(&admin("bob"), &cfo.id, Map::new()).await.unwrap();
    assert!(opened.is_empty(), "the last completion opens nothing: {opened:?}");

    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.summary.state, InstanceStatus::Completed);
    assert!(d.summary.end_time.is_some());
    assert!(d.summary.active_activity_ids.is_empty());
    assert_eq!(
        history(e, &id).await,
        ["start:completed", "approve:completed", "big:completed", "cfo:completed", "end:completed"]
    );
    let approve = d.history.iter().find(|h| h.activity_id == "approve").unwrap();
    assert_eq!(approve.actor.as_deref(), Some("alice"));
    assert_eq!(approve.task_id.as_deref(), Some(t.id.as_str()));
    let names: Vec<&str> = d.variable_history.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["amount", "initiator", "approved"]);
    assert_eq!(d.variables.get("approved"), Some(&json!(true)));
    let done = e.task(&sys(), &t.id).await.unwrap();
    assert_eq!(done.state, TaskState::Completed);
    assert_eq!(done.completed_by.as_deref(), Some("alice"));

    // Completing it again is refused with the reason.
    let err = e.complete_task(&sys(), &t.id, Map::new()).await.unwrap_err();
    assert!(
        matches!(&err, EngineError::Conflict { reason: ConflictReason::AlreadyDone, text: m } if m.english().contains("already completed")),
        "{err}"
    );

    // The small path ends right after the first task.
    let small = start(e, "expense", json!({"initiator": "wangfang", "amount": 10})).await;
    let t = task_at(e, &small, "approve").await;
    e.complete_task(&sys(), &t.id, Map::new()).await.unwrap();
    assert_eq!(history(e, &small).await, ["start:completed", "approve:completed", "big:completed", "end:completed"]);
}
db_test!(expense_runs_to_the_end_with_history, expense_flow);

async fn start_refusals(db: &TestDb) {
    let e = &db.engine;
    let err = e.start_instance(&sys(), "nope", None, StartRequest::default()).await.unwrap_err();
    assert!(matches!(err, EngineError::NotFound { .. }), "{err}");
    // A message event makes the process not startable: refused with the element named.
    deploy(
        e,
        "msg",
        &[
            r#"<startEvent id="s"/><intermediateCatchEvent id="wait"><messageEventDefinition/></intermediateCatchEvent><endEvent id="e"/>"#
                .to_string(),
            flow("a", "s", "wait"),
            flow("b", "wait", "e"),
        ]
        .concat(),
    )
    .await;
    let err = e.start_instance(&sys(), "msg", None, StartRequest::default()).await.unwrap_err();
    assert_eq!(err.status(), 409);
    assert!(err.to_string().contains("'wait'"), "{err}");
    // An empty variable name is invalid input.
    deploy(e, "expense", &expense()).await;
    let req = StartRequest { variables: vars(json!({" ": 1})), ..Default::default() };
    let err = e.start_instance(&sys(), "expense", None, req).await.unwrap_err();
    assert_eq!(err.status(), 422, "{err}");
}
db_test!(starting_is_refused_with_reasons, start_refusals);

/// A start answers with the instance as the lists show it, whatever the start did: waited in
/// a task, ended at once, raised an incident, started a child.
async fn start_answers(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "expense", &expense()).await;
    deploy(e, "done", &[r#"<startEvent id="s"/><endEvent id="e"/>"#.to_string(), flow("f", "s", "e")].concat()).await;
    let split = [
        r#"<startEvent id="s"/><parallelGateway id="p"/><userTask id="a" name="Check, then sign"/>"#.to_string(),
        r#"<userTask id="b"/><endEvent id="e1"/><endEvent id="e2"/>"#.into(),
        flow("f1", "s", "p"),
        flow("f2", "p", "a"),
        flow("f3", "p", "b"),
        flow("f4", "a", "e1"),
        flow("f5", "b", "e2"),
    ]
    .concat();
    deploy(e, "split", &split).await;
    let stuck = r#"<startEvent id="s"/><exclusiveGateway id="g"/><endEvent id="e"/>"#;
    deploy(e, "stuck", &[stuck.to_string(), flow("f", "s", "g"), cond("f2", "g", "e", "${ok}")].concat()).await;
    deploy(
        e,
        "child",
        &[
            r#"<startEvent id="cs"/><userTask id="ct"/><endEvent id="ce"/>"#.to_string(),
            flow("c1", "cs", "ct"),
            flow("c2", "ct", "ce"),
        ]
        .concat(),
    )
    .await;
    let parent = [
        r#"<startEvent id="s"/><callActivity id="call" calledElement="child"/><endEvent id="e"/>"#.to_string(),
        flow("f1", "s", "call"),
        flow("f2", "call", "e"),
    ]
    .concat();
    deploy(e, "parent", &parent).await;
    for key in ["expense", "done", "split", "stuck", "parent", "expense"] {
        let req = StartRequest {
            business_key: Some(format!("BK-{key}")),
            initiator: Some("zhangwei".into()),
            variables: vars(json!({"ok": false, "amount": 5})),
            ..Default::default()
        };
        let started = e.start_instance_with_tasks(&admin("alice"), key, None, req).await.unwrap();
        let answer = started.instance;
        let stored = e.instance_summary(&sys(), &answer.id).await.unwrap();
        assert_eq!(answer, stored, "{key}");
        // The tasks it opened: the instance's own, and a called child's.
        let detail = e.instance(&sys(), &answer.id).await.unwrap();
        let mut open: Vec<String> = detail.tasks.iter().map(|t| t.id.clone()).collect();
        for child in &detail.children {
            open.extend(active_tasks(e, &child.id).await.into_iter().map(|t| t.id));
        }
        let mut created = started.created_tasks;
        created.sort();
        open.sort();
        assert_eq!(created, open, "{key}");
        let expected = match key {
            "expense" | "parent" => 1,
            "split" => 2,
            _ => 0,
        };
        assert_eq!(created.len(), expected, "{key}");
        if key == "stuck" {
            assert_eq!(
                (answer.open_incidents, answer.active_activity_ids.as_slice()),
                (1, ["g".to_owned()].as_slice())
            );
        }
    }
    // A name with a comma stays one name.
    let all = e.list_instances(&sys(), &InstanceQuery::default()).await.unwrap().items;
    assert!(all.iter().any(|i| i.current_activities == ["Check, then sign", "b"]), "{all:?}");
}
db_test!(a_start_answers_with_the_instance_as_stored, start_answers);

/// Starts by key use the latest version as the engine last read it, and notice a newer version
/// or another tenant's, deployed meanwhile by another server process.
async fn latest_version(db: &TestDb) {
    let e = &db.engine;
    // Another server process on the same database.
    let other = Engine::new(e.store().clone(), e.clock().clone());
    deploy(e, "expense", &expense()).await;
    let first = e.start_instance(&sys(), "expense", None, StartRequest::default()).await.unwrap();
    assert_eq!(first.version, 1);
    assert_eq!(e.start_instance(&sys(), "expense", None, StartRequest::default()).await.unwrap().version, 1);
    deploy(&other, "expense", &expense().replace("CFO approval", "CFO sign-off")).await;
    let second = e.start_instance(&sys(), "expense", None, StartRequest::default()).await.unwrap();
    assert_eq!((second.version, second.definition_key.as_str()), (2, "expense"));
    assert_ne!(second.definition_id, first.definition_id);
    // A newer version that cannot be started refuses the start, as a fresh read would.
    let msg = [
        r#"<startEvent id="s"/><intermediateCatchEvent id="wait"><messageEventDefinition/></intermediateCatchEvent><endEvent id="e"/>"#
            .to_string(),
        flow("a", "s", "wait"),
        flow("b", "wait", "e"),
    ]
    .concat();
    deploy(&other, "expense", &msg).await;
    let err = e.start_instance(&sys(), "expense", None, StartRequest::default()).await.unwrap_err();
    assert!(err.to_string().contains("version 3 cannot be started"), "{err}");
    deploy(&other, "expense", &expense()).await;
    assert_eq!(e.start_instance(&sys(), "expense", None, StartRequest::default()).await.unwrap().version, 4);
    // The same key in a second tenant makes a start without a tenant ambiguous.
    other.create_tenant(&sys(), Some("acme"), "Acme").await.unwrap();
    let report = other
        .deploy(
            &sys(),
            "acme",
            None,
            vec![(
                "x.bpmn".into(),
                format!(
                    "{}<process id=\"expense\" isExecutable=\"true\">{}</process></definitions>",
                    common::HEAD,
                    expense()
                )
                .into_bytes(),
            )],
            &Default::default(),
        )
        .await
        .unwrap();
    assert!(report.all_ok(), "{report:?}");
    let err = e.start_instance(&sys(), "expense", None, StartRequest::default()).await.unwrap_err();
    assert!(err.to_string().contains("several tenants"), "{err}");
    let req = StartRequest { tenant: Some("default".into()), ..Default::default() };
    assert_eq!(e.start_instance(&sys(), "expense", None, req.clone()).await.unwrap().version, 4);
    assert_eq!(e.start_instance(&sys(), "expense", None, req).await.unwrap().version, 4);
    let req = StartRequest { tenant: Some("acme".into()), ..Default::default() };
    let acme = e.start_instance(&sys(), "expense", None, req).await.unwrap();
    assert_eq!((acme.tenant_id.as_str(), acme.version), ("acme", 1));
}
db_test!(starts_by_key_follow_new_versions, latest_version);

async fn suspend_resume_terminate(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "expense", &expense()).await;
    let id = start(e, "expense", json!({"initiator": "zhangwei", "amount": 5})).await;
    let t = task_at(e, &id, "approve").await;

    let err = e.resume_instance(&sys(), &id, "", None).await.unwrap_err();
    assert!(err.to_string().contains("it is running"), "{err}");
    let s = e.suspend_instance(&sys(), &id, "audit", None).await.unwrap();
    assert_eq!(s.state, InstanceStatus::Suspended);
    let err = e.complete_task(&sys(), &t.id, Map::new()).await.unwrap_err();
    assert!(err.to_string().contains("Resume the instance first"), "{err}");
    let err = e.suspend_instance(&sys(), &id, "", None).await.unwrap_err();
    assert_eq!(err.status(), 409);
    // A stale revision is refused as "changed meanwhile".
    let err = e.resume_instance(&sys(), &id, "", Some(s.revision - 1)).await.unwrap_err();
    assert!(matches!(err, EngineError::ChangedMeanwhile { .. }), "{err}");
    let s = e.resume_instance(&sys(), &id, "done", Some(s.revision)).await.unwrap();
    assert_eq!(s.state, InstanceStatus::Running);
    let s = e.terminate_instance(&admin("carol"), &id, "duplicate", None).await.unwrap();
    assert_eq!(s.state, InstanceStatus::Terminated);
    assert!(s.end_time.is_some());
    let t = e.task(&sys(), &t.id).await.unwrap();
    assert_eq!((t.state, t.end_reason.as_deref()), (TaskState::Cancelled, Some("terminated")));
    assert_eq!(history(e, &id).await, ["start:completed", "approve:cancelled"]);
    let err = e.terminate_instance(&sys(), &id, "", None).await.unwrap_err();
    assert!(err.to_string().contains("terminated"), "{err}");
    let ops: Vec<String> = e
        .instance(&sys(), &id)
        .await
        .unwrap()
        .operations
        .iter()
        .map(|o| format!("{}:{}:{}", o.operation, o.actor, o.reason))
        .collect();
    assert_eq!(ops, ["start:system:", "suspend:system:audit", "resume:system:done", "terminate:carol:duplicate"]);
}
db_test!(suspend_resume_terminate_with_refusals, suspend_resume_terminate);

/// Whether `s` has Chinese in it.
fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

async fn refusals_in_both_languages(db: &TestDb) {
    use bpmn_core::text::Lang;
    let e = &db.engine;
    deploy(e, "expense", &expense()).await;
    let id = start(e, "expense", json!({"initiator": "zhangwei", "amount": 5})).await;
    let t = task_at(e, &id, "approve").await;
    e.complete_task(&sys(), &t.id, Map::new()).await.unwrap();

    // Completing a completed task: the task's name in both languages, the English as before.
    let err = e.complete_task(&sys(), &t.id, Map::new()).await.unwrap_err();
    let zh = err.text().render(Lang::Zh);
    assert_eq!(zh, "任务“Approve”已完成，请刷新列表。");
    assert_eq!(err.text().render(Lang::En), "Task 'Approve' is already completed; reload the list.");
    assert_eq!(err.to_string(), err.text().english());

    // Terminating an ended instance: the rule's sentence with the operation, the state and
    // the hint in the same language, the instance's id as it is.
    let err = e.terminate_instance(&sys(), &id, "", None).await.unwrap_err();
    assert_eq!(err.conflict_reason(), Some(ConflictReason::Ended));
    let zh = err.text().render(Lang::Zh);
    assert_eq!(zh, format!("无法终止（实例“{id}”）：实例已完成。该实例已经结束。"));
    assert!(has_chinese(&zh) && zh.contains(&id), "{zh}");
    assert_eq!(
        err.text().render(Lang::En),
        format!("Cannot terminate instance '{id}': it is completed. It has already ended.")
    );

    // A message nothing waits for, narrowed by a business key: the conditions in Chinese too.
    let m = engine::events::MessageCorrelation {
        name: "paid".into(),
        business_key: Some("BK-1".into()),
        ..Default::default()
    };
    let err = e.correlate_message(&sys(), m).await.unwrap_err();
    let zh = err.text().render(Lang::Zh);
    assert!(has_chinese(&zh) && zh.contains("业务标识为“BK-1”") && zh.contains("“paid”"), "{zh}");
    assert!(
        err.to_string().starts_with("Nothing waits for message 'paid' with business key 'BK-1': no instance waits"),
        "{err}"
    );
}
db_test!(refusals_are_told_in_chinese_and_in_english, refusals_in_both_languages);

/// Marks a finished task active again: what a completion racing with the end of its instance
/// read (the task still active, the instance ended by the time its command runs).
async fn read_before_the_end(e: &Engine, task: &str) {
    sqlx::query("UPDATE tasks SET state = 'active' WHERE id = $1").bind(task).execute(e.store().pool()).await.unwrap();
}

async fn ended_instance_refusals(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "expense", &expense()).await;
    // Terminated while the task was being completed.
    let id = start(e, "expense", json!({"initiator": "zhangwei", "amount": 5})).await;
    let t = task_at(e, &id, "approve").await;
    e.terminate_instance(&sys(), &id, "duplicate", None).await.unwrap();
    read_before_the_end(e, &t.id).await;
    let err = e.complete_task(&sys(), &t.id, Map::new()).await.unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.status(), 409);
    assert!(msg.contains("it is terminated") && msg.contains("ended instance"), "{msg}");
    assert!(!msg.to_lowercase().contains("resume"), "an ended instance cannot be resumed: {msg}");
    // Completed (by another completion of the same task) meanwhile.
    let id = start(e, "expense", json!({"initiator": "zhangwei", "amount": 5})).await;
    let t = task_at(e, &id, "approve").await;
    e.complete_task(&sys(), &t.id, Map::new()).await.unwrap();
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().state, InstanceStatus::Completed);
    read_before_the_end(e, &t.id).await;
    let msg = e.complete_task(&sys(), &t.id, Map::new()).await.unwrap_err().to_string();
    assert!(msg.contains("it is completed") && msg.contains("ended instance"), "{msg}");
    assert!(!msg.to_lowercase().contains("resume"), "{msg}");
    // A suspended one is still told to resume it.
    let id = start(e, "expense", json!({"initiator": "zhangwei", "amount": 5})).await;
    let t = task_at(e, &id, "approve").await;
    e.suspend_instance(&sys(), &id, "", None).await.unwrap();
    let msg = e.complete_task(&sys(), &t.id, Map::new()).await.unwrap_err().to_string();
    assert!(msg.contains("it is suspended") && msg.contains("Resume the instance first"), "{msg}");
}
db_test!(completing_a_task_of_an_ended_instance_is_not_told_to_resume_it, ended_instance_refusals);

async fn conflicting_operations(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "expense", &expense()).await;
    let id = start(e, "expense", json!({"initiator": "zhangwei", "amount": 5})).await;
    let rev = e.instance_summary(&sys(), &id).await.unwrap().revision;
    // Two administrators act on the same revision at once: one wins, one is told to reload.
    let who = sys();
    let (a, b) =
        tokio::join!(e.suspend_instance(&who, &id, "", Some(rev)), e.terminate_instance(&who, &id, "", Some(rev)));
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
    let err = a.err().or(b.err()).unwrap();
    assert!(matches!(err, EngineError::ChangedMeanwhile { .. }), "{err}");

    // Two people complete the same task at once: one success, one clear refusal.
    let id = start(e, "expense", json!({"initiator": "zhangwei", "amount": 5})).await;
    let t = task_at(e, &id, "approve").await;
    let (a, b) = tokio::join!(e.complete_task(&who, &t.id, Map::new()), e.complete_task(&who, &t.id, Map::new()));
    assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().state, InstanceStatus::Completed);
    assert_eq!(history(e, &id).await, ["start:completed", "approve:completed", "big:completed", "end:completed"]);
}
db_test!(conflicting_operations_one_wins, conflicting_operations);

/// Many commands at once, as a busy server sees them: on SQLite they are committed together
/// (group commit), and a refused one among them must neither undo nor block the others.
async fn many_commands_at_once(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "expense", &expense()).await;
    let mut starts = tokio::task::JoinSet::new();
    for n in 0..16 {
        let e = e.clone();
        starts.spawn(async move { start(&e, "expense", json!({"initiator": "zhangwei", "amount": n * 200})).await });
    }
    let ids: Vec<String> = starts.join_all().await;
    assert_eq!(ids.len(), 16);

    // Two pinned suspensions per instance, all at once: one of each pair wins.
    let mut ops = tokio::task::JoinSet::new();
    for id in &ids {
        let rev = e.instance_summary(&sys(), id).await.unwrap().revision;
        for _ in 0..2 {
            let (e, id) = (e.clone(), id.clone());
            ops.spawn(async move { e.suspend_instance(&sys(), &id, "busy", Some(rev)).await });
        }
    }
    let outcomes = ops.join_all().await;
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 16, "{outcomes:?}");
    for o in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        assert!(matches!(o, EngineError::ChangedMeanwhile { .. }), "{o}");
    }
    for id in &ids {
        let s = e.instance_summary(&sys(), id).await.unwrap();
        assert_eq!((s.state, s.revision), (InstanceStatus::Suspended, 2), "{id}");
        e.resume_instance(&sys(), id, "", None).await.unwrap();
    }

    // Every instance's task completed at once, each task twice: one completion each counts.
    let mut done = tokio::task::JoinSet::new();
    for id in &ids {
        let t = task_at(e, id, "approve").await;
        for _ in 0..2 {
            let (e, t) = (e.clone(), t.id.clone());
            done.spawn(async move { e.complete_task(&sys(), &t, Map::new()).await });
        }
    }
    let outcomes = done.join_all().await;
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 16, "{outcomes:?}");
    for (n, id) in ids.iter().enumerate() {
        let h = history(e, id).await;
        let big = ["start:completed", "approve:completed", "big:completed", "cfo:-"];
        let small = ["start:completed", "approve:completed", "big:completed", "end:completed"];
        // The amounts were given in start order, which the join set does not keep: read it.
        let amount = e.instance(&sys(), id).await.unwrap().variables["amount"].as_i64().unwrap();
        assert_eq!(h, if amount > 1000 { big.to_vec() } else { small.to_vec() }, "instance {n}");
    }
}
db_test!(many_commands_at_once_commit_together, many_commands_at_once);

fn parallel() -> String {
    [
        r#"<startEvent id="s"/><userTask id="a" name="A" camunda:assignee="zhangwei"/>"#.to_string(),
        r#"<parallelGateway id="fork"/><userTask id="b" name="B"/><userTask id="c" name="C"/>"#.into(),
        r#"<parallelGateway id="join"/><userTask id="d" name="D"/><endEvent id="e"/>"#.into(),
        flow("f1", "s", "a"),
        flow("f2", "a", "fork"),
        flow("f3", "fork", "b"),
        flow("f4", "fork", "c"),
        flow("f5", "b", "join"),
        flow("f6", "c", "join"),
        flow("f7", "join", "d"),
        flow("f8", "d", "e"),
    ]
    .concat()
}

async fn withdraw_after_parallel_split(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "par", &parallel()).await;
    let id = start(e, "par", json!({})).await;
    let a = task_at(e, &id, "a").await;
    let err = e.withdraw_task(&sys(), &a.id, "").await.unwrap_err();
    assert!(err.to_string().contains("still to do"), "{err}");
    e.complete_task(&sys(), &a.id, Map::new()).await.unwrap();
    let again = e.withdraw_task(&admin("dora"), &a.id, "wrong amount").await.unwrap();
    assert_eq!(again.activity_id, "a");
    assert_eq!(again.assignee.as_deref(), Some("zhangwei"));
    assert_eq!(again.state, TaskState::Active);
    assert_eq!(
        history(e, &id).await,
        ["s:completed", "a:completed", "fork:completed", "b:withdrawn", "c:withdrawn", "a:-"]
    );
    let d = e.instance(&sys(), &id).await.unwrap();
    let ended: Vec<(String, Option<String>)> =
        d.tasks.iter().map(|t| (t.activity_id.clone(), t.end_reason.clone())).collect();
    assert_eq!(
        ended,
        [
            ("a".to_string(), Some("completed".to_string())),
            ("b".to_string(), Some("withdrawn".to_string())),
            ("c".to_string(), Some("withdrawn".to_string())),
            ("a".to_string(), None)
        ]
    );
    assert_eq!(d.operations.last().map(|o| o.operation.as_str()), Some("withdraw"));

    // Once one of the next tasks is completed, withdrawing is refused with who handled it.
    e.complete_task(&sys(), &again.id, Map::new()).await.unwrap();
    let b = task_at(e, &id, "b").await;
    e.complete_task(&admin("erin"), &b.id, Map::new()).await.unwrap();
    let err = e.withdraw_task(&sys(), &again.id, "").await.unwrap_err();
    assert!(err.to_string().contains("already been handled by erin"), "{err}");
    // The join still waits for C; completing it reaches D.
    let c = task_at(e, &id, "c").await;
    e.complete_task(&sys(), &c.id, Map::new()).await.unwrap();
    assert_eq!(active_tasks(e, &id).await.iter().map(|t| t.activity_id.as_str()).collect::<Vec<_>>(), ["d"]);
}
db_test!(withdraw_after_a_parallel_split, withdraw_after_parallel_split);

/// Each command answers with the tasks it opened, so that a client can follow an instance to
/// its end without listing tasks: through a parallel split and its join.
async fn answers_follow_a_parallel_split(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "par", &parallel()).await;
    let started = e.start_instance_with_tasks(&sys(), "par", None, StartRequest::default()).await.unwrap();
    let id = started.instance.id;
    let activity = |t: &Task| t.activity_id.clone();
    let by_id = |ids: &[String], tasks: &[Task]| -> Vec<String> {
        let mut found: Vec<String> = tasks.iter().filter(|t| ids.contains(&t.id)).map(activity).collect();
        found.sort();
        found
    };
    let open = active_tasks(e, &id).await;
    assert_eq!(by_id(&started.created_tasks, &open), ["a"]);
    let opened = e.complete_task(&sys(), &started.created_tasks[0], Map::new()).await.unwrap();
    let open = active_tasks(e, &id).await;
    assert_eq!((opened.len(), by_id(&opened, &open)), (2, vec!["b".to_owned(), "c".to_owned()]));
    // B reaches the join, which waits for C: nothing opens.
    let b = task_at(e, &id, "b").await;
    assert_eq!(e.complete_task(&sys(), &b.id, Map::new()).await.unwrap(), Vec::<String>::new());
    let c = task_at(e, &id, "c").await;
    let opened = e.complete_task(&sys(), &c.id, Map::new()).await.unwrap();
    assert_eq!(opened, [task_at(e, &id, "d").await.id]);
    assert!(e.complete_task(&sys(), &opened[0], Map::new()).await.unwrap().is_empty());
    assert_eq!(e.instance_summary(&sys(), &id).await.unwrap().state, InstanceStatus::Completed);
}
db_test!(commands_answer_the_tasks_they_open, answers_follow_a_parallel_split);

/// A task the same command opens and cancels (a terminate end event in the sub-process's
/// other branch) is not answered as opened: only the task after the sub-process is.
async fn answers_leave_out_tasks_cancelled_at_once(db: &TestDb) {
    let e = &db.engine;
    let model = [
        r#"<startEvent id="s"/><subProcess id="sub"><startEvent id="ss"/><parallelGateway id="fork"/>"#.to_string(),
        r#"<userTask id="a" name="A"/><endEvent id="kill"><terminateEventDefinition/></endEvent>"#.into(),
        flow("s1", "ss", "fork"),
        flow("s2", "fork", "a"),
        flow("s3", "fork", "kill"),
        r#"</subProcess><userTask id="after" name="After"/><endEvent id="e"/>"#.into(),
        flow("f1", "s", "sub"),
        flow("f2", "sub", "after"),
        flow("f3", "after", "e"),
    ]
    .concat();
    deploy(e, "killed", &model).await;
    let started = e.start_instance_with_tasks(&sys(), "killed", None, StartRequest::default()).await.unwrap();
    let tasks = e.instance(&sys(), &started.instance.id).await.unwrap().tasks;
    let states: Vec<(&str, TaskState)> = tasks.iter().map(|t| (t.activity_id.as_str(), t.state)).collect();
    assert_eq!(states, [("a", TaskState::Cancelled), ("after", TaskState::Active)]);
    let after = tasks.iter().find(|t| t.activity_id == "after").unwrap();
    assert_eq!(started.created_tasks, std::slice::from_ref(&after.id));
}
db_test!(answers_leave_out_tasks_cancelled_at_once, answers_leave_out_tasks_cancelled_at_once);

async fn multi_instance_and_withdraw(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="s"/><userTask id="a" name="Prepare" camunda:assignee="zhangwei"/>"#.to_string(),
        r#"<userTask id="sign" name="Countersign" camunda:assignee="${signer}">
             <multiInstanceLoopCharacteristics camunda:collection="${signers}" camunda:elementVariable="signer">
               <completionCondition>${nrOfCompletedInstances/nrOfInstances >= 0.5}</completionCondition>
             </multiInstanceLoopCharacteristics></userTask>"#
            .into(),
        r#"<userTask id="z" name="Archive"/><endEvent id="e"/>"#.into(),
        flow("f1", "s", "a"),
        flow("f2", "a", "sign"),
        flow("f3", "sign", "z"),
        flow("f4", "z", "e"),
    ]
    .concat();
    deploy(e, "mi", &body).await;
    let id = start(e, "mi", json!({"signers": ["lina", "chenjing", "wangfang", "liuyang"]})).await;
    let a = task_at(e, &id, "a").await;
    e.complete_task(&sys(), &a.id, Map::new()).await.unwrap();
    let signs = active_tasks(e, &id).await;
    let who: Vec<&str> = signs.iter().filter_map(|t| t.assignee.as_deref()).collect();
    assert_eq!(who, ["lina", "chenjing", "wangfang", "liuyang"]);

    // Withdrawing the task before a multi-instance step cancels every instance of it.
    let a2 = e.withdraw_task(&sys(), &a.id, "").await.unwrap();
    assert!(active_tasks(e, &id).await.iter().all(|t| t.activity_id == "a"));
    e.complete_task(&sys(), &a2.id, Map::new()).await.unwrap();
    let signs = active_tasks(e, &id).await;
    assert_eq!(signs.len(), 4);
    // Half of them complete: the completion condition ends the others.
    e.complete_task(&sys(), &signs[0].id, Map::new()).await.unwrap();
    assert_eq!(active_tasks(e, &id).await.len(), 3);
    e.complete_task(&sys(), &signs[1].id, Map::new()).await.unwrap();
    let left = active_tasks(e, &id).await;
    assert_eq!(left.iter().map(|t| t.activity_id.as_str()).collect::<Vec<_>>(), ["z"]);
    let cancelled = e.task(&sys(), &signs[3].id).await.unwrap();
    assert_eq!(cancelled.state, TaskState::Cancelled);
}
db_test!(multi_instance_countersign, multi_instance_and_withdraw);

async fn withdraw_refused_after_service_task(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="s"/><userTask id="a" name="A"/><serviceTask id="call" name="Call" camunda:type="http"/>"#
            .to_string(),
        r#"<endEvent id="e"/>"#.into(),
        flow("f1", "s", "a"),
        flow("f2", "a", "call"),
        flow("f3", "call", "e"),
    ]
    .concat();
    deploy(e, "svc", &body).await;
    let id = start(e, "svc", json!({})).await;
    let a = task_at(e, &id, "a").await;
    e.complete_task(&sys(), &a.id, Map::new()).await.unwrap();
    let err = e.withdraw_task(&sys(), &a.id, "").await.unwrap_err();
    assert!(err.to_string().contains("went on through other steps"), "{err}");
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.jobs.len(), 1);
    assert_eq!((d.jobs[0].kind.as_str(), d.jobs[0].state.as_str()), ("service", "pending"));
    // Terminating removes the job.
    e.terminate_instance(&sys(), &id, "", None).await.unwrap();
    assert!(e.instance(&sys(), &id).await.unwrap().jobs.is_empty());
}
db_test!(withdraw_is_refused_after_a_service_task, withdraw_refused_after_service_task);

async fn reassign_and_delete(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    let unit = e.create_org_unit(&sys(), "default", None, "Finance").await.unwrap();
    e.create_person(&sys(), &unit.id, Some("lina"), "李娜", &["finance"]).await.unwrap();
    deploy(e, "expense", &expense()).await;
    let id = start(e, "expense", json!({"initiator": "zhangwei", "amount": 5})).await;
    let t = task_at(e, &id, "approve").await;
    let err = e.reassign_task(&sys(), &t.id, "nobody", "").await.unwrap_err();
    assert_eq!(err.status(), 422, "{err}");
    let t2 = e.reassign_task(&admin("frank"), &t.id, "lina", "on leave").await.unwrap();
    assert_eq!(t2.assignee.as_deref(), Some("lina"));
    assert_eq!(t2.assignee_name.as_deref(), Some("李娜"));
    let err = e.reassign_task(&sys(), &t.id, "lina", "").await.unwrap_err();
    assert!(err.to_string().contains("already assigned"), "{err}");
    let op = e.instance(&sys(), &id).await.unwrap().operations.pop().unwrap();
    assert_eq!((op.operation.as_str(), op.actor.as_str(), op.reason.as_str()), ("reassign", "frank", "on leave"));
    assert!(op.detail.contains("zhangwei") && op.detail.contains("李娜"), "{}", op.detail);
    // Search finds the task by its new assignee.
    let q = TaskQuery { search: Some("LINA".into()), ..Default::default() };
    assert_eq!(e.list_tasks(&sys(), &q).await.unwrap().items.len(), 1);

    let err = e.delete_task(&sys(), &t.id).await.unwrap_err();
    assert!(err.to_string().contains("Use Adjust"), "{err}");
    e.complete_task(&sys(), &t.id, Map::new()).await.unwrap();
    e.delete_task(&sys(), &t.id).await.unwrap();
    let err = e.task(&sys(), &t.id).await.unwrap_err();
    assert!(matches!(err, EngineError::NotFound { .. }));
}
db_test!(reassign_and_delete_tasks, reassign_and_delete);

/// Initiators and the actors of the history, operations log and variable history are named
/// from the organisation of the instance's tenant, in one read per page; a login that is no
/// person there (a console account, a person of another tenant) keeps no name.
async fn people_named(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    e.create_tenant(&sys(), Some("east"), "East").await.unwrap();
    let unit = e.create_org_unit(&sys(), "default", None, "Finance").await.unwrap();
    e.create_person(&sys(), &unit.id, Some("lina"), "李娜", &["finance"]).await.unwrap();
    let far = e.create_org_unit(&sys(), "east", None, "East finance").await.unwrap();
    e.create_person(&sys(), &far.id, Some("ewa"), "Ewa", &["finance"]).await.unwrap();
    deploy(e, "expense", &expense()).await;
    let mut ids = Vec::new();
    for (who, initiator) in [("lina", "lina"), ("frank", "ewa"), ("admin", "admin")] {
        let req = StartRequest {
            business_key: Some(format!("BK-{initiator}")),
            initiator: Some(initiator.into()),
            variables: vars(json!({"initiator": initiator, "amount": 5})),
            ..Default::default()
        };
        ids.push(e.start_instance(&admin(who), "expense", None, req).await.unwrap().id);
    }
    let page = e.list_instances(&sys(), &InstanceQuery { limit: 20, ..Default::default() }).await.unwrap();
    let mut named: Vec<(String, Option<String>)> =
        page.items.iter().map(|i| (i.initiator.clone().unwrap_or_default(), i.initiator_name.clone())).collect();
    named.sort();
    assert_eq!(
        named,
        vec![("admin".to_string(), None), ("ewa".to_string(), None), ("lina".to_string(), Some("李娜".to_string()))],
        "a person of another tenant is not named"
    );

    // The first instance: lina started it, sets a variable, completes her task; frank
    // (a console account) reassigns nothing but sets a variable too.
    let id = &ids[0];
    e.set_variable(&admin("lina"), id, "note", Some(json!("x")), None).await.unwrap();
    e.set_variable(&admin("frank"), id, "note", Some(json!("y")), None).await.unwrap();
    let task = task_at(e, id, "approve").await;
    e.complete_task(&admin("lina"), &task.id, Map::new()).await.unwrap();
    let d = e.instance(&sys(), id).await.unwrap();
    assert_eq!(d.summary.initiator_name.as_deref(), Some("李娜"));
    let ops: Vec<(&str, Option<&str>)> =
        d.operations.iter().map(|o| (o.actor.as_str(), o.actor_name.as_deref())).collect();
    assert!(ops.contains(&("lina", Some("李娜"))) && ops.contains(&("frank", None)), "{ops:?}");
    let changes: Vec<(&str, Option<&str>)> =
        d.variable_history.iter().map(|c| (c.actor.as_str(), c.actor_name.as_deref())).collect();
    assert!(changes.contains(&("lina", Some("李娜"))) && changes.contains(&("frank", None)), "{changes:?}");
    let approve = d.history.iter().find(|h| h.activity_id == "approve").unwrap();
    assert_eq!((approve.actor.as_deref(), approve.actor_name.as_deref()), (Some("lina"), Some("李娜")));
}
db_test!(people_are_named_by_the_organisation_of_their_tenant, people_named);

async fn adjust(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "par", &parallel()).await;
    let id = start(e, "par", json!({})).await;
    let a = task_at(e, &id, "a").await;
    // Sequential: back and forth without warnings.
    let warnings = e.check_move(&sys(), &id, &["a".into()], "d").await.unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    e.complete_task(&sys(), &a.id, Map::new()).await.unwrap();
    // Moving one branch past the join would leave the join waiting: the dialog is told.
    let warnings = e.check_move(&sys(), &id, &["b".into()], "d").await.unwrap();
    assert!(warnings.iter().any(|w| w.node_id == "join"), "{warnings:?}");
    // Moving both branches is fine.
    let warnings = e.check_move(&sys(), &id, &["b".into(), "c".into()], "d").await.unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let err = e.check_move(&sys(), &id, &["zzz".into()], "d").await.unwrap_err();
    assert_eq!(err.status(), 422);
    let err = e.check_move(&sys(), &id, &["b".into()], "e").await.unwrap_err();
    assert_eq!(err.status(), 422, "{err}");
    let s = e.move_instance(&admin("gina"), &id, &["b".into(), "c".into()], "d", "skip", None).await.unwrap();
    assert_eq!(s.active_activity_ids, ["d"]);
    assert_eq!(history(e, &id).await, ["s:completed", "a:completed", "fork:completed", "b:moved", "c:moved", "d:-"]);
    let d = e.instance(&sys(), &id).await.unwrap();
    let reasons: Vec<Option<&str>> = d.tasks.iter().map(|t| t.end_reason.as_deref()).collect();
    assert_eq!(reasons, [Some("completed"), Some("moved"), Some("moved"), None]);
    let op = d.operations.last().unwrap();
    assert_eq!((op.operation.as_str(), op.actor.as_str()), ("move", "gina"));
}
db_test!(adjust_moves_tokens_and_warns_about_joins, adjust);

async fn incident_and_retry(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="s"/><exclusiveGateway id="g"/><userTask id="yes"/><endEvent id="e"/>"#.to_string(),
        flow("f1", "s", "g"),
        cond("f2", "g", "yes", "${ok}"),
        flow("f3", "yes", "e"),
    ]
    .concat();
    deploy(e, "inc", &body).await;
    let id = start(e, "inc", json!({"ok": false})).await;
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.summary.open_incidents, 1);
    assert_eq!(d.incidents[0].activity_id, "g");
    assert!(d.incidents[0].message.contains("no outgoing flow"), "{}", d.incidents[0].message);
    assert_eq!(d.summary.state, InstanceStatus::Running);
    // Fix the variable, retry: the token goes on and the incident is resolved.
    let rev = d.summary.revision;
    let err = e.set_variable(&sys(), &id, "ok", Some(json!(true)), Some(rev + 7)).await.unwrap_err();
    assert!(matches!(err, EngineError::ChangedMeanwhile { .. }));
    e.set_variable(&sys(), &id, "ok", Some(json!(true)), Some(rev)).await.unwrap();
    let s = e.retry_incident(&sys(), &id, &d.incidents[0].id).await.unwrap();
    assert_eq!(s.open_incidents, 0);
    assert_eq!(s.active_activity_ids, ["yes"]);
    let d = e.instance(&sys(), &id).await.unwrap();
    assert!(d.incidents[0].resolved.is_some());
    let changes: Vec<String> = d
        .variable_history
        .iter()
        .map(|v| format!("{}={}@{}", v.name, v.value.clone().unwrap_or_default(), v.actor))
        .collect();
    assert_eq!(changes, ["initiator=\"system\"@system", "ok=false@system", "ok=true@system"]);
}
db_test!(incident_on_a_gateway_and_retry, incident_and_retry);

async fn call_activity(db: &TestDb) {
    let e = &db.engine;
    deploy(
        e,
        "child",
        &[
            r#"<startEvent id="cs"/><userTask id="ct" name="Child task"/><endEvent id="ce"/>"#.to_string(),
            flow("c1", "cs", "ct"),
            flow("c2", "ct", "ce"),
        ]
        .concat(),
    )
    .await;
    deploy(
        e,
        "parent",
        &[
            r#"<startEvent id="s"/><callActivity id="call" calledElement="child"/><userTask id="after"/><endEvent id="e"/>"#
                .to_string(),
            flow("f1", "s", "call"),
            flow("f2", "call", "after"),
            flow("f3", "after", "e"),
        ]
        .concat(),
    )
    .await;
    let id = start(e, "parent", json!({"x": 1})).await;
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.children.len(), 1);
    let child = d.children[0].id.clone();
    assert_eq!(d.summary.active_activity_ids, ["call"]);
    let ct = task_at(e, &child, "ct").await;
    let opened = e.complete_task(&sys(), &ct.id, vars(json!({"y": 2}))).await.unwrap();
    assert_eq!(e.instance_summary(&sys(), &child).await.unwrap().state, InstanceStatus::Completed);
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.summary.active_activity_ids, ["after"]);
    // The answer names the task the child's end opened in the parent.
    assert_eq!(opened, [task_at(e, &id, "after").await.id]);
    assert_eq!(d.variables.get("y"), Some(&json!(2)));

    // Terminating a parent terminates the child it waits for.
    let id = start(e, "parent", json!({})).await;
    let child = e.instance(&sys(), &id).await.unwrap().children[0].id.clone();
    e.terminate_instance(&sys(), &id, "", None).await.unwrap();
    assert_eq!(e.instance_summary(&sys(), &child).await.unwrap().state, InstanceStatus::Terminated);
}
db_test!(call_activity_waits_for_its_child, call_activity);

async fn lists(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "expense", &expense()).await;
    let token0 = e.runtime_change_token().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..7 {
        db.engine.clock().advance(1_000);
        ids.push(start(e, "expense", json!({"initiator": format!("user{i}"), "amount": 5})).await);
    }
    let token1 = e.runtime_change_token().await.unwrap();
    assert!(token1 > token0);
    assert_eq!(e.runtime_change_token().await.unwrap(), token1, "reading does not move the token");
    // Complete two of them, terminate one.
    for id in &ids[..2] {
        let t = task_at(e, id, "approve").await;
        e.complete_task(&sys(), &t.id, Map::new()).await.unwrap();
    }
    e.terminate_instance(&sys(), &ids[2], "", None).await.unwrap();
    assert!(e.runtime_change_token().await.unwrap() > token1);

    let list = |category, limit| InstanceQuery { category, limit, ..Default::default() };
    let all = e.list_instances(&sys(), &list(InstanceCategory::All, 0)).await.unwrap();
    assert_eq!(all.items.len(), 7);
    assert_eq!(all.items[0].id, ids[6], "newest first");
    let done = e.list_instances(&sys(), &list(InstanceCategory::Completed, 0)).await.unwrap();
    assert_eq!(done.items.len(), 3);
    let open = e.list_instances(&sys(), &list(InstanceCategory::Unfinished, 0)).await.unwrap();
    assert_eq!(open.items.len(), 4);
    // 已挂起 and 有异常, and the overview's counts agree with them.
    e.suspend_instance(&sys(), &ids[3], "", None).await.unwrap();
    let suspended = e.list_instances(&sys(), &list(InstanceCategory::Suspended, 0)).await.unwrap();
    assert_eq!(suspended.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), [ids[3].as_str()]);
    assert!(e.list_instances(&sys(), &list(InstanceCategory::Incidents, 0)).await.unwrap().items.is_empty());
    let o = e.overview(&sys(), None).await.unwrap();
    assert_eq!((o.running, o.suspended, o.open_incidents, o.failed_jobs), (3, 1, 0, 0));
    let o = e.overview(&sys(), Some("no-such-tenant")).await.unwrap();
    assert_eq!((o.running, o.suspended), (0, 0), "counts follow the chosen tenant");
    e.resume_instance(&sys(), &ids[3], "", None).await.unwrap();
    assert_eq!(e.overview(&sys(), None).await.unwrap().overdue_tasks, 0);
    // Paging by cursor walks every row once.
    let mut seen = Vec::new();
    let mut q = list(InstanceCategory::All, 3);
    loop {
        let page = e.list_instances(&sys(), &q).await.unwrap();
        seen.extend(page.items.iter().map(|i| i.id.clone()));
        match page.next {
            Some(n) => q.cursor = Some(n),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);
    // The deployment list counts the instances that have not ended.
    let q = engine::deploy::DefinitionQuery { key: Some("expense".into()), ..Default::default() };
    assert_eq!(e.list_definitions(&sys(), &q).await.unwrap().items[0].running_instances, 4);
    let q = InstanceQuery { initiator: Some("USER3".into()), ..Default::default() };
    assert_eq!(e.list_instances(&sys(), &q).await.unwrap().items.len(), 1);
    let q = InstanceQuery { definition_name: Some("expense proc".into()), ..Default::default() };
    assert_eq!(e.list_instances(&sys(), &q).await.unwrap().items.len(), 7);
    let q = InstanceQuery { started_after: Some(1_700_000_004_000), ..Default::default() };
    assert_eq!(e.list_instances(&sys(), &q).await.unwrap().items.len(), 4);

    // Tasks: 4 to do, 2 completed; after three days the to-do ones are overdue.
    let tasks = |category| TaskQuery { category, ..Default::default() };
    assert_eq!(e.list_tasks(&sys(), &tasks(TaskCategory::Todo)).await.unwrap().items.len(), 4);
    assert_eq!(e.list_tasks(&sys(), &tasks(TaskCategory::Completed)).await.unwrap().items.len(), 2);
    assert_eq!(e.list_tasks(&sys(), &tasks(TaskCategory::All)).await.unwrap().items.len(), 7);
    assert_eq!(e.list_tasks(&sys(), &tasks(TaskCategory::Overdue)).await.unwrap().items.len(), 0);
    db.engine.clock().advance(3 * 86_400_000);
    let overdue = e.list_tasks(&sys(), &tasks(TaskCategory::Overdue)).await.unwrap();
    assert_eq!(overdue.items.len(), 4);
    assert_eq!(e.overview(&sys(), None).await.unwrap().overdue_tasks, 4, "the overview counts them too");
    assert!(overdue.items.iter().all(|t| t.overdue));
    let q = TaskQuery { category: TaskCategory::Overdue, limit: 3, ..Default::default() };
    let first = e.list_tasks(&sys(), &q).await.unwrap();
    let q = TaskQuery { cursor: first.next.clone(), ..q };
    let second = e.list_tasks(&sys(), &q).await.unwrap();
    assert_eq!((first.items.len(), second.items.len(), second.next.is_none()), (3, 1, true));
    let q = TaskQuery { assignee: Some("user5".into()), category: TaskCategory::All, ..Default::default() };
    assert_eq!(e.list_tasks(&sys(), &q).await.unwrap().items.len(), 1);
    let q = TaskQuery { cursor: Some("zz".into()), ..Default::default() };
    assert_eq!(e.list_tasks(&sys(), &q).await.unwrap_err().status(), 422);
}
db_test!(instance_and_task_lists, lists);

async fn timers_become_jobs(db: &TestDb) {
    let e = &db.engine;
    let body = [
        r#"<startEvent id="s"/><intermediateCatchEvent id="wait"><timerEventDefinition><timeDuration>PT10M</timeDuration></timerEventDefinition></intermediateCatchEvent>"#.to_string(),
        r#"<userTask id="t"/><boundaryEvent id="late" attachedToRef="t"><timerEventDefinition><timeDuration>${limit}</timeDuration></timerEventDefinition></boundaryEvent><endEvent id="e"/><endEvent id="e2"/>"#.into(),
        flow("f1", "s", "wait"),
        flow("f2", "wait", "t"),
        flow("f3", "t", "e"),
        flow("f4", "late", "e2"),
    ]
    .concat();
    deploy(e, "timer", &body).await;
    let id = start(e, "timer", json!({"limit": "nonsense"})).await;
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.jobs.len(), 1);
    assert_eq!(d.jobs[0].kind, "timer");
    assert_eq!(d.jobs[0].due, 1_700_000_000_000 + 600_000);
    e.suspend_instance(&sys(), &id, "", None).await.unwrap();
    let suspended: i64 = sqlx::query_scalar("SELECT suspended FROM jobs WHERE instance_id = $1")
        .bind(&id)
        .fetch_one(e.store().pool())
        .await
        .unwrap();
    assert_eq!(suspended, 1);
    e.resume_instance(&sys(), &id, "", None).await.unwrap();
    // Move past the timer: the boundary timer's definition is bad, so its job is in error
    // with an incident that says why.
    e.move_instance(&sys(), &id, &["wait".into()], "t", "", None).await.unwrap();
    let d = e.instance(&sys(), &id).await.unwrap();
    assert_eq!(d.jobs.len(), 1, "{:?}", d.jobs);
    assert_eq!(d.jobs[0].state, "error");
    assert_eq!(d.summary.open_incidents, 1);
    assert!(d.incidents[0].message.contains("nonsense"), "{}", d.incidents[0].message);
}
db_test!(timers_are_scheduled_as_jobs, timers_become_jobs);

async fn demo_instances(db: &TestDb) {
    let e = &db.engine;
    let summary = e.load_demo("demo-password").await.unwrap();
    assert_eq!(summary.instances, 13);
    let all = e.list_instances(&sys(), &InstanceQuery { limit: 100, ..Default::default() }).await.unwrap().items;
    for state in
        [InstanceStatus::Running, InstanceStatus::Suspended, InstanceStatus::Terminated, InstanceStatus::Completed]
    {
        assert!(all.iter().any(|i| i.state == state), "no demo instance is {state:?}");
    }
    for category in [TaskCategory::Todo, TaskCategory::Overdue, TaskCategory::Completed] {
        let q = TaskQuery { category, ..Default::default() };
        assert!(!e.list_tasks(&sys(), &q).await.unwrap().items.is_empty(), "no demo task is {category:?}");
    }
    let mut ops = Vec::new();
    for i in &all {
        ops.extend(e.instance(&sys(), &i.id).await.unwrap().operations.into_iter().map(|o| o.operation));
    }
    for op in ["reassign", "withdraw", "suspend", "terminate"] {
        assert!(ops.iter().any(|o| o == op), "no demo {op}");
    }
}
db_test!(demo_instances_cover_every_state_and_category, demo_instances);

/// A start that opens thousands of tasks at once (a parallel gateway's branches): every task
/// and its history row are stored exactly once, beyond what one statement may carry (SQLite
/// takes 32,766 values per statement, PostgreSQL 65,535), and terminating the instance ends
/// them all.
async fn thousands_of_parallel_tasks(db: &TestDb) {
    let e = &db.engine;
    for n in [1_666, 2_500] {
        let key = format!("fan{n}");
        let mut body = String::from(
            r#"<startEvent id="s"/><parallelGateway id="split"/><parallelGateway id="join"/><endEvent id="e"/>"#,
        );
        body.push_str(&flow("in", "s", "split"));
        body.push_str(&flow("out", "join", "e"));
        for i in 0..n {
            body.push_str(&format!(r#"<userTask id="t{i}" name="Review {i}"/>"#));
            body.push_str(&flow(&format!("a{i}"), "split", &format!("t{i}")));
            body.push_str(&flow(&format!("b{i}"), &format!("t{i}"), "join"));
        }
        deploy(e, &key, &body).await;
        let started = e.start_instance_with_tasks(&sys(), &key, None, StartRequest::default()).await.unwrap();
        let id = started.instance.id;
        let mut opened = started.created_tasks.clone();
        opened.sort();
        opened.dedup();
        assert_eq!(opened.len(), n, "every task answered once");
        let count = |sql: &'static str| {
            let id = id.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(e.store().pool()).await.unwrap() }
        };
        assert_eq!(count("SELECT count(*) FROM tasks WHERE instance_id = $1 AND state = 'active'").await, n as i64);
        assert_eq!(count("SELECT count(DISTINCT activity_id) FROM tasks WHERE instance_id = $1").await, n as i64);
        let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM tasks WHERE instance_id = $1 ORDER BY id")
            .bind(&id)
            .fetch_all(e.store().pool())
            .await
            .unwrap();
        assert_eq!(stored, opened, "the stored tasks are the ones answered");
        // The start event and the gateway, then one open row per task, naming its task.
        let mut h = history(e, &id).await;
        h.sort();
        let mut expected: Vec<String> = (0..n).map(|i| format!("t{i}:-")).collect();
        expected.extend(["s:completed".to_string(), "split:completed".to_string()]);
        expected.sort();
        assert!(h == expected, "{} history rows where {} were expected", h.len(), expected.len());
        assert_eq!(
            count("SELECT count(DISTINCT task_id) FROM activity_history WHERE instance_id = $1 AND end_time IS NULL")
                .await,
            n as i64
        );
        // One task completes as usual; terminating ends the others and their history rows.
        e.complete_task(&sys(), &opened[0], Map::new()).await.unwrap();
        e.terminate_instance(&sys(), &id, "too many", None).await.unwrap();
        assert_eq!(count("SELECT count(*) FROM tasks WHERE instance_id = $1 AND state = 'active'").await, 0);
        assert_eq!(
            count("SELECT count(*) FROM tasks WHERE instance_id = $1 AND state = 'cancelled'").await,
            n as i64 - 1
        );
        assert_eq!(count("SELECT count(*) FROM activity_history WHERE instance_id = $1 AND end_time IS NULL").await, 0);
    }
}
db_test!(fan_outs_of_thousands_of_tasks_store_each_once, thousands_of_parallel_tasks);
