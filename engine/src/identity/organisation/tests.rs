//! Editing, moving and deactivating the organisation, on SQLite and PostgreSQL.

use bpmn_core::text::Lang;

use super::PersonEdit;
use crate::error::{ConflictReason, EngineError};
use crate::identity::Account;
use crate::instances::{Assignment, StartRequest};
use crate::testing::TestDb;
use crate::Engine;

use crate::testing::tenant_manager as manager;

fn sys() -> Account {
    Account::system()
}

/// The key of a refusal's sentence.
fn key(e: &EngineError) -> String {
    e.text().key.to_string()
}

async fn tenants(e: &Engine) {
    e.ensure_default_tenant().await.unwrap();
    e.create_tenant(&sys(), Some("north"), "North").await.unwrap();
}

async fn units_are_renamed_and_moved(db: &TestDb) {
    let e = &db.engine;
    tenants(e).await;
    let head = e.create_org_unit(&sys(), "default", None, "Head office").await.unwrap();
    let rd = e.create_org_unit(&sys(), "default", Some(&head.id), "R&D").await.unwrap();
    let fe = e.create_org_unit(&sys(), "default", Some(&rd.id), "Frontend").await.unwrap();
    let sales = e.create_org_unit(&sys(), "default", Some(&head.id), "Sales").await.unwrap();
    assert_eq!((rd.active, rd.revision), (true, 1));

    // Rename: the revision moves; a stale one and an empty name are refused.
    let renamed = e.rename_org_unit(&sys(), &rd.id, "  Research ", 1).await.unwrap();
    assert_eq!((renamed.name.as_str(), renamed.revision), ("Research", 2));
    let stale = e.rename_org_unit(&sys(), &rd.id, "Lab", 1).await.unwrap_err();
    assert!(matches!(stale, EngineError::ChangedMeanwhile { .. }), "{stale}");
    let empty = e.rename_org_unit(&sys(), &rd.id, " ", 2).await.unwrap_err();
    assert_eq!(empty.status(), 422);

    // Move under another unit, then to the top.
    let moved = e.move_org_unit(&sys(), &sales.id, Some(&rd.id), 1).await.unwrap();
    assert_eq!((moved.parent_id.as_deref(), moved.revision), (Some(rd.id.as_str()), 2));
    let stale = e.move_org_unit(&sys(), &sales.id, None, 1).await.unwrap_err();
    assert!(matches!(stale, EngineError::ChangedMeanwhile { .. }), "{stale}");

    // Under itself or one of its own sub-units: refused, in both languages.
    for target in [&rd.id, &fe.id, &sales.id] {
        let cycle = e.move_org_unit(&sys(), &rd.id, Some(target), 2).await.unwrap_err();
        assert!(matches!(cycle, EngineError::Invalid { field: Some("parent"), .. }), "{cycle}");
        assert_eq!(key(&cycle), "ident.unit_move_cycle");
    }
    let cycle = e.move_org_unit(&sys(), &head.id, Some(&fe.id), 1).await.unwrap_err();
    assert_eq!(
        cycle.text().render(Lang::Zh),
        "不能把机构“Head office”移到它自己或它的下级机构“Frontend”之下，请选择其他上级机构。"
    );
    assert_eq!(
        cycle.to_string(),
        "The unit 'Head office' cannot move under itself or its own sub-unit 'Frontend'; choose another parent."
    );

    // Across tenants: answered like a missing unit, whichever side is foreign.
    let north = e.create_org_unit(&sys(), "north", None, "North office").await.unwrap();
    let across = e.move_org_unit(&sys(), &rd.id, Some(&north.id), 2).await.unwrap_err();
    assert!(matches!(across, EngineError::NotFound { what: "thing.org_unit", .. }), "{across}");
    let mut foreign = e.move_org_unit(&manager("north"), &rd.id, None, 2).await.unwrap_err();
    assert!(matches!(foreign, EngineError::NotFound { .. }), "{foreign}");
    foreign = e.rename_org_unit(&manager("north"), &rd.id, "Mine", 2).await.unwrap_err();
    assert!(matches!(foreign, EngineError::NotFound { .. }), "{foreign}");
    let missing = e.move_org_unit(&sys(), &rd.id, Some("nope"), 2).await.unwrap_err();
    assert!(matches!(missing, EngineError::NotFound { .. }), "{missing}");
    // The tenant's own manager may.
    let top = e.move_org_unit(&manager("default"), &fe.id, None, 1).await.unwrap();
    assert_eq!(top.parent_id, None);

    // Refusals changed nothing; every change is in the audit log.
    let units = e.org_units(&sys(), "default").await.unwrap();
    let rd_now = units.iter().find(|u| u.id == rd.id).unwrap();
    assert_eq!((rd_now.name.as_str(), rd_now.parent_id.as_deref(), rd_now.revision), ("Research", Some(&*head.id), 2));
    let log = e.audit_log(&sys(), 10).await.unwrap();
    let entries: Vec<_> = log
        .iter()
        .filter(|l| l.action != "org.unit.create")
        .map(|l| (l.action.as_str(), l.detail.as_str()))
        .take(3)
        .collect();
    assert_eq!(
        entries,
        [
            ("org.unit.move", "Frontend: Research → (top)"),
            ("org.unit.move", "Sales: Head office → Research"),
            ("org.unit.rename", "R&D → Research"),
        ]
    );
    assert_eq!(log[0].actor, "default-manager");
    assert_eq!(log[0].tenant_id.as_deref(), Some("default"));
}
crate::db_test!(units_rename_and_move, units_are_renamed_and_moved);

