//! A job's retries set by hand (Camunda's `POST /job/{id}/retries`): with retries left, a job
//! in error is pending again and its incident resolved, so that an executor runs it at once;
//! with none, a job becomes in error with an incident saying who stopped it.

use super::{resolve_incidents, JobCommand, JobState};
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::history::JobRecord;
use crate::identity::Account;
use crate::store::jobs::JobWrite;
use crate::Engine;

impl Engine {
    /// Sets the retries of job `id`; answers the job as it is then. 400 for a negative number,
    /// 404 when the job is gone or not the caller's, 409 when it is running or its instance
    /// ended.
    pub async fn set_job_retries(&self, caller: &Account, id: &str, retries: i64) -> Result<JobRecord> {
        if retries < 0 {
            return Err(EngineError::invalid(
                "retries",
                Text::new("run.job_retries_negative").with("retries", retries),
            ));
        }
        let (job, token) = self.job_row(caller, id).await?;
        self.job_instance_ok(&job, "run.job_op.set_retries").await?;
        if job.state == JobState::Running {
            return Err(EngineError::conflict(
                ConflictReason::JobRunning,
                Text::new("run.job_running_retries").with("job", &job.name),
            ));
        }
        let now = self.clock.now();
        let in_error = job.state == JobState::Error;
        let message = Text::new("run.job.retries_zero").with("name", &job.name).with("user", &caller.username);
        self.run_job_command(&job.instance_id, &caller.username, |_| {
            Ok(JobCommand {
                guards: vec![JobWrite::SetRetries { id: id.to_owned(), retries }],
                writes: if retries > 0 && in_error {
                    resolve_incidents(&job.instance_id, token, now)
                } else {
                    Vec::new()
                },
                incidents: if retries == 0 && !in_error {
                    vec![(token, job.activity_id.clone(), message.clone())]
                } else {
                    Vec::new()
                },
                operation: Some(("set-job-retries".into(), format!("{}: {retries}", job.name), String::new())),
                ..JobCommand::default()
            })
        })
        .await
        .map_err(|e| match e {
            EngineError::Conflict { reason: ConflictReason::ClaimLost, .. } => EngineError::conflict(
                ConflictReason::ChangedMeanwhile,
                Text::new("run.job_changed_retries").with("job", &job.name),
            ),
            other => other,
        })?;
        self.job_record(caller, id).await
    }
}
