//! 设计 Designer (`/models/:id/design`): a model in bpmn.io's modeler with the properties
//! panel, checked by the engine's own parser as the user draws, with the XML as a second tab
//! (both in the modeler's frame, `designer/src/index.js`).
//! Save (refused as "changed meanwhile" when someone else saved first, with a reload offer),
//! 部署 Deploy (a link to the new version), and a question before leaving with unsaved
//! changes.
//!
//! The modeler is JavaScript (`designer/`, bundled into `/pkg/designer/designer.js`) loaded
//! only by this page (a module script in its markup that defines `bpmDesigner`, which
//! [`canvas::Canvas::mount`] waits for); the rest of the console never downloads it, nor any
//! glue for it.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::definitions::{deploy_model, load_model, save_model, DeployedVersions, ModelDetail};
use crate::api::load_org;
use crate::components::{loaded, use_ask, use_flash, Ask, Breadcrumb, ErrorNote, Modal};
use crate::error::AppError;
use crate::i18n::t as i18n_t;
use crate::pages::org::OrgTreeView;
use crate::{use_lang, use_say, use_t};

#[component]
pub fn DesignerPage() -> impl IntoView {
    let t = use_t();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let detail = crate::api::resource(id, load_model);
    view! {
        <Suspense fallback=move || view! { <p>{t("common.loading")}</p> }>
            {move || detail.get().map(|r| match r {
                Ok(d) => view! { <Designer d=d /> }.into_any(),
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
            })}
        </Suspense>
    }
}

/// A person or group picked from the organisation for a field of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PickFor {
    element: String,
    field: String,
}