async fn people_are_edited_and_units_deactivated(db: &TestDb) {
    let e = &db.engine;
    tenants(e).await;
    let a = e.create_org_unit(&sys(), "default", None, "A").await.unwrap();
    let b = e.create_org_unit(&sys(), "default", None, "B").await.unwrap();
    let b1 = e.create_org_unit(&sys(), "default", Some(&b.id), "B1").await.unwrap();
    let north = e.create_org_unit(&sys(), "north", None, "N").await.unwrap();
    let ann = e.create_person(&sys(), &a.id, Some("ann"), "Ann", &["sales"]).await.unwrap();
    assert_eq!((ann.active, ann.revision), (true, 1));

    // Edit: name, unit (a move) and groups at once; one audit entry that names each change.
    let edit = PersonEdit { name: "Ann Lee", unit_id: &b.id, groups: &["sales", "hr"] };
    let edited = e.update_person(&sys(), "ann", &edit, 1).await.unwrap();
    assert_eq!((edited.name.as_str(), edited.unit_id.as_str(), edited.revision), ("Ann Lee", &*b.id, 2));
    assert_eq!(edited.groups, ["sales", "hr"]);
    let log = e.audit_log(&sys(), 1).await.unwrap();
    assert_eq!((log[0].action.as_str(), log[0].target.as_str()), ("org.person.update", "ann"));
    assert_eq!(log[0].detail, "Ann (ann): Ann → Ann Lee; A → B; [sales] → [sales,hr]");
    // The same values again change nothing and record nothing.
    let same = e.update_person(&sys(), "ann", &edit, 2).await.unwrap();
    assert_eq!(same.revision, 2);
    assert_eq!(e.audit_log(&sys(), 1).await.unwrap()[0].id, log[0].id);
    // Stale, a unit of another tenant, a person of another tenant, an empty name.
    let stale = e.update_person(&sys(), "ann", &edit, 1).await.unwrap_err();
    assert!(matches!(stale, EngineError::ChangedMeanwhile { what: "thing.person", .. }), "{stale}");
    let across = PersonEdit { unit_id: &north.id, ..edit };
    let err = e.update_person(&sys(), "ann", &across, 2).await.unwrap_err();
    assert!(matches!(err, EngineError::NotFound { what: "thing.org_unit", .. }), "{err}");
    let err = e.update_person(&manager("north"), "ann", &edit, 2).await.unwrap_err();
    assert!(matches!(err, EngineError::NotFound { what: "thing.person", .. }), "{err}");
    let err = e.update_person(&sys(), "ann", &PersonEdit { name: "", ..edit }, 2).await.unwrap_err();
    assert!(matches!(err, EngineError::Invalid { field: Some("name"), .. }), "{err}");

    // A unit that still holds an active person or an active sub-unit stays active.
    let used = e.set_org_unit_active(&sys(), &b.id, false, 1).await.unwrap_err();
    assert_eq!(used.conflict_reason(), Some(ConflictReason::InUse));
    assert_eq!(used.text().render(Lang::Zh), "机构“B”下还有 1 名启用的人员和 1 个启用的下级机构，请先停用或移走它们。");
    assert_eq!(
        used.to_string(),
        "The unit 'B' still has 1 active people and 1 active sub-units; deactivate or move them first."
    );
    let ann = e.set_person_active(&sys(), "ann", false, 2).await.unwrap();
    let b1 = e.set_org_unit_active(&sys(), &b1.id, false, 1).await.unwrap();
    assert!(!b1.active);
    let b = e.set_org_unit_active(&sys(), &b.id, false, 1).await.unwrap();
    assert_eq!((b.active, b.revision), (false, 2));
    let again = e.set_org_unit_active(&sys(), &b.id, false, 2).await.unwrap_err();
    assert_eq!(again.conflict_reason(), Some(ConflictReason::AlreadyDone));

    // Nobody and nothing active goes into a deactivated unit.
    let err = e.create_person(&sys(), &b.id, Some("bob"), "Bob", &[]).await.unwrap_err();
    assert!(matches!(err, EngineError::Invalid { field: Some("unit"), .. }), "{err}");
    assert_eq!(err.text().render(Lang::Zh), "机构“B”已停用，请选择一个启用的机构。");
    let err = e.create_org_unit(&sys(), "default", Some(&b.id), "B2").await.unwrap_err();
    assert!(matches!(err, EngineError::Invalid { field: Some("parent"), .. }), "{err}");
    let err = e.move_org_unit(&sys(), &a.id, Some(&b.id), 1).await.unwrap_err();
    assert_eq!(key(&err), "ident.unit_inactive");
    let err = e.set_person_active(&sys(), "ann", true, ann.revision).await.unwrap_err();
    assert_eq!(
        err.text().render(Lang::Zh),
        "人员“Ann Lee”所在的机构“B”已停用：请先启用该机构，或把此人员移到启用的机构。"
    );
    let err = e.set_org_unit_active(&sys(), &b1.id, true, b1.revision).await.unwrap_err();
    assert_eq!(key(&err), "ident.unit_parent_inactive");
    // A deactivated person may move into it, and out again into an active unit.
    let bob = e.create_person(&sys(), &a.id, Some("bob"), "Bob", &[]).await.unwrap();
    let bob = e.set_person_active(&sys(), "bob", false, bob.revision).await.unwrap();
    let into_b = PersonEdit { name: "Bob", unit_id: &b.id, groups: &[] };
    assert_eq!(e.update_person(&sys(), "bob", &into_b, bob.revision).await.unwrap().unit_id, b.id);

    // Activated again: the unit first, then the person.
    let b = e.set_org_unit_active(&sys(), &b.id, true, b.revision).await.unwrap();
    assert!(b.active);
    let ann = e.set_person_active(&sys(), "ann", true, ann.revision).await.unwrap();
    assert_eq!((ann.active, ann.revision), (true, 4));
    let actions: Vec<_> = e.audit_log(&sys(), 3).await.unwrap().into_iter().map(|l| l.action).collect();
    assert_eq!(actions, ["org.person.activate", "org.unit.activate", "org.person.update"]);
    // The overview counts the active ones.
    let o = e.overview(&sys(), Some("default")).await.unwrap();
    assert_eq!((o.units, o.people), (2, 1));
}
crate::db_test!(people_edit_and_units_deactivate, people_are_edited_and_units_deactivated);

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <process id="leave" name="Leave" isExecutable="true">
    <startEvent id="start"/>
    <userTask id="approve" name="Approve" camunda:assignee="ann"/>
    <endEvent id="end"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <sequenceFlow id="f2" sourceRef="approve" targetRef="end"/>
  </process>
