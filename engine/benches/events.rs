//! Events speed: message correlation by business key while many instances wait, measured beside
//! the task completion it is compared with, and a signal broadcast to many waiting instances.
//!
//! `cargo bench -p engine --bench events` runs both parts on SQLite (a WAL file in the temp
//! folder, every commit synced as `BPM_SQLITE_SYNC` says, default `full`) and on the local
//! PostgreSQL (`BPM_TEST_PG_URL`, default the trust-auth server on 127.0.0.1). Figures are
//! printed; the bench asserts only that every message and signal reached its instance.
//!
//! - Messages: deploys start → message catch event (`paid`) → user task → end and starts
//!   `BENCH_WAITING` instances (100,000), each with its own business key, with
//!   `BENCH_START_CLIENTS` concurrent clients (default 8 on SQLite, 16 on PostgreSQL), so that
//!   as many subscriptions wait. Then, for each client count of `BENCH_CLIENTS` (default `1,8`)
//!   and for `BENCH_ROUNDS` rounds (3): correlates `paid` by business key to `BENCH_K` (2,000)
//!   instances drawn at random, then completes the `BENCH_K` user tasks those correlations
//!   opened (the reference: a task completion), each phase stopping early after
//!   `BENCH_SECONDS` (30). Prints operations per second and p50/p95 latency of both, and their
//!   ratio (goal: a correlation costs at most 1.5× a task completion), then the same over all
//!   rounds together; then the plan of the correlation's lookup statement and its latency alone.
//! - Signals: deploys start → signal catch event (`go`) → user task → end, starts
//!   `BENCH_SIGNAL_SMALL` instances (1,000) and broadcasts `go` once, then starts
//!   `BENCH_SIGNAL_WAITING` (10,000) and broadcasts `go` again: the elapsed time of each
//!   broadcast and the process's memory (`VmRSS` before, the peak during it from `VmHWM` reset
//!   through `/proc/self/clear_refs` and from sampling every 2 ms, and the anonymous part,
//!   `RssAnon`, apart). Goal: 10,000 in under 5 s, the peak no higher for 10,000 receivers
//!   than for 1,000 (memory flat). On SQLite the connections' page caches live in this
//!   process and count in its memory.
//!
//! `BENCH_ONLY=sqlite|postgres` limits the run to one database; `BENCH_PARTS=messages|signals`
//! to one part.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::events::MessageCorrelation;
use engine::identity::Account;
use engine::instances::StartRequest;
use engine::testing::TestDb;
use engine::{Backend, Clock, Engine};
use rand::seq::SliceRandom;
use serde_json::Map;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">"#;

/// start → wait for message `paid` → ship (user task) → end.
const MESSAGE_PROCESS: &str = r#"
<message id="m_paid" name="paid"/>
<process id="order" name="Order" isExecutable="true">
  <startEvent id="start"/>
  <intermediateCatchEvent id="waitPaid" name="Wait for payment"><messageEventDefinition messageRef="m_paid"/></intermediateCatchEvent>
  <userTask id="ship" name="Ship"/>
  <endEvent id="end"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="waitPaid"/>
  <sequenceFlow id="f2" sourceRef="waitPaid" targetRef="ship"/>
  <sequenceFlow id="f3" sourceRef="ship" targetRef="end"/>
</process>
</definitions>"#;

/// start → wait for signal `go` → work (user task) → end.
const SIGNAL_PROCESS: &str = r#"
<signal id="s_go" name="go"/>
<process id="waitgo" name="Wait for go" isExecutable="true">
  <startEvent id="start"/>
  <intermediateCatchEvent id="waitGo" name="Wait for go"><signalEventDefinition signalRef="s_go"/></intermediateCatchEvent>
  <userTask id="work" name="Work"/>
  <endEvent id="end"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="waitGo"/>
  <sequenceFlow id="f2" sourceRef="waitGo" targetRef="work"/>
  <sequenceFlow id="f3" sourceRef="work" targetRef="end"/>
</process>
</definitions>"#;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn wanted(var: &str, what: &str) -> bool {
    std::env::var(var).map(|v| v == what).unwrap_or(true)
}

