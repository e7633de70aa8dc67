//! 模型 Models: models per catalog node; 新建模型 a new one; view the diagram, open it in the
//! designer (设计, `pages::designer`), edit the XML (checked on save), deploy as the next
//! version, delete.

use crate::error::AppError;
use leptos::prelude::*;

use crate::api::catalog_tree;
use crate::api::definitions::{
    create_model, delete_model, deploy_model, list_models, load_model, save_model, ModelDetail,
};
use crate::clock::Time;
use crate::components::Ask;
use crate::components::{loaded, use_flash, CatalogTree, ErrorNote, Modal};
use crate::pages::definition::Diagram;
use crate::use_t;
use leptos_router::hooks::use_navigate;

#[component]
pub fn ModelsPage() -> impl IntoView {
    let t = use_t();
    let tree = crate::api::resource(|| (), |_| catalog_tree());
    let selected = RwSignal::new(None);
    let reload = RwSignal::new(0u32);
    let models = crate::api::resource(
        move || (selected.with(|s: &Option<crate::api::CatalogRow>| s.as_ref().map(|s| s.id.clone())), reload.get()),
        |(catalog, _)| list_models(catalog),
    );
    let open = RwSignal::new(None::<String>);
    let creating = RwSignal::new(false);

    view! {
        <div class="page-head">
            <h1>{move || t("models.title")}</h1>
            <button class="primary" on:click=move |_| creating.set(true) data-testid="model-new">{move || t("models.new")}</button>
        </div>
        {move || creating.get().then(|| view! {
            <NewModelDialog tree=tree preselected=selected.get_untracked().map(|c| c.id) on_close=move || creating.set(false) />
        })}
        <div class="split">
            <section class="panel tree-panel">
                <CatalogTree tree=tree selected=selected with_all=true on_select=move || open.set(None) />
            </section>
            <section class="panel">
                {loaded(models, move |rows| if rows.is_empty() {
                    view! { <p class="muted">{t("models.empty")}</p> }.into_any()
                } else {
                    view! {
                            <div class="table-wrap"><table class="grid" data-testid="model-table">
                                <thead><tr>
                                    <th>{move || t("common.name")}</th>
                                    <th>{move || t("def.key")}</th>
                                    <th>{move || t("def.tenant")}</th>
                                    <th>{move || t("models.updated")}</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|m| {
                                        let id = m.id.clone();
                                        let is_open = { let id = m.id.clone(); move || open.get().as_deref() == Some(id.as_str()) };
                                        view! {
                                            <tr class:selected=is_open data-key=m.key.clone() on:click=move |_| open.set(Some(id.clone()))>
                                                // The name opens the model in the designer; the rest of the row shows it here.
                                                <td><a href=format!("/models/{}/design", m.id) data-testid="model-open">{m.name.clone()}</a></td>
                                                <td class="mono">{m.key.clone()}</td>
                                                <td>{m.tenant_id.clone()}</td>
                                                <td><Time at=m.updated_at /></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                    }.into_any()
                })}
                {move || match open.get() {
                    Some(id) => view! { <ModelEditor id=id on_change=move || reload.update(|n| *n += 1) on_gone=move || open.set(None) /> }.into_any(),
                    None => view! { <p class="muted">{t("models.select")}</p> }.into_any(),
                }}
            </section>
        </div>
    }
}

#[component]
fn ModelEditor(
    id: String,
    #[prop(into)] on_change: Callback<()>,
    #[prop(into)] on_gone: Callback<()>,
) -> impl IntoView {
    let t = use_t();
    let detail = crate::api::resource(
        {
            let id = id.clone();
            move || id.clone()
        },
        load_model,
    );
    view! {
        <Suspense fallback=move || view! { <p>{t("common.loading")}</p> }>
            {move || detail.get().map(|r| match r {
                Ok(d) => view! { <ModelForm d=d on_change=on_change on_gone=on_gone refetch=move || detail.refetch() /> }.into_any(),
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn ModelForm(
    d: ModelDetail,
    #[prop(into)] on_change: Callback<()>,
    #[prop(into)] on_gone: Callback<()>,
    #[prop(into)] refetch: Callback<()>,
) -> impl IntoView {
    let say = crate::use_say();
    let t = use_t();
    let flash = use_flash();
    let ask = crate::components::use_ask();
    let id = StoredValue::new(d.row.id.clone());
    let model_name = StoredValue::new(d.row.name.clone());
    let xml = RwSignal::new(d.xml.clone());
    let revision = RwSignal::new(d.row.revision);
    let error = RwSignal::new(None::<AppError>);
    let save = move |_| {
        leptos::task::spawn_local(async move {
            let result = save_model(id.get_value(), xml.get_untracked(), revision.get_untracked()).await;
            match &result {
                Ok(row) => {
                    revision.set(row.revision);
                    error.set(None);
                    flash.report(&row.name, &result);
                    on_change.run(());
                    refetch.run(());
                }
                Err(e) => error.set(Some(e.clone())),
            }
        });
    };
    let deploy = move |_| {
        leptos::task::spawn_local(async move {
            match deploy_model(id.get_value()).await {
                Ok(v) => {
                    let mut parts: Vec<String> = v.versions.iter().map(|(k, n)| format!("{k} v{n}")).collect();
                    parts.extend(v.unchanged.iter().map(|k| format!("{k}: {}", t("deploy.unchanged"))));
                    flash.report(&parts.join("; "), &Ok::<(), crate::error::AppError>(()));
                }
                Err(e) => flash.report("", &Err::<(), _>(e)),
            }
        });
    };
    let delete = move |_| {
        let title = format!("{} · {}", t("common.delete"), model_name.get_value());
        ask.set(Some(Ask::destructive(title, t("common.confirm_delete").to_string(), "common.delete", move || {
            leptos::task::spawn_local(async move {
                let result = delete_model(id.get_value()).await;
                flash.report(t("common.delete"), &result);
                if result.is_ok() {
                    on_gone.run(());
                    on_change.run(());
                }
            });
        })));
    };
    view! {
        <div class="model-editor" data-testid="model-editor">
            <h2>{d.row.name.clone()} " " <span class="muted mono">{d.row.key.clone()}</span></h2>
            <div class="toolbar">
                <a href=format!("/models/{}/design", d.row.id) class="button primary" data-testid="model-design">{move || t("models.design")}</a>
                <button on:click=save data-testid="model-save">{move || t("common.save")}</button>
                <button on:click=deploy data-testid="model-deploy">{move || t("models.deploy")}</button>
                <button class="danger" on:click=delete>{move || t("common.delete")}</button>
            </div>
            <Diagram svg=d.svg />
            <textarea class="xml-editor mono" rows="18" spellcheck="false" data-testid="model-xml" aria-label="XML"
                prop:value=xml on:input=move |ev| xml.set(event_target_value(&ev))></textarea>
            {move || error.get().map(|m| view! { <p class="error-note" role="alert" data-testid="model-error">{say(&m)}</p> })}
        </div>
    }
}

/// 新建模型: name, key and catalog node of a new model; it opens in the designer.
#[component]
fn NewModelDialog(
    tree: crate::api::Res<Result<Vec<crate::api::CatalogRow>, AppError>>,
    preselected: Option<String>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let t = use_t();
    let lang = crate::use_lang();
    let navigate = StoredValue::new(use_navigate());
    let name = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let catalog = RwSignal::new(preselected.unwrap_or_default());
    let error = RwSignal::new(None::<AppError>);
    // The catalog nodes as the page's tree shows them (loaded: the dialog opens from the page).
    let rows = tree.get_untracked().and_then(Result::ok).unwrap_or_default();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let node = Some(catalog.get_untracked()).filter(|c| !c.is_empty());
            match create_model(name.get_untracked(), key.get_untracked(), node).await {
                Ok(m) => {
                    on_close.run(());
                    navigate.with_value(|n| n(&format!("/models/{}/design", m.id), Default::default()));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let at = move |field: &str| error.with(|e| e.as_ref().and_then(|e| e.for_field(field, lang())));
    let other = move || {
        error
            .with(|e| e.as_ref().filter(|e| !matches!(e.field.as_deref(), Some("name" | "key"))).map(|e| e.say(lang())))
    };
    view! {
        <Modal title=Signal::derive(move || t("models.new").to_string()) on_close=on_close testid="model-new-dialog">
            <form on:submit=create>
                <p class="muted">{move || t("models.new_hint")}</p>
                <label class="field">
                    <span>{move || t("common.name")}</span>
                    <input required prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) data-testid="new-model-name" />
                    {move || at("name").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                </label>
                <label class="field">
                    <span>{move || t("def.key")}</span>
                    <input required class="mono" prop:value=key on:input=move |ev| key.set(event_target_value(&ev)) data-testid="new-model-key" />
                    <small class="muted">{move || t("models.key_hint")}</small>
                    {move || at("key").map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                </label>
                <label class="field">
                    <span>{move || t("models.catalog")}</span>
                    <select on:change=move |ev| catalog.set(event_target_value(&ev)) data-testid="new-model-catalog">
                        <option value="" selected=move || catalog.with(String::is_empty)>{move || t("models.no_catalog")}</option>
                        {rows.into_iter().map(|r| {
                            let id = r.id.clone();
                            let sel = move || catalog.with(|c| *c == id);
                            let label = format!("{}{}", "\u{3000}".repeat(r.depth), r.name);
                            view! { <option value=r.id.clone() selected=sel>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {move || other().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                <div class="buttons">
                    <button class="primary" type="submit" data-testid="new-model-create">{move || t("models.create")}</button>
                    <button type="button" on:click=move |_| on_close.run(())>{move || t("common.cancel")}</button>
                </div>
            </form>
        </Modal>
    }
}
