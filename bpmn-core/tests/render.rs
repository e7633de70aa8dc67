//! Renders every diagram of the BPMN MIWG conformance files and checks the SVG is well-formed
//! and has one clickable group per shape and edge.
//!
//! Set `BPMN_RENDER_OUT=/some/dir` to also write the SVGs there (`A.2.0.svg`, or
//! `C.4.0.2.svg` for the second diagram of a file) and compare them by eye with the reference
//! PNGs next to the `.bpmn` files.

use std::path::{Path, PathBuf};

use bpmn_core::bpmn::parse::{parse, ParseOptions};
use bpmn_core::bpmn::render::{render_svg, ActivityState, Overlay, RenderError, RenderOptions};
use bpmn_core::bpmn::Definitions;

mod common;

use common::{miwg_dir, miwg_files};

fn load(path: &Path) -> Definitions {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse(&bytes, &ParseOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads the document with quick-xml to its end; returns the first error.
fn well_formed(svg: &str) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut depth = 0i64;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(e) => return Err(format!("at byte {}: {e}", reader.buffer_position())),
        }
    }
    if depth == 0 {
        Ok(())
    } else {
        Err(format!("{depth} unclosed element(s)"))
    }
}

/// The `data-element-id` attribute as the renderer writes it.
fn id_attr(id: &str) -> String {
    let escaped = id
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;");
    format!("data-element-id=\"{escaped}\"")
}

#[test]
fn every_miwg_diagram_renders() {
    let out_dir = std::env::var_os("BPMN_RENDER_OUT").map(PathBuf::from);
    if let Some(dir) = &out_dir {
        std::fs::create_dir_all(dir).expect("create output dir");
    }
    let files = miwg_files();
    assert!(files.len() >= 21, "expected the 21 MIWG files in {}, found {}", miwg_dir().display(), files.len());

    let mut diagrams = 0;
    for path in &files {
        let defs = load(path);
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("diagram").to_string();
        assert!(!defs.diagrams.is_empty(), "{stem}: no diagram parsed");
        for (i, diagram) in defs.diagrams.iter().enumerate() {
            let svg = render_svg(&defs, &RenderOptions { diagram: i, overlay: Overlay::default() })
                .unwrap_or_else(|e| panic!("{stem} diagram {i}: {e}"));
            well_formed(&svg).unwrap_or_else(|e| panic!("{stem} diagram {i}: not well-formed {e}"));

            let shapes: Vec<_> = diagram
                .shapes
                .iter()
                .filter(|s| [s.bounds.x, s.bounds.y, s.bounds.width, s.bounds.height].iter().all(|v| v.is_finite()))
                .collect();
            for s in &shapes {
                assert!(svg.contains(&id_attr(&s.element)), "{stem} diagram {i}: no group for shape {}", s.element);
            }
            let edges = diagram
                .edges
                .iter()
                .filter(|e| e.waypoints.iter().filter(|p| p.x.is_finite() && p.y.is_finite()).count() >= 2)
                .count();
            assert_eq!(
                svg.matches("data-element-id=").count(),
                shapes.len() + edges,
                "{stem} diagram {i}: one group per shape and per edge"
            );
            // Every MIWG element is known to the model: nothing falls back to grey.
            let unknown: Vec<_> = svg
                .match_indices("class=\"bpmn-unknown\" data-element-id=\"")
                .map(|(at, m)| svg[at + m.len()..].split('"').next().unwrap_or(""))
                .collect();
            if !unknown.is_empty() {
                eprintln!("{stem} diagram {i}: drawn as unknown: {unknown:?}");
            }

            if let Some(dir) = &out_dir {
                let name =
                    if defs.diagrams.len() == 1 { format!("{stem}.svg") } else { format!("{stem}.{}.svg", i + 1) };
                std::fs::write(dir.join(name), &svg).expect("write svg");
            }
            diagrams += 1;
        }
    }
    assert!(diagrams >= files.len());
}

#[test]
fn overlay_on_a_miwg_diagram() {
    let defs = load(&miwg_dir().join("A.1.0.bpmn"));
    let process = &defs.processes[0];
    let mut overlay = Overlay::default();
    let first = &process.nodes[0].id;
    overlay.activities.insert(first.clone(), ActivityState::Active);
    if let Some(flow) = process.flows.first() {
        overlay.taken_flows.insert(flow.id.clone());
    }
    let svg = render_svg(&defs, &RenderOptions { diagram: 0, overlay }).expect("renders");
    well_formed(&svg).expect("well-formed");
    assert!(svg.contains("state-active"));
    if !process.flows.is_empty() {
        assert!(svg.contains("state-taken"));
    }
}

#[test]
fn a_file_without_diagram_is_a_clear_error() {
    let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <process id="p" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f" sourceRef="s" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"#;
    let defs = parse(xml, &ParseOptions::default()).expect("parses");
    let err = render_svg(&defs, &RenderOptions::default()).unwrap_err();
    assert_eq!(err, RenderError::NoDiagram);
    assert!(err.to_string().contains("still"));
}
