//! Write sets: the statements of one command, decided before any of them runs, and the
//! SQLite writer that commits them.
//!
//! A command (see `instances::exec`) turns its decision into a [`WriteSet`]: plain
//! statements, and checked ones that must change a row (the instance row's revision check, the
//! job executor's claim) or else refuse the command with their own error. A write set runs in
//! one transaction, all or nothing.
//!
//! On SQLite every write goes through one connection anyway (the database has one writer at
//! a time), so the store gives write sets to a [`Writer`] task that owns a dedicated
//! connection. It sends each write set as one multi-statement request (the statements of a
//! command cost one round trip to the database thread instead of one each), and commits the
//! write sets that queued up meanwhile together: each runs under its own savepoint, so one
//! refused command does not undo the others, and every caller hears back only after the
//! commit (group commit). A checked statement is followed by an insert into a temporary
//! table whose CHECK constraint fails when the statement changed nothing, which stops the
//! request right there.
//!
//! On PostgreSQL a write set travels as one simple query with its arguments written as typed
//! literals (text in dollar quotes, so no character of a value can end it): PostgreSQL runs the
//! statements of such a query as one transaction, so a command costs one round trip and one
//! commit instead of a round trip per statement. A checked statement runs as
//! `WITH w AS (... RETURNING 1) SELECT write_guard(count)`, a function (migration
//! `write_guard`) that raises when the count is 0.

use sqlx::{AnyConnection, Connection, Executor};
use tokio::sync::{mpsc, oneshot};

use crate::error::{EngineError, Result};
use crate::sql::{bind_all, Arg};

/// One statement of a write set.
#[derive(Debug)]
struct Write {
    sql: String,
    args: Vec<Arg>,
    /// For a checked statement: the refusal when it changes no row.
    refusal: Option<EngineError>,
}

/// The statements of one command, in order.
#[derive(Debug, Default)]
pub(crate) struct WriteSet {
    writes: Vec<Write>,
}

/// The temporary table behind the checks of a fused request, and the name its constraint
/// failure carries.
const GUARD_TABLE: &str = "CREATE TEMP TABLE IF NOT EXISTS write_guard \
     (ok INTEGER PRIMARY KEY CONSTRAINT write_guard_failed CHECK (ok > 0))";
const GUARD_FAILED: &str = "write_guard_failed";
const GUARD: &str = "INSERT OR REPLACE INTO temp.write_guard (ok) VALUES (changes())";
pub(crate) const GUARD_FAILED_PG: &str = "write_guard_failed";

/// Write sets committed together at most.
const MAX_BATCH: usize = 64;

impl WriteSet {
    /// Adds a statement.
    pub(crate) fn push(&mut self, sql: impl Into<String>, args: Vec<Arg>) {
        self.writes.push(Write { sql: sql.into(), args, refusal: None });
    }

    /// Adds a statement that must change a row; when it changes none, nothing of the set is
    /// written and the command is refused with `refusal`.
    pub(crate) fn check(&mut self, sql: impl Into<String>, args: Vec<Arg>, refusal: EngineError) {
        self.writes.push(Write { sql: sql.into(), args, refusal: Some(refusal) });
    }

    /// Runs the statements one by one on `conn` (inside the caller's transaction).
    pub(crate) async fn run(self, conn: &mut AnyConnection) -> Result<()> {
        for w in self.writes {
            let done = bind_all(&w.sql, w.args).execute(&mut *conn).await?;
            if let Some(refusal) = w.refusal {
                if done.rows_affected() == 0 {
                    return Err(refusal);
                }
            }
        }
        Ok(())
    }

    /// The whole set as one SQLite request, each statement's `$n` renumbered into one list of
    /// arguments, each checked statement followed by the guard insert.
    fn fused(&self) -> (String, Vec<Arg>) {
        let mut sql = String::new();
        let mut args = Vec::new();
        for w in &self.writes {
            let offset = args.len();
            substitute_into(&mut sql, &w.sql, |n| format!("${}", n + offset));
            sql.push_str(";\n");
            args.extend(w.args.iter().cloned());
            if w.refusal.is_some() {
                sql.push_str(GUARD);
                sql.push_str(";\n");
            }
        }
        (sql, args)
    }

