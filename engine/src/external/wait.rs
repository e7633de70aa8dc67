//! Long polling: fetches that found nothing wait here without a database connection.
//!
//! A waiting fetch registers under each of its topics and sleeps until it is woken or its
//! timeout passes. Who wakes whom:
//!
//! - A command of this process that creates external tasks wakes, per task, one fetch waiting
//!   for its topic (the one that waited longest and is not woken yet). A woken fetch that
//!   leaves without looking again (it had found tasks meanwhile, or its worker went away)
//!   passes its wake-up on, so no task waits for the poller because of it.
//! - An administrator's unlock, retry or 执行 wakes one fetch of the task's topic.
//! - For what no command of this process announces (a retry or a lock that comes due, tasks
//!   created by another server process), one poller per engine runs while anyone waits: it
//!   asks the database for the earliest due task of each topic waited on, sleeps until the
//!   first (at most [`POLL_MS`]) and wakes the fetches of the topics that are due. So 500
//!   waiting workers cost one small query per topic and second, not 500, and a fetch of one
//!   topic never wakes for another's tasks.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use crate::Engine;

/// How often the poller looks at the database while fetches wait (tasks made by another
/// process appear within this).
pub const POLL_MS: i64 = 1_000;

/// The waiting fetches of one engine (shared by its clones).
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    state: Mutex<State>,
    /// Makes the poller look again at once (a retry due sooner than it sleeps).
    poke: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// Per topic, the fetches waiting for it, longest waiting first.
    topics: HashMap<String, VecDeque<Arc<Slot>>>,
    /// Whether the poller runs.
    polling: bool,
}

/// One waiting fetch's wake-up.
#[derive(Debug, Default)]
struct Slot {
    notify: Notify,
    /// Woken and not yet looked: a second wake-up goes to another fetch.
    woken: AtomicBool,
}

impl Slot {
    /// Wakes the fetch unless it is woken already; tells whether it was.
    fn wake(&self) -> bool {
        if self.woken.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.notify.notify_one();
        true
    }
}

/// A fetch's registration; dropping it ends the wait (and passes on an unused wake-up).
pub(crate) struct Waiting<'a> {
    waiters: &'a Waiters,
    topics: Vec<String>,
    slot: Arc<Slot>,
}

impl Waiting<'_> {
    /// Until the fetch is woken (at once when it was woken since it last looked).
    pub(crate) async fn woken(&self) {
        self.slot.notify.notified().await;
        self.slot.woken.store(false, Ordering::Release);
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let unused = self.slot.woken.load(Ordering::Acquire);
        let Ok(mut state) = self.waiters.state.lock() else { return };
        for topic in &self.topics {
            if let Some(queue) = state.topics.get_mut(topic) {
                queue.retain(|s| !Arc::ptr_eq(s, &self.slot));
                if queue.is_empty() {
                    state.topics.remove(topic);
                }
            }
        }
        if unused {
            // Its wake-up announced a task it did not look for: another fetch looks instead.
            if let Some(topic) = self.topics.iter().find(|t| state.topics.contains_key(*t)) {
                wake_some(&mut state, topic, 1);
            }
        }
    }
}

/// Wakes up to `n` fetches waiting for `topic` that are not woken yet, longest waiting first
/// (each woken one goes to the back of the line).
fn wake_some(state: &mut State, topic: &str, n: usize) {
    let Some(queue) = state.topics.get_mut(topic) else { return };
    let mut left = n;
    for _ in 0..queue.len() {
        if left == 0 {
            break;
        }
        let Some(slot) = queue.pop_front() else { break };
        if slot.wake() {
            left -= 1;
        }
        queue.push_back(slot);
    }
}

