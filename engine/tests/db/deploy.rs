//! Deployments, versioned process definitions and models, on SQLite and PostgreSQL.

use std::collections::HashSet;
use std::path::Path;

use bpmn_core::text::Lang;
use engine::bpmn::parse::{parse, ParseErrorKind, ParseOptions};
use engine::bpmn::render::Overlay;
use engine::catalog::CatalogInput;
use engine::db_test;
use engine::deploy::{DefinitionQuery, DefinitionSummary, FileOutcome, NewModel};
use engine::identity::Account;
use engine::testing::TestDb;
use engine::EngineError;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/deploy");
const MIWG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance/miwg");

fn fixture(name: &str) -> (String, Vec<u8>) {
    let path = Path::new(FIXTURES).join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (name.to_string(), bytes)
}

use engine::testing::tenant_manager as manager;

fn sys() -> Account {
    Account::system()
}

fn opts() -> ParseOptions {
    ParseOptions::default()
}

/// A minimal startable process with the given key and name; `salt` changes the content.
fn process_file(key: &str, name: &str, salt: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D_{key}">
  <documentation>{salt}</documentation>
  <process id="{key}" name="{name}" isExecutable="true">
    <startEvent id="{key}_s" />
    <userTask id="{key}_t" name="Do it" />
    <endEvent id="{key}_e" />
    <sequenceFlow id="{key}_f1" sourceRef="{key}_s" targetRef="{key}_t" />
    <sequenceFlow id="{key}_f2" sourceRef="{key}_t" targetRef="{key}_e" />
  </process>
</definitions>
"#
    )
    .into_bytes()
}

async fn count(db: &TestDb, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(db.engine.store().pool()).await.unwrap()
}

async fn counts(db: &TestDb) -> (i64, i64, i64) {
    (count(db, "deployments").await, count(db, "process_definitions").await, count(db, "models").await)
}

async fn setup(db: &TestDb) {
    db.engine.ensure_default_tenant().await.unwrap();
}

async fn deploy_one(db: &TestDb, file: (String, Vec<u8>)) -> FileOutcome {
    let report = db.engine.deploy(&sys(), "default", None, vec![file], &opts()).await.unwrap();
    assert_eq!(report.files.len(), 1);
    report.files.into_iter().next().unwrap()
}

fn query() -> DefinitionQuery {
    DefinitionQuery::default()
}

// ---- versioning ----------------------------------------------------------------------------

async fn versions_count_up_and_identical_files_are_unchanged(db: &TestDb) {
    setup(db).await;
    let e = &db.engine;
    let v1 = deploy_one(db, fixture("expense-v1.bpmn")).await;
    assert!(v1.ok && v1.error.is_none(), "{v1:?}");
    assert!(v1.deployment_id.is_some());
    assert_eq!(v1.definitions.len(), 1);
    let d1 = &v1.definitions[0];
    assert_eq!(
        (d1.key.as_str(), d1.name.as_str(), d1.version, d1.startable),
        ("expense_approval", "Expense approval 费用报销", 1, true)
    );
    assert!(v1.warnings.is_empty(), "{:?}", v1.warnings);

    let v2 = deploy_one(db, fixture("expense-v2.bpmn")).await;
    assert_eq!(v2.definitions.iter().map(|d| d.version).collect::<Vec<_>>(), [2]);

    // Identical content: nothing stored, the key is reported unchanged.
    let before = counts(db).await;
    let again = deploy_one(db, fixture("expense-v2.bpmn")).await;
    assert!(again.ok);
    assert!(again.definitions.is_empty() && again.deployment_id.is_none());
    assert_eq!(again.unchanged, ["expense_approval"]);
    assert_eq!(counts(db).await, before);
    assert_eq!(before, (2, 2, 0));
    // Redeploying an older content is a change relative to the latest: version 3.
    let back = deploy_one(db, fixture("expense-v1.bpmn")).await;
    assert_eq!(back.definitions[0].version, 3);

    let all = e.list_definitions(&sys(), &query()).await.unwrap();
    assert_eq!(all.next, None);
    let listed: Vec<(i64, i64, bool)> =
        all.items.iter().map(|d| (d.version, d.latest_version, d.is_latest())).collect();
    assert_eq!(listed, [(3, 3, true), (2, 3, false), (1, 3, false)], "newest first within a key");
    let first = &all.items[2];
    assert_eq!(first.file_name, "expense-v1.bpmn");
    assert_eq!(first.tenant_id, "default");
    assert_eq!(first.deployed_at, 1_700_000_000_000);
    assert_eq!(first.running_instances, 0);
    assert_eq!(Some(first.deployment_id.clone()), v1.deployment_id);

    let latest = e.list_definitions(&sys(), &DefinitionQuery { latest_only: true, ..query() }).await.unwrap();
    assert_eq!(latest.items.iter().map(|d| d.version).collect::<Vec<_>>(), [3]);

    let versions = e.definition_versions(&sys(), "default", "expense_approval").await.unwrap();
    assert_eq!(versions.iter().map(|d| d.version).collect::<Vec<_>>(), [3, 2, 1]);
    let missing = e.definition_versions(&sys(), "default", "nope").await.unwrap_err();
    assert_eq!(missing.status(), 404);

    // The stored XML is the file, and it parses to the same model.
    let def = e.definition(&sys(), &d1.id).await.unwrap();
    let (_, bytes) = fixture("expense-v1.bpmn");
    assert_eq!(def.xml.as_bytes(), bytes.as_slice());
    assert_eq!(def.summary.version, 1);
    assert!(matches!(e.definition(&sys(), "nope").await, Err(EngineError::NotFound { .. })));

    let log = e.audit_log(&sys(), 10).await.unwrap();
    let deployments: Vec<_> = log.iter().filter(|a| a.action == "deployment.create").collect();
    assert_eq!(deployments.len(), 3, "one entry per stored file, none for the unchanged one");
    assert_eq!(deployments[0].detail, "expense-v1.bpmn: expense_approval v3");
    assert_eq!(deployments[0].tenant_id.as_deref(), Some("default"));
}
db_test!(versioning, versions_count_up_and_identical_files_are_unchanged);

