//! 实例 Instances: the list (quick categories 全部 / 完成 / 未完成, search by definition name,
//! initiator and start date, sort, paging, live refresh) and the operations 调整 Adjust,
//! 挂起 Suspend, 恢复 Resume and 终止 Terminate, which the detail screen shares.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::instances::{
    change_instance_state, check_instance_move, list_instances, load_move_options, move_instance, InstanceAction,
    InstanceCategory, InstanceFilter, InstanceSort, InstanceStatus, InstanceSummary,
};
use crate::clock::Time;
use crate::components::{
    kept_total, live_refresh, loaded, use_flash, Ask, AskDialog, Modal, Pager, SortHead, Tabs, TenantCell, TenantHead,
};
use crate::label::{person_label, Badge, Label};
use crate::url_state::{keep_in_url, UrlField};
use crate::use_t;

/// The tabs' words in the address (the first is the default).
const INSTANCE_TABS: &[(InstanceCategory, &str)] = &[
    (InstanceCategory::All, "all"),
    (InstanceCategory::Completed, "completed"),
    (InstanceCategory::Unfinished, "unfinished"),
    (InstanceCategory::Suspended, "suspended"),
    (InstanceCategory::Incidents, "incidents"),
];

/// The orders' words in the address (the first is the default).
const INSTANCE_SORTS: &[(InstanceSort, &str)] = &[
    (InstanceSort::StartedDesc, "newest"),
    (InstanceSort::StartedAsc, "oldest"),
    (InstanceSort::EndedDesc, "end-desc"),
    (InstanceSort::EndedAsc, "end"),
    (InstanceSort::ProcessAsc, "process"),
    (InstanceSort::ProcessDesc, "process-desc"),
    (InstanceSort::StateAsc, "state"),
    (InstanceSort::StateDesc, "state-desc"),
];

