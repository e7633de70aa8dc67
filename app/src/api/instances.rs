//! Server functions of the 实例 Instances screens (list, detail, suspend, resume, terminate,
//! adjust, variables, incidents), starting an instance from the definition page, and the
//! change token the run-time lists poll (instances, tasks and jobs). 任务 Tasks are in
//! `tasks`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub use bpmn_core::instance::{
    ActiveActivity, ActivityRecord, Incident, InstanceAction, InstanceCategory, InstanceJob, InstanceStatus,
    InstanceSummary, MoveTarget, Operation,
};
pub use bpmn_core::page::InstanceSort;
pub use bpmn_core::runtime::MoveWarning;
pub use bpmn_core::task::Task;
pub use bpmn_core::variable::VariableType;

use crate::label::{Badge, Label};

/// 运行, 挂起, 终止, 完成.
impl Label for InstanceStatus {
    fn label(self) -> &'static str {
        match self {
            InstanceStatus::Running => "state.running",
            InstanceStatus::Suspended => "state.suspended",
            InstanceStatus::Terminated => "state.terminated",
            InstanceStatus::Completed => "state.completed",
        }
    }
}

impl Badge for InstanceStatus {
    fn class(self) -> &'static str {
        match self {
            InstanceStatus::Running => "badge badge-running",
            InstanceStatus::Suspended => "badge badge-suspended",
            InstanceStatus::Terminated => "badge badge-terminated",
            InstanceStatus::Completed => "badge badge-completed",
        }
    }
}

/// What the instance list is filtered and sorted by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceFilter {
    pub tab: InstanceCategory,
    /// Words of the definition name.
    pub name: String,
    pub initiator: String,
    /// Started on or after this day (`YYYY-MM-DD`, UTC; empty = no limit).
    pub from: String,
    /// Started on or before this day.
    pub to: String,
    pub sort: InstanceSort,
}

/// One page of instances; `token` is the change token read before the page, so the
/// screen can tell when it is out of date; `total` as the engine counts it (a first page only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstancePage {
    pub items: Vec<InstanceSummary>,
    pub next: Option<String>,
    pub total: Option<i64>,
    pub token: i64,
}

impl Label for VariableType {
    fn label(self) -> &'static str {
        match self {
            VariableType::String => "vt.string",
            VariableType::Number => "vt.number",
            VariableType::Boolean => "vt.boolean",
            VariableType::Date => "vt.date",
            VariableType::Object => "vt.object",
        }
    }
}

/// An instance variable, its value as the editor shows it (text as is, anything else as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableRow {
    pub name: String,
    pub kind: VariableType,
    pub text: String,
}

/// One change of a variable; `value` is `None` when it was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableChangeRow {
    pub name: String,
    pub value: Option<String>,
    pub at: i64,
    pub actor: String,
    /// The actor's name in the organisation, when it knows the login.
    pub actor_name: Option<String>,
}

/// What the adjust dialog offers, as of `revision`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveOptions {
    pub revision: i64,
    pub state: InstanceStatus,
    pub active: Vec<ActiveActivity>,
    pub targets: Vec<MoveTarget>,
}

/// Everything the instance screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceView {
    pub row: InstanceSummary,
    pub variables: Vec<VariableRow>,
    pub history: Vec<ActivityRecord>,
    pub tasks: Vec<Task>,
    pub incidents: Vec<Incident>,
    pub operations: Vec<Operation>,
    pub variable_history: Vec<VariableChangeRow>,
    pub jobs: Vec<InstanceJob>,
    pub children: Vec<InstanceSummary>,
    /// The message and signal subscriptions it waits on, oldest first.
    pub subscriptions: Vec<bpmn_core::event::EventSubscription>,
    /// The diagram with the executed path and the current position, or why there is none.
    pub svg: Result<String, String>,
}

#[cfg(feature = "ssr")]
pub(super) mod convert {
    use super::*;
    use bpmn_core::text::Text;
    use engine::instances as rt;
    use serde_json::Value;

