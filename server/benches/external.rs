//! External tasks over real HTTP (`/engine-rest/external-task`), on SQLite and PostgreSQL.
//! Figures are printed; nothing is asserted.
//!
//! 1. Round trips: `BENCH_TASKS` (default 2,000) instances each wait on one external task;
//!    4, then 16 workers each loop `fetchAndLock` (maxTasks 1) + `complete` until nothing is
//!    left. The figure is completed tasks per second (one fetch and one complete each).
//! 2. Long polling: 500 workers wait on an empty topic (`asyncResponseTimeout` 30 s). The
//!    process's CPU time (user + system, `/proc/self/stat`, server and idle clients together)
//!    over 5 s of waiting, then the latency from starting an instance to a waiting worker
//!    receiving its task, over `BENCH_PROBES` (default 10) instances one after the other.
//!
//! The server runs in this process on a real TCP port (as in the HTTP tests), the workers are
//! reqwest clients on the same machine.
//!
//! `cargo bench -p server --bench external`; `BENCH_ONLY=sqlite|postgres`, `BENCH_TASKS=n`;
//! PostgreSQL at `BPM_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::identity::Account;
use engine::instances::StartRequest;
use engine::testing::TestDb;
use engine::Engine;
use serde_json::{json, Value};
use server::config::Config;
use server::{router, AppState};

const TOKEN: &str = "bench-token";
const WAITERS: usize = 500;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let only = std::env::var("BENCH_ONLY").unwrap_or_default();
        let tasks = env_usize("BENCH_TASKS", 2_000);
        let probes = env_usize("BENCH_PROBES", 10);
        for backend in ["sqlite", "postgres"] {
            if !only.is_empty() && only != backend {
                continue;
            }
            for workers in [4, 16] {
                let db = open(backend).await;
                round_trips(&db, backend, tasks, workers).await;
            }
            let db = open(backend).await;
            long_polling(&db, backend, probes).await;
        }
    });
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn open(backend: &str) -> TestDb {
    if backend == "sqlite" {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await
    }
}

