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

/// Sets `<html lang>` to the chosen language (screen readers and hyphenation follow it).
pub fn set_html_lang(code: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", code);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = code;
}

/// Marks the page as interactive (`<html data-hydrated>`): until then the style sheet shows
/// a busy bar and a waiting cursor, and browser tests wait for it before they click.
pub fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-hydrated", "");
    }
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

/// One file's outcome in the answer of `POST /api/v1/deployments`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadOutcome {
    pub file: String,
    pub ok: bool,
    #[serde(default)]
    pub definitions: Vec<UploadedDefinition>,
    #[serde(default)]
    pub unchanged: Vec<String>,
    #[serde(default)]
    pub warnings: Vec<UploadWarning>,
    pub error: Option<UploadError>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadedDefinition {
    pub key: String,
    pub version: i64,
    pub startable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadWarning {
    pub element_id: String,
    pub element_type: String,
    pub line: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadError {
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub element_id: Option<String>,
}

// Read only by the browser build.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
struct UploadReport {
    files: Vec<UploadOutcome>,
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
struct ApiRefusal {
    message: String,
}

/// Names of the files chosen in a file input.
pub fn chosen_files(input: leptos::prelude::NodeRef<leptos::html::Input>) -> Vec<String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::GetUntracked;
        let Some(el) = input.get_untracked() else { return Vec::new() };
        let Some(files) = el.files() else { return Vec::new() };
        (0..files.length()).filter_map(|i| files.get(i)).map(|f| f.name()).collect()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = input;
        Vec::new()
    }
}

/// Puts files dropped on the drop zone into the file input, so both ways of choosing end in
/// one place.
pub fn take_dropped_files(ev: &leptos::ev::DragEvent, input: leptos::prelude::NodeRef<leptos::html::Input>) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::GetUntracked;
        ev.prevent_default();
        if let (Some(dt), Some(el)) = (ev.data_transfer(), input.get_untracked()) {
            if let Some(files) = dt.files() {
                el.set_files(Some(&files));
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, input);
}

/// Uploads the files of `input` to `POST /api/v1/deployments` (the session cookie goes
/// along) and returns each file's outcome, or why the whole upload was refused.
pub async fn upload_deployment(
    input: leptos::prelude::NodeRef<leptos::html::Input>,
    catalog_id: Option<String>,
) -> Result<Vec<UploadOutcome>, String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::GetUntracked;
        use wasm_bindgen::JsCast;
        use wasm_bindgen_futures::JsFuture;
        let js = |e: wasm_bindgen::JsValue| format!("{e:?}");
        let el = input.get_untracked().ok_or("The file chooser is not on the page.")?;
        let files = el.files().ok_or("No file was chosen.")?;
        if files.length() == 0 {
            return Err("No file was chosen; choose or drop one or more .bpmn files.".into());
        }
        let form = web_sys::FormData::new().map_err(js)?;
        for f in (0..files.length()).filter_map(|i| files.get(i)) {
            form.append_with_blob_and_filename("file", &f, &f.name()).map_err(js)?;
        }
        if let Some(c) = catalog_id {
            form.append_with_str("catalogId", &c).map_err(js)?;
        }
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&form.into());
        init.set_credentials(web_sys::RequestCredentials::SameOrigin);
        // The console's own uploads say so: a state change carried by the session cookie
        // needs this header (another site's form cannot send it).
        let headers = web_sys::Headers::new().map_err(js)?;
        headers.set(crate::api::REQUEST_HEADER, "1").map_err(js)?;
        init.set_headers(&headers);
        let window = web_sys::window().ok_or("No browser window.")?;
        let resp = JsFuture::from(window.fetch_with_str_and_init("/api/v1/deployments", &init))
            .await
            .map_err(|e| format!("The server could not be reached ({e:?}); try again."))?;
        let resp: web_sys::Response = resp.dyn_into().map_err(js)?;
        let text = JsFuture::from(resp.text().map_err(js)?).await.map_err(js)?.as_string().unwrap_or_default();
        match serde_json::from_str::<UploadReport>(&text) {
            Ok(r) => Ok(r.files),
            Err(_) => Err(serde_json::from_str::<ApiRefusal>(&text)
                .map(|r| r.message)
                .unwrap_or_else(|_| format!("HTTP {}: {text}", resp.status()))),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (input, catalog_id);
        Err("Uploading needs the browser.".into())
    }
}
