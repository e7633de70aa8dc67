//! Write sets: the statements of one command, decided before any of them runs, and the
//! SQLite writer that commits them.
//!
//! A command (see `instances::exec`) turns its decision into a [`WriteSet`]: plain
//! statements, and checked ones that must change a row (the instance row's revision check, the
//! job executor's claim) or else refuse the command with their own error. A write set runs in
//! one transaction, all or nothing.
//!
//! On SQLite the store gives write sets to its writer thread (see `store::direct`), which
//! commits the write sets that queued up meanwhile together.
//!
//! On PostgreSQL a write set travels as one statement, so a command costs one round trip and
//! one commit instead of a round trip per statement:
//!
//! - When its statements do not depend on each other ([`fusable`]), as one prepared statement
//!   of data-modifying `WITH` parts ([`WriteSet::fused`]). Commands of one kind write sets of
//!   one shape, so PostgreSQL parses and plans that statement once per connection.
//! - Otherwise as one simple query with its arguments written as typed literals (text in
//!   dollar quotes, so no character of a value can end it), which PostgreSQL runs statement
//!   by statement in one transaction.
//!
//! A checked statement is counted by `write_guard(count)`, a function (migration
//! `write_guard`) that raises when the count is 0, so nothing of the set is written.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;

use crate::error::{EngineError, Result};
use crate::sql::{bind_all, refuse_nul, Arg};

/// One statement of a write set.
#[derive(Debug)]
pub(super) struct Write {
    pub(super) sql: String,
    pub(super) args: Vec<Arg>,
    /// For a checked statement: the refusal when it changes no row.
    pub(super) refusal: Option<EngineError>,
}

/// The statements of one command, in order.
#[derive(Debug, Default)]
pub(crate) struct WriteSet {
    writes: Vec<Write>,
}

/// The most bind values one PostgreSQL statement may have; a larger set is inlined.
const PG_MAX_BIND_VALUES: usize = 65_535;

/// The name of the error `write_guard()` raises on PostgreSQL.
pub(crate) const GUARD_FAILED_PG: &str = "write_guard_failed";

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

    /// How many bind values the statements have together: the set's size.
    pub(super) fn values(&self) -> usize {
        self.writes.iter().map(|w| w.args.len()).sum()
    }

    /// Refuses the set when a text value holds the NUL character (see [`refuse_nul`]).
    pub(crate) fn refuse_nul(&self) -> Result<()> {
        self.writes.iter().try_for_each(|w| refuse_nul(&w.args))
    }

    /// The statements, in order.
    pub(super) fn writes(&self) -> &[Write] {
        &self.writes
    }

    /// The refusal of statement `i`, when it is a checked one.
    pub(super) fn into_refusal(mut self, i: usize) -> Option<EngineError> {
        self.writes.get_mut(i).and_then(|w| w.refusal.take())
    }

    /// The whole set as one prepared PostgreSQL statement with its bind values, when running
    /// its statements side by side gives what running them in order would (see [`fusable`]):
    /// each becomes a data-modifying `WITH` part, and the checked ones are counted by
    /// `write_guard()` in the final `SELECT`. Sets of one shape share one statement text, so
    /// PostgreSQL parses and plans it once per connection instead of once per command.
    pub(crate) fn fused(&self) -> Option<(String, Vec<Arg>)> {
        if self.values() > PG_MAX_BIND_VALUES || !fusable(&self.writes) {
            return None;
        }
        let mut sql = String::from("WITH ");
        let mut args = Vec::new();
        let mut guards = Vec::new();
        for (i, w) in self.writes.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("w{i} AS ("));
            let offset = args.len();
            substitute_into(&mut sql, &w.sql, |n| format!("${}", n + offset));
            if w.refusal.is_some() {
                sql.push_str(" RETURNING 1");
                guards.push(format!("write_guard((SELECT count(*) FROM w{i}))"));
            }
            sql.push(')');
            args.extend(w.args.iter().cloned());
        }
        if guards.is_empty() {
            sql.push_str(" SELECT 1");
        } else {
            sql.push_str(&format!(" SELECT {}", guards.join(" + ")));
        }
        Some((sql, args))
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