// ---- batches and broken files --------------------------------------------------------------

async fn a_broken_file_stores_nothing_and_others_deploy(db: &TestDb) {
    setup(db).await;
    let files = vec![fixture("broken.bpmn"), fixture("expense-v1.bpmn"), fixture("missing-target.bpmn")];
    let report = db.engine.deploy(&sys(), "default", None, files, &opts()).await.unwrap();
    assert!(!report.all_ok());
    let [broken, good, missing] = &report.files[..] else { panic!("three outcomes: {report:?}") };

    assert_eq!(broken.file, "broken.bpmn");
    assert!(!broken.ok && broken.definitions.is_empty() && broken.deployment_id.is_none());
    let err = broken.error.as_ref().expect("an error for the broken file");
    assert_eq!(err.kind, ParseErrorKind::Malformed);
    assert_eq!((err.line, err.column), (Some(15), Some(28)), "{err:?}");
    assert!(err.message.starts_with("Line 15, column 28: "), "{}", err.message);

    assert!(good.ok && good.error.is_none());
    assert_eq!(good.definitions[0].key, "expense_approval");

    let err = missing.error.as_ref().expect("an error for the file with a dangling reference");
    assert_eq!(err.kind, ParseErrorKind::MissingReference);
    assert_eq!(err.line, Some(7), "{err:?}");
    assert!(err.column.is_some(), "{err:?}");
    assert!(err.message.contains("Leave_end"), "{}", err.message);

    // Only the good file is stored.
    assert_eq!(counts(db).await, (1, 1, 0));
    let keys: Vec<_> =
        db.engine.list_definitions(&sys(), &query()).await.unwrap().items.into_iter().map(|d| d.key).collect();
    assert_eq!(keys, ["expense_approval"]);

    // The JSON the web layer sends is camelCase.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["files"][0]["error"]["kind"], "Malformed");
    assert!(json["files"][1]["deploymentId"].is_string());
    assert_eq!(json["files"][1]["definitions"][0]["key"], "expense_approval");
}
db_test!(atomic_batch, a_broken_file_stores_nothing_and_others_deploy);

async fn whole_call_refusals(db: &TestDb) {
    setup(db).await;
    let e = &db.engine;
    let unknown_tenant = e.deploy(&sys(), "nope", None, vec![fixture("expense-v1.bpmn")], &opts()).await.unwrap_err();
    assert_eq!(unknown_tenant.status(), 404);
    let unknown_node = e.deploy(&sys(), "default", Some("nope"), vec![fixture("expense-v1.bpmn")], &opts()).await;
    assert_eq!(unknown_node.unwrap_err().status(), 404);
    let empty = e.deploy(&sys(), "default", None, vec![], &opts()).await.unwrap_err();
    assert!(matches!(empty, EngineError::Invalid { field: Some("files"), .. }), "{empty}");
    // A file over the size limit is a per-file refusal.
    let small = ParseOptions { max_bytes: 100 };
    let report = e.deploy(&sys(), "default", None, vec![fixture("expense-v1.bpmn")], &small).await.unwrap();
    assert_eq!(report.files[0].error.as_ref().map(|e| e.kind), Some(ParseErrorKind::TooLarge));
    // Folder parts of uploaded names are dropped.
    let (_, bytes) = fixture("expense-v1.bpmn");
    let report = e.deploy(&sys(), "default", None, vec![("C:\\fakepath\\报销.bpmn".into(), bytes)], &opts()).await;
    assert_eq!(report.unwrap().files[0].file, "报销.bpmn");
    assert_eq!(counts(db).await, (1, 1, 0));
}
db_test!(refusals, whole_call_refusals);

