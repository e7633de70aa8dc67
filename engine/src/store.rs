//! The connection to SQLite or PostgreSQL, behind one `sqlx::Any` pool.
//!
//! Queries are written once with `$1` placeholders, which both SQLite and PostgreSQL accept;
//! each database has its own migrations (`migrations/sqlite`, `migrations/postgres`) because
//! their DDL differs in small ways (auto-increment keys).

pub(crate) mod direct;
pub(crate) mod writes;

use std::sync::Arc;

use sqlx::any::{AnyPoolOptions, AnyQueryResult};
use sqlx::{AnyPool, Executor};

use self::direct::Direct;
use self::writes::WriteSet;
use crate::error::Result;
use crate::sql::{bind_all, refuse_nul, Arg, Cells};

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
    /// On a SQLite file, the connections used in place and the writer thread (see [`direct`]).
    direct: Option<Arc<Direct>>,
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
        let mut store = Store { pool, backend, direct: None };
        store.migrate().await?;
        if backend == Backend::Sqlite {
            store.direct = Direct::open(url)?.map(Arc::new);
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
        if let Some(d) = &self.direct {
            d.stop();
        }
        self.pool.close().await;
    }

    /// Runs a query and maps each row with `f`: in place on a SQLite file (see [`direct`]),
    /// through the pool otherwise. For reads bounded by a key (one row, one instance's rows).
    pub(crate) async fn fetch<T>(
        &self,
        sql: &str,
        args: Vec<Arg>,
        mut f: impl FnMut(&dyn Cells) -> Result<T>,
    ) -> Result<Vec<T>> {
        refuse_nul(&args)?;
        if let Some(d) = &self.direct {
            return d.fetch(sql, &args, f);
        }
        let rows = bind_all(sql, args).fetch_all(&self.pool).await?;
        rows.iter().map(|r| f(r)).collect()
    }

    /// [`Store::fetch`] of at most one row.
    pub(crate) async fn fetch_optional<T>(
        &self,
        sql: &str,
        args: Vec<Arg>,
        f: impl FnMut(&dyn Cells) -> Result<T>,
    ) -> Result<Option<T>> {
        Ok(self.fetch(sql, args, f).await?.into_iter().next())
    }

    /// Commits a command's write set in one transaction: through the writer thread on a SQLite
    /// file, in a transaction of the pool otherwise.
    pub(crate) async fn write(&self, ws: WriteSet) -> Result<()> {
        ws.refuse_nul()?;
        let ws = match &self.direct {
            Some(w) => match w.write(ws).await {
                Ok(outcome) => return outcome,
                Err(ws) => ws,
            },
            None if self.backend == Backend::Postgres => {
                let done = match ws.fused() {
                    Some((sql, args)) => bind_all(&sql, args).execute(&self.pool).await.map(|_| ()),
                    None => sqlx::raw_sql(&ws.inlined()).execute(&self.pool).await.map(|_| ()),
                };
                match done {
                    Ok(()) => return Ok(()),
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

/// A new identifier: 28 lowercase hex characters, the time in milliseconds (48 bits) and then
/// 64 random bits.
///
/// Ids made close in time sort close together, so the rows a command inserts land on the same
/// few index pages as the other recent rows, and commands committed together share those
/// pages (far fewer pages written per command than with ids spread over the whole index). The
/// random part keeps the ids of one millisecond apart, made by any number of server processes.
pub fn new_id() -> String {
    use rand::Rng;
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64 & 0xffff_ffff_ffff);
    format!("{ms:012x}{:016x}", rand::thread_rng().gen::<u64>())
}