#[component]
pub fn InstancesPage() -> impl IntoView {
    let t = use_t();
    let tab = RwSignal::new(InstanceCategory::All);
    let sort = RwSignal::new(InstanceSort::default());
    // What is typed, and what the list was asked for (on 查询).
    let draft = RwSignal::new(InstanceFilter::default());
    let applied = RwSignal::new(InstanceFilter::default());
    let cursors = RwSignal::new(vec![None::<String>]);
    let size = RwSignal::new(crate::api::PAGE_SIZES[0].0);
    let list = crate::api::resource(
        move || {
            let filter = InstanceFilter { tab: tab.get(), sort: sort.get(), ..applied.get() };
            (filter, cursors.with(|c| c.last().cloned().flatten()), size.get())
        },
        |(filter, cursor, size)| list_instances(filter, cursor, size),
    );
    let restart = move || cursors.set(vec![None]);
    let total = kept_total();
    // Each filter of the applied search in the address, beside tab, sort and page.
    let filter_field = move |key: &'static str, field: fn(&mut InstanceFilter) -> &mut String| {
        UrlField::new(
            key,
            move || Some(applied.with(|a| field(&mut a.clone()).clone())).filter(|v| !v.is_empty()),
            move |v| {
                let v = v.unwrap_or_default();
                if applied.with_untracked(|a| *field(&mut a.clone()) != v) {
                    applied.update(|a| *field(a) = v);
                }
            },
        )
    };
    keep_in_url(vec![
        UrlField::choice("tab", tab, INSTANCE_TABS),
        filter_field("q", |f| &mut f.name),
        filter_field("initiator", |f| &mut f.initiator),
        filter_field("from", |f| &mut f.from),
        filter_field("to", |f| &mut f.to),
        UrlField::choice("sort", sort, INSTANCE_SORTS),
        UrlField::page("after", cursors),
        UrlField::choice("size", size, crate::api::PAGE_SIZES),
    ]);
    // The search form shows what the list was asked for, also after Back.
    draft.set(applied.get_untracked());
    Effect::new(move |_| draft.set(applied.get()));
    live_refresh(
        move || list.try_get_untracked().flatten().and_then(Result::ok).map(|p| p.token),
        move || list.refetch(),
    );
    provide_instance_ops(Callback::new(move |_| list.refetch()));

    let input = move |field: fn(&mut InstanceFilter) -> &mut String| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            draft.update(|d| *field(d) = v);
        }
    };
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        applied.set(draft.get_untracked());
        restart();
    };

    view! {
        <h1>{move || t("inst.title")}</h1>
        <div class="toolbar">
            <Tabs tabs=vec![
                (InstanceCategory::All, "inst.tab.all"),
                (InstanceCategory::Completed, "inst.tab.completed"),
                (InstanceCategory::Unfinished, "inst.tab.unfinished"),
                (InstanceCategory::Suspended, "inst.tab.suspended"),
                (InstanceCategory::Incidents, "inst.tab.incidents"),
            ] selected=tab on_select=restart />
            <form class="search filters" on:submit=search data-testid="instance-search">
                <input type="search" aria-label=move || t("inst.process") placeholder=move || t("inst.search_ph")
                    data-testid="instance-name" prop:value=move || draft.with(|d| d.name.clone()) on:input=input(|d| &mut d.name) />
                <input type="search" aria-label=move || t("inst.initiator") placeholder=move || t("inst.initiator")
                    data-testid="instance-initiator" prop:value=move || draft.with(|d| d.initiator.clone())
                    on:input=input(|d| &mut d.initiator) />
                <label class="inline">
                    <span>{move || t("inst.from")}</span>
                    <input type="date" data-testid="instance-from" prop:value=move || draft.with(|d| d.from.clone())
                        on:input=input(|d| &mut d.from) />
                </label>
                <label class="inline">
                    <span>{move || t("inst.to")}</span>
                    <input type="date" data-testid="instance-to" prop:value=move || draft.with(|d| d.to.clone())
                        on:input=input(|d| &mut d.to) />
                </label>
                <button type="submit">{move || t("common.search")}</button>
            </form>
        </div>
        {loaded(list, move |page| {
            let filter = (tab.get_untracked(), sort.get_untracked(), applied.get_untracked());
            let searched = !filter.2.name.trim().is_empty();
            let total = total(filter, page.total);
            if page.items.is_empty() {
                return view! { <p class="muted" data-testid="instance-empty">{t("inst.empty")}</p> }.into_any();
            }
            view! {
                <div class="table-wrap"><table class="grid" data-testid="instance-table">
                    <thead><tr>
                        <SortHead label="inst.process" sort=sort asc=InstanceSort::ProcessAsc desc=InstanceSort::ProcessDesc
                            testid="sort-process" on_change=restart />
                        <TenantHead />
                        <th>{move || t("def.version")}</th>
                        <th>{move || t("inst.business_key")}</th>
                        <th>{move || t("inst.initiator")}</th>
                        <SortHead label="inst.start" sort=sort asc=InstanceSort::StartedAsc desc=InstanceSort::StartedDesc
                            desc_first=true testid="sort-start" on_change=restart />
                        <SortHead label="inst.end" sort=sort asc=InstanceSort::EndedAsc desc=InstanceSort::EndedDesc
                            desc_first=true testid="sort-end" on_change=restart />
                        <SortHead label="inst.state" sort=sort asc=InstanceSort::StateAsc desc=InstanceSort::StateDesc
                            testid="sort-state" on_change=restart />
                        <th>{move || t("inst.current")}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        {page.items.into_iter().map(|row| view! { <InstanceListRow row=row /> }).collect_view()}
                    </tbody>
                </table></div>
                <Pager cursors=cursors next=page.next size=size total=total searched=searched />
            }.into_any()
        })}
        <InstanceDialogs />
    }
}

#[component]
fn InstanceListRow(row: InstanceSummary) -> impl IntoView {
    let t = use_t();
    let incidents = row.open_incidents;
    let (href, name) = (format!("/instances/{}", row.id), row.definition_name.clone());
    let (id, business_key) = (row.id.clone(), row.business_key.clone().unwrap_or_default());
    view! {
        <tr data-instance=id data-business-key=business_key>
            <td>
                <A href=href>{name}</A>
                {(incidents > 0).then(|| view! {
                    <span class="badge badge-incident" title=move || t("inst.incidents")>{format!("⚠ {incidents}")}</span>
                })}
            </td>
            <TenantCell id=row.tenant_id.clone() />
            <td>{format!("v{}", row.version)}</td>
            <td>{row.business_key.clone()}</td>
            <td data-testid="initiator">{row.initiator.as_deref().map(|l| person_label(l, row.initiator_name.as_deref()))}</td>
            <td><Time at=row.start_time /></td>
            <td>{row.end_time.map(|at| view! { <Time at=at /> })}</td>
            <td><StateBadge state=row.state /></td>
            <td class="current">{row.current_activities.join(", ")}</td>
            <td class="actions"><InstanceActions row=row /></td>
        </tr>
    }
}

