//! `/engine-rest` endpoints: history (process instances in every state, tasks, activity
//! instances), and in [`jobs`] the open incidents and the jobs with their retries.

mod jobs;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Extension, Json, Router};
use engine::history::{
    ActivityFilter, ActivityInstance, ActivitySort, HistoricInstance, HistoricInstanceFilter, HistoricInstanceSort,
};
use engine::identity::CurrentSession;
use engine::instances::{InstanceStatus, TaskFilter, TaskRecord, TaskSort, TaskState};
use serde::Deserialize;
use serde_json::{json, Value};

use super::filters::{count, date_param, list, sorting, window, List};
use super::types::{camunda_date, camunda_date_opt};
use super::{RestError, RestQuery, RestResult};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/history/process-instance", get(list_instances))
        .route("/history/process-instance/count", get(count_instances))
        .route("/history/process-instance/{id}", get(get_instance))
        .route("/history/task", get(list_tasks))
        .route("/history/task/count", get(count_tasks))
        .route("/history/activity-instance", get(list_activities))
        .route("/history/activity-instance/count", get(count_activities))
        .merge(jobs::routes())
}

/// A duration in milliseconds from `start` to `end`, when it ended.
fn duration(start: i64, end: Option<i64>) -> Value {
    end.map_or(Value::Null, |e| json!(e - start))
}

// --- process instances ---

/// Camunda's `state` of a historic process instance.
fn camunda_state(s: InstanceStatus) -> &'static str {
    match s {
        InstanceStatus::Running => "ACTIVE",
        InstanceStatus::Suspended => "SUSPENDED",
        InstanceStatus::Completed => "COMPLETED",
        InstanceStatus::Terminated => "EXTERNALLY_TERMINATED",
    }
}

