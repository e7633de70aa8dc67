//! Keyboard focus around dialogs: focus moves into a dialog when it opens, Tab and Shift+Tab
//! stay inside it, and when it closes focus goes back where it was (a list read again after
//! the operation keeps that control: its rows are rebuilt in place). Browser only; on the
//! server every function does nothing.

/// What can take focus inside a dialog.
#[cfg(feature = "hydrate")]
const FOCUSABLE: &str = "button:not([disabled]), [href], input:not([disabled]):not([type=hidden]), \
     select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

#[cfg(feature = "hydrate")]
thread_local! {
    /// The elements that had focus when the open dialogs opened, innermost last.
    static RETURN_TO: std::cell::RefCell<Vec<web_sys::HtmlElement>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Remembers the focused element and moves focus into `dialog`: its first field or button
/// that is not a close button, else the dialog itself.
pub fn enter(dialog: &leptos::web_sys::HtmlDivElement) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(a) = active {
            RETURN_TO.with(|s| s.borrow_mut().push(a));
        }
        let items = focusables(dialog);
        let first = items.iter().find(|e| !e.class_list().contains("flash-close")).or(items.first());
        match first {
            Some(e) => {
                let _ = e.focus();
            }
            None => {
                let _ = dialog.focus();
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = dialog;
}

/// Gives focus back to the element that had it before the innermost dialog opened.
pub fn leave() {
    #[cfg(feature = "hydrate")]
    if let Some(e) = RETURN_TO.with(|s| s.borrow_mut().pop()) {
        if e.is_connected() {
            let _ = e.focus();
        }
    }
}

/// Keeps Tab inside `dialog`: from the last item to the first, Shift+Tab from the first to
/// the last. Call it from the dialog's `keydown`.
pub fn trap_tab(ev: &leptos::ev::KeyboardEvent, dialog: &leptos::web_sys::HtmlDivElement) {
    #[cfg(feature = "hydrate")]
    {
        if ev.key() != "Tab" {
            return;
        }
        let items = focusables(dialog);
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            ev.prevent_default();
            return;
        };
        let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
        let is = |e: &web_sys::HtmlElement| active.as_ref().is_some_and(|a| a == e.as_ref());
        let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
        if ev.shift_key() && (is(first) || !inside) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && (is(last) || !inside) {
            ev.prevent_default();
            let _ = first.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, dialog);
}

/// Keys on an item of a tree or list (`role="treeitem"`): the arrow keys, Home and End move
/// focus between the items; answers whether the key selects the item (Enter or Space).
pub fn tree_key(ev: &leptos::ev::KeyboardEvent) -> bool {
    let key = ev.key();
    if key == "Enter" || key == " " {
        ev.prevent_default();
        return true;
    }
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(item) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return false };
        let step = |e: &web_sys::Element, forward: bool| {
            if forward {
                e.next_element_sibling()
            } else {
                e.previous_element_sibling()
            }
        };
        let edge = |forward: bool| {
            let mut at = item.clone();
            while let Some(n) = step(&at, forward) {
                at = n;
            }
            Some(at)
        };
        let target = match key.as_str() {
            "ArrowDown" => step(&item, true),
            "ArrowUp" => step(&item, false),
            "Home" => edge(false),
            "End" => edge(true),
            _ => return false,
        };
        if let Some(t) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
            ev.prevent_default();
            let _ = t.focus();
        }
    }
    false
}

/// After the next frame, focuses the first item of `list` that is a Tab stop of a tree or a
/// list (`tabindex="0"`), e.g. a picker whose items arrived after its dialog opened.
pub fn to_tab_stop(list: &leptos::web_sys::HtmlDivElement) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let list = list.clone();
        leptos::prelude::request_animation_frame(move || {
            let item = list.query_selector("[role=option][tabindex='0'], [role=treeitem][tabindex='0']").ok().flatten();
            if let Some(e) = item.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = e.focus();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = list;
}

/// The visible elements of `dialog` that take focus, in document order.
#[cfg(feature = "hydrate")]
fn focusables(dialog: &web_sys::HtmlDivElement) -> Vec<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    let Ok(list) = dialog.query_selector_all(FOCUSABLE) else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|e| e.offset_parent().is_some())
        .collect()
}
