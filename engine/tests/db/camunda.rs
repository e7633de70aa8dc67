//! The Camunda-shaped queries and task commands the `/engine-rest` API is built on, on SQLite
//! and PostgreSQL: the task filter with its orders, windows and counts; claim, unclaim, set
//! assignee, delegate and resolve; history of instances, tasks and activities; the tenant
//! scope of every query.

use crate::common::{deploy, flow, sys};
use engine::db_test;
use engine::error::ConflictReason;
use engine::history::{ActivityFilter, HistoricInstanceFilter, HistoricInstanceSort, Sorting, Window};
use engine::instances::{Assignment, InstanceStatus, StartRequest, TaskFilter, TaskRecord, TaskSort, TaskState};
use engine::testing::{tenant_manager as manager, TestDb};
use engine::{Engine, EngineError};
use serde_json::{json, Map};

/// Review (candidates ann, bob and group sales), then sign (cy).
fn review_process() -> String {
    [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<userTask id="review" name="Review" camunda:candidateUsers="ann,bob" camunda:candidateGroups="sales" camunda:priority="70"/>"#.into(),
        r#"<userTask id="sign" name="Sign" camunda:assignee="cy"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "review"),
        flow("f2", "review", "sign"),
        flow("f3", "sign", "end"),
    ]
    .concat()
}

async fn start(e: &Engine, key: &str, business_key: &str) -> String {
    let mut variables = Map::new();
    variables.insert("amount".into(), json!(100));
    let req = StartRequest { business_key: Some(business_key.into()), variables, ..Default::default() };
    e.start_instance(&sys(), key, None, req).await.unwrap().id
}

async fn find(e: &Engine, f: TaskFilter) -> Vec<TaskRecord> {
    e.find_tasks(&sys(), &f, Window::default()).await.unwrap()
}

fn active() -> TaskFilter {
    TaskFilter { finished: Some(false), ..TaskFilter::default() }
}

