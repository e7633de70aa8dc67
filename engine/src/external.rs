//! External tasks: service tasks (and message throw events, send tasks) with an external
//! topic (`camunda:type="external" camunda:topic="..."`, Flowable's
//! `flowable:type="external-worker" flowable:topic="..."`) wait for a worker outside the
//! engine. Workers fetch and lock them by topic (long polling, without holding a database
//! connection while they wait), then complete them with variables, report a failure (retries
//! left: pending again after the retry timeout; none: an incident), throw a BPMN error that the
//! model catches, extend or give up their lock.
//!
//! They are jobs of kind `external` (作业 → 外部任务): the job executor never runs them; the
//! 作业 screen shows topic, worker, lock expiry, retries and error, and offers 执行 (unlock and
//! reset the retries) and 删除.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{EngineError, Result};
use crate::identity::Account;
use crate::Engine;

/// The longest a fetch-and-lock request may wait for a task to appear.
pub const MAX_ASYNC_RESPONSE_TIMEOUT_MS: u64 = 30_000;

/// One topic of a fetch-and-lock request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FetchTopic {
    pub topic_name: String,
    /// How long the worker keeps the lock, in milliseconds.
    pub lock_duration_ms: i64,
    /// The variables to return; `None` returns every variable the task's token sees.
    pub variables: Option<Vec<String>>,
    /// Only tasks of instances with this business key.
    pub business_key: Option<String>,
    /// Only tasks of definitions with one of these keys.
    pub process_definition_keys: Vec<String>,
    /// Only tasks of these tenants.
    pub tenant_ids: Vec<String>,
}

/// `POST /external-task/fetchAndLock`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FetchAndLock {
    pub worker_id: String,
    pub max_tasks: u32,
    /// Higher priorities first (otherwise oldest first).
    pub use_priority: bool,
    pub topics: Vec<FetchTopic>,
    /// Wait up to this long (at most [`MAX_ASYNC_RESPONSE_TIMEOUT_MS`]) when nothing is there.
    pub async_response_timeout_ms: u64,
}

/// A task handed to a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockedExternalTask {
    pub id: String,
    pub topic_name: String,
    pub worker_id: String,
    pub lock_expiration_time: i64,
    pub activity_id: String,
    /// The token's id within the instance, as text (Camunda's activity instance and execution).
    pub execution_id: String,
    pub process_instance_id: String,
    pub process_definition_id: String,
    pub process_definition_key: String,
    pub tenant_id: String,
    pub business_key: Option<String>,
    pub retries: Option<i32>,
    pub error_message: Option<String>,
    pub error_details: Option<String>,
    pub priority: i64,
    pub variables: Map<String, Value>,
}

/// An external task as listed (`GET /external-task`, the 作业 screen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalTask {
    pub id: String,
    pub topic_name: String,
    pub worker_id: Option<String>,
    pub lock_expiration_time: Option<i64>,
    pub activity_id: String,
    pub execution_id: String,
    pub process_instance_id: String,
    pub process_definition_id: String,
    pub process_definition_key: String,
    pub tenant_id: String,
    pub business_key: Option<String>,
    pub retries: Option<i32>,
    pub error_message: Option<String>,
    pub suspended: bool,
    pub priority: i64,
    pub created_at: i64,
}

/// Filters of `GET /external-task` (and `/count`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExternalTaskQuery {
    pub external_task_id: Option<String>,
    pub topic_name: Option<String>,
    pub worker_id: Option<String>,
    /// `Some(true)`: only locked ones (lock not expired); `Some(false)`: only free ones.
    pub locked: Option<bool>,
    /// `Some(true)`: retries left (or never failed); `Some(false)`: out of retries.
    pub with_retries_left: Option<bool>,
    pub process_instance_id: Option<String>,
    pub process_definition_id: Option<String>,
    pub activity_id: Option<String>,
    pub tenant_ids: Vec<String>,
    pub first_result: i64,
    pub max_results: i64,
}

/// `POST /external-task/{id}/failure`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExternalFailure {
    pub error_message: Option<String>,
    pub error_details: Option<String>,
    /// Retries left after this failure; 0 makes an incident.
    pub retries: i32,
    /// When the task may be fetched again, in milliseconds from now.
    pub retry_timeout_ms: i64,
}

fn not_built() -> EngineError {
    EngineError::Invalid { field: None, message: "External tasks are not available yet.".into() }
}

impl Engine {
    /// Locks up to `max_tasks` tasks of the request's topics for `worker_id` and returns them
    /// with their variables; when none is free, waits (without a database connection) up to
    /// the request's timeout for one to appear.
    pub async fn fetch_and_lock(&self, caller: &Account, req: FetchAndLock) -> Result<Vec<LockedExternalTask>> {
        let _ = (caller, req);
        Err(not_built())
    }

    /// Completes the task locked by `worker_id`: sets `variables` (instance) and
    /// `local_variables` (the token's), and the token moves on.
    pub async fn complete_external_task(
        &self,
        caller: &Account,
        id: &str,
        worker_id: &str,
        variables: Map<String, Value>,
        local_variables: Map<String, Value>,
    ) -> Result<()> {
        let _ = (caller, id, worker_id, variables, local_variables);
        Err(not_built())
    }

    /// Records a failure of the task locked by `worker_id`: pending again after the retry
    /// timeout while retries are left, otherwise an incident.
    pub async fn fail_external_task(
        &self,
        caller: &Account,
        id: &str,
        worker_id: &str,
        failure: ExternalFailure,
    ) -> Result<()> {
        let _ = (caller, id, worker_id, failure);
        Err(not_built())
    }

    /// Throws the BPMN error `code` at the task's activity, caught like an error thrown by the
    /// activity (boundary event, event sub-process); `variables` are set first. Uncaught: an
    /// incident, as for a service call.
    pub async fn external_bpmn_error(
        &self,
        caller: &Account,
        id: &str,
        worker_id: &str,
        code: &str,
        message: Option<&str>,
        variables: Map<String, Value>,
    ) -> Result<()> {
        let _ = (caller, id, worker_id, code, message, variables);
        Err(not_built())
    }

    /// Extends the lock of `worker_id` to `new_duration_ms` from now.
    pub async fn extend_external_lock(
        &self,
        caller: &Account,
        id: &str,
        worker_id: &str,
        new_duration_ms: i64,
    ) -> Result<()> {
        let _ = (caller, id, worker_id, new_duration_ms);
        Err(not_built())
    }

    /// Frees the task's lock so any worker may fetch it.
    pub async fn unlock_external_task(&self, caller: &Account, id: &str) -> Result<()> {
        let _ = (caller, id);
        Err(not_built())
    }

    /// Sets the retries of a task (0 makes an incident; more resolves it).
    pub async fn set_external_task_retries(&self, caller: &Account, id: &str, retries: i32) -> Result<()> {
        let _ = (caller, id, retries);
        Err(not_built())
    }

    /// One task.
    pub async fn external_task(&self, caller: &Account, id: &str) -> Result<ExternalTask> {
        let _ = (caller, id);
        Err(not_built())
    }

    /// A page of tasks, oldest first.
    pub async fn external_tasks(&self, caller: &Account, q: &ExternalTaskQuery) -> Result<Vec<ExternalTask>> {
        let _ = (caller, q);
        Err(not_built())
    }

    /// How many tasks match (paging ignored).
    pub async fn count_external_tasks(&self, caller: &Account, q: &ExternalTaskQuery) -> Result<u64> {
        let _ = (caller, q);
        Err(not_built())
    }
}
