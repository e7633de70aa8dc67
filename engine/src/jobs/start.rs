//! Timer start events: deploying a version whose process starts on a timer schedules it
//! (replacing the timers of earlier versions of the key); the executor starts an instance
//! each time one is due.
//!
//! A firing is claimed (a revision-checked move to the next due time) in the transaction that
//! starts its instance, so two executors never start the same firing twice and an executor
//! that dies before the commit leaves the firing due for the next one: each firing starts
//! exactly one instance unless the start is refused (then the firing is skipped and logged).

use serde::{Deserialize, Serialize};
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

/// The most start timers listed; a tenant has one per process key with a timer start event.
const START_TIMER_LIMIT: i64 = 500;

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
    /// The scheduled timer start events the caller may see (an administrator may narrow them
    /// to `tenant`), soonest due first.
    pub async fn list_start_timers(&self, caller: &Account, tenant: Option<&str>) -> Result<Vec<StartTimer>> {
        let mut sql = String::from(
            "SELECT s.id, s.tenant_id, s.definition_id, s.process_key, d.name, d.version, s.activity_id, \
             s.timer_kind, s.definition, s.due, s.fired FROM start_timers s \
             JOIN process_definitions d ON d.id = s.definition_id",
        );
        let mut args = Vec::new();
        if let Some(t) = caller.tenant_scope().or(tenant.filter(|t| !t.is_empty())) {
            sql.push_str(" WHERE s.tenant_id = $1");
            args.push(Arg::from(t));
        }
        sql.push_str(&format!(" ORDER BY s.due, s.id LIMIT {START_TIMER_LIMIT}"));
        let mut timers = Vec::new();
        for r in bind_all(&sql, args).fetch_all(&self.store.pool).await? {
            let definition_id: String = r.try_get("definition_id")?;
            let activity_id: String = r.try_get("activity_id")?;
            // The name is the model's; a model that no longer parses shows the element id.
            let name = self
                .process_of(&definition_id)
                .await
                .ok()
                .and_then(|p| p.nodes.iter().find(|n| n.id == activity_id).and_then(|n| n.name.clone()))
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| activity_id.clone());
            timers.push(StartTimer {
                id: r.try_get("id")?,
                tenant_id: r.try_get("tenant_id")?,
                definition_id,
                process_key: r.try_get("process_key")?,
                process_name: r.try_get("name")?,
                version: r.try_get("version")?,
                activity_id,
                name,
                timer_kind: r.try_get("timer_kind")?,
                definition: r.try_get("definition")?,
                due: r.try_get("due")?,
                fired: r.try_get("fired")?,
            });
        }
        Ok(timers)
    }

    /// Schedules the timer start events of the versions a deployment created, in place of the
    /// previous version's (a startable version without any removes them). A definition that
    /// cannot be read as a time is skipped with a warning (the deployment stands).
    pub(crate) async fn schedule_start_timers(
        &self,
        tenant_id: &str,
        outcome: &FileOutcome,
        defs: &Definitions,
    ) -> Result<()> {
        let now = self.clock.now();
        for d in outcome.definitions.iter().filter(|d| d.startable) {
            // The new version's timers replace the old version's, also when it has none.
            let starts = timer_starts(defs, &d.key);
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
