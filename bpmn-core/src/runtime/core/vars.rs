//! Variable scopes: what a token sees (its own variables, those of the tokens enclosing it,
//! then the instance's) and where a variable set for a token goes.

use serde_json::{Map, Value};

use super::run::Run;
use super::{InstanceState, TokenId};
use crate::runtime::expr::{Facts, Variables};

/// The variables visible to one token, for the expression evaluator: local maps innermost
/// first, then the instance's variables; and the facts `execution.…` and `now()` read.
pub(super) struct Visible<'s> {
    locals: Vec<&'s Map<String, Value>>,
    instance: &'s Map<String, Value>,
    facts: Facts<'s>,
}

impl Variables for Visible<'_> {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.locals.iter().find_map(|m| m.get(name)).or_else(|| self.instance.get(name))
    }

    fn facts(&self) -> Facts<'_> {
        self.facts
    }
}

impl Run<'_> {
    /// What `token` sees, with the facts of the step: the instance's id, business key and
    /// definition id from the [`Env`](crate::runtime::env::Env), the token's node as the
    /// current activity, and the step's time.
    pub(super) fn visible(&self, token: TokenId) -> Visible<'_> {
        let activity = self.token(token).and_then(|t| self.process.nodes.get(t.node)).map_or("", |n| n.id.as_str());
        Visible { facts: self.facts(activity, None), ..visible(&self.state, token) }
    }
}

/// The token `id` and the tokens enclosing it, innermost first. Bounded, so that even a state
/// with a scope cycle (refused by `validate`) cannot loop.
pub(super) fn scope_chain(state: &InstanceState, id: TokenId) -> Vec<TokenId> {
    let mut chain = Vec::new();
    let mut next = Some(id);
    while let Some(id) = next {
        if chain.len() > state.tokens.len() {
            break;
        }
        let Some(t) = state.tokens.iter().find(|t| t.id == id) else { break };
        chain.push(id);
        next = t.scope;
    }
    chain
}

/// What `token` sees.
pub(super) fn visible(state: &InstanceState, token: TokenId) -> Visible<'_> {
    let locals = scope_chain(state, token)
        .into_iter()
        .filter_map(|id| state.tokens.iter().find(|t| t.id == id))
        .map(|t| &t.vars)
        .collect();
    Visible { locals, instance: &state.variables, facts: Facts::default() }
}

/// Everything `token` sees as one map: the instance's variables overridden by the local ones,
/// the nearest last.
pub(super) fn flattened(state: &InstanceState, token: TokenId) -> Map<String, Value> {
    let mut all = state.variables.clone();
    for id in scope_chain(state, token).into_iter().rev() {
        if let Some(t) = state.tokens.iter().find(|t| t.id == id) {
            all.extend(t.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    all
}

/// Sets `variables` for `token`: a name that is a local variable of the token or of an
/// enclosing token updates the nearest one; any other name goes into the instance's
/// variables (Camunda's `setVariable` rule).
pub(super) fn set_variables(state: &mut InstanceState, token: TokenId, variables: Map<String, Value>) {
    let chain = scope_chain(state, token);
    for (name, value) in variables {
        let owner =
            chain.iter().find_map(|id| state.tokens.iter().position(|t| t.id == *id && t.vars.contains_key(&name)));
        match owner.and_then(|i| state.tokens.get_mut(i)) {
            Some(t) => {
                t.vars.insert(name, value);
            }
            None => {
                state.variables.insert(name, value);
            }
        }
    }
}
