//! Timer start events: deploying a version whose process starts on a timer schedules it
//! (replacing the timers of earlier versions of the key); the executor starts an instance
//! each time one is due.
//!
//! A firing is claimed (a revision-checked move to the next due time) in the transaction that
//! starts its instance, so two executors never start the same firing twice and an executor
//! that dies before the commit leaves the firing due for the next one: each firing starts
//! exactly one instance unless the start is refused (then the firing is skipped and logged).

use sqlx::Row;

use crate::bpmn::model::{Definitions, EventTrigger, NodeKind, TimerDefinition};
use crate::deploy::FileOutcome;
use crate::error::{EngineError, Result};
use crate::identity::Account;
use crate::instances::StartRequest;
use crate::schedule::{self, TimerKindText};
use crate::sql::{bind_all, Arg};
use crate::store::new_id;
use crate::Engine;

/// The process-level timer start events of process `key`: (element id, kind, text).
fn timer_starts(defs: &Definitions, key: &str) -> Vec<(String, TimerKindText, String)> {
    let Some(process) = defs.process(key) else { return Vec::new() };
    process
        .children(None)
        .filter_map(|(_, n)| match &n.kind {
            NodeKind::StartEvent { trigger: EventTrigger::Timer(t), .. } => {
                let (kind, text) = match t {
                    TimerDefinition::Date(s) => (TimerKindText::Date, s),
                    TimerDefinition::Duration(s) => (TimerKindText::Duration, s),
                    TimerDefinition::Cycle(s) => (TimerKindText::Cycle, s),
                };
                Some((n.id.clone(), kind, text.trim().to_owned()))
            }
            _ => None,
        })
        .collect()
}

fn kind_text(kind: TimerKindText) -> &'static str {
    match kind {
        TimerKindText::Date => "date",
        TimerKindText::Duration => "duration",
        TimerKindText::Cycle => "cycle",
    }
}

fn parse_kind(s: &str) -> TimerKindText {
    match s {
        "date" => TimerKindText::Date,
        "duration" => TimerKindText::Duration,
        _ => TimerKindText::Cycle,
    }
}

impl Engine {
    /// Schedules the timer start events of the versions a deployment created. A definition
    /// that cannot be read as a time is skipped with a warning (the deployment stands).
    pub(crate) async fn schedule_start_timers(
        &self,
        tenant_id: &str,
        outcome: &FileOutcome,
        defs: &Definitions,
    ) -> Result<()> {
        let now = self.clock.now();
        for d in outcome.definitions.iter().filter(|d| d.startable) {
            let starts = timer_starts(defs, &d.key);
            if starts.is_empty() {
                continue;
            }
            let mut tx = self.store.pool.begin().await?;
            sqlx::query("DELETE FROM start_timers WHERE tenant_id = $1 AND process_key = $2")
                .bind(tenant_id)
                .bind(&d.key)
                .execute(&mut *tx)
                .await?;
            for (activity, kind, text) in starts {
                let due = schedule::parse_timer(kind, &text).map(|spec| spec.first_due(now));
                let Ok(Some(due)) = due else {
                    tracing::warn!(key = %d.key, activity, text, "timer start event not scheduled: not a time");
                    continue;
                };
                sqlx::query(
                    "INSERT INTO start_timers (id, tenant_id, definition_id, process_key, activity_id, timer_kind, \
                     definition, due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(new_id())
                .bind(tenant_id)
                .bind(&d.id)
                .bind(&d.key)
                .bind(&activity)
                .bind(kind_text(kind))
                .bind(&text)
                .bind(due)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// Starts an instance for every due timer start event (at most `limit`); returns how
    /// many started.
    pub(crate) async fn fire_start_timers(&self, limit: i64) -> Result<usize> {
        let now = self.clock.now();
        let rows = sqlx::query(
            "SELECT id, definition_id, timer_kind, definition, due, fired, revision FROM start_timers \
             WHERE due <= $1 ORDER BY due, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.store.pool)
        .await?;
        let mut started = 0;
        for r in rows {
            let id: String = r.try_get("id")?;
            let definition_id: String = r.try_get("definition_id")?;
            let fired: i64 = r.try_get("fired")?;
            let revision: i64 = r.try_get("revision")?;
            let due: i64 = r.try_get("due")?;
            let spec = schedule::parse_timer(
                parse_kind(&r.try_get::<String, _>("timer_kind")?),
                &r.try_get::<String, _>("definition")?,
            );
            let next = spec.ok().and_then(|s| s.next_due(due, u32::try_from(fired + 1).unwrap_or(u32::MAX)));
            // Claim this firing: move to the next due time, or remove a timer that is used up.
            let claim = match next {
                Some(next) => (
                    "UPDATE start_timers SET due = $1, fired = fired + 1, revision = revision + 1 \
                     WHERE id = $2 AND revision = $3"
                        .to_owned(),
                    vec![Arg::Int(next), Arg::Text(id.clone()), Arg::Int(revision)],
                ),
                None => (
                    "DELETE FROM start_timers WHERE id = $1 AND revision = $2".to_owned(),
                    vec![Arg::Text(id.clone()), Arg::Int(revision)],
                ),
            };
            let req = StartRequest { initiator: Some("timer".into()), ..StartRequest::default() };
            match self.start_guarded(&Account::system(), &definition_id, req, vec![claim.clone()]).await {
                Ok(_) => started += 1,
                // Another executor fired it meanwhile.
                Err(EngineError::Conflict(m)) if m.starts_with("The job was deleted") => {}
                Err(EngineError::Storage(e)) => {
                    tracing::warn!(definition = %definition_id, "timer start event not fired, tried again: {e}");
                }
                Err(e) => {
                    // Refused (e.g. the version can no longer start): skip this firing rather
                    // than try it again at every poll.
                    tracing::warn!(
                        definition = %definition_id,
                        "timer start event could not start an instance; this firing is skipped: {e}"
                    );
                    bind_all(&claim.0, claim.1).execute(&self.store.pool).await?;
                }
            }
        }
        Ok(started)
    }
}
