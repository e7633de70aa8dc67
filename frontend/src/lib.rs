//! The wasm entry point: hydrates the page the server rendered.

// The hydration code of the larger pages nests view types deeper than the default limit.
#![recursion_limit = "256"]

/// Called by the hydration script that the server's page loads.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
