//! Credentials sent with every request (HTTP Basic on `/engine-rest`): a successful check is
//! remembered for a minute, so that a worker polling several times a second does not pay the
//! password hash (tens of milliseconds of CPU) each time. Entries are keyed by a digest of
//! user name and password, never the password itself; a wrong password is never remembered;
//! the map is bounded.

use std::collections::HashMap;
use std::sync::Mutex;

use super::secrets::token_hash;
use super::Account;
use crate::clock::Millis;
use crate::error::Result;
use crate::Engine;

/// How long a verified user name and password are taken without checking again.
pub const VERIFIED_TTL_MS: Millis = 60 * 1000;
/// Entries kept at most; past it, expired entries are swept, then everything is forgotten.
const MAX_ENTRIES: usize = 10_000;

/// Recently verified credentials: digest → (account, expiry). Shared by the engine's clones.
#[derive(Debug, Default)]
pub(crate) struct VerifiedCredentials(Mutex<HashMap<String, (Account, Millis)>>);

impl VerifiedCredentials {
    fn get(&self, key: &str, now: Millis) -> Option<Account> {
        let map = self.0.lock().ok()?;
        map.get(key).filter(|(_, until)| *until > now).map(|(a, _)| a.clone())
    }

    fn put(&self, key: String, account: Account, now: Millis) {
        let Ok(mut map) = self.0.lock() else { return };
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, until)| *until > now);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(key, (account, now + VERIFIED_TTL_MS));
    }
}

/// The cache key of a user name and password: a digest of both, unambiguous (NUL separated).
fn key(username: &str, password: &str) -> String {
    token_hash(&format!("{}\0{password}", username.trim()))
}

impl Engine {
    /// [`Engine::verify_credentials`], answered from memory when the same user name and
    /// password were verified less than [`VERIFIED_TTL_MS`] ago (a changed password or a
    /// deleted account is noticed after that at the latest).
    pub async fn verify_credentials_cached(
        &self,
        username: &str,
        password: &str,
        from: Option<std::net::IpAddr>,
    ) -> Result<Account> {
        let key = key(username, password);
        if let Some(account) = self.verified.get(&key, self.clock.now()) {
            return Ok(account);
        }
        let account = self.verify_credentials(username, password, from).await?;
        self.verified.put(key, account.clone(), self.clock.now());
        Ok(account)
    }
}