/// The client counts of `BENCH_CLIENTS` (comma-separated, default `1,8`).
fn client_counts() -> Vec<u64> {
    let counts: Vec<u64> = std::env::var("BENCH_CLIENTS")
        .unwrap_or_else(|_| "1,8".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .filter(|c| *c > 0)
        .collect();
    if counts.is_empty() {
        vec![1, 8]
    } else {
        counts
    }
}

async fn deploy(e: &Engine, file: &str, body: &str) {
    let xml = format!("{HEAD}{body}");
    let report = e
        .deploy(&Account::system(), "default", None, vec![(file.into(), xml.into_bytes())], &Default::default())
        .await
        .expect("deploy");
    assert!(report.all_ok(), "{report:?}");
}

/// Starts `count` instances of `key` with `clients` concurrent clients; instance `n` gets the
/// business key `{prefix}{n}`. Prints the rate.
async fn start_many(e: &Engine, label: &str, key: &'static str, prefix: &'static str, count: u64, clients: u64) {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..clients {
        let (e, next) = (e.clone(), next.clone());
        handles.push(tokio::spawn(async move {
            let sys = Account::system();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    break;
                }
                let req = StartRequest { business_key: Some(format!("{prefix}{n}")), ..Default::default() };
                e.start_instance(&sys, key, None, req).await.expect("start");
            }
        }));
    }
    for h in handles {
        h.await.expect("starting client");
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{label}: started {count} instances of '{key}' in {secs:.1} s with {clients} clients = {:.0} starts/s",
        count as f64 / secs
    );
}

async fn count(e: &Engine, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(e.store().pool()).await.expect("count")
}

/// The ids of the active tasks, in random order.
async fn active_tasks(e: &Engine) -> Vec<String> {
    let mut ids: Vec<String> = sqlx::query_scalar("SELECT id FROM tasks WHERE state = 'active'")
        .fetch_all(e.store().pool())
        .await
        .expect("tasks");
    ids.shuffle(&mut rand::thread_rng());
    ids
}

/// What one timed phase measured: operations done, wall time, each operation's latency.
struct Phase {
    done: usize,
    secs: f64,
    times: Vec<Duration>,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.done as f64 / self.secs
    }
}

/// Runs `op` on each item of `items` with `clients` concurrent clients until all are done or
/// `seconds` have passed, timing every call.
async fn timed<F, Fut>(items: Vec<String>, clients: u64, seconds: u64, op: F) -> Phase
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let items = Arc::new(items);
    let next = Arc::new(AtomicUsize::new(0));
    let op = Arc::new(op);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..clients {
        let (items, next, op) = (items.clone(), next.clone(), op.clone());
        handles.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let s = Instant::now();
                op(item.clone()).await;
                times.push(s.elapsed());
            }
            times
        }));
    }
    let mut times = Vec::new();
    for h in handles {
        times.extend(h.await.expect("client"));
    }
    Phase { done: times.len(), secs: started.elapsed().as_secs_f64(), times }
}

fn percentile(times: &mut [Duration], p: f64) -> f64 {
    if times.is_empty() {
        return 0.0;
    }
    times.sort();
    let idx = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1;
    times[idx].as_secs_f64() * 1000.0
}

/// Correlates `paid` to the instance of each business key; each must reach exactly one
/// waiting instance.
async fn correlate_keys(e: &Engine, keys: Vec<String>, clients: u64, seconds: u64) -> Phase {
    let e = e.clone();
    timed(keys, clients, seconds, move |key| {
        let e = e.clone();
        async move {
            let m = MessageCorrelation { name: "paid".into(), business_key: Some(key), ..Default::default() };
            let got = e.correlate_message(&Account::system(), m).await.expect("correlate");
            assert!(got.len() == 1 && !got[0].started, "a correlation reached {got:?}");
        }
    })
    .await
}

async fn complete_tasks(e: &Engine, tasks: Vec<String>, clients: u64, seconds: u64) -> Phase {
    let e = e.clone();
    timed(tasks, clients, seconds, move |task| {
        let e = e.clone();
        async move {
            e.complete_task(&Account::system(), &task, Map::new()).await.expect("complete");
        }
    })
    .await
}