</definitions>"#;

async fn a_deactivated_person_cannot_be_assigned(db: &TestDb) {
    let e = &db.engine;
    tenants(e).await;
    let unit = e.create_org_unit(&sys(), "default", None, "Office").await.unwrap();
    e.create_person(&sys(), &unit.id, Some("ann"), "Ann", &[]).await.unwrap();
    let bob = e.create_person(&sys(), &unit.id, Some("bob"), "Bob", &[]).await.unwrap();
    let files = vec![("leave.bpmn".to_string(), PROCESS.as_bytes().to_vec())];
    assert!(e.deploy(&sys(), "default", None, files, &Default::default()).await.unwrap().all_ok());
    let started = e.start_instance_with_tasks(&sys(), "leave", None, StartRequest::default()).await.unwrap();
    let task = started.created_tasks[0].clone();

    // Bob gets the task, then is deactivated: he keeps it, and his name with it.
    e.reassign_task(&sys(), &task, "bob", "holiday").await.unwrap();
    let bob = e.set_person_active(&sys(), "bob", false, bob.revision).await.unwrap();
    assert_eq!((bob.active, bob.revision), (false, 2));
    let held = e.task(&sys(), &task).await.unwrap();
    assert_eq!((held.assignee.as_deref(), held.assignee_name.as_deref()), (Some("bob"), Some("Bob")));
    let people = e.people(&sys(), "default").await.unwrap();
    assert!(people.iter().any(|p| p.id == "bob" && !p.active), "still listed: {people:?}");
    let log = e.audit_log(&sys(), 1).await.unwrap();
    assert_eq!((log[0].action.as_str(), log[0].detail.as_str()), ("org.person.deactivate", "Bob (bob)"));

    // Given back to Ann, the task cannot go to Bob again, by any way of giving it.
    e.reassign_task(&sys(), &task, "ann", "").await.unwrap();
    let refused = e.reassign_task(&sys(), &task, "bob", "").await.unwrap_err();
    assert!(matches!(refused, EngineError::Invalid { field: Some("assignee"), .. }), "{refused}");
    assert_eq!(refused.text().render(Lang::Zh), "人员“Bob”（bob）已停用，不能再接收任务，请选择其他人员。");
    assert_eq!(refused.to_string(), "Bob (bob) is deactivated and can no longer be given tasks; choose someone else.");
    for change in [Assignment::SetAssignee(Some("bob".into())), Assignment::Delegate("bob".into())] {
        let refused = e.assign_task(&sys(), &task, change.clone()).await.unwrap_err();
        assert_eq!(key(&refused), "ident.person_inactive", "{change:?}");
    }
    assert_eq!(e.task(&sys(), &task).await.unwrap().assignee.as_deref(), Some("ann"), "refusals changed nothing");
    e.assign_task(&sys(), &task, Assignment::Unclaim).await.unwrap();
    let refused = e.assign_task(&sys(), &task, Assignment::Claim("bob".into())).await.unwrap_err();
    assert_eq!(key(&refused), "ident.person_inactive");
    assert_eq!(e.task(&sys(), &task).await.unwrap().assignee, None);
    // A user id the organisation does not know is still accepted (Camunda's task API).
    e.assign_task(&sys(), &task, Assignment::SetAssignee(Some("zed".into()))).await.unwrap();

    // Twice, stale, or by another tenant's manager: refused.
    let twice = e.set_person_active(&sys(), "bob", false, 2).await.unwrap_err();
    assert_eq!(twice.conflict_reason(), Some(ConflictReason::AlreadyDone));
    assert_eq!(twice.text().render(Lang::Zh), "人员“Bob”已经停用。");
    let stale = e.set_person_active(&sys(), "bob", true, 1).await.unwrap_err();
    assert!(matches!(stale, EngineError::ChangedMeanwhile { .. }), "{stale}");
    let foreign = e.set_person_active(&manager("north"), "bob", true, 2).await.unwrap_err();
    assert!(matches!(foreign, EngineError::NotFound { .. }), "{foreign}");

    // Activated again, Bob can be given the task.
    let bob = e.set_person_active(&sys(), "bob", true, 2).await.unwrap();
    assert!(bob.active);
    let given = e.reassign_task(&sys(), &task, "bob", "").await.unwrap();
    assert_eq!(given.assignee.as_deref(), Some("bob"));
    assert_eq!(e.audit_log(&sys(), 1).await.unwrap()[0].action, "org.person.activate");
}
crate::db_test!(deactivated_person_not_assignable, a_deactivated_person_cannot_be_assigned);