    /// The whole set as one PostgreSQL simple query (see the module's description).
    pub(crate) fn inlined(&self) -> String {
        let mut sql = String::new();
        for w in &self.writes {
            let mut stmt = String::new();
            substitute_into(&mut stmt, &w.sql, |n| w.args.get(n - 1).map(literal).unwrap_or_else(|| "NULL".into()));
            if w.refusal.is_some() {
                sql.push_str(&format!(
                    "WITH w AS ({stmt} RETURNING 1) SELECT write_guard((SELECT count(*) FROM w));\n"
                ));
            } else {
                sql.push_str(&stmt);
                sql.push_str(";\n");
            }
        }
        sql
    }
}

/// An argument as a PostgreSQL literal of the type its bind value would have.
fn literal(a: &Arg) -> String {
    match a {
        Arg::Int(i) | Arg::OptInt(Some(i)) => format!("({i})::bigint"),
        Arg::OptInt(None) => "NULL::bigint".into(),
        Arg::Text(s) | Arg::OptText(Some(s)) => {
            // A dollar-quote tag whose first appearance after the text's start is the closing
            // one (the text may end with part of a tag).
            let mut tag = String::from("$w$");
            let mut n = 0;
            while format!("{s}{tag}").find(&tag) != Some(s.len()) {
                n += 1;
                tag = format!("$w{n}$");
            }
            format!("{tag}{s}{tag}::text")
        }
        Arg::OptText(None) => "NULL::text".into(),
    }
}

/// Appends `sql` to `out` with every `$n` placeholder (outside quoted text) replaced by
/// `with(n)`.
fn substitute_into(out: &mut String, sql: &str, with: impl Fn(usize) -> String) {
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                match digits.parse::<usize>() {
                    Ok(n) if n > 0 => out.push_str(&with(n)),
                    _ => {
                        out.push('$');
                        out.push_str(&digits);
                    }
                }
                continue;
            }
            None => {}
        }
        out.push(c);
    }
}

type Reply = oneshot::Sender<Result<()>>;

/// The SQLite writer: a task owning one connection that commits the write sets sent to it.
#[derive(Debug)]
pub(crate) struct Writer {
    queue: std::sync::Mutex<Option<mpsc::Sender<(WriteSet, Reply)>>>,
}

impl Writer {
    /// Opens the writer's connection to `url` and starts its task.
    pub(crate) async fn start(url: &str) -> Result<Writer> {
        let mut conn = AnyConnection::connect(url).await?;
        conn.execute(super::SQLITE_PRAGMAS).await?;
        conn.execute(GUARD_TABLE).await?;
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer_loop(conn, rx));
        Ok(Writer { queue: std::sync::Mutex::new(Some(tx)) })
    }

    /// Commits `ws`; gives it back when the writer has stopped.
    pub(crate) async fn write(&self, ws: WriteSet) -> std::result::Result<Result<()>, WriteSet> {
        let Some(queue) = self.queue.lock().ok().and_then(|q| q.clone()) else {
            return Err(ws);
        };
        let (reply, answer) = oneshot::channel();
        if let Err(mpsc::error::SendError((ws, _))) = queue.send((ws, reply)).await {
            return Err(ws);
        }
        // The task answers every write set it took, unless its runtime shut down meanwhile.
        Ok(answer.await.unwrap_or_else(|_| {
            Err(EngineError::Conflict("The server stopped before the change was saved; try again.".into()))
        }))
    }

    /// Stops taking write sets; the task commits what it holds and closes its connection.
    pub(crate) fn stop(&self) {
        if let Ok(mut q) = self.queue.lock() {
            q.take();
        }
    }
}

async fn writer_loop(mut conn: AnyConnection, mut rx: mpsc::Receiver<(WriteSet, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, batch).await;
    }
    let _ = conn.close().await;
}

/// The error every write set of a batch gets when the batch could not be committed.
fn batch_failed(e: &sqlx::Error) -> EngineError {
    EngineError::Storage(sqlx::Error::Protocol(format!("the change could not be saved ({e}); try again")))
}

