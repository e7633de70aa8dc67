//! Multi-instance activities. The token that arrives becomes the body: it stays on the node
//! in [`TokenState::MultiInstanceBody`] and keeps the counters in its variables. Each
//! instance is a token on the same node scoped to the body, with `loopCounter` and the
//! element variable of its own; parallel instances start together, sequential ones one after
//! the other. After each instance the completion condition is evaluated; when it holds (or
//! every instance is done) the remaining instances are cancelled and the body leaves.

use serde_json::{Map, Value};

use super::run::{Run, Work};
use super::{HistoryKind, InstanceState, RuntimeError, Token, TokenId, TokenState, MAX_INSTANCES};
use crate::bpmn::model::{MultiInstance, NodeIdx};
use crate::runtime::expr::{self, ExprError, Variables};
use crate::text::Text;

const INSTANCES: &str = "nrOfInstances";
const COMPLETED: &str = "nrOfCompletedInstances";
const ACTIVE: &str = "nrOfActiveInstances";
const LOOP_COUNTER: &str = "loopCounter";

/// The multi-instance body `t` is an instance of: its scope token, when that is a body on the
/// same node.
pub(super) fn mi_body_of(state: &InstanceState, t: &Token) -> Option<TokenId> {
    let body = state.tokens.iter().find(|b| Some(b.id) == t.scope)?;
    (body.state == TokenState::MultiInstanceBody && body.node == t.node).then_some(body.id)
}

