//! What a job does and its state as users see it.

use serde::{Deserialize, Serialize};

/// What a job does: 定时 timer, 服务调用 web-service call, 异步 asynchronous continuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Timer,
    Service,
    Async,
}

impl JobKind {
    /// Reads `timer`, `service` or `async`.
    pub fn from_code(code: &str) -> JobKind {
        match code {
            "timer" => JobKind::Timer,
            "async" => JobKind::Async,
            _ => JobKind::Service,
        }
    }

    /// `timer`, `service` or `async`: the stored text, also used by tests and styles.
    pub fn code(self) -> &'static str {
        match self {
            JobKind::Timer => "timer",
            JobKind::Service => "service",
            JobKind::Async => "async",
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
