//! Sign-in throttling: after a few wrong passwords in a row, an account (and, after more, an
//! address) must wait before the next try, the wait doubling with each further failure up to
//! a ceiling. While it waits, sign-ins are refused without checking the password (so the
//! right one does not work either, and no hashing time is spent). A success clears the
//! account's count; an address's count fades when it has not failed for a while. Pure
//! bookkeeping over the engine's clock, held in memory by each server process.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use crate::clock::Millis;

/// Failures of one account allowed before it must wait.
pub const ACCOUNT_FREE_FAILURES: u32 = 5;
/// Failures from one address allowed before it must wait (several people may share one).
pub const ADDRESS_FREE_FAILURES: u32 = 20;
/// The longest wait.
pub const MAX_WAIT_MS: Millis = 15 * 60 * 1000;
/// A count is forgotten after this long without a failure.
const FORGET_AFTER_MS: Millis = 60 * 60 * 1000;
/// Entries kept at most; past it, forgotten entries are swept, then the oldest dropped.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    failures: u32,
    last_failure: Millis,
    locked_until: Millis,
}

impl Entry {
    fn fail(&mut self, now: Millis, free: u32) {
        if now - self.last_failure > FORGET_AFTER_MS {
            self.failures = 0;
        }
        self.failures = self.failures.saturating_add(1);
        self.last_failure = now;
        if self.failures >= free {
            // 1 s after the last free failure, then 2, 4, 8 … up to the ceiling.
            let doublings = (self.failures - free).min(20);
            self.locked_until = now + (1000i64 << doublings).min(MAX_WAIT_MS);
        }
    }
}

/// The throttle's state: counts per account (lower-case user name) and per address.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    inner: Mutex<Maps>,
}

#[derive(Debug, Default)]
struct Maps {
    accounts: HashMap<String, Entry>,
    addresses: HashMap<IpAddr, Entry>,
}

fn prune<K: std::hash::Hash + Eq + Clone>(map: &mut HashMap<K, Entry>, now: Millis) {
    if map.len() < MAX_ENTRIES {
        return;
    }
    map.retain(|_, e| now - e.last_failure <= FORGET_AFTER_MS || e.locked_until > now);
    if map.len() >= MAX_ENTRIES {
        if let Some(oldest) = map.iter().min_by_key(|(_, e)| e.last_failure).map(|(k, _)| k.clone()) {
            map.remove(&oldest);
        }
    }
}

impl SignInThrottle {
    /// How long (ms) a sign-in for `username` from `from` must still wait; 0 = it may try.
    pub fn wait(&self, username: &str, from: Option<IpAddr>, now: Millis) -> Millis {
        let maps = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let account = maps.accounts.get(&username.to_lowercase()).map_or(0, |e| e.locked_until - now);
        let address = from.and_then(|a| maps.addresses.get(&a)).map_or(0, |e| e.locked_until - now);
        account.max(address).max(0)
    }

    /// Counts a wrong password; returns the account's failures in a row.
    pub fn failed(&self, username: &str, from: Option<IpAddr>, now: Millis) -> u32 {
        let mut maps = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        prune(&mut maps.accounts, now);
        prune(&mut maps.addresses, now);
        if let Some(a) = from {
            maps.addresses.entry(a).or_default().fail(now, ADDRESS_FREE_FAILURES);
        }
        let entry = maps.accounts.entry(username.to_lowercase()).or_default();
        entry.fail(now, ACCOUNT_FREE_FAILURES);
        entry.failures
    }

    /// A right password: the account starts afresh.
    pub fn succeeded(&self, username: &str) {
        let mut maps = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        maps.accounts.remove(&username.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_800_000_000_000;

    #[test]
    fn an_account_waits_after_five_failures_and_the_wait_doubles() {
        let t = SignInThrottle::default();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..4 {
            t.failed("admin", Some(ip), T0);
            assert_eq!(t.wait("admin", Some(ip), T0), 0);
        }
        t.failed("Admin", Some(ip), T0);
        assert_eq!(t.wait("admin", None, T0), 1000);
        assert_eq!(t.wait("admin", None, T0 + 1000), 0);
        t.failed("admin", Some(ip), T0 + 1000);
        assert_eq!(t.wait("ADMIN", None, T0 + 1000), 2000);
        // Another account from another address is not held up.
        assert_eq!(t.wait("east-manager", Some("192.0.2.2".parse().unwrap()), T0 + 1000), 0);
        // The wait never exceeds the ceiling.
        for i in 0..40 {
            t.failed("admin", None, T0 + 2000 + i);
        }
        assert_eq!(t.wait("admin", None, T0 + 2039), MAX_WAIT_MS);
        // A success clears the account.
        t.succeeded("admin");
        assert_eq!(t.wait("admin", None, T0 + 2040), 0);
    }

    #[test]
    fn an_address_waits_after_twenty_failures_across_accounts() {
        let t = SignInThrottle::default();
        let ip: IpAddr = "2001:db8::7".parse().unwrap();
        for i in 0..ADDRESS_FREE_FAILURES - 1 {
            t.failed(&format!("user{i}"), Some(ip), T0);
        }
        assert_eq!(t.wait("someone", Some(ip), T0), 0);
        t.failed("user-last", Some(ip), T0);
        assert_eq!(t.wait("someone", Some(ip), T0), 1000);
        assert_eq!(t.wait("someone", None, T0), 0);
    }

    #[test]
    fn counts_fade_after_an_hour_without_failures() {
        let t = SignInThrottle::default();
        for _ in 0..4 {
            t.failed("admin", None, T0);
        }
        assert_eq!(t.failed("admin", None, T0 + FORGET_AFTER_MS + 1), 1);
        assert_eq!(t.wait("admin", None, T0 + FORGET_AFTER_MS + 1), 0);
    }
}
