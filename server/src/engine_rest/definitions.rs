//! `/process-definition`: the list (filtered, sorted, paged by offset) and its count, one
//! definition by id or by key (latest version, optionally of a tenant), its BPMN XML, and
//! starting an instance (`/start`, by id or by key).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use engine::deploy::{DefinitionFilter, DefinitionOrderBy, FilteredDefinition};
use engine::identity::CurrentSession;
use engine::instances::StartRequest;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::instances::instance_json;
use super::types::{descending, like, list, tenant_out, tenants_in, typed_map, untyped_map};
use super::{page, RestError, RestJson, RestQuery, RestResult, BASE};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/process-definition", get(list_definitions))
        .route("/process-definition/count", get(count_definitions))
        .route("/process-definition/{id}", get(by_id))
        .route("/process-definition/{id}/xml", get(xml_by_id))
        .route("/process-definition/{id}/start", post(start_by_id))
        .route("/process-definition/key/{key}", get(by_key))
        .route("/process-definition/key/{key}/xml", get(xml_by_key))
        .route("/process-definition/key/{key}/start", post(start_by_key))
        .route("/process-definition/key/{key}/tenant-id/{tenant}", get(by_key_in_tenant))
        .route("/process-definition/key/{key}/tenant-id/{tenant}/xml", get(xml_by_key_in_tenant))
        .route("/process-definition/key/{key}/tenant-id/{tenant}/start", post(start_by_key_in_tenant))
}

/// A definition in Camunda's `ProcessDefinitionDto` shape. `category` is the console's catalog
/// node id (Camunda puts the file's target namespace there); `resource` the file name.
pub(super) fn definition_json(d: &FilteredDefinition) -> Value {
    let s = &d.summary;
    json!({
        "id": s.id,
        "key": s.key,
        "category": s.catalog_id,
        "description": null,
        "name": s.name,
        "version": s.version,
        "resource": s.file_name,
        "deploymentId": s.deployment_id,
        "diagram": null,
        "suspended": false,
        "tenantId": tenant_out(&s.tenant_id),
        "versionTag": d.version_tag,
        "historyTimeToLive": null,
        "startableInTasklist": s.startable,
    })
}

/// Query parameters of the list and the count.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    process_definition_id: Option<String>,
    process_definition_id_in: Option<String>,
    key: Option<String>,
    key_like: Option<String>,
    name: Option<String>,
    name_like: Option<String>,
    version: Option<i64>,
    deployment_id: Option<String>,
    latest_version: Option<bool>,
    tenant_id_in: Option<String>,
    without_tenant_id: Option<bool>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    first_result: Option<i64>,
    max_results: Option<i64>,
}

impl ListParams {
    fn filter(self) -> RestResult<DefinitionFilter> {
        let order_by = match self.sort_by.as_deref().map(str::trim) {
            None | Some("") | Some("key") => DefinitionOrderBy::Key,
            Some("id") => DefinitionOrderBy::Id,
            Some("name") => DefinitionOrderBy::Name,
            Some("version") => DefinitionOrderBy::Version,
            Some("deploymentId") => DefinitionOrderBy::DeploymentId,
            Some("deployTime") => DefinitionOrderBy::DeployTime,
            Some("tenantId") => DefinitionOrderBy::TenantId,
            Some(other) => {
                return Err(RestError::invalid(format!(
                    "Cannot set query parameter 'sortBy' to value '{other}': use key, id, name, version, deploymentId, \
                     deployTime or tenantId."
                )))
            }
        };
        let mut ids = list(self.process_definition_id_in.as_deref());
        ids.extend(self.process_definition_id);
        let (offset, limit) = page(self.first_result, self.max_results);
        Ok(DefinitionFilter {
            ids,
            key: self.key.filter(|k| !k.is_empty()),
            key_like: like(self.key_like),
            name: self.name.filter(|n| !n.is_empty()),
            name_like: like(self.name_like),
            version: self.version,
            deployment_id: self.deployment_id.filter(|d| !d.is_empty()),
            latest: self.latest_version.unwrap_or(false),
            tenants: tenants_in(self.tenant_id_in.as_deref(), self.without_tenant_id),
            order_by,
            descending: descending(self.sort_order.as_deref())?,
            offset,
            limit,
        })
    }
}

/// `GET /process-definition`.
async fn list_definitions(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<ListParams>,
) -> RestResult<Json<Vec<Value>>> {
    let found = state.engine.filter_definitions(&who.session.account, &p.filter()?).await?;
    Ok(Json(found.iter().map(definition_json).collect()))
}

/// `GET /process-definition/count`.
async fn count_definitions(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestQuery(p): RestQuery<ListParams>,
) -> RestResult<Json<Value>> {
    let n = state.engine.count_definitions(&who.session.account, &p.filter()?).await?;
    Ok(Json(json!({ "count": n })))
}

