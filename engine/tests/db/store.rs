//! Storage tests of identity, sessions, tenants, catalog and audit, on SQLite and PostgreSQL.

use engine::catalog::CatalogInput;
use engine::db_test;
use engine::identity::{Account, Role};
use engine::testing::TestDb;
use engine::EngineError;

fn input(name: &str, code: &str) -> CatalogInput {
    CatalogInput { name: name.into(), code: code.into() }
}

async fn connects_and_migrates(db: &TestDb) {
    db.engine.store().ping().await.unwrap();
    // A second connect on a migrated database is a no-op, not an error.
    let again = engine::Store::connect(&db.url).await.unwrap();
    again.ping().await.unwrap();
    again.close().await;
}
db_test!(connectivity, connects_and_migrates);

async fn sign_in_and_sessions(db: &TestDb) {
    let e = &db.engine;
    assert_eq!(e.ensure_admin(Some("correct horse")).await.unwrap(), None, "a given password is not printed");
    assert_eq!(e.ensure_admin(None).await.unwrap(), None, "the admin is created once");
    assert!(matches!(e.sign_in("admin", "wrong").await, Err(EngineError::BadCredentials)));
    assert!(matches!(e.sign_in("nobody", "correct horse").await, Err(EngineError::BadCredentials)));
    let (token, account) = e.sign_in("admin", "correct horse").await.unwrap();
    assert_eq!(account.role, Role::Admin);
    let session = e.session(&token).await.unwrap().expect("live session");
    assert_eq!(session.account.username, "admin");
    assert!(e.session("not-a-token").await.unwrap().is_none());
    // Sessions expire.
    e.clock().advance(engine::identity::SESSION_TTL_MS + 1);
    assert!(e.session(&token).await.unwrap().is_none());
    let (token2, _) = e.sign_in("admin", "correct horse").await.unwrap();
    e.sign_out(&token2).await.unwrap();
    assert!(e.session(&token2).await.unwrap().is_none());
}
db_test!(sessions, sign_in_and_sessions);

async fn sign_ins_are_throttled_and_failures_audited(db: &TestDb) {
    let e = &db.engine;
    e.ensure_admin(Some("correct horse")).await.unwrap();
    let from: std::net::IpAddr = "192.0.2.10".parse().unwrap();
    for _ in 0..engine::throttle::ACCOUNT_FREE_FAILURES {
        assert!(matches!(e.sign_in_from("admin", "wrong", Some(from)).await, Err(EngineError::BadCredentials)));
    }
    // Now even the right password waits, and the refusal says how long.
    match e.sign_in_from("admin", "correct horse", Some(from)).await {
        Err(EngineError::Throttled { wait_secs }) => assert_eq!(wait_secs, 1),
        other => panic!("expected a throttled sign-in, got {other:?}"),
    }
    let err = e.sign_in("admin", "correct horse").await.unwrap_err();
    assert_eq!((err.status(), err.code()), (429, "throttled"));
    assert!(err.to_string().contains("1 seconds"), "{err}");
    // After the wait it works, and starts the count afresh.
    e.clock().advance(1_000);
    e.sign_in_from("admin", "correct horse", Some(from)).await.unwrap();
    assert!(matches!(e.sign_in("admin", "wrong").await, Err(EngineError::BadCredentials)));
    e.sign_in("admin", "correct horse").await.unwrap();
    // Every wrong password is in the audit log, with the address.
    let admin = Account {
        id: "x".into(),
        username: "auditor".into(),
        display_name: "Auditor".into(),
        role: Role::Admin,
        tenant_id: None,
    };
    let log = e.audit_log(&admin, 100).await.unwrap();
    let failed: Vec<_> = log.iter().filter(|a| a.action == "sign_in.failed").collect();
    assert_eq!(failed.len(), engine::throttle::ACCOUNT_FREE_FAILURES as usize + 1);
    assert!(failed.iter().all(|a| a.actor == "admin" && a.target == "admin"));
    assert!(failed.iter().any(|a| a.detail.contains("192.0.2.10") && a.detail.contains("5 in a row")), "{failed:?}");
}
db_test!(sign_in_throttling, sign_ins_are_throttled_and_failures_audited);

