//! Jobs per second with one and with two server processes sharing one database (a SQLite file,
//! a PostgreSQL database), each running the job executor with the server's reqwest caller
//! against a local HTTP stub. Figures are printed; nothing is asserted.
//!
//! The benchmark re-executes itself as the worker processes (`BENCH_WORKER=<executor id>`,
//! `DATABASE_URL`): a worker connects, prints `ready`, and when it reads `go` runs an
//! `Executor` (8 calls at a time, as `BPM_EXECUTOR_CONCURRENCY=8`) until its standard input
//! closes. The parent serves the stub (`POST /pay` answers `{"ok":true}`), starts
//! `BENCH_JOBS` (default 2,000) instances that each wait on one service-task job, starts the
//! clock when it tells the workers to go and stops it when no job is left. Worker start-up and
//! instance creation are outside the figure; the stub runs in the parent, on the same machine.
//!
//! `cargo bench -p server --bench processes`; `BENCH_ONLY=sqlite|postgres`, `BENCH_JOBS=n`;
//! PostgreSQL at `BPM_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::{Json, Router};
use engine::identity::Account;
use engine::instances::StartRequest;
use engine::jobs::{Executor, ExecutorConfig, HostPolicy};
use engine::testing::TestDb;
use engine::Engine;
use server::executor::HttpCaller;
use sqlx::Row;

const CONCURRENCY: usize = 8;

fn main() {
    if let Ok(id) = std::env::var("BENCH_WORKER") {
        worker(id);
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(parent());
}

/// A worker process: one executor over `DATABASE_URL`, started by `go`, stopped when the
/// standard input closes.
fn worker(id: String) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async move {
        let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
        let engine = Engine::connect(&url).await.expect("database");
        // The stub runs on 127.0.0.1, an internal address: allowed explicitly.
        let allowed_hosts = HostPolicy::parse(Some("127.0.0.1")).expect("policy");
        let caller = Arc::new(HttpCaller::new(allowed_hosts.clone()).expect("HTTP client"));
        let config =
            ExecutorConfig { id, max_concurrent: CONCURRENCY, poll_ms: 50, allowed_hosts, ..Default::default() };
        let x = Executor::new(engine, caller, config);
        println!("ready");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        let (stop, rx) = tokio::sync::watch::channel(false);
        let run = tokio::spawn(x.run(rx));
        let _ = tokio::task::spawn_blocking(|| {
            let mut rest = String::new();
            while std::io::stdin().read_line(&mut rest).is_ok_and(|n| n > 0) {
                rest.clear();
            }
        })
        .await;
        let _ = stop.send(true);
        let _ = run.await;
    });
}

async fn parent() {
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let n: usize = std::env::var("BENCH_JOBS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("stub port");
    let stub = format!("http://{}/pay", listener.local_addr().expect("stub address"));
    let app = Router::new().route("/pay", post(|| async { Json(serde_json::json!({"ok": true})) }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    for backend in ["sqlite", "postgres"] {
        if !only.is_empty() && only != backend {
            continue;
        }
        for processes in [1, 2] {
            let db = if backend == "sqlite" { TestDb::sqlite().await } else { TestDb::postgres().await };
            measure(&db, backend, &stub, n, processes).await;
        }
    }
}

async fn deploy(e: &Engine, stub: &str) {
    e.ensure_default_tenant().await.expect("tenant");
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:flowable="http://flowable.org/bpmn" id="D" targetNamespace="t">
<process id="pay" isExecutable="true"><startEvent id="s"/>
<serviceTask id="t" name="Pay" flowable:type="http"><extensionElements>
<flowable:field name="requestMethod" stringValue="POST"/>
<flowable:field name="requestUrl" stringValue="{stub}"/>
<flowable:field name="requestBody"><flowable:string>{{"amount": 1}}</flowable:string></flowable:field>
<flowable:field name="responseVariableName" stringValue="paid"/>
</extensionElements></serviceTask><endEvent id="e"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="t"/><sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
</process></definitions>"#
    );
    let report = e
        .deploy(&Account::system(), "default", None, vec![("pay.bpmn".into(), xml.into_bytes())], &Default::default())
        .await
        .expect("deploy");
    assert!(report.all_ok(), "{report:?}");
}

async fn count(e: &Engine, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(e.store().pool()).await.and_then(|r| r.try_get::<i64, _>(0)).unwrap_or(-1)
}

/// Spawns a worker process and waits for its `ready`.
fn spawn_worker(id: &str, url: &str) -> Child {
    let exe = std::env::current_exe().expect("own executable");
    let mut child = Command::new(exe)
        .env("BENCH_WORKER", id)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("worker process");
    let mut line = String::new();
    let out = child.stdout.take().expect("worker stdout");
    BufReader::new(out).read_line(&mut line).expect("worker ready");
    assert_eq!(line.trim(), "ready", "worker {id} said {line:?}");
    child
}

async fn measure(db: &TestDb, label: &str, stub: &str, n: usize, processes: usize) {
    let e = &db.engine;
    deploy(e, stub).await;
    for _ in 0..n {
        e.start_instance(&Account::system(), "pay", None, StartRequest::default()).await.expect("start");
    }
    let url = db.url.clone();
    let mut children = tokio::task::spawn_blocking(move || {
        (0..processes).map(|i| spawn_worker(&format!("bench-process-{i}"), &url)).collect::<Vec<_>>()
    })
    .await
    .expect("workers");
    let t0 = Instant::now();
    for c in &mut children {
        let stdin = c.stdin.as_mut().expect("worker stdin");
        stdin.write_all(b"go\n").and_then(|_| stdin.flush()).expect("go");
    }
    let deadline = t0 + Duration::from_secs(600);
    loop {
        let left = count(e, "SELECT COUNT(*) FROM jobs WHERE state <> 'error'").await;
        if left == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let secs = t0.elapsed().as_secs_f64();
    for c in &mut children {
        drop(c.stdin.take());
    }
    let _ = tokio::task::spawn_blocking(move || children.iter_mut().for_each(|c| drop(c.wait()))).await;
    let errors = count(e, "SELECT COUNT(*) FROM jobs WHERE state = 'error'").await;
    let done = count(e, "SELECT COUNT(*) FROM process_instances WHERE state = 'completed'").await;
    let per: Vec<String> = sqlx::query(
        "SELECT executor, COUNT(*) AS n FROM job_attempts WHERE ok = 1 GROUP BY executor ORDER BY executor",
    )
    .fetch_all(e.store().pool())
    .await
    .unwrap_or_default()
    .iter()
    .map(|r| format!("{}", r.try_get::<i64, _>("n").unwrap_or(-1)))
    .collect();
    println!(
        "{label}: {n} service jobs, {processes} process(es) × {CONCURRENCY} calls: {:.0} jobs/s ({secs:.2} s; \
         {done} completed, {errors} in error; per process {})",
        done as f64 / secs,
        per.join(" + ")
    );
}