/// The definition a path names: by id, or the latest version of a key (in a tenant).
enum Named {
    Id(String),
    Key(String, Option<String>),
}

impl Named {
    async fn find(self, state: &AppState, who: &CurrentSession) -> RestResult<FilteredDefinition> {
        let caller = &who.session.account;
        let found = match self {
            Named::Id(id) => {
                let f = DefinitionFilter { ids: vec![id.clone()], limit: 1, ..DefinitionFilter::default() };
                state.engine.filter_definitions(caller, &f).await?.pop().ok_or_else(|| {
                    RestError::not_found(format!(
                        "No matching definition with id {id}; list them with GET {BASE}/process-definition."
                    ))
                })?
            }
            Named::Key(key, tenant) => state.engine.latest_definition(caller, &key, tenant.as_deref()).await?,
        };
        Ok(found)
    }

    /// The definition's BPMN XML as Camunda answers it: `{"id", "bpmn20Xml"}`.
    async fn xml(self, state: &AppState, who: &CurrentSession) -> RestResult<Json<Value>> {
        let d = self.find(state, who).await?;
        let full = state.engine.definition(&who.session.account, &d.summary.id).await?;
        Ok(Json(json!({ "id": d.summary.id, "bpmn20Xml": full.xml })))
    }

    /// Starts an instance of the definition: 200 with the instance (and its variables when
    /// `withVariablesInReturn`).
    async fn start(self, state: &AppState, who: &CurrentSession, body: StartBody) -> RestResult<Response> {
        let caller = &who.session.account;
        let mut req = StartRequest {
            tenant: None,
            business_key: body.business_key.filter(|b| !b.is_empty()),
            initiator: None,
            variables: untyped_map(body.variables)?,
        };
        let inst = match self {
            Named::Id(id) => state.engine.start_definition(caller, &id, req).await?,
            Named::Key(key, tenant) => {
                req.tenant = tenant;
                state.engine.start_instance(caller, &key, None, req).await?
            }
        };
        let mut out = instance_json(&inst);
        if body.with_variables_in_return == Some(true) {
            let vars = state.engine.process_instance_variables(caller, &inst.id).await?;
            out["variables"] = typed_map(&vars);
        }
        let location = format!("{BASE}/process-instance/{}", inst.id);
        Ok((StatusCode::OK, [(header::LOCATION, location)], Json(out)).into_response())
    }
}

/// `GET /process-definition/{id}`.
async fn by_id(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<Json<Value>> {
    Ok(Json(definition_json(&Named::Id(id).find(&state, &who).await?)))
}

/// `GET /process-definition/key/{key}`: the latest version.
async fn by_key(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(key): Path<String>,
) -> RestResult<Json<Value>> {
    Ok(Json(definition_json(&Named::Key(key, None).find(&state, &who).await?)))
}

/// `GET /process-definition/key/{key}/tenant-id/{tenant}`.
async fn by_key_in_tenant(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path((key, tenant)): Path<(String, String)>,
) -> RestResult<Json<Value>> {
    Ok(Json(definition_json(&Named::Key(key, Some(tenant)).find(&state, &who).await?)))
}

/// `GET /process-definition/{id}/xml`.
async fn xml_by_id(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> RestResult<Json<Value>> {
    Named::Id(id).xml(&state, &who).await
}

/// `GET /process-definition/key/{key}/xml`.
async fn xml_by_key(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(key): Path<String>,
) -> RestResult<Json<Value>> {
    Named::Key(key, None).xml(&state, &who).await
}

/// `GET /process-definition/key/{key}/tenant-id/{tenant}/xml`.
async fn xml_by_key_in_tenant(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path((key, tenant)): Path<(String, String)>,
) -> RestResult<Json<Value>> {
    Named::Key(key, Some(tenant)).xml(&state, &who).await
}

/// Body of the `/start` endpoints (Camunda's other fields, such as `startInstructions`, are
/// not read).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartBody {
    variables: Option<Map<String, Value>>,
    business_key: Option<String>,
    with_variables_in_return: Option<bool>,
}

/// `POST /process-definition/{id}/start`.
async fn start_by_id(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(id): Path<String>,
    RestJson(body): RestJson<StartBody>,
) -> RestResult<Response> {
    Named::Id(id).start(&state, &who, body).await
}

/// `POST /process-definition/key/{key}/start`: the latest version.
async fn start_by_key(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path(key): Path<String>,
    RestJson(body): RestJson<StartBody>,
) -> RestResult<Response> {
    Named::Key(key, None).start(&state, &who, body).await
}

/// `POST /process-definition/key/{key}/tenant-id/{tenant}/start`.
async fn start_by_key_in_tenant(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    Path((key, tenant)): Path<(String, String)>,
    RestJson(body): RestJson<StartBody>,
) -> RestResult<Response> {
    Named::Key(key, Some(tenant)).start(&state, &who, body).await
}
