//! Messages, signals and event subscriptions: `POST /messages` correlates a message (delivers
//! it to the instance waiting for it, or starts one at a message start event), `POST /signals`
//! broadcasts a signal, `GET /event-subscriptions` lists what waits. Times are ISO 8601 UTC.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use bpmn_core::time::iso8601;
use engine::error::Text;
use engine::events::{Correlated, EventSubscription, MessageCorrelation, SubscriptionKind, SubscriptionQuery};
use engine::identity::CurrentSession;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{page_body, variables, ApiError, ApiJson, ApiQuery, ApiResult};
use crate::AppState;

/// The events routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/messages", post(correlate_message))
        .route("/api/v1/signals", post(broadcast_signal))
        .route("/api/v1/event-subscriptions", get(list_subscriptions))
}

/// Body of `POST /messages`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct MessageBody {
    name: Option<String>,
    business_key: Option<String>,
    instance_id: Option<String>,
    correlation_keys: Option<Value>,
    variables: Option<Value>,
    all: Option<bool>,
    tenant: Option<String>,
}

/// The name of a body, or 422.
/// `what` is the catalog key of the word for what is named (`req.word.message`).
fn name(n: Option<String>, what: &'static str) -> ApiResult<String> {
    match n.filter(|n| !n.trim().is_empty()) {
        Some(n) => Ok(n),
        None => Err(ApiError::invalid(Text::new("req.api.name_missing").with_text("what", Text::new(what)))),
    }
}

/// One instance a message reached.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiCorrelated {
    instance_id: String,
    /// True when the message started the instance.
    started: bool,
}

impl From<Correlated> for ApiCorrelated {
    fn from(c: Correlated) -> Self {
        ApiCorrelated { instance_id: c.instance_id, started: c.started }
    }
}

/// `POST /api/v1/messages`: 200 `{"correlated": [{"instanceId", "started"}]}`; 404 when
/// nothing waits for it, 409 (`ambiguous`) when several instances do and `all` is not true.
async fn correlate_message(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    ApiJson(body): ApiJson<MessageBody>,
) -> ApiResult<Json<Value>> {
    let correlation_keys = match body.correlation_keys {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(ApiError::invalid(Text::new("req.api.correlation_keys"))),
    };
    let m = MessageCorrelation {
        name: name(body.name, "req.word.message")?,
        business_key: body.business_key.filter(|b| !b.is_empty()),
        instance_id: body.instance_id.filter(|i| !i.is_empty()),
        correlation_keys,
        variables: variables(body.variables)?,
        all: body.all.unwrap_or(false),
        tenant: body.tenant.filter(|t| !t.is_empty()),
    };
    let correlated = state.engine.correlate_message(&who.session.account, m).await?;
    let list: Vec<ApiCorrelated> = correlated.into_iter().map(ApiCorrelated::from).collect();
    Ok(Json(json!({ "correlated": list })))
}

/// Body of `POST /signals`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct SignalBody {
    name: Option<String>,
    variables: Option<Value>,
    tenant: Option<String>,
}

/// `POST /api/v1/signals`: 200 `{"instances": N}`, the instances reached (delivered to or
/// started).
async fn broadcast_signal(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    ApiJson(body): ApiJson<SignalBody>,
) -> ApiResult<Json<Value>> {
    let name = name(body.name, "req.word.signal")?;
    let vars = variables(body.variables)?;
    let n =
        state.engine.broadcast_signal(&who.session.account, &name, vars, body.tenant.filter(|t| !t.is_empty())).await?;
    Ok(Json(json!({ "instances": n })))
}

/// A waiting subscription as API clients see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiSubscription {
    id: String,
    tenant: String,
    /// `message` or `signal`.
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    /// Absent for a definition's start event.
    instance_id: Option<String>,
    definition_id: String,
    definition_name: String,
    activity_id: String,
    activity_name: String,
    business_key: Option<String>,
    created: String,
}

impl From<EventSubscription> for ApiSubscription {
    fn from(s: EventSubscription) -> Self {
        ApiSubscription {
            id: s.id,
            tenant: s.tenant_id,
            kind: s.kind.as_str(),
            name: s.name,
            instance_id: s.instance_id,
            definition_id: s.definition_id,
            definition_name: s.definition_name,
            activity_id: s.activity_id,
            activity_name: s.activity_name,
            business_key: s.business_key,
            created: iso8601(s.created),
        }
    }
}

/// Query of `GET /event-subscriptions`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionParams {
    name: Option<String>,
    instance_id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    tenant: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/event-subscriptions`: a page of waiting subscriptions, oldest first.
async fn list_subscriptions(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    ApiQuery(p): ApiQuery<SubscriptionParams>,
) -> ApiResult<Json<Value>> {
    let kind = match p.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(
            SubscriptionKind::parse(k)
                .ok_or_else(|| ApiError::invalid(Text::new("req.api.subscription_type").with("kind", k)))?,
        ),
    };
    let q = SubscriptionQuery {
        name: p.name.filter(|n| !n.trim().is_empty()),
        instance_id: p.instance_id.filter(|i| !i.is_empty()),
        kind,
        tenant: p.tenant.filter(|t| !t.is_empty()),
        cursor: p.cursor.filter(|c| !c.is_empty()),
        limit: super::limit(p.limit),
    };
    let page = state.engine.event_subscriptions(&who.session.account, &q).await?;
    let items = page.items.into_iter().map(ApiSubscription::from).collect();
    Ok(Json(page_body(bpmn_core::page::Page { items, next: page.next, total: None })))
}
