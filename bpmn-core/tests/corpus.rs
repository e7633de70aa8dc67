//! Parses and renders every `.bpmn` file under the directory named by `BPMN_CORPUS_DIR` (for
//! instance a checkout of the BPMN Model Interchange Working Group's test suite, which holds
//! the exports of some forty modelling tools) and prints how many were parsed and why the
//! others were refused, grouped by kind and by the message's gist.
//!
//! `BPMN_CORPUS_VERBOSE=1` also prints each diagram warning with its file.
//!
//! Skipped with a note when the variable is unset: the corpus is not part of this repository.
//! Nothing may panic, and every diagram of a parsed file must render without `NaN`.
//!
//! ```text
//! BPMN_CORPUS_DIR=/path/to/bpmn-miwg-test-suite cargo test -p bpmn-core --test corpus -- --nocapture
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bpmn_core::bpmn::parse::{parse, ParseOptions};
use bpmn_core::bpmn::render::{render_svg, RenderOptions};

fn bpmn_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            bpmn_files(&path, out);
        } else if path.extension().is_some_and(|x| x.eq_ignore_ascii_case("bpmn")) {
            out.push(path);
        }
    }
}

/// The gist of a refusal: its message without the location and with quoted values elided,
/// so that the same problem in different files counts once.
fn gist(message: &str) -> String {
    let after_location = match message.find(": ") {
        Some(at) if message.starts_with("Line ") || message.starts_with("Element ") => &message[at + 2..],
        _ => message,
    };
    let sentence = after_location.split(". ").next().unwrap_or(after_location);
    let mut out = String::new();
    let mut in_quote = false;
    for c in sentence.chars() {
        if c == '"' {
            in_quote = !in_quote;
            if in_quote {
                out.push_str("\"…\"");
            }
        } else if !in_quote {
            out.push(c);
        }
    }
    out
}

#[test]
fn every_file_of_the_corpus_parses_or_is_refused_with_a_reason() {
    let Some(dir) = std::env::var_os("BPMN_CORPUS_DIR") else {
        println!("BPMN_CORPUS_DIR is not set: corpus test skipped");
        return;
    };
    // BPMN_CORPUS_VERBOSE=1 also prints every diagram warning with its file.
    let verbose = std::env::var_os("BPMN_CORPUS_VERBOSE").is_some();
    let mut files = Vec::new();
    bpmn_files(Path::new(&dir), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no .bpmn file under {}", dir.to_string_lossy());

    let mut parsed = 0usize;
    // Gist of a diagram warning → how many.
    let mut warned: BTreeMap<String, usize> = BTreeMap::new();
    // Reason → "file: full message" of each file refused for it.
    let mut refused: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let short = path.strip_prefix(&dir).unwrap_or(path).display().to_string();
        match parse(&bytes, &ParseOptions::default()) {
            Ok(def) => {
                parsed += 1;
                for w in &def.warnings {
                    if verbose {
                        println!("{short}: line {}, {} of \"{}\": {}", w.line, w.element_type, w.element_id, w.text);
                    }
                    *warned.entry(gist(&w.text)).or_default() += 1;
                }
                for index in 0..def.diagrams.len() {
                    let opts = RenderOptions { diagram: index, ..RenderOptions::default() };
                    if let Ok(svg) = render_svg(&def, &opts) {
                        assert!(!svg.contains("NaN"), "{short}: diagram {index} renders NaN");
                    }
                }
            }
            Err(e) => {
                assert!(e.message.len() > 20, "{short}: terse refusal {e:?}");
                refused.entry(format!("{:?}: {}", e.kind, gist(&e.message))).or_default().push(format!("{short}: {e}"));
            }
        }
    }

    println!(
        "{} files, {parsed} parsed ({} diagram warnings), {} refused",
        files.len(),
        warned.values().sum::<usize>(),
        files.len() - parsed
    );
    for (warning, count) in &warned {
        println!("{count:4}  warning: {warning}");
    }
    let mut reasons: Vec<_> = refused.into_iter().collect();
    reasons.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    for (reason, which) in reasons {
        println!("{:4}  {reason}", which.len());
        for file in which.iter().take(3) {
            println!("        {file}");
        }
    }
}
