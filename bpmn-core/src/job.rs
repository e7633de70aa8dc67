//! Jobs as users see them: what a job does, its state, the job as listed and its attempts, and
//! the scheduled timer start events.

use crate::text::Text;
use serde::{Deserialize, Serialize};

/// What a job does: 定时 timer, 服务调用 web-service call, 异步 asynchronous continuation, 信号
/// a signal thrown by a step to more receivers than its own transaction reaches, 外部任务 an
/// external task that a worker outside the engine fetches by its topic (the job executor never
/// runs it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Timer,
    Service,
    Async,
    Signal,
    External,
}

impl JobKind {
    /// Reads `timer`, `service`, `async`, `signal` or `external`.
    pub fn from_code(code: &str) -> JobKind {
        match code {
            "timer" => JobKind::Timer,
            "async" => JobKind::Async,
            "signal" => JobKind::Signal,
            "external" => JobKind::External,
            _ => JobKind::Service,
        }
    }

    /// `timer`, `service`, `async`, `signal` or `external`: the stored text, also used by tests
    /// and styles.
    pub fn code(self) -> &'static str {
        match self {
            JobKind::Timer => "timer",
            JobKind::Service => "service",
            JobKind::Async => "async",
            JobKind::Signal => "signal",
            JobKind::External => "external",
        }
    }
}

/// A job's state as users see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// 未执行: waiting for its due time or a free executor.
    Pending,
    /// 运行: an executor runs it.
    Running,
    /// 错误: the last attempt failed and no retries are left.
    Error,
}

impl JobState {
    /// Reads `pending`, `running` or `error`.
    pub fn from_code(code: &str) -> JobState {
        match code {
            "running" => JobState::Running,
            "error" => JobState::Error,
            _ => JobState::Pending,
        }
    }

    /// `pending`, `running` or `error`: the stored text, also used by tests and styles.
    pub fn code(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Error => "error",
        }
    }

    /// 执行 (run now) is offered for pending and failed jobs.
    pub fn can_execute(self) -> bool {
        self != JobState::Running
    }
}

/// A job as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: String,
    pub tenant_id: String,
    /// The activity's name.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: JobKind,
    pub instance_id: String,
    pub activity_id: String,
    pub process_name: String,
    pub due: i64,
    /// Retries left; `None` for an external task that never failed (its worker decides, as
    /// Camunda's `retries: null`).
    pub retries: Option<i64>,
    pub state: JobState,
    /// The last failure's message, in English.
    pub error: Option<String>,
    /// The same as a sentence to render in the reader's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_text: Option<Text>,
    pub error_details: Option<String>,
    /// For timers: the definition (`PT1M`, `R3/PT10M`, a date or cron).
    pub timer_definition: Option<String>,
    /// How often a cycle timer has fired.
    pub fired: i64,
    /// Attempts made so far.
    pub attempts: i64,
    /// The executor holding it while running; for an external task, the worker holding its lock.
    pub locked_by: Option<String>,
    /// When the executor's lease, or an external task's lock, expires.
    pub lock_expires_at: Option<i64>,
    /// An external task's topic.
    #[serde(default)]
    pub topic: Option<String>,
    /// The worker holding an external task's lock (as `locked_by`), while the lock lasts.
    #[serde(default)]
    pub worker: Option<String>,
    pub created: i64,
    pub revision: i64,
}

/// One attempt to run a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobAttempt {
    pub attempt: i64,
    pub executor: String,
    pub started: i64,
    pub finished: i64,
    pub ok: bool,
    /// What happened, in English.
    pub message: String,
    /// The same as a sentence to render in the reader's language.
    pub text: Text,
}

/// The categories of the jobs screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobCategory {
    /// 错误: jobs in error.
    Errors,
    /// 外部任务: external tasks, whatever their state.
    External,
    /// 全部.
    #[default]
    All,
}

/// A scheduled timer start event, as the 作业 screen lists it: it starts an instance of its
/// definition each time it is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartTimer {
    pub id: String,
    pub tenant_id: String,
    pub definition_id: String,
    pub process_key: String,
    pub process_name: String,
    pub version: i64,
    pub activity_id: String,
    /// The start event's name, else its id.
    pub name: String,
    /// `date`, `duration` or `cycle`.
    pub timer_kind: String,
    /// The timer's text (`R/PT1H`, a date, a duration or a cron expression).
    pub definition: String,
    /// When it fires next.
    pub due: i64,
    /// How often it has fired.
    pub fired: i64,
}

/// The console's operations on a job (the buttons of a job row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobAction {
    /// 执行
    Execute,
    /// 删除
    Delete,
}
