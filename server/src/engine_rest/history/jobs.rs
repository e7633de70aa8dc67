//! `/engine-rest` endpoints: open incidents (`GET /incident`) and jobs (`GET /job`, one job,
//! its retries, executing it now).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use engine::history::{IncidentFilter, IncidentSort, JobFilter, JobRecord, JobSort, OpenIncident};
use engine::identity::CurrentSession;
use serde::Deserialize;
use serde_json::{json, Value};

use super::super::filters::{count, date_param, list, sorting, window, List};
use super::super::types::camunda_date;
use super::super::{RestError, RestJson, RestQuery, RestResult};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/incident", get(list_incidents))
        .route("/incident/count", get(count_incidents))
        .route("/job", get(list_jobs))
        .route("/job/count", get(count_jobs))
        .route("/job/{id}", get(get_job))
        .route("/job/{id}/retries", post(set_retries).put(set_retries))
        .route("/job/{id}/execute", post(execute))
}

// --- incidents ---

/// Camunda's `IncidentDto`. The configuration of a job's incident is the job's id.
fn incident_dto(i: &OpenIncident) -> Value {
    let inc = &i.incident;
    json!({
        "id": inc.id,
        "processDefinitionId": i.definition_id,
        "processInstanceId": i.instance_id,
        "executionId": i.instance_id,
        "incidentTimestamp": camunda_date(inc.created),
        "incidentType": i.incident_type(),
        "activityId": inc.activity_id,
        "failedActivityId": inc.activity_id,
        "causeIncidentId": inc.id,
        "rootCauseIncidentId": inc.id,
        "configuration": i.job_id,
        "tenantId": i.tenant_id,
        "incidentMessage": inc.message,
        "jobDefinitionId": null,
        "annotation": null,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct IncidentParams {
    incident_id: Option<String>,
    incident_type: Option<String>,
    incident_message: Option<String>,
    incident_message_like: Option<String>,
    process_definition_id: Option<String>,
    process_definition_key_in: Option<List>,
    process_instance_id: Option<String>,
    activity_id: Option<String>,
    failed_activity_id: Option<String>,
    configuration: Option<String>,
    tenant_id_in: Option<List>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    first_result: Option<i64>,
    max_results: Option<i64>,
}

const INCIDENT_SORTS: &[(&str, IncidentSort)] = &[
    ("incidentId", IncidentSort::Id),
    ("incidentMessage", IncidentSort::Message),
    ("incidentTimestamp", IncidentSort::Timestamp),
    ("incidentType", IncidentSort::Type),
    ("activityId", IncidentSort::ActivityId),
    ("failedActivityId", IncidentSort::ActivityId),
    ("processInstanceId", IncidentSort::InstanceId),
    ("executionId", IncidentSort::InstanceId),
    ("processDefinitionId", IncidentSort::DefinitionId),
    ("configuration", IncidentSort::JobId),
    ("tenantId", IncidentSort::TenantId),
];

impl IncidentParams {
    fn filter(&self) -> RestResult<IncidentFilter> {
        Ok(IncidentFilter {
            tenant_ids: list(&self.tenant_id_in),
            incident_id: self.incident_id.clone(),
            incident_type: self.incident_type.clone(),
            message: self.incident_message.clone(),
            message_like: self.incident_message_like.clone(),
            definition_id: self.process_definition_id.clone(),
            definition_keys: list(&self.process_definition_key_in),
            instance_id: self.process_instance_id.clone(),
            activity_id: self.activity_id.clone().or(self.failed_activity_id.clone()),
            job_id: self.configuration.clone(),
            sort: sorting(self.sort_by.as_deref(), self.sort_order.as_deref(), None, INCIDENT_SORTS)?,
        })
    }
}

/// `GET /incident`: the incidents not yet resolved.
async fn list_incidents(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<IncidentParams>,
) -> RestResult<Json<Value>> {
    let w = window(p.first_result, p.max_results);
    let found = state.engine.open_incidents(&who.session.account, &p.filter()?, w).await?;
    Ok(Json(Value::Array(found.iter().map(incident_dto).collect())))
}

/// `GET /incident/count`.
async fn count_incidents(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<IncidentParams>,
) -> RestResult<Json<Value>> {
    Ok(Json(count(state.engine.count_open_incidents(&who.session.account, &p.filter()?).await?)))
}

// --- jobs ---

/// Camunda's `JobDto`. Jobs here have no job definitions and no priorities (0).
fn job_dto(r: &JobRecord) -> Value {
    let j = &r.job;
    json!({
        "id": j.id,
        "jobDefinitionId": null,
        "processInstanceId": j.instance_id,
        "executionId": j.instance_id,
        "processDefinitionId": r.definition_id,
        "processDefinitionKey": r.definition_key,
        "retries": j.retries,
        "exceptionMessage": j.error,
        "failedActivityId": j.error.as_ref().map(|_| &j.activity_id),
        "dueDate": camunda_date(j.due),
        "suspended": r.suspended,
        "priority": 0,
        "tenantId": j.tenant_id,
        "createTime": camunda_date(j.created),
        "batchId": null,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct JobParams {
    job_id: Option<String>,
    job_ids: Option<List>,
    process_instance_id: Option<String>,
    process_definition_id: Option<String>,
    process_definition_key: Option<String>,
    activity_id: Option<String>,
    with_retries_left: Option<bool>,
    no_retries_left: Option<bool>,
    executable: Option<bool>,
    timers: Option<bool>,
    messages: Option<bool>,
    with_exception: Option<bool>,
    exception_message: Option<String>,
    failed_activity_id: Option<String>,
    active: Option<bool>,
    suspended: Option<bool>,
    due_dates: Option<String>,
    tenant_id_in: Option<List>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    first_result: Option<i64>,
    max_results: Option<i64>,
}

const JOB_SORTS: &[(&str, JobSort)] = &[
    ("jobId", JobSort::Id),
    ("executionId", JobSort::InstanceId),
    ("processInstanceId", JobSort::InstanceId),
    ("processDefinitionId", JobSort::DefinitionId),
    ("processDefinitionKey", JobSort::DefinitionKey),
    ("jobRetries", JobSort::Retries),
    ("jobDueDate", JobSort::DueDate),
    ("tenantId", JobSort::TenantId),
];

/// Camunda's `dueDates` (`lt_<date>,gt_<date>`) as (before, after).
fn due_dates(text: Option<&str>) -> RestResult<(Option<i64>, Option<i64>)> {
    let (mut before, mut after) = (None, None);
    for part in text.unwrap_or("").split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('_') {
            Some(("lt", d)) => before = date_param("dueDates", Some(d))?,
            Some(("gt", d)) => after = date_param("dueDates", Some(d))?,
            _ => {
                return Err(RestError::invalid(format!(
                    "Invalid dueDates comparison '{part}': write lt_<date> or gt_<date>, comma-separated."
                )))
            }
        }
    }
    Ok((before, after))
}

impl JobParams {
    fn filter(&self) -> RestResult<JobFilter> {
        let mut ids = list(&self.job_ids);
        ids.extend(self.job_id.clone());
        let (due_before, due_after) = due_dates(self.due_dates.as_deref())?;
        let on = |b: Option<bool>| b == Some(true);
        let with_exception = on(self.with_exception) || self.failed_activity_id.is_some();
        Ok(JobFilter {
            tenant_ids: list(&self.tenant_id_in),
            job_ids: ids,
            instance_id: self.process_instance_id.clone(),
            definition_id: self.process_definition_id.clone(),
            definition_key: self.process_definition_key.clone(),
            activity_id: self.activity_id.clone().or(self.failed_activity_id.clone()),
            with_retries_left: on(self.with_retries_left),
            no_retries_left: on(self.no_retries_left),
            executable: on(self.executable),
            timers: on(self.timers),
            messages: on(self.messages),
            with_exception,
            exception_message: self.exception_message.clone(),
            suspended: super::either(self.suspended, self.active),
            due_before,
            due_after,
            sort: sorting(self.sort_by.as_deref(), self.sort_order.as_deref(), None, JOB_SORTS)?,
        })
    }
}

/// `GET /job`.
async fn list_jobs(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<JobParams>,
) -> RestResult<Json<Value>> {
    if p.timers == Some(true) && p.messages == Some(true) {
        return Err(RestError::invalid("Parameter timers cannot be used together with parameter messages."));
    }
    let w = window(p.first_result, p.max_results);
    let found = state.engine.find_jobs(&who.session.account, &p.filter()?, w).await?;
    Ok(Json(Value::Array(found.iter().map(job_dto).collect())))
}

/// `GET /job/count`.
async fn count_jobs(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<JobParams>,
) -> RestResult<Json<Value>> {
    Ok(Json(count(state.engine.count_jobs(&who.session.account, &p.filter()?).await?)))
}

/// `GET /job/{id}`.
async fn get_job(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<Json<Value>> {
    Ok(Json(job_dto(&state.engine.job_record(&who.session.account, &id).await?)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RetriesBody {
    retries: Option<i64>,
}

/// `POST` (or Camunda's `PUT`) `/job/{id}/retries`: 204.
async fn set_retries(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(b): RestJson<RetriesBody>,
) -> RestResult<StatusCode> {
    let retries = b.retries.ok_or_else(|| {
        RestError::invalid("Say how many retries the job gets: send {\"retries\": <number of 0 or more>}.")
    })?;
    state.engine.set_job_retries(&who.session.account, &id, retries).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /job/{id}/execute`: 204 once the job is due now with at least one retry; an executor
/// runs it at once (Camunda runs it within the request).
async fn execute(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<StatusCode> {
    state.engine.execute_job(&who.session.account, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
