//! Jobs (作业): the asynchronous automatic work of instances (timers, web-service calls,
//! asynchronous continuations), listed with their state and last error, and the
//! administrator's Execute and Delete. Times are ISO 8601 UTC strings.
//!
//! The list has no entity tag: the executor claims a job (pending → running) by updating the
//! job row alone, which does not move the runtime change token, so a tag built from that token
//! would promise an unchanged list while a job's state changed.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use bpmn_core::time::iso8601;
use engine::identity::CurrentSession;
use engine::jobs::{Job, JobAttempt, JobCategory, JobDetail, JobKind, JobQuery, JobState};
use serde::{Deserialize, Serialize};

use super::{ApiQuery, ApiResult, Polled};
use crate::AppState;

/// The jobs routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/jobs", get(list_jobs))
        .route("/api/v1/jobs/{id}", get(get_job).delete(delete_job))
        .route("/api/v1/jobs/{id}/execute", post(execute_job))
        .route("/api/v1/start-timers", get(list_start_timers))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartTimerParams {
    tenant: Option<String>,
}

/// `GET /api/v1/start-timers`: the scheduled timer start events, soonest due first.
async fn list_start_timers(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    ApiQuery(p): ApiQuery<StartTimerParams>,
) -> ApiResult<Json<Vec<ApiStartTimer>>> {
    let timers = state.engine.list_start_timers(&who.session.account, p.tenant.as_deref()).await?;
    Ok(Json(timers.into_iter().map(ApiStartTimer::from).collect()))
}

/// A timer start event as API clients see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiStartTimer {
    id: String,
    tenant_id: String,
    /// The start event's name.
    name: String,
    activity_id: String,
    definition_id: String,
    process_key: String,
    process_name: String,
    version: i64,
    timer_kind: String,
    definition: String,
    /// The next firing.
    due: String,
    fired: i64,
}

impl From<engine::jobs::StartTimer> for ApiStartTimer {
    fn from(t: engine::jobs::StartTimer) -> Self {
        ApiStartTimer {
            id: t.id,
            tenant_id: t.tenant_id,
            name: t.name,
            activity_id: t.activity_id,
            definition_id: t.definition_id,
            process_key: t.process_key,
            process_name: t.process_name,
            version: t.version,
            timer_kind: t.timer_kind,
            definition: t.definition,
            due: iso8601(t.due),
            fired: t.fired,
        }
    }
}

/// A job as API clients see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiJob {
    id: String,
    /// The activity's name.
    name: String,
    #[serde(rename = "type")]
    kind: JobKind,
    instance_id: String,
    activity_id: String,
    process_name: String,
    tenant: String,
    due: String,
    /// Retries left; null for an external task that never failed.
    retries: Option<i64>,
    state: JobState,
    /// The last failure's message.
    error: Option<String>,
    error_details: Option<String>,
    timer_definition: Option<String>,
    /// How often a cycle timer has fired.
    fired: i64,
    /// Attempts made so far.
    attempts: i64,
    locked_by: Option<String>,
    lock_expires_at: Option<String>,
    created: String,
    revision: i64,
}

impl From<Job> for ApiJob {
    fn from(j: Job) -> Self {
        ApiJob {
            due: iso8601(j.due),
            lock_expires_at: j.lock_expires_at.map(iso8601),
            created: iso8601(j.created),
            id: j.id,
            name: j.name,
            kind: j.kind,
            instance_id: j.instance_id,
            activity_id: j.activity_id,
            process_name: j.process_name,
            tenant: j.tenant_id,
            retries: j.retries,
            state: j.state,
            error: j.error,
            error_details: j.error_details,
            timer_definition: j.timer_definition,
            fired: j.fired,
            attempts: j.attempts,
            locked_by: j.locked_by,
            revision: j.revision,
        }
    }
}

/// One past attempt to run a job.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiJobAttempt {
    attempt: i64,
    executor: String,
    started: String,
    finished: String,
    ok: bool,
    message: String,
}

impl From<JobAttempt> for ApiJobAttempt {
    fn from(a: JobAttempt) -> Self {
        ApiJobAttempt {
            started: iso8601(a.started),
            finished: iso8601(a.finished),
            attempt: a.attempt,
            executor: a.executor,
            ok: a.ok,
            message: a.message,
        }
    }
}

/// A job with its log of past attempts, newest first.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiJobDetail {
    #[serde(flatten)]
    job: ApiJob,
    attempts_log: Vec<ApiJobAttempt>,
}

impl From<JobDetail> for ApiJobDetail {
    fn from(d: JobDetail) -> Self {
        ApiJobDetail { job: d.job.into(), attempts_log: d.attempts_log.into_iter().map(ApiJobAttempt::from).collect() }
    }
}

/// Query of `GET /jobs`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobParams {
    category: Option<JobCategory>,
    name: Option<String>,
    instance_id: Option<String>,
    tenant: Option<String>,
    latest_first: Option<bool>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/jobs`: a page of jobs, soonest due first (`latestFirst`: the latest); `304` when
/// unchanged (every job change, the executor's claim included, moves the runtime change token).
async fn list_jobs(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    ApiQuery(p): ApiQuery<JobParams>,
) -> ApiResult<Response> {
    let query = JobQuery {
        category: p.category.unwrap_or_default(),
        name: p.name.filter(|n| !n.trim().is_empty()),
        instance_id: p.instance_id.filter(|i| !i.is_empty()),
        tenant: p.tenant.filter(|t| !t.is_empty()),
        latest_first: p.latest_first.unwrap_or(false),
        cursor: p.cursor.filter(|c| !c.is_empty()),
        limit: p.limit.unwrap_or(50).clamp(1, 500),
    };
    let polled = Polled { state: &state, who: &who, headers: &headers, list: "jobs", query: raw.as_deref(), extra: 0 };
    polled
        .answer(async {
            let page = state.engine.list_jobs(&who.session.account, &query).await?;
            Ok(bpmn_core::page::Page {
                items: page.items.into_iter().map(ApiJob::from).collect(),
                next: page.next,
                total: page.total,
            })
        })
        .await
}

/// `GET /api/v1/jobs/{id}`: the job with its attempts.
async fn get_job(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> ApiResult<Json<ApiJobDetail>> {
    Ok(Json(state.engine.job(&who.session.account, &id).await?.into()))
}

/// `POST /api/v1/jobs/{id}/execute`: due now with at least one retry (执行); 200 with the job.
async fn execute_job(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> ApiResult<Json<ApiJob>> {
    Ok(Json(state.engine.execute_job(&who.session.account, &id).await?.into()))
}

/// `DELETE /api/v1/jobs/{id}` (删除): 204; the instance gets an incident.
async fn delete_job(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.engine.delete_job(&who.session.account, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
