//! SQLite without a thread hop per statement.
//!
//! `sqlx` runs every SQLite connection on a thread of its own: each statement is a message to
//! that thread and an answer back, two context switches that cost more than the statement
//! itself. On a SQLite file the engine therefore keeps connections of its own beside the pool:
//!
//! - **Reads in place.** [`Direct::fetch`] runs a query on the calling thread, on one of a few
//!   read-only connections, with its prepared statement cached per connection. In WAL mode a
//!   reader never waits for the writer, so the call does not block for long.
//! - **One writer thread.** The database has one writer at a time anyway, so every command's
//!   [`WriteSet`] goes to a thread that owns the write connection. It commits the write sets
//!   that queued up meanwhile in one transaction, and every caller hears back only after the
//!   commit (group commit). A checked statement that changes no row refuses its command; the
//!   transaction is then rolled back and the other sets run again without it, so one refused
//!   command never undoes or blocks the others. A transaction takes no more sets once it has
//!   run [`MAX_HOLD`], and a large set (a fan-out of many tasks) commits alone after the small
//!   ones, so one large command holds the others for its own time at most.
//!
//! Everything else (migrations, deployments, open lists, the executor's claims) keeps using
//! the pool; all connections share the one database file.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{CachedStatement, Connection, OpenFlags, ToSql};
use tokio::sync::oneshot;

use super::writes::{substitute_into, WriteSet};
use super::SqliteSync;
use crate::error::{ConflictReason, DbFailure, EngineError, Result, Text};
use crate::store::sql::{Arg, Cells};

/// Write sets committed together at most.
const MAX_BATCH: usize = 64;
/// How long one transaction of the writer goes on taking write sets of its batch (see
/// [`commit_batch`]).
const MAX_HOLD: Duration = Duration::from_millis(20);
/// A write set of more bind values than this (a fan-out of a hundred tasks or so) commits in
/// a transaction of its own, after the small sets queued with it (see [`next_batch`]).
const LARGE_SET: usize = 2_000;
/// Idle read connections kept.
const MAX_IDLE_READERS: usize = 8;
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;
/// How long a statement waits for a lock held by another connection before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the writer lets SQLite refresh the planner's statistics where tables changed
/// much (`PRAGMA optimize`); also once when it starts.
const OPTIMIZE_EVERY: Duration = Duration::from_secs(3600);

type Reply = oneshot::Sender<Result<Option<Returned>>>;

/// The rows a write set's `… RETURNING` statement gave back (see [`Direct::returning`]).
#[derive(Debug, Default)]
pub(crate) struct Returned {
    names: Vec<String>,
    rows: Vec<Vec<rusqlite::types::Value>>,
}

impl Returned {
    /// Each row mapped with `f`.
    pub(crate) fn map<T>(&self, mut f: impl FnMut(&dyn Cells) -> Result<T>) -> Result<Vec<T>> {
        self.rows.iter().map(|row| f(&OwnedCells { row, names: &self.names })).collect()
    }
}

/// The engine's own connections to a SQLite file (see the module's description).
#[derive(Debug)]
pub(crate) struct Direct {
    path: String,
    /// `PRAGMA synchronous` as the writer's connection reported it after it was set.
    #[cfg_attr(not(test), allow(dead_code))]
    writer_synchronous: i64,
    readers: Mutex<Vec<Connection>>,
    queue: Mutex<Option<mpsc::Sender<(WriteSet, Reply)>>>,
}