/// What a statement writes and reads, from its text.
struct Touch<'a> {
    /// `INSERT`, `UPDATE` or `DELETE`.
    verb: &'a str,
    /// The table it writes.
    table: &'a str,
    /// The tables it reads (after `FROM` or `JOIN`, but for a `DELETE`'s own table).
    reads: Vec<&'a str>,
}

fn touch(sql: &str) -> Option<Touch<'_>> {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let (verb, table, rest) = match words.as_slice() {
        ["INSERT", "INTO", t, rest @ ..] => ("INSERT", *t, rest),
        ["UPDATE", t, rest @ ..] => ("UPDATE", *t, rest),
        ["DELETE", "FROM", t, rest @ ..] => ("DELETE", *t, rest),
        _ => return None,
    };
    let table = table.split('(').next().unwrap_or(table);
    let reads = rest
        .windows(2)
        .filter(|w| w[0].eq_ignore_ascii_case("FROM") || w[0].eq_ignore_ascii_case("JOIN"))
        .map(|w| w[1].trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .collect();
    Some(Touch { verb, table, reads })
}

/// Whether the statements of a set can run side by side, each on the snapshot from before the
/// set, with the outcome of running them in order: none reads a table another one writes,
/// none updates or deletes in a table an earlier one inserted into, and the updates and
/// deletes of one table are one statement with different keys (so they meet different rows;
/// PostgreSQL applies only one of two changes of a row in one statement). Linear in the
/// number of statements: a command that ends thousands of tasks has thousands of them.
fn fusable(writes: &[Write]) -> bool {
    let Some(touches) = writes.iter().map(|w| touch(&w.sql)).collect::<Option<Vec<_>>>() else {
        return false;
    };
    let mut by_table: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, t) in touches.iter().enumerate() {
        by_table.entry(t.table).or_default().push(i);
    }
    for (i, (t, w)) in touches.iter().zip(writes).enumerate() {
        if w.refusal.is_some() && w.sql.contains("RETURNING") {
            return false;
        }
        if t.reads.iter().any(|r| by_table.get(r).is_some_and(|js| js.iter().any(|j| *j != i))) {
            return false;
        }
    }
    by_table.values().all(|idx| {
        let changes: Vec<&Write> = idx.iter().filter(|i| touches[**i].verb != "INSERT").map(|i| &writes[*i]).collect();
        let last_change = idx.iter().rev().find(|i| touches[**i].verb != "INSERT");
        let first_insert = idx.iter().find(|i| touches[**i].verb == "INSERT");
        let inserted_before = matches!((first_insert, last_change), (Some(ins), Some(ch)) if ins < ch);
        !inserted_before && (changes.len() < 2 || different_rows(&changes))
    })
}

