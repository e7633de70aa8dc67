//! 任务 Tasks: the user tasks of all processes with the quick categories 待办 / 逾期 / 已完成 /
//! 所有, search by task name and assignee, paging and live refresh; 改派 Reassign (pick a
//! person in the organisation tree), 撤回 Withdraw, 删除 Delete and 完成 Complete.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::load_org;
use crate::api::tasks::{
    complete_task, delete_task, list_tasks, reassign_task, task_state_label, withdraw_task, Task, TaskCategory,
    TaskOrder, TaskState,
};
use crate::clock::Time;
use crate::components::{
    kept_total, live_refresh, loaded, use_flash, Ask, AskDialog, Modal, Pager, SearchBox, SortHead, Tabs, TenantCell,
    TenantHead,
};
use crate::label::person_label;
use crate::pages::org::OrgTreeView;
use crate::url_state::{keep_in_url, UrlField};
use crate::use_t;
use bpmn_core::rules::task_action_refusal;
use bpmn_core::task::TaskAction;

/// The CSS class of a task's state (逾期 in red).
pub fn task_state_class(task: &Task) -> &'static str {
    match task.state {
        TaskState::Active if task.overdue => "task-state overdue",
        TaskState::Active => "task-state todo",
        TaskState::Completed => "task-state completed",
        TaskState::Cancelled => "task-state cancelled",
    }
}

/// Who a task is for, as every screen shows it (the task lists, the instance's tasks and its
/// history agree): whoever completed it once it is completed, else its assignee; by name with
/// the login as a hint when the organisation knows them (`王芳 (wangfang)`).
pub fn task_person(task: &Task) -> Option<String> {
    let named = |login: &str| {
        let name = task.assignee_name.as_deref().filter(|_| task.assignee.as_deref() == Some(login));
        person_label(login, name)
    };
    match (&task.completed_by, &task.assignee) {
        (Some(by), _) => Some(named(by)),
        (None, Some(a)) => Some(named(a)),
        _ => None,
    }
}

/// The tabs' words in the address (the first is the default).
const TASK_TABS: &[(TaskCategory, &str)] = &[
    (TaskCategory::Todo, "todo"),
    (TaskCategory::Overdue, "overdue"),
    (TaskCategory::Completed, "completed"),
    (TaskCategory::All, "all"),
];

/// The orders' words in the address (the first is the default).
const TASK_SORTS: &[(TaskOrder, &str)] = &[
    (TaskOrder::CreatedDesc, "newest"),
    (TaskOrder::CreatedAsc, "oldest"),
    (TaskOrder::DueAsc, "due"),
    (TaskOrder::DueDesc, "due-desc"),
    (TaskOrder::ProcessAsc, "process"),
    (TaskOrder::ProcessDesc, "process-desc"),
];

