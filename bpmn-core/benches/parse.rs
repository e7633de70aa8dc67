//! Parse + `check_executable` timing on MIWG reference models.
//!
//! `cargo bench -p bpmn-core --bench parse` — a plain timing loop (no criterion, to keep builds
//! light): warms up, then prints mean, median and p95 per parse in milliseconds.
//! `BENCH_ITERATIONS` changes the number of timed runs (default 500).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use bpmn_core::bpmn::parse::{check_executable, parse, ParseOptions};

fn main() {
    let iterations: usize = std::env::var("BENCH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(500).max(1);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/miwg");
    // B.2.0 is the model with the most flow nodes; C.8.0 the largest file (mostly extensions).
    for name in ["B.2.0.bpmn", "C.8.0.bpmn", "A.1.0.bpmn"] {
        let path = dir.join(name);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("skipping {}: {e}", path.display());
                continue;
            }
        };
        let opts = ParseOptions::default();
        let run = || {
            let def = parse(black_box(&bytes), &opts).expect("reference model parses");
            let problems: usize = def.processes.iter().map(|p| check_executable(&def, p).len()).sum();
            black_box((def, problems))
        };
        for _ in 0..iterations.min(50) {
            run();
        }
        let mut times: Vec<Duration> = (0..iterations)
            .map(|_| {
                let start = Instant::now();
                run();
                start.elapsed()
            })
            .collect();
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mean = times.iter().sum::<Duration>() / iterations as u32;
        let median = times[times.len() / 2];
        let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
        println!(
            "{name:<11} {:>7.1} KB  parse+check_executable  mean {:.3} ms  median {:.3} ms  p95 {:.3} ms  ({iterations} runs)",
            bytes.len() as f64 / 1024.0,
            ms(mean),
            ms(median),
            ms(p95),
        );
    }
}
