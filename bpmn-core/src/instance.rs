//! A process instance's state as users see it, the administrator actions each state allows
//! (one rule for the engine and for the buttons of the browser), and the parts of an
//! instance's detail that the server and the browser exchange as they are.

use crate::text::Text;
use serde::{Deserialize, Serialize};

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

    /// Reads the stored text.
    pub fn parse(s: &str) -> InstanceStatus {
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

    /// Whether `action` is allowed in this state.
    pub fn allows(self, action: InstanceAction) -> bool {
        use InstanceStatus::*;
        match action {
            InstanceAction::Suspend | InstanceAction::Adjust => self == Running,
            InstanceAction::Resume => self == Suspended,
            InstanceAction::Terminate => matches!(self, Running | Suspended),
        }
    }
}

/// The administrator operations on an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstanceAction {
    Adjust,
    Suspend,
    Resume,
    Terminate,
}

/// A process instance as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The initiator's name when the organisation of the instance's tenant knows the login
    /// (filled by the engine after the rows are read; `None` for a console account).
    #[serde(default)]
    pub initiator_name: Option<String>,
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
    /// The actor's name in the organisation, when it knows the login.
    #[serde(default)]
    pub actor_name: Option<String>,
    pub task_id: Option<String>,
}

/// An administrator operation on an instance or one of its tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    /// The actor's name in the organisation, when it knows the login (not for a console
    /// account such as `admin`, nor for the engine itself).
    #[serde(default)]
    pub actor_name: Option<String>,
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
    /// What went wrong, in English.
    pub message: String,
    /// The same as a sentence to render in the reader's language.
    pub text: Text,
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
    /// Retries left; `None` for an external task that never failed (its worker decides).
    pub retries: Option<i64>,
    /// `pending`, `running` or `error`.
    pub state: String,
    /// The last failure's message, in English, and as a sentence.
    pub error: Option<String>,
    pub error_text: Option<Text>,
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

/// The instance list's quick categories.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstanceCategory {
    /// 全部
    #[default]
    All,
    /// 完成: completed or terminated.
    Completed,
    /// 未完成: running or suspended.
    Unfinished,
    /// 已挂起: suspended.
    Suspended,
    /// 有异常: with an open incident.
    Incidents,
}
