//! Signing in and out, and the console sessions behind the cookie: expiry, idle time, the
//! tenant a session works in.

use super::secrets::{hash_password, random_token, token_hash, verify_password};
use super::Account;
use crate::audit;
use crate::error::{EngineError, Result, Text};
use crate::store::audit::NewEntry;
use crate::store::identity::{delete_account_sessions, NewSession};
use crate::Engine;

/// How long a console session lasts at most: a working day with margin.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

/// A session not used for this long ends (background refreshes of open lists do not count
/// as use).
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;

/// A session's idle expiry is pushed forward at most this often, so that use costs a write
/// per minute, not per request.
const SESSION_TOUCH_MS: i64 = 60 * 1000;

/// A signed-in session: the account and the tenant it currently works in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub account: Account,
    /// The tenant chosen in the header's switcher (`None` = all visible tenants).
    pub tenant_id: Option<String>,
    pub expires_at: i64,
}

/// The caller of a request: the session and the token it was found by (empty for a bearer
/// token's caller). The server's authentication puts it into the request; the REST handlers
/// and the server functions read it from there.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub token: String,
    pub session: Session,
}

impl Engine {
    /// Checks a user name and password and opens a session. Returns the session token (to be
    /// put in a cookie) and the account. Wrong name and wrong password are refused alike.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<(String, Account)> {
        self.sign_in_from(username, password, None).await
    }

    /// Checks a user name and password like a sign-in, without opening a session: for callers
    /// that send credentials with every request (HTTP Basic on `/engine-rest`). The same
    /// throttle applies, and every wrong password is written to the audit log.
    pub async fn verify_credentials(
        &self,
        username: &str,
        password: &str,
        from: Option<std::net::IpAddr>,
    ) -> Result<Account> {
        let username = username.trim();
        let wait = self.throttle.wait(username, from, self.clock.now());
        if wait > 0 {
            return Err(EngineError::Throttled { wait_secs: (wait + 999) / 1000 });
        }
        let (account, hash) = self.store.account_for_sign_in(username).await?.unzip();
        // Hashing takes tens of milliseconds of CPU: off the request threads. A wrong user
        // name is hashed too, so that it takes as long as a wrong password.
        let given = password.to_string();
        let right = tokio::task::spawn_blocking(move || match hash {
            Some(hash) => verify_password(&given, &hash),
            None => {
                let _ = hash_password(&given);
                false
            }
        })
        .await
        .unwrap_or(false);
        let now = self.clock.now();
        let account = match account {
            Some(account) if right => account,
            account => {
                let failures = self.throttle.failed(username, from, now);
                let from_text = from.map_or_else(|| "an unknown address".to_string(), |a| a.to_string());
                let detail = format!("wrong user name or password from {from_text} ({failures} in a row)");
                let tenant = account.as_ref().and_then(|a| a.tenant_id.as_deref());
                let entry = NewEntry {
                    at: now,
                    actor: username,
                    tenant_id: tenant,
                    action: "sign_in.failed",
                    target: username,
                    detail: &detail,
                };
                self.store.insert_audit_entry(entry).await?;
                tracing::warn!(username, from = %from_text, failures, "sign-in failed");
                return Err(EngineError::BadCredentials);
            }
        };
        self.throttle.succeeded(username);
        Ok(account)
    }

    /// [`Engine::sign_in`] from the network address `from`: after several wrong passwords
    /// for the account (or from the address) it refuses for a while without checking
    /// ([`crate::throttle`]); every wrong password is written to the audit log.
    pub async fn sign_in_from(
        &self,
        username: &str,
        password: &str,
        from: Option<std::net::IpAddr>,
    ) -> Result<(String, Account)> {
        let account = self.verify_credentials(username, password, from).await?;
        let now = self.clock.now();
        let token = random_token();
        let session = NewSession {
            token_hash: &token_hash(&token),
            user_id: &account.id,
            tenant_id: account.tenant_id.as_deref(),
            created_at: now,
            expires_at: now + SESSION_IDLE_MS.min(SESSION_TTL_MS),
        };
        self.store.insert_session(session).await?;
        // Expired sessions are swept here rather than by a background task: sign-ins are rare.
        self.store.delete_ended_sessions(now).await?;
        Ok((token, account))
    }

    /// The live session behind a token, or `None` when unknown, expired, or idle for
    /// [`SESSION_IDLE_MS`]. `used` says the request is the user's doing (not a background
    /// refresh): it pushes the idle expiry forward, never past [`SESSION_TTL_MS`] after the
    /// sign-in.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        self.session_used(token, false).await
    }

    /// [`Engine::session`], counting the request as use when `used`.
    pub async fn session_used(&self, token: &str, used: bool) -> Result<Option<Session>> {
        let now = self.clock.now();
        let hash = token_hash(token);
        let Some(row) = self.store.live_session(&hash, now).await? else { return Ok(None) };
        let mut expires_at = row.expires_at;
        let pushed = (now + SESSION_IDLE_MS).min(row.created_at + SESSION_TTL_MS);
        if used && pushed - expires_at >= SESSION_TOUCH_MS {
            self.store.extend_session(&hash, pushed, now).await?;
            expires_at = pushed;
        }
        Ok(Some(Session { account: row.account, tenant_id: row.tenant_id, expires_at }))
    }

    /// Chooses the tenant a session works in (`None` = all the account may see).
    pub async fn switch_tenant(&self, token: &str, caller: &Account, tenant_id: Option<&str>) -> Result<()> {
        if let Some(t) = tenant_id {
            self.get_tenant(caller, t).await?;
        } else if caller.tenant_scope().is_some() {
            return Err(EngineError::forbidden(Text::new("ident.manager_own_tenant")));
        }
        self.store.set_session_tenant(&token_hash(token), tenant_id).await
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &str) -> Result<()> {
        self.store.delete_session(&token_hash(token)).await
    }

    /// Ends every session of the caller's account (on every browser), and says how many.
    pub async fn sign_out_everywhere(&self, caller: &Account) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        let ended = delete_account_sessions(&mut tx, &caller.id).await?;
        let detail = format!("{ended} sessions ended");
        let now = self.clock.now();
        audit::record(
            &mut tx,
            now,
            caller,
            caller.tenant_id.as_deref(),
            "sign_out.everywhere",
            &caller.username,
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }
}