async fn task_filters(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "approval", &review_process()).await;
    let a = start(e, "approval", "A-1").await;
    e.clock().advance(1_000);
    let b = start(e, "approval", "B-2").await;
    let ann = TaskFilter { candidate_user: Some("ann".into()), ..active() };
    let found = find(e, ann.clone()).await;
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].task.instance_id, a, "oldest first by default");
    assert_eq!((found[0].definition_key.as_str(), found[0].task.priority), ("approval", 70));
    assert_eq!(found[0].business_key.as_deref(), Some("A-1"));
    // Whole members only: "an" is not a candidate.
    assert!(find(e, TaskFilter { candidate_user: Some("an".into()), ..active() }).await.is_empty());
    // A person of the organisation is a candidate of the tasks of its groups (Camunda's
    // candidateUser); a person of other groups is not.
    let unit = e.create_org_unit(&sys(), "default", None, "Sales").await.unwrap();
    e.create_person(&sys(), &unit.id, Some("dee"), "Dee", &["sales"]).await.unwrap();
    e.create_person(&sys(), &unit.id, Some("eve"), "Eve", &["hr"]).await.unwrap();
    let dee = TaskFilter { candidate_user: Some("dee".into()), ..active() };
    assert_eq!(e.count_tasks(&sys(), &dee).await.unwrap(), 2);
    assert_eq!(find(e, dee).await.len(), 2);
    assert_eq!(e.count_tasks(&sys(), &TaskFilter { candidate_user: Some("eve".into()), ..active() }).await.unwrap(), 0);
    let sales = TaskFilter { candidate_groups: vec!["sales".into(), "hr".into()], ..active() };
    assert_eq!(e.count_tasks(&sys(), &sales).await.unwrap(), 2);
    let by_key = TaskFilter { business_key: Some("B-2".into()), ..active() };
    assert_eq!(find(e, by_key).await[0].task.instance_id, b);
    let like = TaskFilter { name_like: Some("Rev%".into()), ..active() };
    assert_eq!(e.count_tasks(&sys(), &like).await.unwrap(), 2);
    let newest = TaskFilter { sort: vec![Sorting { key: TaskSort::Created, descending: true }], ..active() };
    let page = e.find_tasks(&sys(), &newest, Window { first: 1, max: 1 }).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].task.instance_id, a, "the second newest");

    // Claim: the candidate query then finds only the unassigned one, unless asked.
    let t = found[0].task.id.clone();
    let claimed = e.assign_task(&sys(), &t, Assignment::Claim("ann".into())).await.unwrap();
    assert_eq!(claimed.task.assignee.as_deref(), Some("ann"));
    assert_eq!(e.count_tasks(&sys(), &ann).await.unwrap(), 1);
    let all_ann = TaskFilter { include_assigned: true, ..ann.clone() };
    assert_eq!(e.count_tasks(&sys(), &all_ann).await.unwrap(), 2);
    let mine = TaskFilter { assignee: Some("ann".into()), ..active() };
    assert_eq!(
        find(e, mine.clone()).await.iter().map(|r| r.task.id.clone()).collect::<Vec<_>>(),
        std::slice::from_ref(&t)
    );
    // Claiming it again is fine for ann, refused for bob with the holder named.
    e.assign_task(&sys(), &t, Assignment::Claim("ann".into())).await.unwrap();
    let err = e.assign_task(&sys(), &t, Assignment::Claim("bob".into())).await.unwrap_err();
    assert!(
        matches!(&err, EngineError::Conflict { reason: ConflictReason::InUse, text } if text.english().contains("already claimed by someone else ('ann')")),
        "{err}"
    );

    // Delegate to bob, then bob resolves: ann holds it again.
    let d = e.assign_task(&sys(), &t, Assignment::Delegate("bob".into())).await.unwrap();
    assert_eq!((d.task.assignee.as_deref(), d.owner.as_deref()), (Some("bob"), Some("ann")));
    assert_eq!(d.delegation_state.as_deref(), Some("PENDING"));
    let pending = TaskFilter { delegation_state: Some("PENDING".into()), owner: Some("ann".into()), ..active() };
    assert_eq!(e.count_tasks(&sys(), &pending).await.unwrap(), 1);
    let r = e.assign_task(&sys(), &t, Assignment::Resolve).await.unwrap();
    assert_eq!((r.task.assignee.as_deref(), r.delegation_state.as_deref()), (Some("ann"), Some("RESOLVED")));
    let err = e.assign_task(&sys(), &t, Assignment::Resolve).await.unwrap_err();
    assert_eq!(err.status(), 409, "only a delegated task is resolved: {err}");

    // Unclaim and set the assignee.
    let u = e.assign_task(&sys(), &t, Assignment::Unclaim).await.unwrap();
    assert_eq!(u.task.assignee, None);
    let s = e.assign_task(&sys(), &t, Assignment::SetAssignee(Some("dan".into()))).await.unwrap();
    assert_eq!(s.task.assignee.as_deref(), Some("dan"));
    let d = e.instance(&sys(), &a).await.unwrap();
    let ops: Vec<&str> = d.operations.iter().map(|o| o.operation.as_str()).collect();
    assert_eq!(ops.iter().filter(|o| **o == "claim").count(), 2);
    assert!(ops.contains(&"delegate") && ops.contains(&"resolve") && ops.contains(&"unclaim"), "{ops:?}");
    assert!(ops.contains(&"set-assignee"), "{ops:?}");

    // A suspended instance's task cannot be claimed; the filter tells them apart.
    e.suspend_instance(&sys(), &b, "", None).await.unwrap();
    let other = find(e, TaskFilter { instance_id: Some(b.clone()), ..active() }).await.remove(0);
    let err = e.assign_task(&sys(), &other.task.id, Assignment::Claim("ann".into())).await.unwrap_err();
    assert!(err.user_message().contains("suspended"), "{err}");
    assert_eq!(e.count_tasks(&sys(), &TaskFilter { suspended: Some(true), ..active() }).await.unwrap(), 1);

    // Another tenant's manager sees none of it; an unknown task is 404.
    e.create_tenant(&sys(), Some("other"), "Other").await.unwrap();
    assert_eq!(e.count_tasks(&manager("other"), &active()).await.unwrap(), 0);
    let err = e.assign_task(&manager("other"), &t, Assignment::Unclaim).await.unwrap_err();
    assert_eq!(err.status(), 404);
    let wrong_tenant = TaskFilter { tenant_ids: vec!["other".into()], ..active() };
    assert_eq!(e.count_tasks(&sys(), &wrong_tenant).await.unwrap(), 0);
}
db_test!(tasks_are_found_claimed_delegated_and_scoped_as_camunda_does, task_filters);

