//! What the Camunda compatible REST API asks of the engine: instance and definition lists
//! filtered by Camunda's parameters with offset pages and counts, in the caller's tenant
//! scope; several variables changed in one command; credentials checked without a session
//! (throttled and audited like a sign-in, remembered when right, never when wrong); an
//! all-or-nothing deployment; the latest version of a key.

use engine::db_test;
use engine::deploy::{DefinitionFilter, DefinitionOrderBy};
use engine::identity::Role;
use engine::instances::{InstanceFilter, InstanceOrderBy, StartRequest};
use engine::testing::TestDb;
use engine::EngineError;
use serde_json::{json, Map, Value};

use crate::common::{deploy, flow, sys, HEAD};

const TASK: &str = r#"<startEvent id="s"/><userTask id="t"/><endEvent id="e"/>"#;

fn body() -> String {
    format!("{TASK}{}{}", flow("f1", "s", "t"), flow("f2", "t", "e"))
}

fn start(business_key: &str, tenant: Option<&str>) -> StartRequest {
    StartRequest {
        tenant: tenant.map(str::to_owned),
        business_key: Some(business_key.to_owned()),
        initiator: None,
        variables: Map::new(),
    }
}

fn vars(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

async fn filtered_instances(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "alpha", &body()).await;
    deploy(e, "beta", &body()).await;
    e.create_tenant(&sys(), Some("north"), "North").await.unwrap();
    let xml = format!(r#"{HEAD}<process id="alpha" isExecutable="true">{}</process></definitions>"#, body());
    e.deploy(&sys(), "north", None, vec![("a.bpmn".into(), xml.into_bytes())], &Default::default()).await.unwrap();
    let a1 = e.start_instance(&sys(), "alpha", None, start("A1", Some("default"))).await.unwrap();
    let a2 = e.start_instance(&sys(), "alpha", None, start("A2", Some("default"))).await.unwrap();
    let b1 = e.start_instance(&sys(), "beta", None, start("B1", None)).await.unwrap();
    let north = e.start_instance(&sys(), "alpha", None, start("N1", Some("north"))).await.unwrap();
    let done = e.start_instance(&sys(), "beta", None, start("B2", None)).await.unwrap();
    e.terminate_instance(&sys(), &done.id, "", None).await.unwrap();
    e.suspend_instance(&sys(), &a2.id, "", None).await.unwrap();

    let page = |f: InstanceFilter| InstanceFilter { limit: 100, ..f };
    let ids = |found: Vec<engine::instances::InstanceSummary>| found.into_iter().map(|i| i.id).collect::<Vec<_>>();
    let by_key = page(InstanceFilter {
        definition_key: Some("alpha".into()),
        order_by: InstanceOrderBy::BusinessKey,
        ..Default::default()
    });
    assert_eq!(
        ids(e.filter_instances(&sys(), &by_key).await.unwrap()),
        [a1.id.clone(), a2.id.clone(), north.id.clone()]
    );
    assert_eq!(e.count_instances(&sys(), &by_key).await.unwrap(), 3);
    // Ended instances are not in the runtime list.
    let beta = InstanceFilter { definition_key: Some("beta".into()), ..page(Default::default()) };
    assert_eq!(ids(e.filter_instances(&sys(), &beta).await.unwrap()), std::slice::from_ref(&b1.id));
    // State, business key, ids, tenants, descending order and offset pages.
    let suspended = InstanceFilter { suspended: true, ..page(Default::default()) };
    assert_eq!(ids(e.filter_instances(&sys(), &suspended).await.unwrap()), std::slice::from_ref(&a2.id));
    let active = InstanceFilter { active: true, ..by_key.clone() };
    assert_eq!(e.count_instances(&sys(), &active).await.unwrap(), 2);
    let like = InstanceFilter { business_key_like: Some("1".into()), ..page(Default::default()) };
    assert_eq!(e.count_instances(&sys(), &like).await.unwrap(), 3);
    let exact = InstanceFilter { business_key: Some("A1".into()), ..page(Default::default()) };
    assert_eq!(ids(e.filter_instances(&sys(), &exact).await.unwrap()), std::slice::from_ref(&a1.id));
    let some = InstanceFilter { ids: vec![a1.id.clone(), b1.id.clone(), done.id.clone()], ..page(Default::default()) };
    assert_eq!(e.count_instances(&sys(), &some).await.unwrap(), 2);
    let north_only = InstanceFilter { tenants: vec!["north".into()], ..page(Default::default()) };
    assert_eq!(ids(e.filter_instances(&sys(), &north_only).await.unwrap()), std::slice::from_ref(&north.id));
    let second = InstanceFilter { descending: true, offset: 1, limit: 1, ..by_key.clone() };
    assert_eq!(ids(e.filter_instances(&sys(), &second).await.unwrap()), std::slice::from_ref(&a2.id));
    let none = InstanceFilter { limit: 0, ..by_key.clone() };
    assert!(e.filter_instances(&sys(), &none).await.unwrap().is_empty());

    // A tenant manager sees their tenant only, whatever they ask for.
    let manager =
        e.create_account("northmgr", "N", "north-password", Role::TenantManager, Some("north")).await.unwrap();
    assert_eq!(ids(e.filter_instances(&manager, &by_key).await.unwrap()), std::slice::from_ref(&north.id));
    let other = InstanceFilter { tenants: vec!["default".into()], ..by_key.clone() };
    assert_eq!(e.count_instances(&manager, &other).await.unwrap(), 0);
    assert!(matches!(e.process_instance_variables(&manager, &a1.id).await, Err(EngineError::NotFound { .. })));
}

db_test!(rest_filtered_instances, filtered_instances);

async fn variables_in_one_command(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "alpha", &body()).await;
    let mut req = start("V", None);
    req.variables = vars(json!({"a": 1, "b": "two", "c": true}));
    let inst = e.start_instance(&sys(), "alpha", None, req).await.unwrap();
    e.modify_variables(&sys(), &inst.id, vars(json!({"a": 5, "d": {"x": [1]}})), vec!["b".into(), "missing".into()])
        .await
        .unwrap();
    let now = e.process_instance_variables(&sys(), &inst.id).await.unwrap();
    assert_eq!(Value::Object(now.clone()).get("a"), Some(&json!(5)));
    assert_eq!(now.get("d"), Some(&json!({"x": [1]})));
    assert!(!now.contains_key("b") && now.contains_key("c"), "{now:?}");
    let history = e.instance(&sys(), &inst.id).await.unwrap().variable_history;
    assert!(history.iter().any(|h| h.name == "b" && h.value.is_none()), "{history:?}");
    // Set and delete at once: refused, nothing changed.
    let both = e.modify_variables(&sys(), &inst.id, vars(json!({"c": false})), vec!["c".into()]).await;
    assert!(matches!(both, Err(EngineError::Invalid { .. })), "{both:?}");
    assert_eq!(e.process_instance_variables(&sys(), &inst.id).await.unwrap().get("c"), Some(&json!(true)));
    // An ended instance's variables are history.
    e.terminate_instance(&sys(), &inst.id, "", None).await.unwrap();
    let ended = e.modify_variables(&sys(), &inst.id, vars(json!({"c": false})), Vec::new()).await;
    assert!(matches!(ended, Err(EngineError::Conflict { .. })), "{ended:?}");
    assert!(matches!(e.process_instance_variables(&sys(), "nope").await, Err(EngineError::NotFound { .. })));
}