impl Direct {
    /// Opens the writer's connection to the file of `url` and starts its thread; `None` for an
    /// in-memory database, which is private to the pool's connection.
    pub(crate) fn open(url: &str, sync: SqliteSync) -> Result<Option<Direct>> {
        let Some(path) = file_path(url) else { return Ok(None) };
        let conn = connect(&path, false)?;
        conn.execute_batch(sync.pragma()).map_err(sqlite)?;
        let writer_synchronous = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).map_err(sqlite)?;
        if writer_synchronous != sync.level() {
            return Err(storage(format!(
                "SQLite did not take `{}` (it reports synchronous={writer_synchronous})",
                sync.pragma()
            )));
        }
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| storage(format!("the SQLite writer thread could not start: {e}")))?;
        Ok(Some(Direct { path, writer_synchronous, readers: Mutex::new(Vec::new()), queue: Mutex::new(Some(tx)) }))
    }

    /// `PRAGMA synchronous` of the writer's connection (2 FULL, 1 NORMAL).
    #[cfg(test)]
    pub(crate) fn writer_synchronous(&self) -> i64 {
        self.writer_synchronous
    }

    /// Runs a query in place and maps each row with `f`.
    pub(crate) fn fetch<T>(
        &self,
        sql: &str,
        args: &[Arg],
        mut f: impl FnMut(&dyn Cells) -> Result<T>,
    ) -> Result<Vec<T>> {
        let conn = match self.readers.lock().ok().and_then(|mut r| r.pop()) {
            Some(c) => c,
            None => connect(&self.path, true)?,
        };
        let out = (|| {
            let mut stmt = prepare(&conn, sql, args)?;
            // Looked up once per query: SQLite's lookup by name measures every column's name.
            let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
            let mut rows = stmt.raw_query();
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(sqlite)? {
                out.push(f(&RowCells { row, names: &names })?);
            }
            Ok(out)
        })();
        if let Ok(mut idle) = self.readers.lock() {
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
        }
        out
    }

    /// Commits `ws` through the writer thread; gives it back when the writer has stopped.
    pub(crate) async fn write(&self, ws: WriteSet) -> std::result::Result<Result<()>, WriteSet> {
        Ok(self.send(ws).await?.map(|_| ()))
    }

    /// Runs one `… RETURNING` statement through the writer thread, committed with the write
    /// sets queued beside it (one transaction, one sync), and gives back its rows.
    pub(crate) async fn returning(&self, sql: &str, args: Vec<Arg>) -> Result<Returned> {
        match self.send(WriteSet::returning(sql, args)).await {
            Ok(done) => Ok(done?.unwrap_or_default()),
            Err(_) => Err(EngineError::conflict(ConflictReason::Interrupted, Text::new("run.server_stopping"))),
        }
    }

    /// Hands `ws` to the writer thread and waits for its answer.
    async fn send(&self, ws: WriteSet) -> std::result::Result<Result<Option<Returned>>, WriteSet> {
        let Some(queue) = self.queue.lock().ok().and_then(|q| q.clone()) else {
            return Err(ws);
        };
        let (reply, answer) = oneshot::channel();
        if let Err(mpsc::SendError((ws, _))) = queue.send((ws, reply)) {
            return Err(ws);
        }
        // The thread answers every write set it took; a dropped answer means it failed hard.
        Ok(answer.await.unwrap_or_else(|_| {
            Err(EngineError::conflict(ConflictReason::Interrupted, Text::new("run.server_stopped")))
        }))
    }

    /// Stops taking write sets; the thread commits what it holds and closes its connection.
    pub(crate) fn stop(&self) {
        if let Ok(mut q) = self.queue.lock() {
            q.take();
        }
        if let Ok(mut r) = self.readers.lock() {
            r.clear();
        }
    }
}

/// The file of a `sqlite:` URL, `None` for an in-memory database.
fn file_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let memory = path.is_empty() || path == ":memory:" || query.split('&').any(|p| p == "mode=memory");
    (!memory).then(|| path.to_owned())
}

/// A connection with the engine's settings; a reader refuses to write.
fn connect(path: &str, read_only: bool) -> Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    if !read_only {
        // `analysis_limit`: ANALYZE samples this many rows per index, so a statistics refresh
        // takes milliseconds on any size of table.
        conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=10000; PRAGMA temp_store=MEMORY; PRAGMA analysis_limit=1000;").map_err(sqlite)?;
    }
    Ok(conn)
}

/// Statements with more bind values than this are prepared with `?n` for `$n` (see
/// [`prepare`]).
const NAMED_ARGS_AT_MOST: usize = 32;