/// Whether updates or deletes (two or more) certainly meet different rows: the same
/// statement, whose `WHERE` is a conjunction of equalities, with different values in it.
fn different_rows(changes: &[&Write]) -> bool {
    let first = changes[0];
    let Some((_, cond)) = first.sql.rsplit_once(" WHERE ") else { return false };
    let upper = cond.to_ascii_uppercase();
    let equalities_only =
        !cond.contains(['<', '>', '(', '!']) && [" OR ", " IN ", " NOT ", " LIKE "].iter().all(|w| !upper.contains(w));
    if !equalities_only || changes.iter().any(|c| c.sql != first.sql) {
        return false;
    }
    let mut key = Vec::new();
    substitute_into(&mut String::new(), cond, |n| {
        key.push(n);
        String::new()
    });
    let mut seen = HashSet::new();
    changes.iter().all(|c| seen.insert(key.iter().map(|n| c.args.get(n - 1)).collect::<Vec<_>>()))
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
pub(super) fn substitute_into(out: &mut String, sql: &str, mut with: impl FnMut(usize) -> String) {
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

    fn conflict() -> EngineError {
        EngineError::Conflict("changed".into())
    }

    #[test]
    fn fused_sets_number_their_values_in_order_and_guard_checks() {
        let mut ws = WriteSet::default();
        ws.check(
            "UPDATE i SET s = $1 WHERE id = $2 AND r = $3",
            vec![Arg::from("x"), Arg::from("a"), Arg::from(3)],
            conflict(),
        );
        ws.push("INSERT INTO h (a, b) VALUES ($2, $1)", vec![Arg::from(1), Arg::from("y")]);
        let (sql, args) = ws.fused().expect("independent statements fuse");
        assert_eq!(
            sql,
            "WITH w0 AS (UPDATE i SET s = $1 WHERE id = $2 AND r = $3 RETURNING 1), \
             w1 AS (INSERT INTO h (a, b) VALUES ($5, $4)) SELECT write_guard((SELECT count(*) FROM w0))"
        );
        assert_eq!(args, vec![Arg::from("x"), Arg::from("a"), Arg::from(3), Arg::from(1), Arg::from("y")]);
        let mut ws = WriteSet::default();
        ws.push("INSERT INTO h (a) VALUES ($1)", vec![Arg::from(1)]);
        assert_eq!(ws.fused().map(|f| f.0).as_deref(), Some("WITH w0 AS (INSERT INTO h (a) VALUES ($1)) SELECT 1"));
    }

    /// Each set would behave differently with its statements side by side than in order.
    #[test]
    fn sets_whose_statements_depend_on_each_other_stay_in_order() {
        let mut reads_written = WriteSet::default();
        reads_written.push("INSERT INTO incidents (id) VALUES ($1)", vec![Arg::from("n")]);
        reads_written.push(
            "UPDATE instances SET open = (SELECT count(*) FROM incidents WHERE i = $1) WHERE id = $1",
            vec![Arg::from("i")],
        );
        let mut changes_inserted = WriteSet::default();
        changes_inserted.push("INSERT INTO tasks (id, token) VALUES ($1, 1)", vec![Arg::from("t")]);
        changes_inserted.push("UPDATE tasks SET state = 'cancelled' WHERE token = $1", vec![Arg::from(1)]);
        let mut same_row_twice = WriteSet::default();
        same_row_twice.push("UPDATE tasks SET a = $1 WHERE id = $2", vec![Arg::from(1), Arg::from("t")]);
        same_row_twice.push("UPDATE tasks SET a = $1 WHERE id = $2", vec![Arg::from(2), Arg::from("t")]);
        let mut two_statements = WriteSet::default();
        two_statements.push("UPDATE tasks SET a = 1 WHERE id = $1", vec![Arg::from("t")]);
        two_statements.push("UPDATE tasks SET b = 1 WHERE token = $1", vec![Arg::from(1)]);
        let mut ranges = WriteSet::default();
        ranges.push("DELETE FROM jobs WHERE due < $1", vec![Arg::from(5)]);
        ranges.push("DELETE FROM jobs WHERE due < $1", vec![Arg::from(9)]);
        let mut unequal = WriteSet::default();
        unequal.push("UPDATE jobs SET a = 1 WHERE kind != $1", vec![Arg::from("x")]);
        unequal.push("UPDATE jobs SET a = 1 WHERE kind != $1", vec![Arg::from("y")]);
        for ws in [reads_written, changes_inserted, same_row_twice, two_statements, ranges, unequal] {
            assert!(ws.fused().is_none(), "{ws:?}");
        }
        // Updates of different rows, and an update before an insert into the same table, fuse.
        let mut ws = WriteSet::default();
        ws.push("UPDATE h SET e = $1 WHERE i = $2 AND t = $3", vec![Arg::from(1), Arg::from("i"), Arg::from(1)]);
        ws.push("UPDATE h SET e = $1 WHERE i = $2 AND t = $3", vec![Arg::from(1), Arg::from("i"), Arg::from(2)]);
        ws.push("INSERT INTO h (i, t) VALUES ($1, 3)", vec![Arg::from("i")]);
        assert!(ws.fused().is_some());
    }
}
