//! Bearer tokens of the HTTP API: creating, listing, revoking, and the account a token acts as.

use super::input::check_text;
use super::secrets::{random_token, token_hash};
use super::{Account, Role};
use crate::audit;
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::store::identity as rows;
use crate::store::new_id;
use crate::Engine;

/// A bearer token for the HTTP API, as listed.
pub use bpmn_core::identity::ApiToken;

impl Engine {
    /// Creates an API token acting with the caller's scope: an administrator's token sees all
    /// tenants, a tenant manager's only theirs. Returns the token text, shown this once.
    pub async fn create_api_token(&self, caller: &Account, name: &str) -> Result<(ApiToken, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(EngineError::invalid("name", Text::new("ident.token_name")));
        }
        check_text("name", name)?;
        let secret = format!("bpm_{}", random_token());
        let token = ApiToken {
            id: new_id(),
            name: name.to_string(),
            tenant_id: caller.tenant_scope().map(str::to_string),
            created_by: caller.username.clone(),
            created_at: self.clock.now(),
            last_used_at: None,
            revoked_at: None,
        };
        let mut tx = self.store.begin().await?;
        rows::insert_api_token(&mut tx, &token, &token_hash(&secret)).await?;
        audit::record(
            &mut tx,
            token.created_at,
            caller,
            token.tenant_id.as_deref(),
            "api_token.create",
            &token.id,
            name,
        )
        .await?;
        tx.commit().await?;
        Ok((token, secret))
    }

    /// The tokens the caller may see, newest first.
    pub async fn list_api_tokens(&self, caller: &Account) -> Result<Vec<ApiToken>> {
        let all = self.store.api_tokens().await?;
        Ok(all
            .into_iter()
            .filter(|t| caller.tenant_scope().is_none() || t.tenant_id.as_deref() == caller.tenant_scope())
            .collect())
    }

    /// Revokes a token: from now on it is refused. Revoking twice is refused with the reason.
    pub async fn revoke_api_token(&self, caller: &Account, id: &str) -> Result<()> {
        let not_found = || EngineError::NotFound { what: "thing.api_token", id: id.to_string() };
        let token = self.list_api_tokens(caller).await?.into_iter().find(|t| t.id == id).ok_or_else(not_found)?;
        if token.revoked_at.is_some() {
            let text = Text::new("ident.token_revoked").with("name", &token.name);
            return Err(EngineError::conflict(ConflictReason::AlreadyDone, text));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        rows::revoke_api_token(&mut tx, id, now).await?;
        audit::record(&mut tx, now, caller, token.tenant_id.as_deref(), "api_token.revoke", id, &token.name).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account an API token acts as, or `None` for an unknown or revoked token.
    pub async fn api_token_account(&self, secret: &str) -> Result<Option<Account>> {
        let Some(token) = self.store.live_api_token(&token_hash(secret)).await? else { return Ok(None) };
        let now = self.clock.now();
        if self.token_uses.due(&token.id, now) {
            self.store.touch_api_token(&token.id, now).await?;
        }
        Ok(Some(Account {
            id: format!("token:{}", token.id),
            username: format!("api:{}", token.name),
            display_name: token.name,
            role: if token.tenant_id.is_some() { Role::TenantManager } else { Role::Admin },
            tenant_id: token.tenant_id,
        }))
    }
}

/// When each API token's `last_used_at` was last written: a worker polling several times a
/// second writes it once a minute, not with every request.
#[derive(Debug, Default)]
pub(crate) struct TokenUses(std::sync::Mutex<std::collections::HashMap<String, crate::clock::Millis>>);

/// How often a token's `last_used_at` is written at most.
const TOUCH_EVERY_MS: crate::clock::Millis = 60 * 1000;

impl TokenUses {
    /// Whether token `id`'s use at `now` is to be written (and, if so, it counts as written).
    pub(crate) fn due(&self, id: &str, now: crate::clock::Millis) -> bool {
        let Ok(mut last) = self.0.lock() else { return true };
        match last.get(id) {
            Some(at) if now.saturating_sub(*at) < TOUCH_EVERY_MS => false,
            _ => {
                // Bounded by the number of live tokens, which administrators create by hand.
                last.insert(id.to_owned(), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_use_is_written_once_a_minute() {
        let uses = TokenUses::default();
        assert!(uses.due("t", 0));
        assert!(!uses.due("t", 59_999));
        assert!(uses.due("other", 1));
        assert!(uses.due("t", 60_000));
    }
}
