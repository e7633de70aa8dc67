//! The tokens, and the task list's search on both databases: every search is run with the plan
//! the store picks and by walking the list's order, and both must find the same tasks.

use std::collections::BTreeSet;

use serde_json::json;

use super::*;
use crate::identity::Account;
use crate::instances::{InstanceCategory, InstanceQuery, StartRequest, TaskCategory, TaskQuery};
use crate::testing::TestDb;

/// Reads a token back into its characters (the codes are a prefix-free code).
fn decode(token: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut rest = token;
    while let Some(first) = rest.chars().next() {
        let digits = match first {
            '7' => 2,
            '8' => 3,
            '9' => 4,
            c => {
                out.push(c);
                rest = &rest[1..];
                continue;
            }
        };
        let n = u32::from_str_radix(&rest[1..=digits], 36).expect("base-36 digits");
        out.push(char::from_u32(n).expect("a character"));
        rest = &rest[1 + digits..];
    }
    out
}

#[test]
fn codes_are_letters_and_digits_and_read_back() {
    for c in [
        'a',
        'z',
        '0',
        '6',
        '7',
        '9',
        'A',
        '-',
        '_',
        '%',
        '\u{e9}',
        '\u{3000}',
        '王',
        '芳',
        '\u{ffff}',
        '😀',
        '\u{10ffff}',
    ] {
        let mut t = String::new();
        push_code(c, &mut t);
        assert!(t.chars().all(|x| x.is_ascii_lowercase() || x.is_ascii_digit()), "{c:?}: {t}");
        assert_eq!(decode(&t), vec![c], "{c:?}: {t}");
    }
    let mut t = String::new();
    push_code('王', &mut t);
    assert_eq!(t.len(), 4, "a Chinese character of the basic plane is 8 and three digits");
    // Two characters written one after the other read back as the two.
    let mut pair = String::new();
    for c in ['7', 'x', '芳', '😀', 'q'] {
        push_code(c, &mut pair);
    }
    assert_eq!(decode(&pair), vec!['7', 'x', '芳', '😀', 'q']);
}

#[test]
fn grams_are_the_pairs_and_the_characters_not_ascii_of_each_word() {
    let code = |s: &str| s.chars().fold(String::new(), |mut t, c| (push_code(c, &mut t), t).1);
    let g = grams("ab 王芳\nab");
    let want: Vec<String> = {
        let mut w: Vec<String> = ["ab", "王", "芳", "王芳"].iter().map(|s| code(s)).collect();
        w.sort();
        w
    };
    assert_eq!(g, want.join(" "), "sorted, without repeats");
    assert_eq!(grams(""), "");
    assert_eq!(grams("a \u{3000}\n"), "", "whitespace of any kind separates words; one ASCII letter is no token");
    assert_eq!(word_tokens("王"), vec![code("王")]);
    assert!(word_tokens("a").is_empty());
    assert_eq!(word_tokens("王芳"), vec![code("王芳")]);
    assert_eq!(word_tokens("abab"), vec![code("ab"), code("ba")], "pairs without repeats");
}

#[test]
fn keys_are_one_token_beside_the_grams() {
    assert_eq!(key_token("WangFang"), "wangfang");
    assert_eq!(key_token("li.na"), "li71ana");
    let s = SearchText::of(&[("a B", true), ("Listed", false)], &[Some("Zhao"), None]);
    assert_eq!((s.text.as_str(), s.grams.as_str()), ("a b\nlisted", "zhao"));
    assert_eq!(SearchText::of(&[("abc", true)], &[Some("ab")]).grams, "ab bc", "a short key is a token already");
}

