//! Runtime speed: full instance lifecycles per second, and list queries over a large store.
//!
//! `cargo bench -p engine --bench runtime` runs both parts on SQLite (a WAL file in the temp
//! folder) and on the local PostgreSQL (`BPM_TEST_PG_URL`, default the trust-auth server on
//! 127.0.0.1). Figures are printed; nothing is asserted.
//!
//! - Lifecycles: start the expense process (start → task → exclusive gateway → task → end)
//!   and complete its tasks to the end, every step committed, with `BENCH_CLIENTS`
//!   concurrent clients (default 1 on SQLite, 4 on PostgreSQL) for `BENCH_SECONDS` (10). The
//!   client goes on to the tasks each command answers it opened; with `BENCH_LIST=1` it
//!   lists the instance's open tasks before each completion and after the last instead, as a
//!   client that does not keep the answers would.
//! - Lists: fills `BENCH_TASKS` tasks (1,000,000) in `BENCH_INSTANCES` instances (300,000)
//!   with plain SQL and runs ANALYZE (`BENCH_ANALYZE=0`: not; `restart`: a new engine on the
//!   filled database, as after a server restart), then times the first page of
//!   every category, a fuzzy search and one instance's tasks, 200 times each, and prints p50
//!   and p95.
//!
//! - Raw: the same pool without engine code (a `SELECT 1` round trip, a one-insert
//!   transaction), the floor the lifecycle figure is measured against.
//!
//! `BPM_SQLITE_SYNC=full|normal` sets SQLite's durability as the server's variable does
//! (default `full`).
//!
//! `BENCH_ONLY=sqlite|postgres` limits the run to one database; `BENCH_PARTS=raw|lifecycle|lists`
//! to one part. `BENCH_SQL` is run on the fresh database before the lifecycles, to measure a
//! schema change (an index or key dropped, a table setting) before writing its migration.

use std::time::{Duration, Instant};

use engine::identity::Account;
use engine::instances::{InstanceCategory, InstanceQuery, InstanceStatus, StartRequest, TaskCategory, TaskQuery};
use engine::testing::TestDb;
use engine::{Backend, Clock, Engine};
use serde_json::{json, Map};

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">
<process id="expense" name="Expense claim" isExecutable="true">
  <startEvent id="start"/>
  <userTask id="approve" name="Approve" camunda:assignee="${initiator}" camunda:dueDate="P2D"/>
  <exclusiveGateway id="big" default="small"/>
  <userTask id="cfo" name="CFO approval" camunda:assignee="wangfang"/>
  <endEvent id="end"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
  <sequenceFlow id="f2" sourceRef="approve" targetRef="big"/>
  <sequenceFlow id="large" sourceRef="big" targetRef="cfo"><conditionExpression xsi:type="tFormalExpression">${amount > 1000}</conditionExpression></sequenceFlow>
  <sequenceFlow id="small" sourceRef="big" targetRef="end"/>
  <sequenceFlow id="f3" sourceRef="cfo" targetRef="end"/>
</process>
</definitions>"#;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn wanted(var: &str, what: &str) -> bool {
    std::env::var(var).map(|v| v == what).unwrap_or(true)
}

/// One lifecycle: start, then complete the tasks each command opens until none is left; the
/// instance's id. With `list`, the client finds the open tasks by listing the instance's tasks
/// before each completion and after the last one instead (one more query per command).
async fn lifecycle(e: &Engine, n: u64, list: bool) -> String {
    let sys = Account::system();
    let mut vars = Map::new();
    vars.insert("initiator".into(), json!("zhangwei"));
    vars.insert("amount".into(), json!(if n.is_multiple_of(2) { 5000 } else { 50 }));
    let req = StartRequest { variables: vars, ..Default::default() };
    let started = e.start_instance_with_tasks(&sys, "expense", None, req).await.expect("start");
    let id = started.instance.id;
    let mut open = started.created_tasks;
    loop {
        if list {
            let q = TaskQuery { instance_id: Some(id.clone()), limit: 5, ..Default::default() };
            open = e.list_tasks(&sys, &q).await.expect("tasks").items.into_iter().map(|t| t.id).collect();
        }
        let Some(task) = open.pop() else { break };
        open.extend(e.complete_task(&sys, &task, Map::new()).await.expect("complete"));
    }
    id
}

