//! Job executor speed, on SQLite and PostgreSQL. Figures are printed; nothing is asserted.
//!
//! - Throughput: `BENCH_JOBS` (default 2,000) instances each with one service-task job, run
//!   to completion by one and by two executors (`max_concurrent` 8 each) sharing the
//!   database. The service caller is an in-process fake answering at once (no HTTP stub: the
//!   figure is the executor and database cost per job, claim + call + commit of the next step).
//! - Timer lateness: 1,000 timers due within the few seconds it takes to start their
//!   instances (each 20 s after its start, system clock), one executor polling every 50 ms
//!   and claiming timers `batch` (64) at a time; lateness = when the timer's step committed −
//!   its due time, p50/p99.
//!
//! `BENCH_ONLY=sqlite|postgres` limits the run to one database.

use std::sync::Arc;
use std::time::Instant;

use engine::identity::Account;
use engine::instances::{InstanceCategory, InstanceQuery, StartRequest};
use engine::jobs::{CallFuture, Executor, ExecutorConfig, ServiceCaller, ServiceRequest, ServiceResponse};
use engine::testing::TestDb;
use engine::{Clock, Engine};
use serde_json::Map;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:flowable="http://flowable.org/bpmn" id="D" targetNamespace="t">"#;

struct Instant200;

impl ServiceCaller for Instant200 {
    fn call(&self, _req: ServiceRequest) -> CallFuture<'_> {
        Box::pin(async { Ok(ServiceResponse::new(200, "{\"ok\":true}")) })
    }
}

async fn deploy(e: &Engine, key: &str, body: &str) {
    e.ensure_default_tenant().await.unwrap();
    let xml = format!(r#"{HEAD}<process id="{key}" isExecutable="true">{body}</process></definitions>"#);
    let r = e
        .deploy(
            &Account::system(),
            "default",
            None,
            vec![(format!("{key}.bpmn"), xml.into_bytes())],
            &Default::default(),
        )
        .await
        .unwrap();
    assert!(r.all_ok());
}

async fn start_many(e: &Engine, key: &str, n: usize) {
    for _ in 0..n {
        let req = StartRequest { variables: Map::new(), ..Default::default() };
        e.start_instance(&Account::system(), key, None, req).await.unwrap();
    }
}

async fn drain(executors: Vec<Executor>) {
    let mut hs = Vec::new();
    for x in executors {
        hs.push(tokio::spawn(async move {
            let mut idle = 0;
            while idle < 3 {
                idle = if x.run_once().await == 0 { idle + 1 } else { 0 };
            }
        }));
    }
    for h in hs {
        h.await.unwrap();
    }
}

async fn throughput(db: &TestDb, label: &str, n: usize, executors: usize) {
    let e = &db.engine;
    let key = format!("svc{executors}");
    let body = r#"<startEvent id="s"/><serviceTask id="t" name="Call" flowable:type="http"><extensionElements><flowable:field name="requestUrl" stringValue="http://stub/x"/></extensionElements></serviceTask><endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/><sequenceFlow id="f2" sourceRef="t" targetRef="e"/>"#;
    deploy(e, &key, body).await;
    start_many(e, &key, n).await;
    let xs = (0..executors)
        .map(|i| {
            let config = ExecutorConfig { id: format!("bench-{i}"), max_concurrent: 8, ..Default::default() };
            Executor::new(e.clone(), Arc::new(Instant200), config)
        })
        .collect();
    let t0 = Instant::now();
    drain(xs).await;
    let s = t0.elapsed().as_secs_f64();
    println!("{label}: {n} service jobs, {executors} executor(s): {:.0} jobs/s ({s:.2} s)", n as f64 / s);
}

/// (start, end) of every completed instance.
async fn completed(e: &Engine) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let q = InstanceQuery { category: InstanceCategory::Completed, limit: 500, cursor, ..Default::default() };
        let Ok(page) = e.list_instances(&Account::system(), &q).await else { return out };
        out.extend(page.items.iter().filter_map(|i| i.end_time.map(|end| (i.start_time, end))));
        match page.next {
            Some(n) => cursor = Some(n),
            None => return out,
        }
    }
}

async fn lateness(db: &TestDb, label: &str) {
    let e = &db.engine;
    let body = r#"<startEvent id="s"/><intermediateCatchEvent id="w"><timerEventDefinition><timeDuration>PT20S</timeDuration></timerEventDefinition></intermediateCatchEvent><endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="w"/><sequenceFlow id="f2" sourceRef="w" targetRef="e"/>"#;
    deploy(e, "timers", body).await;
    let t0 = Instant::now();
    start_many(e, "timers", 1_000).await;
    let setup = t0.elapsed().as_secs_f64();
    // Each timer is due 20 s after its start; wait until the first is due, then run.
    let config = ExecutorConfig { id: "late".into(), max_concurrent: 8, poll_ms: 50, ..Default::default() };
    let x = Executor::new(e.clone(), Arc::new(Instant200), config);
    let (tx, rx) = tokio::sync::watch::channel(false);
    let run = tokio::spawn(x.run(rx));
    let deadline = Instant::now() + std::time::Duration::from_secs_f64(20.0 + setup + 60.0);
    while completed(e).await.len() < 1_000 && Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let _ = tx.send(true);
    let _ = run.await;
    // Lateness: the instance's end (the timer's step) versus its start + 20 s.
    let mut late: Vec<i64> = completed(e).await.iter().map(|(start, end)| end - (start + 20_000)).collect();
    late.sort_unstable();
    let p = |q: f64| late.get(((late.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(-1);
    println!(
        "{label}: timer lateness at 1,000 due timers ({} fired): p50 {} ms, p99 {} ms, max {} ms",
        late.len(),
        p(0.5),
        p(0.99),
        late.last().copied().unwrap_or(-1)
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let n: usize = std::env::var("BENCH_JOBS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    for backend in ["sqlite", "postgres"] {
        if !only.is_empty() && only != backend {
            continue;
        }
        for executors in [1, 2] {
            let db = if backend == "sqlite" { TestDb::sqlite().await } else { TestDb::postgres().await };
            throughput(&db, backend, n, executors).await;
        }
        let mut db = if backend == "sqlite" { TestDb::sqlite().await } else { TestDb::postgres().await };
        db.set_clock(Clock::System);
        lateness(&db, backend).await;
    }
}
