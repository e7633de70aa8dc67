//! The task list's search box over a large store: the n-gram index against walking the list's
//! order (how every search ran before the index), back to back.
//!
//! `cargo bench -p engine --bench search` fills `BENCH_TASKS` tasks (1,000,000) in
//! `BENCH_INSTANCES` instances (300,000), assigned among `BENCH_PEOPLE` people (2,000, with
//! Chinese names: 10 surnames, 20 given names, logins in pinyin), by plain SQL with the search
//! columns the engine writes (`Store::task_search_columns`), then runs ANALYZE (PostgreSQL:
//! VACUUM ANALYZE, as autovacuum would). Then, for each search, the first page of the 待办 list
//! (20 tasks) is timed `BENCH_RUNS` times (100) with the plan the store picks and
//! `BENCH_SCAN_RUNS` times (20) walking the order, interleaved, and p50/p95 are printed with the
//! plan picked and the rows found. Searches: a frequent word (a task name), a rare one (a
//! business key), one no row holds, a one-character Chinese name (a surname: a tenth of the
//! people) and a two-character one (a full name: ten people), a login, and two words. Then the
//! same for the first page of the instance list (全部): a process name, a business key, nothing,
//! an initiator's name, two words.
//!
//! Then the lists as the console asks for them (`Engine::list_tasks`, `Engine::list_instances`):
//! the first page of 20 with its total (counted up to 10,001), in each order the console
//! offers, without a search and with a frequent and a rare one; p50/p95 of `BENCH_RUNS` runs
//! and the total (`BENCH_ORDERS_ONLY=1`: these alone, without the searches above).
//!
//! On SQLite (a WAL file in the temp folder) and on the local PostgreSQL (`BPM_TEST_PG_URL`);
//! `BENCH_ONLY=sqlite|postgres` limits the run to one.

use std::time::{Duration, Instant};

use engine::instances::{InstanceCategory, InstanceQuery, InstanceSort, TaskCategory, TaskOrder, TaskQuery};
use engine::store::TotalLimits;
use engine::testing::TestDb;
use engine::{Backend, Clock, Engine, Store};

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
<process id="expense" name="Expense claim" isExecutable="true">
  <startEvent id="start"/>
  <userTask id="approve" name="Approve"/>
  <endEvent id="end"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
  <sequenceFlow id="f2" sourceRef="approve" targetRef="end"/>
</process>
</definitions>"#;