async fn bench_messages(db: &TestDb, label: &str) {
    let e = &db.engine;
    let sqlite = e.store().backend() == Backend::Sqlite;
    deploy(e, "order.bpmn", MESSAGE_PROCESS).await;
    let waiting = env_num("BENCH_WAITING", 100_000);
    let k = env_num("BENCH_K", 2_000) as usize;
    let seconds = env_num("BENCH_SECONDS", 30);
    let rounds = env_num("BENCH_ROUNDS", 3);
    let start_clients = env_num("BENCH_START_CLIENTS", if sqlite { 8 } else { 16 });
    start_many(e, label, "order", "BK", waiting, start_clients).await;
    let subs = count(e, "SELECT count(*) FROM event_subscriptions WHERE kind = 'message' AND name = 'paid'").await;
    assert_eq!(subs, waiting as i64, "every instance waits for 'paid'");
    if !sqlite {
        // As autovacuum would after such a load.
        sqlx::query("ANALYZE").execute(e.store().pool()).await.expect("analyze");
    }
    let mut keys: Vec<String> = (0..waiting).map(|n| format!("BK{n}")).collect();
    keys.shuffle(&mut rand::thread_rng());
    // Warm-up: prepared statements and connections of both commands.
    let warm: Vec<String> = keys.drain(..(keys.len() / 100).min(200)).collect();
    correlate_keys(e, warm, 8, seconds).await;
    complete_tasks(e, active_tasks(e).await, 8, seconds).await;
    println!(
        "{label}: correlating 'paid' by business key among {} waiting subscriptions, then completing the \
         tasks opened (load average {})",
        keys.len(),
        load_average()
    );
    println!(
        "  {:<8} {:>6} {:>12} {:>8} {:>8}   {:>6} {:>12} {:>8} {:>8}   {:>10}",
        "clients", "msgs", "correlate/s", "p50 ms", "p95 ms", "tasks", "complete/s", "p50 ms", "p95 ms", "cost ratio"
    );
    // Per client count, every round's phases together: (correlations, their seconds and
    // times; completions, theirs).
    let counts = client_counts();
    let mut totals: Vec<(Phase, Phase)> = counts
        .iter()
        .map(|_| {
            let none = || Phase { done: 0, secs: 0.0, times: Vec::new() };
            (none(), none())
        })
        .collect();
    for round in 0..rounds {
        for (&clients, total) in counts.iter().zip(totals.iter_mut()) {
            let batch: Vec<String> = keys.drain(..k.min(keys.len())).collect();
            if batch.is_empty() {
                println!("  no more waiting instances; raise BENCH_WAITING");
                return;
            }
            let mut c = correlate_keys(e, batch, clients, seconds).await;
            let tasks = active_tasks(e).await;
            assert_eq!(tasks.len(), c.done, "each correlation opened one task");
            let mut t = complete_tasks(e, tasks, clients, seconds).await;
            // Tasks left when the phase ran out of time, so that the next round starts clean.
            let left = active_tasks(e).await;
            if !left.is_empty() {
                complete_tasks(e, left, 8, 3_600).await;
            }
            println!(
                "  {:<8} {:>6} {:>12.0} {:>8.2} {:>8.2}   {:>6} {:>12.0} {:>8.2} {:>8.2}   {:>9.2}x   round {}, load average {}",
                clients,
                c.done,
                c.rate(),
                percentile(&mut c.times, 0.5),
                percentile(&mut c.times, 0.95),
                t.done,
                t.rate(),
                percentile(&mut t.times, 0.5),
                percentile(&mut t.times, 0.95),
                t.rate() / c.rate(),
                round + 1,
                load_average(),
            );
            for (sum, phase) in [(&mut total.0, c), (&mut total.1, t)] {
                sum.done += phase.done;
                sum.secs += phase.secs;
                sum.times.extend(phase.times);
            }
        }
    }
    if rounds > 1 {
        for (clients, (mut c, mut t)) in counts.iter().zip(totals) {
            if c.done == 0 || t.done == 0 {
                continue;
            }
            println!(
                "  {:<8} {:>6} {:>12.0} {:>8.2} {:>8.2}   {:>6} {:>12.0} {:>8.2} {:>8.2}   {:>9.2}x   all {rounds} rounds",
                clients,
                c.done,
                c.rate(),
                percentile(&mut c.times, 0.5),
                percentile(&mut c.times, 0.95),
                t.done,
                t.rate(),
                percentile(&mut t.times, 0.5),
                percentile(&mut t.times, 0.95),
                t.rate() / c.rate(),
            );
        }
    }
    println!("  cost ratio = completions/s ÷ correlations/s (goal: at most 1.5)");
    lookup(e, label, &keys).await;
}