/// The cached statement of `sql` with `args` bound: `$n` takes the n-th argument, wherever it
/// appears (SQLite numbers `$n` parameters by first appearance, not by `n`).
///
/// SQLite treats `$n` as a name, and finds a name (when it prepares) and a parameter's name (when
/// the loop below binds) by walking the statement's list of names: time quadratic in the number
/// of values, seconds for a fan-out's thousands of rows. A statement of many values is
/// therefore prepared with `?n`, which SQLite takes as the n-th parameter directly.
fn prepare<'c>(conn: &'c Connection, sql: &str, args: &[Arg]) -> Result<CachedStatement<'c>> {
    if args.len() > NAMED_ARGS_AT_MOST {
        let mut numbered = String::with_capacity(sql.len() + sql.len() / 8);
        substitute_into(&mut numbered, sql, |n| format!("?{n}"));
        let mut stmt = conn.prepare_cached(&numbered).map_err(sqlite)?;
        let count = stmt.parameter_count();
        if count > args.len() {
            return Err(storage(format!(
                "parameter {count} of a statement has no argument ({} given): {sql}",
                args.len()
            )));
        }
        for (i, arg) in args.iter().take(count).enumerate() {
            stmt.raw_bind_parameter(i + 1, arg).map_err(sqlite)?;
        }
        return Ok(stmt);
    }
    let mut stmt = conn.prepare_cached(sql).map_err(sqlite)?;
    for i in 1..=stmt.parameter_count() {
        let n = stmt.parameter_name(i).and_then(|p| p.strip_prefix('$')).and_then(|n| n.parse::<usize>().ok());
        let arg = n.and_then(|n| args.get(n.wrapping_sub(1))).ok_or_else(|| {
            storage(format!("parameter {i} of a statement has no argument ({} given): {sql}", args.len()))
        })?;
        stmt.raw_bind_parameter(i, arg).map_err(sqlite)?;
    }
    Ok(stmt)
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Arg::Int(i) | Arg::OptInt(Some(i)) => ValueRef::Integer(*i),
            Arg::Text(s) | Arg::OptText(Some(s)) => ValueRef::Text(s.as_bytes()),
            Arg::OptInt(None) | Arg::OptText(None) => ValueRef::Null,
        }))
    }
}

/// A row a `… RETURNING` statement gave back, with the statement's column names.
struct OwnedCells<'r> {
    row: &'r [rusqlite::types::Value],
    names: &'r [String],
}

impl Cells for OwnedCells<'_> {
    fn text(&self, col: &str) -> Result<Option<String>> {
        match self.value(col)? {
            rusqlite::types::Value::Null => Ok(None),
            rusqlite::types::Value::Text(t) => Ok(Some(t.clone())),
            other => Err(mismatch(col, "text", ValueRef::from(other))),
        }
    }

    fn int(&self, col: &str) -> Result<Option<i64>> {
        match self.value(col)? {
            rusqlite::types::Value::Null => Ok(None),
            rusqlite::types::Value::Integer(i) => Ok(Some(*i)),
            other => Err(mismatch(col, "an integer", ValueRef::from(other))),
        }
    }
}

impl OwnedCells<'_> {
    fn value(&self, col: &str) -> Result<&rusqlite::types::Value> {
        column(self.names, col).map(|i| &self.row[i])
    }
}

/// The index of column `col` among `names`, matched as SQLite matches names (ignoring case).
fn column(names: &[String], col: &str) -> Result<usize> {
    names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(col))
        .ok_or_else(|| storage(format!("the query has no column '{col}'")))
}

/// A row of a query run in place, with its query's column names.
struct RowCells<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    names: &'r [String],
}

impl RowCells<'_, '_> {
    fn get(&self, col: &str) -> Result<ValueRef<'_>> {
        let i = column(self.names, col)?;
        self.row.get_ref(i).map_err(sqlite)
    }
}

impl Cells for RowCells<'_, '_> {
    fn text(&self, col: &str) -> Result<Option<String>> {
        match self.get(col)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => Ok(Some(String::from_utf8_lossy(t).into_owned())),
            other => Err(mismatch(col, "text", other)),
        }
    }

    fn int(&self, col: &str) -> Result<Option<i64>> {
        match self.get(col)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(i) => Ok(Some(i)),
            other => Err(mismatch(col, "an integer", other)),
        }
    }
}

