//! One big command beside many small ones: how long starting an instance that opens
//! `BENCH_FANOUT` (1,666) parallel user tasks (a parallel gateway's branches) takes, and how long the small commands of
//! `BENCH_CLIENTS` (4) concurrent clients (full lifecycles of a one-task process) wait
//! meanwhile.
//!
//! `cargo bench -p engine --bench fanout` runs it on a SQLite file and on the local PostgreSQL
//! (`BPM_TEST_PG_URL`); `BENCH_ONLY=sqlite|postgres` limits it to one, `BENCH_ROUNDS` (5) is the
//! number of big starts, one every half second. Printed per big start: its time, the longest
//! small command that overlapped it, and the small commands' p50 / p99 / longest over the whole
//! run. Figures are printed; nothing is asserted. `BPM_SQLITE_SYNC` as in the runtime bench.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine::identity::Account;
use engine::instances::StartRequest;
use engine::testing::TestDb;
use engine::{Clock, Engine};
use serde_json::Map;

/// A process whose start opens `n` user tasks at once (a parallel gateway with `n` branches,
/// joined again before the end), and a small one-task process.
fn processes(n: u64) -> String {
    let mut fan = String::new();
    for i in 0..n {
        fan.push_str(&format!(
            r#"<userTask id="t{i}" name="Review {i}"/><sequenceFlow id="a{i}" sourceRef="split" targetRef="t{i}"/><sequenceFlow id="b{i}" sourceRef="t{i}" targetRef="join"/>"#
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
<process id="fanout" name="Fan-out" isExecutable="true">
  <startEvent id="start"/><parallelGateway id="split"/><parallelGateway id="join"/><endEvent id="end"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="split"/><sequenceFlow id="f2" sourceRef="join" targetRef="end"/>
  {fan}
</process>
<process id="small" name="Small" isExecutable="true">
  <startEvent id="s"/><userTask id="t" name="Task"/><endEvent id="e"/>
  <sequenceFlow id="g1" sourceRef="s" targetRef="t"/><sequenceFlow id="g2" sourceRef="t" targetRef="e"/>
</process>
</definitions>"#
    )
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small command's end and how long it took.
type Timings = Arc<Mutex<Vec<(Instant, Duration)>>>;

async fn timed<T>(log: &Timings, f: impl std::future::Future<Output = T>) -> T {
    let t0 = Instant::now();
    let out = f.await;
    let now = Instant::now();
    log.lock().expect("log").push((now, now - t0));
    out
}

/// Small lifecycles (a start and a completion, each timed) until `stop`.
async fn small_client(e: Engine, log: Timings, stop: Arc<AtomicBool>) {
    let sys = Account::system();
    while !stop.load(Ordering::Relaxed) {
        let started = timed(&log, e.start_instance_with_tasks(&sys, "small", None, StartRequest::default()))
            .await
            .expect("small start");
        for task in started.created_tasks {
            timed(&log, e.complete_task(&sys, &task, Map::new())).await.expect("small complete");
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn bench(db: &TestDb, label: &str) {
    let e = &db.engine;
    let sys = Account::system();
    let fanout = env_num("BENCH_FANOUT", 1666);
    e.deploy(&sys, "default", None, vec![("fanout.bpmn".into(), processes(fanout).into_bytes())], &Default::default())
        .await
        .expect("deploy");
    let clients = env_num("BENCH_CLIENTS", 4);
    let rounds = env_num("BENCH_ROUNDS", 5);
    let log: Timings = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> =
        (0..clients).map(|_| tokio::spawn(small_client(e.clone(), log.clone(), stop.clone()))).collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut bigs = Vec::new();
    for _ in 0..rounds {
        let t0 = Instant::now();
        let started =
            e.start_instance_with_tasks(&sys, "fanout", None, StartRequest::default()).await.expect("fan-out start");
        let t1 = Instant::now();
        assert_eq!(started.created_tasks.len() as u64, fanout, "every task opened");
        bigs.push((t0, t1));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.await.expect("client");
    }
    let log = log.lock().expect("log").clone();
    for (i, (t0, t1)) in bigs.iter().enumerate() {
        // Small commands that were running at some point while the big one ran.
        let overlapping = log.iter().filter(|(end, took)| *end > *t0 && *end - *took < *t1);
        let longest = overlapping.clone().map(|(_, d)| *d).max().unwrap_or_default();
        println!(
            "{label}: start opening {fanout} tasks #{}: {:.0} ms; {} small commands overlapped it, the longest {:.0} ms",
            i + 1,
            ms(*t1 - *t0),
            overlapping.count(),
            ms(longest)
        );
    }
    let mut all: Vec<Duration> = log.iter().map(|(_, d)| *d).collect();
    all.sort();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied();
    println!(
        "{label}: {} small commands by {clients} clients: p50 {:.1} ms, p99 {:.1} ms, longest {:.0} ms",
        all.len(),
        ms(pct(0.5).unwrap_or_default()),
        ms(pct(0.99).unwrap_or_default()),
        ms(all.last().copied().unwrap_or_default())
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        for backend in ["sqlite", "postgres"] {
            if std::env::var("BENCH_ONLY").is_ok_and(|v| v != backend) {
                continue;
            }
            let mut db = if backend == "sqlite" { TestDb::sqlite_from_env().await } else { TestDb::postgres().await };
            db.set_clock(Clock::System);
            db.engine.ensure_default_tenant().await.expect("default tenant");
            bench(&db, backend).await;
        }
    });
}
