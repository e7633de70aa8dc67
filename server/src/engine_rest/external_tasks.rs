//! `/engine-rest/external-task`: Camunda 7's external-task API, which the official worker
//! clients (`camunda-external-task-client-js`, the Java and Python clients) call. Workers fetch
//! and lock tasks by topic (long polling up to [`MAX_ASYNC_RESPONSE_TIMEOUT_MS`], waited out by
//! the engine without a database connection; a client that hangs up drops the request's
//! future and with it the wait), then complete them, report a failure or a BPMN error, extend
//! or give up their lock. Administrators list them and set their retries.
//!
//! The JSON shapes are Camunda 7.22's (`LockedExternalTaskDto`, `ExternalTaskDto`, the request
//! DTOs); fields Camunda accepts but that change nothing here (`deserializeValues`,
//! `includeExtensionProperties`, `localVariables` of a topic) are read and ignored, while
//! filters this engine cannot apply (`processVariables`, `processDefinitionId…`) are refused
//! rather than silently dropped, so a worker never receives tasks it did not ask for.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use engine::external::{
    ExternalFailure, ExternalTask, ExternalTaskQuery, FetchAndLock, FetchTopic, LockedExternalTask,
    MAX_ASYNC_RESPONSE_TIMEOUT_MS,
};
use engine::identity::CurrentSession;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::types::{camunda_date, camunda_date_opt, typed_map, untyped_map};
use super::{page, RestError, RestJson, RestQuery, RestResult};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/external-task", get(list))
        .route("/external-task/count", get(count))
        .route("/external-task/fetchAndLock", post(fetch_and_lock))
        .route("/external-task/{id}", get(one))
        .route("/external-task/{id}/complete", post(complete))
        .route("/external-task/{id}/failure", post(failure))
        .route("/external-task/{id}/bpmnError", post(bpmn_error))
        .route("/external-task/{id}/extendLock", post(extend_lock))
        .route("/external-task/{id}/unlock", post(unlock))
        .route("/external-task/{id}/retries", put(set_retries))
}

/// The answer of the endpoints that change a task: 204, no body.
type NoContent = RestResult<StatusCode>;

/// A required text field, or a refusal naming it.
fn required<'a>(field: &str, value: &'a Option<String>) -> RestResult<&'a str> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(RestError::invalid(format!("'{field}' is required; send it in the JSON body."))),
    }
}

// --- fetch and lock ---------------------------------------------------------------------

/// `FetchExternalTasksDto`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FetchBody {
    worker_id: Option<String>,
    max_tasks: Option<i64>,
    #[serde(default)]
    use_priority: bool,
    async_response_timeout: Option<i64>,
    #[serde(default)]
    topics: Vec<TopicBody>,
}

/// One entry of `topics`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TopicBody {
    topic_name: Option<String>,
    lock_duration: Option<i64>,
    variables: Option<Vec<String>>,
    business_key: Option<String>,
    process_definition_key: Option<String>,
    process_definition_key_in: Option<Vec<String>>,
    tenant_id_in: Option<Vec<String>>,
    // Filters this engine cannot apply: refused when set.
    process_definition_id: Option<String>,
    process_definition_id_in: Option<Vec<String>>,
    process_definition_version_tag: Option<String>,
    process_variables: Option<Map<String, Value>>,
    #[serde(default)]
    without_tenant_id: bool,
}

impl TopicBody {
    fn into_topic(self) -> RestResult<FetchTopic> {
        let topic_name = required("topicName", &self.topic_name)?.to_string();
        let lock_duration_ms = match self.lock_duration {
            Some(ms) if ms > 0 => ms,
            _ => {
                return Err(RestError::invalid(format!(
                    "Topic '{topic_name}': 'lockDuration' must be a positive number of milliseconds, e.g. 60000."
                )))
            }
        };
        let unsupported = [
            ("processDefinitionId", self.process_definition_id.is_some()),
            ("processDefinitionIdIn", self.process_definition_id_in.as_ref().is_some_and(|v| !v.is_empty())),
            ("processDefinitionVersionTag", self.process_definition_version_tag.is_some()),
            ("processVariables", self.process_variables.as_ref().is_some_and(|v| !v.is_empty())),
            ("withoutTenantId", self.without_tenant_id),
        ];
        if let Some((field, _)) = unsupported.iter().find(|(_, set)| *set) {
            return Err(RestError::invalid(format!(
                "Topic '{topic_name}': the filter '{field}' is not supported here; filter by processDefinitionKey(In), \
                 businessKey or tenantIdIn instead."
            )));
        }
        let mut keys: Vec<String> = self.process_definition_key.into_iter().collect();
        keys.extend(self.process_definition_key_in.unwrap_or_default());
        Ok(FetchTopic {
            topic_name,
            lock_duration_ms,
            variables: self.variables,
            business_key: self.business_key,
            process_definition_keys: keys,
            tenant_ids: self.tenant_id_in.unwrap_or_default(),
        })
    }
}

