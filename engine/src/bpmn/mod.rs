//! BPMN 2.0: the checked, indexed model, its parser and its SVG renderer.

pub mod model;
pub mod parse;
pub mod render;

pub use model::*;
