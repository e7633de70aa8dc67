//! 作业 Jobs: the asynchronous automatic work of all processes (timers, web-service calls,
//! asynchronous continuations, external tasks) with the categories 全部 / 外部任务 / 错误,
//! search by job name, paging and live refresh; the last error opens the full message and the
//! attempts log; 执行 Execute and 删除 Delete, which the instance detail's jobs table shares.
//! An external task (外部任务) shows its topic and, while a worker holds it, the worker and the
//! lock's end; its 执行 unlocks it and resets its retries. Below the list, the 定时启动 timer
//! start events: each starts an instance of its process when due.

use bpmn_core::job::JobAction;
use bpmn_core::rules::job_action_refusal;
use bpmn_core::text::Text;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::jobs::{
    delete_job, execute_job, list_jobs, list_start_timers, load_job, Job, JobCategory, JobKind, JobState, StartTimer,
};
use crate::clock::Time;
use crate::components::{
    kept_total, live_refresh, loaded, use_flash, Ask, AskDialog, Modal, Pager, SearchBox, SortHead, Tabs, TenantCell,
    TenantHead,
};
use crate::label::{Badge, Label};
use crate::url_state::{keep_in_url, UrlField};
use crate::{use_lang, use_t};

/// How many characters of the last error the list shows.
const ERROR_CHARS: usize = 60;

/// The first `ERROR_CHARS` characters of `text`, with "…" when cut.
pub fn truncate(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(ERROR_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// The tabs' words in the address (the first is the default).
const JOB_TABS: &[(JobCategory, &str)] =
    &[(JobCategory::All, "all"), (JobCategory::External, "external"), (JobCategory::Errors, "errors")];

#[component]
pub fn JobsPage() -> impl IntoView {
    let t = use_t();
    let tab = RwSignal::new(JobCategory::All);
    let applied = RwSignal::new(String::new());
    // The latest due first (else the soonest).
    let latest = RwSignal::new(false);
    let cursors = RwSignal::new(vec![None::<String>]);
    let size = RwSignal::new(crate::api::PAGE_SIZES[0].0);
    let list = crate::api::resource(
        move || (tab.get(), applied.get(), latest.get(), cursors.with(|c| c.last().cloned().flatten()), size.get()),
        |(tab, search, latest, cursor, size)| list_jobs(tab, search, latest, cursor, size),
    );
    let restart = move || cursors.set(vec![None]);
    let total = kept_total();
    keep_in_url(vec![
        UrlField::choice("tab", tab, JOB_TABS),
        UrlField::text("q", applied),
        UrlField::choice("sort", latest, &[(false, "due"), (true, "due-desc")]),
        UrlField::page("after", cursors),
        UrlField::choice("size", size, crate::api::PAGE_SIZES),
    ]);
    let timers = crate::api::resource(|| (), |_| list_start_timers());
    // A firing starts an instance, which moves the run-time change token the list polls, so
    // the 定时启动 list (next firing, count) follows the same refresh.
    live_refresh(
        move || list.try_get_untracked().flatten().and_then(Result::ok).map(|p| p.token),
        move || {
            list.refetch();
            timers.refetch();
        },
    );
    provide_job_ops(Callback::new(move |_| list.refetch()));

    view! {
        <h1>{move || t("job.title")}</h1>
        <div class="toolbar">
            <Tabs tabs=vec![
                    (JobCategory::All, "job.tab.all"),
                    (JobCategory::External, "job.tab.external"),
                    (JobCategory::Errors, "job.tab.errors"),
                ]
                selected=tab on_select=restart />
            <SearchBox testid="job-search" placeholder="job.search_ph" applied=applied on_search=move |_| restart() />
        </div>
        {loaded(list, move |page| {
            let total = total((tab.get_untracked(), applied.get_untracked()), page.total);
            let searched = !applied.with_untracked(|a| a.trim().is_empty());
            if page.items.is_empty() {
                return view! { <p class="muted" data-testid="job-empty">{t("job.empty")}</p> }.into_any();
            }
            view! {
                <div class="table-wrap"><table class="grid" data-testid="job-table">
                    <thead><tr>
                        <th>{move || t("job.name")}</th>
                        <TenantHead />
                        <th>{move || t("inst.type")}</th>
                        <th>{move || t("task.process")}</th>
                        <th>{move || t("job.instance")}</th>
                        <SortHead label="task.due" sort=latest asc=false desc=true testid="sort-due" on_change=restart />
                        <th>{move || t("inst.retries")}</th>
                        <th>{move || t("inst.state")}</th>
                        <th>{move || t("job.claim")}</th>
                        <th>{move || t("job.last_error")}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        {page.items.into_iter().map(|row| view! { <JobRowView row=row /> }).collect_view()}
                    </tbody>
                </table></div>
                <Pager cursors=cursors next=page.next size=size total=total searched=searched />
            }.into_any()
        })}
        <h2>{move || t("job.start_timers")}</h2>
        <p class="muted small">{move || t("job.start_timers_hint")}</p>
        {loaded(timers, move |rows| {
            if rows.is_empty() {
                return view! { <p class="muted" data-testid="start-timer-empty">{t("job.start_timers_empty")}</p> }
                    .into_any();
            }
            view! {
                <div class="table-wrap"><table class="grid" data-testid="start-timer-table">
                    <thead><tr>
                        <th>{move || t("job.name")}</th>
                        <th>{move || t("task.process")}</th>
                        <th>{move || t("job.kind.timer")}</th>
                        <th>{move || t("job.next_due")}</th>
                        <th>{move || t("job.fired")}</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|row| view! { <StartTimerRowView row=row /> }).collect_view()}
                    </tbody>
                </table></div>
            }.into_any()
        })}
        <JobDialogs />
    }
}