impl FetchBody {
    fn into_request(self) -> RestResult<FetchAndLock> {
        let worker_id = required("workerId", &self.worker_id)?.to_string();
        let max_tasks = match self.max_tasks {
            Some(n) if n >= 0 => u32::try_from(n).unwrap_or(u32::MAX),
            Some(_) => return Err(RestError::invalid("'maxTasks' must not be negative.")),
            None => return Err(RestError::invalid("'maxTasks' is required: how many tasks to lock at most, e.g. 10.")),
        };
        let async_response_timeout_ms = match self.async_response_timeout {
            Some(ms) if ms < 0 => {
                return Err(RestError::invalid("'asyncResponseTimeout' must not be negative (milliseconds)."))
            }
            // Longer waits are cut to the cap: the worker simply polls again.
            Some(ms) => u64::try_from(ms).unwrap_or(0).min(MAX_ASYNC_RESPONSE_TIMEOUT_MS),
            None => 0,
        };
        let topics = self.topics.into_iter().map(TopicBody::into_topic).collect::<RestResult<Vec<_>>>()?;
        Ok(FetchAndLock { worker_id, max_tasks, use_priority: self.use_priority, topics, async_response_timeout_ms })
    }
}

/// `LockedExternalTaskDto`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LockedDto {
    activity_id: String,
    activity_instance_id: String,
    error_message: Option<String>,
    error_details: Option<String>,
    execution_id: String,
    id: String,
    lock_expiration_time: String,
    process_definition_id: String,
    process_definition_key: String,
    process_definition_version_tag: Option<String>,
    process_instance_id: String,
    tenant_id: Option<String>,
    retries: Option<i32>,
    worker_id: String,
    priority: i64,
    topic_name: String,
    business_key: Option<String>,
    extension_properties: Map<String, Value>,
    variables: Value,
}

/// Camunda answers `null` for a task without a tenant.
fn tenant(id: String) -> Option<String> {
    (!id.is_empty()).then_some(id)
}

impl From<LockedExternalTask> for LockedDto {
    fn from(t: LockedExternalTask) -> Self {
        LockedDto {
            variables: typed_map(&t.variables),
            activity_instance_id: t.execution_id.clone(),
            activity_id: t.activity_id,
            error_message: t.error_message,
            error_details: t.error_details,
            execution_id: t.execution_id,
            id: t.id,
            lock_expiration_time: camunda_date(t.lock_expiration_time),
            process_definition_id: t.process_definition_id,
            process_definition_key: t.process_definition_key,
            process_definition_version_tag: None,
            process_instance_id: t.process_instance_id,
            tenant_id: tenant(t.tenant_id),
            retries: t.retries,
            worker_id: t.worker_id,
            priority: t.priority,
            topic_name: t.topic_name,
            business_key: t.business_key,
            extension_properties: Map::new(),
        }
    }
}

/// `POST /external-task/fetchAndLock`: the tasks locked for the worker (maybe after waiting).
async fn fetch_and_lock(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestJson(body): RestJson<FetchBody>,
) -> RestResult<Json<Vec<LockedDto>>> {
    let req = body.into_request()?;
    let tasks = state.engine.fetch_and_lock(&who.session.account, req).await?;
    Ok(Json(tasks.into_iter().map(LockedDto::from).collect()))
}

// --- a worker's answers -------------------------------------------------------------------

/// `CompleteExternalTaskDto`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompleteBody {
    worker_id: Option<String>,
    variables: Option<Map<String, Value>>,
    local_variables: Option<Map<String, Value>>,
}