    /// A value as the editor shows it: strings without quotes, the rest as JSON.
    pub fn value_text(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    pub fn variable(name: String, value: &Value) -> VariableRow {
        VariableRow { kind: VariableType::of(value), text: value_text(value), name }
    }

    pub fn move_options(d: &rt::InstanceDetail) -> MoveOptions {
        MoveOptions {
            revision: d.summary.revision,
            state: d.summary.state,
            active: d.active.clone(),
            targets: d.move_targets.clone(),
        }
    }

    pub fn view(
        d: rt::InstanceDetail,
        subscriptions: Vec<bpmn_core::event::EventSubscription>,
        svg: Result<String, String>,
    ) -> InstanceView {
        InstanceView {
            variables: d.variables.iter().map(|(k, v)| variable(k.clone(), v)).collect(),
            history: d.history,
            tasks: d.tasks,
            incidents: d.incidents,
            operations: d.operations,
            variable_history: d
                .variable_history
                .into_iter()
                .map(|c| VariableChangeRow {
                    value: c.value.as_ref().map(value_text),
                    name: c.name,
                    at: c.at,
                    actor: c.actor,
                    actor_name: c.actor_name,
                })
                .collect(),
            jobs: d.jobs,
            children: d.children,
            subscriptions,
            row: d.summary,
            svg,
        }
    }

    /// Variables typed as a JSON object; empty text means none.
    pub fn variables_json(text: &str) -> Result<serde_json::Map<String, Value>, AppError> {
        if text.trim().is_empty() {
            return Ok(Default::default());
        }
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(AppError::invalid("variables", Text::new("req.variables.not_object"))),
            Err(e) => Err(AppError::invalid("variables", Text::new("req.variables.not_json").with("detail", e))),
        }
    }

    /// Empty text means "no reason given".
    pub fn blank_to_none(s: Option<String>) -> Option<String> {
        s.filter(|s| !s.trim().is_empty())
    }
}

/// The change token of the run-time lists: it moves whenever an instance or task changes.
/// The lists poll it and reload only when it moved.
#[server(endpoint = "runtime_changed", input = Json)]
pub async fn runtime_changed() -> Result<i64, AppError> {
    use crate::ssr::{current, engine};
    current()?;
    Ok(engine()?.runtime_change_token().await?)
}

/// One page of instances within the caller's tenant scope.
#[server(endpoint = "instances", input = Json)]
pub async fn list_instances(
    filter: InstanceFilter,
    cursor: Option<String>,
    size: i64,
) -> Result<InstancePage, AppError> {
    use crate::ssr::{current, engine};
    use engine::instances::InstanceQuery;
    let s = current()?;
    let e = engine()?;
    let day = |text: &str, field: &'static str| -> Result<Option<i64>, AppError> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        engine::schedule::parse_datetime(text.trim())
            .map(Some)
            .map_err(|e| AppError::invalid(field, bpmn_core::text::Text::new("req.day_invalid").with("detail", e)))
    };
    let q = InstanceQuery {
        tenant: s.session.tenant_id.clone(),
        category: filter.tab,
        definition_name: convert::blank_to_none(Some(filter.name)),
        initiator: convert::blank_to_none(Some(filter.initiator)),
        definition_id: None,
        started_after: day(&filter.from, "from")?,
        // The whole "to" day is included.
        started_before: day(&filter.to, "to")?.map(|d| d + 86_400_000),
        sort: filter.sort,
        cursor: cursor.filter(|c| !c.is_empty()),
        limit: crate::api::page_limit(size),
    };
    let token = e.runtime_change_token().await?;
    let page = e.list_instances(&s.session.account, &q).await?;
    Ok(InstancePage { items: page.items, next: page.next, total: page.total, token })
}

/// One instance with everything the detail screen shows (its waiting message and signal
/// subscriptions included), and its diagram.
#[server(endpoint = "instance", input = Json)]
pub async fn load_instance(id: String) -> Result<InstanceView, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let e = engine()?;
    let a = &s.session.account;
    let detail = e.instance(a, &id).await?;
    let subscriptions = e.instance_subscriptions(a, &id).await?;
    let svg = e.instance_diagram_svg(a, &id).await.map_err(|e| e.text().render(crate::ssr::request_lang()));
    Ok(convert::view(detail, subscriptions, svg))
}