#[component]
fn StartTimerRowView(row: StartTimer) -> impl IntoView {
    let href = format!("/deployments/{}", row.definition_id);
    view! {
        <tr data-start-timer=row.id.clone()>
            <td>{row.name.clone()} " " <span class="mono muted small">{row.activity_id.clone()}</span></td>
            <td><A href=href>{row.process_name.clone()} " v" {row.version}</A></td>
            <td class="mono small">{row.definition.clone()}</td>
            <td><Time at=row.due /></td>
            <td>{row.fired}</td>
        </tr>
    }
}

#[component]
fn JobRowView(row: Job) -> impl IntoView {
    let t = use_t();
    let (kind, state) = (row.kind, row.state);
    let href = format!("/instances/{}", row.instance_id);
    let instance = row.instance_id.clone();
    view! {
        <tr data-job=row.id.clone() data-instance=row.instance_id.clone() data-state=state.code() data-kind=kind.code()>
            <td>{row.name.clone()} " " <span class="mono muted small">{row.activity_id.clone()}</span></td>
            <TenantCell id=row.tenant_id.clone() />
            <td>{move || t(kind.label())}
                {row.timer_definition.clone().map(|d| view! { " " <span class="mono muted small">{d}</span> })}
                <JobTopic topic=row.topic.clone() /></td>
            <td>{row.process_name.clone()}</td>
            <td><A href=href><span class="mono small">{instance}</span></A></td>
            <td><Time at=row.due /></td>
            <td><Retries left=row.retries /></td>
            <td><JobStateBadge state=state /></td>
            <td><JobClaim row=row.clone() /></td>
            <td><JobErrorLink id=row.id.clone() error=row.error_text.clone() /></td>
            <td class="actions"><JobActions id=row.id.clone() name=row.name.clone() state=state kind=kind /></td>
        </tr>
    }
}

/// An external task's topic, beside its kind.
#[component]
fn JobTopic(topic: Option<String>) -> impl IntoView {
    topic.map(|topic| view! { " " <span class="mono muted small" data-testid="job-topic">{topic}</span> })
}

/// Who holds a job: for an external task the worker whose lock lasts (see [`WorkerLock`]),
/// for another job the executor running it (see [`ExecutorClaim`]).
#[component]
fn JobClaim(row: Job) -> impl IntoView {
    if row.kind == JobKind::External {
        view! { <WorkerLock worker=row.worker until=row.lock_expires_at /> }.into_any()
    } else {
        view! { <ExecutorClaim row=row /> }.into_any()
    }
}

/// The worker holding an external task's lock and when the lock ends; nothing for a free
/// task.
#[component]
fn WorkerLock(worker: Option<String>, until: Option<i64>) -> impl IntoView {
    let t = use_t();
    worker.map(|worker| {
        view! {
            <span class="mono small" data-testid="job-worker" title=move || t("job.lock_hint")>{worker}</span>
            {until.map(|at| view! {
                " " <span class="muted small nowrap" data-testid="job-lock-until">
                    {move || t("job.lock_until")} " " <Time at=at seconds=true />
                </span>
            })}
        }
    })
}