impl Run<'_> {
    /// The multi-instance body the token `token` is an instance of.
    pub(super) fn mi_body_of(&self, token: TokenId) -> Option<TokenId> {
        mi_body_of(&self.state, self.token(token)?)
    }

    /// `token` arrives at the multi-instance activity `node` and becomes its body.
    pub(super) fn start_multi_instance(
        &mut self,
        token: TokenId,
        node: NodeIdx,
        mi: &MultiInstance,
    ) -> Result<(), RuntimeError> {
        let items = self.collection(token, node, mi)?;
        let count = match &items {
            Some(items) => items.len(),
            None => self.cardinality(token, node, mi)?,
        };
        if count > MAX_INSTANCES {
            return Err(self.invalid(
                node,
                Text::new("run.core.too_many_instances").with("count", count).with("max", MAX_INSTANCES),
            ));
        }
        let timers = if count == 0 { Vec::new() } else { self.boundaries(token, node)? };
        self.history(HistoryKind::Started, token, node);
        if let Some(t) = self.token_mut(token) {
            t.vars = Map::new();
            t.vars.insert(INSTANCES.into(), Value::from(count));
            t.vars.insert(COMPLETED.into(), Value::from(0));
            t.vars.insert(ACTIVE.into(), Value::from(0));
        }
        if count == 0 {
            // Nothing to do: the body leaves at once.
            self.history(HistoryKind::Ended, token, node);
            self.queue.push_back(Work::Leave { token });
            return Ok(());
        }
        self.set_state(token, TokenState::MultiInstanceBody);
        self.arm(token, timers);
        let first = if mi.sequential { 1 } else { count };
        for index in 0..first {
            let element = items.as_ref().and_then(|items| items.get(index)).cloned();
            self.start_instance(token, node, mi, index, element);
        }
        Ok(())
    }

    /// Starts instance `index` of the body `body`, with `element` as its element variable.
    fn start_instance(
        &mut self,
        body: TokenId,
        node: NodeIdx,
        mi: &MultiInstance,
        index: usize,
        element: Option<Value>,
    ) {
        let id = self.new_token(node, Some(body));
        if let Some(t) = self.token_mut(id) {
            t.vars.insert(LOOP_COUNTER.into(), Value::from(index));
            if let (Some(name), Some(element)) = (&mi.element_variable, element) {
                t.vars.insert(name.clone(), element);
            }
        }
        if let Some(b) = self.token_mut(body) {
            let active = counter(b, ACTIVE).unwrap_or(0);
            b.vars.insert(ACTIVE.into(), Value::from(active + 1));
        }
        self.queue.push_back(Work::Arrive { token: id, node, via: None });
    }

    /// The instance `inner` of `body` has finished its activity. A failure here (the
    /// completion condition cannot be evaluated, the collection changed) stops the body with
    /// an incident.
    pub(super) fn instance_completed(&mut self, body: TokenId, inner: TokenId) -> Result<(), RuntimeError> {
        let Some(node) = self.token(body).map(|t| t.node) else { return Ok(()) };
        let result = self.advance(body, inner, node);
        self.absorb(body, node, result)
    }

    /// Counts the finished instance, then closes the body or starts the next instance.
    fn advance(&mut self, body: TokenId, inner: TokenId, node: NodeIdx) -> Result<(), RuntimeError> {
        let Some(mi) = self.node(node)?.multi_instance.as_ref() else {
            return Err(
                self.inconsistent(node, "the instance state has a multi-instance body on an activity without one")
            );
        };
        let b = self.token(body).ok_or(RuntimeError::UnknownToken { token: body })?;
        let (Some(count), Some(completed), Some(active)) =
            (counter(b, INSTANCES), counter(b, COMPLETED), counter(b, ACTIVE))
        else {
            return Err(self.inconsistent(node, "the multi-instance body has lost its counters"));
        };
        let completed = completed + 1;
        if let Some(b) = self.token_mut(body) {
            b.vars.insert(COMPLETED.into(), Value::from(completed));
            b.vars.insert(ACTIVE.into(), Value::from(active.saturating_sub(1)));
        }
        // The condition sees the finished instance's variables (`loopCounter`, the element).
        let done = match &mi.completion_condition {
            Some(c) => expr::evaluate_bool(c, &self.visible(inner)).map_err(self.expr_err(node))?,
            None => false,
        };
        self.state.tokens.retain(|t| t.id != inner);
        if done || completed >= count {
            self.close_scope(body);
        } else if mi.sequential {
            let element =
                match self.collection(body, node, mi)? {
                    Some(items) => Some(items.get(completed).cloned().ok_or_else(|| {
                        self.invalid(node, Text::new("run.core.collection_shrank").with("count", count))
                    })?),
                    None => None,
                };
            self.start_instance(body, node, mi, completed, element);
        }
        Ok(())
    }

    /// The elements of the collection, for `token` on `node`; `None` when the activity counts
    /// with a loop cardinality instead. The collection is an expression (`${approvers}`) or
    /// the name of a variable, and must be a JSON array.
    fn collection(
        &self,
        token: TokenId,
        node: NodeIdx,
        mi: &MultiInstance,
    ) -> Result<Option<Vec<Value>>, RuntimeError> {
        let Some(text) = &mi.collection else { return Ok(None) };
        let vars = self.visible(token);
        let err = self.expr_err(node);
        let value = if text.contains("${") || text.contains("#{") {
            expr::evaluate(text, &vars).map_err(&err)?
        } else {
            let name = text.trim();
            vars.lookup(name)
                .cloned()
                .ok_or_else(|| err(ExprError::UnknownVariable { expr: text.clone(), name: name.to_owned() }))?
        };
        match value {
            Value::Array(items) => Ok(Some(items)),
            other => Err(err(ExprError::TypeMismatch {
                expr: text.clone(),
                message: Text::new("run.core.collection_not_list").with_text("value", expr::type_text(&other)),
            })),
        }
    }

    /// The loop cardinality, for `token` on `node`: a whole number of at least 0, written as
    /// a number or an expression.
    fn cardinality(&self, token: TokenId, node: NodeIdx, mi: &MultiInstance) -> Result<usize, RuntimeError> {
        let Some(text) = &mi.cardinality else {
            return Err(self.invalid(node, Text::new("run.core.no_cardinality")));
        };
        let value = expr::evaluate(text, &self.visible(token)).map_err(self.expr_err(node))?;
        let whole = match &value {
            Value::Number(n) => {
                n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64))
            }
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        whole.map(|n| usize::try_from(n).unwrap_or(usize::MAX)).ok_or_else(|| {
            self.expr_err(node)(ExprError::TypeMismatch {
                expr: text.clone(),
                message: Text::new("run.core.bad_cardinality").with_text("value", to_shown(&value)),
            })
        })
    }
}

/// A counter of a multi-instance body.
fn counter(body: &Token, name: &str) -> Option<usize> {
    body.vars.get(name).and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok())
}

/// A value as it is shown in a message.
fn to_shown(v: &Value) -> Text {
    match v {
        Value::String(s) => Text::verbatim(format!("`{s}`")),
        other => expr::type_text(other),
    }
}
