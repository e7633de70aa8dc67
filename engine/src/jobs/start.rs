//! Timer start events: deploying a version whose process starts on a timer schedules it
//! (replacing the timers of earlier versions of the key); the executor starts an instance
//! each time one is due.
//!
//! A firing is claimed (a revision-checked move to the next due time) in the transaction that
//! starts its instance, so two executors never start the same firing twice and an executor
//! that dies before the commit leaves the firing due for the next one: each firing starts
//! exactly one instance unless the start is refused (then the firing is skipped and logged).

use crate::bpmn::model::{Definitions, EventTrigger, NodeKind, TimerDefinition};
use crate::deploy::FileOutcome;
use crate::error::{ConflictReason, EngineError, Result};
use crate::identity::Account;
use crate::instances::StartRequest;
use crate::schedule::{self, TimerKindText};
use crate::store::jobs::{JobWrite, NewStartTimer};
use crate::Engine;

/// A scheduled timer start event, as the 作业 screen lists it.
pub use bpmn_core::job::StartTimer;

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
        let tenant = caller.tenant_scope().or(tenant.filter(|t| !t.is_empty()));
        let mut timers = self.store.start_timers(tenant, START_TIMER_LIMIT).await?;
        for timer in &mut timers {
            // The name is the model's; a model that no longer parses shows the element id.
            let name = self
                .process_of(&timer.definition_id)
                .await
                .ok()
                .and_then(|p| p.nodes.iter().find(|n| n.id == timer.activity_id).and_then(|n| n.name.clone()))
                .filter(|n| !n.trim().is_empty());
            if let Some(name) = name {
                timer.name = name;
            }
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
            let mut timers = Vec::new();
            for (activity, kind, text) in timer_starts(defs, &d.key) {
                let due = schedule::parse_timer(kind, &text, &self.time_zone)
                    .map(|spec| spec.first_due(now, &self.time_zone));
                let Ok(Some(due)) = due else {
                    tracing::warn!(key = %d.key, activity, text, "timer start event not scheduled: not a time");
                    continue;
                };
                timers.push(NewStartTimer {
                    activity_id: activity,
                    timer_kind: kind_text(kind),
                    definition: text,
                    due,
                });
            }
            self.store.replace_start_timers(tenant_id, &d.key, &d.id, timers).await?;
        }
        Ok(())
    }

    /// Starts an instance for every due timer start event (at most `limit`); returns how
    /// many started.
    pub(crate) async fn fire_start_timers(&self, limit: i64) -> Result<usize> {
        let now = self.clock.now();
        let mut started = 0;
        for timer in self.store.due_start_timers(now, limit).await? {
            let definition_id = timer.definition_id;
            let spec = schedule::parse_timer(parse_kind(&timer.timer_kind), &timer.definition, &self.time_zone);
            let fired = u32::try_from(timer.fired + 1).unwrap_or(u32::MAX);
            let next = spec.ok().and_then(|s| s.next_due(timer.due, fired, &self.time_zone));
            // Claim this firing: move to the next due time, or remove a timer that is used up.
            let claim = match next {
                Some(due) => JobWrite::AdvanceStartTimer { id: timer.id, revision: timer.revision, due },
                None => JobWrite::RemoveStartTimer { id: timer.id, revision: timer.revision },
            };
            let req = StartRequest { initiator: Some("timer".into()), ..StartRequest::default() };
            match self.start_guarded(&Account::system(), &definition_id, req, vec![claim.clone()]).await {
                Ok(_) => started += 1,
                // Another executor fired it meanwhile.
                Err(EngineError::Conflict { reason: ConflictReason::ClaimLost, .. }) => {}
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
                    self.store.write_job(claim).await?;
                }
            }
        }
        Ok(started)
    }
}
