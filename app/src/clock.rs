//! Times as the viewer reads them. The server cannot know the viewer's zone, so it renders
//! UTC, marked `UTC`; once the page has hydrated, every time re-renders at the browser's
//! offset for that instant (`Date.getTimezoneOffset`, which follows daylight saving without a
//! tz database in the wasm). Hydration sees exactly the server's text: the switch happens in
//! an effect afterwards, so there is no mismatch. The formatting itself is
//! `bpmn_core::time`, shared with the server.

use bpmn_core::time::{datetime_in, iso8601, offset_label};
use leptos::prelude::*;

/// Whether times show in the viewer's zone yet (after hydration) or in UTC (server render
/// and hydration).
#[derive(Clone, Copy)]
struct ViewerClock {
    local: RwSignal<bool>,
}

/// Provides the clock to the application; times switch to the viewer's zone once the page
/// has hydrated. Call once, in the root component.
pub fn provide_viewer_clock() {
    let local = RwSignal::new(false);
    provide_context(ViewerClock { local });
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| local.set(true));
}

/// The offset (minutes east of UTC) of the viewer's clock at `at`; `None` on the server and
/// before hydration.
fn viewer_offset(at: i64) -> Option<i32> {
    let local = use_context::<ViewerClock>()?.local;
    if !local.get() {
        return None;
    }
    browser_offset(at)
}

/// The browser's offset at the instant `at`, DST-correct for that instant.
fn browser_offset(at: i64) -> Option<i32> {
    #[cfg(feature = "hydrate")]
    {
        let date = web_sys::js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
        let west = date.get_timezone_offset();
        west.is_finite().then(|| -(west as i32))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = at;
        None
    }
}

/// The browser's IANA zone name (`Asia/Shanghai`), when it tells; asked once per page load.
fn browser_zone_name() -> Option<&'static str> {
    static NAME: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        #[cfg(feature = "hydrate")]
        {
            use web_sys::js_sys::{Array, Intl, Object, Reflect};
            let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
            Reflect::get(&options, &"timeZone".into()).ok()?.as_string()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            None
        }
    })
    .as_deref()
}

/// `at` for lists in the viewer's zone and language (reactive: call it inside a closure),
/// e.g. `2026-11-24 05:30` or `Nov 24, 2026 05:30`; before hydration in UTC, marked `UTC`.
pub fn local_datetime(at: i64) -> String {
    zoned(at, false)
}

/// `at` in the viewer's zone (UTC, marked, until hydration) and language.
fn zoned(at: i64, seconds: bool) -> String {
    let lang = use_context::<crate::I18n>().map_or(bpmn_core::text::Lang::Zh, |i| i.lang.get());
    match viewer_offset(at) {
        Some(offset) => datetime_in(lang, at, offset, seconds),
        None => format!("{} UTC", datetime_in(lang, at, 0, seconds)),
    }
}

/// The full instant and the zone it is shown in, for a title: `2026-11-23T21:30:00.000Z ·
/// UTC+08:00 Asia/Shanghai`.
pub fn instant_title(at: i64) -> String {
    match viewer_offset(at) {
        Some(offset) => {
            let name = browser_zone_name().map(|n| format!(" {n}")).unwrap_or_default();
            format!("{} · {}{name}", iso8601(at), offset_label(offset))
        }
        None => format!("{} · UTC", iso8601(at)),
    }
}

/// A time in the viewer's zone, in a `<time>` element whose title holds the full instant and
/// the zone. `seconds`: with seconds (short spans such as a lease).
#[component]
pub fn Time(at: i64, #[prop(optional)] seconds: bool) -> impl IntoView {
    let text = move || zoned(at, seconds);
    view! { <time datetime=iso8601(at) title=move || instant_title(at)>{text}</time> }
}