async fn history_queries(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "approval", &review_process()).await;
    let a = start(e, "approval", "A-1").await;
    e.clock().advance(1_000);
    let b = start(e, "approval", "B-2").await;
    // a runs to its end.
    for _ in 0..2 {
        let open = find(e, TaskFilter { instance_id: Some(a.clone()), ..active() }).await;
        e.complete_task(&sys(), &open[0].task.id, Map::new()).await.unwrap();
    }
    e.terminate_instance(&sys(), &b, "no longer needed", None).await.unwrap();

    let finished = TaskFilter { finished: Some(true), ..TaskFilter::default() };
    let done = find(e, finished).await;
    assert_eq!(done.len(), 3, "two completed, one cancelled by the termination");
    assert_eq!(done.iter().filter(|r| r.task.state == TaskState::Completed).count(), 2);
    let all = e.count_tasks(&sys(), &TaskFilter::default()).await.unwrap();
    assert_eq!(all, 3);

    let hi =
        |f: HistoricInstanceFilter| async move { e.historic_instances(&sys(), &f, Window::default()).await.unwrap() };
    let ended = hi(HistoricInstanceFilter { finished: Some(true), ..Default::default() }).await;
    assert_eq!(ended.len(), 2);
    let completed = hi(HistoricInstanceFilter { states: vec![InstanceStatus::Completed], ..Default::default() }).await;
    assert_eq!(completed.iter().map(|h| h.summary.id.clone()).collect::<Vec<_>>(), std::slice::from_ref(&a));
    assert_eq!(completed[0].start_activity_id.as_deref(), Some("start"));
    let like = HistoricInstanceFilter { business_key_like: Some("B-%".into()), ..Default::default() };
    assert_eq!(e.count_historic_instances(&sys(), &like).await.unwrap(), 1);
    let newest = HistoricInstanceFilter {
        sort: vec![Sorting { key: HistoricInstanceSort::StartTime, descending: true }],
        ..Default::default()
    };
    assert_eq!(hi(newest).await[0].summary.id, b);

    let acts = |f: ActivityFilter| async move { e.activity_instances(&sys(), &f, Window::default()).await.unwrap() };
    let of_a = acts(ActivityFilter { instance_id: Some(a.clone()), ..Default::default() }).await;
    let ids: Vec<&str> = of_a.iter().map(|x| x.record.activity_id.as_str()).collect();
    assert_eq!(ids, ["start", "review", "sign", "end"]);
    let tasks = ActivityFilter { activity_type: Some("userTask".into()), ..Default::default() };
    assert_eq!(e.count_activity_instances(&sys(), &tasks).await.unwrap(), 3);
    let canceled = ActivityFilter { canceled: Some(true), ..Default::default() };
    let c = acts(canceled).await;
    assert_eq!((c.len(), c[0].instance_id.as_str(), c[0].record.activity_id.as_str()), (1, b.as_str(), "review"));
    let open = ActivityFilter { finished: Some(false), ..Default::default() };
    assert_eq!(e.count_activity_instances(&sys(), &open).await.unwrap(), 0);

    e.create_tenant(&sys(), Some("other"), "Other").await.unwrap();
    let none = HistoricInstanceFilter::default();
    assert_eq!(e.count_historic_instances(&manager("other"), &none).await.unwrap(), 0);
    assert_eq!(e.count_activity_instances(&manager("other"), &ActivityFilter::default()).await.unwrap(), 0);
}
db_test!(history_lists_instances_tasks_and_activities_in_every_state, history_queries);