const SURNAMES: [(&str, &str); 10] = [
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("赵", "zhao"),
    ("黄", "huang"),
    ("周", "zhou"),
    ("吴", "wu"),
];
const GIVEN: [(&str, &str); 20] = [
    ("芳", "fang"),
    ("伟", "wei"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("磊", "lei"),
    ("强", "qiang"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
];
/// (process name, process key) of the instances.
const PROCESSES: [(&str, &str); 3] =
    [("Expense claim", "expense"), ("请假申请", "leave"), ("Purchase order", "purchase")];
const TASK_NAMES: [&str; 5] = ["Approve", "CFO approval", "出纳付款", "部门经理审批", "Review contract"];
const GROUPS: [&str; 4] = ["finance", "hr", "sales", "managers"];

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Person `p`: login and name.
fn person(p: u64) -> (String, String) {
    let (s, sp) = SURNAMES[(p % 10) as usize];
    let (g, gp) = GIVEN[(p / 10 % 20) as usize];
    (format!("{sp}{gp}{p}"), format!("{s}{g}"))
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

async fn fill(e: &Engine, instances: u64, tasks: u64, people: u64) {
    let pool = e.store().pool();
    let def: String = sqlx::query_scalar("SELECT id FROM process_definitions WHERE process_key = 'expense'")
        .fetch_one(pool)
        .await
        .expect("definition");
    let unit = e.create_org_unit(&engine::identity::Account::system(), "default", None, "总部").await.expect("unit");
    let batch = 2_000u64;
    let mut sql = String::from("INSERT INTO people (id, tenant_id, unit_id, name, groups) VALUES ");
    for p in 0..people {
        let (login, name) = person(p);
        if p > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("({}, 'default', {}, {}, '')", quote(&login), quote(&unit.id), quote(&name)));
    }
    sqlx::query(&sql).execute(pool).await.expect("people");
    let now = e.clock().now();
    let mut i = 0;
    while i < instances {
        let mut sql = String::from(
            "INSERT INTO process_instances (id, tenant_id, definition_id, definition_key, definition_name, name_lower, \
             version, business_key, initiator, state, finished, start_time, end_time, current_activities, \
             current_activity_ids, state_json, revision, change_stamp, search_text, search_grams) VALUES ",
        );
        for k in i..(i + batch).min(instances) {
            let (pname, pkey) = PROCESSES[(k % 3) as usize];
            let finished = k % 10 < 3;
            let (state, end) = if finished {
                ("completed", format!("{}", now - k as i64 * 1000 + 500))
            } else {
                ("running", "NULL".into())
            };
            if k > i {
                sql.push(',');
            }
            let initiator = person(k % people).0;
            let (text, grams) =
                Store::instance_search_columns(Some(&format!("BK-2024-{k:07}")), pname, pkey, Some(&initiator));
            sql.push_str(&format!(
                "('b{k:015}', 'default', '{def}', '{pkey}', {}, {}, 1, 'BK-2024-{k:07}', {}, '{state}', {}, {}, {end}, \
                 'Approve', 'approve', '{{}}', 1, {k}, {}, {})",
                quote(pname),
                quote(&pname.to_lowercase()),
                quote(&initiator),
                finished as i64,
                now - k as i64 * 1000,
                quote(&text),
                quote(&grams),
            ));
        }
        sqlx::query(&sql).execute(pool).await.expect("instances");
        i += batch;
    }
    let mut t = 0;
    while t < tasks {
        let mut sql = String::from(
            "INSERT INTO tasks (id, tenant_id, instance_id, token, activity_id, name, search_text, search_grams, \
             definition_name, assignee, candidate_groups, created, due, end_time, state, revision) VALUES ",
        );
        for k in t..(t + batch).min(tasks) {
            let inst = k % instances;
            let (pname, pkey) = PROCESSES[(inst % 3) as usize];
            let name = TASK_NAMES[(k % 5) as usize];
            // Spread over the people unlike the instances, so a person's tasks are of every kind.
            let who = person((k.wrapping_mul(2_654_435_761) >> 8) % people).0;
            let groups = vec![GROUPS[(k % 4) as usize].to_owned()];
            let (text, grams) =
                Store::task_search_columns(name, Some(&who), &groups, Some(&format!("BK-2024-{inst:07}")), pname, pkey);
            let created = now - k as i64 * 300;
            let (state, end) = match k % 20 {
                0..=7 => ("active", "NULL".to_string()),
                8..=18 => ("completed", format!("{}", created + 100)),
                _ => ("cancelled", format!("{}", created + 100)),
            };
            let due = if k % 20 < 2 { created + 1000 - (30 * 86_400_000) } else { created + 2 * 86_400_000 };
            if k > t {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('t{k:015}', 'default', 'b{inst:015}', 1, 'approve', {}, {}, {}, {}, {}, {}, {created}, {due}, {end}, \
                 '{state}', 1)",
                quote(name),
                quote(&text),
                quote(&grams),
                quote(pname),
                quote(&who),
                quote(&serde_json::to_string(&groups).expect("json")),
            ));
        }
        sqlx::query(&sql).execute(pool).await.expect("tasks");
        t += batch;
    }
    let analyze = if e.store().backend() == Backend::Postgres { "VACUUM ANALYZE" } else { "ANALYZE" };
    sqlx::raw_sql(analyze).execute(pool).await.expect("analyze");
}

fn percentile(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let idx = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1;
    times[idx].as_secs_f64() * 1000.0
}

async fn sizes(db: &TestDb) -> String {
    let pool = db.engine.store().pool();
    match db.engine.store().backend() {
        Backend::Sqlite => {
            let path = db.url.trim_start_matches("sqlite://").split('?').next().unwrap_or("").to_owned();
            let file = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let fts: i64 = sqlx::query_scalar("SELECT COALESCE(sum(length(block)), 0) FROM tasks_search_data")
                .fetch_one(pool)
                .await
                .unwrap_or(0);
            format!("file {} MB, of which the FTS5 index {} MB", file >> 20, fts >> 20)
        }
        Backend::Postgres => {
            let row: (i64, i64, i64) = sqlx::query_as(
                "SELECT pg_table_size('tasks'), pg_indexes_size('tasks'), pg_relation_size('tasks_search')",
            )
            .fetch_one(pool)
            .await
            .expect("sizes");
            format!(
                "tasks {} MB, its indexes {} MB, of which the GIN index {} MB",
                row.0 >> 20,
                row.1 >> 20,
                row.2 >> 20
            )
        }
    }
}

async fn bench(db: &TestDb, label: &str) {
    let e = &db.engine;
    let sys = engine::identity::Account::system();
    // Each process the rows name is deployed: a search finds a process by its name through its key.
    for (name, key) in PROCESSES {
        let xml = PROCESS.replace(r#"id="expense" name="Expense claim""#, &format!(r#"id="{key}" name="{name}""#));
        e.deploy(&sys, "default", None, vec![(format!("{key}.bpmn"), xml.into_bytes())], &Default::default())
            .await
            .expect("deploy");
    }
    let instances = env_num("BENCH_INSTANCES", 300_000);
    let tasks = env_num("BENCH_TASKS", 1_000_000);
    let people = env_num("BENCH_PEOPLE", 2_000);
    let s = Instant::now();
    fill(e, instances, tasks, people).await;
    println!(
        "{label}: filled {tasks} tasks, {instances} instances, {people} people in {:.0} s; {}",
        s.elapsed().as_secs_f64(),
        sizes(db).await
    );
    if std::env::var("BENCH_ORDERS_ONLY").is_ok() {
        return;
    }
    let runs = env_num("BENCH_RUNS", 100) as usize;
    let scan_runs = env_num("BENCH_SCAN_RUNS", 20) as usize;
    let store = e.store();
    let login = person(1_606).0;
    let searches = [
        ("frequent: a task name", "审批"),
        ("rare: a business key", "bk-2024-0123440"),
        ("no row", "zzqx"),
        ("Chinese name, one character", "王"),
        ("Chinese name, two characters", "王芳"),
        ("a login", &login),
        ("two words", "wangfang 出纳"),
    ];
    println!(
        "{label}: 待办 list, first page of 20; p50 / p95 in ms: the store's plans ({runs} runs; `first`: the page filled \
         in the first rows of the order, `index`: from the index's candidates after that) against walking the order \
         ({scan_runs} runs)"
    );
    for (what, text) in searches {
        let q = TaskQuery {
            category: TaskCategory::Todo,
            search: Some(text.into()),
            tenant: Some("default".into()),
            limit: 20,
            ..Default::default()
        };
        let mut plan = "";
        let mut picked = Vec::new();
        let mut walked = Vec::new();
        let mut rows = (0, 0);
        for i in 0..runs.max(scan_runs) + 3 {
            for scan in [false, true] {
                if (!scan && i >= runs + 3) || (scan && i >= scan_runs + 3) {
                    continue;
                }
                let s = Instant::now();
                let (page, how) =
                    store.task_page_for_bench(Some("default"), &q, e.clock().now(), 20, scan).await.expect("page");
                let took = s.elapsed();
                let n = page.len();
                if !scan {
                    plan = how;
                }
                // The first runs warm caches and connections.
                if i >= 3 {
                    if scan {
                        walked.push(took);
                        rows.1 = n;
                    } else {
                        picked.push(took);
                        rows.0 = n;
                    }
                }
            }
        }
        assert_eq!(rows.0, rows.1, "{text}: both plans find the same page");
        println!(
            "  {what:<30} {text:<18} {:>2} rows  {plan:<5} p50 {:>7.2}  p95 {:>7.2}   walk p50 {:>8.2}  p95 {:>8.2}",
            rows.0,
            percentile(&mut picked, 0.5),
            percentile(&mut picked, 0.95),
            percentile(&mut walked, 0.5),
            percentile(&mut walked, 0.95),
        );
    }
    println!("{label}: 全部 instance list, first page of 20; the same");
    let initiator = person(1_606).1;
    let searches = [
        ("frequent: a process name", "请假"),
        ("rare: a business key", "bk-2024-0123440"),
        ("no row", "zzqx"),
        ("initiator's name", initiator.as_str()),
        ("two words", "expense 王"),
    ];
    for (what, text) in searches {
        let q = InstanceQuery {
            definition_name: Some(text.into()),
            tenant: Some("default".into()),
            limit: 20,
            ..Default::default()
        };
        let mut plan = "";
        let (mut picked, mut walked) = (Vec::new(), Vec::new());
        let mut rows = (0, 0);
        for i in 0..runs.max(scan_runs) + 3 {
            for walk in [false, true] {
                if (!walk && i >= runs + 3) || (walk && i >= scan_runs + 3) {
                    continue;
                }
                let s = Instant::now();
                let (page, how) = store.instance_page_for_bench(Some("default"), &q, 20, walk).await.expect("page");
                let took = s.elapsed();
                if i >= 3 {
                    if walk {
                        walked.push(took);
                        rows.1 = page.len();
                    } else {
                        picked.push(took);
                        rows.0 = page.len();
                        plan = how;
                    }
                }
            }
        }
        assert_eq!(rows.0, rows.1, "{text}: both plans find the same page");
        println!(
            "  {what:<30} {text:<18} {:>2} rows  {plan:<5} p50 {:>7.2}  p95 {:>7.2}   walk p50 {:>8.2}  p95 {:>8.2}",
            rows.0,
            percentile(&mut picked, 0.5),
            percentile(&mut picked, 0.95),
            percentile(&mut walked, 0.5),
            percentile(&mut walked, 0.95),
        );
    }
}

/// p50 and p95 in ms of `runs` calls of `f` (after three to warm up), and what the last one
/// answered.
async fn timed<T, F, Fut>(runs: usize, mut f: F) -> (f64, f64, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for i in 0..runs + 3 {
        let s = Instant::now();
        let out = f().await;
        if i >= 3 {
            times.push(s.elapsed());
        }
        last = Some(out);
    }
    (percentile(&mut times, 0.5), percentile(&mut times, 0.95), last.expect("a run"))
}

/// One line of [`orders_and_totals`]: the case, the page's rows and total, the times.
fn print_page(case: &str, rows: usize, total: Option<i64>, p50: f64, p95: f64) {
    println!("  {case} {rows:>2} rows  total {:>6}  p50 {p50:>7.2}  p95 {p95:>7.2}", total.unwrap_or(-1));
}

/// A searched 待办 list's first page and total, counted with the limits the lists use and with
/// the earlier ones (a search counted to 10,001 as a plain list does, walking up to 100,000
/// rows of the order first), interleaved run by run.
async fn searched_totals(e: &Engine, label: &str, runs: usize) {
    println!(
        "{label}: a searched 待办 list, its first page and total; p50 / p95 in ms ({runs} runs): now (counted to \
         1,001, walking up to 20,000 rows) | before (10,001, 100,000)"
    );
    for word in ["审批", "王", "wangfang 出纳", "bk-2024-0123440"] {
        let q = TaskQuery { category: TaskCategory::Todo, search: Some(word.into()), limit: 20, ..Default::default() };
        let mut times = [Vec::new(), Vec::new()];
        let mut totals = [0, 0];
        for i in 0..runs + 3 {
            for (k, limits) in [TotalLimits::NOW, TotalLimits::BEFORE].into_iter().enumerate() {
                let s = Instant::now();
                totals[k] = e.store().task_total_for_bench(None, &q, e.clock().now(), limits).await.expect("total");
                if i >= 3 {
                    times[k].push(s.elapsed());
                }
            }
        }
        let [now, before] = &mut times;
        println!(
            "  {word:<16} total {:>6} p50 {:>7.2} p95 {:>7.2} | total {:>6} p50 {:>7.2} p95 {:>7.2}",
            totals[0],
            percentile(now, 0.5),
            percentile(now, 0.95),
            totals[1],
            percentile(before, 0.5),
            percentile(before, 0.95)
        );
    }
}

/// The first page of each list with its total, in each order.
async fn orders_and_totals(e: &Engine, label: &str, runs: usize) {
    let sys = engine::identity::Account::system();
    searched_totals(e, label, runs).await;
    println!("{label}: first page of 20 with its total, p50 / p95 in ms ({runs} runs)");
    let tasks = [
        (TaskCategory::Todo, TaskOrder::CreatedDesc),
        (TaskCategory::Todo, TaskOrder::CreatedAsc),
        (TaskCategory::Todo, TaskOrder::DueAsc),
        (TaskCategory::Todo, TaskOrder::DueDesc),
        (TaskCategory::Todo, TaskOrder::ProcessAsc),
        (TaskCategory::Todo, TaskOrder::ProcessDesc),
        (TaskCategory::All, TaskOrder::DueAsc),
        (TaskCategory::Completed, TaskOrder::ProcessDesc),
        (TaskCategory::Overdue, TaskOrder::CreatedDesc),
    ];
    for search in [None, Some("审批"), Some("bk-2024-0123440")] {
        for (category, sort) in tasks {
            let q = TaskQuery { category, sort, search: search.map(str::to_owned), limit: 20, ..Default::default() };
            let (p50, p95, page) = timed(runs, || e.list_tasks(&sys, &q)).await;
            let page = page.expect("page");
            let case = format!(
                "tasks {:<10} {:<12} {:<16}",
                format!("{category:?}"),
                format!("{sort:?}"),
                search.unwrap_or("-")
            );
            print_page(&case, page.items.len(), page.total, p50, p95);
        }
    }
    let instances = [
        (InstanceCategory::All, InstanceSort::StartedDesc),
        (InstanceCategory::All, InstanceSort::EndedDesc),
        (InstanceCategory::All, InstanceSort::EndedAsc),
        (InstanceCategory::All, InstanceSort::ProcessAsc),
        (InstanceCategory::All, InstanceSort::StateDesc),
        (InstanceCategory::Completed, InstanceSort::EndedDesc),
        (InstanceCategory::Unfinished, InstanceSort::ProcessDesc),
    ];
    for search in [None, Some("请假"), Some("bk-2024-0123440")] {
        for (category, sort) in instances {
            let q = InstanceQuery {
                category,
                sort,
                definition_name: search.map(str::to_owned),
                limit: 20,
                ..Default::default()
            };
            let (p50, p95, page) = timed(runs, || e.list_instances(&sys, &q)).await;
            let page = page.expect("page");
            let case = format!(
                "instances {:<10} {:<12} {:<16}",
                format!("{category:?}"),
                format!("{sort:?}"),
                search.unwrap_or("-")
            );
            print_page(&case, page.items.len(), page.total, p50, p95);
        }
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        for backend in ["sqlite", "postgres"] {
            if std::env::var("BENCH_ONLY").is_ok_and(|o| o != backend) {
                continue;
            }
            let mut db = if backend == "sqlite" { TestDb::sqlite().await } else { TestDb::postgres().await };
            db.set_clock(Clock::System);
            db.engine.ensure_default_tenant().await.expect("default tenant");
            bench(&db, backend).await;
            orders_and_totals(&db.engine, backend, env_num("BENCH_RUNS", 100) as usize).await;
            if std::env::var("BENCH_KEEP").is_ok() {
                // Left for a look at the plans (`psql`, `sqlite3`): not removed.
                println!("{backend}: kept {}", db.url);
                std::mem::forget(db);
            }
        }
    });
}
