//! The run-time lists' orders and totals: every order pages through every row of its list once,
//! in order (equal values broken by the id, rows without a value last both ways), whatever the
//! page size; a first page counts its list (filters and search included), up to the cap.

use std::cmp::Ordering;

use engine::db_test;
use engine::instances::{
    InstanceCategory, InstanceQuery, InstanceSort, InstanceSummary, Task, TaskCategory, TaskOrder, TaskQuery,
};
use engine::testing::TestDb;
use engine::{Engine, Store};

use crate::common::{deploy, sys};

/// The processes the rows are of: (name, key); equal names on purpose.
const PROCESSES: [(&str, &str); 4] = [("beta", "pb"), ("alpha", "pa"), ("beta", "pb"), ("gamma", "pg")];
const STATES: [&str; 4] = ["running", "completed", "suspended", "terminated"];
const INSTANCES: i64 = 14;
const TASKS: i64 = 26;
const NOW: i64 = 1_700_000_000_000;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt(v: Option<i64>) -> String {
    v.map_or("NULL".into(), |v| v.to_string())
}

/// Instance `k`: its state, start and end (equal starts and ends among them).
fn instance_row(k: i64) -> (&'static str, i64, Option<i64>) {
    let state = STATES[(k % 4) as usize];
    let start = NOW - (k / 2) * 1000;
    let end = matches!(state, "completed" | "terminated").then_some(NOW + (k % 3) * 500);
    (state, start, end)
}

/// Task `k`: its state, creation and due date (every third without one, equal ones among them).
fn task_row(k: i64) -> (&'static str, i64, Option<i64>) {
    let state = if k % 5 == 1 { "completed" } else { "active" };
    let created = NOW - (k / 3) * 1000;
    let due = (k % 3 != 0).then_some(NOW + (k % 4 - 1) * 3_600_000);
    (state, created, due)
}

