//! Server functions of the 事件 Events screen and of the instance page's 等待的事件 section:
//! the waiting message and signal subscriptions across instances, keyset-paged (an
//! instance's own come with the instance, see `instances::load_instance`), delivery by hand
//! to one subscription, and the 发送消息 / 广播信号 forms (correlate a message, broadcast a
//! signal). Variables arrive as JSON text and are read with the instances module's
//! `variables_json`; the browser checks them first with [`variables_problem`], so a typing
//! mistake is told in place, in the console's words.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub use bpmn_core::event::{Correlated, EventSubscription, SubscriptionKind};
pub use bpmn_core::refusal::ConflictReason;

use crate::label::Label;

/// 消息 message, 信号 signal.
impl Label for SubscriptionKind {
    fn label(self) -> &'static str {
        match self {
            SubscriptionKind::Message => "ev.kind.message",
            SubscriptionKind::Signal => "ev.kind.signal",
        }
    }
}

/// The label key of the button that delivers to a subscription by hand: 发送消息 / 发送信号.
pub fn deliver_label(kind: SubscriptionKind) -> &'static str {
    match kind {
        SubscriptionKind::Message => "ev.send_message",
        SubscriptionKind::Signal => "ev.send_signal",
    }
}

/// The type filter of the 事件 list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KindFilter {
    #[default]
    All,
    Message,
    Signal,
}

impl KindFilter {
    pub fn kind(self) -> Option<SubscriptionKind> {
        match self {
            KindFilter::All => None,
            KindFilter::Message => Some(SubscriptionKind::Message),
            KindFilter::Signal => Some(SubscriptionKind::Signal),
        }
    }
}

/// One page of subscriptions and the change token read before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionPage {
    pub items: Vec<EventSubscription>,
    pub next: Option<String>,
    pub token: i64,
}

/// Why a variables text is not a JSON object, in the words of `t` (the label function), with
/// the line and column of a syntax mistake; `None` when it is one (or empty: no variables).
pub fn variables_problem(t: impl Fn(&'static str) -> &'static str, text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return None;
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => None,
        Ok(_) => Some(t("ev.vars_not_object").to_owned()),
        Err(e) => Some(
            t("ev.vars_bad_json").replace("{line}", &e.line().to_string()).replace("{column}", &e.column().to_string()),
        ),
    }
}

/// How many variables a (checked) variables text sets.
pub fn variables_count(text: &str) -> usize {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(m)) => m.len(),
        _ => 0,
    }
}

/// The waiting subscriptions within the caller's tenant scope, oldest first; `search` matches
/// words of the message or signal name.
#[server(endpoint = "event_subscriptions", input = Json)]
pub async fn list_subscriptions(
    kind: KindFilter,
    search: String,
    cursor: Option<String>,
) -> Result<SubscriptionPage, AppError> {
    use crate::ssr::{current, engine};
    use engine::events::SubscriptionQuery;
    let s = current()?;
    let e = engine()?;
    let q = SubscriptionQuery {
        name: Some(search).filter(|s| !s.trim().is_empty()),
        instance_id: None,
        kind: kind.kind(),
        tenant: s.session.tenant_id.clone(),
        cursor: cursor.filter(|c| !c.is_empty()),
        limit: 20,
    };
    let token = e.runtime_change_token().await?;
    let page = e.event_subscriptions(&s.session.account, &q).await?;
    Ok(SubscriptionPage { items: page.items, next: page.next, token })
}

/// 发送消息 / 发送信号 by hand to one subscription with `variables` (a JSON object, or empty):
/// the waiting token moves on (a definition's start event starts an instance).
#[server(endpoint = "subscription_deliver", input = Json)]
pub async fn deliver_subscription(id: String, variables: String) -> Result<Vec<Correlated>, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let variables = super::instances::convert::variables_json(&variables)?;
    Ok(engine()?.deliver_to_subscription(&s.session.account, &id, variables).await?)
}

/// 发送消息: correlates a message by name (and business key) in the tenant chosen in the
/// header; `all` delivers to every matching instance instead of refusing several.
#[server(endpoint = "message_correlate", input = Json)]
pub async fn correlate_message(
    name: String,
    business_key: String,
    variables: String,
    all: bool,
) -> Result<Vec<Correlated>, AppError> {
    use crate::ssr::{current, engine};
    use engine::events::MessageCorrelation;
    let s = current()?;
    let m = MessageCorrelation {
        name,
        business_key: super::instances::convert::blank_to_none(Some(business_key)).map(|b| b.trim().to_owned()),
        variables: super::instances::convert::variables_json(&variables)?,
        all,
        tenant: s.session.tenant_id.clone(),
        ..Default::default()
    };
    Ok(engine()?.correlate_message(&s.session.account, m).await?)
}

