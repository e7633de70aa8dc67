//! What the conformance tests share: where the BPMN MIWG reference models are, and the list of
//! them. Also read by the layout's unit tests (`bpmn/layout/tests.rs`, by path).

use std::path::{Path, PathBuf};

/// The folder of the reference models (`shared/conformance/miwg` beside the work tree).
pub fn miwg_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/miwg")
}

/// Every reference model's file, sorted by name.
pub fn miwg_files() -> Vec<PathBuf> {
    let dir = miwg_dir();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the MIWG reference models are missing at {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bpmn"))
        .collect();
    files.sort();
    files
}
