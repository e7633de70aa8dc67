//! One instance: state and attributes, the operations, the diagram with the executed path and
//! the current position, the 等待的事件 it waits for (message and signal subscriptions, each
//! deliverable by hand), the activity history, tasks, variables (editable, type-checked),
//! variable history, incidents (retry), jobs and the operations log.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::instances::{
    delete_variable, load_instance, retry_incident, runtime_changed, set_variable, InstanceView, VariableRow,
    VariableType,
};
use crate::api::jobs::{JobKind, JobState};
use crate::api::tasks::task_state_label;
use crate::clock::Time;
use crate::components::Ask;
use crate::components::{live_refresh, loaded, use_flash, Breadcrumb, TenantName};
use crate::i18n::{activity_type_key, operation_key};
use crate::label::{person_label, Label};
use crate::pages::definition::Diagram;
use crate::pages::events::{provide_event_ops, EventDialogs, SubscriptionHead, SubscriptionRow};
use crate::pages::instances::{provide_instance_ops, InstanceActions, InstanceDialogs, StateBadge};
use crate::pages::jobs::{provide_job_ops, JobActions, JobDialogs, JobErrorLink, JobStateBadge, Retries};
use crate::pages::tasks::{task_person, task_state_class};
use crate::url_state::{keep_in_url, UrlField};
use crate::use_t;

/// The tabs of the instance page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Overview,
    History,
    Tasks,
    Variables,
    Jobs,
    Events,
    Log,
}

/// Each tab's word in the address (the first is the default) and label.
const SECTIONS: &[(Section, &str)] = &[
    (Section::Overview, "overview"),
    (Section::History, "history"),
    (Section::Tasks, "tasks"),
    (Section::Variables, "variables"),
    (Section::Jobs, "jobs"),
    (Section::Events, "events"),
    (Section::Log, "log"),
];

impl Section {
    fn label(self) -> &'static str {
        match self {
            Section::Overview => "inst.tab.overview",
            Section::History => "inst.history",
            Section::Tasks => "inst.tasks",
            Section::Variables => "inst.variables",
            Section::Jobs => "inst.jobs",
            Section::Events => "inst.tab.events",
            Section::Log => "inst.operations",
        }
    }
}

/// The instance and the run-time change token read just before it: the page reloads itself
/// when the token moves, keeping the open tab.
async fn load_with_token(id: String) -> Result<(Option<i64>, InstanceView), AppError> {
    let token = runtime_changed().await.ok();
    Ok((token, load_instance(id).await?))
}

#[component]
pub fn InstanceDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let detail = crate::api::resource(id, load_with_token);
    let reload = Callback::new(move |_| detail.refetch());
    let section = RwSignal::new(Section::Overview);
    keep_in_url(vec![UrlField::choice("tab", section, SECTIONS)]);
    live_refresh(
        move || detail.try_get_untracked().flatten().and_then(Result::ok).and_then(|(t, _)| t),
        move || detail.refetch(),
    );
    provide_instance_ops(reload);
    provide_job_ops(reload);
    provide_event_ops(reload);
    view! {
        {loaded(detail, move |(_, d)| view! { <InstanceDetail d=d reload=reload section=section /> })}
        <InstanceDialogs />
        <JobDialogs />
        <EventDialogs />
    }
}

/// The console's word for a code (reactive to the language), else the code itself.
fn word(key: Option<&'static str>, code: String) -> impl IntoView {
    let t = use_t();
    move || key.map(|k| t(k).to_string()).unwrap_or_else(|| code.clone())
}

/// The label key of an activity's or task's outcome.
fn outcome_label(outcome: Option<&str>) -> &'static str {
    match outcome {
        None => "outcome.active",
        Some("completed") => "outcome.completed",
        Some("cancelled") => "outcome.cancelled",
        Some("moved") => "outcome.moved",
        Some("withdrawn") => "outcome.withdrawn",
        Some("terminated") => "outcome.terminated",
        Some(_) => "outcome.other",
    }
}

