//! Server functions of the 任务 Tasks screen: the list, 完成 complete, 改派 reassign,
//! 撤回 withdraw and 删除 delete. The list polls the run-time change token
//! (`instances::runtime_changed`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::instances::convert;
use crate::error::AppError;

pub use bpmn_core::page::TaskOrder;
pub use bpmn_core::task::{Task, TaskCategory, TaskState};

/// The label key of a task's state: 待办, 逾期, 已完成, 已取消.
pub fn task_state_label(task: &Task) -> &'static str {
    match task.state {
        TaskState::Active if task.overdue => "task.tab.overdue",
        TaskState::Active => "task.tab.todo",
        TaskState::Completed => "task.tab.completed",
        TaskState::Cancelled => "task.cancelled",
    }
}

/// One page of tasks, its total (a first page only) and the change token read before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPage {
    pub items: Vec<Task>,
    pub next: Option<String>,
    pub total: Option<i64>,
    pub token: i64,
}

/// One page of tasks in `sort`'s order; `search` matches words of the task name or its assignee.
#[server(endpoint = "tasks", input = Json)]
pub async fn list_tasks(
    tab: TaskCategory,
    search: String,
    sort: TaskOrder,
    cursor: Option<String>,
    size: i64,
) -> Result<TaskPage, AppError> {
    use crate::ssr::{current, engine};
    use engine::instances::TaskQuery;
    let s = current()?;
    let e = engine()?;
    let q = TaskQuery {
        tenant: s.session.tenant_id.clone(),
        category: tab,
        search: convert::blank_to_none(Some(search)),
        sort,
        cursor: cursor.filter(|c| !c.is_empty()),
        limit: crate::api::page_limit(size),
        ..TaskQuery::default()
    };
    let token = e.runtime_change_token().await?;
    let page = e.list_tasks(&s.session.account, &q).await?;
    Ok(TaskPage { items: page.items, next: page.next, total: page.total, token })
}

/// 完成 Completes an active task; `variables` is a JSON object (or empty). The answer is the
/// tasks the completion opened that the caller may see.
#[server(endpoint = "task_complete", input = Json)]
pub async fn complete_task(id: String, variables: String) -> Result<Vec<Task>, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let variables = convert::variables_json(&variables)?;
    let engine = engine()?;
    let opened = engine.complete_task(&s.session.account, &id, variables).await?;
    let mut next = Vec::new();
    for task in opened {
        // The completion is committed: a task that cannot be read (another tenant's, or one
        // already gone) is only left out of the message.
        if let Ok(t) = engine.task(&s.session.account, &task).await {
            next.push(t);
        }
    }
    Ok(next)
}

/// 改派 Reassigns an active task to a person of its tenant's organisation.
#[server(endpoint = "task_reassign", input = Json)]
pub async fn reassign_task(id: String, assignee: String, reason: String) -> Result<Task, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.reassign_task(&s.session.account, &id, &assignee, &reason).await?)
}

/// 撤回 Withdraws a completed task; the answer is the task created again.
#[server(endpoint = "task_withdraw", input = Json)]
pub async fn withdraw_task(id: String, reason: String) -> Result<Task, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.withdraw_task(&s.session.account, &id, &reason).await?)
}

/// 删除 Deletes a task (refused for an active task of a live instance).
#[server(endpoint = "task_delete", input = Json)]
pub async fn delete_task(id: String) -> Result<(), AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.delete_task(&s.session.account, &id).await?)
}
