//! Instances and tasks at run time: start, the lists (with entity tags for cheap polling),
//! one instance or task, and the administrator operations. Times are ISO 8601 UTC strings,
//! like `deployedAt` of the definitions.

use app::ssr::CurrentSession;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use bpmn_core::time::iso8601;
use engine::instances::{
    ActiveActivity, ActivityRecord, Incident, InstanceCategory, InstanceDetail, InstanceJob, InstanceQuery,
    InstanceSort, InstanceStatus, InstanceSummary, MoveTarget, Operation, StartRequest, Task, TaskCategory, TaskQuery,
    TaskState,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ApiError, ApiJson, ApiQuery, ApiResult, Polled};
use crate::AppState;

/// The runtime routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/process-definitions/key/{key}/start", post(start_instance))
        .route("/api/v1/process-instances", get(list_instances))
        .route("/api/v1/process-instances/{id}", get(get_instance))
        .route("/api/v1/process-instances/{id}/diagram.svg", get(instance_svg))
        .route("/api/v1/process-instances/{id}/suspend", post(suspend_instance))
        .route("/api/v1/process-instances/{id}/resume", post(resume_instance))
        .route("/api/v1/process-instances/{id}/terminate", post(terminate_instance))
        .route("/api/v1/process-instances/{id}/move", post(move_instance))
        .route("/api/v1/tasks", get(list_tasks))
        .route("/api/v1/tasks/{id}", get(get_task).delete(delete_task))
        .route("/api/v1/tasks/{id}/complete", post(complete_task))
        .route("/api/v1/tasks/{id}/assignee", post(reassign_task))
        .route("/api/v1/tasks/{id}/withdraw", post(withdraw_task))
}

fn iso(ms: Option<i64>) -> Option<String> {
    ms.map(iso8601)
}

/// An instance as API clients see it (lists and operations).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiInstance {
    id: String,
    definition_id: String,
    definition_key: String,
    definition_name: String,
    version: i64,
    tenant: String,
    business_key: Option<String>,
    initiator: Option<String>,
    state: InstanceStatus,
    start_time: String,
    end_time: Option<String>,
    active_activity_ids: Vec<String>,
    /// Names of the active activities, in the order of `activeActivityIds`.
    current_activities: Vec<String>,
    open_incidents: i64,
    parent_instance_id: Option<String>,
    revision: i64,
}

