//! `/engine-rest` endpoints: user tasks. The query (`GET /task` with parameters, `POST /task`
//! with the same filters in a body, and their `/count`), one task, what may be done to it
//! (complete, claim, unclaim, set the assignee, delegate, resolve) and the variables it sees.
//! Only active tasks are runtime tasks here, as in Camunda; ended ones are in
//! `/history/task`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use engine::identity::CurrentSession;
use engine::instances::{Assignment, InstanceStatus, TaskFilter, TaskRecord, TaskSort, TaskState};
use engine::EngineError;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::filters::{count, list, sorting, window, List, SortParam};
use super::types::{camunda_date, camunda_date_opt, typed, typed_map, untyped_map};
use super::{RestError, RestJson, RestQuery, RestResult};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/task", get(list_tasks).post(query_tasks))
        .route("/task/count", get(count_tasks).post(query_count_tasks))
        .route("/task/{id}", get(get_task))
        .route("/task/{id}/complete", post(complete))
        .route("/task/{id}/claim", post(claim))
        .route("/task/{id}/unclaim", post(unclaim))
        .route("/task/{id}/assignee", post(set_assignee))
        .route("/task/{id}/delegate", post(delegate))
        .route("/task/{id}/resolve", post(resolve))
        .route("/task/{id}/variables", get(variables))
        .route("/task/{id}/variables/{name}", get(variable))
        .route("/task/{id}/form-variables", get(form_variables))
}

/// Camunda's `TaskDto`.
pub(super) fn task_dto(r: &TaskRecord) -> Value {
    let t = &r.task;
    json!({
        "id": t.id,
        "name": t.name,
        "assignee": t.assignee,
        "owner": r.owner,
        "created": camunda_date(t.created),
        "lastUpdated": null,
        "due": camunda_date_opt(t.due),
        "followUp": null,
        "delegationState": r.delegation_state,
        "description": null,
        "executionId": t.instance_id,
        "parentTaskId": null,
        "priority": t.priority,
        "processDefinitionId": r.definition_id,
        "processInstanceId": t.instance_id,
        "caseExecutionId": null,
        "caseDefinitionId": null,
        "caseInstanceId": null,
        "taskDefinitionKey": t.activity_id,
        "suspended": t.instance_state == InstanceStatus::Suspended,
        "formKey": t.form_key,
        "camundaFormRef": null,
        "tenantId": t.tenant_id,
    })
}

/// The filters of the task query, from a query string or a body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct TaskParams {
    task_id: Option<String>,
    process_instance_id: Option<String>,
    process_instance_business_key: Option<String>,
    process_definition_id: Option<String>,
    process_definition_key: Option<String>,
    task_definition_key: Option<String>,
    name: Option<String>,
    name_like: Option<String>,
    assignee: Option<String>,
    assignee_like: Option<String>,
    owner: Option<String>,
    candidate_user: Option<String>,
    candidate_group: Option<String>,
    candidate_groups: Option<List>,
    include_assigned_tasks: Option<bool>,
    unassigned: Option<bool>,
    assigned: Option<bool>,
    delegation_state: Option<String>,
    active: Option<bool>,
    suspended: Option<bool>,
    priority: Option<i64>,
    tenant_id_in: Option<List>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    sorting: Option<Vec<SortParam>>,
    first_result: Option<i64>,
    max_results: Option<i64>,
}

/// Camunda's `sortBy` names of tasks.
const TASK_SORTS: &[(&str, TaskSort)] = &[
    ("id", TaskSort::Id),
    ("name", TaskSort::Name),
    ("nameCaseInsensitive", TaskSort::Name),
    ("created", TaskSort::Created),
    ("dueDate", TaskSort::Due),
    ("assignee", TaskSort::Assignee),
    ("priority", TaskSort::Priority),
    ("instanceId", TaskSort::InstanceId),
    ("processInstanceId", TaskSort::InstanceId),
    ("taskDefinitionKey", TaskSort::ActivityId),
    ("tenantId", TaskSort::TenantId),
];

