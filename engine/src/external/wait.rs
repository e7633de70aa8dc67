//! Long polling: fetches that found nothing wait here without a database connection.
//!
//! Every waiting fetch watches one counter ([`Waiters::wake`] moves it) and looks again when it
//! moves. It moves at once when this process creates an external task, unlocks one or resets
//! its retries. For what no command of this process announces (a retry or a lock that comes
//! due, tasks created by another server process), one poller per engine runs while anyone
//! waits: it asks the database for the earliest due task of the topics waited on, sleeps until
//! then (at most [`POLL_MS`]) and moves the counter when one is due. So 500 waiting workers
//! cost one small query per second, not 500.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use crate::Engine;

/// How often the poller looks at the database while fetches wait (tasks made by another
/// process appear within this).
pub const POLL_MS: i64 = 1_000;

/// The waiting fetches of one engine (shared by its clones).
#[derive(Debug)]
pub(crate) struct Waiters {
    /// Moves whenever a task may have become fetchable.
    changes: watch::Sender<u64>,
    /// The topics waited on, with how many fetches wait for each; the poller runs while it is
    /// not empty.
    topics: Mutex<Topics>,
    /// Makes the poller look again at once (a retry due sooner than it sleeps).
    poke: Notify,
}

#[derive(Debug, Default)]
struct Topics {
    waiting: HashMap<String, usize>,
    polling: bool,
}

impl Default for Waiters {
    fn default() -> Self {
        Waiters { changes: watch::channel(0).0, topics: Mutex::default(), poke: Notify::new() }
    }
}

/// A fetch's registration; dropping it ends the wait of its topics.
pub(crate) struct Waiting<'a> {
    waiters: &'a Waiters,
    topics: Vec<String>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Ok(mut t) = self.waiters.topics.lock() {
            for topic in &self.topics {
                if let Some(n) = t.waiting.get_mut(topic) {
                    *n -= 1;
                    if *n == 0 {
                        t.waiting.remove(topic);
                    }
                }
            }
        }
    }
}

impl Waiters {
    /// A receiver of the change counter, marked as seen now.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Wakes every waiting fetch to look again.
    pub(crate) fn wake(&self) {
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Makes the poller look at the database again (a task comes due at a new time).
    pub(crate) fn poke(&self) {
        self.poke.notify_one();
    }

    /// Registers a fetch waiting for `topics`, starting the poller if none runs.
    pub(crate) fn wait_for<'a>(&'a self, engine: &Engine, topics: &[String]) -> Waiting<'a> {
        let start = match self.topics.lock() {
            Ok(mut t) => {
                for topic in topics {
                    *t.waiting.entry(topic.clone()).or_default() += 1;
                }
                !std::mem::replace(&mut t.polling, true)
            }
            Err(_) => false,
        };
        if start {
            let engine = engine.clone();
            tokio::spawn(async move { poll(engine).await });
        }
        Waiting { waiters: self, topics: topics.to_vec() }
    }

    /// The topics waited on, or `None` (and the poller stops) when nobody waits.
    fn waited_topics(&self) -> Option<Vec<String>> {
        let mut t = self.topics.lock().ok()?;
        if t.waiting.is_empty() {
            t.polling = false;
            return None;
        }
        Some(t.waiting.keys().cloned().collect())
    }
}

/// The poller: runs while fetches wait (see the module docs).
async fn poll(engine: Engine) {
    let waiters = engine.external.clone();
    while let Some(topics) = waiters.waited_topics() {
        let next = match engine.store.next_external_due(&topics).await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(error = %e, "looking for due external tasks failed");
                None
            }
        };
        let now = engine.clock.now();
        let wait = match next {
            Some(due) if due <= now => {
                waiters.wake();
                POLL_MS
            }
            Some(due) => (due - now).clamp(1, POLL_MS),
            None => POLL_MS,
        };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            _ = waiters.poke.notified() => {}
        }
    }
}
