//! Events speed: message correlation by business key among many waiting subscriptions, and a
//! signal broadcast to many waiting instances.
//!
//! `cargo bench -p engine --bench events` runs both parts on SQLite (a WAL file in the temp
//! folder) and on the local PostgreSQL (`BPM_TEST_PG_URL`). Figures are printed; nothing is
//! asserted.
//!
//! - Correlation: `BENCH_WAITING` instances (100,000) wait at a message catch event, each with
//!   its own business key (one instance is started by the engine; the others are copies of its
//!   row and subscription made with plain SQL). `BENCH_CLIENTS` clients (default 1 on SQLite,
//!   4 on PostgreSQL) correlate the message by business key for `BENCH_SECONDS` (10): each
//!   correlation moves its instance on to the end. Prints correlations per second, p50 and p95.
//! - Broadcast: `BENCH_RECEIVERS` instances (10,000) wait for one signal; one
//!   `broadcast_signal` reaches them all. Prints the time and the process's peak resident
//!   memory during the broadcast (the peak is reset just before, on Linux), against the
//!   resident memory before it.
//!
//! `BENCH_ONLY=sqlite|postgres` limits the run to one database; `BENCH_PARTS=correlation|broadcast`
//! to one part.

use std::time::{Duration, Instant};

use engine::events::MessageCorrelation;
use engine::identity::Account;
use engine::instances::StartRequest;
use engine::testing::TestDb;
use engine::{Clock, Engine};
use serde_json::Map;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
<message id="m_paid" name="Paid"/><signal id="s_alarm" name="Alarm"/>"#;