async fn bench_lifecycles(db: &TestDb, label: &str) {
    let e = &db.engine;
    let sys = Account::system();
    if let Ok(sql) = std::env::var("BENCH_SQL") {
        sqlx::raw_sql(&sql).execute(e.store().pool()).await.expect("BENCH_SQL");
    }
    e.deploy(&sys, "default", None, vec![("expense.bpmn".into(), PROCESS.as_bytes().to_vec())], &Default::default())
        .await
        .expect("deploy");
    let clients = env_num("BENCH_CLIENTS", if e.store().backend() == Backend::Sqlite { 1 } else { 4 });
    let seconds = env_num("BENCH_SECONDS", 10);
    let list = env_num("BENCH_LIST", 0) == 1;
    // Warm-up: caches, prepared statements, connections; every lifecycle must end its instance.
    for n in 0..200 {
        let id = lifecycle(e, n, list).await;
        let state = e.instance_summary(&sys, &id).await.expect("instance").state;
        assert_eq!(state, InstanceStatus::Completed, "a lifecycle left its instance {state:?}");
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let mut handles = Vec::new();
    for c in 0..clients {
        let e = e.clone();
        handles.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                lifecycle(&e, c * 1_000_000_000 + n, list).await;
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for h in handles {
        total += h.await.expect("client");
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    println!(
        "{label}: {total} lifecycles in {secs:.1} s with {clients} client(s){} = {:.0} lifecycles/s \
         (half with two tasks, half with one: {:.0} commands/s, a start and 1.5 completions each{}); \
         this process used {:.0} µs of CPU per lifecycle (load average {})",
        if list { ", listing tasks between commands" } else { "" },
        total as f64 / secs,
        total as f64 * 2.5 / secs,
        if list { ", and 2.5 task lists" } else { "" },
        cpu * 1e6 / total.max(1) as f64,
        load_average()
    );
}

/// CPU seconds (user and system) this process has used so far; 0 where `/proc` is missing.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are the 12th
    // and 13th, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// The one-minute load average, to tell how busy the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// Fills the store with `instances` instances and `tasks` tasks by plain SQL (a realistic
/// mix: 30 % finished instances, task states 40 % active of which a quarter overdue, 55 %
/// completed, 5 % cancelled).
async fn fill(e: &Engine, instances: u64, tasks: u64) {
    let pool = e.store().pool();
    let def: String = sqlx::query_scalar("SELECT id FROM process_definitions WHERE process_key = 'expense'")
        .fetch_one(pool)
        .await
        .expect("definition");
    let now = e.clock().now();
    let batch = 2_000u64;
    let names = ["Approve", "CFO approval", "出纳付款", "部门经理审批", "Review contract"];
    let people = ["zhangwei", "wangfang", "lina", "chenjing", "liuyang", "zhaolei"];
    let mut i = 0;
    while i < instances {
        let mut sql = String::from(
            "INSERT INTO process_instances (id, tenant_id, definition_id, definition_key, definition_name, name_lower, \
             version, business_key, initiator, state, finished, start_time, end_time, current_activities, \
             current_activity_ids, state_json, revision, change_stamp) VALUES ",
        );
        for k in i..(i + batch).min(instances) {
            let finished = k % 10 < 3;
            let (state, end) = if finished {
                ("completed", format!("{}", now - k as i64 * 1000 + 500))
            } else {
                ("running", "NULL".into())
            };
            let def_name = if k % 3 == 0 {
                "Expense claim"
            } else if k % 3 == 1 {
                "请假申请"
            } else {
                "Purchase order"
            };
            if k > i {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('b{k:015}', 'default', '{def}', 'expense', '{def_name}', '{}', 1, 'BK{k}', '{}', '{state}', {}, {}, {end}, \
                 'Approve', 'approve', '{{}}', 1, {k})",
                def_name.to_lowercase(),
                people[(k % 6) as usize],
                finished as i64,
                now - k as i64 * 1000,
            ));
        }
        sqlx::query(&sql).execute(pool).await.expect("instances");
        i += batch;
    }
    let mut t = 0;
    while t < tasks {
        let mut sql = String::from(
            "INSERT INTO tasks (id, tenant_id, instance_id, token, activity_id, name, search_text, definition_name, \
             assignee, created, due, end_time, state, revision) VALUES ",
        );
        for k in t..(t + batch).min(tasks) {
            let inst = k % instances;
            let name = names[(k % 5) as usize];
            let who = people[(k % 6) as usize];
            let created = now - k as i64 * 300;
            let (state, end) = match k % 20 {
                0..=7 => ("active", "NULL".to_string()),
                8..=18 => ("completed", format!("{}", created + 100)),
                _ => ("cancelled", format!("{}", created + 100)),
            };
            // A quarter of the active tasks are overdue.
            let due = if k % 20 < 2 { created + 1000 - (30 * 86_400_000) } else { created + 2 * 86_400_000 };
            if k > t {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('t{k:015}', 'default', 'b{inst:015}', 1, 'approve', '{name}', '{}', 'Expense claim', '{who}', {created}, \
                 {due}, {end}, '{state}', 1)",
                format!("{name}\n{who}").to_lowercase()
            ));
        }
        sqlx::query(&sql).execute(pool).await.expect("tasks");
        t += batch;
    }
    // Fresh statistics, as PostgreSQL's autovacuum keeps them; `BENCH_ANALYZE=0` leaves them
    // out (a SQLite file has none unless something runs ANALYZE); `restart` leaves them to
    // the engine, which on a SQLite file refreshes them as its writer starts.
    if analyze_mode() == "1" {
        sqlx::query("ANALYZE").execute(pool).await.expect("analyze");
    }
}

/// The floor under the engine: round trips through the same pool, without engine code.
async fn bench_raw(db: &TestDb, label: &str) {
    let pool = db.engine.store().pool();
    sqlx::query("CREATE TABLE bench_raw (id BIGINT PRIMARY KEY, v TEXT NOT NULL)").execute(pool).await.expect("table");
    let n = 5_000;
    let s = Instant::now();
    for _ in 0..n {
        sqlx::query("SELECT 1").execute(pool).await.expect("select");
    }
    let select = s.elapsed().as_secs_f64();
    let s = Instant::now();
    for i in 0..n {
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query("INSERT INTO bench_raw (id, v) VALUES ($1, 'x')")
            .bind(i as i64)
            .execute(&mut *tx)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
    }
    let txs = s.elapsed().as_secs_f64();
    println!(
        "{label}: raw pool round trip {:.0} µs (SELECT 1), one-insert transaction {:.0} µs = {:.0} tx/s",
        select / n as f64 * 1e6,
        txs / n as f64 * 1e6,
        n as f64 / txs
    );
}

fn percentile(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let idx = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1;
    times[idx].as_secs_f64() * 1000.0
}

async fn time_query<F, Fut>(label: &str, runs: usize, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut rows = 0;
    for _ in 0..5 {
        rows = f().await;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let s = Instant::now();
        f().await;
        times.push(s.elapsed());
    }
    println!(
        "  {label:<40} {rows:>3} rows  p50 {:>7.2} ms  p95 {:>7.2} ms",
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.95)
    );
}

