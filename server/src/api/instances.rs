//! Instances at run time: start, the list (with entity tags for cheap polling), one instance
//! with its diagram, and the administrator operations (suspend, resume, terminate, move).
//! Times are ISO 8601 UTC strings, like `deployedAt` of the definitions.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use bpmn_core::instance::InstanceAction;
use bpmn_core::time::iso8601;
use engine::error::Text;
use engine::identity::CurrentSession;
use engine::instances::{
    ActiveActivity, ActivityRecord, Incident, InstanceCategory, InstanceDetail, InstanceJob, InstanceQuery,
    InstanceSort, InstanceStatus, InstanceSummary, MoveTarget, Operation, StartRequest,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::tasks::ApiTask;
use super::{iso, limit, variables, ApiError, ApiJson, ApiQuery, ApiResult, Polled};
use crate::AppState;

/// The routes of instances.
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
    retries: Option<i64>,
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
        .map_err(|e| ApiError::invalid(Text::new("req.api.time_param").with("name", name).with("error", e)))
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
            Ok(bpmn_core::page::Page {
                items: page.items.into_iter().map(ApiInstance::from).collect(),
                next: page.next,
                total: page.total,
            })
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

/// Suspends, resumes or terminates instance `id` with the body's reason and revision.
async fn operate(
    state: &AppState,
    who: &CurrentSession,
    id: &str,
    b: ReasonBody,
    action: InstanceAction,
) -> ApiResult<Json<ApiInstance>> {
    let (engine, caller, reason) = (&state.engine, &who.session.account, b.reason.unwrap_or_default());
    let inst = match action {
        InstanceAction::Suspend => engine.suspend_instance(caller, id, &reason, b.revision).await?,
        InstanceAction::Resume => engine.resume_instance(caller, id, &reason, b.revision).await?,
        InstanceAction::Terminate => engine.terminate_instance(caller, id, &reason, b.revision).await?,
        InstanceAction::Adjust => return Err(ApiError::invalid(Text::new("req.api.adjust_by_move"))),
    };
    Ok(Json(inst.into()))
}

/// `POST /api/v1/process-instances/{id}/suspend`.
async fn suspend_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<ApiInstance>> {
    operate(&state, &who, &id, b, InstanceAction::Suspend).await
}

/// `POST /api/v1/process-instances/{id}/resume`.
async fn resume_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<ApiInstance>> {
    operate(&state, &who, &id, b, InstanceAction::Resume).await
}

/// `POST /api/v1/process-instances/{id}/terminate`.
async fn terminate_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<ApiInstance>> {
    operate(&state, &who, &id, b, InstanceAction::Terminate).await
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
    let to =
        b.to.filter(|t| !t.trim().is_empty()).ok_or_else(|| ApiError::invalid(Text::new("req.api.move_to_missing")))?;
    let reason = b.reason.unwrap_or_default();
    let inst = state.engine.move_instance(&who.session.account, &id, &b.from, &to, &reason, b.revision).await?;
    Ok(Json(inst.into()))
}
