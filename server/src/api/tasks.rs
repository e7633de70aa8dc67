//! User tasks: the list (with entity tags for cheap polling), one task, and what may be
//! done to it (complete, reassign, withdraw, delete). Times are ISO 8601 UTC strings.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use bpmn_core::time::iso8601;
use engine::error::Text;
use engine::identity::CurrentSession;
use engine::instances::{InstanceStatus, Task, TaskCategory, TaskOrder, TaskQuery, TaskState};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{iso, limit, variables, ApiError, ApiJson, ApiQuery, ApiResult, Polled};
use crate::AppState;

/// The routes of tasks.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tasks", get(list_tasks))
        .route("/api/v1/tasks/{id}", get(get_task).delete(delete_task))
        .route("/api/v1/tasks/{id}/complete", post(complete_task))
        .route("/api/v1/tasks/{id}/assignee", post(reassign_task))
        .route("/api/v1/tasks/{id}/withdraw", post(withdraw_task))
}

/// A task as API clients see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiTask {
    id: String,
    name: String,
    activity_id: String,
    instance_id: String,
    definition_name: String,
    tenant: String,
    assignee: Option<String>,
    assignee_name: Option<String>,
    candidate_users: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    candidate_user_names: Vec<Option<String>>,
    candidate_groups: Vec<String>,
    priority: i64,
    form_key: Option<String>,
    state: TaskState,
    created: String,
    due: Option<String>,
    end_time: Option<String>,
    end_reason: Option<String>,
    completed_by: Option<String>,
    overdue: bool,
    instance_state: InstanceStatus,
    revision: i64,
}

impl From<Task> for ApiTask {
    fn from(t: Task) -> Self {
        ApiTask {
            created: iso8601(t.created),
            due: iso(t.due),
            end_time: iso(t.end_time),
            id: t.id,
            name: t.name,
            activity_id: t.activity_id,
            instance_id: t.instance_id,
            definition_name: t.definition_name,
            tenant: t.tenant_id,
            assignee: t.assignee,
            assignee_name: t.assignee_name,
            candidate_users: t.candidate_users,
            candidate_user_names: t.candidate_user_names,
            candidate_groups: t.candidate_groups,
            priority: t.priority,
            form_key: t.form_key,
            state: t.state,
            end_reason: t.end_reason,
            completed_by: t.completed_by,
            overdue: t.overdue,
            instance_state: t.instance_state,
            revision: t.revision,
        }
    }
}

/// Query of `GET /tasks`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaskParams {
    category: Option<TaskCategory>,
    search: Option<String>,
    name: Option<String>,
    assignee: Option<String>,
    instance_id: Option<String>,
    sort: Option<TaskOrder>,
    tenant: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/tasks`: a page of tasks, `304` when unchanged.
async fn list_tasks(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    ApiQuery(p): ApiQuery<TaskParams>,
) -> ApiResult<Response> {
    let query = TaskQuery {
        tenant: p.tenant.filter(|t| !t.is_empty()),
        category: p.category.unwrap_or_default(),
        search: p.search,
        name: p.name,
        assignee: p.assignee,
        instance_id: p.instance_id.filter(|i| !i.is_empty()),
        sort: p.sort.unwrap_or_default(),
        cursor: p.cursor.filter(|c| !c.is_empty()),
        limit: limit(p.limit),
    };
    // Tasks become overdue by the passing of time alone: the tag changes every minute.
    let minute = state.engine.clock().now().div_euclid(60_000);
    let polled =
        Polled { state: &state, who: &who, headers: &headers, list: "tasks", query: raw.as_deref(), extra: minute };
    polled
        .answer(async {
            let page = state.engine.list_tasks(&who.session.account, &query).await?;
            Ok(bpmn_core::page::Page {
                items: page.items.into_iter().map(ApiTask::from).collect(),
                next: page.next,
                total: page.total,
            })
        })
        .await
}

/// `GET /api/v1/tasks/{id}`.
async fn get_task(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> ApiResult<Json<ApiTask>> {
    Ok(Json(state.engine.task(&who.session.account, &id).await?.into()))
}

/// Body of `complete`.
#[derive(Debug, Default, Deserialize)]
struct CompleteBody {
    variables: Option<Value>,
}

/// `POST /api/v1/tasks/{id}/complete`: 204.
async fn complete_task(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CompleteBody>,
) -> ApiResult<StatusCode> {
    let vars = variables(b.variables)?;
    state.engine.complete_task(&who.session.account, &id, vars).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `assignee`.
#[derive(Debug, Default, Deserialize)]
struct AssigneeBody {
    assignee: Option<String>,
    reason: Option<String>,
}

/// `POST /api/v1/tasks/{id}/assignee`: reassign (改派) to a person of the organisation.
async fn reassign_task(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AssigneeBody>,
) -> ApiResult<Json<ApiTask>> {
    let assignee = b
        .assignee
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| ApiError::invalid(Text::new("req.api.assignee_missing")))?;
    let reason = b.reason.unwrap_or_default();
    Ok(Json(state.engine.reassign_task(&who.session.account, &id, &assignee, &reason).await?.into()))
}

/// Body of `withdraw`.
#[derive(Debug, Default, Deserialize)]
struct WithdrawBody {
    reason: Option<String>,
}

/// `POST /api/v1/tasks/{id}/withdraw`: takes a completed task back (撤回); 200 with the
/// re-created task.
async fn withdraw_task(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<WithdrawBody>,
) -> ApiResult<Json<ApiTask>> {
    let reason = b.reason.unwrap_or_default();
    Ok(Json(state.engine.withdraw_task(&who.session.account, &id, &reason).await?.into()))
}

/// `DELETE /api/v1/tasks/{id}`: 204.
async fn delete_task(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.engine.delete_task(&who.session.account, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