/// `POST /external-task/{id}/complete`.
async fn complete(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(body): RestJson<CompleteBody>,
) -> NoContent {
    let worker = required("workerId", &body.worker_id)?;
    let variables = untyped_map(body.variables.clone())?;
    let local = untyped_map(body.local_variables.clone())?;
    state.engine.complete_external_task(&who.session.account, &id, worker, variables, local).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `ExternalTaskFailureDto`. Missing `retries` and `retryTimeout` are 0, as in Camunda (whose
/// DTO has primitive fields): a failure without retries makes an incident.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailureBody {
    worker_id: Option<String>,
    error_message: Option<String>,
    error_details: Option<String>,
    retries: Option<i32>,
    retry_timeout: Option<i64>,
}

/// `POST /external-task/{id}/failure`.
async fn failure(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(body): RestJson<FailureBody>,
) -> NoContent {
    let worker = required("workerId", &body.worker_id)?;
    let retries = body.retries.unwrap_or(0);
    let retry_timeout_ms = body.retry_timeout.unwrap_or(0);
    if retries < 0 || retry_timeout_ms < 0 {
        return Err(RestError::invalid("'retries' and 'retryTimeout' must not be negative."));
    }
    let failure = ExternalFailure {
        error_message: body.error_message.clone(),
        error_details: body.error_details.clone(),
        retries,
        retry_timeout_ms,
    };
    state.engine.fail_external_task(&who.session.account, &id, worker, failure).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `ExternalTaskBpmnError`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BpmnErrorBody {
    worker_id: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    variables: Option<Map<String, Value>>,
}

/// `POST /external-task/{id}/bpmnError`.
async fn bpmn_error(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(body): RestJson<BpmnErrorBody>,
) -> NoContent {
    let worker = required("workerId", &body.worker_id)?;
    let code = required("errorCode", &body.error_code)?;
    let variables = untyped_map(body.variables.clone())?;
    let account = &who.session.account;
    state.engine.external_bpmn_error(account, &id, worker, code, body.error_message.as_deref(), variables).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `ExtendLockOnExternalTaskDto`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExtendLockBody {
    worker_id: Option<String>,
    new_duration: Option<i64>,
}

/// `POST /external-task/{id}/extendLock`.
async fn extend_lock(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(body): RestJson<ExtendLockBody>,
) -> NoContent {
    let worker = required("workerId", &body.worker_id)?;
    let Some(ms) = body.new_duration.filter(|ms| *ms > 0) else {
        return Err(RestError::invalid("'newDuration' must be a positive number of milliseconds, e.g. 60000."));
    };
    state.engine.extend_external_lock(&who.session.account, &id, worker, ms).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /external-task/{id}/unlock`.
async fn unlock(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> NoContent {
    state.engine.unlock_external_task(&who.session.account, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `RetriesDto`.
#[derive(Debug, Default, Deserialize)]
struct RetriesBody {
    retries: Option<i32>,
}

/// `PUT /external-task/{id}/retries`.
async fn set_retries(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(body): RestJson<RetriesBody>,
) -> NoContent {
    let Some(retries) = body.retries.filter(|r| *r >= 0) else {
        return Err(RestError::invalid("'retries' is required and must not be negative; 0 makes an incident."));
    };
    state.engine.set_external_task_retries(&who.session.account, &id, retries).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- queries -------------------------------------------------------------------------------

/// `ExternalTaskDto`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TaskDto {
    activity_id: String,
    activity_instance_id: String,
    error_message: Option<String>,
    execution_id: String,
    id: String,
    lock_expiration_time: Value,
    create_time: String,
    process_definition_id: String,
    process_definition_key: String,
    process_definition_version_tag: Option<String>,
    process_instance_id: String,
    tenant_id: Option<String>,
    retries: Option<i32>,
    suspended: bool,
    worker_id: Option<String>,
    priority: i64,
    topic_name: String,
    business_key: Option<String>,
}

impl From<ExternalTask> for TaskDto {
    fn from(t: ExternalTask) -> Self {
        TaskDto {
            activity_instance_id: t.execution_id.clone(),
            activity_id: t.activity_id,
            error_message: t.error_message,
            execution_id: t.execution_id,
            id: t.id,
            lock_expiration_time: camunda_date_opt(t.lock_expiration_time),
            create_time: camunda_date(t.created_at),
            process_definition_id: t.process_definition_id,
            process_definition_key: t.process_definition_key,
            process_definition_version_tag: None,
            process_instance_id: t.process_instance_id,
            tenant_id: tenant(t.tenant_id),
            retries: t.retries,
            suspended: t.suspended,
            worker_id: t.worker_id,
            priority: t.priority,
            topic_name: t.topic_name,
            business_key: t.business_key,
        }
    }
}

/// The query parameters of `GET /external-task` and `/count`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    external_task_id: Option<String>,
    topic_name: Option<String>,
    worker_id: Option<String>,
    locked: Option<bool>,
    not_locked: Option<bool>,
    with_retries_left: Option<bool>,
    no_retries_left: Option<bool>,
    process_instance_id: Option<String>,
    process_definition_id: Option<String>,
    activity_id: Option<String>,
    /// Comma-separated, as Camunda reads it.
    tenant_id_in: Option<String>,
    first_result: Option<i64>,
    max_results: Option<i64>,
}

/// `true` when exactly one of the two flags asks for its side: `Some(side)`; neither:
/// `None`; both: a refusal naming them.
fn either(yes: Option<bool>, no: Option<bool>, names: (&str, &str)) -> RestResult<Option<bool>> {
    match (yes == Some(true), no == Some(true)) {
        (true, true) => {
            Err(RestError::invalid(format!("'{}' and '{}' exclude each other; send one of them.", names.0, names.1)))
        }
        (true, false) => Ok(Some(true)),
        (false, true) => Ok(Some(false)),
        (false, false) => Ok(None),
    }
}

impl ListParams {
    fn into_query(self) -> RestResult<ExternalTaskQuery> {
        let (first_result, max_results) = page(self.first_result, self.max_results);
        Ok(ExternalTaskQuery {
            locked: either(self.locked, self.not_locked, ("locked", "notLocked"))?,
            with_retries_left: either(
                self.with_retries_left,
                self.no_retries_left,
                ("withRetriesLeft", "noRetriesLeft"),
            )?,
            external_task_id: self.external_task_id,
            topic_name: self.topic_name,
            worker_id: self.worker_id,
            process_instance_id: self.process_instance_id,
            process_definition_id: self.process_definition_id,
            activity_id: self.activity_id,
            tenant_ids: self
                .tenant_id_in
                .map(|s| s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect())
                .unwrap_or_default(),
            first_result,
            max_results,
        })
    }
}

/// `GET /external-task`.
async fn list(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<ListParams>,
) -> RestResult<Json<Vec<TaskDto>>> {
    let tasks = state.engine.external_tasks(&who.session.account, &p.into_query()?).await?;
    Ok(Json(tasks.into_iter().map(TaskDto::from).collect()))
}

/// `GET /external-task/count`: `{"count": n}`.
async fn count(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<ListParams>,
) -> RestResult<Json<Value>> {
    let n = state.engine.count_external_tasks(&who.session.account, &p.into_query()?).await?;
    Ok(Json(serde_json::json!({ "count": n })))
}

/// `GET /external-task/{id}`.
async fn one(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<Json<TaskDto>> {
    Ok(Json(state.engine.external_task(&who.session.account, &id).await?.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fetch(body: Value) -> RestResult<FetchAndLock> {
        serde_json::from_value::<FetchBody>(body).unwrap().into_request()
    }

    #[test]
    fn reads_a_fetch_request_as_the_js_client_sends_it() {
        let req = fetch(json!({
            "workerId": "w1", "maxTasks": 10, "usePriority": true, "asyncResponseTimeout": 60_000,
            "topics": [{"topicName": "pay", "lockDuration": 20_000, "variables": ["amount"],
                        "processDefinitionKey": "a", "processDefinitionKeyIn": ["b"], "tenantIdIn": ["t"],
                        "deserializeValues": true, "localVariables": false}]
        }))
        .unwrap();
        assert_eq!(req.worker_id, "w1");
        assert_eq!(req.max_tasks, 10);
        assert!(req.use_priority);
        assert_eq!(req.async_response_timeout_ms, MAX_ASYNC_RESPONSE_TIMEOUT_MS, "cut to the cap");
        let t = &req.topics[0];
        assert_eq!((t.topic_name.as_str(), t.lock_duration_ms), ("pay", 20_000));
        assert_eq!(t.variables, Some(vec!["amount".to_string()]));
        assert_eq!(t.process_definition_keys, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(t.tenant_ids, vec!["t".to_string()]);
    }

    #[test]
    fn refuses_what_it_cannot_honour_with_the_field_named() {
        let e = fetch(json!({"maxTasks": 1, "topics": []})).unwrap_err();
        assert!(e.message.contains("workerId"), "{}", e.message);
        let e = fetch(json!({"workerId": "w", "topics": []})).unwrap_err();
        assert!(e.message.contains("maxTasks"), "{}", e.message);
        let e = fetch(json!({"workerId": "w", "maxTasks": 1, "topics": [{"topicName": "t"}]})).unwrap_err();
        assert!(e.message.contains("lockDuration"), "{}", e.message);
        let e = fetch(json!({"workerId": "w", "maxTasks": 1,
            "topics": [{"topicName": "t", "lockDuration": 1, "processVariables": {"a": 1}}]}))
        .unwrap_err();
        assert!(e.message.contains("processVariables"), "{}", e.message);
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn list_flags_map_to_one_side() {
        let q = |p: Value| serde_json::from_value::<ListParams>(p).unwrap().into_query();
        assert_eq!(q(json!({"notLocked": true})).unwrap().locked, Some(false));
        assert_eq!(q(json!({"noRetriesLeft": true})).unwrap().with_retries_left, Some(false));
        assert_eq!(q(json!({"tenantIdIn": "a, b"})).unwrap().tenant_ids, vec!["a".to_string(), "b".to_string()]);
        assert!(q(json!({"locked": true, "notLocked": true})).is_err());
    }
}
