//! Messages and signals from outside: correlating a message to the instance that waits for it
//! (or starting one at a message start event), broadcasting a signal, and the lists of
//! waiting subscriptions.
//!
//! A token that waits for a message or signal (catch event, receive task, boundary event,
//! event-based gateway branch, event sub-process start) has a row in `event_subscriptions`,
//! written by the step that makes it wait and deleted by the step that makes it leave
//! (`instances::step_writes`); an instance that ends keeps none. The latest version of a
//! definition with process-level message or signal start events has one row per start event
//! (without instance), replaced when a newer version is deployed (as Camunda does).
//!
//! Correlation (`correlate_message`): the waiting tokens of the message's name in the caller's
//! tenant, narrowed by business key, instance id and correlation keys (instance variables that
//! must be equal). One instance: the message is delivered to its (oldest) waiting token as one
//! command on that instance (`Command::Deliver`), so two deliveries at once consume it once.
//! Several: refused as ambiguous unless `all`. None: a definition's message start event starts
//! an instance (`Command::StartAt`) with the request's business key. A suspended instance
//! refuses (409).
//!
//! A signal (`broadcast_signal`) reaches every running instance waiting for it in the tenant
//! (suspended ones are skipped) and starts each definition with that signal start event. The
//! receivers are read in batches of [`SIGNAL_BATCH`] by subscription id and delivered to by
//! [`SIGNAL_WORKERS`] commands at a time, one command per receiver, so memory stays flat
//! whatever their number. A signal thrown by a step (intermediate throw or end event) reaches
//! its receivers in the step's own transaction through the command cascade when they are at
//! most `SIGNAL_RECEIVERS_IN_COMMAND` (200); with more, the step's transaction writes a job of
//! kind `signal` (tenant of the throwing instance, named after the signal) due at once, and the
//! job executor runs that broadcast in batches (`Engine::signal_job`), then deletes the job;
//! a failed broadcast is retried like other jobs; with no retries left it is in error (listed
//! with its message on the 作业 screen) and, while the throwing instance runs, raises an incident
//! on it. Committed with the step, the broadcast survives a server stopping right after it (a
//! signal end event ends the instance in that step; the job, having no token, is not cancelled
//! with it). It reaches the receivers waiting when the job runs. Delivering twice is harmless (a
//! delivered receiver no longer waits), starting twice is not: the definitions the signal
//! starts are started by the job's first attempt only, before any delivery; a later attempt
//! (a retry, 执行 on the 作业 screen, a run after a lost lease) only delivers to the receivers
//! still waiting. A start that fails fails that first attempt, and its message names the
//! definition, which is then started by hand if wanted.
//!
//! An error or escalation a called instance does not catch is thrown at its parent's call
//! activity (`Command::ThrowError` / `ThrowEscalation`) in the same transaction, and so on up
//! (`instances::command`); caught nowhere, the error stays an incident on the element that
//! threw it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use bpmn_core::event::{Correlated, EventSubscription, SubscriptionKind};

use crate::bpmn::model::{EventTrigger, NodeKind, Process};
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::identity::Account;
use crate::instances::{check_variables, Delivery, InstanceStatus};
use crate::store::events::{ListFilter, NewSubscription, Receiver};
use crate::store::new_id;
use crate::store::sql::{decode_cursor, encode_cursor, page_size, Page};
use crate::Engine;

/// How many signal receivers are read at once.
pub const SIGNAL_BATCH: i64 = 500;

/// How many deliveries of a signal run at once.
pub const SIGNAL_WORKERS: usize = 16;

/// A message to correlate (`POST /api/v1/messages`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MessageCorrelation {
    /// The message's name (the `name` of the `<message>` the catch event refers to).
    pub name: String,
    /// Only instances with this business key.
    pub business_key: Option<String>,
    /// Only this instance.
    pub instance_id: Option<String>,
    /// Only instances whose variables have these values.
    pub correlation_keys: Map<String, Value>,
    /// Variables set by the delivery (or given to the instance it starts).
    pub variables: Map<String, Value>,
    /// Deliver to every matching instance instead of refusing when there are several.
    pub all: bool,
    /// An administrator's tenant; a tenant manager's is always their own.
    pub tenant: Option<String>,
}

