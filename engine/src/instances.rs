//! Process instances at run time: starting them, completing their user tasks, the
//! administrator operations (suspend, resume, terminate, adjust, reassign, withdraw, delete
//! task, edit variables), and the lists and detail the console shows.
//!
//! Every command is one transaction. The instance row carries the token state as JSON and a
//! `revision`: a command reads the row, lets the pure core ([`crate::runtime::step`]) decide,
//! then writes the instance first with `WHERE revision = <read>` and carries out the core's
//! effects (history, tasks, jobs, incidents, child instances) in the same transaction. A
//! concurrent change makes that first write match nothing, and the command is refused with
//! "changed meanwhile" (or, when the caller did not pin a revision, re-read and retried).

mod command;
mod loaded;
mod ops;
mod query;
mod stamp;
mod step_writes;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub(crate) use self::loaded::ProcessCache;
pub(crate) use self::ops::LatestVersions;
pub use self::query::{InstanceCategory, InstanceQuery, InstanceSort, TaskCategory, TaskQuery};
pub(crate) use self::stamp::next_stamp;

/// An instance's state as users see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstanceStatus {
    /// 运行: tokens move.
    Running,
    /// 挂起: tasks cannot be completed and jobs wait until it is resumed.
    Suspended,
    /// 终止: ended by an administrator.
    Terminated,
    /// 完成: ended normally.
    Completed,
}

impl InstanceStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Running => "running",
            InstanceStatus::Suspended => "suspended",
            InstanceStatus::Terminated => "terminated",
            InstanceStatus::Completed => "completed",
        }
    }

    pub(crate) fn parse(s: &str) -> InstanceStatus {
        // The column has a CHECK constraint; nothing else can be stored.
        match s {
            "suspended" => InstanceStatus::Suspended,
            "terminated" => InstanceStatus::Terminated,
            "completed" => InstanceStatus::Completed,
            _ => InstanceStatus::Running,
        }
    }

    /// Completed or terminated.
    pub fn is_finished(self) -> bool {
        matches!(self, InstanceStatus::Terminated | InstanceStatus::Completed)
    }
}

/// A process instance as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceSummary {
    pub id: String,
    pub tenant_id: String,
    pub definition_id: String,
    pub definition_key: String,
    pub definition_name: String,
    pub version: i64,
    pub business_key: Option<String>,
    pub initiator: Option<String>,
    pub state: InstanceStatus,
    pub start_time: i64,
    pub end_time: Option<i64>,
    /// Names of the activities tokens wait in.
    pub current_activities: Vec<String>,
    /// Ids of those activities, in the same order.
    pub active_activity_ids: Vec<String>,
    /// Incidents not yet resolved.
    pub open_incidents: i64,
    /// The instance whose call activity started this one.
    pub parent_instance_id: Option<String>,
    pub revision: i64,
}

/// A start's answer: the instance as listed, and the user tasks the start opened.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    pub instance: InstanceSummary,
    /// Ids of the user tasks the start created, in the order the tokens reached them.
    pub created_tasks: Vec<String>,
}

/// A user task's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    Active,
    Completed,
    Cancelled,
}

impl TaskState {
    pub(crate) fn parse(s: &str) -> TaskState {
        match s {
            "completed" => TaskState::Completed,
            "cancelled" => TaskState::Cancelled,
            _ => TaskState::Active,
        }
    }
}

/// A user task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub activity_id: String,
    pub instance_id: String,
    pub definition_name: String,
    pub assignee: Option<String>,
    /// The assignee's name from the organisation, when the id is a known person.
    pub assignee_name: Option<String>,
    pub candidate_users: Vec<String>,
    pub candidate_groups: Vec<String>,
    pub priority: i64,
    pub form_key: Option<String>,
    pub created: i64,
    pub due: Option<i64>,
    pub end_time: Option<i64>,
    pub state: TaskState,
    /// How it ended: `completed`, `cancelled`, `moved`, `withdrawn` or `terminated`.
    pub end_reason: Option<String>,
    pub completed_by: Option<String>,
    /// Active and past its due time (逾期).
    pub overdue: bool,
    /// The state of its instance, so that screens can enable only the allowed actions.
    pub instance_state: InstanceStatus,
    pub revision: i64,
}