/// 运行 / 挂起 / 终止 / 完成 as a coloured badge.
#[component]
pub fn StateBadge(state: InstanceStatus) -> impl IntoView {
    let t = use_t();
    view! { <span class=state.class() data-state=format!("{state:?}").to_lowercase()>{move || t(state.label())}</span> }
}

/// The dialogs the instance operations open, and what to do after one succeeded. Provided
/// by the list and the detail screen, used by [`InstanceActions`].
#[derive(Clone, Copy)]
pub struct InstanceOps {
    ask: RwSignal<Option<Ask>>,
    /// The instance whose adjust dialog is open.
    adjust: RwSignal<Option<String>>,
    done: Callback<()>,
}

/// Provides the instance operations; `done` runs after each successful one (reload).
pub fn provide_instance_ops(done: Callback<()>) -> InstanceOps {
    let ops = InstanceOps { ask: RwSignal::new(None), adjust: RwSignal::new(None), done };
    provide_context(ops);
    ops
}

/// The dialogs of the instance operations (render once per page).
#[component]
pub fn InstanceDialogs() -> impl IntoView {
    let ops = expect_context::<InstanceOps>();
    view! {
        <AskDialog ask=ops.ask />
        {move || ops.adjust.get().map(|id| view! { <AdjustDialog id=id /> })}
    }
}

/// 调整 / 挂起 / 恢复 / 终止, each enabled only in the states that allow it.
#[component]
pub fn InstanceActions(row: InstanceSummary) -> impl IntoView {
    let t = use_t();
    let flash = use_flash();
    let ops = expect_context::<InstanceOps>();
    let state = row.state;
    let id = StoredValue::new(row.id.clone());
    let name = StoredValue::new(row.definition_name.clone());
    // What a button acts on, for its accessible name: the process and the business key.
    let subject = StoredValue::new(match &row.business_key {
        Some(key) if !key.is_empty() => format!("{} {key}", row.definition_name),
        _ => row.definition_name.clone(),
    });
    let revision = row.revision;
    let ask = move |action: InstanceAction, label: &'static str, question: &'static str| {
        ops.ask.set(Some(Ask {
            title: format!("{} · {}", t(label), name.get_value()),
            message: t(question).to_string(),
            reason: true,
            danger: (action == InstanceAction::Terminate).then_some(label),
            on_ok: Callback::new(move |reason: String| {
                leptos::task::spawn_local(async move {
                    let result = change_instance_state(id.get_value(), action, revision, Some(reason)).await;
                    flash.report(&format!("{} · {}", t(label), name.get_value()), &result);
                    ops.done.run(());
                });
            }),
        }))
    };
    let lang = crate::use_lang();
    let button = move |action: InstanceAction, label: &'static str, question: &'static str, class: &'static str| {
        // A disabled button says why, in the engine's own words (the same rule refuses it).
        let why =
            move || bpmn_core::rules::action_refusal(&id.get_value(), state, action).map(|r| r.text.render(lang()));
        view! {
            <button class=class disabled=!state.allows(action) title=why data-action=format!("{action:?}").to_lowercase()
                aria-label=move || format!("{} · {}", t(label), subject.get_value())
                on:click=move |_| match action {
                    InstanceAction::Adjust => ops.adjust.set(Some(id.get_value())),
                    _ => ask(action, label, question),
                }>
                {move || t(label)}
            </button>
        }
    };
    view! {
        {button(InstanceAction::Adjust, "inst.adjust", "", "small")}
        {button(InstanceAction::Suspend, "inst.suspend", "inst.confirm_suspend", "small")}
        {button(InstanceAction::Resume, "inst.resume", "inst.confirm_resume", "small")}
        {button(InstanceAction::Terminate, "inst.terminate", "inst.confirm_terminate", "small danger")}
    }
}