#[test]
fn task_search_text_holds_every_field_lowercase() {
    let s = task_search(
        "部门经理审批",
        Some("WangFang"),
        &["finance".into(), "Audit".into()],
        Some("BK-1"),
        "报销",
        "expense",
    );
    assert_eq!(s.text, "部门经理审批\nwangfang\nfinance audit\nbk-1\n报销\nexpense");
    let mut want: Vec<String> =
        grams("部门经理审批\nwangfang\nfinance audit\nbk-1").split(' ').map(str::to_owned).collect();
    want.extend(["wangfang".to_owned(), "expense".to_owned()]);
    want.sort();
    assert_eq!(s.grams, want.join(" "), "the process's name has no tokens: its key's token finds it");
    assert_eq!(task_search("A", None, &[], None, "P", "p").text, "a\np\np", "empty fields are left out");
    let i = instance_search(Some("BK-1"), "报销", "expense", Some("Li"));
    assert_eq!(i.text, "bk-1\n报销\nexpense\nli");
    assert_eq!(i.grams, "7191 bk expense k719 li", "the key's and login's tokens beside the pairs");
}

/// The whitespace the migrations leave out of the tokens is Rust's (`split_whitespace`).
#[test]
fn the_migrations_know_rusts_whitespace() {
    let rust: Vec<u32> = (0..=0x10ffff_u32).filter(|n| char::from_u32(*n).is_some_and(char::is_whitespace)).collect();
    for sql in [
        include_str!("../../../../../migrations/sqlite/20261210000001_search.sql"),
        include_str!("../../../../../migrations/postgres/20261210000001_search.sql"),
    ] {
        let list = sql.split("WHERE n NOT IN (").nth(1).and_then(|r| r.split(')').next()).expect("the list");
        let listed: Vec<u32> = list.split(',').map(|n| n.trim().parse().expect("a number")).collect();
        assert_eq!(listed, rust);
    }
}