/// Fills `INSTANCES` instances and `tasks` tasks by SQL, with the search columns the engine writes.
async fn fill(e: &Engine, tasks: i64) {
    deploy(e, "orders", r#"<startEvent id="s"/><userTask id="t"/><endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/><sequenceFlow id="f2" sourceRef="t" targetRef="e"/>"#).await;
    let pool = e.store().pool();
    let def: String = sqlx::query_scalar("SELECT id FROM process_definitions WHERE process_key = 'orders'")
        .fetch_one(pool)
        .await
        .unwrap();
    let mut values = Vec::new();
    for k in 0..INSTANCES {
        let (pname, pkey) = PROCESSES[(k % 4) as usize];
        let (state, start, end) = instance_row(k);
        let bk = format!("BK-{k:03}");
        let (text, grams) = Store::instance_search_columns(Some(&bk), pname, pkey, Some("someone"));
        values.push(format!(
            "('i{k:03}', 'default', '{def}', '{pkey}', '{pname}', '{pname}', 1, '{bk}', 'someone', '{state}', {}, \
             {start}, {}, '', '', '{{}}', 1, {k}, {}, {})",
            end.is_some() as i64,
            opt(end),
            quote(&text),
            quote(&grams)
        ));
    }
    sqlx::query(&format!(
        "INSERT INTO process_instances (id, tenant_id, definition_id, definition_key, definition_name, name_lower, \
         version, business_key, initiator, state, finished, start_time, end_time, current_activities, \
         current_activity_ids, state_json, revision, change_stamp, search_text, search_grams) VALUES {}",
        values.join(",")
    ))
    .execute(pool)
    .await
    .unwrap();
    let mut t = 0;
    while t < tasks {
        let mut values = Vec::new();
        for k in t..(t + 1000).min(tasks) {
            let inst = k % INSTANCES;
            let (pname, pkey) = PROCESSES[(k % 4) as usize];
            let (state, created, due) = task_row(k);
            // A few tasks of a large fill are found by a word of their own (see `capped_totals`).
            let name = if k % 3000 == 101 {
                "Zebra"
            } else if k % 2 == 0 {
                "Review"
            } else {
                "Approve"
            };
            let (text, grams) =
                Store::task_search_columns(name, None, &[], Some(&format!("BK-{inst:03}")), pname, pkey);
            values.push(format!(
                "('t{k:05}', 'default', 'i{inst:03}', 1, 't', '{name}', {}, {}, '{pname}', {created}, {}, '{state}', 1)",
                quote(&text),
                quote(&grams),
                opt(due)
            ));
        }
        sqlx::query(&format!(
            "INSERT INTO tasks (id, tenant_id, instance_id, token, activity_id, name, search_text, search_grams, \
             definition_name, created, due, state, revision) VALUES {}",
            values.join(",")
        ))
        .execute(pool)
        .await
        .unwrap();
        t += 1000;
    }
}

/// `a` before `b` by value (rows without one last, either way), then by id, each way.
fn by<K: Ord>(a: (Option<K>, &str), b: (Option<K>, &str), desc: bool) -> Ordering {
    let way = |o: Ordering| if desc { o.reverse() } else { o };
    match (a.0, b.0) {
        (Some(x), Some(y)) => way(x.cmp(&y)).then_with(|| way(a.1.cmp(b.1))),
        (None, None) => way(a.1.cmp(b.1)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
    }
}

/// Every page of the task list `q` with `limit` rows: the ids in order, and the first page's
/// total (later pages have none).
async fn all_tasks(e: &Engine, q: &TaskQuery, limit: i64) -> (Vec<Task>, Option<i64>) {
    let mut q = TaskQuery { limit, ..q.clone() };
    let (mut seen, mut total) = (Vec::new(), None);
    loop {
        let page = e.list_tasks(&sys(), &q).await.unwrap();
        match q.cursor {
            None => total = page.total,
            Some(_) => assert_eq!(page.total, None, "a later page does not count"),
        }
        assert!(page.items.len() as i64 <= limit);
        seen.extend(page.items);
        match page.next {
            Some(n) => q.cursor = Some(n),
            None => break,
        }
        assert!(seen.len() <= 10_000, "{q:?}: the pages end");
    }
    (seen, total)
}

async fn all_instances(e: &Engine, q: &InstanceQuery, limit: i64) -> (Vec<InstanceSummary>, Option<i64>) {
    let mut q = InstanceQuery { limit, ..q.clone() };
    let (mut seen, mut total) = (Vec::new(), None);
    loop {
        let page = e.list_instances(&sys(), &q).await.unwrap();
        if q.cursor.is_none() {
            total = page.total;
        }
        seen.extend(page.items);
        match page.next {
            Some(n) => q.cursor = Some(n),
            None => break,
        }
        assert!(seen.len() <= 1_000, "{q:?}: the pages end");
    }
    (seen, total)
}

async fn task_orders(db: &TestDb) {
    let e = &db.engine;
    fill(e, TASKS).await;
    let now = e.clock().now();
    let orders = [
        TaskOrder::CreatedDesc,
        TaskOrder::CreatedAsc,
        TaskOrder::DueAsc,
        TaskOrder::DueDesc,
        TaskOrder::ProcessAsc,
        TaskOrder::ProcessDesc,
    ];
    let categories = [TaskCategory::Todo, TaskCategory::Overdue, TaskCategory::Completed, TaskCategory::All];
    for category in categories {
        for search in [None, Some("review"), Some("r"), Some("review bk-00")] {
            // The rows of the list, from the fill's own rules.
            let mut want: Vec<(i64, &'static str, i64, Option<i64>)> = (0..TASKS)
                .map(|k| {
                    let (state, created, due) = task_row(k);
                    (k, state, created, due)
                })
                .filter(|(k, state, _, due)| match category {
                    TaskCategory::Todo => *state == "active",
                    TaskCategory::Overdue => *state == "active" && due.is_some_and(|d| d < now),
                    TaskCategory::Completed => *state == "completed",
                    TaskCategory::All => true,
                } && match search {
                    None => true,
                    Some("review") => k % 2 == 0,
                    Some("r") => true,
                    _ => k % 2 == 0 && k % INSTANCES < 10,
                })
                .collect();
            for sort in orders {
                let id = |k: i64| format!("t{k:05}");
                want.sort_by(|a, b| {
                    let (ia, ib) = (id(a.0), id(b.0));
                    let name = |k: i64| PROCESSES[(k % 4) as usize].0;
                    match sort {
                        TaskOrder::CreatedDesc if category == TaskCategory::Overdue => {
                            by((a.3, &ia), (b.3, &ib), false)
                        }
                        TaskOrder::CreatedDesc => by((Some(a.2), &ia), (Some(b.2), &ib), true),
                        TaskOrder::CreatedAsc => by((Some(a.2), &ia), (Some(b.2), &ib), false),
                        TaskOrder::DueAsc => by((a.3, &ia), (b.3, &ib), false),
                        TaskOrder::DueDesc => by((a.3, &ia), (b.3, &ib), true),
                        TaskOrder::ProcessAsc => by((Some(name(a.0)), &ia), (Some(name(b.0)), &ib), false),
                        TaskOrder::ProcessDesc => by((Some(name(a.0)), &ia), (Some(name(b.0)), &ib), true),
                    }
                });
                let want_ids: Vec<String> = want.iter().map(|w| id(w.0)).collect();
                for limit in [1, 2, 5, 100] {
                    let q = TaskQuery { category, sort, search: search.map(str::to_owned), ..Default::default() };
                    let (seen, total) = all_tasks(e, &q, limit).await;
                    let ids: Vec<String> = seen.iter().map(|t| t.id.clone()).collect();
                    assert_eq!(ids, want_ids, "{category:?} {sort:?} {search:?}, pages of {limit}");
                    assert_eq!(total, Some(want.len() as i64), "{category:?} {sort:?} {search:?}: the total");
                }
            }
        }
    }
    // A cursor of another order's kind is refused, not misread.
    let q = TaskQuery { sort: TaskOrder::ProcessAsc, limit: 1, ..Default::default() };
    let first = e.list_tasks(&sys(), &q).await.unwrap();
    let q = TaskQuery { sort: TaskOrder::DueAsc, cursor: first.next, ..q };
    assert_eq!(e.list_tasks(&sys(), &q).await.unwrap_err().status(), 422);
}
db_test!(each_task_order_pages_through_every_row_once, task_orders);

async fn instance_orders(db: &TestDb) {
    let e = &db.engine;
    fill(e, 0).await;
    let orders = [
        InstanceSort::StartedDesc,
        InstanceSort::StartedAsc,
        InstanceSort::EndedDesc,
        InstanceSort::EndedAsc,
        InstanceSort::ProcessAsc,
        InstanceSort::ProcessDesc,
        InstanceSort::StateAsc,
        InstanceSort::StateDesc,
    ];
    let categories =
        [InstanceCategory::All, InstanceCategory::Completed, InstanceCategory::Unfinished, InstanceCategory::Suspended];
    // The instance deployed by `fill` has none: only the filled rows are listed.
    for category in categories {
        for search in [None, Some("bk-00"), Some("bk-01 someone")] {
            let mut want: Vec<i64> = (0..INSTANCES)
                .filter(|k| {
                    let (state, _, end) = instance_row(*k);
                    (match category {
                        InstanceCategory::Completed => end.is_some(),
                        InstanceCategory::Unfinished => end.is_none(),
                        InstanceCategory::Suspended => state == "suspended",
                        _ => true,
                    }) && match search {
                        Some("bk-00") => *k < 10,
                        Some(_) => *k >= 10,
                        None => true,
                    }
                })
                .collect();
            for sort in orders {
                let id = |k: i64| format!("i{k:03}");
                want.sort_by(|a, b| {
                    let (ra, rb) = (instance_row(*a), instance_row(*b));
                    let (ia, ib) = (id(*a), id(*b));
                    let name = |k: i64| PROCESSES[(k % 4) as usize].0;
                    match sort {
                        InstanceSort::StartedDesc => by((Some(ra.1), &ia), (Some(rb.1), &ib), true),
                        InstanceSort::StartedAsc => by((Some(ra.1), &ia), (Some(rb.1), &ib), false),
                        InstanceSort::EndedDesc => by((ra.2, &ia), (rb.2, &ib), true),
                        InstanceSort::EndedAsc => by((ra.2, &ia), (rb.2, &ib), false),
                        InstanceSort::ProcessAsc => by((Some(name(*a)), &ia), (Some(name(*b)), &ib), false),
                        InstanceSort::ProcessDesc => by((Some(name(*a)), &ia), (Some(name(*b)), &ib), true),
                        InstanceSort::StateAsc => by((Some(ra.0), &ia), (Some(rb.0), &ib), false),
                        InstanceSort::StateDesc => by((Some(ra.0), &ia), (Some(rb.0), &ib), true),
                    }
                });
                let want_ids: Vec<String> = want.iter().map(|k| id(*k)).collect();
                for limit in [1, 3, 100] {
                    let q = InstanceQuery {
                        category,
                        sort,
                        definition_name: search.map(str::to_owned),
                        ..Default::default()
                    };
                    let (seen, total) = all_instances(e, &q, limit).await;
                    let ids: Vec<String> = seen.iter().map(|i| i.id.clone()).collect();
                    assert_eq!(ids, want_ids, "{category:?} {sort:?} {search:?}, pages of {limit}");
                    assert_eq!(total, Some(want.len() as i64), "{category:?} {sort:?} {search:?}: the total");
                }
            }
        }
    }
}
db_test!(each_instance_order_pages_through_every_row_once, instance_orders);

/// A total stops at the cap (the console shows "10,000+"); a narrower filter counts exactly.
async fn capped_totals(db: &TestDb) {
    let e = &db.engine;
    let many = bpmn_core::page::TOTAL_CAP + 40;
    fill(e, many).await;
    let all = TaskQuery { category: TaskCategory::All, limit: 5, ..Default::default() };
    let page = e.list_tasks(&sys(), &all).await.unwrap();
    assert_eq!(page.total, Some(bpmn_core::page::TOTAL_CAP + 1), "counted up to the cap and one more");
    let completed = (0..many).filter(|k| task_row(*k).0 == "completed").count() as i64;
    let q = TaskQuery { category: TaskCategory::Completed, ..all.clone() };
    assert_eq!(e.list_tasks(&sys(), &q).await.unwrap().total, Some(completed));
    // A search counts what it finds: the tasks of one instance by its business key.
    let q = TaskQuery { search: Some("bk-003".into()), ..all.clone() };
    let of_one = (0..many).filter(|k| k % INSTANCES == 3).count() as i64;
    assert_eq!(e.list_tasks(&sys(), &q).await.unwrap().total, Some(of_one));
    // Through the index (its candidates checked), and by walking the table (one letter): both
    // count what the page would find, up to the lower cap of a search ("1,000+"); a narrower
    // filter with the same word counts exactly.
    let searched = Some(bpmn_core::page::SEARCH_TOTAL_CAP + 1);
    let q = TaskQuery { search: Some("review".into()), sort: TaskOrder::DueDesc, ..all.clone() };
    assert_eq!(e.list_tasks(&sys(), &q).await.unwrap().total, searched, "{} match", many / 2);
    let q = TaskQuery { search: Some("approve bk-003".into()), ..all.clone() };
    let approvals_of_one = (0..many).filter(|k| k % INSTANCES == 3 && k % 3000 != 101).count() as i64;
    assert_eq!(e.list_tasks(&sys(), &q).await.unwrap().total, Some(approvals_of_one));
    let q = TaskQuery { search: Some("r".into()), ..all };
    assert_eq!(e.list_tasks(&sys(), &q).await.unwrap().total, searched);
    // A rare word: the first walk of the order (500 rows for a page of one) finds too few, the
    // index's candidates are sorted; equal values by id.
    for (sort, want) in [
        (TaskOrder::DueAsc, ["t00101", "t03101", "t06101", "t09101"]),
        (TaskOrder::ProcessDesc, ["t09101", "t06101", "t03101", "t00101"]),
    ] {
        let q = TaskQuery { search: Some("zebra".into()), sort, category: TaskCategory::All, ..Default::default() };
        let (seen, total) = all_tasks(e, &q, 1).await;
        assert_eq!(seen.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), want, "{sort:?}");
        assert_eq!(total, Some(4));
    }
    // Likewise for instances: 1,000 more, two of them found by a rare business key.
    let def: String = sqlx::query_scalar("SELECT definition_id FROM process_instances LIMIT 1")
        .fetch_one(e.store().pool())
        .await
        .unwrap();
    let values: Vec<String> = (0..1000)
        .map(|k| {
            let bk = if k % 700 == 7 { format!("NEEDLE-{k}") } else { format!("XK-{k}") };
            let (text, grams) = Store::instance_search_columns(Some(&bk), "delta", "pd", None);
            format!(
                "('x{k:04}', 'default', '{def}', 'pd', 'delta', 'delta', 1, '{bk}', 'running', 0, {}, '', '', \
                 '{{}}', 1, 1, {}, {})",
                NOW + k,
                quote(&text),
                quote(&grams)
            )
        })
        .collect();
    sqlx::query(&format!(
        "INSERT INTO process_instances (id, tenant_id, definition_id, definition_key, definition_name, name_lower, \
         version, business_key, state, finished, start_time, current_activities, current_activity_ids, state_json, \
         revision, change_stamp, search_text, search_grams) VALUES {}",
        values.join(",")
    ))
    .execute(e.store().pool())
    .await
    .unwrap();
    for (sort, want) in [
        (InstanceSort::ProcessAsc, ["x0007", "x0707"]),
        (InstanceSort::EndedDesc, ["x0707", "x0007"]),
        (InstanceSort::StartedDesc, ["x0707", "x0007"]),
    ] {
        let q = InstanceQuery { definition_name: Some("needle".into()), sort, ..Default::default() };
        let (seen, total) = all_instances(e, &q, 1).await;
        assert_eq!(seen.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), want, "{sort:?}");
        assert_eq!(total, Some(2));
    }
    // The jobs list counts too (none here).
    let jobs = e.list_jobs(&sys(), &engine::jobs::JobQuery::default()).await.unwrap();
    assert_eq!(jobs.total, Some(0));
}
db_test!(totals_stop_at_the_cap, capped_totals);