#[component]
fn InstanceDetail(d: InstanceView, reload: Callback<()>, section: RwSignal<Section>) -> impl IntoView {
    let t = use_t();
    let lang = crate::use_lang();
    let row = d.row.clone();
    let editable = !row.state.is_finished();
    let instance = StoredValue::new((row.id.clone(), row.revision));
    let open_incidents: Vec<_> = d.incidents.iter().filter(|i| i.resolved.is_none()).cloned().collect();
    let count = |s: Section| match s {
        Section::History => Some(d.history.len()),
        Section::Tasks => Some(d.tasks.len()),
        Section::Variables => Some(d.variables.len()),
        Section::Jobs => Some(d.jobs.len()),
        Section::Events => Some(d.subscriptions.len()),
        Section::Log => Some(d.operations.len()),
        Section::Overview => None,
    };
    let counts: Vec<(Section, Option<usize>)> = SECTIONS.iter().map(|(s, _)| (*s, count(*s))).collect();
    let children = d.children.clone();
    let data = StoredValue::new(d);
    view! {
        <Breadcrumb href="/instances" label="nav.instances" current=row.definition_name.clone() />
        <h1 data-testid="instance-title">
            {row.definition_name.clone()} " " <StateBadge state=row.state />
            " " <span class="muted mono small">{row.id.clone()}</span>
        </h1>
        <div class="toolbar"><InstanceActions row=row.clone() /></div>
        <dl class="facts" data-testid="instance-facts">
            <dt>{move || t("inst.definition")}</dt>
            <dd><A href=format!("/deployments/{}", row.definition_id)>{format!("{} v{}", row.definition_name, row.version)}</A>
                " " <span class="mono muted">{row.definition_key.clone()}</span></dd>
            <dt>{move || t("def.tenant")}</dt><dd><TenantName id=row.tenant_id.clone() /></dd>
            <dt>{move || t("inst.business_key")}</dt><dd>{row.business_key.clone().unwrap_or_default()}</dd>
            <dt>{move || t("inst.initiator")}</dt><dd data-testid="initiator">{row.initiator.as_deref().map(|l| person_label(l, row.initiator_name.as_deref()))}</dd>
            <dt>{move || t("inst.start")}</dt><dd><Time at=row.start_time /></dd>
            <dt>{move || t("inst.end")}</dt><dd>{row.end_time.map(|at| view! { <Time at=at /> })}</dd>
            <dt>{move || t("inst.current")}</dt><dd>{row.current_activities.join(", ")}</dd>
            {row.parent_instance_id.clone().map(|p| view! {
                <dt>{move || t("inst.parent")}</dt>
                <dd><A href=format!("/instances/{p}")>{p.clone()}</A></dd>
            })}
            {(!children.is_empty()).then(|| view! {
                <dt>{move || t("inst.children")}</dt>
                <dd>{children.iter().map(|c| view! {
                    <A href=format!("/instances/{}", c.id)>{format!("{} v{}", c.definition_name, c.version)}</A>
                    " " <StateBadge state=c.state /> " "
                }).collect_view()}</dd>
            })}
        </dl>
        {(!open_incidents.is_empty()).then(|| view! {
            <h2 class="incident-head">{move || t("inst.incidents")}</h2>
            <div class="table-wrap"><table class="grid" data-testid="instance-incidents">
                <thead><tr>
                    <th>{move || t("inst.incident_msg")}</th>
                    <th>{move || t("inst.activity")}</th>
                    <th>{move || t("common.created")}</th>
                    <th>{move || t("inst.resolved")}</th>
                    <th></th>
                </tr></thead>
                <tbody>
                    {data.with_value(|d| d.incidents.clone()).into_iter().map(|i| {
                        let open = i.resolved.is_none();
                        let incident = i.id.clone();
                        let text = i.text.clone();
                        view! {
                            <tr class:incident-open=open>
                                <td>{move || text.render(lang())}</td>
                                <td class="mono">{i.activity_id.clone()}</td>
                                <td><Time at=i.created /></td>
                                <td>{i.resolved.map(|at| view! { <Time at=at /> })}</td>
                                <td>{open.then(|| view! { <RetryButton instance=instance incident=incident.clone() reload=reload /> })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
        })}

        <div class="tabs section-tabs" role="tablist" aria-label=move || t("inst.sections")>
            {counts.into_iter().map(|(s, n)| view! {
                <button type="button" role="tab" class="tab" data-section=format!("{s:?}").to_lowercase()
                    aria-selected=move || (section.get() == s).to_string() on:click=move |_| section.set(s)>
                    {move || t(s.label())}
                    {n.filter(|n| *n > 0).map(|n| view! { <span class="count">{n}</span> })}
                </button>
            }).collect_view()}
        </div>
        <div class="section" role="tabpanel">
        {move || { let d = data.get_value(); match section.get() {
            Section::Overview => view! {
        <h2>{move || t("def.diagram")}</h2>
        <Diagram svg=d.svg.clone() />
        <ul class="legend" aria-label=move || t("def.legend")>
            {[("completed", "def.legend.completed"), ("active", "def.legend.active"), ("error", "def.legend.error"), ("stopped", "def.legend.stopped")]
                .into_iter()
                .map(|(state, label)| view! { <li><span class=format!("swatch swatch-{state}")></span>{move || t(label)}</li> })
                .collect_view()}
        </ul>

            }.into_any(),
            Section::Events => view! {
        {if d.subscriptions.is_empty() {
            view! { <p class="muted" data-testid="instance-events-empty">{move || t("ev.instance_empty")}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap"><table class="grid" data-testid="instance-events">
                    <SubscriptionHead across=false />
                    <tbody>
                        {d.subscriptions.into_iter().map(|sub| view! {
                            <SubscriptionRow sub=sub across=false actions=editable />
                        }).collect_view()}
                    </tbody>
                </table></div>
            }.into_any()
        }}

            }.into_any(),
            Section::History => view! {
        <div class="table-wrap"><table class="grid" data-testid="instance-history">
            <thead><tr>
                <th>{move || t("inst.activity")}</th>
                <th>{move || t("inst.type")}</th>
                <th>{move || t("inst.start")}</th>
                <th>{move || t("inst.end")}</th>
                <th>{move || t("inst.outcome")}</th>
                <th>{move || t("inst.actor")}</th>
            </tr></thead>
            <tbody>
                {let tasks = d.tasks.clone(); d.history.into_iter().map(move |h| {
                    let outcome = outcome_label(h.outcome.as_deref());
                    // A user task's row names the same person as the 任务 tab (one row per
                    // element of a multi-instance task, each with its own person).
                    let person = h
                        .task_id
                        .as_ref()
                        .and_then(|id| tasks.iter().find(|k| &k.id == id))
                        .and_then(task_person)
                        .or_else(|| h.actor.as_deref().map(|l| person_label(l, h.actor_name.as_deref())));
                    view! {
                        <tr data-activity=h.activity_id.clone()>
                            <td>{h.activity_name.clone()} " " <span class="mono muted">{h.activity_id.clone()}</span></td>
                            <td title=h.activity_type.clone()>{word(activity_type_key(&h.activity_type), h.activity_type.clone())}</td>
                            <td><Time at=h.start_time /></td>
                            <td>{h.end_time.map(|at| view! { <Time at=at /> })}</td>
                            <td>{move || t(outcome)}</td>
                            <td data-testid="person">{person.unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>

            }.into_any(),
            Section::Tasks => view! {
        {if d.tasks.is_empty() {
            view! { <p class="muted">{move || t("task.empty")}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap"><table class="grid" data-testid="instance-tasks">
                    <thead><tr>
                        <th>{move || t("task.name")}</th>
                        <th>{move || t("inst.actor")}</th>
                        <th>{move || t("common.created")}</th>
                        <th>{move || t("task.due")}</th>
                        <th>{move || t("inst.end")}</th>
                        <th>{move || t("inst.state")}</th>
                    </tr></thead>
                    <tbody>
                        {d.tasks.into_iter().map(|k| {
                            let label = task_state_label(&k);
                            let class = task_state_class(&k);
                            view! {
                                <tr data-task=k.id.clone()>
                                    <td>{k.name.clone()}</td>
                                    <td data-testid="person">{task_person(&k).unwrap_or_default()}</td>
                                    <td><Time at=k.created /></td>
                                    <td>{k.due.map(|at| view! { <Time at=at /> })}</td>
                                    <td>{k.end_time.map(|at| view! { <Time at=at /> })}</td>
                                    <td><span class=class>{move || t(label)}</span></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table></div>
            }.into_any()
        }}

            }.into_any(),
            Section::Variables => view! {
        <div class="table-wrap"><table class="grid variables" data-testid="instance-variables">
            <thead><tr>
                <th>{move || t("inst.var_name")}</th>
                <th>{move || t("inst.var_type")}</th>
                <th>{move || t("inst.var_value")}</th>
                <th></th>
            </tr></thead>
            <tbody>
                {d.variables.into_iter().map(|v| view! {
                    <VariableEditor instance=instance var=Some(v) editable=editable reload=reload />
                }).collect_view()}
                {editable.then(|| view! { <VariableEditor instance=instance var=None editable=true reload=reload /> })}
            </tbody>
        </table></div>

        {(!d.variable_history.is_empty()).then(|| view! {
            <h2>{move || t("inst.var_history")}</h2>
            <div class="table-wrap"><table class="grid" data-testid="variable-history">
                <thead><tr>
                    <th>{move || t("op.when")}</th>
                    <th>{move || t("inst.var_name")}</th>
                    <th>{move || t("inst.var_value")}</th>
                    <th>{move || t("op.who")}</th>
                </tr></thead>
                <tbody>
                    {d.variable_history.into_iter().map(|c| {
                        let removed = c.value.is_none();
                        view! {
                            <tr>
                                <td><Time at=c.at /></td>
                                <td class="mono">{c.name}</td>
                                <td class="mono">{c.value.unwrap_or_default()}
                                    {removed.then(|| view! { <span class="muted">{move || t("inst.var_removed")}</span> })}</td>
                                <td data-testid="actor">{person_label(&c.actor, c.actor_name.as_deref())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
        })}

            }.into_any(),
            Section::Jobs => view! {
        {if d.jobs.is_empty() { Some(view! { <p class="muted">{move || t("job.empty")}</p> }.into_any()) } else { None }}
        {(!d.jobs.is_empty()).then(|| view! {
            <div class="table-wrap"><table class="grid" data-testid="instance-jobs">
                <thead><tr>
                    <th>{move || t("common.name")}</th>
                    <th>{move || t("inst.type")}</th>
                    <th>{move || t("inst.activity")}</th>
                    <th>{move || t("task.due")}</th>
                    <th>{move || t("inst.retries")}</th>
                    <th>{move || t("inst.state")}</th>
                    <th>{move || t("job.last_error")}</th>
                    <th></th>
                </tr></thead>
                <tbody>
                    {d.jobs.into_iter().map(|j| {
                        let state = JobState::from_code(&j.state);
                        let kind = JobKind::from_code(&j.kind);
                        view! {
                            <tr data-job=j.id.clone() data-state=state.code()>
                                <td>{j.name.clone()}</td>
                                <td>{move || t(kind.label())}</td>
                                <td class="mono">{j.activity_id.clone()}</td>
                                <td><Time at=j.due /></td>
                                <td><Retries left=j.retries /></td>
                                <td><JobStateBadge state=state /></td>
                                <td><JobErrorLink id=j.id.clone() error=j.error_text.clone() /></td>
                                <td class="actions">{editable.then(|| view! {
                                    <JobActions id=j.id.clone() name=j.name.clone() state=state kind=kind />
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
        })}

            }.into_any(),
            Section::Log => view! {
        <div class="table-wrap"><table class="grid" data-testid="instance-operations">
            <thead><tr>
                <th>{move || t("op.when")}</th>
                <th>{move || t("op.who")}</th>
                <th>{move || t("op.what")}</th>
                <th>{move || t("op.why")}</th>
            </tr></thead>
            <tbody>
                {d.operations.into_iter().map(|o| {
                    let kind = o.operation.clone();
                    view! {
                        <tr data-operation=kind>
                            <td><Time at=o.at /></td>
                            <td data-testid="actor">{person_label(&o.actor, o.actor_name.as_deref())}</td>
                            <td><span title=o.operation.clone()>{word(operation_key(&o.operation), o.operation.clone())}</span> " " {o.detail}</td>
                            <td>{o.reason}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
            }.into_any(),
        }}}
        </div>

    }
}

/// One variable: type select and value, saved type-checked (the refusal shows in place), or
/// deleted; with `var: None` the row that adds a variable.
#[component]
fn VariableEditor(
    instance: StoredValue<(String, i64)>,
    var: Option<VariableRow>,
    editable: bool,
    reload: Callback<()>,
) -> impl IntoView {
    let ask = crate::components::use_ask();
    let say = crate::use_say();
    let t = use_t();
    let flash = use_flash();
    let is_new = var.is_none();
    let var = var.unwrap_or(VariableRow { name: String::new(), kind: VariableType::String, text: String::new() });
    let name = RwSignal::new(var.name.clone());
    let kind = RwSignal::new(var.kind);
    let text = RwSignal::new(var.text.clone());
    let error = RwSignal::new(None::<AppError>);
    let save = move |_| {
        let (id, revision) = instance.get_value();
        leptos::task::spawn_local(async move {
            let result =
                set_variable(id, name.get_untracked(), kind.get_untracked(), text.get_untracked(), revision).await;
            match &result {
                Ok(_) => {
                    flash.report(&format!("{} · {}", t("inst.variables"), name.get_untracked()), &result);
                    reload.run(());
                }
                Err(e) => error.set(Some(e.clone())),
            }
        });
    };
    let delete = move |_| {
        let title = format!("{} · {}", t("common.delete"), name.get_untracked());
        ask.set(Some(Ask::destructive(
            title,
            t("inst.confirm_delete_variable").to_string(),
            "common.delete",
            move || {
                let (id, revision) = instance.get_value();
                leptos::task::spawn_local(async move {
                    let result = delete_variable(id, name.get_untracked(), revision).await;
                    flash.report(&format!("{} · {}", t("common.delete"), name.get_untracked()), &result);
                    if result.is_ok() {
                        reload.run(());
                    }
                });
            },
        )));
    };
    view! {
        <tr data-variable=var.name.clone() class:new-variable=is_new>
            <td class="mono">
                {if is_new {
                    view! {
                        <input data-testid="variable-name" placeholder=move || t("inst.var_add") aria-label=move || t("inst.var_name")
                            prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                    }.into_any()
                } else {
                    view! { <span>{var.name.clone()}</span> }.into_any()
                }}
            </td>
            <td>
                <select aria-label=move || t("inst.var_type") disabled=!editable
                    on:change=move |ev| kind.set(VariableType::from_code(&event_target_value(&ev)))>
                    {VariableType::ALL.into_iter().map(|k| view! {
                        <option value=k.code() selected=k == var.kind>{move || t(k.label())}</option>
                    }).collect_view()}
                </select>
            </td>
            <td>
                <input class="mono value" aria-label=move || t("inst.var_value") disabled=!editable
                    prop:value=text on:input=move |ev| { text.set(event_target_value(&ev)); error.set(None); } />
                {move || error.get().map(|m| view! { <span class="field-error" role="alert">{say(&m)}</span> })}
            </td>
            <td class="actions">
                {editable.then(|| view! {
                    <button class="small" on:click=save>{move || t(if is_new { "common.add" } else { "common.save" })}</button>
                })}
                {(editable && !is_new).then(|| view! {
                    <button class="small danger" on:click=delete>{move || t("common.delete")}</button>
                })}
            </td>
        </tr>
    }
}

#[component]
fn RetryButton(instance: StoredValue<(String, i64)>, incident: String, reload: Callback<()>) -> impl IntoView {
    let t = use_t();
    let flash = use_flash();
    let incident = StoredValue::new(incident);
    let retry = move |_| {
        let (id, _) = instance.get_value();
        leptos::task::spawn_local(async move {
            let result = retry_incident(id, incident.get_value()).await;
            flash.report(t("inst.retry"), &result);
            reload.run(());
        });
    };
    view! { <button class="small" on:click=retry>{move || t("inst.retry")}</button> }
}