impl TaskParams {
    /// The engine's filter of active tasks.
    fn filter(&self) -> RestResult<TaskFilter> {
        let mut groups = list(&self.candidate_groups);
        groups.extend(self.candidate_group.clone());
        let suspended = match (self.active, self.suspended) {
            (Some(true), _) => Some(false),
            (_, Some(true)) => Some(true),
            _ => None,
        };
        let assigned = match (self.assigned, self.unassigned) {
            (Some(true), _) => Some(true),
            (_, Some(true)) => Some(false),
            _ => None,
        };
        Ok(TaskFilter {
            tenant_ids: list(&self.tenant_id_in),
            task_id: self.task_id.clone(),
            instance_id: self.process_instance_id.clone(),
            business_key: self.process_instance_business_key.clone(),
            definition_id: self.process_definition_id.clone(),
            definition_key: self.process_definition_key.clone(),
            activity_id: self.task_definition_key.clone(),
            name: self.name.clone(),
            name_like: self.name_like.clone(),
            assignee: self.assignee.clone(),
            assignee_like: self.assignee_like.clone(),
            owner: self.owner.clone(),
            candidate_user: self.candidate_user.clone(),
            candidate_groups: groups,
            include_assigned: self.include_assigned_tasks.unwrap_or(false),
            assigned,
            delegation_state: self.delegation_state.clone(),
            suspended,
            finished: Some(false),
            priority: self.priority,
            sort: sorting(self.sort_by.as_deref(), self.sort_order.as_deref(), self.sorting.as_deref(), TASK_SORTS)?,
        })
    }
}

/// `firstResult` / `maxResults` of a `POST` query: always in the query string.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct PageParams {
    first_result: Option<i64>,
    max_results: Option<i64>,
}

async fn find(state: &AppState, who: &CurrentSession, p: &TaskParams, page: &PageParams) -> RestResult<Json<Value>> {
    let w = window(page.first_result.or(p.first_result), page.max_results.or(p.max_results));
    let tasks = state.engine.find_tasks(&who.session.account, &p.filter()?, w).await?;
    Ok(Json(Value::Array(tasks.iter().map(task_dto).collect())))
}

/// `GET /task`.
async fn list_tasks(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<TaskParams>,
) -> RestResult<Json<Value>> {
    find(&state, &who, &p, &PageParams::default()).await
}

/// `POST /task`: the filters in the body, the window in the query string.
async fn query_tasks(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(page): RestQuery<PageParams>,
    RestJson(p): RestJson<TaskParams>,
) -> RestResult<Json<Value>> {
    find(&state, &who, &p, &page).await
}

async fn counted(state: &AppState, who: &CurrentSession, p: &TaskParams) -> RestResult<Json<Value>> {
    Ok(Json(count(state.engine.count_tasks(&who.session.account, &p.filter()?).await?)))
}

/// `GET /task/count`.
async fn count_tasks(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<TaskParams>,
) -> RestResult<Json<Value>> {
    counted(&state, &who, &p).await
}

/// `POST /task/count`.
async fn query_count_tasks(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestJson(p): RestJson<TaskParams>,
) -> RestResult<Json<Value>> {
    counted(&state, &who, &p).await
}

/// The active task `id`, or 404 as Camunda answers for a task that is not (or no longer) a
/// runtime task.
async fn active_task(state: &AppState, who: &CurrentSession, id: &str) -> RestResult<TaskRecord> {
    let record = state.engine.task_record(&who.session.account, id).await?;
    if record.task.state != TaskState::Active {
        return Err(RestError::not_found(format!(
            "No matching task with id {id}: it has ended. Find it with GET /history/task?taskId={id}."
        )));
    }
    Ok(record)
}

/// `GET /task/{id}`.
async fn get_task(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<Json<Value>> {
    Ok(Json(task_dto(&active_task(&state, &who, &id).await?)))
}

/// Body of `complete`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CompleteBody {
    variables: Option<Map<String, Value>>,
    with_variables_in_return: bool,
}

/// `POST /task/{id}/complete`: 204, or 200 with the instance's variables after the completion
/// when `withVariablesInReturn`.
async fn complete(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(b): RestJson<CompleteBody>,
) -> RestResult<Response> {
    let vars = untyped_map(b.variables)?;
    let account = &who.session.account;
    state.engine.complete_task(account, &id, vars).await?;
    if !b.with_variables_in_return {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let instance_id = state.engine.task(account, &id).await?.instance_id;
    let detail = state.engine.instance(account, &instance_id).await?;
    Ok(Json(typed_map(&detail.variables)).into_response())
}

/// Body of `claim`, `assignee` and `delegate`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct UserBody {
    user_id: Option<String>,
}

