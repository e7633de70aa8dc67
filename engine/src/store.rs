//! The connection to SQLite or PostgreSQL, behind one `sqlx::Any` pool.
//!
//! Queries are written once with `$1` placeholders, which both SQLite and PostgreSQL accept;
//! each database has its own migrations (`migrations/sqlite`, `migrations/postgres`) because
//! their DDL differs in small ways (auto-increment keys).

use sqlx::any::{AnyPoolOptions, AnyQueryResult};
use sqlx::{AnyPool, Executor};

use crate::error::Result;

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The engine's database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://...`) and applies migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        // No ping before each checkout: it would double the round trips of every query; a
        // broken connection fails its query and is replaced.
        let options = AnyPoolOptions::new().test_before_acquire(false);
        let pool = match backend {
            // SQLite: one file, many readers, one writer at a time. WAL lets readers run
            // beside the writer; the busy timeout makes a second writer wait instead of failing.
            Backend::Sqlite => {
                options
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                                 PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => options.max_connections(16).connect(url).await?,
        };
        let store = Store { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("../migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => sqlx::migrate!("../migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for callers that need raw access (tests, benchmarks).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A trivial round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        let _: AnyQueryResult = sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection (graceful shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A random identifier: 16 lowercase hex characters (64 bits).
pub fn new_id() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}
