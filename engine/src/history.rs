//! Queries in the shape of Camunda 7's query API, for the `/engine-rest` endpoints: historic
//! process instances (every state), activity instances, open incidents and jobs, each with
//! its filters, an order of one or more keys and an offset window, and the count of the same
//! filter. Every query is restricted to the caller's tenant scope (an administrator sees
//! every tenant unless it names some).
//!
//! The tasks' query is [`crate::instances::TaskFilter`]; a job's retries are set in
//! `jobs::retries`.

use crate::error::Result;
use crate::identity::Account;
use crate::instances::{ActivityRecord, Incident, InstanceStatus, InstanceSummary};
use crate::jobs::Job;
use crate::Engine;

/// One key of a list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sorting<K> {
    pub key: K,
    pub descending: bool,
}

/// The rows of a list to answer: skip `first`, then at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub first: i64,
    pub max: i64,
}

impl Default for Window {
    fn default() -> Self {
        Window { first: 0, max: 1_000 }
    }
}

/// Filters of [`Engine::historic_instances`]: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoricInstanceFilter {
    /// Only these tenants (within the caller's scope); empty: all the caller sees.
    pub tenant_ids: Vec<String>,
    /// Only these instances; empty: any.
    pub instance_ids: Vec<String>,
    pub definition_id: Option<String>,
    pub definition_key: Option<String>,
    pub business_key: Option<String>,
    /// A `LIKE` pattern (`%` and `_` are wildcards, as in Camunda).
    pub business_key_like: Option<String>,
    /// `Some(true)`: completed or terminated; `Some(false)`: running or suspended.
    pub finished: Option<bool>,
    /// Only instances in one of these states; empty: any.
    pub states: Vec<InstanceStatus>,
    pub started_by: Option<String>,
    /// Only the instances a call activity of this instance started.
    pub parent_instance_id: Option<String>,
    pub started_after: Option<i64>,
    pub started_before: Option<i64>,
    pub sort: Vec<Sorting<HistoricInstanceSort>>,
}

/// Orders of historic process instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoricInstanceSort {
    Id,
    DefinitionId,
    DefinitionKey,
    DefinitionName,
    DefinitionVersion,
    BusinessKey,
    StartTime,
    EndTime,
    Duration,
    TenantId,
}

/// A process instance in any state, with the activity it started at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoricInstance {
    pub summary: InstanceSummary,
    pub start_activity_id: Option<String>,
}

/// Filters of [`Engine::activity_instances`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    pub tenant_ids: Vec<String>,
    pub instance_id: Option<String>,
    pub definition_id: Option<String>,
    pub activity_id: Option<String>,
    pub activity_name: Option<String>,
    /// The element's tag (`userTask`, `serviceTask`, `startEvent`, ...).
    pub activity_type: Option<String>,
    /// `Some(true)`: ended; `Some(false)`: still active.
    pub finished: Option<bool>,
    /// `Some(true)`: ended otherwise than completed (cancelled, moved, withdrawn, terminated).
    pub canceled: Option<bool>,
    /// Who completed it (a user task's assignee at completion).
    pub actor: Option<String>,
    pub started_after: Option<i64>,
    pub started_before: Option<i64>,
    pub sort: Vec<Sorting<ActivitySort>>,
}

/// Orders of activity instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivitySort {
    Id,
    InstanceId,
    ActivityId,
    ActivityName,
    ActivityType,
    StartTime,
    EndTime,
    Duration,
    DefinitionId,
    TenantId,
}

/// One activity instance with its process instance's definition and tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityInstance {
    pub record: ActivityRecord,
    pub instance_id: String,
    pub definition_id: String,
    pub definition_key: String,
    pub tenant_id: String,
}

/// Filters of [`Engine::open_incidents`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    pub tenant_ids: Vec<String>,
    pub incident_id: Option<String>,
    /// `failedJob` (a job out of retries) or `failedActivity` (any other stop of a token).
    pub incident_type: Option<String>,
    pub message: Option<String>,
    /// A `LIKE` pattern.
    pub message_like: Option<String>,
    pub definition_id: Option<String>,
    pub definition_keys: Vec<String>,
    pub instance_id: Option<String>,
    pub activity_id: Option<String>,
    /// The id of the failed job.
    pub job_id: Option<String>,
    pub sort: Vec<Sorting<IncidentSort>>,
}

/// Orders of incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentSort {
    Id,
    Message,
    Timestamp,
    Type,
    ActivityId,
    InstanceId,
    DefinitionId,
    JobId,
    TenantId,
}

/// The incident type of a job out of retries.
pub const FAILED_JOB: &str = "failedJob";
/// The incident type of any other stopped token (no gateway condition matched, a job
/// deleted by hand).
pub const FAILED_ACTIVITY: &str = "failedActivity";