impl UserBody {
    /// The user named, or a refusal that says what `what` needs.
    fn user(self, what: &str) -> RestResult<String> {
        self.user_id
            .filter(|u| !u.trim().is_empty())
            .map(|u| u.trim().to_owned())
            .ok_or_else(|| RestError::invalid(format!("Say who {what}: send {{\"userId\": \"<user id>\"}}.")))
    }
}

/// Runs `change` on task `id`: 204. A claim of a task another user holds is answered as
/// Camunda does, 500 `TaskAlreadyClaimedException`.
async fn assign(state: &AppState, who: &CurrentSession, id: &str, change: Assignment) -> RestResult<StatusCode> {
    let claim = matches!(change, Assignment::Claim(_));
    match state.engine.assign_task(&who.session.account, id, change).await {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(e @ EngineError::Conflict { reason: engine::error::ConflictReason::InUse, .. }) if claim => {
            Err(RestError::new(StatusCode::INTERNAL_SERVER_ERROR, "TaskAlreadyClaimedException", e.user_message()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /task/{id}/claim`.
async fn claim(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(b): RestJson<UserBody>,
) -> RestResult<StatusCode> {
    let user = b.user("claims the task")?;
    assign(&state, &who, &id, Assignment::Claim(user)).await
}

/// `POST /task/{id}/unclaim`.
async fn unclaim(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<StatusCode> {
    assign(&state, &who, &id, Assignment::Unclaim).await
}

/// `POST /task/{id}/assignee`: `{"userId": null}` leaves the task to nobody.
async fn set_assignee(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(b): RestJson<UserBody>,
) -> RestResult<StatusCode> {
    let user = b.user_id.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    assign(&state, &who, &id, Assignment::SetAssignee(user)).await
}

/// `POST /task/{id}/delegate`.
async fn delegate(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(b): RestJson<UserBody>,
) -> RestResult<StatusCode> {
    let user = b.user("the task is delegated to")?;
    assign(&state, &who, &id, Assignment::Delegate(user)).await
}

/// Body of `resolve`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ResolveBody {
    variables: Option<Map<String, Value>>,
}

/// `POST /task/{id}/resolve`: the delegate gives the task back to its owner.
async fn resolve(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(b): RestJson<ResolveBody>,
) -> RestResult<StatusCode> {
    if b.variables.is_some_and(|v| !v.is_empty()) {
        return Err(RestError::invalid(
            "Variables cannot be set when resolving a task here; resolve it, then send them with its completion.",
        ));
    }
    assign(&state, &who, &id, Assignment::Resolve).await
}

/// The variables active task `id` sees.
async fn visible(state: &AppState, who: &CurrentSession, id: &str) -> RestResult<Map<String, Value>> {
    active_task(state, who, id).await?;
    Ok(state.engine.task_variables(&who.session.account, id).await?)
}

/// `GET /task/{id}/variables`.
async fn variables(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<Json<Value>> {
    Ok(Json(typed_map(&visible(&state, &who, &id).await?)))
}

/// `GET /task/{id}/variables/{name}`.
async fn variable(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path((id, name)): Path<(String, String)>,
) -> RestResult<Json<Value>> {
    let vars = visible(&state, &who, &id).await?;
    let v = vars.get(&name).ok_or_else(|| {
        RestError::not_found(format!(
            "task variable with name {name} does not exist; GET /task/{id}/variables lists the task's variables."
        ))
    })?;
    Ok(Json(typed(v)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct FormParams {
    variable_names: Option<List>,
}

/// `GET /task/{id}/form-variables`: the variables the task's form starts from. Forms here
/// declare no fields, so these are the variables the task sees (only `variableNames` when
/// given).
async fn form_variables(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestQuery(p): RestQuery<FormParams>,
) -> RestResult<Json<Value>> {
    let mut vars = visible(&state, &who, &id).await?;
    let names = list(&p.variable_names);
    if !names.is_empty() {
        vars.retain(|k, _| names.contains(k));
    }
    Ok(Json(typed_map(&vars)))
}
