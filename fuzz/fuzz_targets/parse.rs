//! Any bytes → `parse` must return `Ok` or `Err`, never panic, loop or blow the stack;
//! whatever it accepts, `check_executable` must handle.
//!
//! Seed the corpus with the MIWG reference models (the corpus is not committed):
//!
//! ```sh
//! mkdir -p fuzz/corpus/parse && cp ../shared/conformance/miwg/*.bpmn fuzz/corpus/parse/
//! cargo +nightly fuzz run parse -- -max_total_time=60
//! ```

#![no_main]

use bpmn_core::bpmn::parse::{check_executable, parse, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // 64 KiB keeps each run fast; larger inputs only hit the TooLarge refusal.
    let opts = ParseOptions {
        max_bytes: 64 * 1024,
    };
    if let Ok(def) = parse(data, &opts) {
        for process in &def.processes {
            let _ = check_executable(&def, process);
        }
    }
});
