//! A user task as listed, and its state.

use serde::{Deserialize, Serialize};

use crate::instance::InstanceStatus;

/// A user task's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    Active,
    Completed,
    Cancelled,
}

impl TaskState {
    /// Reads the stored text.
    pub fn parse(s: &str) -> TaskState {
        match s {
            "completed" => TaskState::Completed,
            "cancelled" => TaskState::Cancelled,
            _ => TaskState::Active,
        }
    }
}

/// A user task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The names of `candidate_users` from the organisation, in their order (`None`: no person
    /// of the task's tenant); filled in the task list, empty elsewhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidate_user_names: Vec<Option<String>>,
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

/// The task list's categories.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskCategory {
    /// 待办: active.
    #[default]
    Todo,
    /// 逾期: active and past due (most overdue first).
    Overdue,
    /// 已完成
    Completed,
    /// 所有
    All,
}

/// The console's operations on a task (the buttons of a task row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskAction {
    /// 完成
    Complete,
    /// 改派
    Reassign,
    /// 撤回 (the state alone; whether the next step is untouched is decided on the server)
    Withdraw,
    /// 删除
    Delete,
}