/// A page of the subscription list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubscriptionQuery {
    /// Words the message or signal name must contain (case-insensitive).
    pub name: Option<String>,
    pub instance_id: Option<String>,
    pub kind: Option<SubscriptionKind>,
    /// An administrator's tenant filter; a tenant manager always sees only their tenant.
    pub tenant: Option<String>,
    pub cursor: Option<String>,
    pub limit: i64,
}

/// The start event subscriptions of a definition version: one per process-level message or
/// signal start event with a name.
pub(crate) fn start_subscriptions(
    process: &Process,
    tenant_id: &str,
    definition_id: &str,
    definition_name: &str,
    now: i64,
) -> Vec<NewSubscription> {
    process
        .children(None)
        .filter_map(|(_, n)| {
            let (kind, name) = match &n.kind {
                NodeKind::StartEvent { trigger: EventTrigger::Message { name: Some(name) }, .. } => {
                    (SubscriptionKind::Message, name)
                }
                NodeKind::StartEvent { trigger: EventTrigger::Signal { name: Some(name) }, .. } => {
                    (SubscriptionKind::Signal, name)
                }
                _ => return None,
            };
            Some(NewSubscription {
                id: new_id(),
                tenant_id: tenant_id.to_owned(),
                kind,
                name: name.clone(),
                instance_id: None,
                token: None,
                definition_id: definition_id.to_owned(),
                definition_name: definition_name.to_owned(),
                activity_id: n.id.clone(),
                activity_name: n.name.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| n.id.clone()),
                business_key: None,
                created_at: now,
            })
        })
        .collect()
}