async fn idle_sessions_end_and_sign_out_everywhere(db: &TestDb) {
    use engine::identity::{SESSION_IDLE_MS, SESSION_TTL_MS};
    let e = &db.engine;
    e.ensure_admin(Some("correct horse")).await.unwrap();
    let (token, _) = e.sign_in("admin", "correct horse").await.unwrap();
    // Use keeps it alive past the idle limit ...
    for _ in 0..3 {
        e.clock().advance(SESSION_IDLE_MS - 60_000);
        assert!(e.session_used(&token, true).await.unwrap().is_some());
    }
    // ... background refreshes do not.
    e.clock().advance(SESSION_IDLE_MS - 60_000);
    assert!(e.session_used(&token, false).await.unwrap().is_some());
    e.clock().advance(60_001);
    assert!(e.session_used(&token, true).await.unwrap().is_none(), "idle for longer than the limit");
    // Use never stretches a session past its absolute lifetime.
    let (token, _) = e.sign_in("admin", "correct horse").await.unwrap();
    let mut used = 0;
    while e.session_used(&token, true).await.unwrap().is_some() {
        e.clock().advance(SESSION_IDLE_MS / 2);
        used += SESSION_IDLE_MS / 2;
        assert!(used <= SESSION_TTL_MS, "the session outlived its absolute lifetime");
    }
    assert!(used >= SESSION_TTL_MS - SESSION_IDLE_MS, "ended after {used} ms of use");
    // Sign out everywhere ends every session of the account, and only those.
    let (a, account) = e.sign_in("admin", "correct horse").await.unwrap();
    let (b, _) = e.sign_in("admin", "correct horse").await.unwrap();
    e.create_account("other", "Other", "other-password", Role::Admin, None).await.unwrap();
    let (c, _) = e.sign_in("other", "other-password").await.unwrap();
    assert_eq!(e.sign_out_everywhere(&account).await.unwrap(), 2);
    assert!(e.session(&a).await.unwrap().is_none() && e.session(&b).await.unwrap().is_none());
    assert!(e.session(&c).await.unwrap().is_some());
}
db_test!(session_idle_and_everywhere, idle_sessions_end_and_sign_out_everywhere);

async fn generated_admin_password_works(db: &TestDb) {
    let pw = db.engine.ensure_admin(None).await.unwrap().expect("generated password");
    assert_eq!(pw.len(), 16);
    db.engine.sign_in("admin", &pw).await.unwrap();
}
db_test!(generated_admin, generated_admin_password_works);

async fn tenants_rename_with_revision(db: &TestDb) {
    let e = &db.engine;
    let sys = Account::system();
    e.ensure_default_tenant().await.unwrap();
    let t = e.create_tenant(&sys, Some("north"), "华北").await.unwrap();
    let err = e.create_tenant(&sys, Some("south"), "华北").await.unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let renamed = e.rename_tenant(&sys, "north", " 华北分公司 ", t.revision).await.unwrap();
    assert_eq!(renamed.name, "华北分公司");
    // A stale revision is refused, never a lost update.
    let stale = e.rename_tenant(&sys, "north", "x", t.revision).await.unwrap_err();
    assert!(matches!(stale, EngineError::ChangedMeanwhile { .. }), "{stale}");
    let empty = e.rename_tenant(&sys, "north", "  ", renamed.revision).await.unwrap_err();
    assert_eq!(empty.status(), 422);
    let dup = e.rename_tenant(&sys, "north", "默认租户", renamed.revision).await.unwrap_err();
    assert!(dup.to_string().contains("already named"), "{dup}");
    assert_eq!(e.get_tenant(&sys, "north").await.unwrap().name, "华北分公司", "refusals change nothing");
    let log = e.audit_log(&sys, 10).await.unwrap();
    assert_eq!(log[0].action, "tenant.rename");
    assert_eq!(log[0].detail, "华北 → 华北分公司");
}
db_test!(tenants, tenants_rename_with_revision);