#[component]
pub fn TasksPage() -> impl IntoView {
    let t = use_t();
    let tab = RwSignal::new(TaskCategory::Todo);
    let applied = RwSignal::new(String::new());
    let sort = RwSignal::new(TaskOrder::default());
    let cursors = RwSignal::new(vec![None::<String>]);
    let size = RwSignal::new(crate::api::PAGE_SIZES[0].0);
    let list = crate::api::resource(
        move || (tab.get(), applied.get(), sort.get(), cursors.with(|c| c.last().cloned().flatten()), size.get()),
        |(tab, search, sort, cursor, size)| list_tasks(tab, search, sort, cursor, size),
    );
    let restart = move || cursors.set(vec![None]);
    let total = kept_total();
    keep_in_url(vec![
        UrlField::choice("tab", tab, TASK_TABS),
        UrlField::text("q", applied),
        UrlField::choice("sort", sort, TASK_SORTS),
        UrlField::page("after", cursors),
        UrlField::choice("size", size, crate::api::PAGE_SIZES),
    ]);
    live_refresh(
        move || list.try_get_untracked().flatten().and_then(Result::ok).map(|p| p.token),
        move || list.refetch(),
    );
    let ops = TaskOps {
        ask: RwSignal::new(None),
        reassign: RwSignal::new(None),
        complete: RwSignal::new(None),
        done: Callback::new(move |_| list.refetch()),
    };
    provide_context(ops);

    view! {
        <h1>{move || t("task.title")}</h1>
        <div class="toolbar">
            <Tabs tabs=vec![
                (TaskCategory::Todo, "task.tab.todo"),
                (TaskCategory::Overdue, "task.tab.overdue"),
                (TaskCategory::Completed, "task.tab.completed"),
                (TaskCategory::All, "task.tab.all"),
            ] selected=tab on_select=restart />
            <SearchBox testid="task-search" placeholder="task.search_ph" applied=applied on_search=move |_| restart() />
        </div>
        {loaded(list, move |page| {
            let total = total((tab.get_untracked(), applied.get_untracked(), sort.get_untracked()), page.total);
            let searched = !applied.with_untracked(|a| a.trim().is_empty());
            if page.items.is_empty() {
                return view! { <p class="muted" data-testid="task-empty">{t("task.empty")}</p> }.into_any();
            }
            view! {
                <div class="table-wrap"><table class="grid" data-testid="task-table">
                    <thead><tr>
                        <th>{move || t("task.name")}</th>
                        <TenantHead />
                        <SortHead label="task.process" sort=sort asc=TaskOrder::ProcessAsc desc=TaskOrder::ProcessDesc
                            testid="sort-process" on_change=restart />
                        <th>{move || t("task.assignee")}</th>
                        <SortHead label="common.created" sort=sort asc=TaskOrder::CreatedAsc desc=TaskOrder::CreatedDesc
                            desc_first=true testid="sort-created" on_change=restart />
                        <SortHead label="task.due" sort=sort asc=TaskOrder::DueAsc desc=TaskOrder::DueDesc
                            testid="sort-due" on_change=restart />
                        <th>{move || t("inst.state")}</th>
                        <th>{move || t("task.ended")}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        {page.items.into_iter().map(|row| view! { <TaskListRow row=row /> }).collect_view()}
                    </tbody>
                </table></div>
                <Pager cursors=cursors next=page.next size=size total=total searched=searched />
            }.into_any()
        })}
        <AskDialog ask=ops.ask />
        {move || ops.reassign.get().map(|task| view! { <ReassignDialog task=task /> })}
        {move || ops.complete.get().map(|task| view! { <CompleteDialog task=task /> })}
    }
}

/// The dialogs of the task operations and what to do after one succeeded.
#[derive(Clone, Copy)]
struct TaskOps {
    ask: RwSignal<Option<Ask>>,
    reassign: RwSignal<Option<Task>>,
    complete: RwSignal<Option<Task>>,
    done: Callback<()>,
}

