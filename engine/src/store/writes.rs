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
//! On PostgreSQL a write set travels as one simple query with its arguments written as typed
//! literals (text in dollar quotes, so no character of a value can end it): PostgreSQL runs the
//! statements of such a query as one transaction, so a command costs one round trip and one
//! commit instead of a round trip per statement. A checked statement runs as
//! `WITH w AS (... RETURNING 1) SELECT write_guard(count)`, a function (migration
//! `write_guard`) that raises when the count is 0.

use sqlx::AnyConnection;

use crate::error::{EngineError, Result};
use crate::sql::{bind_all, Arg};

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

    /// The statements, in order.
    pub(super) fn into_writes(self) -> Vec<Write> {
        self.writes
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
}