impl From<InstanceSummary> for ApiInstance {
    fn from(i: InstanceSummary) -> Self {
        ApiInstance {
            start_time: iso8601(i.start_time),
            end_time: iso(i.end_time),
            id: i.id,
            definition_id: i.definition_id,
            definition_key: i.definition_key,
            definition_name: i.definition_name,
            version: i.version,
            tenant: i.tenant_id,
            business_key: i.business_key,
            initiator: i.initiator,
            state: i.state,
            active_activity_ids: i.active_activity_ids,
            current_activities: i.current_activities,
            open_incidents: i.open_incidents,
            parent_instance_id: i.parent_instance_id,
            revision: i.revision,
        }
    }
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiIncident {
    id: String,
    activity_id: String,
    message: String,
    created: String,
    resolved: Option<String>,
}

impl From<Incident> for ApiIncident {
    fn from(i: Incident) -> Self {
        ApiIncident {
            created: iso8601(i.created),
            resolved: iso(i.resolved),
            id: i.id,
            activity_id: i.activity_id,
            message: i.message,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiActivity {
    activity_id: String,
    activity_name: String,
    activity_type: String,
    start_time: String,
    end_time: Option<String>,
    outcome: Option<String>,
    actor: Option<String>,
    task_id: Option<String>,
}

impl From<ActivityRecord> for ApiActivity {
    fn from(a: ActivityRecord) -> Self {
        ApiActivity {
            start_time: iso8601(a.start_time),
            end_time: iso(a.end_time),
            activity_id: a.activity_id,
            activity_name: a.activity_name,
            activity_type: a.activity_type,
            outcome: a.outcome,
            actor: a.actor,
            task_id: a.task_id,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiOperation {
    at: String,
    actor: String,
    operation: String,
    detail: String,
    reason: String,
}

impl From<Operation> for ApiOperation {
    fn from(o: Operation) -> Self {
        ApiOperation { at: iso8601(o.at), actor: o.actor, operation: o.operation, detail: o.detail, reason: o.reason }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiJob {
    id: String,
    name: String,
    activity_id: String,
    kind: String,
    due: String,
    retries: i64,
    state: String,
    error: Option<String>,
}

impl From<InstanceJob> for ApiJob {
    fn from(j: InstanceJob) -> Self {
        ApiJob {
            due: iso8601(j.due),
            id: j.id,
            name: j.name,
            activity_id: j.activity_id,
            kind: j.kind,
            retries: j.retries,
            state: j.state,
            error: j.error,
        }
    }
}

/// One instance with its variables and what the console's detail screen shows.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiInstanceDetail {
    #[serde(flatten)]
    instance: ApiInstance,
    variables: Map<String, Value>,
    incidents: Vec<ApiIncident>,
    tasks: Vec<ApiTask>,
    history: Vec<ApiActivity>,
    operations: Vec<ApiOperation>,
    jobs: Vec<ApiJob>,
    /// The activities tokens wait in, with their token counts: what `move` can take `from`.
    active: Vec<ActiveActivity>,
    /// Where `move` can take tokens `to`.
    move_targets: Vec<MoveTarget>,
    children: Vec<ApiInstance>,
}

impl From<InstanceDetail> for ApiInstanceDetail {
    fn from(d: InstanceDetail) -> Self {
        fn all<A, B: From<A>>(v: Vec<A>) -> Vec<B> {
            v.into_iter().map(B::from).collect()
        }
        ApiInstanceDetail {
            instance: d.summary.into(),
            variables: d.variables,
            incidents: all(d.incidents),
            tasks: all(d.tasks),
            history: all(d.history),
            operations: all(d.operations),
            jobs: all(d.jobs),
            active: d.active,
            move_targets: d.move_targets,
            children: all(d.children),
        }
    }
}

/// `variables` of a request body: absent or `null` is none; anything but an object is refused.
fn variables(v: Option<Value>) -> ApiResult<Map<String, Value>> {
    match v {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(other) => Err(ApiError::invalid(format!(
            "`variables` must be a JSON object of names and values, e.g. {{\"amount\": 1200}}, not {}.",
            match other {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                _ => "a boolean",
            }
        ))),
    }
}

/// Body of `POST /process-definitions/key/{key}/start`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartBody {
    business_key: Option<String>,
    initiator: Option<String>,
    variables: Option<Value>,
    tenant: Option<String>,
}

#[derive(Debug, Deserialize)]
struct StartParams {
    version: Option<i64>,
}

/// A start's answer: the instance, and the user tasks the start opened.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiStarted {
    #[serde(flatten)]
    instance: ApiInstance,
    /// Ids of the user tasks the start created (a called child's included).
    created_tasks: Vec<String>,
}

/// `POST /api/v1/process-definitions/key/{key}/start[?version=N]`: 201 with the instance and
/// the tasks it opened.
async fn start_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(key): Path<String>,
    ApiQuery(p): ApiQuery<StartParams>,
    ApiJson(body): ApiJson<StartBody>,
) -> ApiResult<Response> {
    let req = StartRequest {
        tenant: body.tenant.filter(|t| !t.trim().is_empty()),
        business_key: body.business_key,
        initiator: body.initiator,
        variables: variables(body.variables)?,
    };
    let started = state.engine.start_instance_with_tasks(&who.session.account, &key, p.version, req).await?;
    let location = format!("/api/v1/process-instances/{}", started.instance.id);
    let body = ApiStarted { instance: started.instance.into(), created_tasks: started.created_tasks };
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(body)).into_response())
}

/// A time filter: epoch milliseconds or an ISO 8601 date / date-time; empty is none.
fn time_param(name: &str, value: Option<String>) -> ApiResult<Option<i64>> {
    let Some(text) = value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(Some(ms));
    }
    engine::schedule::parse_datetime(&text)
        .map(Some)
        .map_err(|e| ApiError::invalid(format!("`{name}`: {e}; epoch milliseconds are accepted too.")))
}

fn limit(l: Option<i64>) -> i64 {
    l.unwrap_or(50).clamp(1, 500)
}

/// Query of `GET /process-instances`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InstanceParams {
    category: Option<InstanceCategory>,
    definition_name: Option<String>,
    definition_id: Option<String>,
    initiator: Option<String>,
    started_after: Option<String>,
    started_before: Option<String>,
    sort: Option<InstanceSort>,
    tenant: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/process-instances`: a page of instances, `304` when unchanged.
async fn list_instances(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    ApiQuery(p): ApiQuery<InstanceParams>,
) -> ApiResult<Response> {
    let query = InstanceQuery {
        tenant: p.tenant.filter(|t| !t.is_empty()),
        category: p.category.unwrap_or_default(),
        definition_name: p.definition_name,
        initiator: p.initiator,
        definition_id: p.definition_id.filter(|d| !d.is_empty()),
        started_after: time_param("startedAfter", p.started_after)?,
        started_before: time_param("startedBefore", p.started_before)?,
        sort: p.sort.unwrap_or_default(),
        cursor: p.cursor.filter(|c| !c.is_empty()),
        limit: limit(p.limit),
    };
    let polled =
        Polled { state: &state, who: &who, headers: &headers, list: "instances", query: raw.as_deref(), extra: 0 };
    polled
        .answer(async {
            let page = state.engine.list_instances(&who.session.account, &query).await?;
            Ok((page.items.into_iter().map(ApiInstance::from).collect::<Vec<_>>(), page.next))
        })
        .await
}

/// `GET /api/v1/process-instances/{id}`: the instance with variables, tasks, history.
async fn get_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let detail = state.engine.instance(&who.session.account, &id).await?;
    Ok(Json(ApiInstanceDetail::from(detail)).into_response())
}

/// `GET /api/v1/process-instances/{id}/diagram.svg`: the diagram with the instance's state.
async fn instance_svg(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let svg = state.engine.instance_diagram_svg(&who.session.account, &id).await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg).into_response())
}

/// Body of suspend, resume and terminate: all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReasonBody {
    reason: Option<String>,
    /// Refuse (409 `changed_meanwhile`) unless the instance still has this revision.
    revision: Option<i64>,
}

/// `POST /api/v1/process-instances/{id}/suspend`.
async fn suspend_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<ApiInstance>> {
    let reason = b.reason.unwrap_or_default();
    let inst = state.engine.suspend_instance(&who.session.account, &id, &reason, b.revision).await?;
    Ok(Json(inst.into()))
}

/// `POST /api/v1/process-instances/{id}/resume`.
async fn resume_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<ApiInstance>> {
    let reason = b.reason.unwrap_or_default();
    let inst = state.engine.resume_instance(&who.session.account, &id, &reason, b.revision).await?;
    Ok(Json(inst.into()))
}

/// `POST /api/v1/process-instances/{id}/terminate`.
async fn terminate_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<ApiInstance>> {
    let reason = b.reason.unwrap_or_default();
    let inst = state.engine.terminate_instance(&who.session.account, &id, &reason, b.revision).await?;
    Ok(Json(inst.into()))
}

/// Body of `move`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoveBody {
    from: Vec<String>,
    to: Option<String>,
    reason: Option<String>,
    revision: Option<i64>,
}

/// `POST /api/v1/process-instances/{id}/move`: the tokens of `from` go to `to` (调整).
async fn move_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MoveBody>,
) -> ApiResult<Json<ApiInstance>> {
    let to = b.to.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        ApiError::invalid("Say where the tokens go: `to` is the id of an activity (see `moveTargets` of the instance).")
    })?;
    let reason = b.reason.unwrap_or_default();
    let inst = state.engine.move_instance(&who.session.account, &id, &b.from, &to, &reason, b.revision).await?;
    Ok(Json(inst.into()))
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
            Ok((page.items.into_iter().map(ApiTask::from).collect::<Vec<_>>(), page.next))
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
    let assignee = b.assignee.filter(|a| !a.trim().is_empty()).ok_or_else(|| {
        ApiError::invalid("Say who takes the task over: `assignee` is the id of a person of the organisation.")
    })?;
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
