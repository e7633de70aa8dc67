//! The storage of the engine: the only module with SQL. SQLite (an embedded file, the
//! default) or PostgreSQL, behind one `sqlx::Any` pool, plus on a SQLite file the engine's own
//! connections (`direct`).
//!
//! # Where the statements are
//!
//! One module per table family: `instances`, `tasks`, `history` (activity instances, variable
//! changes, operation log), `incidents`, `jobs` (jobs, their attempts, timer start events),
//! `identity` (tenants, accounts, sessions, organisation, API tokens), `catalog`, `audit`,
//! `definitions` (deployments, definition versions, models), `events` (event
//! subscriptions), `demo` and `testing`; `sql`
//! holds the query helpers (placeholders, `LIKE` patterns, keyset cursors, multi-row inserts,
//! and the rules that keep PostgreSQL's plans stable) and `error` turns the database's
//! failures into the engine's errors. Reads are typed functions on [`Store`]; instance
//! commands hand their row changes to [`writes::WriteSet`] as typed [`writes::Write`]s, which
//! those modules render into statements; the other commands write through typed functions on
//! an open transaction ([`Tx`]).
//!
//! Queries are written once with `$1` placeholders, which both databases accept (the direct
//! connections bind `$n` by its number); each database has its own migrations
//! (`migrations/sqlite`, `migrations/postgres`) because their DDL differs in small ways. Rows
//! are read through one small trait (`sql::Cells`: text or integer by column name), so a row
//! mapping serves the pool and the direct connections alike.
//!
//! # Ids
//!
//! Of an instance, task, job, deployment…: 28 hex characters ([`new_id`]), the creation time
//! in milliseconds then 64 random bits, so new rows of one moment sit together at the end of
//! every index that leads with an id (commands committed together share those pages) and ids
//! made at once by several server processes still differ.
//!
//! # Writing a command (`writes`, `direct`)
//!
//! A write set is committed all or nothing; checked writes (the instance's revision, a job
//! claim, a task still active) refuse the whole set when they change no row. On a SQLite file
//! the writer thread (`direct`) commits the sets that queued meanwhile in one transaction
//! (group commit) with cached prepared statements; a refused set is dropped and the others run
//! again; a transaction takes no more sets once it has run 20 ms, and a set of more than 2,000
//! values commits alone after the small ones queued with it. A statement of many values is
//! prepared with `?n` for `$n` (SQLite finds `$n` by name in a list, quadratic in their
//! number). On PostgreSQL a set travels as one statement: a prepared `WITH w0 AS (...) …
//! SELECT write_guard(...)` when its parts do not depend on each other (`writes::fusable`),
//! otherwise (or beyond 65,535 bind values) one simple query with typed literals. Rows of one
//! kind go in multi-row `INSERT`s of at most 100 rows (`sql::insert_many`), so a fan-out of
//! thousands of tasks is a few statements of one shape.
//!
//! # Reading in place (`direct`)
//!
//! On a SQLite file a read bounded by a key (one task, one instance, one instance's tasks, a
//! definition to start) runs on the calling thread on one of the engine's own read-only
//! connections ([`Store::fetch`]), without `sqlx`'s hop to a connection thread (two thread
//! switches per statement). The writer refreshes the planner's statistics (`PRAGMA
//! optimize`) as it starts and hourly.
//!
//! # Durability on SQLite (`BPM_SQLITE_SYNC`, [`SqliteSync`])
//!
//! Applied to the writer's connection and every pool connection (the read-only ones write
//! nothing); the file is always in WAL mode. `full` (the default): every commit syncs the log
//! before the command is answered, so an acknowledged command survives a power loss; group
//! commit makes that one sync per transaction of the writer, not per command. `normal`: a
//! commit reaches the log in the operating system's cache and the log is synced at
//! checkpoints; a killed server loses nothing, a power loss may lose the commands
//! acknowledged since the last checkpoint (up to `wal_autocheckpoint` = 10,000 pages), though
//! the database stays consistent. PostgreSQL's durability is its own `synchronous_commit`
//! and `fsync` settings.
//!
//! # Keys between tables
//!
//! SQLite declares and checks every foreign key. PostgreSQL leaves out the keys of the rows a
//! command writes by the dozen: history, variable changes, operations and tasks to their
//! instance, and instances, tasks, jobs and incidents to their tenant and definition. Each
//! check locked the parent row (all starts locked the same tenant and definition rows) and
//! took about a tenth of the server's time. Parents are never deleted and those rows are
//! written in their instance's own statement; the tests, which run on both databases, still
//! catch a row without its instance on SQLite.
//!
//! # Plans that last (`sql`)
//!
//! A pooled connection plans a statement when it first runs it, often on a new, small table
//! without statistics, and PostgreSQL keeps that plan until an `ANALYZE` invalidates it. So a
//! statement that finds a row by its key and also checks the row's state writes the check
//! where no index can serve it (`id = $4 AND state || '' = 'active'`, `finished + 0 = 0`), and
//! one instance's open tasks have an index of their own (`tasks_instance_state`) and are
//! ordered by an expression no index gives (`created + 0`, then sorted). A PostgreSQL test
//! checks the generic plans of those statements on an empty table; SQLite names the instance
//! index (`INDEXED BY`).

pub(crate) mod audit;
pub(crate) mod catalog;
pub(crate) mod definitions;
pub(crate) mod demo;
pub(crate) mod direct;
pub(crate) mod error;
pub(crate) mod events;
pub(crate) mod external;
pub(crate) mod history;
pub(crate) mod history_query;
pub(crate) mod identity;
pub(crate) mod incidents;
pub(crate) mod instances;
pub(crate) mod jobs;
pub(crate) mod overview;
pub(crate) mod sql;
pub(crate) mod tasks;
#[cfg(any(test, feature = "testing"))]
pub(crate) mod testing;
pub(crate) mod writes;