#[component]
fn TaskListRow(row: Task) -> impl IntoView {
    let t = use_t();
    let flash = use_flash();
    let ops = expect_context::<TaskOps>();
    let label = task_state_label(&row);
    let class = task_state_class(&row);
    let task = StoredValue::new(row.clone());
    let id = StoredValue::new(row.id.clone());
    let name = StoredValue::new(row.name.clone());
    let assignee = match &row.assignee {
        Some(a) => person_label(a, row.assignee_name.as_deref()),
        None if !row.candidate_groups.is_empty() || !row.candidate_users.is_empty() => {
            let names = row.candidate_user_names.iter().map(Option::as_deref).chain(std::iter::repeat(None));
            let mut c: Vec<String> = row.candidate_users.iter().zip(names).map(|(l, n)| person_label(l, n)).collect();
            c.extend(row.candidate_groups.iter().cloned());
            format!("{}: {}", t("task.candidates"), c.join(", "))
        }
        None => t("task.unassigned").to_string(),
    };
    let withdraw = move |_: ()| {
        ops.ask.set(Some(Ask {
            title: format!("{} · {}", t("task.withdraw"), name.get_value()),
            message: t("task.confirm_withdraw").to_string(),
            reason: true,
            danger: None,
            on_ok: Callback::new(move |reason: String| {
                leptos::task::spawn_local(async move {
                    let result = withdraw_task(id.get_value(), reason).await;
                    flash.report(&format!("{} · {}", t("task.withdraw"), name.get_value()), &result);
                    ops.done.run(());
                });
            }),
        }))
    };
    let delete = move |_: ()| {
        ops.ask.set(Some(Ask::destructive(
            format!("{} · {}", t("common.delete"), name.get_value()),
            t("common.confirm_delete").to_string(),
            "common.delete",
            move || {
                leptos::task::spawn_local(async move {
                    let result = delete_task(id.get_value()).await;
                    flash.report(&format!("{} · {}", t("common.delete"), name.get_value()), &result);
                    if result.is_ok() {
                        ops.done.run(());
                    }
                });
            },
        )));
    };
    // When it ended and, for a completion, by whom.
    let by = row.completed_by.is_some().then(|| task_person(&row)).flatten();
    let ended =
        row.end_time.map(|at| view! { <Time at=at /> {by.map(|b| view! { " · " <span class="by">{b}</span> })} });
    let lang = crate::use_lang();
    // A button the task's state forbids is disabled and says why, in the engine's own words
    // (the same rule refuses it); its accessible name says which task it acts on.
    let button = move |action: TaskAction, label: &'static str, class: &'static str, run: Callback<()>| {
        let why = move || task.with_value(|t| task_action_refusal(t, action)).map(|r| r.text.render(lang()));
        let disabled = task.with_value(|t| task_action_refusal(t, action).is_some());
        view! {
            <button class=class disabled=disabled title=why aria-label=move || format!("{} · {}", t(label), name.get_value())
                data-action=format!("{action:?}").to_lowercase() on:click=move |_| run.run(())>
                {move || t(label)}
            </button>
        }
    };
    view! {
        <tr data-task=row.id.clone() data-instance=row.instance_id.clone()>
            <td>{row.name.clone()}</td>
            <TenantCell id=row.tenant_id.clone() />
            <td><A href=format!("/instances/{}", row.instance_id)>{row.definition_name.clone()}</A></td>
            <td data-testid="assignee">{assignee}</td>
            <td><Time at=row.created /></td>
            <td data-testid="due">{row.due.map(|at| view! { <Time at=at /> })}</td>
            <td><span class=class>{move || t(label)}</span></td>
            <td data-testid="ended">{ended}</td>
            <td class="actions">
                {button(TaskAction::Reassign, "task.reassign", "small", Callback::new(move |_| ops.reassign.set(Some(task.get_value()))))}
                {button(TaskAction::Withdraw, "task.withdraw", "small", Callback::new(withdraw))}
                {button(TaskAction::Complete, "task.complete", "small", Callback::new(move |_| ops.complete.set(Some(task.get_value()))))}
                {button(TaskAction::Delete, "common.delete", "small danger", Callback::new(delete))}
            </td>
        </tr>
    }
}