/// 调整 Adjust: choose the active activities to move and the activity to continue at; the
/// consequences (a join left waiting, …) are shown before saving.
#[component]
fn AdjustDialog(id: String) -> impl IntoView {
    let say = crate::use_say();
    let lang = crate::use_lang();
    let t = use_t();
    let flash = use_flash();
    let ops = expect_context::<InstanceOps>();
    let id = StoredValue::new(id);
    let options = crate::api::resource(move || id.get_value(), load_move_options);
    let from = RwSignal::new(Vec::<String>::new());
    let to = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let warnings = crate::api::resource(
        move || (from.get(), to.get()),
        move |(from, to)| async move {
            if from.is_empty() || to.is_empty() {
                Ok(Vec::new())
            } else {
                check_instance_move(id.get_value(), from, to).await
            }
        },
    );
    let close = move || ops.adjust.set(None);
    let save = move |_| {
        let Some(Ok(o)) = options.get_untracked() else { return };
        leptos::task::spawn_local(async move {
            let result = move_instance(
                id.get_value(),
                from.get_untracked(),
                to.get_untracked(),
                reason.get_untracked(),
                o.revision,
            )
            .await;
            match &result {
                Ok(row) => {
                    flash.report(&format!("{} · {}", t("inst.adjust"), row.definition_name), &result);
                    close();
                    ops.done.run(());
                }
                Err(e) => error.set(Some(e.clone())),
            }
        });
    };
    view! {
        <Modal title=Signal::derive(move || t("inst.adjust_title").to_string()) on_close=close testid="adjust-dialog">
            {loaded(options, move |o| {
                if o.active.is_empty() {
                    return view! { <p class="muted">{t("inst.adjust_none")}</p> }.into_any();
                }
                view! {
                    <fieldset class="field">
                        <legend>{t("inst.adjust_from")}</legend>
                        {o.active.into_iter().map(|a| {
                            let aid = a.activity_id.clone();
                            let checked_id = a.activity_id.clone();
                            let tokens = if a.tokens > 1 { format!(" ×{}", a.tokens) } else { String::new() };
                            view! {
                                <label class="check">
                                    <input type="checkbox" value=a.activity_id.clone()
                                        prop:checked=move || from.with(|f| f.contains(&checked_id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            from.update(|f| {
                                                f.retain(|x| *x != aid);
                                                if on {
                                                    f.push(aid.clone());
                                                }
                                            });
                                        } />
                                    {format!("{} ({}){tokens}", a.name, a.activity_id)}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <label class="field">
                        <span>{t("inst.adjust_to")}</span>
                        <select data-testid="adjust-target" on:change=move |ev| to.set(event_target_value(&ev))>
                            <option value="" selected=true>{t("inst.adjust_pick")}</option>
                            {o.targets.into_iter().map(|g| view! {
                                <option value=g.activity_id.clone()>{format!("{} ({})", g.name, g.activity_id)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                }.into_any()
            })}
            <Transition fallback=|| ()>
                {move || warnings.get().map(|r| match r {
                    Ok(ws) if ws.is_empty() => ().into_any(),
                    Ok(ws) => view! {
                        <div class="warn-panel panel" data-testid="adjust-warnings" role="alert">
                            <strong>{t("inst.adjust_warnings")}</strong>
                            <ul>{ws.into_iter().map(|w| view! { <li data-node=w.node_id>{w.message.render(lang())}</li> }).collect_view()}</ul>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="field-error" role="alert">{say(&e)}</p> }.into_any(),
                })}
            </Transition>
            <label class="field">
                <span>{move || t("op.reason")}</span>
                <textarea rows="2" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
            </label>
            {move || error.get().map(|m| view! { <p class="field-error" role="alert">{say(&m)}</p> })}
            <div class="buttons">
                <button class="primary" data-testid="adjust-save"
                    disabled=move || from.with(Vec::is_empty) || to.with(String::is_empty) on:click=save>
                    {move || t("common.save")}
                </button>
                <button on:click=move |_| close()>{move || t("common.cancel")}</button>
            </div>
        </Modal>
    }
}