async fn tenant_manager_sees_only_its_tenant(db: &TestDb) {
    let e = &db.engine;
    let summary = e.load_demo("manager-pass").await.unwrap();
    assert_eq!(summary.tenants, 2);
    assert!(summary.people >= 20);
    let (_, manager) = e.sign_in("east-manager", "manager-pass").await.unwrap();
    let visible: Vec<_> = e.list_tenants(&manager).await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(visible, ["east"]);
    assert!(matches!(e.get_tenant(&manager, "default").await, Err(EngineError::NotFound { .. })));
    assert!(e.people(&manager, "default").await.is_err());
    assert_eq!(e.people(&manager, "east").await.unwrap().len(), summary.people / 2);
    let refused = e.create_tenant(&manager, None, "mine").await.unwrap_err();
    assert_eq!(refused.status(), 403);
    let refused = e.create_catalog_node(&manager, None, &input("x", "x")).await.unwrap_err();
    assert_eq!(refused.status(), 403);
    let o = e.overview(&manager, None).await.unwrap();
    assert_eq!((o.tenants, o.people), (1, (summary.people / 2) as i64));
}
db_test!(tenant_scope, tenant_manager_sees_only_its_tenant);

async fn catalog_tree_edit_and_delete(db: &TestDb) {
    let e = &db.engine;
    let sys = Account::system();
    let fin = e.create_catalog_node(&sys, None, &input("财务", "finance")).await.unwrap();
    let exp = e.create_catalog_node(&sys, Some(&fin.id), &input("报销", "expense")).await.unwrap();
    let dup = e.create_catalog_node(&sys, None, &input("Other", "finance")).await.unwrap_err();
    assert!(matches!(&dup, EngineError::Invalid { field: Some("code"), .. }), "{dup}");
    let missing_parent = e.create_catalog_node(&sys, Some("nope"), &input("a", "a")).await.unwrap_err();
    assert_eq!(missing_parent.status(), 404);

    let tree = e.catalog().await.unwrap();
    assert_eq!(tree.iter().map(|n| n.code.as_str()).collect::<Vec<_>>(), ["finance", "expense"]);

    let edited = e.update_catalog_node(&sys, &exp.id, &input("费用报销", "fee"), exp.revision).await.unwrap();
    assert_eq!((edited.name.as_str(), edited.code.as_str()), ("费用报销", "fee"));
    let stale = e.update_catalog_node(&sys, &exp.id, &input("x", "y"), exp.revision).await.unwrap_err();
    assert!(matches!(stale, EngineError::ChangedMeanwhile { .. }));

    let refused = e.delete_catalog_node(&sys, &fin.id).await.unwrap_err();
    assert_eq!(refused.status(), 409);
    assert!(refused.to_string().contains("sub-categories"), "{refused}");
    e.delete_catalog_node(&sys, &exp.id).await.unwrap();
    e.delete_catalog_node(&sys, &fin.id).await.unwrap();
    assert!(e.catalog().await.unwrap().is_empty());
    let actions: Vec<_> = e.audit_log(&sys, 10).await.unwrap().into_iter().map(|a| a.action).collect();
    assert_eq!(actions, ["catalog.delete", "catalog.delete", "catalog.update", "catalog.create", "catalog.create"]);
}
db_test!(catalog, catalog_tree_edit_and_delete);

async fn api_tokens_create_use_revoke(db: &TestDb) {
    let e = &db.engine;
    e.load_demo("manager-pass").await.unwrap();
    let (_, admin) = {
        e.ensure_admin(Some("admin-pass")).await.unwrap();
        e.sign_in("admin", "admin-pass").await.unwrap()
    };
    let (_, manager) = e.sign_in("east-manager", "manager-pass").await.unwrap();
    assert_eq!(e.create_api_token(&admin, "  ").await.unwrap_err().status(), 422);
    let (global, secret) = e.create_api_token(&admin, "ERP").await.unwrap();
    assert!(secret.starts_with("bpm_") && secret.len() > 60);
    let (scoped, scoped_secret) = e.create_api_token(&manager, "east app").await.unwrap();
    assert_eq!(scoped.tenant_id.as_deref(), Some("east"));

    let acting = e.api_token_account(&secret).await.unwrap().expect("valid token");
    assert_eq!(acting.role, Role::Admin);
    let acting = e.api_token_account(&scoped_secret).await.unwrap().expect("valid token");
    assert_eq!(acting.tenant_scope(), Some("east"));
    assert!(e.api_token_account("bpm_wrong").await.unwrap().is_none());

    // A tenant manager sees and revokes only its tenant's tokens.
    let seen: Vec<_> = e.list_api_tokens(&manager).await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(seen, vec![scoped.id.clone()]);
    assert_eq!(e.revoke_api_token(&manager, &global.id).await.unwrap_err().status(), 404);
    e.revoke_api_token(&admin, &global.id).await.unwrap();
    assert!(e.api_token_account(&secret).await.unwrap().is_none(), "revoked tokens are refused");
    assert_eq!(e.revoke_api_token(&admin, &global.id).await.unwrap_err().status(), 409);
    let listed = e.list_api_tokens(&admin).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|t| t.id == scoped.id && t.last_used_at.is_some()));
}
db_test!(api_tokens, api_tokens_create_use_revoke);