/// Serves the console over `db` on a free port with the process deployed; the base URL of
/// `/engine-rest`.
async fn serve(db: &TestDb) -> String {
    let e = &db.engine;
    e.ensure_default_tenant().await.expect("tenant");
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
<process id="work" isExecutable="true"><startEvent id="s"/>
<serviceTask id="t" name="Work" camunda:type="external" camunda:topic="work"/><endEvent id="e"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="t"/><sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
</process></definitions>"#;
    let files = vec![("work.bpmn".to_string(), xml.as_bytes().to_vec())];
    let report = e.deploy(&Account::system(), "default", None, files, &Default::default()).await.expect("deploy");
    assert!(report.all_ok(), "{report:?}");
    let config = Config::from_lookup(|k| (k == "BPM_ADDR").then(|| "127.0.0.1:0".to_string())).expect("config");
    let state = AppState {
        leptos_options: server::leptos_options(&config),
        engine: e.clone(),
        api_token: Some(Arc::from(TOKEN)),
        max_file_bytes: 1024 * 1024,
        web: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
    let addr = listener.local_addr().expect("address");
    let limits = server::listen::Limits { max_connections: 2 * WAITERS, ..Default::default() };
    tokio::spawn(server::listen::serve(listener, router(state), limits, std::future::pending()));
    format!("http://{addr}/engine-rest")
}

async fn start(e: &Engine) {
    e.start_instance(&Account::system(), "work", None, StartRequest::default()).await.expect("start");
}

/// One `fetchAndLock` of topic `work`: the ids of the tasks locked.
async fn fetch(c: &reqwest::Client, base: &str, worker: &str, max_tasks: u32, wait_ms: u64) -> Vec<String> {
    let body = json!({"workerId": worker, "maxTasks": max_tasks, "asyncResponseTimeout": wait_ms,
        "topics": [{"topicName": "work", "lockDuration": 60_000}]});
    let res = c.post(format!("{base}/external-task/fetchAndLock")).bearer_auth(TOKEN).json(&body).send().await;
    let tasks: Value = match res {
        Ok(r) if r.status().is_success() => r.json().await.unwrap_or_default(),
        Ok(r) => panic!("fetchAndLock: {} {}", r.status(), r.text().await.unwrap_or_default()),
        Err(e) => panic!("fetchAndLock: {e}"),
    };
    tasks.as_array().into_iter().flatten().filter_map(|t| t["id"].as_str().map(str::to_string)).collect()
}

async fn round_trips(db: &TestDb, label: &str, n: usize, workers: usize) {
    let base = serve(db).await;
    for _ in 0..n {
        start(&db.engine).await;
    }
    let c = reqwest::Client::new();
    let t0 = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let (c, base) = (c.clone(), base.clone());
            tokio::spawn(async move {
                let worker = format!("bench-{w}");
                let mut done = 0usize;
                loop {
                    let ids = fetch(&c, &base, &worker, 1, 0).await;
                    let Some(id) = ids.first() else { break };
                    let res = c
                        .post(format!("{base}/external-task/{id}/complete"))
                        .bearer_auth(TOKEN)
                        .json(&json!({"workerId": worker, "variables": {"ok": {"value": true, "type": "Boolean"}}}))
                        .send()
                        .await
                        .expect("complete");
                    assert_eq!(res.status(), 204, "{}", res.text().await.unwrap_or_default());
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut done = 0;
    for h in handles {
        done += h.await.expect("worker");
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{label}: {workers} workers, {done} of {n} tasks: {:.0} fetchAndLock+complete round trips/s ({secs:.2} s)",
        done as f64 / secs
    );
}

/// The process's user + system CPU time so far, in seconds (`/proc/self/stat`, clock ticks of
/// 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // After the command name: state is field 3 (index 0), utime 14 (index 11), stime 15.
    (ticks(11) + ticks(12)) / 100.0
}

async fn long_polling(db: &TestDb, label: &str, probes: usize) {
    let base = serve(db).await;
    let c = reqwest::Client::builder().pool_max_idle_per_host(WAITERS).build().expect("client");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let waiters: Vec<_> = (0..WAITERS)
        .map(|w| {
            let (c, base, tx) = (c.clone(), base.clone(), tx.clone());
            tokio::spawn(async move {
                let worker = format!("waiter-{w}");
                loop {
                    let ids = fetch(&c, &base, &worker, 1, 30_000).await;
                    for id in ids {
                        let _ = tx.send(Instant::now());
                        let body = json!({"workerId": worker});
                        let _ = c
                            .post(format!("{base}/external-task/{id}/complete"))
                            .bearer_auth(TOKEN)
                            .json(&body)
                            .send()
                            .await;
                    }
                }
            })
        })
        .collect();
    // Let every worker reach the server and start waiting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let cpu = cpu_seconds() - cpu0;
    let wall = t0.elapsed().as_secs_f64();
    let mut latencies = Vec::new();
    for _ in 0..probes {
        let sent = Instant::now();
        start(&db.engine).await;
        match tokio::time::timeout(Duration::from_secs(31), rx.recv()).await {
            Ok(Some(got)) => latencies.push(got.duration_since(sent).as_secs_f64() * 1000.0),
            _ => println!("{label}: a waiting worker did not receive the task within 31 s"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for w in waiters {
        w.abort();
    }
    latencies.sort_by(f64::total_cmp);
    let median = latencies.get(latencies.len() / 2).copied().unwrap_or(f64::NAN);
    let max = latencies.last().copied().unwrap_or(f64::NAN);
    println!(
        "{label}: {WAITERS} workers long-polling: {cpu:.2} s CPU in {wall:.1} s of waiting ({:.1} % of one core); \
         start → worker receives the task: median {median:.1} ms, max {max:.1} ms over {} probes",
        100.0 * cpu / wall,
        latencies.len()
    );
}
