//! The few browser calls the app makes directly. On the server they do nothing.

use bpmn_core::refusal::ConflictReason;
use bpmn_core::text::Text;

use crate::error::AppError;

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

/// Why a file was refused: the parser's sentence (which names the place: line, column,
/// element), in English as `message` and in either language as `text` (absent from older
/// servers).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadError {
    pub message: String,
    #[serde(default)]
    pub text: Option<Text>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub element_id: Option<String>,
}

impl UploadError {
    /// The sentence in `lang` (the English `message` when the answer carried no text).
    pub fn say(&self, lang: bpmn_core::text::Lang) -> String {
        self.text.as_ref().map_or_else(|| self.message.clone(), |t| t.render(lang))
    }
}

// Read only by the browser build (and the tests).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
struct UploadReport {
    files: Vec<UploadOutcome>,
}

/// A refusal of the HTTP API: `{"error", "message", "reason"?, "text"?}`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
struct ApiRefusal {
    error: String,
    message: String,
    #[serde(default)]
    reason: Option<ConflictReason>,
    #[serde(default)]
    text: Option<Text>,
}

/// Reads the answer of `POST /api/v1/deployments`: each file's outcome (200, or 422 when a
/// file failed), else the refusal of the whole upload as the console's [`AppError`] (its
/// English `message` when the server sent no `text`), else a sentence that says the answer
/// could not be read.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn upload_answer(status: u16, body: &str) -> Result<Vec<UploadOutcome>, AppError> {
    if let Ok(report) = serde_json::from_str::<UploadReport>(body) {
        return Ok(report.files);
    }
    match serde_json::from_str::<ApiRefusal>(body) {
        Ok(r) => Err(AppError {
            code: r.error,
            message: r.message,
            field: None,
            reason: r.reason,
            text: r.text.map(Box::new),
        }),
        Err(_) => {
            let answer: String = body.chars().take(300).collect();
            let text = Text::new("req.upload.unreadable_answer").with("status", status).with("answer", answer);
            Err(AppError::new("internal", text))
        }
    }
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
) -> Result<Vec<UploadOutcome>, AppError> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::GetUntracked;
        use wasm_bindgen::JsCast;
        use wasm_bindgen_futures::JsFuture;
        let unexpected =
            |detail: String| AppError::new("internal", Text::new("error.unexpected").with("detail", detail));
        let js = |e: wasm_bindgen::JsValue| unexpected(format!("{e:?}"));
        let no_file = || AppError::invalid("files", Text::new("req.upload.no_file"));
        let el = input.get_untracked().ok_or_else(|| unexpected("the file chooser is not on the page".into()))?;
        let files = el.files().ok_or_else(no_file)?;
        if files.length() == 0 {
            return Err(no_file());
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
        let window = web_sys::window().ok_or_else(|| unexpected("no browser window".into()))?;
        let resp = JsFuture::from(window.fetch_with_str_and_init("/api/v1/deployments", &init))
            .await
            .map_err(|e| AppError::new("network", Text::new("error.network").with("detail", format!("{e:?}"))))?;
        let resp: web_sys::Response = resp.dyn_into().map_err(js)?;
        let text = JsFuture::from(resp.text().map_err(js)?).await.map_err(js)?.as_string().unwrap_or_default();
        upload_answer(resp.status(), &text)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (input, catalog_id);
        Err(AppError::new("internal", Text::new("req.upload.needs_browser")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bpmn_core::text::Lang;

    #[test]
    fn a_refusal_without_text_from_an_older_server_says_its_english_message() {
        let old = r#"{"error": "not_found", "message": "Catalog node with code 'x' was not found."}"#;
        let e = upload_answer(404, old).unwrap_err();
        assert_eq!((e.code.as_str(), e.text.as_ref()), ("not_found", None));
        assert_eq!(e.say(Lang::Zh), "Catalog node with code 'x' was not found.");
        assert_eq!(e.say(Lang::En), e.message);

        // A server function's answer of an older server, read as the console reads it.
        let e: AppError = serde_json::from_str(r#"{"code": "invalid", "message": "No.", "field": "name"}"#).unwrap();
        assert_eq!((e.say(Lang::Zh), e.for_field("name", Lang::Zh)), ("No.".into(), Some("No.".into())));
    }

    #[test]
    fn a_refusal_with_text_is_said_in_the_chosen_language() {
        let text = Text::new("error.not_found").with_text("what", Text::new("thing.catalog_node_code")).with("id", "x");
        let body = serde_json::json!({"error": "not_found", "message": text.english(), "text": text}).to_string();
        let e = upload_answer(404, &body).unwrap_err();
        assert_eq!(e.say(Lang::Zh), "编码为此值的目录节点“x”不存在，可能已被删除。请刷新列表。");
        assert_eq!(e.say(Lang::En), e.message);

        let conflict = r#"{"error": "conflict", "message": "m", "reason": "in_use"}"#;
        assert_eq!(upload_answer(409, conflict).unwrap_err().reason, Some(ConflictReason::InUse));
    }

    #[test]
    fn outcomes_and_unreadable_answers() {
        let report = r#"{"files": [{"file": "a.bpmn", "ok": false, "error": {"message": "Line 2: bad.",
            "text": {"key": "parse.at.line", "args": [["line", "2"], ["what", {"key": "verbatim", "args": [["text", "bad."]]}]]},
            "line": 2, "column": null, "elementId": null, "kind": "Malformed"}}]}"#;
        let files = upload_answer(422, report).unwrap();
        let error = files[0].error.as_ref().unwrap();
        assert_eq!((error.say(Lang::Zh).as_str(), error.say(Lang::En).as_str()), ("第 2 行：bad.", "Line 2: bad."));

        let old = r#"{"files": [{"file": "a.bpmn", "ok": false, "error": {"message": "Line 2: bad.", "line": 2}}]}"#;
        assert_eq!(upload_answer(422, old).unwrap()[0].error.as_ref().unwrap().say(Lang::Zh), "Line 2: bad.");

        let e = upload_answer(502, "<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(e.message, "HTTP 502: <html>Bad Gateway</html>");
        assert!(e.say(Lang::Zh).starts_with("服务器的回答无法读取（HTTP 502）"), "{}", e.say(Lang::Zh));
    }
}