use std::sync::Arc;

use sqlx::any::{AnyPoolOptions, AnyQueryResult};
use sqlx::{AnyPool, Executor};

use self::direct::Direct;
use self::writes::WriteSet;
use crate::error::Result;
use crate::store::sql::{bind_all, refuse_nul, Arg, Cells};

pub use self::error::{DatabaseError, MigrationError};
pub use self::sql::order::TotalLimits;

/// An open transaction of the pool: the commands that write through `store`'s functions
/// (identity, catalog, deployments, models) hold one from [`Store::begin`] to their commit.
pub(crate) type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Every SQLite connection's settings: WAL lets readers run beside the writer; the busy
/// timeout makes a second writer wait instead of failing. `synchronous` follows
/// [`SqliteSync`].
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;";

/// How a commit on a SQLite file reaches the disk (`PRAGMA synchronous` of every connection
/// that writes). The file is always in WAL mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SqliteSync {
    /// Every commit waits until the write-ahead log is on the disk: an acknowledged command
    /// survives a power loss or an operating system crash. Group commit shares that wait
    /// among the commands committed together.
    #[default]
    Full,
    /// A commit is written to the log but synced only at checkpoints: survives the server
    /// process being killed, but a power loss may take the commands acknowledged since the
    /// last checkpoint (the database itself stays consistent).
    Normal,
}

impl SqliteSync {
    /// The value of `PRAGMA synchronous` as SQLite reports it (FULL = 2, NORMAL = 1).
    pub fn level(self) -> i64 {
        match self {
            SqliteSync::Full => 2,
            SqliteSync::Normal => 1,
        }
    }

    /// The statement that sets it on a connection.
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            SqliteSync::Full => "PRAGMA synchronous=FULL",
            SqliteSync::Normal => "PRAGMA synchronous=NORMAL",
        }
    }
}

impl std::str::FromStr for SqliteSync {
    type Err = String;

    /// `full` or `normal`, in any case.
    fn from_str(s: &str) -> std::result::Result<SqliteSync, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "full" => Ok(SqliteSync::Full),
            "normal" => Ok(SqliteSync::Normal),
            _ => Err(format!(
                "'{s}' is not a SQLite sync mode: use full (an acknowledged command survives a power loss) \
                 or normal (faster; a power loss may lose the last commands)"
            )),
        }
    }
}

/// How the store connects, beyond its URL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreOptions {
    /// On a SQLite file: how commits reach the disk (ignored on PostgreSQL).
    pub sqlite_sync: SqliteSync,
}

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
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://...`) with the default
    /// options and applies migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, StoreOptions::default()).await
    }

    /// Connects to `url` with `options` and applies migrations.
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Store> {
        let sync = options.sqlite_sync;
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        // No ping before each checkout: it would double the round trips of every query; a
        // broken connection fails its query and is replaced.
        let pool_options = AnyPoolOptions::new().test_before_acquire(false);
        let pool = match backend {
            // SQLite: one file, many readers, one writer at a time.
            Backend::Sqlite => {
                pool_options
                    .max_connections(8)
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            conn.execute(sync.pragma()).await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => pool_options.max_connections(16).connect(url).await?,
        };
        let mut store = Store { pool, backend, direct: None };
        store.migrate().await?;
        if backend == Backend::Sqlite {
            store.direct = Direct::open(url, sync)?.map(Arc::new);
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

    /// Whether writes go through the SQLite writer thread (a SQLite file; see [`direct`]).
    pub(crate) fn has_writer(&self) -> bool {
        self.direct.is_some()
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

impl Store {
    /// Opens a transaction on the pool.
    pub(crate) async fn begin(&self) -> Result<Tx> {
        Ok(self.pool.begin().await?)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `PRAGMA synchronous` on as many pool connections as the pool holds at once.
    async fn pool_levels(store: &Store) -> Vec<i64> {
        let mut conns = Vec::new();
        for _ in 0..4 {
            conns.push(store.pool.acquire().await.expect("connection"));
        }
        let mut levels = Vec::new();
        for c in &mut conns {
            let row = sqlx::query("PRAGMA synchronous").fetch_one(&mut **c).await.expect("pragma");
            levels.push(sqlx::Row::try_get::<i64, _>(&row, 0).expect("level"));
        }
        levels
    }

    /// Every connection that writes gets the chosen mode: the writer thread's and the pool's.
    #[tokio::test]
    async fn the_sqlite_sync_mode_reaches_every_writing_connection() {
        for (options, level) in [(None, 2), (Some(SqliteSync::Full), 2), (Some(SqliteSync::Normal), 1)] {
            let path = std::env::temp_dir().join(format!("sync-{}.sqlite", new_id()));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let store = match options {
                None => Store::connect(&url).await,
                Some(sqlite_sync) => Store::connect_with(&url, StoreOptions { sqlite_sync }).await,
            }
            .expect("store");
            let writer = store.direct.as_ref().expect("a file has a writer").writer_synchronous();
            assert_eq!(writer, level, "writer, {options:?}");
            assert_eq!(pool_levels(&store).await, vec![level; 4], "pool, {options:?}");
            store.close().await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }

    #[test]
    fn sqlite_sync_modes_parse_and_bad_ones_say_what_to_use() {
        assert_eq!(" FULL ".parse::<SqliteSync>(), Ok(SqliteSync::Full));
        assert_eq!("normal".parse::<SqliteSync>(), Ok(SqliteSync::Normal));
        let e = "off".parse::<SqliteSync>().unwrap_err();
        assert!(e.contains("'off'") && e.contains("full") && e.contains("normal"), "{e}");
    }
}
