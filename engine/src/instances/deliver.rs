//! The commands of events: a message or signal delivered to a waiting token, and an instance
//! started at a message or signal start event. Each is one command on one instance (load,
//! decide in the core with `Command::Deliver` / `Command::StartAt`, one write set), so a
//! message delivered twice at once is consumed once: the second command finds the token gone
//! (or loses the instance row's revision check, reads again and then finds it gone).

use serde_json::{Map, Value};

use super::command::{Plan, StepCtx};
use super::InstanceStatus;
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::events::{EventSubscription, SubscriptionKind};
use crate::runtime::{Command, TokenId, TokenState};
use crate::Engine;

/// What a delivery to one token did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// The token took it.
    Delivered,
    /// The instance is suspended (a signal skips it; a message is refused by the caller).
    Suspended,
    /// The token no longer waits for it (delivered meanwhile, moved, ended).
    Gone,
}

/// The operation log's name of a delivery.
fn operation(kind: SubscriptionKind) -> &'static str {
    match kind {
        SubscriptionKind::Message => "message",
        SubscriptionKind::Signal => "signal",
    }
}

impl Engine {
    /// Delivers the message or signal `name` to token `token` of instance `instance_id`,
    /// setting `variables` as a task completion does, as one command by `actor`.
    pub(crate) async fn deliver_to_token(
        &self,
        actor: &str,
        instance_id: &str,
        token: i64,
        kind: SubscriptionKind,
        name: &str,
        variables: &Map<String, Value>,
    ) -> Result<Delivery> {
        let waiting = match kind {
            SubscriptionKind::Message => TokenState::WaitingMessage,
            SubscriptionKind::Signal => TokenState::WaitingSignal,
        };
        let done = self
            .run_command(instance_id, None, |inst| {
                if inst.status == InstanceStatus::Suspended {
                    return Err(EngineError::conflict(
                        ConflictReason::NotRunning,
                        Text::new("run.instance_suspended").with("id", instance_id),
                    ));
                }
                let waits = inst.status == InstanceStatus::Running
                    && inst.state.tokens.iter().any(|t| t.id == token as TokenId && t.state == waiting);
                if !waits {
                    return Err(EngineError::conflict(
                        ConflictReason::AlreadyDone,
                        Text::new("run.token_not_waiting").with("id", instance_id),
                    ));
                }
                Ok(Plan {
                    command: Some(Command::Deliver { token: token as TokenId, variables: variables.clone() }),
                    ctx: StepCtx { actor: actor.to_owned(), ..StepCtx::default() },
                    operation: Some((operation(kind).into(), name.to_owned(), String::new())),
                    ..Plan::default()
                })
            })
            .await;
        match done {
            Ok(_) => Ok(Delivery::Delivered),
            Err(EngineError::Conflict { reason: ConflictReason::NotRunning, .. }) => Ok(Delivery::Suspended),
            Err(EngineError::Conflict { reason: ConflictReason::AlreadyDone, .. })
            | Err(EngineError::NotFound { .. }) => Ok(Delivery::Gone),
            Err(e) => Err(e),
        }
    }

    /// Starts an instance of the definition of the start event subscription `s` at its start
    /// event, triggered by a message or signal; answers its id.
    pub(crate) async fn start_at_event(
        &self,
        actor: &str,
        s: &EventSubscription,
        business_key: Option<String>,
        variables: Map<String, Value>,
    ) -> Result<String> {
        let (definition_id, activity_id) = (&s.definition_id, &s.activity_id);
        let mut inst = self.new_instance(definition_id, s.tenant_id.clone(), s.definition_name.clone(), None).await?;
        let start = inst.process.node_index(activity_id).ok_or_else(|| {
            EngineError::conflict(
                ConflictReason::Broken,
                Text::new("run.no_start_event").with("definition", definition_id).with("activity", activity_id),
            )
        })?;
        inst.business_key = business_key.filter(|b| !b.trim().is_empty());
        inst.initiator = Some(actor.to_owned());
        let id = inst.id.clone();
        let plan = Plan {
            command: Some(Command::StartAt { start, variables }),
            ctx: StepCtx { actor: actor.to_owned(), ..StepCtx::default() },
            operation: Some(("start".into(), activity_id.to_owned(), String::new())),
            ..Plan::default()
        };
        self.execute(inst, plan).await?;
        Ok(id)
    }

    /// The variables of instance `id` and its state, for matching correlation keys.
    pub(crate) async fn instance_variables(&self, id: &str) -> Result<(InstanceStatus, Map<String, Value>)> {
        let inst = self.load_instance(id).await?;
        Ok((inst.status, inst.row.state.variables))
    }
}

/// Refuses variable names that cannot be stored (as a start or a completion does).
pub(crate) fn check_variables(variables: &Map<String, Value>) -> Result<()> {
    super::ops::check_variables(variables)
}