/// 改派 Reassign: expand the organisation tree of the task's tenant, pick a person, 保存 / 取消.
#[component]
fn ReassignDialog(task: Task) -> impl IntoView {
    let say = crate::use_say();
    let t = use_t();
    let flash = use_flash();
    let ops = expect_context::<TaskOps>();
    let org = crate::api::resource(
        {
            let tenant = task.tenant_id.clone();
            move || tenant.clone()
        },
        |tenant| load_org(Some(tenant)),
    );
    let picked = RwSignal::new(None::<String>);
    // The dialog opens before the organisation arrives; once it is there, focus goes to the
    // picker's first person (what the dialog is for), not to the reason below it.
    let picker = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(el)) = (org.get(), picker.get()) {
            crate::focus::to_tab_stop(&el);
        }
    });
    // The person picked, named as everywhere (the dialog is drawn in the browser only).
    let picked_label = move || {
        let login = picked.get()?;
        let tree = org.get().and_then(Result::ok);
        let name = tree.and_then(|t| t.people.into_iter().find(|p| p.id == login).map(|p| p.name));
        Some(person_label(&login, name.as_deref()))
    };
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let id = StoredValue::new(task.id.clone());
    let close = move || ops.reassign.set(None);
    let save = move |_| {
        let Some(person) = picked.get_untracked() else { return };
        leptos::task::spawn_local(async move {
            let result = reassign_task(id.get_value(), person, reason.get_untracked()).await;
            match &result {
                Ok(row) => {
                    let who = row.assignee_name.clone().or(row.assignee.clone()).unwrap_or_default();
                    flash.report(&format!("{} · {} → {who}", t("task.reassign"), row.name), &result);
                    close();
                    ops.done.run(());
                }
                Err(e) => error.set(Some(e.clone())),
            }
        });
    };
    let title = format!("{} · {}", t("task.reassign"), task.name);
    view! {
        <Modal title=title on_close=close testid="reassign-dialog">
            <p class="muted">{move || t("task.pick")}</p>
            <div class="picker" node_ref=picker>
                {loaded(org, move |tree| view! { <OrgTreeView tree=tree pick=picked /> })}
            </div>
            <p data-testid="picked">{move || t("task.picked")} ": " <strong>{picked_label}</strong></p>
            <label class="field">
                <span>{move || t("op.reason")}</span>
                <textarea rows="2" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
            </label>
            {move || error.get().map(|m| view! { <p class="field-error" role="alert">{say(&m)}</p> })}
            <div class="buttons">
                <button class="primary" disabled=move || picked.with(Option::is_none) on:click=save>{move || t("common.save")}</button>
                <button on:click=move |_| close()>{move || t("common.cancel")}</button>
            </div>
        </Modal>
    }
}

/// A task the completion opened, for the message: its name and its assignee.
fn next_label(task: &Task) -> String {
    match task.assignee_name.as_ref().or(task.assignee.as_ref()) {
        Some(who) => format!("{} ({who})", task.name),
        None => task.name.clone(),
    }
}

/// 完成 Complete a task with variables (JSON), for demonstrations and tests.
#[component]
fn CompleteDialog(task: Task) -> impl IntoView {
    let say = crate::use_say();
    let t = use_t();
    let flash = use_flash();
    let ops = expect_context::<TaskOps>();
    let variables = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let id = StoredValue::new(task.id.clone());
    let name = StoredValue::new(task.name.clone());
    let close = move || ops.complete.set(None);
    let save = move |_| {
        leptos::task::spawn_local(async move {
            let result = complete_task(id.get_value(), variables.get_untracked()).await;
            match &result {
                Ok(next) => {
                    let mut message = format!("{} · {}", t("task.complete"), name.get_value());
                    if !next.is_empty() {
                        let opened: Vec<String> = next.iter().map(next_label).collect();
                        message.push_str(&format!(" · {}: {}", t("task.next"), opened.join("、")));
                    }
                    flash.report(&message, &result);
                    close();
                    ops.done.run(());
                }
                Err(e) => error.set(Some(e.clone())),
            }
        });
    };
    let title = format!("{} · {}", t("task.complete"), task.name);
    view! {
        <Modal title=title on_close=close testid="complete-dialog">
            <label class="field">
                <span>{move || t("task.variables")}</span>
                <textarea rows="4" class="mono" placeholder="{\"approved\": true}" prop:value=variables
                    on:input=move |ev| variables.set(event_target_value(&ev))></textarea>
            </label>
            {move || error.get().map(|m| view! { <p class="field-error" role="alert">{say(&m)}</p> })}
            <div class="buttons">
                <button class="primary" on:click=save>{move || t("common.ok")}</button>
                <button on:click=move |_| close()>{move || t("common.cancel")}</button>
            </div>
        </Modal>
    }
}