#[component]
fn Designer(d: ModelDetail) -> impl IntoView {
    let t = use_t();
    let say = use_say();
    let lang = use_lang();
    let flash = use_flash();
    let ask = use_ask();
    let i18n = expect_context::<crate::I18n>();
    let lang_untracked = move || i18n.lang.get_untracked();
    let navigate = StoredValue::new(use_navigate());
    let id = StoredValue::new(d.row.id.clone());
    let revision = RwSignal::new(d.row.revision);
    let canvas = canvas::Canvas::new();
    let host = NodeRef::<leptos::html::Div>::new();
    // Unsaved changes in the diagram or the XML tab (the modeler says).
    let dirty = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let stale = RwSignal::new(false);
    let deployed = RwSignal::new(None::<DeployedVersions>);
    let busy = RwSignal::new(false);
    let failed_to_load = RwSignal::new(None::<String>);
    let pick = RwSignal::new(None::<PickFor>);
    let design_xml = StoredValue::new(d.design_xml.clone());

    // Leaving with unsaved changes asks first (links inside the console; closing the tab or
    // reloading gets the browser's own question).
    let leave = move |href: String| {
        let lang = lang_untracked();
        let (title, message) = (i18n_t(lang, "design.leave_title"), i18n_t(lang, "design.leave_message"));
        ask.set(Some(Ask::destructive(title.to_string(), message.to_string(), "design.leave", move || {
            canvas.forget_changes();
            navigate.with_value(|n| n(&href, Default::default()));
        })));
    };
    Effect::new(move |mounted: Option<bool>| {
        if mounted == Some(true) {
            return true;
        }
        let Some(el) = host.get() else { return false };
        let xml = design_xml.get_value();
        let code = lang().code();
        leptos::task::spawn_local(async move {
            let on_change = move |d: bool| dirty.set(d);
            let on_pick = move |element: String, field: String| pick.set(Some(PickFor { element, field }));
            if let Err(why) = canvas.mount(&el, &xml, code, on_change, on_pick, leave).await {
                failed_to_load.set(Some(why));
            }
        });
        true
    });
    on_cleanup(move || canvas.destroy());

    let save_now = move || async move {
        // The XML tab's text while it is shown, else the diagram's.
        let Some(xml) = canvas.xml().await else { return false };
        let result = save_model(id.get_value(), xml, revision.get_untracked()).await;
        match result {
            Ok(row) => {
                revision.set(row.revision);
                error.set(None);
                stale.set(false);
                canvas.mark_saved();
                flash.report(
                    &format!("{} · {}", i18n_t(lang_untracked(), "common.save"), row.name),
                    &Ok::<(), AppError>(()),
                );
                true
            }
            Err(e) => {
                stale.set(e.code == "changed_meanwhile");
                error.set(Some(e));
                false
            }
        }
    };
    let save = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            save_now().await;
            busy.set(false);
        });
    };
    let deploy = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            // Unsaved changes are saved first: what is deployed is what the user sees.
            let saved = !dirty.get_untracked() || save_now().await;
            if saved {
                match deploy_model(id.get_value()).await {
                    Ok(v) => {
                        error.set(None);
                        deployed.set(Some(v));
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
            busy.set(false);
        });
    };
    // Someone else saved first: load what is stored now (this user's changes are dropped).
    let reload = move |_| {
        leptos::task::spawn_local(async move {
            match load_model(id.get_value()).await {
                Ok(m) => {
                    revision.set(m.row.revision);
                    error.set(None);
                    stale.set(false);
                    if let Err(why) = canvas.open(&m.design_xml, false).await {
                        failed_to_load.set(Some(why));
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let name = d.row.name.clone();
    view! {
        <Breadcrumb href="/models" label="nav.models" current=name.clone() />
        <div class="designer-head">
            <h1>{name} " " <span class="muted mono">{d.row.key.clone()}</span></h1>
            <div class="toolbar">
                <span class="unsaved" data-testid="design-unsaved" hidden=move || !dirty.get()>{move || t("design.unsaved")}</span>
                <button class="primary" on:click=save disabled=move || busy.get() data-testid="design-save">{move || t("common.save")}</button>
                <button on:click=deploy disabled=move || busy.get() data-testid="design-deploy">{move || t("models.deploy")}</button>
            </div>
        </div>
        {move || error.get().map(|e| view! {
            <div class="error-note" role="alert" data-testid="design-error">
                <p>{say(&e)}</p>
                {stale.get().then(|| view! {
                    <button on:click=reload data-testid="design-reload">{move || t("design.reload")}</button>
                })}
            </div>
        })}
        {move || deployed.get().map(|v| view! { <Deployed v=v /> })}
        {move || failed_to_load.get().map(|why| view! {
            <p class="error-note" role="alert">{move || t("design.not_loaded")} " " <span class="mono">{why.clone()}</span></p>
        })}
        // The modeler's bundle, on this page only; it defines `bpmDesigner` when it has run.
        <script type="module" src=canvas::BUNDLE></script>
        <div class="designer-host" node_ref=host data-testid="designer">
            <p class="muted">{move || t("common.loading")}</p>
        </div>
        {move || pick.get().map(|p| view! { <PickDialog pick=p canvas=canvas on_close=move || pick.set(None) /> })}
    }
}

/// The outcome of 部署: the new versions with links, or that nothing changed.
#[component]
fn Deployed(v: DeployedVersions) -> impl IntoView {
    let t = use_t();
    view! {
        <div class="notice" role="status" data-testid="design-deployed">
            {v.versions.iter().zip(v.ids.iter()).map(|((key, n), id)| view! {
                <p>{move || t("design.deployed")} " "
                    <a href=format!("/deployments/{id}")>{format!("{key} v{n}")}</a></p>
            }).collect_view()}
            {v.unchanged.iter().map(|key| view! { <p>{format!("{key}: ")}{move || t("deploy.unchanged")}</p> }).collect_view()}
        </div>
    }
}

/// The organisation picker for an element's assignee, candidate users or candidate groups.
#[component]
fn PickDialog(pick: PickFor, canvas: canvas::Canvas, #[prop(into)] on_close: Callback<()>) -> impl IntoView {
    let t = use_t();
    let org = crate::api::resource(|| (), |_| load_org(None));
    let picked = RwSignal::new(None::<String>);
    let groups = pick.field == "candidateGroups";
    let key = match pick.field.as_str() {
        "assignee" => "design.pick_assignee",
        "candidateUsers" => "design.pick_users",
        _ => "design.pick_groups",
    };
    let element = pick.element.clone();
    let title = Signal::derive(move || format!("{} · {element}", t(key)));
    let target = StoredValue::new(pick);
    let ok = move |_| {
        if let Some(value) = picked.get_untracked() {
            target.with_value(|p| canvas.picked(&p.element, &p.field, &value));
        }
        on_close.run(());
    };
    view! {
        <Modal title=title on_close=on_close testid="design-pick">
            <div class="picker">
                {loaded(org, move |tree| if groups {
                    // In the order the organisation first names them (units, then their people).
                    let mut names: Vec<String> = Vec::new();
                    for g in tree.people.iter().filter(|p| p.active).flat_map(|p| p.groups.iter()) {
                        if !names.contains(g) {
                            names.push(g.clone());
                        }
                    }
                    if names.is_empty() {
                        return view! { <p class="muted">{move || t("design.no_groups")}</p> }.into_any();
                    }
                    view! {
                        <ul class="tree org" data-testid="group-list">
                            {names.into_iter().map(|g| {
                                let name = StoredValue::new(g.clone());
                                let on = move || picked.with(|p| p.as_deref() == Some(name.get_value().as_str()));
                                view! {
                                    <li class="person" class:selected=on tabindex="0" role="option" aria-selected=move || on().to_string()
                                        on:click=move |_| picked.set(Some(name.get_value()))>{g}</li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                } else {
                    view! { <OrgTreeView tree=tree pick=picked /> }.into_any()
                })}
            </div>
            <p data-testid="picked">{move || t("design.picked")} ": " <strong>{move || picked.get().unwrap_or_default()}</strong></p>
            <div class="buttons">
                <button class="primary" disabled=move || picked.with(Option::is_none) on:click=ok data-testid="pick-ok">{move || t("common.ok")}</button>
                <button on:click=move |_| on_close.run(())>{move || t("common.cancel")}</button>
            </div>
        </Modal>
    }
}

/// The modeler in the page: the browser half talks to `designer.js`; on the server there is
/// nothing to talk to.
mod canvas {
    /// The modeler's bundle.
    pub const BUNDLE: &str = "/pkg/designer/designer.js";

    #[cfg(feature = "hydrate")]
    pub use browser::Canvas;

    #[cfg(not(feature = "hydrate"))]
    pub use server::Canvas;

    #[cfg(not(feature = "hydrate"))]
    mod server {
        /// Nothing to show on the server: the page renders the frame, the browser fills it.
        #[derive(Debug, Clone, Copy)]
        pub struct Canvas;

        impl Canvas {
            pub fn new() -> Self {
                Canvas
            }
            pub async fn mount(
                self,
                _host: &leptos::web_sys::HtmlDivElement,
                _xml: &str,
                _lang: &str,
                _on_change: impl Fn(bool) + 'static,
                _on_pick: impl Fn(String, String) + 'static,
                _on_leave: impl Fn(String) + 'static,
            ) -> Result<(), String> {
                Ok(())
            }
            pub async fn xml(self) -> Option<String> {
                None
            }
            pub async fn open(self, _xml: &str, _unsaved: bool) -> Result<(), String> {
                Ok(())
            }
            pub fn mark_saved(self) {}
            pub fn forget_changes(self) {}
            pub fn picked(self, _element: &str, _field: &str, _value: &str) {}
            pub fn destroy(self) {}
        }
    }

    #[cfg(feature = "hydrate")]
    mod browser {
        use leptos::prelude::*;
        use wasm_bindgen::prelude::*;

        // The modeler's interface (designer/src/index.js): a global once the bundle has run,
        // so that the console's own JavaScript has nothing to import until then.
        #[wasm_bindgen]
        extern "C" {
            /// What `mount` answers: the modeler in the page.
            pub type Handle;
            #[wasm_bindgen(catch, js_namespace = bpmDesigner, js_name = mount)]
            async fn mount_designer(
                host: &web_sys::HtmlElement,
                xml: &str,
                lang: &str,
                on_change: &JsValue,
                on_pick: &JsValue,
                on_leave: &JsValue,
            ) -> Result<JsValue, JsValue>;
            #[wasm_bindgen(method, catch, js_name = xml)]
            async fn current_xml(this: &Handle) -> Result<JsValue, JsValue>;
            #[wasm_bindgen(method, catch, js_name = open)]
            async fn open_xml(this: &Handle, xml: &str, unsaved: bool) -> Result<JsValue, JsValue>;
            #[wasm_bindgen(method, js_name = markSaved)]
            fn mark_saved(this: &Handle);
            #[wasm_bindgen(method, js_name = forgetChanges)]
            fn forget_changes(this: &Handle);
            #[wasm_bindgen(method)]
            fn picked(this: &Handle, id: &str, field: &str, value: &str);
            #[wasm_bindgen(method)]
            fn destroy(this: &Handle);
        }

        /// Waits until the bundle (the page's `<script type="module">`) has run: a minute at most.
        async fn bundle_ran() -> Result<(), String> {
            let global = js_sys::global();
            for _ in 0..2400 {
                if js_sys::Reflect::has(&global, &"bpmDesigner".into()).unwrap_or(false) {
                    return Ok(());
                }
                gloo_timers::future::TimeoutFuture::new(25).await;
            }
            Err("/pkg/designer/designer.js did not load".to_string())
        }

        /// What went wrong in JavaScript, as a line of text.
        fn why(e: JsValue) -> String {
            e.as_string()
                .or_else(|| js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()))
                .unwrap_or_else(|| "(no message)".to_string())
        }

        /// The modeler's handle, once mounted.
        #[derive(Debug, Clone, Copy)]
        pub struct Canvas(StoredValue<Option<JsValue>, LocalStorage>);

        impl Canvas {
            pub fn new() -> Self {
                Canvas(StoredValue::new_local(None))
            }

            fn handle(self) -> Option<Handle> {
                self.0.try_get_value().flatten().map(JsCast::unchecked_into)
            }

            /// Loads the modeler (once per visit of the page) into `host` and opens `xml`.
            pub async fn mount(
                self,
                host: &web_sys::HtmlDivElement,
                xml: &str,
                lang: &str,
                on_change: impl Fn(bool) + 'static,
                on_pick: impl Fn(String, String) + 'static,
                on_leave: impl Fn(String) + 'static,
            ) -> Result<(), String> {
                let on_change = Closure::<dyn Fn(bool)>::new(on_change).into_js_value();
                let on_pick = Closure::<dyn Fn(String, String)>::new(on_pick).into_js_value();
                let on_leave = Closure::<dyn Fn(String)>::new(on_leave).into_js_value();
                bundle_ran().await?;
                let h = mount_designer(host, xml, lang, &on_change, &on_pick, &on_leave).await.map_err(why)?;
                // The page may have been left while the modeler loaded.
                if let Some(Some(h)) = self.0.try_set_value(Some(h)) {
                    h.unchecked_into::<Handle>().destroy();
                }
                Ok(())
            }

            pub async fn xml(self) -> Option<String> {
                self.handle()?.current_xml().await.ok()?.as_string()
            }

            pub async fn open(self, xml: &str, unsaved: bool) -> Result<(), String> {
                let Some(h) = self.handle() else { return Ok(()) };
                h.open_xml(xml, unsaved).await.map(|_| ()).map_err(why)
            }

            pub fn mark_saved(self) {
                if let Some(h) = self.handle() {
                    h.mark_saved();
                }
            }

            pub fn forget_changes(self) {
                if let Some(h) = self.handle() {
                    h.forget_changes();
                }
            }

            pub fn picked(self, element: &str, field: &str, value: &str) {
                if let Some(h) = self.handle() {
                    h.picked(element, field, value);
                }
            }

            pub fn destroy(self) {
                if let Some(h) = self.handle() {
                    h.destroy();
                }
            }
        }
    }
}
