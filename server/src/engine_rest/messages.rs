//! `POST /message` (correlate a message: deliver it to the instance waiting for it, or start
//! one at a message start event) and `POST /signal` (broadcast a signal).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use engine::events::{Correlated, MessageCorrelation};
use engine::identity::CurrentSession;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::instances::instance_json;
use super::types::{tenant_out, typed_map, untyped_map};
use super::{RestError, RestJson, RestResult};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/message", post(correlate)).route("/signal", post(signal))
}

/// Body of `POST /message`. The engine keeps variables per instance, so the `…Local` forms
/// are read as their instance-wide counterparts.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageBody {
    message_name: Option<String>,
    business_key: Option<String>,
    tenant_id: Option<String>,
    without_tenant_id: Option<bool>,
    process_instance_id: Option<String>,
    correlation_keys: Option<Map<String, Value>>,
    local_correlation_keys: Option<Map<String, Value>>,
    process_variables: Option<Map<String, Value>>,
    process_variables_local: Option<Map<String, Value>>,
    all: Option<bool>,
    result_enabled: Option<bool>,
    variables_in_result_enabled: Option<bool>,
}

/// Both typed maps as one map of engine values.
fn merged(a: Option<Map<String, Value>>, b: Option<Map<String, Value>>) -> RestResult<Map<String, Value>> {
    let mut out = untyped_map(a)?;
    out.extend(untyped_map(b)?);
    Ok(out)
}

/// A name a body must give, or 400 saying which field.
fn required(value: Option<String>, field: &str, example: &str) -> RestResult<String> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| RestError::invalid(format!("Give the '{field}', e.g. {{\"{field}\": \"{example}\"}}.")))
}

/// The tenant a body names: `tenantId`, or the console's default tenant for
/// `withoutTenantId` (Camunda's "no tenant").
fn tenant(tenant_id: Option<String>, without_tenant_id: Option<bool>) -> Option<String> {
    tenant_id
        .filter(|t| !t.is_empty())
        .or_else(|| (without_tenant_id == Some(true)).then(|| engine::demo::DEFAULT_TENANT.to_owned()))
}

/// `POST /message`: 204, or with `resultEnabled` 200 and one result per instance reached
/// (`resultType` `Execution` when it was waiting, `ProcessDefinition` when the message started
/// it). Nothing waiting, or several instances without `all`: 400 `RestException`.
async fn correlate(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestJson(body): RestJson<MessageBody>,
) -> RestResult<Response> {
    let name = required(body.message_name, "messageName", "PaymentReceived")?;
    let m = MessageCorrelation {
        name: name.clone(),
        business_key: body.business_key.filter(|b| !b.is_empty()),
        instance_id: body.process_instance_id.filter(|i| !i.is_empty()),
        correlation_keys: merged(body.correlation_keys, body.local_correlation_keys)?,
        variables: merged(body.process_variables, body.process_variables_local)?,
        all: body.all.unwrap_or(false),
        tenant: tenant(body.tenant_id, body.without_tenant_id),
    };
    let caller = &who.session.account;
    let correlated = state.engine.correlate_message(caller, m).await.map_err(|e| match e.status() {
        404 | 409 => RestError::new(
            StatusCode::BAD_REQUEST,
            "RestException",
            format!("Cannot correlate message '{name}': {}", e.user_message()),
        ),
        _ => RestError::from(e),
    })?;
    if body.result_enabled != Some(true) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let mut results = Vec::with_capacity(correlated.len());
    for c in correlated {
        results.push(result_json(&state, &who, c, body.variables_in_result_enabled == Some(true)).await?);
    }
    Ok(Json(results).into_response())
}

/// One correlation result in Camunda's `MessageCorrelationResultWithVariableDto` shape. The
/// engine has no executions apart from the instance: a waiting instance's execution has the
/// instance's id.
async fn result_json(state: &AppState, who: &CurrentSession, c: Correlated, with_variables: bool) -> RestResult<Value> {
    let caller = &who.session.account;
    let inst = state.engine.instance_summary(caller, &c.instance_id).await?;
    let mut out = if c.started {
        json!({"resultType": "ProcessDefinition", "execution": null, "processInstance": instance_json(&inst)})
    } else {
        let execution = json!({
            "id": inst.id,
            "processInstanceId": inst.id,
            "ended": inst.state.is_finished(),
            "tenantId": tenant_out(&inst.tenant_id),
        });
        json!({"resultType": "Execution", "execution": execution, "processInstance": null})
    };
    if with_variables {
        out["variables"] = typed_map(&state.engine.process_instance_variables(caller, &inst.id).await?);
    }
    Ok(out)
}

/// Body of `POST /signal`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignalBody {
    name: Option<String>,
    execution_id: Option<String>,
    variables: Option<Map<String, Value>>,
    tenant_id: Option<String>,
    without_tenant_id: Option<bool>,
}

/// `POST /signal`: broadcasts the signal to every instance waiting for it (and starts the
/// definitions with that signal start event); 204.
async fn signal(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    RestJson(body): RestJson<SignalBody>,
) -> RestResult<StatusCode> {
    let name = required(body.name, "name", "Alarm")?;
    if body.execution_id.is_some_and(|e| !e.is_empty()) {
        return Err(RestError::invalid(
            "Delivering a signal to one execution ('executionId') is not supported; leave it out to broadcast, \
             or correlate a message to that instance with POST /message.",
        ));
    }
    let vars = untyped_map(body.variables)?;
    let to = tenant(body.tenant_id, body.without_tenant_id);
    state.engine.broadcast_signal(&who.session.account, &name, vars, to).await?;
    Ok(StatusCode::NO_CONTENT)
}
