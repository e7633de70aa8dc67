//! 目录 Catalog: the category tree on the left, the add/edit form on the right.

use leptos::prelude::*;

use crate::api::{catalog_tree, delete_catalog_node, save_catalog_node, CatalogRow};
use crate::components::Ask;
use crate::components::{use_flash, AdminOnly, CatalogTree};
use crate::error::AppError;
use crate::use_t;

/// What the right-hand panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    View,
    Add,
    Edit,
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let ask = crate::components::use_ask();
    let t = use_t();
    let flash = use_flash();
    let tree = crate::api::resource(|| (), |_| catalog_tree());
    let selected = RwSignal::new(None::<CatalogRow>);
    let mode = RwSignal::new(Mode::View);
    let name = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);

    let start = move |m: Mode| {
        let sel = selected.get_untracked();
        let (n, c) = match (m, sel) {
            (Mode::Edit, Some(s)) => (s.name, s.code),
            _ => (String::new(), String::new()),
        };
        name.set(n);
        code.set(c);
        error.set(None);
        mode.set(m);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let sel = selected.get_untracked();
        let editing = mode.get_untracked() == Mode::Edit;
        let id = if editing { sel.as_ref().map(|s| s.id.clone()) } else { None };
        let parent = if editing { None } else { sel.as_ref().map(|s| s.id.clone()) };
        let revision = sel.as_ref().map_or(0, |s| s.revision);
        leptos::task::spawn_local(async move {
            let result = save_catalog_node(id, parent, name.get_untracked(), code.get_untracked(), revision).await;
            match &result {
                Ok(()) => {
                    flash.report(&name.get_untracked(), &result);
                    mode.set(Mode::View);
                    selected.set(None);
                    tree.refetch();
                }
                Err(e) => error.set(Some(e.clone())),
            }
        });
    };
    let delete = move |_| {
        let Some(sel) = selected.get_untracked() else { return };
        let title = format!("{} · {}", t("common.delete"), sel.name);
        ask.set(Some(Ask::destructive(title, t("common.confirm_delete").to_string(), "common.delete", move || {
            let sel = sel.clone();
            leptos::task::spawn_local(async move {
                let result = delete_catalog_node(sel.id.clone()).await;
                flash.report(&sel.name, &result);
                if result.is_ok() {
                    selected.set(None);
                    mode.set(Mode::View);
                    tree.refetch();
                }
            });
        })));
    };
    let lang = crate::use_lang();
    let field_error = move |f: &'static str| error.get().and_then(|e| e.for_field(f, lang()));
    let other_error = move || error.get().filter(|e| e.field.is_none()).map(|e| e.say(lang()));

    view! {
        <h1>{move || t("catalog.title")}</h1>
        <div class="split">
            <section class="panel tree-panel">
                // Only administrators change the catalog (the engine refuses a tenant manager).
                <AdminOnly>
                    <div class="toolbar">
                        <button class="primary" on:click=move |_| start(Mode::Add) data-testid="catalog-add">{move || t("common.add")}</button>
                        <button on:click=move |_| start(Mode::Edit) disabled=move || selected.get().is_none() data-testid="catalog-edit">{move || t("common.edit")}</button>
                        <button class="danger" on:click=delete disabled=move || selected.get().is_none() data-testid="catalog-delete">{move || t("common.delete")}</button>
                    </div>
                </AdminOnly>
                <CatalogTree tree=tree selected=selected on_select=move || mode.set(Mode::View) />
            </section>
            <section class="panel form-panel">
                {move || match mode.get() {
                    Mode::View => view! {
                        <p class="muted">{move || match selected.get() {
                            Some(s) => format!("{} ({})", s.name, s.code).into_any(),
                            // Only administrators add nodes: a tenant manager is not told to.
                            None => view! {
                                <AdminOnly otherwise=move || t("catalog.read_only")>{move || t("catalog.select")}</AdminOnly>
                            }.into_any(),
                        }}</p>
                    }.into_any(),
                    m => view! {
                        <form class="form" on:submit=save data-testid="catalog-form">
                            <h2>{move || if m == Mode::Add { t("catalog.new") } else { t("catalog.edit") }}</h2>
                            {(m == Mode::Add).then(|| view! {
                                <label>
                                    <span>{move || t("catalog.parent")}</span>
                                    <input readonly prop:value=move || selected.get().map(|s| s.name).unwrap_or_else(|| t("catalog.root").into()) />
                                </label>
                            })}
                            <label>
                                <span>{move || t("common.name")}</span>
                                <input name="name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                                {move || field_error("name").map(|m| view! { <span class="field-error">{m}</span> })}
                            </label>
                            <label>
                                <span>{move || t("common.code")}</span>
                                <input name="code" prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                                {move || field_error("code").map(|m| view! { <span class="field-error">{m}</span> })}
                            </label>
                            {move || other_error().map(|m| view! { <p class="error-note" role="alert">{m}</p> })}
                            <div class="buttons">
                                <button type="submit" class="primary">{move || t("common.save")}</button>
                                <button type="button" on:click=move |_| mode.set(Mode::View)>{move || t("common.cancel")}</button>
                            </div>
                        </form>
                    }.into_any(),
                }}
            </section>
        </div>
    }
}
