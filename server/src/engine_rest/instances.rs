//! `/process-instance`: the runtime list (instances that have not ended; by query parameters
//! or, with `POST`, by a JSON body) and its count, one instance, terminate (`DELETE`), suspend
//! and activate (`PUT /suspended`), and the instance's variables (all, or one by name).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Extension, Json, Router};
use engine::identity::CurrentSession;
use engine::instances::{InstanceFilter, InstanceOrderBy, InstanceStatus, InstanceSummary};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::types::{
    descending, like, list, tenant_out, tenants_in, typed, typed_map, untyped, untyped_map, TypedValue,
};
use super::{page, RestError, RestJson, RestQuery, RestResult};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/process-instance", get(list_instances).post(query_instances))
        .route("/process-instance/count", get(count_instances).post(query_count))
        .route("/process-instance/{id}", get(get_instance).delete(delete_instance))
        .route("/process-instance/{id}/suspended", put(set_suspended))
        .route("/process-instance/{id}/variables", get(get_variables).post(modify_variables))
        .route("/process-instance/{id}/variables/{name}", get(get_variable).put(put_variable).delete(delete_variable))
}

/// An instance in Camunda's `ProcessInstanceDto` shape.
pub(super) fn instance_json(i: &InstanceSummary) -> Value {
    json!({
        "links": [],
        "id": i.id,
        "definitionId": i.definition_id,
        "businessKey": i.business_key,
        "caseInstanceId": null,
        "ended": i.state.is_finished(),
        "suspended": i.state == InstanceStatus::Suspended,
        "tenantId": tenant_out(&i.tenant_id),
    })
}

/// Query parameters of `GET /process-instance` and `/count` (lists comma-separated), and the
/// paging parameters of the `POST` forms.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    process_instance_ids: Option<String>,
    business_key: Option<String>,
    business_key_like: Option<String>,
    process_definition_id: Option<String>,
    process_definition_key: Option<String>,
    active: Option<bool>,
    suspended: Option<bool>,
    tenant_id_in: Option<String>,
    without_tenant_id: Option<bool>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    first_result: Option<i64>,
    max_results: Option<i64>,
}

/// One `sorting` item of a `POST` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sorting {
    sort_by: Option<String>,
    sort_order: Option<String>,
}

/// The body of `POST /process-instance` and `/count` (lists as arrays).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryBody {
    process_instance_ids: Option<Vec<String>>,
    business_key: Option<String>,
    business_key_like: Option<String>,
    process_definition_id: Option<String>,
    process_definition_key: Option<String>,
    active: Option<bool>,
    suspended: Option<bool>,
    tenant_id_in: Option<Vec<String>>,
    without_tenant_id: Option<bool>,
    sorting: Option<Vec<Sorting>>,
}

impl From<ListParams> for QueryBody {
    fn from(p: ListParams) -> Self {
        QueryBody {
            process_instance_ids: Some(list(p.process_instance_ids.as_deref())),
            business_key: p.business_key,
            business_key_like: p.business_key_like,
            process_definition_id: p.process_definition_id,
            process_definition_key: p.process_definition_key,
            active: p.active,
            suspended: p.suspended,
            tenant_id_in: Some(list(p.tenant_id_in.as_deref())),
            without_tenant_id: p.without_tenant_id,
            sorting: Some(vec![Sorting { sort_by: p.sort_by, sort_order: p.sort_order }]),
        }
    }
}

impl QueryBody {
    /// The engine's filter; `paging` from the query string (`firstResult`, `maxResults`).
    fn filter(self, first_result: Option<i64>, max_results: Option<i64>) -> RestResult<InstanceFilter> {
        let first = self.sorting.unwrap_or_default().into_iter().next().unwrap_or_default();
        let order_by = match first.sort_by.as_deref().map(str::trim) {
            None | Some("") => InstanceOrderBy::StartTime,
            Some("instanceId") => InstanceOrderBy::InstanceId,
            Some("definitionKey") => InstanceOrderBy::DefinitionKey,
            Some("definitionId") => InstanceOrderBy::DefinitionId,
            Some("businessKey") => InstanceOrderBy::BusinessKey,
            Some("tenantId") => InstanceOrderBy::TenantId,
            Some(other) => {
                return Err(RestError::invalid(format!(
                    "Cannot set query parameter 'sortBy' to value '{other}': use instanceId, definitionKey, \
                     definitionId, businessKey or tenantId."
                )))
            }
        };
        let mut tenants = self.tenant_id_in.unwrap_or_default();
        tenants.extend(tenants_in(None, self.without_tenant_id));
        let (offset, limit) = page(first_result, max_results);
        Ok(InstanceFilter {
            tenants,
            definition_key: self.process_definition_key.filter(|k| !k.is_empty()),
            definition_id: self.process_definition_id.filter(|d| !d.is_empty()),
            business_key: self.business_key.filter(|b| !b.is_empty()),
            business_key_like: like(self.business_key_like),
            active: self.active.unwrap_or(false),
            suspended: self.suspended.unwrap_or(false),
            ids: self.process_instance_ids.unwrap_or_default(),
            order_by,
            descending: descending(first.sort_order.as_deref())?,
            offset,
            limit,
        })
    }
}