/// One activity instance of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityRecord {
    pub id: i64,
    pub token: i64,
    pub activity_id: String,
    pub activity_name: String,
    /// The element's tag: `userTask`, `exclusiveGateway`, ...
    pub activity_type: String,
    pub start_time: i64,
    pub end_time: Option<i64>,
    /// `completed`, `cancelled`, `moved`, `withdrawn`; `None` while active.
    pub outcome: Option<String>,
    pub actor: Option<String>,
    pub task_id: Option<String>,
}

/// One change of a variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariableChange {
    pub id: i64,
    pub name: String,
    /// `None` when the variable was removed.
    pub value: Option<Value>,
    pub at: i64,
    pub actor: String,
}

/// An administrator operation on an instance or one of its tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    /// `start`, `suspend`, `resume`, `terminate`, `move`, `reassign`, `withdraw`,
    /// `delete-task`, `set-variable`, `delete-variable`, `retry`.
    pub operation: String,
    pub detail: String,
    pub reason: String,
}

/// A problem that stops a token: a gateway with no matching flow, a failing expression, a
/// job whose retries are used up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub id: String,
    pub token: i64,
    pub activity_id: String,
    pub message: String,
    pub created: i64,
    pub resolved: Option<i64>,
}

/// A job of an instance, as the instance detail shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceJob {
    pub id: String,
    pub name: String,
    pub activity_id: String,
    /// `timer`, `service` or `async`.
    pub kind: String,
    pub due: i64,
    pub retries: i64,
    /// `pending`, `running` or `error`.
    pub state: String,
    pub error: Option<String>,
}

/// An activity a token waits in: what the adjust dialog offers to move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveActivity {
    pub activity_id: String,
    pub name: String,
    pub activity_type: String,
    /// How many tokens wait there.
    pub tokens: usize,
}

/// A node tokens can be moved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveTarget {
    pub activity_id: String,
    pub name: String,
    pub activity_type: String,
}

/// Everything the instance screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceDetail {
    #[serde(flatten)]
    pub summary: InstanceSummary,
    pub variables: Map<String, Value>,
    pub history: Vec<ActivityRecord>,
    pub tasks: Vec<Task>,
    pub incidents: Vec<Incident>,
    pub operations: Vec<Operation>,
    pub variable_history: Vec<VariableChange>,
    pub jobs: Vec<InstanceJob>,
    pub active: Vec<ActiveActivity>,
    pub move_targets: Vec<MoveTarget>,
    /// Child instances started by call activities.
    pub children: Vec<InstanceSummary>,
}

/// What starting an instance needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StartRequest {
    /// The tenant whose definition of `key` to start; needed only when an administrator has
    /// the key in several tenants.
    pub tenant: Option<String>,
    pub business_key: Option<String>,
    /// Who started it; the caller's user name when absent.
    pub initiator: Option<String>,
    pub variables: Map<String, Value>,
}

/// The kinds of values a variable holds, for the variable editor's type check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VariableType {
    String,
    Number,
    Boolean,
    /// An ISO 8601 date or date-time, kept as text.
    Date,
    /// Any JSON object or array.
    Object,
}

impl VariableType {
    /// The type a stored value shows as.
    pub fn of(value: &Value) -> VariableType {
        match value {
            Value::Bool(_) => VariableType::Boolean,
            Value::Number(_) => VariableType::Number,
            Value::String(s) if crate::schedule::parse_datetime(s).is_ok() => VariableType::Date,
            Value::String(_) | Value::Null => VariableType::String,
            Value::Array(_) | Value::Object(_) => VariableType::Object,
        }
    }

    /// Reads `text` as a value of this type; the error says what was expected.
    pub fn parse(self, text: &str) -> Result<Value, String> {
        let t = text.trim();
        match self {
            VariableType::String => Ok(Value::String(text.to_owned())),
            VariableType::Number => t
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| t.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number).ok_or(()))
                .map_err(|_| format!("`{t}` is not a number (e.g. 5000 or 12.5).")),
            VariableType::Boolean => match t {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("`{t}` is not a boolean: write true or false.")),
            },
            VariableType::Date => {
                crate::schedule::parse_datetime(t).map(|_| Value::String(t.to_owned())).map_err(|e| format!("{e}"))
            }
            VariableType::Object => match serde_json::from_str::<Value>(t) {
                Ok(v @ (Value::Object(_) | Value::Array(_))) => Ok(v),
                Ok(_) => Err("An object must be a JSON object or array, e.g. {\"a\": 1}.".into()),
                Err(e) => Err(format!("Not valid JSON: {e}.")),
            },
        }
    }
}