async fn commit_batch(conn: &mut AnyConnection, mut batch: Vec<(WriteSet, Reply)>) {
    if batch.len() == 1 {
        // Alone: the transaction's begin and commit travel in the same request.
        let (ws, reply) = batch.remove(0);
        let (body, args) = ws.fused();
        let sql = format!("BEGIN IMMEDIATE;\n{body}COMMIT;");
        let err = match bind_all(&sql, args).execute(&mut *conn).await {
            Ok(_) => {
                let _ = reply.send(Ok(()));
                return;
            }
            Err(e) => e,
        };
        // Whatever ran is undone (an error before the begin leaves nothing to roll back).
        let _ = conn.execute("ROLLBACK").await;
        if !err.to_string().contains(GUARD_FAILED) {
            let _ = reply.send(Err(err.into()));
            return;
        }
        // A refused check: the general path finds which one.
        batch.push((ws, reply));
    }
    if let Err(e) = conn.execute("BEGIN IMMEDIATE").await {
        for (_, reply) in batch {
            let _ = reply.send(Err(batch_failed(&e)));
        }
        return;
    }
    let mut answers = Vec::with_capacity(batch.len());
    for (ws, reply) in batch {
        let outcome = write_one(conn, ws).await;
        answers.push((reply, outcome));
    }
    if let Err(e) = conn.execute("COMMIT").await {
        let _ = conn.execute("ROLLBACK").await;
        for (reply, outcome) in answers {
            let _ = reply.send(outcome.and(Err(batch_failed(&e))));
        }
        return;
    }
    for (reply, outcome) in answers {
        let _ = reply.send(outcome);
    }
}

/// Runs one write set under a savepoint of the open transaction; on failure the savepoint is
/// rolled back, so the set leaves nothing behind.
async fn write_one(conn: &mut AnyConnection, ws: WriteSet) -> Result<()> {
    let (body, args) = ws.fused();
    let sql = format!("SAVEPOINT write_set;\n{body}RELEASE write_set;");
    let err = match bind_all(&sql, args).execute(&mut *conn).await {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    conn.execute("ROLLBACK TO write_set; RELEASE write_set;").await?;
    if !err.to_string().contains(GUARD_FAILED) {
        return Err(err.into());
    }
    // A check failed: run the set again statement by statement to refuse with that check's
    // own error (nothing else writes to this database meanwhile, so the outcome is the same).
    conn.execute("SAVEPOINT write_set").await?;
    let outcome = ws.run(conn).await;
    let end = if outcome.is_ok() { "RELEASE write_set;" } else { "ROLLBACK TO write_set; RELEASE write_set;" };
    conn.execute(end).await?;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_outside_quotes() {
        let mut out = String::new();
        substitute_into(&mut out, "UPDATE t SET a = $1, b = '$2' WHERE c = $2 AND d = $10", |n| format!("${}", n + 3));
        assert_eq!(out, "UPDATE t SET a = $4, b = '$2' WHERE c = $5 AND d = $13");
    }

    #[test]
    fn inlined_sets_quote_every_value_and_guard_checks() {
        let mut ws = WriteSet::default();
        ws.check(
            "UPDATE i SET s = $1, e = $2 WHERE id = $3 AND r = $4",
            vec![Arg::from("it's $w$ done"), Arg::OptInt(None), Arg::from("a"), Arg::from(-3)],
            EngineError::Conflict("changed".into()),
        );
        ws.push("INSERT INTO h (a, b) VALUES ($1, $2)", vec![Arg::OptText(None), Arg::from("x$w")]);
        assert_eq!(
            ws.inlined(),
            "WITH w AS (UPDATE i SET s = $w1$it's $w$ done$w1$::text, e = NULL::bigint WHERE id = $w$a$w$::text \
             AND r = (-3)::bigint RETURNING 1) SELECT write_guard((SELECT count(*) FROM w));\n\
             INSERT INTO h (a, b) VALUES (NULL::text, $w1$x$w$w1$::text);\n"
        );
    }

    #[test]
    fn fused_sets_number_one_argument_list_and_guard_checks() {
        let mut ws = WriteSet::default();
        ws.check("UPDATE i SET r = r + 1 WHERE id = $1 AND r = $2", vec![Arg::from("a"), Arg::from(1)], {
            EngineError::Conflict("changed".into())
        });
        ws.push("INSERT INTO h (a, b) VALUES ($1, $2)", vec![Arg::from("x"), Arg::from("y")]);
        let (sql, args) = ws.fused();
        assert_eq!(
            sql,
            format!(
                "UPDATE i SET r = r + 1 WHERE id = $1 AND r = $2;\n{GUARD};\nINSERT INTO h (a, b) VALUES ($3, $4);\n"
            )
        );
        assert_eq!(args.len(), 4);
    }
}
