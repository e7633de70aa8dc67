//! Script speed: evaluations per second of a one-line script through the engine's runner,
//! and script-task lifecycles per second.
//!
//! `cargo bench -p engine --bench scripts` prints:
//!
//! - Evaluations: `amount * 2` with one variable, through [`engine::scripts::runner`] (the
//!   variables and the result cross as JSON, as in a step), on one thread for
//!   `BENCH_SECONDS` (default 3). Goal: 20,000/s or more.
//! - Lifecycles: start an instance of start → script task (`amount * 2` into a result
//!   variable) → end, every start committed, one client, on SQLite (a WAL file in the temp
//!   folder) and on the local PostgreSQL (`BPM_TEST_PG_URL`); `BENCH_ONLY=sqlite|postgres`
//!   limits it to one database.
//!
//! Figures are printed; nothing is asserted.

use std::time::{Duration, Instant};

use engine::identity::Account;
use engine::instances::{InstanceStatus, InstanceSummary, StartRequest};
use engine::runtime::expr::Facts;
use engine::runtime::{ScriptCall, ScriptRunner};
use engine::testing::TestDb;
use engine::{Clock, Engine};
use serde_json::{json, Map};

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
<process id="double" isExecutable="true">
  <startEvent id="start"/>
  <scriptTask id="calc" scriptFormat="javascript" camunda:resultVariable="doubled"><script>amount * 2</script></scriptTask>
  <endEvent id="end"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="calc"/>
  <sequenceFlow id="f2" sourceRef="calc" targetRef="end"/>
</process>
</definitions>"#;

fn seconds() -> Duration {
    Duration::from_secs(std::env::var("BENCH_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3))
}

fn bench_evaluations() {
    let runner = engine::scripts::runner();
    let mut variables = Map::new();
    let mut n: i64 = 0;
    let deadline = Instant::now() + seconds();
    let started = Instant::now();
    while Instant::now() < deadline {
        for _ in 0..1000 {
            variables.insert("amount".into(), json!(n));
            let call = ScriptCall {
                format: "javascript",
                source: "amount * 2",
                variables: &variables,
                facts: Facts::default(),
            };
            let out = runner.run(&call).expect("the script runs");
            assert_eq!(out.value, json!(n * 2));
            n += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!("evaluations: {n} of `amount * 2` in {secs:.1} s = {:.0}/s (goal 20,000/s)", n as f64 / secs);
}

/// Starts an instance of `double`; it runs to its end in the start command.
async fn start(e: &Engine, n: i64) -> InstanceSummary {
    let mut variables = Map::new();
    variables.insert("amount".into(), json!(n));
    let req = StartRequest { variables, ..Default::default() };
    e.start_instance(&Account::system(), "double", None, req).await.expect("start")
}

async fn bench_lifecycles(backend: &str) {
    let mut db = if backend == "sqlite" { TestDb::sqlite_from_env().await } else { TestDb::postgres().await };
    db.set_clock(Clock::System);
    let e = &db.engine;
    e.ensure_default_tenant().await.expect("default tenant");
    let sys = Account::system();
    e.deploy(&sys, "default", None, vec![("double.bpmn".into(), PROCESS.as_bytes().to_vec())], &Default::default())
        .await
        .expect("deploy");
    let first = start(e, 1).await;
    assert_eq!(first.state, InstanceStatus::Completed, "the script task runs and the instance ends");
    let deadline = Instant::now() + seconds();
    let started = Instant::now();
    let mut n = 0;
    while Instant::now() < deadline {
        start(e, n).await;
        n += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    println!("{backend}: {n} script-task lifecycles in {secs:.1} s = {:.0}/s (one client)", n as f64 / secs);
}

fn main() {
    bench_evaluations();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        for backend in ["sqlite", "postgres"] {
            if std::env::var("BENCH_ONLY").map(|v| v == backend).unwrap_or(true) {
                bench_lifecycles(backend).await;
            }
        }
    });
}
