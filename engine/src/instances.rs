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

mod claims;
mod command;
mod deliver;
mod filter;
mod loaded;
mod names;
mod ops;
mod query;
mod stamp;
mod step_writes;
mod task_filter;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use self::claims::Assignment;
pub(crate) use self::command::{set_variables_before, VariablesBefore};
pub(crate) use self::deliver::{check_variables, Delivery};
pub(crate) use self::filter::scoped_tenants;
pub use self::filter::{InstanceFilter, InstanceOrderBy, MAX_FILTER_PAGE};
pub(crate) use self::loaded::ProcessCache;
pub(crate) use self::ops::LatestVersions;
pub use self::query::{InstanceCategory, InstanceQuery, InstanceSort, TaskCategory, TaskOrder, TaskQuery};
pub(crate) use self::stamp::next_stamp;
pub use self::task_filter::{TaskFilter, TaskRecord, TaskSort};

pub use bpmn_core::instance::InstanceStatus;

pub use bpmn_core::instance::InstanceSummary;

/// A start's answer: the instance as listed, and the user tasks the start opened.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    pub instance: InstanceSummary,
    /// Ids of the user tasks the start created, in the order the tokens reached them.
    pub created_tasks: Vec<String>,
}

pub use bpmn_core::task::TaskState;

pub use bpmn_core::task::Task;

pub use bpmn_core::instance::ActivityRecord;

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
    /// The actor's name in the organisation, when it knows the login.
    pub actor_name: Option<String>,
}

pub use bpmn_core::instance::Operation;

pub use bpmn_core::instance::Incident;

pub use bpmn_core::instance::InstanceJob;

pub use bpmn_core::instance::ActiveActivity;

pub use bpmn_core::instance::MoveTarget;

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

pub use bpmn_core::variable::VariableType;