db_test!(rest_variables_in_one_command, variables_in_one_command);

async fn credentials_without_a_session(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    e.create_account("worker", "Worker", "worker-password", Role::Admin, None).await.unwrap();
    let account = e.verify_credentials_cached("worker", "worker-password", None).await.unwrap();
    assert_eq!(account.username, "worker");
    // Remembered: the same answer again.
    assert_eq!(e.verify_credentials_cached("worker", "worker-password", None).await.unwrap(), account);
    // A wrong password is checked (and audited) every time.
    for _ in 0..2 {
        let wrong = e.verify_credentials_cached("worker", "wrong-password", None).await;
        assert!(matches!(wrong, Err(EngineError::BadCredentials)), "{wrong:?}");
    }
    let failed = e.audit_log(&sys(), 20).await.unwrap();
    assert_eq!(failed.iter().filter(|a| a.action == "sign_in.failed" && a.target == "worker").count(), 2);
}

db_test!(rest_credentials_without_a_session, credentials_without_a_session);

async fn definitions_and_deployments(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "alpha", &body()).await;
    deploy(e, "alpha", &format!("{}<!-- v2 -->", body())).await;
    deploy(e, "beta", &body()).await;
    let f = |f: DefinitionFilter| DefinitionFilter { limit: 100, ..f };
    let latest = f(DefinitionFilter { latest: true, order_by: DefinitionOrderBy::Key, ..Default::default() });
    let found = e.filter_definitions(&sys(), &latest).await.unwrap();
    let keys: Vec<(&str, i64)> = found.iter().map(|d| (d.summary.key.as_str(), d.summary.version)).collect();
    assert_eq!(keys, [("alpha", 2), ("beta", 1)]);
    assert_eq!(
        e.count_definitions(&sys(), &f(DefinitionFilter { key_like: Some("lph".into()), ..Default::default() }))
            .await
            .unwrap(),
        2
    );
    let by_name = f(DefinitionFilter { name_like: Some("BETA PRO".into()), ..Default::default() });
    assert_eq!(e.count_definitions(&sys(), &by_name).await.unwrap(), 1);
    let v1 = f(DefinitionFilter { key: Some("alpha".into()), version: Some(1), ..Default::default() });
    assert_eq!(e.filter_definitions(&sys(), &v1).await.unwrap()[0].summary.version, 1);
    assert_eq!(e.latest_definition(&sys(), "alpha", None).await.unwrap().summary.version, 2);
    assert!(matches!(e.latest_definition(&sys(), "nope", None).await, Err(EngineError::NotFound { .. })));

    // The same key in two tenants: the tenant must be named.
    e.create_tenant(&sys(), Some("north"), "North").await.unwrap();
    let xml = format!(
        r#"{HEAD}<process id="beta" isExecutable="true" camunda:versionTag="n1">{}</process></definitions>"#,
        body()
    );
    e.deploy_all_or_nothing(&sys(), "north", vec![("b.bpmn".into(), xml.into_bytes())], &Default::default())
        .await
        .unwrap();
    let ambiguous = e.latest_definition(&sys(), "beta", None).await;
    assert!(matches!(ambiguous, Err(EngineError::Invalid { .. })), "{ambiguous:?}");
    let north = e.latest_definition(&sys(), "beta", Some("north")).await.unwrap();
    assert_eq!((north.summary.tenant_id.as_str(), north.version_tag.as_deref()), ("north", Some("n1")));
    let manager =
        e.create_account("northmgr", "N", "north-password", Role::TenantManager, Some("north")).await.unwrap();
    assert_eq!(e.latest_definition(&manager, "beta", None).await.unwrap().summary.id, north.summary.id);
    assert!(matches!(e.latest_definition(&manager, "alpha", None).await, Err(EngineError::NotFound { .. })));

    // One broken file refuses the whole deployment.
    let good = format!(r#"{HEAD}<process id="gamma" isExecutable="true">{}</process></definitions>"#, body());
    let files = vec![("g.bpmn".into(), good.into_bytes()), ("broken.bpmn".into(), b"<definitions".to_vec())];
    let refused = e.deploy_all_or_nothing(&sys(), "default", files, &Default::default()).await;
    match refused {
        Err(EngineError::Invalid { text, .. }) => assert!(text.english().starts_with("broken.bpmn: "), "{text}"),
        other => panic!("refused: {other:?}"),
    }
    let gamma = f(DefinitionFilter { key: Some("gamma".into()), ..Default::default() });
    assert_eq!(e.count_definitions(&sys(), &gamma).await.unwrap(), 0);
}

db_test!(rest_definitions_and_deployments, definitions_and_deployments);