fn mismatch(col: &str, wanted: &str, found: ValueRef<'_>) -> EngineError {
    storage(format!("column '{col}' holds {:?} where {wanted} was expected", found.data_type()))
}

/// Why a write set stopped: a checked statement (by its index) changed no row, or SQLite failed.
enum Stop {
    Refused(usize),
    Failed(EngineError),
}

impl Stop {
    /// What the command hears.
    fn into_error(self, ws: WriteSet) -> EngineError {
        match self {
            Stop::Refused(i) => {
                ws.into_refusal(i).unwrap_or_else(|| storage("a checked statement changed nothing".into()))
            }
            Stop::Failed(e) => e,
        }
    }
}

/// Runs the statements of `ws` one by one on `conn` (inside the caller's transaction); gives
/// back the rows of its last statement when the set asks for them.
fn run(conn: &Connection, ws: &WriteSet) -> std::result::Result<Option<Returned>, Stop> {
    let mut returned = None;
    let last = ws.writes().len().saturating_sub(1);
    for (i, w) in ws.writes().iter().enumerate() {
        let mut stmt = prepare(conn, &w.sql, &w.args).map_err(Stop::Failed)?;
        let changed = if ws.returns() && i == last {
            let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
            let width = names.len();
            let mut rows = stmt.raw_query();
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(|e| Stop::Failed(sqlite(e)))? {
                let values =
                    (0..width).map(|c| row.get::<_, rusqlite::types::Value>(c)).collect::<rusqlite::Result<_>>();
                out.push(values.map_err(|e| Stop::Failed(sqlite(e)))?);
            }
            let n = out.len();
            returned = Some(Returned { names, rows: out });
            n
        } else if stmt.column_count() > 0 {
            // `… RETURNING`: step through its rows; the change count is the connection's.
            let mut rows = stmt.raw_query();
            while rows.next().map_err(|e| Stop::Failed(sqlite(e)))?.is_some() {}
            drop(rows);
            conn.changes() as usize
        } else {
            stmt.raw_execute().map_err(|e| Stop::Failed(sqlite(e)))?
        };
        if w.refusal.is_some() && changed == 0 {
            return Err(Stop::Refused(i));
        }
    }
    Ok(returned)
}

/// A statement without arguments, prepared once.
fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.raw_execute().map(|_| ())
}

fn writer_loop(conn: Connection, rx: mpsc::Receiver<(WriteSet, Reply)>) {
    refresh_statistics(&conn, true);
    let mut refreshed = Instant::now();
    // Write sets taken from the queue and not committed yet, in the order they came.
    let mut pending: VecDeque<(WriteSet, Reply)> = VecDeque::new();
    loop {
        if pending.is_empty() {
            match rx.recv_timeout(OPTIMIZE_EVERY) {
                Ok(first) => pending.push_back(first),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        while pending.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => pending.push_back(next),
                Err(_) => break,
            }
        }
        if !pending.is_empty() {
            let batch = next_batch(&mut pending);
            let rest = commit_batch(&conn, batch);
            // Left out when the transaction had run long enough: first in the next one.
            for set in rest.into_iter().rev() {
                pending.push_front(set);
            }
        }
        if refreshed.elapsed() >= OPTIMIZE_EVERY {
            refresh_statistics(&conn, false);
            refreshed = Instant::now();
        }
    }
}

/// The write sets of the next transaction, taken out of `pending`: the small ones (up to
/// [`MAX_BATCH`]), so that they do not wait for a large one; when there are none, the first
/// large one, which commits alone.
fn next_batch(pending: &mut VecDeque<(WriteSet, Reply)>) -> Vec<(WriteSet, Reply)> {
    let mut batch = Vec::new();
    let mut kept = VecDeque::new();
    while let Some(set) = pending.pop_front() {
        if batch.len() < MAX_BATCH && set.0.values() <= LARGE_SET {
            batch.push(set);
        } else {
            kept.push_back(set);
        }
    }
    *pending = kept;
    if batch.is_empty() {
        batch.extend(pending.pop_front());
    }
    batch
}

