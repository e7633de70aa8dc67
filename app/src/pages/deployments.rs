//! 部署 Deployment: the catalog tree on the left, the deployed definitions of the selected
//! node on the right, batch deployment with each file's outcome, search and paging.

use bpmn_core::bpmn::parse::reason_text;
use bpmn_core::text::Text;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::catalog_tree;
use crate::api::definitions::{convert_to_model, list_definitions, not_startable_lines_in, DefinitionSummary};
use crate::browser::{self, UploadOutcome, UploadWarning};
use crate::clock::Time;
use crate::components::{
    target_tenant_name, use_flash, CatalogTree, ErrorNote, MeResource, Pager, SearchBox, TenantCell, TenantHead,
};
use crate::error::AppError;
use crate::url_state::{keep_in_url, UrlField};
use crate::{use_lang, use_t};

#[component]
pub fn DeploymentsPage() -> impl IntoView {
    let t = use_t();
    let tree = crate::api::resource(|| (), |_| catalog_tree());
    let selected = RwSignal::new(None::<crate::api::CatalogRow>);
    // The chosen node's id: what the list shows and the address keeps (the tree's row follows
    // it once the tree is loaded).
    let node = RwSignal::new(None::<String>);
    let applied_search = RwSignal::new(String::new());
    // Cursors of the pages seen so far: the last one is the page shown.
    let cursors = RwSignal::new(vec![None::<String>]);
    let reload = RwSignal::new(0u32);
    let list = crate::api::resource(
        move || (node.get(), applied_search.get(), cursors.with(|c| c.last().cloned().flatten()), reload.get()),
        |(catalog, search, cursor, _)| list_definitions(catalog, search, cursor),
    );
    let restart = move || cursors.set(vec![None]);
    let chosen = move || {
        node.set(selected.with_untracked(|s| s.as_ref().map(|s| s.id.clone())));
        restart();
    };
    keep_in_url(vec![
        UrlField::new(
            "node",
            move || node.get(),
            move |v| {
                if node.get_untracked() != v {
                    node.set(v)
                }
            },
        ),
        UrlField::text("q", applied_search),
        UrlField::page("after", cursors),
    ]);
    Effect::new(move |_| {
        if let Some(Ok(rows)) = tree.get() {
            let want = node.get();
            if selected.with_untracked(|s| s.as_ref().map(|s| &s.id) != want.as_ref()) {
                selected.set(want.and_then(|id| rows.into_iter().find(|r| r.id == id)));
            }
        }
    });
    let show_deploy = RwSignal::new(false);

    view! {
        <h1>{move || t("deploy.title")}</h1>
        <div class="split">
            <section class="panel tree-panel">
                <CatalogTree tree=tree selected=selected with_all=true on_select=chosen />
            </section>
            <section class="panel">
                <div class="toolbar">
                    <button class="primary" data-testid="deploy-open" on:click=move |_| show_deploy.update(|v| *v = !*v)>
                        {move || t("deploy.deploy")}
                    </button>
                    <SearchBox testid="definition-search" placeholder="deploy.search_ph" applied=applied_search on_search=move |_| restart() />
                </div>
                <Show when=move || show_deploy.get()>
                    <DeployPanel selected=selected on_done=move || { reload.update(|n| *n += 1); } />
                </Show>
                <Transition fallback=move || view! { <p>{t("common.loading")}</p> }>
                    {move || list.get().map(|r| match r {
                        Ok(page) if page.items.is_empty() => view! { <p class="muted">{t("deploy.empty")}</p> }.into_any(),
                        Ok(page) => view! {
                            <DefinitionTable rows=page.items />
                            <Pager cursors=cursors next=page.next />
                        }.into_any(),
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[component]
fn DefinitionTable(rows: Vec<DefinitionSummary>) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let flash = use_flash();
    // 转换为模型 lands in the designer with the new model.
    let to_designer = StoredValue::new(leptos_router::hooks::use_navigate());
    let convert = move |id: String, name: String| {
        leptos::task::spawn_local(async move {
            let result = convert_to_model(id).await;
            flash.report(&format!("{}: {name}", t("def.converted")), &result);
            if let Ok(m) = result {
                to_designer.with_value(|n| n(&format!("/models/{}/design", m.id), Default::default()));
            }
        });
    };
    view! {
        <div class="table-wrap"><table class="grid" data-testid="definition-table">
            <thead><tr>
                <th>{move || t("common.name")}</th>
                <th>{move || t("def.key")}</th>
                <th>{move || t("def.version")}</th>
                <TenantHead />
                <th>{move || t("def.deployed_at")}</th>
                <th>{move || t("def.running")}</th>
                <th></th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|d| {
                    let (id, name) = (d.id.clone(), d.name.clone());
                    let href = format!("/deployments/{}", d.id);
                    let reasons = {
                        let d = d.clone();
                        move || not_startable_lines_in(&d, lang()).join("\n")
                    };
                    view! {
                        <tr data-key=d.key.clone()>
                            <td>
                                <A href=href.clone()>{d.name.clone()}</A>
                                {(!d.startable).then(|| view! { <span class="badge badge-warn" title=reasons>{move || t("def.not_startable")}</span> })}
                            </td>
                            <td class="mono">{d.key.clone()}</td>
                            <td>{format!("v{}", d.version)}</td>
                            <TenantCell id=d.tenant_id.clone() />
                            <td><Time at=d.deployed_at /></td>
                            <td>{d.running_instances}</td>
                            <td class="actions">
                                <A href=href>{move || t("def.view")}</A>
                                <button class="small" on:click=move |_| convert(id.clone(), name.clone())>{move || t("def.convert")}</button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

/// Choose or drop files, deploy them into the selected catalog node, see each file's outcome.
#[component]
fn DeployPanel(
    selected: RwSignal<Option<crate::api::CatalogRow>>,
    #[prop(into)] on_done: Callback<()>,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let input = NodeRef::<Input>::new();
    let chosen = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let outcomes = RwSignal::new(None::<Result<Vec<UploadOutcome>, AppError>>);
    let dragging = RwSignal::new(false);
    let me = use_context::<MeResource>();
    let tenant_name = move || me.and_then(|m| m.0.get()).and_then(Result::ok).map(|m| target_tenant_name(&m));

    let deploy = move |_| {
        let catalog = selected.get_untracked().map(|s| s.id);
        busy.set(true);
        outcomes.set(None);
        leptos::task::spawn_local(async move {
            let result = browser::upload_deployment(input, catalog).await;
            busy.set(false);
            outcomes.set(Some(result));
            on_done.run(());
        });
    };

    view! {
        <div class="deploy-panel" data-testid="deploy-panel">
            <p data-testid="deploy-target">
                {move || t("deploy.target")} ": "
                <strong>{move || tenant_name().unwrap_or_default()}</strong>
                " / "
                <strong>{move || selected.get().map(|s| s.name).unwrap_or_else(|| t("catalog.root").into())}</strong>
            </p>
            <label class="dropzone" class:dragging=move || dragging.get()
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: leptos::ev::DragEvent| {
                    dragging.set(false);
                    browser::take_dropped_files(&ev, input);
                    chosen.set(browser::chosen_files(input));
                }>
                <span>{move || t("deploy.choose")}</span>
                <input type="file" multiple accept=".bpmn,.xml,.bpmn20.xml" node_ref=input data-testid="deploy-files"
                    on:change=move |_| chosen.set(browser::chosen_files(input)) />
                <span class="muted">{move || chosen.get().join(", ")}</span>
            </label>
            <button class="primary" data-testid="deploy-submit" disabled=move || busy.get() || chosen.with(Vec::is_empty) on:click=deploy>
                {move || t("deploy.deploy")}
            </button>
            <Show when=move || busy.get()>
                <div class="progress" role="progressbar" aria-busy="true">
                    <progress></progress> " " {move || t("deploy.uploading")}
                </div>
            </Show>
            {move || outcomes.get().map(|r| match r {
                Ok(files) => view! {
                    <ul class="outcomes" data-testid="deploy-outcomes">
                        {files.into_iter().map(|f| view! { <OutcomeItem outcome=f /> }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! {
                    <p class="error-note" role="alert">{move || t("deploy.failed")} ": " {move || e.say(lang())}</p>
                }.into_any(),
            })}
        </div>
    }
}

#[component]
fn OutcomeItem(outcome: UploadOutcome) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let f = outcome;
    let class = if f.ok { "outcome ok" } else { "outcome failed" };
    // The parser's sentence names the place (line, column, element) itself.
    let summary = {
        let f = f.clone();
        move || match &f.error {
            Some(e) => format!("{}: {}", t("deploy.failed"), e.say(lang())),
            None => {
                let mut parts: Vec<String> = f
                    .definitions
                    .iter()
                    .map(|d| format!("{} v{}{}", d.key, d.version, if d.startable { "" } else { " ⚠" }))
                    .collect();
                parts.extend(f.unchanged.iter().map(|k| format!("{k}: {}", t("deploy.unchanged"))));
                format!("{}: {}", t("deploy.ok"), parts.join("; "))
            }
        }
    };
    // Reasons why a process cannot start, then what the engine ignores (警告): both arrive in
    // `warnings`, the latter with a reason starting with "ignored by the engine:".
    let (ignored, unsupported): (Vec<_>, Vec<_>) =
        f.warnings.iter().cloned().partition(|w| bpmn_core::bpmn::parse::is_ignored_reason(&w.reason));
    let i18n = expect_context::<crate::I18n>();
    view! {
        <li class=class data-file=f.file.clone()>
            <strong>{f.file.clone()}</strong> " — " <span>{summary}</span>
            {(!unsupported.is_empty()).then(|| view! {
                <ul class="warnings">
                    {unsupported.iter().map(|w| {
                        let line = warning_line(w, reason_text(&w.reason));
                        view! { <li>{move || line.render(lang())}</li> }
                    }).collect_view()}
                </ul>
            })}
            {(!ignored.is_empty()).then(|| view! {
                <ul class="warnings ignored" data-testid="deploy-ignored">
                    {ignored.iter().map(|w| {
                        // The warning without its "ignored by the engine:" (the badge says it).
                        let what = w.reason.split_once(": ").map_or(w.reason.as_str(), |(_, t)| t);
                        let line = warning_line(w, reason_text(what));
                        view! {
                            <li data-element=w.element_id.clone()>
                                <span class="badge badge-warn">{move || ignored_label(i18n.lang.get())}</span> " "
                                {move || line.render(lang())}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </li>
    }
}

/// One warning of a file: the element, its type and line, and `reason` (its English read
/// back by [`reason_text`]).
fn warning_line(w: &UploadWarning, reason: Text) -> Text {
    Text::new("repo.warning_line")
        .with("element", &w.element_id)
        .with("type", &w.element_type)
        .with("line", w.line)
        .with_text("reason", reason)
}

/// The label of a deploy warning (something the engine ignores).
fn ignored_label(lang: crate::i18n::Lang) -> &'static str {
    match lang {
        crate::i18n::Lang::Zh => "警告",
        crate::i18n::Lang::En => "Warning",
    }
}
