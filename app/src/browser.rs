//! The few browser calls the app makes directly. On the server they do nothing.

/// `document.cookie`, in the browser.
pub fn cookie_header() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let doc = web_sys::window()?.document()?;
        doc.dyn_into::<web_sys::HtmlDocument>().ok()?.cookie().ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Remembers the interface language for a year (readable by scripts: it is not a secret).
pub fn set_lang_cookie(code: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(doc) =
            web_sys::window().and_then(|w| w.document()).and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        {
            let _ = doc
                .set_cookie(&format!("{}={code}; Path=/; SameSite=Strict; Max-Age=31536000", crate::i18n::LANG_COOKIE));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = code;
}

/// Goes to `url` with a full page load (after sign-out or a tenant switch everything
/// on the page belongs to another context, so it is fetched anew).
pub fn load(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// Asks the user to confirm; `true` when they did. On the server: `false`.
pub fn confirm(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().and_then(|w| w.confirm_with_message(message).ok()).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        false
    }
}