/// Lets SQLite analyze the tables whose statistics are missing or out of date, as its
/// documentation advises for long-lived connections: at open with every table's size checked
/// (`0x10002`), then periodically. Without statistics the planner guesses, and has picked a
/// category's order index over one instance's (see `instances::query`). A failure only
/// leaves the statistics as they were.
fn refresh_statistics(conn: &Connection, at_open: bool) {
    let _ = conn.execute_batch(if at_open { "PRAGMA optimize=0x10002" } else { "PRAGMA optimize" });
}

/// The error every write set of a batch gets when the batch could not be committed.
fn batch_failed(e: &rusqlite::Error) -> EngineError {
    storage(format!("the change could not be saved ({e}); try again"))
}

/// Commits write sets of `batch` in one transaction and returns the ones it left for the next.
/// They run one after the other with nothing in between; once they have run for
/// [`MAX_HOLD`], the transaction takes no more and commits, so a slow set delays the sets
/// queued behind it by one transaction at most. When one stops (a check refused it, or
/// SQLite failed it), the transaction is rolled back, that set hears why, and the others run
/// again without it. A refusal is rare (two people acting on one instance at once), so this
/// costs less than a savepoint around every set.
fn commit_batch(conn: &Connection, mut batch: Vec<(WriteSet, Reply)>) -> Vec<(WriteSet, Reply)> {
    while !batch.is_empty() {
        if let Err(e) = exec(conn, "BEGIN IMMEDIATE") {
            for (_, reply) in batch {
                let _ = reply.send(Err(batch_failed(&e)));
            }
            return Vec::new();
        }
        let began = Instant::now();
        let mut ran = 0;
        let mut stopped = None;
        let mut returned = Vec::with_capacity(batch.len());
        for (i, (ws, _)) in batch.iter().enumerate() {
            if i > 0 && began.elapsed() >= MAX_HOLD {
                break;
            }
            match run(conn, ws) {
                Ok(rows) => returned.push(rows),
                Err(stop) => {
                    stopped = Some((i, stop));
                    break;
                }
            }
            ran = i + 1;
        }
        if let Some((i, stop)) = stopped {
            let _ = exec(conn, "ROLLBACK");
            let (ws, reply) = batch.remove(i);
            let _ = reply.send(Err(stop.into_error(ws)));
            continue;
        }
        let rest = batch.split_off(ran);
        if let Err(e) = exec(conn, "COMMIT") {
            let _ = exec(conn, "ROLLBACK");
            for (_, reply) in batch {
                let _ = reply.send(Err(batch_failed(&e)));
            }
            return rest;
        }
        for ((ws, reply), rows) in batch.into_iter().zip(returned) {
            let _ = reply.send(Ok(rows));
            // Freed here, after the answer: the caller waits for the answer, not for this.
            drop(ws);
        }
        return rest;
    }
    Vec::new()
}