#[cfg(test)]
mod tests {
    use bpmn_core::text::Lang;

    use crate::error::EngineError;
    use crate::identity::{Account, Role};
    use crate::testing::TestDb;

    #[tokio::test]
    async fn refusals_of_sign_in_and_tenants_speak_both_languages() {
        let db = TestDb::sqlite().await;
        let e = &db.engine;
        e.ensure_default_tenant().await.unwrap();
        e.create_account("ann", "Ann", "ann-password", Role::Admin, None).await.unwrap();

        let wrong = e.sign_in("ann", "not-her-password").await.unwrap_err();
        assert!(matches!(wrong, EngineError::BadCredentials), "{wrong:?}");
        assert_eq!(wrong.text().key, "error.bad_credentials");
        assert_eq!(wrong.text().render(Lang::Zh), "用户名或密码错误。");
        assert_eq!(wrong.to_string(), "Wrong user name or password.");

        let taken = e.create_tenant(&Account::system(), Some("default"), "默认租户").await.unwrap_err();
        assert_eq!(taken.text().render(Lang::Zh), "名称为“默认租户”或标识为“default”的租户已存在，请换一个。");
        assert_eq!(taken.to_string(), "A tenant named '默认租户' or with id 'default' already exists; choose another.");

        let manager = e.create_account("mgr", "M", "mgr-password", Role::TenantManager, Some("default")).await.unwrap();
        let forbidden = e.create_tenant(&manager, None, "North").await.unwrap_err();
        assert_eq!(forbidden.status(), 403);
        assert_eq!(forbidden.text().render(Lang::Zh), "只有管理员才能创建租户，请联系管理员办理。");
        assert_eq!(forbidden.to_string(), "Only an administrator can create tenants; ask an administrator to do it.");
    }
}
