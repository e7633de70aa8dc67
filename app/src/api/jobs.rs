//! Server functions of the 作业 Jobs screen: the list (categories 错误 / 全部, search by job
//! name, paging), one job with its attempts log, and the administrator's 执行 Execute and
//! 删除 Delete. The list polls the run-time change token (`runtime_changed`): an executor
//! claiming a job moves it, as does every outcome.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub use bpmn_core::job::{Job, JobAttempt, JobCategory, JobKind, JobState, StartTimer};

use crate::label::{Badge, Label};

/// 定时 timer, 服务调用 web-service call, 异步 asynchronous continuation.
impl Label for JobKind {
    fn label(self) -> &'static str {
        match self {
            JobKind::Timer => "job.kind.timer",
            JobKind::Service => "job.kind.service",
            JobKind::Async => "job.kind.async",
            JobKind::Signal => "job.kind.signal",
            JobKind::External => "job.kind.external",
        }
    }
}

/// 未执行 pending, 运行 running, 错误 error.
impl Label for JobState {
    fn label(self) -> &'static str {
        match self {
            JobState::Pending => "job.pending",
            JobState::Running => "job.running",
            JobState::Error => "job.error",
        }
    }
}

impl Badge for JobState {
    fn class(self) -> &'static str {
        match self {
            JobState::Pending => "badge badge-pending",
            JobState::Running => "badge badge-running",
            JobState::Error => "badge badge-terminated",
        }
    }
}

/// A job with its attempts log (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub row: Job,
    pub attempts: Vec<JobAttempt>,
}

/// One page of jobs, its total (a first page only) and the change token read before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobPage {
    pub items: Vec<Job>,
    pub next: Option<String>,
    pub total: Option<i64>,
    pub token: i64,
}

/// The timer start events within the caller's tenant scope, soonest due first.
#[server(endpoint = "start_timers", input = Json)]
pub async fn list_start_timers() -> Result<Vec<StartTimer>, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.list_start_timers(&s.session.account, s.session.tenant_id.as_deref()).await?)
}

/// One page of jobs within the caller's tenant scope, soonest due first (`latest_first`: the
/// latest); `search` matches words of the job name.
#[server(endpoint = "jobs", input = Json)]
pub async fn list_jobs(
    tab: JobCategory,
    search: String,
    latest_first: bool,
    cursor: Option<String>,
    size: i64,
) -> Result<JobPage, AppError> {
    use crate::ssr::{current, engine};
    use engine::jobs::JobQuery;
    let s = current()?;
    let e = engine()?;
    let q = JobQuery {
        category: tab,
        name: Some(search).filter(|s| !s.trim().is_empty()),
        instance_id: None,
        tenant: s.session.tenant_id.clone(),
        latest_first,
        cursor: cursor.filter(|c| !c.is_empty()),
        limit: crate::api::page_limit(size),
    };
    let token = e.runtime_change_token().await?;
    let page = e.list_jobs(&s.session.account, &q).await?;
    Ok(JobPage { items: page.items, next: page.next, total: page.total, token })
}

/// One job with its full error and the log of its attempts.
#[server(endpoint = "job", input = Json)]
pub async fn load_job(id: String) -> Result<JobView, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let d = engine()?.job(&s.session.account, &id).await?;
    Ok(JobView { row: d.job, attempts: d.attempts_log })
}

/// 执行 Execute: the job becomes due now (with at least one retry) and an executor runs it.
#[server(endpoint = "job_execute", input = Json)]
pub async fn execute_job(id: String) -> Result<Job, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.execute_job(&s.session.account, &id).await?)
}

/// 删除 Delete: removes the job; its instance gets an incident so the token is not silently stuck.
#[server(endpoint = "job_delete", input = Json)]
pub async fn delete_job(id: String) -> Result<(), AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.delete_job(&s.session.account, &id).await?)
}