/// A SQLite failure as the engine's storage error, keeping its code (a busy database stays a
/// lost race that the caller may retry) and kind (a unique violation stays one).
fn sqlite(e: rusqlite::Error) -> EngineError {
    use rusqlite::ffi;
    use sqlx::error::ErrorKind;
    let code = e.sqlite_error().map(|s| s.extended_code);
    let kind = match code {
        Some(ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => ErrorKind::UniqueViolation,
        Some(ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => ErrorKind::ForeignKeyViolation,
        Some(ffi::SQLITE_CONSTRAINT_NOTNULL) => ErrorKind::NotNullViolation,
        Some(ffi::SQLITE_CONSTRAINT_CHECK) => ErrorKind::CheckViolation,
        _ => ErrorKind::Other,
    };
    DbFailure { message: e.to_string(), code: code.map(|c| c.to_string()), kind }.into_storage()
}

/// A failure that is not SQLite's own.
fn storage(message: String) -> EngineError {
    EngineError::Storage(sqlx::Error::Protocol(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_of_urls() {
        assert_eq!(file_path("sqlite://data/bpm.db?mode=rwc").as_deref(), Some("data/bpm.db"));
        assert_eq!(file_path("sqlite:/tmp/x.db").as_deref(), Some("/tmp/x.db"));
        assert_eq!(file_path("sqlite::memory:"), None);
        assert_eq!(file_path("sqlite://shared?mode=memory&cache=shared"), None);
    }

    #[test]
    fn arguments_bind_by_their_number_and_checks_refuse() {
        let dir = std::env::temp_dir().join(format!("direct-{}", crate::store::new_id()));
        let path = dir.to_string_lossy().into_owned();
        drop(Connection::open(&path).expect("new file"));
        let conn = connect(&path, false).expect("connection");
        conn.execute_batch("CREATE TABLE t (a TEXT, b INTEGER)").expect("table");
        // `$2` appears first: it must still take the second argument.
        let mut ws = WriteSet::default();
        ws.push_statement("INSERT INTO t (b, a) VALUES ($2, $1)", vec![Arg::from("x"), Arg::from(7)]);
        run(&conn, &ws).map_err(|s| s.into_error(ws)).expect("insert");
        let mut ws = WriteSet::default();
        ws.check_statement(
            "UPDATE t SET b = 8 WHERE a = $1",
            vec![Arg::from("nobody")],
            EngineError::conflict(ConflictReason::ChangedMeanwhile, Text::verbatim("gone")),
        );
        assert!(
            matches!(run(&conn, &ws).map_err(|s| s.into_error(ws)), Err(EngineError::Conflict { text: m, .. }) if m.english() == "gone")
        );
        let direct = Direct {
            path: path.clone(),
            writer_synchronous: 0,
            readers: Mutex::new(Vec::new()),
            queue: Mutex::new(None),
        };
        let rows = direct
            .fetch("SELECT a, b FROM t WHERE b = $1", &[Arg::from(7)], |r| {
                Ok((
                    r.try_get::<String>("A")?,
                    r.try_get::<i64>("b")?,
                    r.try_get::<Option<String>>("b").is_err(),
                    r.try_get::<String>("c").is_err(),
                ))
            })
            .expect("select");
        // Names match as SQLite's do (ignoring case); a wrong type or name is an error.
        assert_eq!(rows, vec![("x".to_owned(), 7, true, true)]);
        // SQLite's failures keep their kind and code, as `sqlx` would report them.
        conn.execute_batch("CREATE UNIQUE INDEX t_a ON t (a)").expect("index");
        let mut ws = WriteSet::default();
        ws.push_statement("INSERT INTO t (a, b) VALUES ($1, 1)", vec![Arg::from("x")]);
        match run(&conn, &ws).map_err(|s| s.into_error(ws)) {
            Err(EngineError::Storage(sqlx::Error::Database(db))) => {
                assert!(db.is_unique_violation(), "{db}");
                assert_eq!(db.code().as_deref(), Some("2067"));
            }
            other => panic!("expected a unique violation, got {other:?}"),
        }
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn the_writer_gives_the_planner_statistics_at_open() {
        let path =
            std::env::temp_dir().join(format!("direct-{}", crate::store::new_id())).to_string_lossy().into_owned();
        drop(Connection::open(&path).expect("new file"));
        let conn = connect(&path, false).expect("connection");
        conn.execute_batch(
            "CREATE TABLE t (a TEXT, b INTEGER); CREATE INDEX t_b ON t (b);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
             INSERT INTO t SELECT 'x' || i, i % 7 FROM n;",
        )
        .expect("table");
        let analyzed = |c: &Connection| {
            c.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'", [], |r| r.get::<_, i64>(0))
        };
        assert_eq!(analyzed(&conn).expect("count"), 0, "no statistics before");
        refresh_statistics(&conn, true);
        let stat: String = conn
            .query_row("SELECT stat FROM sqlite_stat1 WHERE idx = 't_b'", [], |r| r.get(0))
            .expect("statistics of t_b");
        assert!(stat.starts_with("5000 ") || stat.starts_with("1000 "), "{stat}");
        let _ = std::fs::remove_file(&path);
    }
}
