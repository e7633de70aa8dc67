//! The embedded BPMN 2.0 engine of the BPM console.
//!
//! A library with no web dependency. `bpmn` parses and renders process files; the storage
//! layer (`store`) keeps everything in SQLite or PostgreSQL; `Engine` is the one entry point
//! the server and the tests use. Every change takes the calling [`identity::Account`], checks
//! its tenant scope, and writes an audit entry in the same transaction.

pub mod audit;
pub mod catalog;
pub mod clock;
pub mod demo;
pub mod deploy;
pub mod error;
pub mod events;
pub mod external;
pub mod history;
pub mod identity;
pub mod instances;
pub mod jobs;
pub mod scripts;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod throttle;
pub mod zone;

pub use bpmn_core::{bpmn, rules, runtime, schedule};
pub use clock::Clock;
pub use error::{EngineError, Result};
pub use store::{Backend, SqliteSync, Store, StoreOptions};

/// The engine: storage plus a clock. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct Engine {
    store: Store,
    clock: Clock,
    /// Parsed processes of deployed definitions, shared by clones.
    processes: std::sync::Arc<instances::ProcessCache>,
    /// The latest version of each key that starts by key use, shared by clones.
    latest: std::sync::Arc<instances::LatestVersions>,
    /// The jobs this process's executors are running, shared by clones, so that deleting one
    /// aborts its call at once.
    running: std::sync::Arc<jobs::RunningJobs>,
    /// Failed sign-ins per account and address, shared by clones.
    throttle: std::sync::Arc<throttle::SignInThrottle>,
    /// Recently verified HTTP Basic credentials, shared by clones.
    verified: std::sync::Arc<identity::VerifiedCredentials>,
    /// The fetches of external tasks waiting for one to appear, shared by clones.
    external: std::sync::Arc<external::Waiters>,
    /// When each API token's use was last written, shared by clones.
    token_uses: std::sync::Arc<identity::tokens::TokenUses>,
    /// The zone timers, cron expressions and due dates are read in (`BPM_TIME_ZONE`); UTC
    /// unless set with [`Engine::with_time_zone`].
    time_zone: schedule::TimeZone,
}

impl Engine {
    /// An engine over an open store.
    pub fn new(store: Store, clock: Clock) -> Engine {
        Engine {
            store,
            clock,
            processes: Default::default(),
            latest: Default::default(),
            running: Default::default(),
            throttle: Default::default(),
            verified: Default::default(),
            external: Default::default(),
            token_uses: Default::default(),
            time_zone: schedule::TimeZone::UTC,
        }
    }

    /// The engine reading timers, cron expressions and due dates without an offset in `zone`
    /// (see [`zone`] to look one up by name).
    pub fn with_time_zone(mut self, zone: schedule::TimeZone) -> Engine {
        self.time_zone = zone;
        self
    }

    /// The zone schedules are evaluated in.
    pub fn time_zone(&self) -> &schedule::TimeZone {
        &self.time_zone
    }

    /// Connects to the database at `url`, applies migrations and returns the engine.
    pub async fn connect(url: &str) -> Result<Engine> {
        Engine::connect_with(url, StoreOptions::default()).await
    }

    /// [`Engine::connect`] with the store's options (SQLite durability).
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Engine> {
        Ok(Engine::new(Store::connect_with(url, options).await?, Clock::System))
    }

    /// The store, for health checks and shutdown.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The engine's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }
}
