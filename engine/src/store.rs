//! The connection to SQLite or PostgreSQL, behind one `sqlx::Any` pool.
//!
//! Queries are written once with `$1` placeholders, which both SQLite and PostgreSQL accept;
//! each database has its own migrations (`migrations/sqlite`, `migrations/postgres`) because
//! their DDL differs in small ways (auto-increment keys).

pub(crate) mod writes;

use std::sync::Arc;

use sqlx::any::{AnyPoolOptions, AnyQueryResult};
use sqlx::{AnyPool, Executor};

use self::writes::{WriteSet, Writer};
use crate::error::Result;

/// Every SQLite connection's settings: WAL lets readers run beside the writer; the busy
/// timeout makes a second writer wait instead of failing.
const SQLITE_PRAGMAS: &str =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;";

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
    /// On SQLite, the task that commits the commands' write sets (see [`writes`]).
    writer: Option<Arc<Writer>>,
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
            // SQLite: one file, many readers, one writer at a time.
            Backend::Sqlite => {
                options
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => options.max_connections(16).connect(url).await?,
        };
        let mut store = Store { pool, backend, writer: None };
        store.migrate().await?;
        // An in-memory database is private to its connection: no second connection for it.
        if backend == Backend::Sqlite && !url.contains(":memory:") && !url.contains("mode=memory") {
            store.writer = Some(Arc::new(Writer::start(url).await?));
        }
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
        if let Some(w) = &self.writer {
            w.stop();
        }
        self.pool.close().await;
    }

    /// Commits a command's write set in one transaction: through the writer on SQLite, in a
    /// transaction of the pool otherwise.
    pub(crate) async fn write(&self, ws: WriteSet) -> Result<()> {
        let ws = match &self.writer {
            Some(w) => match w.write(ws).await {
                Ok(outcome) => return outcome,
                Err(ws) => ws,
            },
            None if self.backend == Backend::Postgres => {
                match sqlx::raw_sql(&ws.inlined()).execute(&self.pool).await {
                    Ok(_) => return Ok(()),
                    // A check refused: nothing was written; running the set statement by
                    // statement tells which check, with its own refusal.
                    Err(e) if e.to_string().contains(writes::GUARD_FAILED_PG) => ws,
                    Err(e) => return Err(e.into()),
                }
            }
            None => ws,
        };
        let mut tx = self.pool.begin().await?;
        ws.run(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A random identifier: 16 lowercase hex characters (64 bits).
pub fn new_id() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}