/// Paging parameters of the `POST` forms.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Paging {
    first_result: Option<i64>,
    max_results: Option<i64>,
}

async fn list_by(state: &AppState, who: &CurrentSession, f: InstanceFilter) -> RestResult<Json<Vec<Value>>> {
    let found = state.engine.filter_instances(&who.session.account, &f).await?;
    Ok(Json(found.iter().map(instance_json).collect()))
}

async fn count_by(state: &AppState, who: &CurrentSession, f: InstanceFilter) -> RestResult<Json<Value>> {
    let n = state.engine.count_instances(&who.session.account, &f).await?;
    Ok(Json(json!({ "count": n })))
}

/// `GET /process-instance`.
async fn list_instances(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<ListParams>,
) -> RestResult<Json<Vec<Value>>> {
    let (first, max) = (p.first_result, p.max_results);
    list_by(&state, &who, QueryBody::from(p).filter(first, max)?).await
}

/// `POST /process-instance`: the filters in the body.
async fn query_instances(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<Paging>,
    RestJson(body): RestJson<QueryBody>,
) -> RestResult<Json<Vec<Value>>> {
    list_by(&state, &who, body.filter(p.first_result, p.max_results)?).await
}

/// `GET /process-instance/count`.
async fn count_instances(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<ListParams>,
) -> RestResult<Json<Value>> {
    count_by(&state, &who, QueryBody::from(p).filter(None, None)?).await
}

/// `POST /process-instance/count`.
async fn query_count(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestJson(body): RestJson<QueryBody>,
) -> RestResult<Json<Value>> {
    count_by(&state, &who, body.filter(None, None)?).await
}

/// `GET /process-instance/{id}`: also an ended instance (Camunda answers 404 for those; a
/// console keeps them, and `ended` says so).
async fn get_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<Json<Value>> {
    Ok(Json(instance_json(&state.engine.instance_summary(&who.session.account, &id).await?)))
}

/// `DELETE /process-instance/{id}`: terminates it; 204.
async fn delete_instance(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<StatusCode> {
    state.engine.terminate_instance(&who.session.account, &id, "DELETE /engine-rest/process-instance", None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize)]
struct SuspendedBody {
    suspended: Option<bool>,
}

/// `PUT /process-instance/{id}/suspended` with `{"suspended": true|false}`: 204. Asking for
/// the state the instance is already in changes nothing, as in Camunda.
async fn set_suspended(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(body): RestJson<SuspendedBody>,
) -> RestResult<StatusCode> {
    let suspend = body
        .suspended
        .ok_or_else(|| RestError::invalid("Say what to do: {\"suspended\": true} suspends, false activates."))?;
    let (engine, caller) = (&state.engine, &who.session.account);
    let now = engine.instance_summary(caller, &id).await?.state;
    let reason = "PUT /engine-rest/process-instance/{id}/suspended";
    match (suspend, now) {
        (true, InstanceStatus::Suspended) | (false, InstanceStatus::Running) => {}
        (true, _) => {
            engine.suspend_instance(caller, &id, reason, None).await?;
        }
        (false, _) => {
            engine.resume_instance(caller, &id, reason, None).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /process-instance/{id}/variables`: every variable, typed.
async fn get_variables(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<Json<Value>> {
    Ok(Json(typed_map(&state.engine.process_instance_variables(&who.session.account, &id).await?)))
}

/// Body of `POST /process-instance/{id}/variables`.
#[derive(Debug, Default, Deserialize)]
struct ModifyBody {
    modifications: Option<Map<String, Value>>,
    deletions: Option<Vec<String>>,
}

/// `POST /process-instance/{id}/variables`: sets `modifications` and removes `deletions` in
/// one change; 204.
async fn modify_variables(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(body): RestJson<ModifyBody>,
) -> RestResult<StatusCode> {
    let set = untyped_map(body.modifications)?;
    let del = body.deletions.unwrap_or_default();
    state.engine.modify_variables(&who.session.account, &id, set, del).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /process-instance/{id}/variables/{name}`: one typed variable; 404 when the instance
/// has none of that name.
async fn get_variable(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path((id, name)): Path<(String, String)>,
) -> RestResult<Json<Value>> {
    let vars = state.engine.process_instance_variables(&who.session.account, &id).await?;
    match vars.get(&name) {
        Some(v) => Ok(Json(typed(v))),
        None => Err(RestError::not_found(format!(
            "Process instance {id} has no variable named '{name}'; list them with GET .../process-instance/{id}/variables."
        ))),
    }
}

/// `PUT /process-instance/{id}/variables/{name}` with a typed value: 204.
async fn put_variable(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path((id, name)): Path<(String, String)>,
    RestJson(body): RestJson<TypedValue>,
) -> RestResult<StatusCode> {
    let mut set = Map::new();
    set.insert(name.clone(), untyped(&name, body)?);
    state.engine.modify_variables(&who.session.account, &id, set, Vec::new()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /process-instance/{id}/variables/{name}`: 204 (also when there was none).
async fn delete_variable(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path((id, name)): Path<(String, String)>,
) -> RestResult<StatusCode> {
    state.engine.modify_variables(&who.session.account, &id, Map::new(), vec![name]).await?;
    Ok(StatusCode::NO_CONTENT)
}