/// The active activities and the possible targets of 调整 Adjust.
#[server(endpoint = "instance_move_options", input = Json)]
pub async fn load_move_options(id: String) -> Result<MoveOptions, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(convert::move_options(&engine()?.instance(&s.session.account, &id).await?))
}

/// 挂起 Suspend, 恢复 Resume or 终止 Terminate an instance as of the `revision` the screen saw.
#[server(endpoint = "instance_state", input = Json)]
pub async fn change_instance_state(
    id: String,
    action: InstanceAction,
    revision: i64,
    reason: Option<String>,
) -> Result<InstanceSummary, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let e = engine()?;
    let (a, reason, rev) = (&s.session.account, reason.unwrap_or_default(), Some(revision));
    let row = match action {
        InstanceAction::Suspend => e.suspend_instance(a, &id, &reason, rev).await?,
        InstanceAction::Resume => e.resume_instance(a, &id, &reason, rev).await?,
        InstanceAction::Terminate => e.terminate_instance(a, &id, &reason, rev).await?,
        InstanceAction::Adjust => {
            return Err(AppError::invalid("action", bpmn_core::text::Text::new("req.adjust_needs_dialog")))
        }
    };
    Ok(row)
}

/// What moving the tokens of `from` to `to` would leave behind (e.g. a join waiting for a
/// token that no longer exists), before the user saves.
#[server(endpoint = "instance_check_move", input = Json)]
pub async fn check_instance_move(id: String, from: Vec<String>, to: String) -> Result<Vec<MoveWarning>, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.check_move(&s.session.account, &id, &from, &to).await?)
}

/// 调整 Adjust: moves the tokens of the activities `from` to `to`.
#[server(endpoint = "instance_move", input = Json)]
pub async fn move_instance(
    id: String,
    from: Vec<String>,
    to: String,
    reason: String,
    revision: i64,
) -> Result<InstanceSummary, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.move_instance(&s.session.account, &id, &from, &to, &reason, Some(revision)).await?)
}

/// Starts an instance of one definition version; `variables` is a JSON object (or empty).
#[server(endpoint = "instance_start", input = Json)]
pub async fn start_instance(
    definition_id: String,
    business_key: String,
    variables: String,
) -> Result<InstanceSummary, AppError> {
    use crate::ssr::{current, engine};
    use engine::instances::StartRequest;
    let s = current()?;
    let req = StartRequest {
        tenant: None,
        business_key: convert::blank_to_none(Some(business_key)),
        initiator: None,
        variables: convert::variables_json(&variables)?,
    };
    Ok(engine()?.start_definition(&s.session.account, &definition_id, req).await?)
}

/// Sets an instance variable from the editor's type and text; a value that does not fit
/// the type is refused with the reason for the `value` field.
#[server(endpoint = "variable_set", input = Json)]
pub async fn set_variable(
    id: String,
    name: String,
    kind: VariableType,
    text: String,
    revision: i64,
) -> Result<InstanceSummary, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let value = kind
        .parse(&text)
        .map_err(|m| AppError::invalid("value", bpmn_core::text::Text::new("req.value_invalid").with("detail", m)))?;
    Ok(engine()?.set_variable(&s.session.account, &id, &name, Some(value), Some(revision)).await?)
}

/// Removes an instance variable.
#[server(endpoint = "variable_delete", input = Json)]
pub async fn delete_variable(id: String, name: String, revision: i64) -> Result<InstanceSummary, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.set_variable(&s.session.account, &id, &name, None, Some(revision)).await?)
}

/// Retries the token an open incident stopped.
#[server(endpoint = "incident_retry", input = Json)]
pub async fn retry_incident(id: String, incident_id: String) -> Result<InstanceSummary, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.retry_incident(&s.session.account, &id, &incident_id).await?)
}