/// An open incident with its instance's definition and tenant, and the failed job if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIncident {
    pub incident: Incident,
    pub instance_id: String,
    pub definition_id: String,
    pub tenant_id: String,
    /// The job in error on the incident's token, if the incident is a job's.
    pub job_id: Option<String>,
}

impl OpenIncident {
    /// [`FAILED_JOB`] or [`FAILED_ACTIVITY`].
    pub fn incident_type(&self) -> &'static str {
        if self.job_id.is_some() {
            FAILED_JOB
        } else {
            FAILED_ACTIVITY
        }
    }
}

/// Filters of [`Engine::find_jobs`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    pub tenant_ids: Vec<String>,
    pub job_ids: Vec<String>,
    pub instance_id: Option<String>,
    pub definition_id: Option<String>,
    pub definition_key: Option<String>,
    pub activity_id: Option<String>,
    /// Retries left (> 0).
    pub with_retries_left: bool,
    /// No retries left (0).
    pub no_retries_left: bool,
    /// Retries left, due, not suspended: an executor would take it now.
    pub executable: bool,
    /// Only timers.
    pub timers: bool,
    /// Only jobs that are not timers (service calls, asynchronous continuations, signals).
    pub messages: bool,
    /// Only jobs whose last attempt failed.
    pub with_exception: bool,
    pub exception_message: Option<String>,
    pub suspended: Option<bool>,
    pub due_before: Option<i64>,
    pub due_after: Option<i64>,
    pub sort: Vec<Sorting<JobSort>>,
}

/// Orders of jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobSort {
    Id,
    InstanceId,
    DefinitionId,
    DefinitionKey,
    Retries,
    DueDate,
    TenantId,
}

/// A job with its instance's definition and whether it is suspended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub job: Job,
    pub definition_id: String,
    pub definition_key: String,
    pub suspended: bool,
}

impl Engine {
    /// Process instances in any state, as Camunda's historic process instance query answers.
    pub async fn historic_instances(
        &self,
        caller: &Account,
        f: &HistoricInstanceFilter,
        window: Window,
    ) -> Result<Vec<HistoricInstance>> {
        self.store.historic_instances(caller.tenant_scope(), f, Some(window)).await
    }

    /// How many instances [`Engine::historic_instances`] finds without a window.
    pub async fn count_historic_instances(&self, caller: &Account, f: &HistoricInstanceFilter) -> Result<i64> {
        self.store.count_historic_instances(caller.tenant_scope(), f).await
    }

    /// Activity instances (history rows) of the instances the caller sees.
    pub async fn activity_instances(
        &self,
        caller: &Account,
        f: &ActivityFilter,
        window: Window,
    ) -> Result<Vec<ActivityInstance>> {
        self.store.activity_instances(caller.tenant_scope(), f, Some(window)).await
    }

    /// How many activity instances [`Engine::activity_instances`] finds without a window.
    pub async fn count_activity_instances(&self, caller: &Account, f: &ActivityFilter) -> Result<i64> {
        self.store.count_activity_instances(caller.tenant_scope(), f).await
    }

    /// The incidents not yet resolved.
    pub async fn open_incidents(
        &self,
        caller: &Account,
        f: &IncidentFilter,
        window: Window,
    ) -> Result<Vec<OpenIncident>> {
        self.store.open_incidents(caller.tenant_scope(), f, Some(window)).await
    }

    /// How many incidents [`Engine::open_incidents`] finds without a window.
    pub async fn count_open_incidents(&self, caller: &Account, f: &IncidentFilter) -> Result<i64> {
        self.store.count_open_incidents(caller.tenant_scope(), f).await
    }

    /// Jobs of the instances the caller sees.
    pub async fn find_jobs(&self, caller: &Account, f: &JobFilter, window: Window) -> Result<Vec<JobRecord>> {
        self.store.find_jobs(caller.tenant_scope(), f, self.clock.now(), Some(window)).await
    }

    /// How many jobs [`Engine::find_jobs`] finds without a window.
    pub async fn count_jobs(&self, caller: &Account, f: &JobFilter) -> Result<i64> {
        self.store.count_jobs(caller.tenant_scope(), f, self.clock.now()).await
    }

    /// One job with its definition; 404 when it is gone or not the caller's.
    pub async fn job_record(&self, caller: &Account, id: &str) -> Result<JobRecord> {
        let f = JobFilter { job_ids: vec![id.to_owned()], ..JobFilter::default() };
        let found = self.store.find_jobs(caller.tenant_scope(), &f, self.clock.now(), None).await?;
        found
            .into_iter()
            .next()
            .ok_or_else(|| crate::error::EngineError::NotFound { what: "thing.job", id: id.to_owned() })
    }
}