/// `BENCH_ANALYZE`: `1` (ANALYZE after the fill, the default), `0` (no statistics) or
/// `restart` (the queries run on a new engine over the filled database).
fn analyze_mode() -> String {
    std::env::var("BENCH_ANALYZE").unwrap_or_else(|_| "1".into())
}

async fn bench_lists(db: &TestDb, label: &str) {
    let e = &db.engine;
    let sys = Account::system();
    let instances = env_num("BENCH_INSTANCES", 300_000);
    let tasks = env_num("BENCH_TASKS", 1_000_000);
    if e.list_definitions(&sys, &Default::default()).await.expect("defs").items.is_empty() {
        e.deploy(
            &sys,
            "default",
            None,
            vec![("expense.bpmn".into(), PROCESS.as_bytes().to_vec())],
            &Default::default(),
        )
        .await
        .expect("deploy");
    }
    let s = Instant::now();
    fill(e, instances, tasks).await;
    println!("{label}: filled {instances} instances and {tasks} tasks in {:.0} s", s.elapsed().as_secs_f64());
    let restarted;
    let e = if analyze_mode() == "restart" {
        restarted = Engine::connect(&db.url).await.expect("a second engine on the filled database");
        if restarted.store().backend() == Backend::Sqlite {
            // The writer refreshes the statistics as it starts, beside the first queries.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_stat1")
                .fetch_one(restarted.store().pool())
                .await
                .unwrap_or(0);
            println!("{label}: a new engine on the filled file; {n} index statistics");
        }
        &restarted
    } else {
        e
    };
    let runs = 200;
    for (name, category) in [
        ("tasks 待办 todo", TaskCategory::Todo),
        ("tasks 逾期 overdue", TaskCategory::Overdue),
        ("tasks 已完成 completed", TaskCategory::Completed),
        ("tasks 所有 all", TaskCategory::All),
    ] {
        time_query(name, runs, || async move {
            let q = TaskQuery { category, tenant: Some("default".into()), limit: 20, ..Default::default() };
            e.list_tasks(&sys_account(), &q).await.expect("tasks").items.len()
        })
        .await;
    }
    time_query("tasks search \"contract\" (todo)", runs, || async move {
        let q = TaskQuery { search: Some("contract".into()), limit: 20, ..Default::default() };
        e.list_tasks(&sys_account(), &q).await.expect("tasks").items.len()
    })
    .await;
    time_query("tasks search \"lina 出纳\" (all)", runs, || async move {
        let q = TaskQuery {
            category: TaskCategory::All,
            search: Some("lina 出纳".into()),
            limit: 20,
            ..Default::default()
        };
        e.list_tasks(&sys_account(), &q).await.expect("tasks").items.len()
    })
    .await;
    // An instance whose tasks are active and among the oldest (with the default sizes: three,
    // near the end of the 待办 order, which a walk of that order would reach last).
    let oldest = format!("b{:015}", instances.saturating_sub(15));
    time_query("tasks of one instance (待办)", runs, || {
        let q = TaskQuery { instance_id: Some(oldest.clone()), limit: 20, ..Default::default() };
        async move { e.list_tasks(&sys_account(), &q).await.expect("tasks").items.len() }
    })
    .await;
    for (name, category) in [
        ("instances 全部 all", InstanceCategory::All),
        ("instances 完成 completed", InstanceCategory::Completed),
        ("instances 未完成 unfinished", InstanceCategory::Unfinished),
    ] {
        time_query(name, runs, || async move {
            let q = InstanceQuery { category, tenant: Some("default".into()), limit: 20, ..Default::default() };
            e.list_instances(&sys_account(), &q).await.expect("instances").items.len()
        })
        .await;
    }
    time_query("instances search \"请假\"", runs, || async move {
        let q = InstanceQuery { definition_name: Some("请假".into()), limit: 20, ..Default::default() };
        e.list_instances(&sys_account(), &q).await.expect("instances").items.len()
    })
    .await;
    time_query("instances page 50 (cursor)", runs, || async move {
        let q = InstanceQuery { limit: 20, ..Default::default() };
        let first = e.list_instances(&sys_account(), &q).await.expect("instances");
        let q = InstanceQuery { limit: 20, cursor: first.next, ..Default::default() };
        e.list_instances(&sys_account(), &q).await.expect("instances").items.len()
    })
    .await;
    time_query("change token", runs, || async move {
        e.runtime_change_token().await.expect("token");
        1
    })
    .await;
}

/// A fresh database of `backend` whose engine uses the system clock.
async fn database(backend: &str) -> TestDb {
    let mut db = if backend == "sqlite" {
        println!(
            "sqlite: BPM_SQLITE_SYNC={}",
            std::env::var("BPM_SQLITE_SYNC").unwrap_or_else(|_| "full (default)".into())
        );
        TestDb::sqlite_from_env().await
    } else {
        TestDb::postgres().await
    };
    db.set_clock(Clock::System);
    db.engine.ensure_default_tenant().await.expect("default tenant");
    db
}

fn sys_account() -> Account {
    Account::system()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        for backend in ["sqlite", "postgres"] {
            if !wanted("BENCH_ONLY", backend) {
                continue;
            }
            if wanted("BENCH_PARTS", "raw") {
                bench_raw(&database(backend).await, backend).await;
            }
            if wanted("BENCH_PARTS", "lifecycle") {
                bench_lifecycles(&database(backend).await, backend).await;
            }
            if wanted("BENCH_PARTS", "lists") {
                bench_lists(&database(backend).await, backend).await;
            }
        }
    });
}