/// The `camunda:versionTag` (or `flowable:`/`activiti:`) of each `<process>` of a file, by
/// process id.
pub(crate) fn version_tags(xml: &str) -> HashMap<String, String> {
    use quick_xml::events::Event;
    let mut tags = HashMap::new();
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == b"process" => {
                let (mut id, mut tag) = (None, None);
                for a in e.attributes().flatten() {
                    let value = a.unescape_value().map(|v| v.into_owned()).ok();
                    match a.key.as_ref() {
                        b"id" => id = value,
                        k if k.ends_with(b":versionTag") => tag = value,
                        _ => {}
                    }
                }
                if let (Some(id), Some(tag)) = (id, tag.filter(|t| !t.trim().is_empty())) {
                    tags.insert(id, tag.trim().to_owned());
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    tags
}

/// The refusal of a message nothing waits for.
fn nothing_waits(m: &MessageCorrelation) -> EngineError {
    let mut narrowed = Vec::new();
    if let Some(b) = &m.business_key {
        narrowed.push(Text::new("run.msg.with_business_key").with("key", b));
    }
    if let Some(i) = &m.instance_id {
        narrowed.push(Text::new("run.msg.with_instance").with("id", i));
    }
    if !m.correlation_keys.is_empty() {
        let keys: Vec<&str> = m.correlation_keys.keys().map(String::as_str).collect();
        narrowed.push(Text::new("run.msg.with_correlation_keys").with("keys", keys.join(", ")));
    }
    // The conditions joined from the last: "a, b, c" is "a" and ("b" and "c").
    let with = narrowed
        .into_iter()
        .rev()
        .reduce(|rest, first| Text::new("run.list.and").with_text("first", first).with_text("rest", rest));
    let text = match with {
        Some(with) => Text::new("run.msg.nothing_waits_with").with_text("with", with),
        None => Text::new("run.msg.nothing_waits"),
    };
    EngineError::Unmatched { text: text.with("name", &m.name) }
}

fn suspended(instance_id: &str) -> EngineError {
    EngineError::conflict(ConflictReason::NotRunning, Text::new("run.msg.instance_suspended").with("id", instance_id))
}

/// The name of a message or signal, or a refusal; `required` is the catalog key of the
/// refusal of a missing name.
fn checked_name(name: &str, required: &'static str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > 500 {
        return Err(EngineError::invalid("name", Text::new(required)));
    }
    if name.contains('\0') {
        return Err(EngineError::invalid("name", crate::error::unstorable_text()));
    }
    Ok(name.to_owned())
}

/// The smallest id greater than every id made so far (see [`new_id`]): bounds a broadcast to
/// the subscriptions that existed when it began.
fn id_bound() -> String {
    format!("{}ffffffffffffffff", &new_id()[..12])
}

impl Engine {
    /// Correlates a message: delivers it to the instance waiting for it (or to every matching
    /// running one with `all`; suspended ones are skipped), else starts an instance at a
    /// definition's message start event.
    /// 404 when nothing waits for it; 409 `ambiguous` when several instances match and `all`
    /// is not set, `not_running` when the matching instance is suspended; 422 on a bad name
    /// or variables.
    pub async fn correlate_message(&self, caller: &Account, m: MessageCorrelation) -> Result<Vec<Correlated>> {
        let name = checked_name(&m.name, "run.msg.name_required")?;
        check_variables(&m.variables)?;
        let tenant = caller.tenant_scope().map(str::to_owned).or_else(|| m.tenant.clone().filter(|t| !t.is_empty()));
        let business_key = m.business_key.as_deref().filter(|b| !b.is_empty());
        let instance_id = m.instance_id.as_deref().filter(|i| !i.is_empty());
        let receivers = self.store.message_receivers(tenant.as_deref(), &name, business_key, instance_id).await?;
        // The receivers by instance, oldest subscription first.
        let mut instances: Vec<(String, InstanceStatus, Vec<i64>)> = Vec::new();
        for Receiver { row, status } in receivers {
            let (Some(id), Some(token)) = (row.sub.instance_id.clone(), row.token) else { continue };
            if !caller.can_access(&row.sub.tenant_id) {
                continue;
            }
            match instances.iter_mut().find(|(i, _, _)| *i == id) {
                Some((_, _, tokens)) => tokens.push(token),
                None => instances.push((id, status, vec![token])),
            }
        }
        if !m.correlation_keys.is_empty() {
            let mut kept = Vec::with_capacity(instances.len());
            for entry in instances {
                let (_, variables) = match self.instance_variables(&entry.0).await {
                    Ok(v) => v,
                    Err(EngineError::NotFound { .. }) => continue,
                    Err(e) => return Err(e),
                };
                if m.correlation_keys.iter().all(|(k, v)| variables.get(k) == Some(v)) {
                    kept.push(entry);
                }
            }
            instances = kept;
        }
        if instances.is_empty() {
            return self.start_by_message(caller, &m, &name, tenant.as_deref()).await;
        }
        if instances.len() > 1 && !m.all {
            let ids: Vec<&str> = instances.iter().take(5).map(|(i, _, _)| i.as_str()).collect();
            let more = if instances.len() > 5 { ", …" } else { "" };
            return Err(EngineError::conflict(
                ConflictReason::Ambiguous,
                Text::new("run.msg.ambiguous")
                    .with("count", instances.len())
                    .with("name", &name)
                    .with("ids", format!("{}{more}", ids.join(", "))),
            ));
        }
        let single = instances.len() == 1;
        let mut correlated = Vec::new();
        let mut skipped: Option<String> = None;
        for (id, status, tokens) in instances {
            if status == InstanceStatus::Suspended {
                if single {
                    return Err(suspended(&id));
                }
                skipped = Some(id);
                continue;
            }
            let mut delivered = false;
            for token in tokens {
                match self
                    .deliver_to_token(&caller.username, &id, token, SubscriptionKind::Message, &name, &m.variables)
                    .await?
                {
                    Delivery::Delivered => {
                        delivered = true;
                        break;
                    }
                    Delivery::Suspended if single => return Err(suspended(&id)),
                    Delivery::Suspended => {
                        skipped = Some(id.clone());
                        break;
                    }
                    Delivery::Gone => {}
                }
            }
            if delivered {
                correlated.push(Correlated { instance_id: id, started: false });
            }
        }
        match (correlated.is_empty(), skipped) {
            // Every matching instance is suspended.
            (true, Some(id)) => Err(suspended(&id)),
            (true, None) => Err(nothing_waits(&m)),
            (false, _) => Ok(correlated),
        }
    }

    /// No instance waits: the message start events of the tenant's definitions.
    async fn start_by_message(
        &self,
        caller: &Account,
        m: &MessageCorrelation,
        name: &str,
        tenant: Option<&str>,
    ) -> Result<Vec<Correlated>> {
        if m.instance_id.as_deref().is_some_and(|i| !i.is_empty()) {
            return Err(nothing_waits(m));
        }
        let starts: Vec<_> = self
            .store
            .start_subscriptions(tenant, SubscriptionKind::Message, name)
            .await?
            .into_iter()
            .filter(|s| caller.can_access(&s.sub.tenant_id))
            .collect();
        if starts.is_empty() {
            return Err(nothing_waits(m));
        }
        if starts.len() > 1 && !m.all {
            let names: Vec<String> =
                starts.iter().map(|s| format!("'{}' ({})", s.sub.definition_name, s.sub.tenant_id)).collect();
            return Err(EngineError::conflict(
                ConflictReason::Ambiguous,
                Text::new("run.msg.starts_several").with("name", name).with("definitions", names.join(", ")),
            ));
        }
        let mut correlated = Vec::new();
        for s in starts {
            let s = s.sub;
            let id = self.start_at_event(&caller.username, &s, m.business_key.clone(), m.variables.clone()).await?;
            correlated.push(Correlated { instance_id: id, started: true });
        }
        Ok(correlated)
    }

    /// Broadcasts a signal to every running instance waiting for it in the tenant (a tenant
    /// manager's, or the one an administrator names, else every tenant), and starts each
    /// definition with that signal start event. Answers how many instances it reached
    /// (delivered to or started). Suspended instances are skipped.
    pub async fn broadcast_signal(
        &self,
        caller: &Account,
        name: &str,
        variables: Map<String, Value>,
        tenant: Option<String>,
    ) -> Result<usize> {
        let name = checked_name(name, "run.signal.name_required")?;
        check_variables(&variables)?;
        let tenant = caller.tenant_scope().map(str::to_owned).or(tenant.filter(|t| !t.is_empty()));
        self.signal(&caller.username, tenant.as_deref(), &name, variables, true).await
    }

    /// A `signal` job's broadcast: a signal thrown by a step whose receivers were too many for
    /// its transaction, delivered in `tenant` as the system. Answers how many instances it
    /// reached.
    /// `first_attempt`: whether the definitions the signal starts are started (see the module
    /// docs: only the job's first attempt starts them).
    pub(crate) async fn signal_job(&self, tenant: &str, name: &str, first_attempt: bool) -> Result<usize> {
        let mut started = 0;
        if first_attempt {
            for s in self.store.start_subscriptions(Some(tenant), SubscriptionKind::Signal, name).await? {
                let s = s.sub;
                self.start_at_event("system", &s, None, Map::new()).await.map_err(|e| {
                    // A failure's detail goes with the job's error, where an administrator
                    // reads it; a refusal is told in the reader's language.
                    let error = if e.status() == 500 { Text::verbatim(e.to_string()) } else { e.text() };
                    EngineError::invalid(
                        "signal",
                        Text::new("run.signal.start_failed")
                            .with("name", name)
                            .with("process", &s.definition_name)
                            .with("definition", &s.definition_id)
                            .with_text("error", error),
                    )
                })?;
                started += 1;
            }
        }
        Ok(started + self.signal("system", Some(tenant), name, Map::new(), false).await?)
    }

    async fn signal(
        &self,
        actor: &str,
        tenant: Option<&str>,
        name: &str,
        variables: Map<String, Value>,
        starts: bool,
    ) -> Result<usize> {
        let bound = id_bound();
        let variables = Arc::new(variables);
        let mut reached = std::collections::HashSet::new();
        let mut after: Option<String> = None;
        loop {
            let batch = self.store.signal_receivers(tenant, name, after.as_deref(), &bound, SIGNAL_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.0.clone());
            let full = batch.len() as i64 == SIGNAL_BATCH;
            // One worker per instance (its tokens in order), SIGNAL_WORKERS at a time.
            let mut by_instance: Vec<(String, Vec<i64>)> = Vec::new();
            let mut index: HashMap<String, usize> = HashMap::new();
            for (_, instance, token) in batch {
                match index.get(&instance) {
                    Some(i) => by_instance[*i].1.push(token),
                    None => {
                        index.insert(instance.clone(), by_instance.len());
                        by_instance.push((instance, vec![token]));
                    }
                }
            }
            let mut work = by_instance.into_iter();
            let mut running = tokio::task::JoinSet::new();
            loop {
                while running.len() < SIGNAL_WORKERS {
                    let Some((instance, tokens)) = work.next() else { break };
                    let (engine, actor, name, variables) =
                        (self.clone(), actor.to_owned(), name.to_owned(), variables.clone());
                    running.spawn(async move {
                        let mut hit = false;
                        for token in tokens {
                            match engine
                                .deliver_to_token(&actor, &instance, token, SubscriptionKind::Signal, &name, &variables)
                                .await
                            {
                                Ok(Delivery::Delivered) => hit = true,
                                Ok(_) => {}
                                Err(e) => tracing::warn!(%instance, signal = %name, "signal not delivered: {e}"),
                            }
                        }
                        (instance, hit)
                    });
                }
                match running.join_next().await {
                    Some(Ok((instance, true))) => {
                        reached.insert(instance);
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => tracing::warn!(signal = %name, "a signal delivery stopped: {e}"),
                    None => break,
                }
            }
            if !full {
                break;
            }
        }
        let mut count = reached.len();
        if starts {
            for s in self.store.start_subscriptions(tenant, SubscriptionKind::Signal, name).await? {
                let s = s.sub;
                self.start_at_event(actor, &s, None, (*variables).clone()).await?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// The waiting subscriptions (of instances and of definitions' start events), oldest
    /// first, keyset-paged.
    pub async fn event_subscriptions(
        &self,
        caller: &Account,
        q: &SubscriptionQuery,
    ) -> Result<Page<EventSubscription>> {
        let limit = page_size(q.limit);
        let tenant = caller.tenant_scope().or(q.tenant.as_deref().filter(|t| !t.is_empty()));
        let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(decode_cursor::<(i64, String)>(c)?),
            None => None,
        };
        let filter = ListFilter {
            tenant,
            name: q.name.as_deref(),
            instance_id: q.instance_id.as_deref(),
            kind: q.kind,
            after,
            limit,
        };
        let mut items = self.store.subscriptions_page(filter).await?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|s| encode_cursor(&(s.created, s.id.clone())))
        } else {
            None
        };
        Ok(Page { items, next, total: None })
    }

    /// What an instance waits for, oldest first; 404 when the instance is not the caller's.
    pub async fn instance_subscriptions(&self, caller: &Account, instance_id: &str) -> Result<Vec<EventSubscription>> {
        self.instance_summary(caller, instance_id).await?;
        self.store.instance_subscriptions(instance_id).await
    }

    /// Delivers by hand to one subscription: the message or signal reaches that token (or, for
    /// a definition's start event, starts an instance there). 404 when it is gone, 409 when its
    /// instance is suspended.
    pub async fn deliver_to_subscription(
        &self,
        caller: &Account,
        subscription_id: &str,
        variables: Map<String, Value>,
    ) -> Result<Vec<Correlated>> {
        check_variables(&variables)?;
        let not_found = || EngineError::NotFound { what: "thing.event_subscription", id: subscription_id.to_owned() };
        let row = self.store.subscription(subscription_id).await?.ok_or_else(not_found)?;
        if !caller.can_access(&row.sub.tenant_id) {
            return Err(not_found());
        }
        let s = row.sub;
        let (Some(instance_id), Some(token)) = (s.instance_id.clone(), row.token) else {
            let id = self.start_at_event(&caller.username, &s, None, variables).await?;
            return Ok(vec![Correlated { instance_id: id, started: true }]);
        };
        match self.deliver_to_token(&caller.username, &instance_id, token, s.kind, &s.name, &variables).await? {
            Delivery::Delivered => Ok(vec![Correlated { instance_id, started: false }]),
            Delivery::Suspended => Err(EngineError::conflict(
                ConflictReason::NotRunning,
                Text::new("run.instance_suspended").with("id", &instance_id),
            )),
            Delivery::Gone => Err(not_found()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_tags_are_read_per_process() {
        let xml = r#"<definitions xmlns:camunda="c"><process id="a" camunda:versionTag=" v2 "/>
            <process id="b"></process><bpmn:process id="c" flowable:versionTag="x"/></definitions>"#;
        let tags = version_tags(xml);
        assert_eq!(tags.get("a").map(String::as_str), Some("v2"));
        assert_eq!(tags.get("b"), None);
        assert_eq!(tags.get("c").map(String::as_str), Some("x"));
    }

    #[test]
    fn the_id_bound_is_above_every_id_made_before() {
        let before = new_id();
        assert!(before < id_bound());
    }
}
