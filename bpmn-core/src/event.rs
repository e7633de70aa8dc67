//! Event subscriptions as listed: what an instance (or a definition's start event) waits for,
//! and the answers of delivering a message or a signal.

use serde::{Deserialize, Serialize};

pub use crate::runtime::SubscriptionKind;

/// One waiting subscription: a token on a message or signal catch event, receive task,
/// boundary event or event sub-process start; or (without an instance) the message or signal
/// start event of a definition's latest version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSubscription {
    pub id: String,
    pub tenant_id: String,
    pub kind: SubscriptionKind,
    /// The message or signal name.
    pub name: String,
    /// `None` for a start event subscription of a definition.
    pub instance_id: Option<String>,
    pub definition_id: String,
    pub definition_name: String,
    /// The element that waits, and its name (its id when it has none).
    pub activity_id: String,
    pub activity_name: String,
    /// The instance's business key, the default correlation key of a message.
    pub business_key: Option<String>,
    /// Since when it waits (milliseconds since the epoch).
    pub created: i64,
}

/// What a delivered message did, per instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Correlated {
    pub instance_id: String,
    /// True when the message started the instance (a message start event).
    pub started: bool,
}
