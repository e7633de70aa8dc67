//! External tasks speed: fetch-and-lock + complete round trips per second, and long polling.
//!
//! `cargo bench -p engine --bench external` runs on SQLite (a WAL file in the temp folder,
//! commits synced as `BPM_SQLITE_SYNC` says, default `full`) and on the local PostgreSQL
//! (`BPM_TEST_PG_URL`, default the trust-auth server on 127.0.0.1).
//!
//! - Round trips: deploys start → external task (topic `bench`) → end, starts `BENCH_TASKS`
//!   instances (default 4,000) for each worker count of `BENCH_WORKERS` (default `4,16`), then
//!   that many workers fetch (`BENCH_MAX_TASKS` per fetch, default 1: one fetch per task) and
//!   complete until none is left. Prints completed tasks per second (goal ≥ 2,000/s on SQLite
//!   at 16 workers) and the p50/p95 of a fetch and of a completion.
//! - Long polling: `BENCH_WAITERS` (500) fetches wait on a topic with nothing for
//!   `BENCH_IDLE_SECONDS` (5); prints the process's CPU use meanwhile (user + system time from
//!   `/proc/self/stat`, goal near idle), then starts one instance whose task the waiters fetch
//!   and prints how long after its start a waiter had it (goal < 100 ms).
//!
//! `BENCH_ONLY=sqlite|postgres` limits the run to one database; `BENCH_PARTS=trips|poll` to one
//! part. The bench asserts that every task was completed exactly once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::external::{FetchAndLock, FetchTopic};
use engine::identity::Account;
use engine::instances::StartRequest;
use engine::testing::TestDb;
use engine::{Clock, Engine};
use serde_json::Map;
use tokio::sync::Mutex;

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
<process id="ext" name="External" isExecutable="true">
  <startEvent id="start"/>
  <serviceTask id="work" name="Work" camunda:type="external" camunda:topic="bench"/>
  <serviceTask id="idle" name="Idle" camunda:type="external" camunda:topic="idle"/>
  <exclusiveGateway id="which" default="toWork"/>
  <endEvent id="end"/>
  <sequenceFlow id="f0" sourceRef="start" targetRef="which"/>
  <sequenceFlow id="toWork" sourceRef="which" targetRef="work"/>
  <sequenceFlow id="toIdle" sourceRef="which" targetRef="idle"><conditionExpression>${idle == true}</conditionExpression></sequenceFlow>
  <sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
  <sequenceFlow id="f3" sourceRef="idle" targetRef="end"/>
</process>
</definitions>"#;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn wanted(var: &str, what: &str) -> bool {
    std::env::var(var).map(|v| v == what).unwrap_or(true)
}

fn sys() -> Account {
    Account::system()
}

fn fetch_request(worker: &str, topic: &str, max_tasks: u32, wait_ms: u64) -> FetchAndLock {
    FetchAndLock {
        worker_id: worker.into(),
        max_tasks,
        topics: vec![FetchTopic { topic_name: topic.into(), lock_duration_ms: 60_000, ..Default::default() }],
        async_response_timeout_ms: wait_ms,
        ..Default::default()
    }
}

async fn start(e: &Engine, idle: bool) {
    let mut variables = Map::new();
    variables.insert("idle".into(), idle.into());
    e.start_instance(&sys(), "ext", None, StartRequest { variables, ..Default::default() }).await.expect("start");
}