/// A running job's claim: the executor holding it (`identity#incarnation`) and until when its
/// lease lasts; nothing for a job that is not running.
#[component]
fn ExecutorClaim(row: Job) -> impl IntoView {
    let t = use_t();
    let until = row.lock_expires_at;
    row.locked_by.filter(|_| row.state == JobState::Running).map(|owner| {
        view! {
            <span class="mono small" data-testid="job-claim" title=move || t("job.claim_hint")>{owner}</span>
            {until.map(|at| view! {
                " " <span class="muted small" data-testid="job-claim-until">
                    {move || t("job.claim_until")} " " <Time at=at seconds=true />
                </span>
            })}
        }
    })
}

/// 未执行 / 运行 / 错误 as a coloured badge.
#[component]
pub fn JobStateBadge(state: JobState) -> impl IntoView {
    let t = use_t();
    view! { <span class=state.class() data-testid="job-state">{move || t(state.label())}</span> }
}

/// Retries left; "—" for an external task that never failed (its worker decides how often
/// to retry), with the reason as a tooltip.
#[component]
pub fn Retries(left: Option<i64>) -> impl IntoView {
    let t = use_t();
    match left {
        Some(n) => view! { <span data-testid="job-retries">{n}</span> }.into_any(),
        None => view! {
            <span class="muted" data-testid="job-retries" title=move || t("job.retries_unset")>"—"</span>
        }
        .into_any(),
    }
}

/// The dialogs of the job operations and what to do after one succeeded. Provided by the
/// jobs list and the instance detail, used by [`JobActions`] and [`JobErrorLink`].
#[derive(Clone, Copy)]
pub struct JobOps {
    ask: RwSignal<Option<Ask>>,
    /// The job whose details are open.
    detail: RwSignal<Option<String>>,
    done: Callback<()>,
}

/// Provides the job operations; `done` runs after each successful one (reload).
pub fn provide_job_ops(done: Callback<()>) -> JobOps {
    let ops = JobOps { ask: RwSignal::new(None), detail: RwSignal::new(None), done };
    provide_context(ops);
    ops
}

/// The dialogs of the job operations (render once per page).
#[component]
pub fn JobDialogs() -> impl IntoView {
    let ops = expect_context::<JobOps>();
    view! {
        <AskDialog ask=ops.ask />
        {move || ops.detail.get().map(|id| view! { <JobDetailDialog id=id /> })}
    }
}

/// The last error in the reader's language, truncated; a click opens the full message,
/// details and attempts log.
#[component]
pub fn JobErrorLink(id: String, error: Option<Text>) -> impl IntoView {
    let ops = expect_context::<JobOps>();
    let lang = use_lang();
    let id = StoredValue::new(id);
    error.map(|e| {
        let e = StoredValue::new(e);
        view! {
            <button type="button" class="error-link" data-testid="job-error" title=move || e.with_value(|e| e.render(lang()))
                on:click=move |_| ops.detail.set(Some(id.get_value()))>
                {move || e.with_value(|e| truncate(&e.render(lang())))}
            </button>
        }
    })
}

/// 执行 (pending or failed jobs; any external task: it is unlocked and its retries reset) and
/// 删除 (after a confirmation).
#[component]
pub fn JobActions(id: String, name: String, state: JobState, kind: JobKind) -> impl IntoView {
    let t = use_t();
    let executed = if kind == JobKind::External { "job.executed_external" } else { "job.executed" };
    let flash = use_flash();
    let ops = expect_context::<JobOps>();
    let id = StoredValue::new(id);
    let name = StoredValue::new(name);
    let execute = move |_| {
        leptos::task::spawn_local(async move {
            let result = execute_job(id.get_value()).await;
            flash.report(&format!("{} · {}：{}", t("job.execute"), name.get_value(), t(executed)), &result);
            ops.done.run(());
        });
    };
    let delete = move |_| {
        ops.ask.set(Some(Ask {
            title: format!("{} · {}", t("common.delete"), name.get_value()),
            message: t("job.confirm_delete").to_string(),
            reason: false,
            danger: Some("common.delete"),
            on_ok: Callback::new(move |_| {
                leptos::task::spawn_local(async move {
                    let result = delete_job(id.get_value()).await;
                    flash.report(
                        &format!("{} · {}：{}", t("common.delete"), name.get_value(), t("job.deleted")),
                        &result,
                    );
                    ops.done.run(());
                });
            }),
        }))
    };
    let lang = crate::use_lang();
    let why =
        move || job_action_refusal(&name.get_value(), kind, state, JobAction::Execute).map(|r| r.text.render(lang()));
    view! {
        <button class="small" data-action="execute" disabled=move || why().is_some() title=why
            aria-label=move || format!("{} · {}", t("job.execute"), name.get_value()) on:click=execute>
            {move || t("job.execute")}
        </button>
        <button class="small danger" data-action="delete" on:click=delete
            aria-label=move || format!("{} · {}", t("common.delete"), name.get_value())>{move || t("common.delete")}</button>
    }
}

