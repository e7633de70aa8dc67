//! One deployed definition: its versions, diagram and XML; convert to model.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::definitions::{
    convert_to_model, definition_versions, load_definition, not_startable_lines_in, DefinitionDetail,
};
use crate::api::instances::start_instance;
use crate::clock::{local_datetime, Time};
use crate::components::{use_flash, Breadcrumb, ErrorNote, Modal, TenantName};
use crate::use_t;

#[component]
pub fn DefinitionPage() -> impl IntoView {
    let t = use_t();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let detail = crate::api::resource(id, load_definition);
    view! {
        <Suspense fallback=move || view! { <p>{t("common.loading")}</p> }>
            {move || detail.get().map(|r| match r {
                Ok(d) => view! { <DefinitionView d=d /> }.into_any(),
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn DefinitionView(d: DefinitionDetail) -> impl IntoView {
    let t = use_t();
    let flash = use_flash();
    let navigate = use_navigate();
    let row = d.row.clone();
    let lang = crate::use_lang();
    let reasons_of = row.clone();
    let reasons = move || not_startable_lines_in(&reasons_of, lang());
    let has_reasons = !row.not_startable_reasons.is_empty();
    let versions = crate::api::resource(
        {
            let (tenant, key) = (row.tenant_id.clone(), row.key.clone());
            move || (tenant.clone(), key.clone())
        },
        |(tenant, key)| definition_versions(tenant, key),
    );
    let current_id = row.id.clone();
    let convert_id = row.id.clone();
    let starting = RwSignal::new(false);
    // 转换为模型 lands in the designer with the new model.
    let to_designer = StoredValue::new(use_navigate());
    let convert = move |_| {
        let id = convert_id.clone();
        leptos::task::spawn_local(async move {
            let result = convert_to_model(id).await;
            flash.report(t("def.converted"), &result);
            if let Ok(m) = result {
                to_designer.with_value(|n| n(&format!("/models/{}/design", m.id), Default::default()));
            }
        });
    };
    view! {
        <Breadcrumb href="/deployments" label="nav.deployments" current=format!("{} v{}", row.name, row.version) />
        <h1>{row.name.clone()} " " <span class="muted">{format!("v{}", row.version)}</span></h1>
        <div class="toolbar">
            <label class="inline">
                {move || t("def.versions")} " "
                <Transition fallback=|| ()>
                    {move || {
                        let current_id = current_id.clone();
                        let navigate = navigate.clone();
                        versions.get().and_then(Result::ok).map(move |vs| view! {
                            <select data-testid="version-picker" on:change=move |ev| navigate(&format!("/deployments/{}", event_target_value(&ev)), Default::default())>
                                {vs.into_iter().map(|v| {
                                    let (version, deployed_at) = (v.version, v.deployed_at);
                                    view! {
                                        <option value=v.id.clone() selected=v.id == current_id>{move || format!("v{} · {}", version, local_datetime(deployed_at))}</option>
                                    }
                                }).collect_view()}
                            </select>
                        })
                    }}
                </Transition>
            </label>
            <button class="primary" on:click=move |_| starting.set(true) data-testid="start-instance">{move || t("def.start")}</button>
            <button on:click=convert data-testid="convert-to-model">{move || t("def.convert")}</button>
        </div>
        <Show when=move || starting.get()>
            <StartDialog definition_id=row.id.clone() name=row.name.clone() open=starting />
        </Show>
        <dl class="facts">
            <dt>{move || t("def.key")}</dt><dd class="mono">{row.key.clone()}</dd>
            <dt>{move || t("def.tenant")}</dt><dd><TenantName id=row.tenant_id.clone() /></dd>
            <dt>{move || t("def.deployed_at")}</dt><dd><Time at=row.deployed_at /></dd>
            <dt>{move || t("def.file")}</dt><dd>{row.file_name.clone()}</dd>
            <dt>{move || t("def.startable")}</dt>
            <dd>{if row.startable { "✓".to_string() } else { t("def.not_startable").to_string() }}</dd>
        </dl>
        {has_reasons.then(|| view! {
            <div class="panel warn-panel">
                <h2>{move || t("def.reasons")}</h2>
                <ul>{move || reasons().into_iter().map(|r| view! { <li class="mono">{r}</li> }).collect_view()}</ul>
            </div>
        })}
        <h2>{move || t("def.diagram")}</h2>
        <Diagram svg=d.svg />
        <details class="xml">
            <summary>{move || t("def.xml")}</summary>
            <pre class="mono" data-testid="definition-xml">{d.xml}</pre>
        </details>
    }
}

/// An SVG diagram from the server, or why there is none.
#[component]
pub fn Diagram(svg: Result<String, String>) -> impl IntoView {
    match svg {
        Ok(svg) => view! { <div class="diagram" data-testid="diagram" inner_html=svg></div> }.into_any(),
        Err(m) => view! { <p class="muted">{m}</p> }.into_any(),
    }
}

/// 启动 Start an instance of this version: business key and variables (JSON). A refusal (for
/// a version that cannot be started, bad JSON) shows in the dialog; success opens the instance.
#[component]
fn StartDialog(definition_id: String, name: String, open: RwSignal<bool>) -> impl IntoView {
    let lang = crate::use_lang();
    let t = use_t();
    let flash = use_flash();
    let navigate = use_navigate();
    let business_key = RwSignal::new(String::new());
    let variables = RwSignal::new(String::new());
    let error = RwSignal::new(None::<crate::error::AppError>);
    let id = StoredValue::new(definition_id);
    let start = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = start_instance(id.get_value(), business_key.get_untracked(), variables.get_untracked()).await;
            match &result {
                Ok(row) => {
                    flash.report(&format!("{} · {}", t("def.started"), row.definition_name), &result);
                    open.set(false);
                    navigate(&format!("/instances/{}", row.id), Default::default());
                }
                Err(e) => error.set(Some(e.clone())),
            }
        });
    };
    let field_error = move |field: &'static str| {
        move || {
            error
                .with(|e| {
                    e.as_ref().and_then(|e| {
                        e.for_field(field, lang()).or_else(|| {
                            (field == "form" && e.field.as_deref() != Some("variables")).then(|| e.say(lang()))
                        })
                    })
                })
                .map(|m| view! { <span class="field-error" role="alert">{m}</span> })
        }
    };
    view! {
        <Modal title=format!("{} · {name}", t("def.start_title")) on_close=move || open.set(false) testid="start-dialog">
            <div class="form">
                <label>
                    <span>{move || t("inst.business_key")}</span>
                    <input name="businessKey" prop:value=business_key on:input=move |ev| business_key.set(event_target_value(&ev)) />
                </label>
                <label>
                    <span>{move || t("task.variables")}</span>
                    <textarea name="variables" rows="4" class="mono" placeholder="{\"amount\": 1200}" prop:value=variables
                        on:input=move |ev| variables.set(event_target_value(&ev))></textarea>
                    {field_error("variables")}
                </label>
                {field_error("form")}
                <div class="buttons">
                    <button class="primary" data-testid="start-submit" on:click=start>{move || t("def.start")}</button>
                    <button on:click=move |_| open.set(false)>{move || t("common.cancel")}</button>
                </div>
            </div>
        </Modal>
    }
}