/// Starts `n` instances with 8 concurrent clients.
async fn start_many(e: &Engine, n: u64) {
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (e, next) = (e.clone(), next.clone());
        clients.push(tokio::spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < n {
                start(&e, false).await;
            }
        }));
    }
    for c in clients {
        c.await.expect("client");
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn bench_trips(e: &Engine, backend: &str) {
    let tasks = env_num("BENCH_TASKS", 4_000);
    let max_tasks = env_num("BENCH_MAX_TASKS", 1) as u32;
    let counts = std::env::var("BENCH_WORKERS").unwrap_or_else(|_| "4,16".into());
    for workers in counts.split(',').filter_map(|w| w.trim().parse::<usize>().ok()) {
        start_many(e, tasks).await;
        let fetches = Arc::new(Mutex::new(Vec::new()));
        let completions = Arc::new(Mutex::new(Vec::new()));
        let began = Instant::now();
        let mut handles = Vec::new();
        for w in 0..workers {
            let (e, fetches, completions) = (e.clone(), fetches.clone(), completions.clone());
            handles.push(tokio::spawn(async move {
                let worker = format!("w{w}");
                let mut done = 0u64;
                let (mut f, mut c) = (Vec::new(), Vec::new());
                loop {
                    let t0 = Instant::now();
                    let got =
                        e.fetch_and_lock(&sys(), fetch_request(&worker, "bench", max_tasks, 0)).await.expect("fetch");
                    f.push(t0.elapsed());
                    if got.is_empty() {
                        break;
                    }
                    for t in got {
                        let t0 = Instant::now();
                        e.complete_external_task(&sys(), &t.id, &worker, Map::new(), Map::new())
                            .await
                            .expect("complete");
                        c.push(t0.elapsed());
                        done += 1;
                    }
                }
                fetches.lock().await.extend(f);
                completions.lock().await.extend(c);
                done
            }));
        }
        let mut done = 0;
        for h in handles {
            done += h.await.expect("worker");
        }
        let secs = began.elapsed().as_secs_f64();
        assert_eq!(done, tasks, "every task completed exactly once");
        let mut f = fetches.lock().await.clone();
        let mut c = completions.lock().await.clone();
        f.sort();
        c.sort();
        println!(
            "{backend}: {workers} workers, {tasks} tasks, maxTasks {max_tasks}: {:.0} fetch+complete round trips/s \
             ({secs:.2} s); fetch p50 {:.2} ms p95 {:.2} ms; complete p50 {:.2} ms p95 {:.2} ms",
            tasks as f64 / secs,
            percentile(&f, 0.5).as_secs_f64() * 1e3,
            percentile(&f, 0.95).as_secs_f64() * 1e3,
            percentile(&c, 0.5).as_secs_f64() * 1e3,
            percentile(&c, 0.95).as_secs_f64() * 1e3,
        );
    }
}

/// The process's user + system CPU time, in clock ticks (`/proc/self/stat`).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    get(11) + get(12)
}

async fn bench_poll(e: &Engine, backend: &str) {
    let waiters = env_num("BENCH_WAITERS", 500);
    let idle_secs = env_num("BENCH_IDLE_SECONDS", 5);
    let mut handles = Vec::new();
    for w in 0..waiters {
        let e = e.clone();
        handles.push(tokio::spawn(async move {
            let got =
                e.fetch_and_lock(&sys(), fetch_request(&format!("p{w}"), "idle", 1, 30_000)).await.expect("fetch");
            (got.len(), Instant::now())
        }));
    }
    // Let them all reach their wait, then measure the CPU while they wait.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (ticks, t0) = (cpu_ticks(), Instant::now());
    tokio::time::sleep(Duration::from_secs(idle_secs)).await;
    let used = (cpu_ticks() - ticks) as f64 / 100.0;
    let wall = t0.elapsed().as_secs_f64();
    println!(
        "{backend}: {waiters} fetches waiting {wall:.1} s: CPU {used:.2} s = {:.1}% of one core",
        used / wall * 100.0
    );
    let created = Instant::now();
    start(e, true).await;
    let mut first: Option<Instant> = None;
    let mut got = 0;
    for h in handles {
        let (n, at) = h.await.expect("waiter");
        if n > 0 {
            got += n;
            first = Some(first.map_or(at, |f| f.min(at)));
        }
    }
    assert_eq!(got, 1, "exactly one waiter locked the task");
    let lag = first.map(|f| f.saturating_duration_since(created)).unwrap_or_default();
    println!(
        "{backend}: a task started while {waiters} fetches wait was locked {:.1} ms after its start began",
        lag.as_secs_f64() * 1e3
    );
}

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
    let report = db
        .engine
        .deploy(&sys(), "default", None, vec![("ext.bpmn".into(), PROCESS.as_bytes().to_vec())], &Default::default())
        .await
        .expect("deploy");
    assert!(report.all_ok(), "{report:?}");
    db
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        for backend in ["sqlite", "postgres"] {
            if !wanted("BENCH_ONLY", backend) {
                continue;
            }
            let db = database(backend).await;
            if wanted("BENCH_PARTS", "trips") {
                bench_trips(&db.engine, backend).await;
            }
            if wanted("BENCH_PARTS", "poll") {
                bench_poll(&db.engine, backend).await;
            }
        }
    });
}