impl Waiters {
    /// Registers a fetch for `topics` (before it looks, so that nothing created while it looks
    /// is missed).
    pub(crate) fn register(&self, topics: &[String]) -> Waiting<'_> {
        let slot = Arc::new(Slot::default());
        if let Ok(mut state) = self.state.lock() {
            for topic in topics {
                state.topics.entry(topic.clone()).or_default().push_back(slot.clone());
            }
        }
        Waiting { waiters: self, topics: topics.to_vec(), slot }
    }

    /// Starts the poller unless it runs (a registered fetch is about to wait).
    pub(crate) fn ensure_polling(&self, engine: &Engine) {
        let start = match self.state.lock() {
            Ok(mut state) => !std::mem::replace(&mut state.polling, true),
            Err(_) => false,
        };
        if start {
            let engine = engine.clone();
            tokio::spawn(async move { poll(engine).await });
        }
    }

    /// Tasks were created, one topic per task: each wakes one fetch of its topic.
    pub(crate) fn created<'t>(&self, topics: impl IntoIterator<Item = &'t str>) {
        let Ok(mut state) = self.state.lock() else { return };
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for topic in topics {
            *counts.entry(topic).or_default() += 1;
        }
        for (topic, n) in counts {
            wake_some(&mut state, topic, n);
        }
    }

    /// Wakes every fetch waiting for one of `topics`.
    fn wake_topics(&self, topics: &[String]) {
        let Ok(state) = self.state.lock() else { return };
        for topic in topics {
            for slot in state.topics.get(topic).into_iter().flatten() {
                slot.wake();
            }
        }
    }

    /// Makes the poller look at the database again (a task comes due at a new time).
    pub(crate) fn poke(&self) {
        self.poke.notify_one();
    }

    /// The topics waited on, or `None` (and the poller stops) when nobody waits.
    fn waited_topics(&self) -> Option<Vec<String>> {
        let mut state = self.state.lock().ok()?;
        if state.topics.is_empty() {
            state.polling = false;
            return None;
        }
        Some(state.topics.keys().cloned().collect())
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
                Vec::new()
            }
        };
        let now = engine.clock.now();
        let due: Vec<String> = next.iter().filter(|(_, at)| *at <= now).map(|(t, _)| t.clone()).collect();
        waiters.wake_topics(&due);
        // Look again when the next task comes due, and at least once per POLL_MS (tasks
        // of other processes).
        let wait = next
            .iter()
            .map(|(_, at)| *at)
            .filter(|at| *at > now)
            .min()
            .map_or(POLL_MS, |at| (at - now).clamp(1, POLL_MS));
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            _ = waiters.poke.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn is_woken(w: &Waiting<'_>) -> bool {
        w.slot.woken.load(Ordering::Acquire)
    }

    #[test]
    fn a_new_task_wakes_one_fetch_of_its_topic_only() {
        let waiters = Waiters::default();
        let a = waiters.register(&topics(&["mail"]));
        let b = waiters.register(&topics(&["mail"]));
        let c = waiters.register(&topics(&["print"]));
        waiters.created(["mail"]);
        assert!(is_woken(&a) && !is_woken(&b) && !is_woken(&c));
        // The second task goes to the next fetch, not again to the first.
        waiters.created(["mail"]);
        assert!(is_woken(&b) && !is_woken(&c));
        // More tasks than fetches: every fetch of the topic is woken once.
        waiters.created(["print", "print", "print"]);
        assert!(is_woken(&c));
    }

    #[test]
    fn an_unused_wake_up_is_passed_on_and_registrations_end() {
        let waiters = Waiters::default();
        let a = waiters.register(&topics(&["mail", "print"]));
        let b = waiters.register(&topics(&["print"]));
        waiters.created(["print"]);
        assert!(is_woken(&a) && !is_woken(&b));
        drop(a);
        assert!(is_woken(&b), "a's wake-up went to b");
        drop(b);
        assert!(waiters.state.lock().map(|s| s.topics.is_empty()).unwrap_or(false));
        assert_eq!(waiters.waited_topics(), None);
    }

    #[tokio::test]
    async fn a_wake_up_before_the_wait_is_not_lost() {
        let waiters = Waiters::default();
        let a = waiters.register(&topics(&["mail"]));
        waiters.created(["mail"]);
        tokio::time::timeout(Duration::from_secs(1), a.woken()).await.expect("woken at once");
        assert!(!is_woken(&a), "looking again clears the wake-up");
        waiters.wake_topics(&topics(&["mail"]));
        assert!(is_woken(&a));
    }
}