async fn org_units_refuse_foreign_parents_like_missing_ones(db: &TestDb) {
    let e = &db.engine;
    let sys = Account::system();
    e.create_tenant(&sys, Some("north"), "North").await.unwrap();
    e.create_tenant(&sys, Some("south"), "South").await.unwrap();
    let south = e.create_org_unit(&sys, "south", None, "South HQ").await.unwrap();
    let north = e.create_org_unit(&sys, "north", None, "North HQ").await.unwrap();
    let manager = e.create_account("north-mgr", "N", "manager-pass", Role::TenantManager, Some("north")).await.unwrap();
    // The same refusal, with the id in the same place, for a unit of another tenant and for
    // none at all: the answer does not tell whether the id exists elsewhere.
    let same_shape = |err: EngineError, id: &str| {
        assert!(matches!(err, EngineError::NotFound { what: "thing.org_unit", .. }), "{err}");
        assert_eq!(err.status(), 404);
        err.to_string().replace(id, "<id>")
    };
    for caller in [&sys, &manager] {
        let foreign = e.create_org_unit(caller, "north", Some(&south.id), "x").await.unwrap_err();
        let missing = e.create_org_unit(caller, "north", Some("no-such-unit"), "x").await.unwrap_err();
        assert_eq!(same_shape(foreign, &south.id), same_shape(missing, "no-such-unit"));
    }
    let foreign = e.create_person(&manager, &south.id, None, "Eve", &[]).await.unwrap_err();
    let missing = e.create_person(&manager, "no-such-unit", None, "Eve", &[]).await.unwrap_err();
    assert_eq!(same_shape(foreign, &south.id), same_shape(missing, "no-such-unit"));
    // Within the tenant it works, and the refusals stored nothing.
    let child = e.create_org_unit(&manager, "north", Some(&north.id), " Sales ").await.unwrap();
    assert_eq!((child.parent_id.as_deref(), child.name.as_str()), (Some(north.id.as_str()), "Sales"));
    assert_eq!(e.org_units(&sys, "north").await.unwrap().len(), 2);
    assert_eq!(e.org_units(&sys, "south").await.unwrap().len(), 1);
    assert!(e.people(&sys, "south").await.unwrap().is_empty());
}
db_test!(org_tenant_gap, org_units_refuse_foreign_parents_like_missing_ones);

async fn nul_characters_are_refused_as_input(db: &TestDb) {
    let e = &db.engine;
    let sys = Account::system();
    e.ensure_default_tenant().await.unwrap();
    fn field<T>(r: Result<T, EngineError>) -> Option<&'static str> {
        match r.map(|_| ()).unwrap_err() {
            EngineError::Invalid { field, text } => {
                assert!(text.english().contains("NUL"), "{text}");
                field
            }
            other => panic!("expected a 422 refusal, got {other}"),
        }
    }
    assert_eq!(field(e.create_tenant(&sys, None, "a\0b").await), Some("name"));
    assert_eq!(field(e.create_org_unit(&sys, "default", None, "Unit\0").await), Some("name"));
    let unit = e.create_org_unit(&sys, "default", None, "Unit").await.unwrap();
    assert_eq!(field(e.create_person(&sys, &unit.id, None, "P", &["g\0"]).await), Some("groups"));
    assert_eq!(field(e.create_catalog_node(&sys, None, &input("n\0", "c")).await), Some("name"));
    assert_eq!(field(e.create_api_token(&sys, "t\0").await), Some("name"));
    // An id with NUL (PostgreSQL cannot even compare it) is a refusal, never a failure.
    let lookup = e.org_units(&sys, "default\0").await.unwrap_err();
    assert!(matches!(lookup.status(), 404 | 422), "{lookup}");
    assert_eq!(e.list_tenants(&sys).await.unwrap().len(), 1, "nothing was stored");
}
db_test!(nul_input, nul_characters_are_refused_as_input);