#[test]
fn queries_want_each_words_rarest_tokens_or_a_key() {
    let term = |w: &str, keys: Option<Vec<&str>>| Term {
        pattern: like_pattern(w),
        tokens: word_tokens(w),
        person: keys.as_ref().is_some_and(|k| !k.is_empty()),
        keys: keys.map(|p| p.iter().map(|l| key_token(l)).collect()),
    };
    let s = Search {
        index: TASKS,
        terms: vec![term("abcde", Some(vec!["Xyz", "wu"])), term("qr", Some(Vec::new())), term("x", Some(Vec::new()))],
    };
    // In the sample, `ab` is everywhere and `cd` in one row: the rarest three, in their order.
    let sample = ["ab cd x".to_owned(), "ab y".to_owned(), "ab bc".to_owned()];
    assert_eq!(s.index_query(Backend::Sqlite, &sample), r#"(("bc" AND "cd" AND "de") OR "xyz" OR "wu") AND (("qr"))"#);
    assert_eq!(s.index_query(Backend::Postgres, &[]), "(('ab' & 'bc' & 'cd') | 'xyz' | 'wu') & (('qr'))");
    let mut w = Where::default();
    s.push_checks(&mut w);
    assert_eq!(
        w.sql(),
        " WHERE (t.search_text LIKE $1 ESCAPE '\\' OR t.assignee IN (SELECT id FROM people WHERE LOWER(name) LIKE $1 \
         ESCAPE '\\')) AND t.search_text LIKE $2 ESCAPE '\\' AND t.search_text LIKE $3 ESCAPE '\\'",
        "one ASCII character is checked on the candidates only"
    );
    // A word in too many names is checked on the candidates only.
    let many = Search { index: TASKS, terms: vec![term("abc", None), term("de", Some(Vec::new()))] };
    assert_eq!(many.index_query(Backend::Postgres, &[]), "(('de'))");
}

fn sys() -> Account {
    Account::system()
}

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
<process id="expense" name="报销流程 Expense" isExecutable="true">
  <startEvent id="s"/>
  <userTask id="approve" name="部门经理审批" camunda:assignee="${initiator}" camunda:candidateGroups="finance_team"/>
  <endEvent id="e"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="approve"/>
  <sequenceFlow id="f2" sourceRef="approve" targetRef="e"/>
</process>
</definitions>"#;

/// How a page is asked for: walking the first row of the order then asking the index (which
/// the tests' small tables need to reach the index), as the store does, and walking the whole
/// order.
const MODES: [Option<i64>; 3] = [Some(1), Some(super::WALK_ROWS_PER_ROW), None];

/// The plan a page of `search` made in `mode` may have used: the whole walk when no word has
/// tokens (one ASCII character).
fn plan_of(search: &str, mode: Option<i64>, plan: &str) -> bool {
    let tokens = search.split_whitespace().any(|w| !word_tokens(&w.to_lowercase()).is_empty());
    match mode {
        Some(1) if tokens => plan == "index" || plan == "first",
        Some(1) => plan == "walk" || plan == "first",
        Some(_) => plan == "first",
        None => plan == "walk",
    }
}

/// The tasks found for `search` in `category`, by their business keys, sorted; the same with
/// the plans the store picks and by walking the list's order, on a page of all and on a page of
/// one.
async fn found(db: &TestDb, search: &str, category: TaskCategory) -> Vec<String> {
    let store = db.engine.store();
    let mut keys = Vec::new();
    for limit in [100, 1] {
        let q = TaskQuery { search: Some(search.into()), category, limit, ..Default::default() };
        let mut pages = Vec::new();
        for mode in MODES {
            let (tasks, plan) = store.task_page_planned(None, &q, 0, limit, mode).await.expect("task page");
            assert!(plan_of(search, mode, plan), "{search:?}, page of {limit}, {mode:?}: {plan}");
            pages.push(tasks.into_iter().map(|t| t.id).collect::<Vec<_>>());
        }
        assert!(pages.iter().all(|p| *p == pages[0]), "{search:?}, page of {limit}: the plans find the same tasks");
        if limit == 100 {
            for id in &pages[0] {
                let task = db.engine.task(&sys(), id).await.expect("task");
                let inst = db.engine.instance_summary(&sys(), &task.instance_id).await.expect("instance");
                keys.push(inst.business_key.unwrap_or_default());
            }
        }
    }
    keys.sort();
    keys
}

async fn start(db: &TestDb, initiator: &str, business_key: &str) -> String {
    let mut variables = serde_json::Map::new();
    variables.insert("initiator".into(), json!(initiator));
    let req = StartRequest { business_key: Some(business_key.into()), variables, ..Default::default() };
    db.engine.start_instance_with_tasks(&sys(), "expense", None, req).await.expect("start").created_tasks[0].clone()
}

async fn search_tasks(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    let unit = e.create_org_unit(&sys(), "default", None, "财务部").await.unwrap();
    e.create_person(&sys(), &unit.id, Some("wangfang"), "王芳", &["finance_team"]).await.unwrap();
    e.create_person(&sys(), &unit.id, Some("wangwei"), "王伟", &[]).await.unwrap();
    e.create_person(&sys(), &unit.id, Some("lina"), "李娜", &[]).await.unwrap();
    e.create_person(&sys(), &unit.id, Some("Zhao_Lei"), "Zhao Lei", &[]).await.unwrap();
    e.deploy(&sys(), "default", None, vec![("expense.bpmn".into(), PROCESS.as_bytes().to_vec())], &Default::default())
        .await
        .unwrap();
    let fang = start(db, "wangfang", "BK-2024-001").await;
    start(db, "wangwei", "BK-2024-002").await;
    start(db, "lina", "A%B_C").await;
    start(db, "Zhao_Lei", "XY-7").await;
    let all = TaskCategory::All;

    // Chinese names, one and two characters; a login; a person's name in Latin letters.
    assert_eq!(found(db, "王", all).await, ["BK-2024-001", "BK-2024-002"]);
    assert_eq!(found(db, "王芳", all).await, ["BK-2024-001"]);
    assert_eq!(found(db, "芳", all).await, ["BK-2024-001"]);
    assert_eq!(found(db, "WANGF", all).await, ["BK-2024-001"]);
    assert_eq!(found(db, "lina", TaskCategory::Todo).await, ["A%B_C"]);
    assert_eq!(found(db, "李娜", all).await, ["A%B_C"]);
    assert_eq!(found(db, "zhao lei", all).await, ["XY-7"], "both words in the name");
    assert_eq!(found(db, "zhao_lei", all).await, ["XY-7"], "the login");
    // A group, a business key, the process's name and key, the task's name, a word of each.
    let every = ["A%B_C", "BK-2024-001", "BK-2024-002", "XY-7"];
    assert_eq!(found(db, "finance_team", all).await, every);
    assert_eq!(found(db, "bk-2024-00", all).await, ["BK-2024-001", "BK-2024-002"]);
    assert_eq!(found(db, "Bk-2024-002", all).await, ["BK-2024-002"]);
    assert_eq!(found(db, "报销", all).await, every);
    assert_eq!(found(db, "expense", all).await, every);
    assert_eq!(found(db, "经理", all).await, every);
    assert_eq!(found(db, "审批 王芳 bk", all).await, ["BK-2024-001"]);
    assert_eq!(found(db, "7", all).await, ["XY-7"]);
    // Nothing, and words no row holds together.
    assert!(found(db, "nothing-here", all).await.is_empty());
    assert!(found(db, "王 李", all).await.is_empty());
    assert!(found(db, "芳王", all).await.is_empty(), "the pair in the other order");
    // LIKE's wildcards are characters like any other.
    assert_eq!(found(db, "a%b_c", all).await, ["A%B_C"]);
    assert!(found(db, "a%c", all).await.is_empty());
    assert!(found(db, "bk_2024", all).await.is_empty());
    assert_eq!(found(db, "_", all).await, every, "the group holds `_`");
    assert_eq!(found(db, "%", all).await, ["A%B_C"]);

    // Reassigned, the task is found by its new assignee and no longer by the old one.
    e.reassign_task(&sys(), &fang, "lina", "").await.unwrap();
    assert_eq!(found(db, "王芳", all).await, Vec::<String>::new());
    assert_eq!(found(db, "李娜", all).await, ["A%B_C", "BK-2024-001"]);
    assert_eq!(found(db, "bk-2024-001", all).await, ["BK-2024-001"], "what the task was found by besides");
    // Claimed and given back by the task API, likewise.
    e.assign_task(&sys(), &fang, crate::instances::Assignment::SetAssignee(Some("wangwei".into()))).await.unwrap();
    assert_eq!(found(db, "王伟", all).await, ["BK-2024-001", "BK-2024-002"]);
    assert!(found(db, "李娜", all).await == ["A%B_C"]);
    // A completed task is still found, in its category.
    e.complete_task(&sys(), &fang, serde_json::Map::new()).await.unwrap();
    assert_eq!(found(db, "王伟", TaskCategory::Completed).await, ["BK-2024-001"]);
    assert_eq!(found(db, "王伟", TaskCategory::Todo).await, ["BK-2024-002"]);
}
crate::db_test!(tasks_are_found_by_every_field, search_tasks);

/// The tokens the migrations compute for the rows already there are the engine's; while a row
/// has none, searches walk the list's order.
async fn migration_tokens(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    e.deploy(&sys(), "default", None, vec![("expense.bpmn".into(), PROCESS.as_bytes().to_vec())], &Default::default())
        .await
        .unwrap();
    let task = start(db, "WangFang", "BK-1").await;
    let pool = e.store().pool();
    let migration = match e.store().backend() {
        Backend::Sqlite => include_str!("../../../../../migrations/sqlite/20261210000001_search.sql"),
        Backend::Postgres => include_str!("../../../../../migrations/postgres/20261210000001_search.sql"),
    };
    let from = migration.find("-- tasks grams begin").expect("begin");
    let to = migration.find("-- tasks grams end").expect("end");
    let backfill = &migration[from..to];
    let names = [
        "部门经理审批 王芳\nwangfang\nbk-2024-001\n报销流程 expense",
        "a%b_c 789 x-y! 50\u{a0}off\u{3000}全角 é ß",
        "😀emoji\u{10ffff} \t\r\u{2028}z",
        "",
        "王",
    ];
    let set = |g: &str| g.split(' ').filter(|t| !t.is_empty()).map(str::to_owned).collect::<BTreeSet<_>>();
    for name in names {
        sqlx::query("UPDATE tasks SET name = $1, search_text = $1, search_grams = NULL WHERE id = $2")
            .bind(name)
            .bind(&task)
            .execute(pool)
            .await
            .unwrap();
        let q = TaskQuery { search: Some("王芳".into()), ..Default::default() };
        let (walked, plan) = e.store().task_page_planned(None, &q, 0, 10, Some(1)).await.unwrap();
        assert_eq!(plan, "walk", "a row without tokens");
        assert_eq!(walked.len(), usize::from(name.contains("王芳")), "{name:?}");
        sqlx::raw_sql(backfill).execute(pool).await.unwrap();
        let stored: String = sqlx::query_scalar("SELECT search_grams FROM tasks WHERE id = $1")
            .bind(&task)
            .fetch_one(pool)
            .await
            .unwrap();
        let engine =
            task_search(name, Some("WangFang"), &["finance_team".into()], Some("BK-1"), "报销流程 Expense", "expense");
        assert_eq!(set(&stored), set(&engine.grams), "{name:?}");
        // And the index has them.
        let (found, plan) = e.store().task_page_planned(None, &q, 0, 10, Some(1)).await.unwrap();
        assert_eq!((found.len(), plan), (usize::from(name.contains("王芳")), "index"), "{name:?}");
    }
}
crate::db_test!(migrations_compute_the_engines_tokens, migration_tokens);

/// The instances found for `search` (and `q`'s other filters), by their business keys, sorted;
/// the same with the plans the store picks and by walking the list's order, on a page of all
/// and on a page of one.
async fn instances_found(db: &TestDb, search: &str, q: InstanceQuery) -> Vec<String> {
    let store = db.engine.store();
    let mut keys = Vec::new();
    for limit in [100, 1] {
        let q = InstanceQuery { definition_name: Some(search.into()), limit, ..q.clone() };
        let mut pages = Vec::new();
        for mode in MODES {
            let (page, plan) = store.instance_page_planned(None, &q, limit, mode).await.expect("instance page");
            assert!(plan_of(search, mode, plan), "{search:?}, page of {limit}, {mode:?}: {plan}");
            pages.push(page.into_iter().map(|i| i.business_key.unwrap_or_default()).collect::<Vec<_>>());
        }
        assert!(pages.iter().all(|p| *p == pages[0]), "{search:?}, page of {limit}: the plans find the same instances");
        if limit == 100 {
            keys = pages.swap_remove(0);
        }
    }
    keys.sort();
    keys
}

async fn search_instances(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    let unit = e.create_org_unit(&sys(), "default", None, "财务部").await.unwrap();
    e.create_person(&sys(), &unit.id, Some("wangfang"), "王芳", &[]).await.unwrap();
    e.create_person(&sys(), &unit.id, Some("lina"), "李娜", &[]).await.unwrap();
    e.deploy(&sys(), "default", None, vec![("expense.bpmn".into(), PROCESS.as_bytes().to_vec())], &Default::default())
        .await
        .unwrap();
    let mut started = Vec::new();
    for (who, bk) in [("wangfang", "BK-1"), ("lina", "BK-2"), ("lina", "50%_OFF")] {
        let mut variables = serde_json::Map::new();
        variables.insert("initiator".into(), json!(who));
        let req = StartRequest {
            business_key: Some(bk.into()),
            initiator: Some(who.into()),
            variables,
            ..Default::default()
        };
        started.push(e.start_instance(&sys(), "expense", None, req).await.unwrap());
    }
    let all = InstanceQuery::default();
    let every = ["50%_OFF", "BK-1", "BK-2"];
    assert_eq!(instances_found(db, "bk-1", all.clone()).await, ["BK-1"]);
    assert_eq!(instances_found(db, "报销", all.clone()).await, every);
    assert_eq!(instances_found(db, "EXPENSE", all.clone()).await, every, "the process's name and key");
    assert_eq!(instances_found(db, "王", all.clone()).await, ["BK-1"]);
    assert_eq!(instances_found(db, "王芳", all.clone()).await, ["BK-1"]);
    assert_eq!(instances_found(db, "lina", all.clone()).await, ["50%_OFF", "BK-2"]);
    assert_eq!(instances_found(db, "李娜 bk", all.clone()).await, ["BK-2"]);
    assert_eq!(instances_found(db, "%_", all.clone()).await, ["50%_OFF"]);
    assert!(instances_found(db, "nothing", all.clone()).await.is_empty());
    // With the time range and the category.
    let t = started[0].start_time;
    let range = InstanceQuery { started_after: Some(t), started_before: Some(t + 1), ..all.clone() };
    assert_eq!(instances_found(db, "expense", range).await.len(), 3, "started in the same millisecond");
    let before = InstanceQuery { started_before: Some(t), ..all.clone() };
    assert!(instances_found(db, "expense", before).await.is_empty());
    let done = InstanceQuery { category: InstanceCategory::Completed, ..all.clone() };
    assert!(instances_found(db, "expense", done).await.is_empty());
}
crate::db_test!(instances_are_found_by_every_field, search_instances);

/// The tokens the migrations compute for the instances already there are the engine's.
async fn instance_migration_tokens(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    e.deploy(&sys(), "default", None, vec![("expense.bpmn".into(), PROCESS.as_bytes().to_vec())], &Default::default())
        .await
        .unwrap();
    let req =
        StartRequest {
            business_key: Some("Bk-王芳 7".into()), initiator: Some("Li.Na".into()), ..Default::default()
        };
    let mut variables = serde_json::Map::new();
    variables.insert("initiator".into(), json!("lina"));
    let inst = e.start_instance(&sys(), "expense", None, StartRequest { variables, ..req }).await.unwrap();
    let pool = e.store().pool();
    let stored = || async {
        sqlx::query_as::<_, (String, String)>("SELECT search_text, search_grams FROM process_instances WHERE id = $1")
            .bind(&inst.id)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let (text, written) = stored().await;
    assert_eq!(text, "bk-王芳 7\n报销流程 expense\nexpense\nli.na");
    sqlx::query("UPDATE process_instances SET search_text = NULL, search_grams = NULL WHERE id = $1")
        .bind(&inst.id)
        .execute(pool)
        .await
        .unwrap();
    let q = InstanceQuery { definition_name: Some("王芳".into()), ..Default::default() };
    let (page, plan) = e.store().instance_page_planned(None, &q, 10, Some(1)).await.unwrap();
    assert_eq!((page.len(), plan), (0, "walk"), "a row without tokens is found by its process's name only");
    let migration = match e.store().backend() {
        Backend::Sqlite => include_str!("../../../../../migrations/sqlite/20261210000001_search.sql"),
        Backend::Postgres => include_str!("../../../../../migrations/postgres/20261210000001_search.sql"),
    };
    let from = migration.find("UPDATE process_instances SET search_text").expect("text");
    let to = migration.find("-- instances grams end").expect("end");
    sqlx::raw_sql(&migration[from..to]).execute(pool).await.unwrap();
    let (text, grams) = stored().await;
    assert_eq!(text, "bk-王芳 7\n报销流程 expense\nexpense\nli.na");
    let set = |g: &str| g.split(' ').map(str::to_owned).collect::<BTreeSet<_>>();
    assert_eq!(set(&grams), set(&written));
    let (page, plan) = e.store().instance_page_planned(None, &q, 10, Some(1)).await.unwrap();
    assert_eq!((page.len(), plan), (1, "index"));
}
crate::db_test!(migrations_compute_the_engines_instance_tokens, instance_migration_tokens);

const TIMER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
<process id="payment" name="付款流程" isExecutable="true">
  <startEvent id="s"/>
  <intermediateCatchEvent id="wait_bank" name="等待银行"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></intermediateCatchEvent>
  <endEvent id="e"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="wait_bank"/>
  <sequenceFlow id="f2" sourceRef="wait_bank" targetRef="e"/>
</process>
</definitions>"#;

/// Jobs are found by their activity's name and id, their process's name and key, their error.
async fn search_jobs(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    e.deploy(&sys(), "default", None, vec![("payment.bpmn".into(), TIMER.as_bytes().to_vec())], &Default::default())
        .await
        .unwrap();
    e.start_instance(&sys(), "payment", None, StartRequest::default()).await.unwrap();
    sqlx::query("UPDATE jobs SET error = $1")
        .bind("Connection refused: 连接被拒绝")
        .execute(e.store().pool())
        .await
        .unwrap();
    let found = |words: &str| {
        let q = crate::jobs::JobQuery { name: Some(words.into()), ..Default::default() };
        async move { e.list_jobs(&sys(), &q).await.unwrap().items.len() }
    };
    for words in ["银行", "WAIT_BANK", "付款流程", "payment", "连接被拒绝", "refused 等待", "t_b"] {
        assert_eq!(found(words).await, 1, "{words}");
    }
    for words in ["nothing", "银行 nothing", "t%b"] {
        assert_eq!(found(words).await, 0, "{words}");
    }
}
crate::db_test!(jobs_are_found_by_activity_process_and_error, search_jobs);

/// Past 64 rows the queue's tokens enter the index; rows change and leave both, and every
/// search still finds what the walk finds (SQLite's index is checked whole).
async fn queued_and_indexed(db: &TestDb) {
    let e = &db.engine;
    e.ensure_default_tenant().await.unwrap();
    let unit = e.create_org_unit(&sys(), "default", None, "财务部").await.unwrap();
    e.create_person(&sys(), &unit.id, Some("lina"), "李娜", &[]).await.unwrap();
    e.deploy(&sys(), "default", None, vec![("expense.bpmn".into(), PROCESS.as_bytes().to_vec())], &Default::default())
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for n in 0..70 {
        tasks.push(start(db, &format!("user{n}"), &format!("KEY-{n:03}")).await);
    }
    // The first rows are in the index, the last in the queue: each found alone.
    for n in [0, 5, 63, 64, 69] {
        assert_eq!(found(db, &format!("key-{n:03}"), TaskCategory::All).await, [format!("KEY-{n:03}")]);
    }
    // Reassigned (the tokens change), completed, deleted: an indexed row and a queued one.
    for t in [&tasks[3], &tasks[68]] {
        e.reassign_task(&sys(), t, "lina", "").await.unwrap();
    }
    assert_eq!(found(db, "李娜", TaskCategory::All).await, ["KEY-003", "KEY-068"]);
    assert!(found(db, "user3", TaskCategory::All).await.iter().all(|k| k != "KEY-003"));
    for t in [&tasks[4], &tasks[67]] {
        e.complete_task(&sys(), t, serde_json::Map::new()).await.unwrap();
        e.delete_task(&sys(), t).await.unwrap();
    }
    assert!(found(db, "key-004", TaskCategory::All).await.is_empty());
    assert!(found(db, "key-067", TaskCategory::All).await.is_empty());
    assert_eq!(found(db, "key-06", TaskCategory::All).await.len(), 9);
    if e.store().backend() == Backend::Sqlite {
        sqlx::raw_sql("INSERT INTO tasks_search (tasks_search) VALUES ('integrity-check')")
            .execute(e.store().pool())
            .await
            .expect("the FTS5 index is whole");
    }
}
crate::db_test!(queued_and_indexed_rows_are_found_alike, queued_and_indexed);