/// The first statement of a correlation alone, as the store writes it for a caller without a
/// tenant (an administrator): its plan, and its latency over 500 runs, to tell the lookup from
/// the delivery in a correlation's cost.
async fn lookup(e: &Engine, label: &str, keys: &[String]) {
    let pool = e.store().pool();
    let sql = |key: &str| {
        format!(
            "SELECT s.id, s.tenant_id, s.kind, s.name, s.instance_id, s.token, s.definition_id, s.definition_name, \
             s.activity_id, s.activity_name, s.business_key, s.created_at, i.state AS i_state \
             FROM event_subscriptions s JOIN process_instances i ON i.id = s.instance_id \
             WHERE s.tenant_id IN (SELECT id FROM tenants) AND s.kind = 'message' AND s.name = 'paid' \
             AND s.business_key = {key} AND s.instance_id IS NOT NULL ORDER BY s.created_at, s.id"
        )
    };
    let Some(first) = keys.first() else { return };
    let explain = if e.store().backend() == Backend::Sqlite { "EXPLAIN QUERY PLAN" } else { "EXPLAIN ANALYZE" };
    let rows =
        sqlx::query(&format!("{explain} {}", sql(&format!("'{first}'")))).fetch_all(pool).await.expect("explain");
    println!("{label}: plan of the receivers lookup ({explain}):");
    for r in &rows {
        use sqlx::Row;
        let line: String = r.try_get("detail").or_else(|_| r.try_get(0)).unwrap_or_default();
        println!("    {line}");
    }
    let mut times = Vec::new();
    // Bound, as the store runs it (a statement prepared once per connection).
    let bound = sql("$1");
    for key in keys.iter().cycle().take(500) {
        let s = Instant::now();
        let found = sqlx::query(&bound).bind(key.as_str()).fetch_all(pool).await.expect("lookup");
        times.push(s.elapsed());
        assert_eq!(found.len(), 1, "one instance waits with business key {key}");
    }
    println!(
        "{label}: the receivers lookup alone (500 runs, 1 client): p50 {:.2} ms, p95 {:.2} ms",
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.95)
    );
}

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`), in MB; 0 where `/proc` is missing.
fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field).and_then(|r| r.strip_prefix(':')))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets `VmHWM` to the current `VmRSS` (Linux 4.0 and later); false where that is refused.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Broadcasts `go` once and prints its time and the memory it took.
async fn broadcast(e: &Engine, label: &str, expect: usize) -> f64 {
    let rss_before = status_mb("VmRSS");
    let anon_before = status_mb("RssAnon");
    let reset = reset_peak();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let (mut peak, mut anon) = (0.0f64, 0.0f64);
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(status_mb("VmRSS"));
                anon = anon.max(status_mb("RssAnon"));
                std::thread::sleep(Duration::from_millis(2));
            }
            (peak, anon)
        })
    };
    let s = Instant::now();
    let reached = e.broadcast_signal(&Account::system(), "go", Map::new(), None).await.expect("broadcast");
    let secs = s.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let (sampled, anon_peak) = sampler.join().unwrap_or((0.0, 0.0));
    let hwm = status_mb("VmHWM");
    let rss_after = status_mb("VmRSS");
    assert_eq!(reached, expect, "the broadcast reached every waiting instance");
    let peak = if reset { hwm.max(sampled) } else { sampled };
    println!(
        "{label}: broadcast 'go' to {reached} waiting instances in {secs:.2} s = {:.0} deliveries/s; memory \
         VmRSS {rss_before:.1} MB before, peak {peak:.1} MB during ({}+{:.1} MB), {rss_after:.1} MB after \
         (load average {}); of which anonymous memory (RssAnon: heap, stacks) {anon_before:.1} MB before, \
         peak {anon_peak:.1} MB (+{:.1} MB), the rest mapped files and shared memory",
        reached as f64 / secs,
        if reset { "VmHWM reset before, and 2 ms samples: " } else { "2 ms samples only: " },
        peak - rss_before,
        load_average(),
        anon_peak - anon_before,
    );
    peak - rss_before
}

async fn bench_signals(db: &TestDb, label: &str) {
    let e = &db.engine;
    let sqlite = e.store().backend() == Backend::Sqlite;
    deploy(e, "waitgo.bpmn", SIGNAL_PROCESS).await;
    let small = env_num("BENCH_SIGNAL_SMALL", 1_000);
    let large = env_num("BENCH_SIGNAL_WAITING", 10_000);
    let start_clients = env_num("BENCH_START_CLIENTS", if sqlite { 8 } else { 16 });
    let mut growth = Vec::new();
    let mut done = 0i64;
    for (n, prefix) in [(small, "S"), (large, "L")] {
        if n == 0 {
            continue;
        }
        start_many(e, label, "waitgo", prefix, n, start_clients).await;
        if !sqlite {
            sqlx::query("ANALYZE").execute(e.store().pool()).await.expect("analyze");
        }
        growth.push((n, broadcast(e, label, n as usize).await));
        done += n as i64;
        let tasks = count(e, "SELECT count(*) FROM tasks WHERE state = 'active'").await;
        assert_eq!(tasks, done, "every receiver went on to its task");
        let subs = count(e, "SELECT count(*) FROM event_subscriptions").await;
        assert_eq!(subs, 0, "no subscription is left after the broadcast");
    }
    if let [(a, ga), (b, gb)] = growth[..] {
        println!("{label}: memory growth during the broadcast: {ga:.1} MB for {a} receivers, {gb:.1} MB for {b}");
    }
}

/// The one-minute load average, to tell how busy the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
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

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        for backend in ["sqlite", "postgres"] {
            if !wanted("BENCH_ONLY", backend) {
                continue;
            }
            if wanted("BENCH_PARTS", "messages") {
                bench_messages(&database(backend).await, backend).await;
            }
            if wanted("BENCH_PARTS", "signals") {
                bench_signals(&database(backend).await, backend).await;
            }
        }
    });
}