/// 广播信号: broadcasts a signal in the tenant chosen in the header (every tenant for an
/// administrator who chose none); answers how many instances it reached or started.
#[server(endpoint = "signal_broadcast", input = Json)]
pub async fn broadcast_signal(name: String, variables: String) -> Result<usize, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let variables = super::instances::convert::variables_json(&variables)?;
    Ok(engine()?.broadcast_signal(&s.session.account, &name, variables, s.session.tenant_id.clone()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_text_must_be_a_json_object() {
        let key = |k: &'static str| k;
        assert_eq!(variables_problem(key, ""), None);
        assert_eq!(variables_problem(key, "  \n"), None);
        assert_eq!(variables_problem(key, r#"{"amount": 5, "ok": true}"#), None);
        assert_eq!(variables_problem(key, "[1, 2]").as_deref(), Some("ev.vars_not_object"));
        assert_eq!(variables_problem(key, "42").as_deref(), Some("ev.vars_not_object"));
        let zh = |k| crate::i18n::t(crate::i18n::Lang::Zh, k);
        let told = variables_problem(zh, "{\"amount\": }").unwrap();
        assert!(told.contains("JSON") && told.contains("第 1 行第 12 列"), "{told}");
        assert_eq!(variables_count(r#"{"a": 1, "b": 2}"#), 2);
        assert_eq!(variables_count(""), 0);
    }

    /// The refusals the events screen shows (`EventRefusal`) are the engine's sentences, told in
    /// the chosen language with the values they name; an answer without a sentence shows its
    /// English message.
    #[test]
    fn event_refusals_are_told_in_the_chosen_language() {
        use bpmn_core::text::{Lang, Text};
        let nothing = AppError::new("not_found", Text::new("run.msg.nothing_waits").with("name", "付款通知"));
        let zh = nothing.say(Lang::Zh);
        assert!(zh.contains("没有实例在等待此消息") && zh.contains("付款通知"), "{zh}");
        assert_eq!(nothing.say(Lang::En), nothing.message);
        assert!(nothing.message.starts_with("Nothing waits for message '付款通知': "), "{}", nothing.message);

        let ambiguous = AppError {
            reason: Some(ConflictReason::Ambiguous),
            ..AppError::new(
                "conflict",
                Text::new("run.msg.ambiguous").with("count", 2).with("name", "paid").with("ids", "i-1, i-2"),
            )
        };
        let zh = ambiguous.say(Lang::Zh);
        assert!(zh.contains("有多个实例在等待此消息") && zh.contains("i-1, i-2"), "{zh}");
        assert!(ambiguous.say(Lang::En).starts_with("2 instances wait for message 'paid' (i-1, i-2);"));

        let suspended = AppError::new("conflict", Text::new("run.instance_suspended").with("id", "i-9"));
        assert_eq!(suspended.say(Lang::Zh), "实例已挂起（“i-9”），请先恢复实例。");
        assert_eq!(suspended.say(Lang::En), "Instance 'i-9' is suspended; activate it first.");

        let bare =
            AppError { code: "conflict".into(), message: "As it is".into(), field: None, reason: None, text: None };
        assert_eq!(bare.say(Lang::Zh), "As it is");
    }

    /// An engine refusal reaches the page with its sentence, its field and its reason.
    #[cfg(feature = "ssr")]
    #[test]
    fn engine_refusals_keep_their_sentence() {
        use bpmn_core::text::{Lang, Text};
        let e = engine::EngineError::invalid("name", Text::new("run.signal.name_required"));
        let a = AppError::from(e);
        assert_eq!((a.code.as_str(), a.field.as_deref()), ("invalid", Some("name")));
        assert_eq!(a.say(Lang::Zh), "请填写信号名称（1 至 500 个字符）。");
        assert_eq!(a.say(Lang::En), "Give the signal's name (1 to 500 characters).");
        let e = engine::EngineError::conflict(
            ConflictReason::NotRunning,
            Text::new("run.instance_suspended").with("id", "i"),
        );
        assert_eq!(AppError::from(e).reason, Some(ConflictReason::NotRunning));
    }

    #[test]
    fn every_key_used_here_has_both_languages() {
        use crate::i18n::{t, Lang};
        let keys = [
            "ev.kind.message",
            "ev.kind.signal",
            "ev.send_message",
            "ev.send_signal",
            "ev.vars_not_object",
            "ev.vars_bad_json",
        ];
        for key in keys {
            assert_ne!(t(Lang::Zh, key), key, "{key} has no Chinese label");
            assert_ne!(t(Lang::En, key), key, "{key} has no English label");
        }
    }
}