/// The task list names a task's candidate users from the organisation of its tenant; a login
/// that is no person there (or a person of another tenant) keeps no name.
async fn candidate_users_are_named(db: &TestDb) {
    let e = &db.engine;
    tenants(e).await;
    let unit = e.create_org_unit(&sys(), "default", None, "Office").await.unwrap();
    e.create_person(&sys(), &unit.id, Some("ann"), "Ann", &[]).await.unwrap();
    let north = e.create_org_unit(&sys(), "north", None, "North office").await.unwrap();
    e.create_person(&sys(), &north.id, Some("nils"), "Nils", &[]).await.unwrap();
    let process = PROCESS.replace(
        r#"camunda:assignee="ann""#,
        r#"camunda:candidateUsers="zed,ann,nils" camunda:candidateGroups="finance""#,
    );
    let files = vec![("leave.bpmn".to_string(), process.into_bytes())];
    assert!(e.deploy(&sys(), "default", None, files, &Default::default()).await.unwrap().all_ok());
    e.start_instance_with_tasks(&sys(), "leave", None, StartRequest::default()).await.unwrap();
    let page = e.list_tasks(&sys(), &Default::default()).await.unwrap();
    let task = &page.items[0];
    assert_eq!(task.candidate_users, ["zed", "ann", "nils"]);
    assert_eq!(task.candidate_user_names, [None, Some("Ann".to_owned()), None]);
    assert_eq!(task.candidate_groups, ["finance"]);
    // Taken, the task is for its assignee alone: no candidates to name.
    let taken = e.reassign_task(&sys(), &task.id, "ann", "").await.unwrap();
    assert_eq!(taken.assignee.as_deref(), Some("ann"));
    let page = e.list_tasks(&sys(), &Default::default()).await.unwrap();
    assert!(page.items[0].candidate_user_names.is_empty(), "{:?}", page.items[0]);
}
crate::db_test!(candidate_users_named, candidate_users_are_named);
