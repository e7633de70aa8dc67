//! 模型 Models: models per catalog node; view the diagram, edit the XML (checked on save),
//! deploy as the next version, delete.

use crate::error::AppError;
use leptos::prelude::*;

use crate::api::catalog_tree;
use crate::api::definitions::{delete_model, deploy_model, list_models, load_model, save_model, ModelDetail};
use crate::clock::Time;
use crate::components::Ask;
use crate::components::{loaded, use_flash, CatalogTree, ErrorNote};
use crate::pages::definition::Diagram;
use crate::use_t;

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

    view! {
        <h1>{move || t("models.title")}</h1>
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
                                                <td><a href="#" on:click=|ev| ev.prevent_default()>{m.name.clone()}</a></td>
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
                <button class="primary" on:click=save data-testid="model-save">{move || t("common.save")}</button>
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
