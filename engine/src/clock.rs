//! Time as the engine sees it. Tests use a fixed clock they move by hand, so nothing sleeps.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Unix epoch milliseconds.
pub type Millis = i64;

/// The engine's source of `now`.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A clock that only moves when told to.
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    /// A fixed clock starting at `start`.
    pub fn fixed(start: Millis) -> Self {
        Clock::Fixed(Arc::new(AtomicI64::new(start)))
    }

    /// The current time in epoch milliseconds.
    pub fn now(&self) -> Millis {
        match self {
            Clock::System => SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as Millis).unwrap_or(0),
            Clock::Fixed(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a fixed clock forward; a system clock ignores it.
    pub fn advance(&self, by: Millis) {
        if let Clock::Fixed(t) = self {
            t.fetch_add(by, Ordering::SeqCst);
        }
    }
}