/// A job's full error message and details, its timer definition and the log of its attempts.
#[component]
fn JobDetailDialog(id: String) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let ops = expect_context::<JobOps>();
    let id = StoredValue::new(id);
    let job = crate::api::resource(move || id.get_value(), load_job);
    let close = move || ops.detail.set(None);
    view! {
        <Modal title=Signal::derive(move || t("job.detail").to_string()) on_close=close testid="job-dialog">
            {loaded(job, move |j| {
                let row = j.row;
                let kind: JobKind = row.kind;
                view! {
                    <dl class="facts">
                        <dt>{t("job.name")}</dt><dd>{row.name.clone()} " " <span class="mono muted">{row.activity_id.clone()}</span></dd>
                        <dt>{t("inst.type")}</dt><dd>{t(kind.label())}
                            {row.timer_definition.clone().map(|d| view! { " " <span class="mono">{d}</span> })}</dd>
                        {row.topic.clone().map(|topic| view! {
                            <dt>{t("job.topic")}</dt><dd class="mono" data-testid="job-topic">{topic}</dd>
                        })}
                        {row.worker.clone().map(|worker| view! {
                            <dt>{t("job.worker")}</dt>
                            <dd><WorkerLock worker=Some(worker) until=row.lock_expires_at /></dd>
                        })}
                        <dt>{t("inst.state")}</dt><dd><JobStateBadge state=row.state /></dd>
                        <dt>{t("inst.retries")}</dt><dd><Retries left=row.retries /></dd>
                        <dt>{t("job.attempts")}</dt><dd>{row.attempts}</dd>
                        {(kind != JobKind::External && row.state == JobState::Running && row.locked_by.is_some()).then(|| view! {
                            <dt>{t("job.claim")}</dt><dd><JobClaim row=row.clone() /></dd>
                        })}
                    </dl>
                    {row.error_text.clone().map(|e| view! {
                        <div class="field">
                            <strong>{t("job.error_message")}</strong>
                            <pre class="job-error" data-testid="job-error-message">{e.render(lang())}</pre>
                        </div>
                    })}
                    {row.error_details.clone().filter(|d| !d.is_empty()).map(|d| view! {
                        <details class="xml" open=true>
                            <summary>{t("job.error_details")}</summary>
                            <pre data-testid="job-error-details">{d}</pre>
                        </details>
                    })}
                    <strong>{t("job.attempts_log")}</strong>
                    {if j.attempts.is_empty() {
                        view! { <p class="muted">{t("job.no_attempts")}</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-wrap"><table class="grid" data-testid="job-attempts">
                                <thead><tr>
                                    <th>"#"</th>
                                    <th>{t("inst.start")}</th>
                                    <th>{t("job.outcome")}</th>
                                    <th>{t("job.message")}</th>
                                </tr></thead>
                                <tbody>
                                    {j.attempts.into_iter().map(|a| view! {
                                        <tr class:attempt-failed=!a.ok>
                                            <td>{a.attempt}</td>
                                            <td><Time at=a.started /></td>
                                            <td>{t(if a.ok { "job.ok" } else { "job.failed" })}</td>
                                            <td class="mono small">{a.text.render(lang())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        }.into_any()
                    }}
                }
            })}
            <div class="buttons">
                <button on:click=move |_| close()>{move || t("common.close")}</button>
            </div>
        </Modal>
    }
}