/// Camunda's `HistoricProcessInstanceDto`.
fn instance_dto(h: &HistoricInstance) -> Value {
    let s = &h.summary;
    // The root is known here only for an instance that no call activity started.
    let root = if s.parent_instance_id.is_none() { Some(&s.id) } else { None };
    json!({
        "id": s.id,
        "businessKey": s.business_key,
        "processDefinitionId": s.definition_id,
        "processDefinitionKey": s.definition_key,
        "processDefinitionName": s.definition_name,
        "processDefinitionVersion": s.version,
        "startTime": camunda_date(s.start_time),
        "endTime": camunda_date_opt(s.end_time),
        "removalTime": null,
        "durationInMillis": duration(s.start_time, s.end_time),
        "startUserId": s.initiator,
        "startActivityId": h.start_activity_id,
        "deleteReason": null,
        "rootProcessInstanceId": root,
        "superProcessInstanceId": s.parent_instance_id,
        "superCaseInstanceId": null,
        "caseInstanceId": null,
        "tenantId": s.tenant_id,
        "state": camunda_state(s.state),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct InstanceParams {
    process_instance_id: Option<String>,
    process_instance_ids: Option<List>,
    process_definition_id: Option<String>,
    process_definition_key: Option<String>,
    process_instance_business_key: Option<String>,
    process_instance_business_key_like: Option<String>,
    finished: Option<bool>,
    unfinished: Option<bool>,
    active: Option<bool>,
    suspended: Option<bool>,
    completed: Option<bool>,
    externally_terminated: Option<bool>,
    started_by: Option<String>,
    super_process_instance_id: Option<String>,
    started_before: Option<String>,
    started_after: Option<String>,
    tenant_id_in: Option<List>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    first_result: Option<i64>,
    max_results: Option<i64>,
}

const INSTANCE_SORTS: &[(&str, HistoricInstanceSort)] = &[
    ("instanceId", HistoricInstanceSort::Id),
    ("definitionId", HistoricInstanceSort::DefinitionId),
    ("definitionKey", HistoricInstanceSort::DefinitionKey),
    ("definitionName", HistoricInstanceSort::DefinitionName),
    ("definitionVersion", HistoricInstanceSort::DefinitionVersion),
    ("businessKey", HistoricInstanceSort::BusinessKey),
    ("startTime", HistoricInstanceSort::StartTime),
    ("endTime", HistoricInstanceSort::EndTime),
    ("duration", HistoricInstanceSort::Duration),
    ("tenantId", HistoricInstanceSort::TenantId),
];

/// `Some(true)` from `yes`, `Some(false)` from `no`; `yes` wins when both are set.
pub(super) fn either(yes: Option<bool>, no: Option<bool>) -> Option<bool> {
    match (yes, no) {
        (Some(true), _) => Some(true),
        (_, Some(true)) => Some(false),
        _ => None,
    }
}

impl InstanceParams {
    fn filter(&self) -> RestResult<HistoricInstanceFilter> {
        let mut ids = list(&self.process_instance_ids);
        ids.extend(self.process_instance_id.clone());
        let states = [
            (self.active, InstanceStatus::Running),
            (self.suspended, InstanceStatus::Suspended),
            (self.completed, InstanceStatus::Completed),
            (self.externally_terminated, InstanceStatus::Terminated),
        ]
        .into_iter()
        .filter(|(flag, _)| *flag == Some(true))
        .map(|(_, s)| s)
        .collect();
        Ok(HistoricInstanceFilter {
            tenant_ids: list(&self.tenant_id_in),
            instance_ids: ids,
            definition_id: self.process_definition_id.clone(),
            definition_key: self.process_definition_key.clone(),
            business_key: self.process_instance_business_key.clone(),
            business_key_like: self.process_instance_business_key_like.clone(),
            finished: either(self.finished, self.unfinished),
            states,
            started_by: self.started_by.clone(),
            parent_instance_id: self.super_process_instance_id.clone(),
            started_after: date_param("startedAfter", self.started_after.as_deref())?,
            started_before: date_param("startedBefore", self.started_before.as_deref())?,
            sort: sorting(self.sort_by.as_deref(), self.sort_order.as_deref(), None, INSTANCE_SORTS)?,
        })
    }
}

/// `GET /history/process-instance`.
async fn list_instances(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<InstanceParams>,
) -> RestResult<Json<Value>> {
    let w = window(p.first_result, p.max_results);
    let found = state.engine.historic_instances(&who.session.account, &p.filter()?, w).await?;
    Ok(Json(Value::Array(found.iter().map(instance_dto).collect())))
}

/// `GET /history/process-instance/count`.
async fn count_instances(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<InstanceParams>,
) -> RestResult<Json<Value>> {
    Ok(Json(count(state.engine.count_historic_instances(&who.session.account, &p.filter()?).await?)))
}

/// `GET /history/process-instance/{id}`.
async fn get_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<Json<Value>> {
    let f = HistoricInstanceFilter { instance_ids: vec![id.clone()], ..HistoricInstanceFilter::default() };
    let found = state.engine.historic_instances(&who.session.account, &f, window(None, Some(1))).await?;
    let h = found.first().ok_or_else(|| {
        RestError::not_found(format!(
            "Historic process instance with id {id} does not exist; GET /history/process-instance lists them."
        ))
    })?;
    Ok(Json(instance_dto(h)))
}

// --- tasks ---

/// Camunda's `deleteReason` of an ended task.
fn delete_reason(t: &engine::instances::Task) -> Option<&'static str> {
    match t.state {
        TaskState::Active => None,
        TaskState::Completed => Some("completed"),
        TaskState::Cancelled => Some("deleted"),
    }
}

/// Camunda's `HistoricTaskInstanceDto`.
fn historic_task_dto(r: &TaskRecord) -> Value {
    let t = &r.task;
    json!({
        "id": t.id,
        "processDefinitionKey": r.definition_key,
        "processDefinitionId": r.definition_id,
        "processInstanceId": t.instance_id,
        "executionId": t.instance_id,
        "caseDefinitionKey": null,
        "caseDefinitionId": null,
        "caseInstanceId": null,
        "caseExecutionId": null,
        "activityInstanceId": null,
        "name": t.name,
        "description": null,
        "deleteReason": delete_reason(t),
        "owner": r.owner,
        "assignee": t.assignee,
        "startTime": camunda_date(t.created),
        "endTime": camunda_date_opt(t.end_time),
        "duration": duration(t.created, t.end_time),
        "taskDefinitionKey": t.activity_id,
        "priority": t.priority,
        "due": camunda_date_opt(t.due),
        "parentTaskId": null,
        "followUp": null,
        "tenantId": t.tenant_id,
        "removalTime": null,
        "rootProcessInstanceId": null,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct HistoricTaskParams {
    task_id: Option<String>,
    process_instance_id: Option<String>,
    process_instance_business_key: Option<String>,
    process_definition_id: Option<String>,
    process_definition_key: Option<String>,
    task_name: Option<String>,
    task_name_like: Option<String>,
    task_assignee: Option<String>,
    task_assignee_like: Option<String>,
    task_owner: Option<String>,
    task_definition_key: Option<String>,
    task_priority: Option<i64>,
    assigned: Option<bool>,
    unassigned: Option<bool>,
    finished: Option<bool>,
    unfinished: Option<bool>,
    tenant_id_in: Option<List>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    first_result: Option<i64>,
    max_results: Option<i64>,
}

const HISTORIC_TASK_SORTS: &[(&str, TaskSort)] = &[
    ("taskId", TaskSort::Id),
    ("processInstanceId", TaskSort::InstanceId),
    ("processDefinitionId", TaskSort::DefinitionId),
    ("duration", TaskSort::Duration),
    ("endTime", TaskSort::EndTime),
    ("startTime", TaskSort::Created),
    ("taskName", TaskSort::Name),
    ("assignee", TaskSort::Assignee),
    ("owner", TaskSort::Owner),
    ("dueDate", TaskSort::Due),
    ("taskDefinitionKey", TaskSort::ActivityId),
    ("priority", TaskSort::Priority),
    ("tenantId", TaskSort::TenantId),
];

impl HistoricTaskParams {
    fn filter(&self) -> RestResult<TaskFilter> {
        Ok(TaskFilter {
            tenant_ids: list(&self.tenant_id_in),
            task_id: self.task_id.clone(),
            instance_id: self.process_instance_id.clone(),
            business_key: self.process_instance_business_key.clone(),
            definition_id: self.process_definition_id.clone(),
            definition_key: self.process_definition_key.clone(),
            activity_id: self.task_definition_key.clone(),
            name: self.task_name.clone(),
            name_like: self.task_name_like.clone(),
            assignee: self.task_assignee.clone(),
            assignee_like: self.task_assignee_like.clone(),
            owner: self.task_owner.clone(),
            assigned: either(self.assigned, self.unassigned),
            finished: either(self.finished, self.unfinished),
            priority: self.task_priority,
            sort: sorting(self.sort_by.as_deref(), self.sort_order.as_deref(), None, HISTORIC_TASK_SORTS)?,
            ..TaskFilter::default()
        })
    }
}

/// `GET /history/task`: tasks in every state.
async fn list_tasks(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<HistoricTaskParams>,
) -> RestResult<Json<Value>> {
    let w = window(p.first_result, p.max_results);
    let found = state.engine.find_tasks(&who.session.account, &p.filter()?, w).await?;
    Ok(Json(Value::Array(found.iter().map(historic_task_dto).collect())))
}

/// `GET /history/task/count`.
async fn count_tasks(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<HistoricTaskParams>,
) -> RestResult<Json<Value>> {
    Ok(Json(count(state.engine.count_tasks(&who.session.account, &p.filter()?).await?)))
}

// --- activity instances ---

/// Camunda's `HistoricActivityInstanceDto`. The id is the activity's id and the history row's
/// number, as Camunda's ids start with the activity id.
fn activity_dto(a: &ActivityInstance) -> Value {
    let r = &a.record;
    let ended = r.end_time.is_some();
    let completed = r.outcome.as_deref() == Some("completed");
    json!({
        "id": format!("{}:{}", r.activity_id, r.id),
        "parentActivityInstanceId": a.instance_id,
        "activityId": r.activity_id,
        "activityName": r.activity_name,
        "activityType": r.activity_type,
        "processDefinitionKey": a.definition_key,
        "processDefinitionId": a.definition_id,
        "processInstanceId": a.instance_id,
        "executionId": a.instance_id,
        "taskId": r.task_id,
        "calledProcessInstanceId": null,
        "calledCaseInstanceId": null,
        "assignee": r.actor,
        "startTime": camunda_date(r.start_time),
        "endTime": camunda_date_opt(r.end_time),
        "durationInMillis": duration(r.start_time, r.end_time),
        "canceled": ended && !completed,
        "completeScope": completed && r.activity_type.ends_with("ndEvent"),
        "tenantId": a.tenant_id,
        "removalTime": null,
        "rootProcessInstanceId": null,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ActivityParams {
    process_instance_id: Option<String>,
    process_definition_id: Option<String>,
    activity_id: Option<String>,
    activity_name: Option<String>,
    activity_type: Option<String>,
    task_assignee: Option<String>,
    finished: Option<bool>,
    unfinished: Option<bool>,
    canceled: Option<bool>,
    started_before: Option<String>,
    started_after: Option<String>,
    tenant_id_in: Option<List>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    first_result: Option<i64>,
    max_results: Option<i64>,
}

const ACTIVITY_SORTS: &[(&str, ActivitySort)] = &[
    ("activityInstanceId", ActivitySort::Id),
    ("instanceId", ActivitySort::InstanceId),
    ("executionId", ActivitySort::InstanceId),
    ("activityId", ActivitySort::ActivityId),
    ("activityName", ActivitySort::ActivityName),
    ("activityType", ActivitySort::ActivityType),
    ("startTime", ActivitySort::StartTime),
    ("endTime", ActivitySort::EndTime),
    ("duration", ActivitySort::Duration),
    ("definitionId", ActivitySort::DefinitionId),
    ("occurrence", ActivitySort::Id),
    ("tenantId", ActivitySort::TenantId),
];

impl ActivityParams {
    fn filter(&self) -> RestResult<ActivityFilter> {
        Ok(ActivityFilter {
            tenant_ids: list(&self.tenant_id_in),
            instance_id: self.process_instance_id.clone(),
            definition_id: self.process_definition_id.clone(),
            activity_id: self.activity_id.clone(),
            activity_name: self.activity_name.clone(),
            activity_type: self.activity_type.clone(),
            finished: either(self.finished, self.unfinished),
            canceled: self.canceled.filter(|c| *c),
            actor: self.task_assignee.clone(),
            started_after: date_param("startedAfter", self.started_after.as_deref())?,
            started_before: date_param("startedBefore", self.started_before.as_deref())?,
            sort: sorting(self.sort_by.as_deref(), self.sort_order.as_deref(), None, ACTIVITY_SORTS)?,
        })
    }
}

/// `GET /history/activity-instance`.
async fn list_activities(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<ActivityParams>,
) -> RestResult<Json<Value>> {
    let w = window(p.first_result, p.max_results);
    let found = state.engine.activity_instances(&who.session.account, &p.filter()?, w).await?;
    Ok(Json(Value::Array(found.iter().map(activity_dto).collect())))
}

/// `GET /history/activity-instance/count`.
async fn count_activities(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<ActivityParams>,
) -> RestResult<Json<Value>> {
    Ok(Json(count(state.engine.count_activity_instances(&who.session.account, &p.filter()?).await?)))
}