/// Waits for `Paid` (or the signal `Alarm`), then ends.
fn process(key: &str, definition: &str) -> String {
    format!(
        r#"{HEAD}<process id="{key}" isExecutable="true"><startEvent id="start"/>
<intermediateCatchEvent id="wait">{definition}</intermediateCatchEvent><endEvent id="end"/>
<sequenceFlow id="f1" sourceRef="start" targetRef="wait"/><sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
</process></definitions>"#
    )
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn wanted(var: &str, what: &str) -> bool {
    std::env::var(var).map(|v| v == what).unwrap_or(true)
}

async fn deploy(e: &Engine, key: &str, definition: &str) {
    let xml = process(key, definition);
    let report = e
        .deploy(
            &Account::system(),
            "default",
            None,
            vec![(format!("{key}.bpmn"), xml.into_bytes())],
            &Default::default(),
        )
        .await
        .expect("deploy");
    assert!(report.all_ok() && report.files[0].definitions[0].startable, "{report:?}");
}

/// Starts one instance of `key` with business key `BK0`, then copies its instance row and
/// subscription `n - 1` times with plain SQL (business keys `BK1`…; subscription ids below
/// every id made since, as a broadcast reaches only the subscriptions older than itself).
async fn fill(e: &Engine, key: &str, n: u64) {
    let req = StartRequest { business_key: Some("BK0".into()), ..Default::default() };
    let template = e.start_instance(&Account::system(), key, None, req).await.expect("start").id;
    let pool = e.store().pool();
    let t0 = Instant::now();
    let batch = 10_000u64;
    let mut from = 1u64;
    while from < n {
        let to = (from + batch - 1).min(n - 1);
        let series = format!("WITH RECURSIVE g(n) AS (SELECT {from} UNION ALL SELECT n + 1 FROM g WHERE n < {to}) ");
        let instances = format!(
            "{series}INSERT INTO process_instances (id, tenant_id, definition_id, definition_key, definition_name, \
             name_lower, version, business_key, initiator, state, finished, start_time, end_time, parent_instance_id, \
             parent_token, current_activities, current_activity_ids, open_incidents, state_json, revision, \
             change_stamp) SELECT 'bench' || g.n, tenant_id, definition_id, definition_key, definition_name, \
             name_lower, version, 'BK' || g.n, initiator, state, finished, start_time, end_time, parent_instance_id, \
             parent_token, current_activities, current_activity_ids, open_incidents, state_json, revision, \
             change_stamp FROM process_instances t, g WHERE t.id = '{template}'"
        );
        sqlx::query(&instances).execute(pool).await.expect("copy instances");
        let subs = format!(
            "{series}INSERT INTO event_subscriptions (id, tenant_id, kind, name, instance_id, token, definition_id, \
             definition_name, activity_id, activity_name, business_key, created_at) SELECT '000000000000' || g.n, tenant_id, \
             kind, name, 'bench' || g.n, token, definition_id, definition_name, activity_id, activity_name, \
             'BK' || g.n, created_at FROM event_subscriptions s, g WHERE s.instance_id = '{template}'"
        );
        sqlx::query(&subs).execute(pool).await.expect("copy subscriptions");
        from = to + 1;
    }
    sqlx::query("ANALYZE").execute(pool).await.expect("analyze");
    println!("  filled {n} waiting instances in {:.1} s", t0.elapsed().as_secs_f64());
}

async fn bench_correlation(db: &TestDb, backend: &str) {
    let e = &db.engine;
    let waiting = env_num("BENCH_WAITING", 100_000);
    let default_clients = if backend == "sqlite" { 1 } else { 4 };
    let clients = env_num("BENCH_CLIENTS", default_clients);
    let seconds = env_num("BENCH_SECONDS", 10);
    deploy(e, "order", r#"<messageEventDefinition messageRef="m_paid"/>"#).await;
    fill(e, "order", waiting).await;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut set = tokio::task::JoinSet::new();
    for c in 0..clients {
        let e = e.clone();
        set.spawn(async move {
            let mut times = Vec::new();
            // Each client takes every `clients`-th business key, from a different start.
            let mut n = c + 1;
            while Instant::now() < deadline && n < waiting {
                let m = MessageCorrelation {
                    name: "Paid".into(),
                    business_key: Some(format!("BK{}", (n * 7_919) % waiting)),
                    ..Default::default()
                };
                let t = Instant::now();
                match e.correlate_message(&Account::system(), m).await {
                    Ok(_) => times.push(t.elapsed()),
                    Err(err) if err.status() == 404 => {}
                    Err(err) => panic!("correlation failed: {err}"),
                }
                n += clients;
            }
            times
        });
    }
    let mut all: Vec<Duration> = set.join_all().await.into_iter().flatten().collect();
    all.sort();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied();
    let ms = |d: Option<Duration>| d.unwrap_or_default().as_secs_f64() * 1_000.0;
    println!(
        "{backend}: correlation by business key among {waiting} waiting, {clients} client(s): {} in {seconds} s = \
         {:.0}/s, p50 {:.2} ms, p95 {:.2} ms",
        all.len(),
        all.len() as f64 / seconds as f64,
        ms(pct(0.5)),
        ms(pct(0.95))
    );
}

/// The process's resident memory now and its peak (kB), from `/proc/self/status`.
fn memory_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn bench_broadcast(db: &TestDb, backend: &str) {
    let e = &db.engine;
    let receivers = env_num("BENCH_RECEIVERS", 10_000);
    deploy(e, "listen", r#"<signalEventDefinition signalRef="s_alarm"/>"#).await;
    fill(e, "listen", receivers).await;
    // Resets the peak resident memory (VmHWM) to the current one.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (before, _) = memory_kb();
    let t = Instant::now();
    let reached = e.broadcast_signal(&Account::system(), "Alarm", Map::new(), None).await.expect("broadcast");
    let took = t.elapsed();
    let (_, peak) = memory_kb();
    println!(
        "{backend}: signal broadcast to {receivers} waiting instances: {reached} reached in {:.2} s; resident \
         memory {} MB before, peak {} MB during",
        took.as_secs_f64(),
        before / 1024,
        peak / 1024
    );
}

async fn database(backend: &str) -> TestDb {
    let mut db = if backend == "sqlite" { TestDb::sqlite_from_env().await } else { TestDb::postgres().await };
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
            if wanted("BENCH_PARTS", "broadcast") {
                bench_broadcast(&database(backend).await, backend).await;
            }
            if wanted("BENCH_PARTS", "correlation") {
                bench_correlation(&database(backend).await, backend).await;
            }
        }
    });
}
