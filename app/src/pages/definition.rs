//! One deployed definition: its versions, diagram and XML; convert to model.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::definitions::{convert_to_model, definition_versions, load_definition, DefinitionDetail};
use crate::components::{use_flash, ErrorNote};
use crate::format::datetime;
use crate::use_t;

#[component]
pub fn DefinitionPage() -> impl IntoView {
    let t = use_t();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let detail = Resource::new(id, load_definition);
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
    let versions = Resource::new(
        {
            let (tenant, key) = (row.tenant_id.clone(), row.key.clone());
            move || (tenant.clone(), key.clone())
        },
        |(tenant, key)| definition_versions(tenant, key),
    );
    let current_id = row.id.clone();
    let convert_id = row.id.clone();
    let convert = move |_| {
        let id = convert_id.clone();
        leptos::task::spawn_local(async move {
            let result = convert_to_model(id).await;
            flash.report(t("def.converted"), &result);
        });
    };
    view! {
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
                                {vs.into_iter().map(|v| view! {
                                    <option value=v.id.clone() selected=v.id == current_id>{format!("v{} · {}", v.version, datetime(v.deployed_at))}</option>
                                }).collect_view()}
                            </select>
                        })
                    }}
                </Transition>
            </label>
            <button on:click=convert data-testid="convert-to-model">{move || t("def.convert")}</button>
        </div>
        <dl class="facts">
            <dt>{move || t("def.key")}</dt><dd class="mono">{row.key.clone()}</dd>
            <dt>{move || t("def.tenant")}</dt><dd>{row.tenant_id.clone()}</dd>
            <dt>{move || t("def.deployed_at")}</dt><dd>{datetime(row.deployed_at)}</dd>
            <dt>{move || t("def.file")}</dt><dd>{row.file_name.clone()}</dd>
            <dt>{move || t("def.startable")}</dt>
            <dd>{if row.startable { "✓".to_string() } else { t("def.not_startable").to_string() }}</dd>
        </dl>
        {(!row.reasons.is_empty()).then(|| view! {
            <div class="panel warn-panel">
                <h2>{move || t("def.reasons")}</h2>
                <ul>{row.reasons.iter().map(|r| view! { <li class="mono">{r.clone()}</li> }).collect_view()}</ul>
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