async fn a_file_with_two_processes_makes_two_definitions(db: &TestDb) {
    setup(db).await;
    let out = deploy_one(db, fixture("two-processes.bpmn")).await;
    let defs: Vec<_> = out.definitions.iter().map(|d| (d.key.as_str(), d.name.as_str(), d.version)).collect();
    assert_eq!(defs, [("order_intake", "Order intake", 1), ("order_shipping", "Order shipping", 1)]);
    assert_eq!(counts(db).await, (1, 2, 0));
    let listed = db.engine.list_definitions(&sys(), &query()).await.unwrap().items;
    assert!(listed.iter().all(|d| Some(&d.deployment_id) == out.deployment_id.as_ref()));
    // Both share the deployment: the same file, drawn with both pools.
    let svg = db.engine.definition_diagram_svg(&sys(), &out.definitions[1].id, Overlay::default()).await.unwrap();
    assert!(svg.contains("data-element-id=\"Ship_pack\"") && svg.contains("data-element-id=\"Intake_check\""));
}
db_test!(two_processes, a_file_with_two_processes_makes_two_definitions);

async fn not_startable_files_deploy_with_reasons(db: &TestDb) {
    setup(db).await;
    let e = &db.engine;
    let out = deploy_one(db, fixture("not-startable.bpmn")).await;
    assert!(out.ok);
    assert!(!out.definitions[0].startable);
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    let w = &out.warnings[0];
    assert_eq!((w.element_id.as_str(), w.line), ("Catch_paid", 7));
    assert!(w.element_type.contains("conditional"), "{w:?}");

    let summary = &e.list_definitions(&sys(), &query()).await.unwrap().items[0];
    assert!(!summary.startable);
    assert!(summary.is_executable(), "executable, but with an element not supported yet");
    assert_eq!(summary.not_startable_reasons, out.warnings, "reasons survive the database round trip");
    let json = serde_json::to_value(summary).unwrap();
    assert_eq!(json["notStartableReasons"][0]["line"], 7);

    // A non-executable process is deployed too, with the process as the reason.
    let file = String::from_utf8(process_file("draft", "Draft", ""))
        .unwrap()
        .replace("isExecutable=\"true\"", "isExecutable=\"false\"");
    let out = deploy_one(db, ("draft.bpmn".into(), file.into_bytes())).await;
    assert!(!out.definitions[0].startable);
    assert_eq!((out.warnings[0].element_id.as_str(), out.warnings[0].line), ("draft", 4));
    let draft = e.definition(&sys(), &out.definitions[0].id).await.unwrap();
    assert!(!draft.summary.is_executable());

    // A file without a diagram deploys and is drawn laid out left to right.
    let laid_out = e.definition_diagram_svg(&sys(), &out.definitions[0].id, Overlay::default()).await.unwrap();
    assert!(laid_out.starts_with("<svg"), "{laid_out}");
    for id in ["draft_s", "draft_t", "draft_e", "draft_f1", "draft_f2"] {
        assert!(laid_out.contains(&format!(r#"data-element-id="{id}""#)), "{id}: {laid_out}");
    }
}
db_test!(not_startable, not_startable_files_deploy_with_reasons);

async fn diagram_and_latin1_round_trip(db: &TestDb) {
    setup(db).await;
    let e = &db.engine;
    let out = deploy_one(db, fixture("expense-v1.bpmn")).await;
    let mut overlay = Overlay::default();
    overlay.activities.insert("Task_approve".into(), engine::bpmn::render::ActivityState::Active);
    let svg = e.definition_diagram_svg(&sys(), &out.definitions[0].id, overlay).await.unwrap();
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{}", &svg[..40.min(svg.len())]);
    assert!(svg.contains("state-active"));

    // A terminated instance's diagram shows where it stood when it was terminated.
    let id = e.start_instance(&sys(), "expense_approval", None, Default::default()).await.unwrap().id;
    let running = e.instance_diagram_svg(&sys(), &id).await.unwrap();
    assert!(running.contains("state-active") && !running.contains("state-stopped"));
    e.terminate_instance(&sys(), &id, "", None).await.unwrap();
    let svg = e.instance_diagram_svg(&sys(), &id).await.unwrap();
    assert_eq!(svg.matches("state-stopped").count(), 1, "{svg}");
    assert!(!svg.contains("state-active"), "{svg}");

    // ISO-8859-1 is stored as UTF-8 text that parses to the same model.
    let latin1 =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../bpmn-core/tests/fixtures/bpmn/latin1-cafe.bpmn"))
            .unwrap();
    let original = parse(&latin1, &opts()).unwrap();
    let out = deploy_one(db, ("cafe.bpmn".into(), latin1)).await;
    assert!(out.ok, "{out:?}");
    let def = e.definition(&sys(), &out.definitions[0].id).await.unwrap();
    assert!(def.xml.contains("Café") && def.xml.contains("encoding=\"UTF-8\""), "{}", def.xml);
    assert_eq!(parse(def.xml.as_bytes(), &opts()).unwrap(), original);
}
db_test!(diagram_and_encoding, diagram_and_latin1_round_trip);

// ---- tenants and catalog -------------------------------------------------------------------

async fn tenant_managers_stay_in_their_tenant(db: &TestDb) {
    setup(db).await;
    let e = &db.engine;
    e.create_tenant(&sys(), Some("east"), "华东分公司").await.unwrap();
    let east = manager("east");
    deploy_one(db, fixture("expense-v1.bpmn")).await;
    let report = e.deploy(&east, "east", None, vec![fixture("expense-v2.bpmn")], &opts()).await.unwrap();
    // Versions are per tenant: the same key starts at 1 in another tenant.
    assert_eq!(report.files[0].definitions[0].version, 1);

    let refused = e.deploy(&east, "default", None, vec![fixture("two-processes.bpmn")], &opts()).await.unwrap_err();
    assert_eq!(refused.status(), 404);
    assert_eq!(counts(db).await, (2, 2, 0));

    let own = e.list_definitions(&east, &query()).await.unwrap().items;
    assert_eq!(own.iter().map(|d| d.tenant_id.as_str()).collect::<Vec<_>>(), ["east"]);
    let other = DefinitionQuery { tenant: Some("default".into()), ..query() };
    assert_eq!(e.list_definitions(&east, &other).await.unwrap_err().status(), 404);
    assert_eq!(e.list_definitions(&sys(), &query()).await.unwrap().items.len(), 2, "admins see all tenants");
    assert_eq!(e.list_definitions(&sys(), &other).await.unwrap().items.len(), 1);

    let default_def = e.list_definitions(&sys(), &other).await.unwrap().items.remove(0);
    assert!(matches!(e.definition(&east, &default_def.id).await, Err(EngineError::NotFound { .. })));
    assert_eq!(e.definition_versions(&east, "default", "expense_approval").await.unwrap_err().status(), 404);
    let svg = e.definition_diagram_svg(&east, &default_def.id, Overlay::default()).await;
    assert_eq!(svg.unwrap_err().status(), 404);
    assert_eq!(e.convert_to_model(&east, &default_def.id).await.unwrap_err().status(), 404);

    let model = e.convert_to_model(&sys(), &default_def.id).await.unwrap();
    assert_eq!(e.model(&east, &model.summary.id).await.unwrap_err().status(), 404);
    assert!(e.list_models(&east, None, None).await.unwrap().is_empty());
    assert_eq!(e.list_models(&east, Some("default"), None).await.unwrap_err().status(), 404);
    assert_eq!(e.delete_model(&east, &model.summary.id).await.unwrap_err().status(), 404);
    assert_eq!(e.deploy_model(&east, &model.summary.id).await.unwrap_err().status(), 404);
    assert_eq!(e.save_model_xml(&east, &model.summary.id, &model.xml, 1).await.unwrap_err().status(), 404);
    // The manager's deployment is audited under its tenant, visible to it.
    let log = e.audit_log(&east, 10).await.unwrap();
    assert_eq!(log.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["deployment.create", "tenant.create"]);
    assert_eq!(log[0].actor, "east-manager");
}
db_test!(tenant_scope, tenant_managers_stay_in_their_tenant);

async fn catalog_nodes_holding_definitions_cannot_be_deleted(db: &TestDb) {
    setup(db).await;
    let e = &db.engine;
    let input = CatalogInput { name: "报销".into(), code: "expense".into() };
    let node = e.create_catalog_node(&sys(), None, &input).await.unwrap();
    let other = e.create_catalog_node(&sys(), None, &CatalogInput { name: "其他".into(), code: "other".into() }).await;
    let other = other.unwrap();
    let report = e.deploy(&sys(), "default", Some(&node.id), vec![fixture("expense-v1.bpmn")], &opts()).await;
    let def_id = report.unwrap().files[0].definitions[0].id.clone();
    deploy_one(db, fixture("two-processes.bpmn")).await;

    let filed = DefinitionQuery { catalog_id: Some(node.id.clone()), ..query() };
    let listed = e.list_definitions(&sys(), &filed).await.unwrap().items;
    assert_eq!(listed.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(), ["expense_approval"]);
    assert_eq!(listed[0].catalog_id.as_deref(), Some(node.id.as_str()));

    let refused = e.delete_catalog_node(&sys(), &node.id).await.unwrap_err();
    assert_eq!(refused.status(), 409);
    assert!(refused.to_string().contains("1 process definitions"), "{refused}");
    e.delete_catalog_node(&sys(), &other.id).await.unwrap();

    // A model made from it is filed under the same node.
    let model = e.convert_to_model(&sys(), &def_id).await.unwrap();
    assert_eq!(model.summary.catalog_id.as_deref(), Some(node.id.as_str()));
    assert_eq!(e.list_models(&sys(), None, Some(&node.id)).await.unwrap().len(), 1);
    assert!(e.list_models(&sys(), None, Some("elsewhere")).await.unwrap().is_empty());
    assert!(e.catalog_node(&node.id).await.is_ok());
}
db_test!(catalog_holders, catalog_nodes_holding_definitions_cannot_be_deleted);

// ---- list: paging and search ---------------------------------------------------------------

async fn pages_are_stable_and_complete(db: &TestDb) {
    setup(db).await;
    let e = &db.engine;
    // 25 definitions: 20 keys, 5 of them with a second version; names repeat so that the key,
    // version and id tie-breakers matter. Mixed case checks the case-folded order.
    let mut files = Vec::new();
    for i in 0..20 {
        let name = if i % 3 == 0 { "Shared Name".to_string() } else { format!("Process {:02}", 19 - i) };
        let name = if i % 4 == 0 { name.to_uppercase() } else { name };
        files.push((format!("p{i}.bpmn"), process_file(&format!("key_{i:02}"), &name, "v1")));
    }
    for i in 0..5 {
        let name = if i % 3 == 0 { "Shared Name".to_string() } else { format!("Process {:02}", 19 - i) };
        let name = if i % 4 == 0 { name.to_uppercase() } else { name };
        files.push((format!("p{i}-v2.bpmn"), process_file(&format!("key_{i:02}"), &name, "v2")));
    }
    let report = e.deploy(&sys(), "default", None, files, &opts()).await.unwrap();
    assert!(report.all_ok());
    assert_eq!(count(db, "process_definitions").await, 25);

    let all = e.list_definitions(&sys(), &DefinitionQuery { limit: 100, ..query() }).await.unwrap();
    assert_eq!(all.items.len(), 25);
    assert!(all.next.is_none());
    let sort_key = |d: &DefinitionSummary| (d.name.to_lowercase(), d.key.clone(), -d.version, d.id.clone());
    let mut sorted = all.items.clone();
    sorted.sort_by_key(sort_key);
    assert_eq!(sorted, all.items, "ordered by name (case-folded), key, newest version, id");

    let mut paged = Vec::new();
    let mut cursor = None;
    let mut sizes = Vec::new();
    loop {
        let page = e.list_definitions(&sys(), &DefinitionQuery { limit: 10, cursor: cursor.clone(), ..query() }).await;
        let page = page.unwrap();
        sizes.push(page.items.len());
        paged.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(sizes.len() < 10, "paging does not end");
    }
    assert_eq!(sizes, [10, 10, 5]);
    let ids: HashSet<_> = paged.iter().map(|d| d.id.clone()).collect();
    assert_eq!(ids.len(), 25, "no duplicates");
    assert_eq!(paged, all.items, "pages concatenate to the full list");

    // Deployments between two pages neither repeat nor skip rows of the old order.
    let first = e.list_definitions(&sys(), &DefinitionQuery { limit: 10, ..query() }).await.unwrap();
    deploy_one(db, ("late.bpmn".into(), process_file("aaa_late", "AAA late", ""))).await;
    let second =
        e.list_definitions(&sys(), &DefinitionQuery { limit: 10, cursor: first.next.clone(), ..query() }).await;
    assert_eq!(second.unwrap().items, all.items[10..20].to_vec());

    let latest = e.list_definitions(&sys(), &DefinitionQuery { latest_only: true, limit: 7, ..query() }).await;
    let latest = latest.unwrap();
    assert_eq!(latest.items.len(), 7);
    assert!(latest.items.iter().all(DefinitionSummary::is_latest));

    let by_key = DefinitionQuery { key: Some("key_03".into()), ..query() };
    let versions: Vec<_> = e.list_definitions(&sys(), &by_key).await.unwrap().items.iter().map(|d| d.version).collect();
    assert_eq!(versions, [2, 1]);

    let damaged = DefinitionQuery { cursor: Some("not a cursor".into()), ..query() };
    let err = e.list_definitions(&sys(), &damaged).await.unwrap_err();
    assert!(matches!(err, EngineError::Invalid { field: Some("cursor"), .. }), "{err}");
}
db_test!(paging, pages_are_stable_and_complete);

async fn search_is_fuzzy_on_name_and_key(db: &TestDb) {
    setup(db).await;
    let e = &db.engine;
    let files = vec![
        fixture("expense-v1.bpmn"),
        fixture("two-processes.bpmn"),
        ("leave.bpmn".into(), process_file("leave_request", "请假申请 Leave", "")),
        ("pct.bpmn".into(), process_file("discount_pct", "100% discount", "")),
    ];
    assert!(e.deploy(&sys(), "default", None, files, &opts()).await.unwrap().all_ok());
    let search = |text: &str| {
        let q = DefinitionQuery { name_contains: Some(text.to_string()), ..query() };
        async move {
            let mut keys: Vec<String> =
                e.list_definitions(&sys(), &q).await.unwrap().items.into_iter().map(|d| d.key).collect();
            keys.sort();
            keys
        }
    };
    assert_eq!(search("EXPENSE").await, ["expense_approval"], "case-insensitive on the name");
    assert_eq!(search("报销").await, ["expense_approval"]);
    assert_eq!(search("order").await, ["order_intake", "order_shipping"]);
    assert_eq!(search("SHIPP").await, ["order_shipping"]);
    assert_eq!(search("_request").await, ["leave_request"], "on the key, '_' taken literally");
    assert_eq!(search("请假").await, ["leave_request"]);
    assert_eq!(search("order ship").await, ["order_shipping"], "every word must match");
    assert_eq!(search("approval expense").await, ["expense_approval"], "in any order");
    assert_eq!(search("100%").await, ["discount_pct"], "'%' taken literally");
    assert!(search("0%d").await.is_empty());
    assert!(search("payroll").await.is_empty());
    assert_eq!(search("  ").await.len(), 5, "blank search filters nothing");
}
db_test!(search, search_is_fuzzy_on_name_and_key);

// ---- models --------------------------------------------------------------------------------

async fn models_convert_save_and_deploy(db: &TestDb) {
    setup(db).await;
    let e = &db.engine;
    let v1 = deploy_one(db, fixture("expense-v1.bpmn")).await;
    let def_id = v1.definitions[0].id.clone();

    let model = e.convert_to_model(&sys(), &def_id).await.unwrap();
    let m = &model.summary;
    assert_eq!((m.key.as_str(), m.name.as_str(), m.revision), ("expense_approval", "Expense approval 费用报销", 1));
    assert_eq!(m.source_definition_id.as_deref(), Some(def_id.as_str()));
    assert_eq!(model.xml, e.definition(&sys(), &def_id).await.unwrap().xml);
    let again = e.convert_to_model(&sys(), &def_id).await.unwrap_err();
    assert_eq!(again.status(), 409);
    assert!(again.to_string().contains(&m.id), "names the model to open: {again}");
    assert_eq!(e.list_models(&sys(), Some("default"), None).await.unwrap(), vec![m.clone()]);

    // Broken XML is refused with the parser's place and message; nothing changes.
    let broken = model.xml.replace("<bpmn:outgoing>Flow_2</bpmn:outgoing>", "<bpmn:outgoing>Flow_2</bpmn:outgoin>");
    let err = e.save_model_xml(&sys(), &m.id, &broken, m.revision).await.unwrap_err();
    match &err {
        EngineError::Invalid { field: Some("xml"), text } => {
            assert!(text.english().starts_with("Line 15, column"), "{text}")
        }
        other => panic!("expected an xml refusal, got {other:?}"),
    }
    assert_eq!(e.model(&sys(), &m.id).await.unwrap(), model, "a refused save changes nothing");

    // A valid save bumps the revision; the name follows the XML.
    let edited = model.xml.replace("Expense approval 费用报销", "Expense approval 费用报销 (new)");
    let saved = e.save_model_xml(&sys(), &m.id, &edited, m.revision).await.unwrap();
    assert_eq!((saved.summary.revision, saved.summary.name.as_str()), (2, "Expense approval 费用报销 (new)"));
    assert_eq!(e.model(&sys(), &m.id).await.unwrap(), saved);
    let stale = e.save_model_xml(&sys(), &m.id, &edited, m.revision).await.unwrap_err();
    assert!(matches!(stale, EngineError::ChangedMeanwhile { .. }), "{stale}");

    // Deploying the model makes the next version, filed like the model.
    let out = e.deploy_model(&sys(), &m.id).await.unwrap();
    assert!(out.ok, "{out:?}");
    assert_eq!(out.file, "expense_approval.bpmn");
    assert_eq!(out.definitions[0].version, 2);
    assert_eq!(out.definitions[0].name, "Expense approval 费用报销 (new)");
    let unchanged = e.deploy_model(&sys(), &m.id).await.unwrap();
    assert_eq!(unchanged.unchanged, ["expense_approval"]);
    let versions = e.definition_versions(&sys(), "default", "expense_approval").await.unwrap();
    assert_eq!(versions.iter().map(|d| d.version).collect::<Vec<_>>(), [2, 1]);

    // Renaming the process id in the XML moves the model to the new key.
    let renamed = edited.replace("expense_approval", "expense_claim");
    let saved = e.save_model_xml(&sys(), &m.id, &renamed, saved.summary.revision).await.unwrap();
    assert_eq!(saved.summary.key, "expense_claim");
    let out = e.deploy_model(&sys(), &m.id).await.unwrap();
    assert_eq!((out.definitions[0].key.as_str(), out.definitions[0].version), ("expense_claim", 1));

    e.delete_model(&sys(), &m.id).await.unwrap();
    assert_eq!(e.model(&sys(), &m.id).await.unwrap_err().status(), 404);
    assert_eq!(e.delete_model(&sys(), &m.id).await.unwrap_err().status(), 404);
    assert_eq!(counts(db).await, (3, 3, 0), "deployed versions stay");
    // With the model gone, the definition can be converted again.
    e.convert_to_model(&sys(), &def_id).await.unwrap();

    let actions: Vec<_> = e.audit_log(&sys(), 20).await.unwrap().into_iter().map(|a| a.action).collect();
    assert_eq!(
        actions,
        [
            "model.create",
            "model.delete",
            "deployment.create",
            "model.update",
            "deployment.create",
            "model.update",
            "model.create",
            "deployment.create",
            "tenant.create"
        ]
    );
}
db_test!(models, models_convert_save_and_deploy);

async fn a_model_made_from_a_file_without_a_diagram_carries_one(db: &TestDb) {
    setup(db).await;
    let e = &db.engine;
    let file = process_file("laid_out", "Laid out", "no diagram");
    let def_id = deploy_one(db, ("laid-out.bpmn".into(), file)).await.definitions[0].id.clone();
    let stored = e.definition(&sys(), &def_id).await.unwrap().xml;
    assert!(!stored.contains("BPMNDiagram"));

    let model = e.convert_to_model(&sys(), &def_id).await.unwrap();
    assert_eq!(e.model(&sys(), &model.summary.id).await.unwrap(), model, "the stored model has it too");
    let xml = &model.xml;
    let end = stored.find("</definitions>").unwrap();
    assert!(xml.starts_with(&stored[..end]) && xml.ends_with(&stored[end..]), "only a diagram is added:\n{xml}");
    let before = parse(stored.as_bytes(), &opts()).unwrap();
    let after = parse(xml.as_bytes(), &opts()).unwrap();
    assert_eq!(after.processes, before.processes);
    assert!(after.warnings.is_empty(), "{:?}", after.warnings);
    assert_eq!(after.diagrams.len(), 1);
    for node in &before.processes[0].nodes {
        let shape = format!("<bpmndi:BPMNShape id=\"{0}_di\" bpmnElement=\"{0}\"", node.id);
        assert!(xml.contains(&shape), "no shape of {}:\n{xml}", node.id);
    }
    for flow in &before.processes[0].flows {
        assert!(xml.contains(&format!("<bpmndi:BPMNEdge id=\"{0}_di\" bpmnElement=\"{0}\"", flow.id)), "{xml}");
    }
    // The model deploys as the next version, whose picture is the diagram it now carries.
    let out = e.deploy_model(&sys(), &model.summary.id).await.unwrap();
    assert!(out.ok, "{out:?}");
    assert_eq!(out.definitions[0].version, 2);
    let svg = e.definition_diagram_svg(&sys(), &out.definitions[0].id, Overlay::default()).await.unwrap();
    assert!(svg.contains("data-element-id=\"laid_out_t\""), "{svg}");

    // Only empty diagrams (as a modeler writes for a new process) count as none.
    let empty = String::from_utf8(process_file("empty_di", "Empty diagram", "")).unwrap().replace(
        "</definitions>",
        "  <bpmndi:BPMNDiagram id=\"BPMNDiagram_1\" xmlns:bpmndi=\"http://www.omg.org/spec/BPMN/20100524/DI\">\n    \
         <bpmndi:BPMNPlane id=\"BPMNPlane_1\" bpmnElement=\"empty_di\" />\n  </bpmndi:BPMNDiagram>\n</definitions>",
    );
    let def_id = deploy_one(db, ("empty-di.bpmn".into(), empty.into_bytes())).await.definitions[0].id.clone();
    let model = e.convert_to_model(&sys(), &def_id).await.unwrap();
    assert!(!model.xml.contains("BPMNDiagram_1"), "the empty diagram gave way:\n{}", model.xml);
    let after = parse(model.xml.as_bytes(), &opts()).unwrap();
    assert_eq!((after.diagrams.len(), after.diagrams[0].shapes.len()), (1, 3));

    // A file with a diagram converts byte for byte.
    let drawn = deploy_one(db, fixture("two-processes.bpmn")).await;
    for d in &drawn.definitions {
        let model = e.convert_to_model(&sys(), &d.id).await.unwrap();
        assert_eq!(model.xml, e.definition(&sys(), &d.id).await.unwrap().xml);
    }
}
db_test!(model_diagram, a_model_made_from_a_file_without_a_diagram_carries_one);

async fn a_new_model_starts_from_a_start_event_and_deploys(db: &TestDb) {
    setup(db).await;
    let e = &db.engine;
    let new = NewModel { tenant_id: "default", catalog_id: None, key: " leave_apply ", name: "请假申请" };
    let model = e.create_model(&sys(), &new, Lang::Zh).await.unwrap();
    let m = &model.summary;
    assert_eq!(
        (m.key.as_str(), m.name.as_str(), m.revision, m.source_definition_id.as_deref()),
        ("leave_apply", "请假申请", 1, None)
    );
    assert!(model.xml.contains(r#"<bpmn:startEvent id="StartEvent_1" name="开始" />"#), "{}", model.xml);
    assert_eq!(e.model(&sys(), &m.id).await.unwrap(), model);

    // The same key again is refused, naming the model to open; so are bad keys and names.
    let again = e.create_model(&sys(), &new, Lang::En).await.unwrap_err();
    assert_eq!(again.status(), 409);
    assert!(again.to_string().contains(&m.id), "{again}");
    let bad_key = NewModel { key: "1 x", ..new };
    match e.create_model(&sys(), &bad_key, Lang::En).await.unwrap_err() {
        EngineError::Invalid { field: Some("key"), text } => assert!(text.english().contains("'1 x'"), "{text}"),
        other => panic!("expected a key refusal, got {other:?}"),
    }
    let no_name = NewModel { key: "other", name: " ", ..new };
    assert!(matches!(
        e.create_model(&sys(), &no_name, Lang::En).await,
        Err(EngineError::Invalid { field: Some("name"), .. })
    ));
    let no_node = NewModel { key: "other", catalog_id: Some("missing"), ..new };
    assert_eq!(e.create_model(&sys(), &no_node, Lang::En).await.unwrap_err().status(), 404);
    let no_tenant = NewModel { key: "other", tenant_id: "missing", ..new };
    assert_eq!(e.create_model(&sys(), &no_tenant, Lang::En).await.unwrap_err().status(), 404);
    assert_eq!(e.list_models(&sys(), Some("default"), None).await.unwrap().len(), 1, "refusals store nothing");

    // The designer opens the file as it is while it has a diagram; saved without one, laid out.
    assert_eq!(model.design_xml(), model.xml);
    let end = model.xml.find("  <bpmndi:BPMNDiagram").unwrap();
    let bare = format!("{}</bpmn:definitions>\n", &model.xml[..end]);
    let saved = e.save_model_xml(&sys(), &m.id, &bare, m.revision).await.unwrap();
    assert!(!saved.xml.contains("BPMNShape"));
    let drawn = saved.design_xml();
    assert!(drawn.contains(r#"bpmnElement="StartEvent_1""#), "{drawn}");
    assert!(parse(drawn.as_bytes(), &opts()).unwrap().is_drawn());
    // It deploys as version 1 of its key, and a process of only a start event is startable.
    let out = e.deploy_model(&sys(), &m.id).await.unwrap();
    assert!(out.ok, "{out:?}");
    assert_eq!((out.definitions[0].key.as_str(), out.definitions[0].version), ("leave_apply", 1));
    assert!(out.definitions[0].startable, "{out:?}");
}
db_test!(new_model, a_new_model_starts_from_a_start_event_and_deploys);

// ---- concurrency ---------------------------------------------------------------------------

async fn concurrent_deployments_of_one_key_get_distinct_versions(db: &TestDb) {
    setup(db).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let engine = db.engine.clone();
        tasks.push(tokio::spawn(async move {
            let file = (format!("race-{i}.bpmn"), process_file("race", "Race", &format!("writer {i}")));
            engine.deploy(&Account::system(), "default", None, vec![file], &ParseOptions::default()).await
        }));
    }
    let mut versions = Vec::new();
    for t in tasks {
        let report = t.await.unwrap().unwrap();
        assert!(report.all_ok(), "{report:?}");
        versions.push(report.files[0].definitions[0].version);
    }
    versions.sort();
    assert_eq!(versions, (1..=8).collect::<Vec<i64>>(), "no gaps, no duplicates");
    let stored = db.engine.definition_versions(&sys(), "default", "race").await.unwrap();
    assert_eq!(stored.iter().map(|d| d.version).collect::<Vec<_>>(), (1..=8).rev().collect::<Vec<i64>>());
    assert_eq!(counts(db).await, (8, 8, 0), "losers of a race leave no deployment behind");
}
db_test!(concurrency, concurrent_deployments_of_one_key_get_distinct_versions);

// ---- conformance ---------------------------------------------------------------------------

async fn every_miwg_reference_model_deploys_in_one_batch(db: &TestDb) {
    setup(db).await;
    let dir = Path::new(MIWG);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("the MIWG reference models are missing at {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bpmn"))
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{} MIWG files", files.len());
    let n = files.len();
    let report = db.engine.deploy(&sys(), "default", None, files, &opts()).await.unwrap();
    let failed: Vec<_> = report.files.iter().filter(|f| !f.ok).map(|f| format!("{}: {:?}", f.file, f.error)).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(report.files.len(), n);
    assert!(report.files.iter().all(|f| !f.definitions.is_empty() || !f.unchanged.is_empty()));
    assert_eq!(count(db, "deployments").await, n as i64);
    let defs: usize = report.files.iter().map(|f| f.definitions.len()).sum();
    assert_eq!(count(db, "process_definitions").await, defs as i64);
}
db_test!(miwg, every_miwg_reference_model_deploys_in_one_batch);
