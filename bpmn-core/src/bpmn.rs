//! BPMN 2.0: the checked, indexed model, its parser and its SVG renderer.

pub mod blank;
pub mod layout;
pub mod model;
pub mod parse;
pub mod problems;
pub mod render;

pub use model::*;

/// Draws the first diagram of a stored BPMN file. Stored files passed the size limit when
/// they were saved, so no limit applies here: a later, smaller limit must not make them
/// undrawable. The error says why there is no picture (the XML no longer parses, or the file
/// has no diagram).
pub fn diagram_svg(xml: &str, overlay: render::Overlay) -> Result<String, String> {
    let opts = parse::ParseOptions { max_bytes: usize::MAX };
    let parsed = parse::parse(xml.as_bytes(), &opts).map_err(|e| e.to_string())?;
    render::render_svg(&parsed, &render::RenderOptions { diagram: 0, overlay }).map_err(|e| e.to_string())
}
