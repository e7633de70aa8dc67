//! Write sets: the row changes of one command, decided before any of them runs, and how
//! they become statements.
//!
//! A command (see `instances::command`) turns its decision into typed [`Write`]s, one per kind
//! of row change (insert an instance, update it revision-checked, insert tasks, complete a
//! task, cancel a token's jobs, …), and collects them in a [`WriteSet`]: plain ones, and
//! checked ones that must change a row (the instance row's revision check, a task completion,
//! the job executor's claim) or else refuse the command with their own error. A write set
//! runs in one transaction, all or nothing. Only the store's table-family modules
//! (`store::instances`, `store::tasks`, `store::history`, `store::incidents`, `store::jobs`)
//! know the statements a typed write becomes; every kind of write has one statement text (or,
//! for rows inserted together, one per [`insert_many`](crate::store::sql::insert_many) chunk size), so
//! SQLite's prepared-statement cache and PostgreSQL's plan cache, which key on the text, keep
//! serving the same statements.
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

use super::events::NewSubscription;
use super::history::{EndedActivity, NewActivity, NewOperation, NewVariableChange};
use super::incidents::NewIncident;
use super::instances::{InstanceUpdate, NewInstance};
use super::jobs::{JobWrite, NewJob};
use super::tasks::{NewTask, TaskAssignment, TaskCompletion};
use crate::error::{EngineError, Result};
use crate::store::sql::{bind_all, refuse_nul, Arg};

/// One row change of a command, typed. The store turns it into statements
/// ([`Write::render`]); a command never sees SQL.
#[derive(Debug)]
pub(crate) enum Write {
    /// A new instance row, filled from its definition row, which must exist (and, for a start
    /// from the cache of latest versions, still be the latest).
    InsertInstance(NewInstance),
    /// An instance row's new state, only if its revision is still the one read.
    UpdateInstance(InstanceUpdate),
    /// An instance row's count of open incidents, counted again.
    RefreshIncidentCount { instance_id: String },
    /// The open history row of a token in an activity, ended.
    EndActivity(EndedActivity),
    /// History rows (activity instances), inserted together.
    InsertActivities(Vec<NewActivity>),
    /// Variable changes, inserted together.
    InsertVariableChanges(Vec<NewVariableChange>),
    /// An operation log entry.
    LogOperation(NewOperation),
    /// User tasks, inserted together.
    InsertTasks(Vec<NewTask>),
    /// A task completed, if it is still active.
    CompleteTask(TaskCompletion),
    /// The active tasks of a token, cancelled with `reason`.
    CancelTokenTasks { instance_id: String, token: i64, at: i64, reason: &'static str },
    /// An active task given to another assignee (with its search text and tokens).
    ReassignTask { task_id: String, assignee: String, search: super::sql::search::SearchText },
    /// A task row removed.
    DeleteTask { task_id: String },
    /// An active task's assignee, owner and delegation state set.
    AssignTask(TaskAssignment),
    /// An incident raised.
    InsertIncident(NewIncident),
    /// The open incidents of a token, resolved at `at`.
    ResolveIncidents { instance_id: String, token: i64, at: i64 },
    /// Job rows (timers, service calls, asynchronous continuations), inserted together.
    InsertJobs(Vec<NewJob>),
    /// Another change of job rows (see [`JobWrite`]).
    Job(JobWrite),
    /// Event subscriptions of waiting tokens, inserted together.
    InsertSubscriptions(Vec<NewSubscription>),
    /// The subscription of a token, deleted (it fired or its element was left).
    DeleteTokenSubscription { instance_id: String, token: i64 },
    /// Every subscription of an instance, deleted (it ended).
    DeleteInstanceSubscriptions { instance_id: String },
}

impl From<JobWrite> for Write {
    fn from(w: JobWrite) -> Write {
        Write::Job(w)
    }
}

impl Write {
    /// Appends the statements of this write to `out`, in order.
    fn render(self, out: &mut Vec<Statement>) {
        let mut one = |(sql, args): (String, Vec<Arg>)| out.push(Statement { sql, args, refusal: None });
        match self {
            Write::InsertInstance(row) => one(row.statement()),
            Write::UpdateInstance(update) => one(update.statement()),
            Write::RefreshIncidentCount { instance_id } => one(super::incidents::refresh_count(instance_id)),
            Write::EndActivity(ended) => one(ended.statement()),
            Write::InsertActivities(rows) => NewActivity::insert(rows).into_iter().for_each(one),
            Write::InsertVariableChanges(rows) => NewVariableChange::insert(rows).into_iter().for_each(one),
            Write::LogOperation(entry) => one(entry.statement()),
            Write::InsertTasks(rows) => NewTask::insert(rows).into_iter().for_each(one),
            Write::CompleteTask(completion) => one(completion.statement()),
            Write::CancelTokenTasks { instance_id, token, at, reason } => {
                one(super::tasks::cancel_token_tasks(instance_id, token, at, reason))
            }
            Write::ReassignTask { task_id, assignee, search } => one(super::tasks::reassign(task_id, assignee, search)),
            Write::DeleteTask { task_id } => one(super::tasks::delete(task_id)),
            Write::AssignTask(assignment) => one(assignment.statement()),
            Write::InsertIncident(incident) => one(incident.statement()),
            Write::ResolveIncidents { instance_id, token, at } => {
                one(super::incidents::resolve_token(instance_id, token, at))
            }
            Write::InsertJobs(rows) => NewJob::insert(rows).into_iter().for_each(one),
            Write::Job(job) => one(job.into_statement()),
            Write::InsertSubscriptions(rows) => NewSubscription::insert(rows).into_iter().for_each(one),
            Write::DeleteTokenSubscription { instance_id, token } => {
                one(super::events::delete_token(instance_id, token))
            }
            Write::DeleteInstanceSubscriptions { instance_id } => one(super::events::delete_instance(instance_id)),
        }
    }
}

/// One statement of a write set.
#[derive(Debug)]
pub(super) struct Statement {
    pub(super) sql: String,
    pub(super) args: Vec<Arg>,
    /// For a checked statement: the refusal when it changes no row.
    pub(super) refusal: Option<EngineError>,
}

/// The statements of one command, in order.
#[derive(Debug, Default)]
pub(crate) struct WriteSet {
    writes: Vec<Statement>,
    /// The rows of the last statement (an `… RETURNING`) go back to the caller (see
    /// [`WriteSet::returning`]).
    returns: bool,
}

/// The transaction of a command that reads as it writes: work a step causes in other
/// instances (a call activity's child, a finished child's parent) reads those instances in the
/// transaction that already holds the step's writes, and adds its own write sets to it.
pub(crate) struct Cascade(sqlx::Transaction<'static, sqlx::Any>);

impl Cascade {
    /// Runs a write set's statements one by one in this transaction.
    pub(crate) async fn run(&mut self, ws: WriteSet) -> Result<()> {
        ws.run(&mut self.0).await
    }

    /// The transaction's connection, for the reads of `store::instances`.
    pub(super) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.0
    }

    /// Commits everything written.
    pub(crate) async fn commit(self) -> Result<()> {
        self.0.commit().await?;
        Ok(())
    }
}

impl super::Store {
    /// Opens a [`Cascade`] on the pool.
    pub(crate) async fn begin_cascade(&self) -> Result<Cascade> {
        Ok(Cascade(self.pool.begin().await?))
    }
}

/// The most bind values one PostgreSQL statement may have; a larger set is inlined.
const PG_MAX_BIND_VALUES: usize = 65_535;

/// The name of the error `write_guard()` raises on PostgreSQL.
pub(crate) const GUARD_FAILED_PG: &str = "write_guard_failed";

impl WriteSet {
    /// Adds a row change.
    pub(crate) fn push(&mut self, write: Write) {
        write.render(&mut self.writes);
    }

    /// Adds a row change that must change a row (a write of one statement); when it changes
    /// none, nothing of the set is written and the command is refused with `refusal`.
    pub(crate) fn check(&mut self, write: Write, refusal: EngineError) {
        let first = self.writes.len();
        write.render(&mut self.writes);
        debug_assert_eq!(self.writes.len(), first + 1, "a checked write is one statement");
        if let Some(last) = self.writes.last_mut() {
            last.refusal = Some(refusal);
        }
    }

    /// A set of one `… RETURNING` statement whose rows the writer hands back after the commit
    /// (a fetch that locks rows, committed with the commands queued beside it).
    pub(super) fn returning(sql: impl Into<String>, args: Vec<Arg>) -> WriteSet {
        WriteSet { writes: vec![Statement { sql: sql.into(), args, refusal: None }], returns: true }
    }

    /// Whether the rows of the last statement go back to the caller.
    pub(super) fn returns(&self) -> bool {
        self.returns
    }

    /// Adds a statement as it is (the store's own tests of the mechanics).
    #[cfg(test)]
    pub(super) fn push_statement(&mut self, sql: impl Into<String>, args: Vec<Arg>) {
        self.writes.push(Statement { sql: sql.into(), args, refusal: None });
    }

    /// Adds a checked statement as it is (the store's own tests of the mechanics).
    #[cfg(test)]
    pub(super) fn check_statement(&mut self, sql: impl Into<String>, args: Vec<Arg>, refusal: EngineError) {
        self.writes.push(Statement { sql: sql.into(), args, refusal: Some(refusal) });
    }

    /// Runs the statements one by one on `conn` (inside the caller's transaction).
    pub(super) async fn run(self, conn: &mut AnyConnection) -> Result<()> {
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
    pub(super) fn writes(&self) -> &[Statement] {
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
fn fusable(writes: &[Statement]) -> bool {
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
        let changes: Vec<&Statement> =
            idx.iter().filter(|i| touches[**i].verb != "INSERT").map(|i| &writes[*i]).collect();
        let last_change = idx.iter().rev().find(|i| touches[**i].verb != "INSERT");
        let first_insert = idx.iter().find(|i| touches[**i].verb == "INSERT");
        let inserted_before = matches!((first_insert, last_change), (Some(ins), Some(ch)) if ins < ch);
        !inserted_before && (changes.len() < 2 || different_rows(&changes))
    })
}

/// Whether updates or deletes (two or more) certainly meet different rows: the same
/// statement, whose `WHERE` is a conjunction of equalities, with different values in it.
fn different_rows(changes: &[&Statement]) -> bool {
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
        ws.check_statement(
            "UPDATE i SET s = $1, e = $2 WHERE id = $3 AND r = $4",
            vec![Arg::from("it's $w$ done"), Arg::OptInt(None), Arg::from("a"), Arg::from(-3)],
            EngineError::conflict(
                crate::error::ConflictReason::ChangedMeanwhile,
                crate::error::Text::verbatim("changed"),
            ),
        );
        ws.push_statement("INSERT INTO h (a, b) VALUES ($1, $2)", vec![Arg::OptText(None), Arg::from("x$w")]);
        assert_eq!(
            ws.inlined(),
            "WITH w AS (UPDATE i SET s = $w1$it's $w$ done$w1$::text, e = NULL::bigint WHERE id = $w$a$w$::text \
             AND r = (-3)::bigint RETURNING 1) SELECT write_guard((SELECT count(*) FROM w));\n\
             INSERT INTO h (a, b) VALUES (NULL::text, $w1$x$w$w1$::text);\n"
        );
    }

    fn conflict() -> EngineError {
        EngineError::conflict(crate::error::ConflictReason::ChangedMeanwhile, crate::error::Text::verbatim("changed"))
    }

    #[test]
    fn fused_sets_number_their_values_in_order_and_guard_checks() {
        let mut ws = WriteSet::default();
        ws.check_statement(
            "UPDATE i SET s = $1 WHERE id = $2 AND r = $3",
            vec![Arg::from("x"), Arg::from("a"), Arg::from(3)],
            conflict(),
        );
        ws.push_statement("INSERT INTO h (a, b) VALUES ($2, $1)", vec![Arg::from(1), Arg::from("y")]);
        let (sql, args) = ws.fused().expect("independent statements fuse");
        assert_eq!(
            sql,
            "WITH w0 AS (UPDATE i SET s = $1 WHERE id = $2 AND r = $3 RETURNING 1), \
             w1 AS (INSERT INTO h (a, b) VALUES ($5, $4)) SELECT write_guard((SELECT count(*) FROM w0))"
        );
        assert_eq!(args, vec![Arg::from("x"), Arg::from("a"), Arg::from(3), Arg::from(1), Arg::from("y")]);
        let mut ws = WriteSet::default();
        ws.push_statement("INSERT INTO h (a) VALUES ($1)", vec![Arg::from(1)]);
        assert_eq!(ws.fused().map(|f| f.0).as_deref(), Some("WITH w0 AS (INSERT INTO h (a) VALUES ($1)) SELECT 1"));
    }

    /// Each set would behave differently with its statements side by side than in order.
    #[test]
    fn sets_whose_statements_depend_on_each_other_stay_in_order() {
        let mut reads_written = WriteSet::default();
        reads_written.push_statement("INSERT INTO incidents (id) VALUES ($1)", vec![Arg::from("n")]);
        reads_written.push_statement(
            "UPDATE instances SET open = (SELECT count(*) FROM incidents WHERE i = $1) WHERE id = $1",
            vec![Arg::from("i")],
        );
        let mut changes_inserted = WriteSet::default();
        changes_inserted.push_statement("INSERT INTO tasks (id, token) VALUES ($1, 1)", vec![Arg::from("t")]);
        changes_inserted.push_statement("UPDATE tasks SET state = 'cancelled' WHERE token = $1", vec![Arg::from(1)]);
        let mut same_row_twice = WriteSet::default();
        same_row_twice.push_statement("UPDATE tasks SET a = $1 WHERE id = $2", vec![Arg::from(1), Arg::from("t")]);
        same_row_twice.push_statement("UPDATE tasks SET a = $1 WHERE id = $2", vec![Arg::from(2), Arg::from("t")]);
        let mut two_statements = WriteSet::default();
        two_statements.push_statement("UPDATE tasks SET a = 1 WHERE id = $1", vec![Arg::from("t")]);
        two_statements.push_statement("UPDATE tasks SET b = 1 WHERE token = $1", vec![Arg::from(1)]);
        let mut ranges = WriteSet::default();
        ranges.push_statement("DELETE FROM jobs WHERE due < $1", vec![Arg::from(5)]);
        ranges.push_statement("DELETE FROM jobs WHERE due < $1", vec![Arg::from(9)]);
        let mut unequal = WriteSet::default();
        unequal.push_statement("UPDATE jobs SET a = 1 WHERE kind != $1", vec![Arg::from("x")]);
        unequal.push_statement("UPDATE jobs SET a = 1 WHERE kind != $1", vec![Arg::from("y")]);
        for ws in [reads_written, changes_inserted, same_row_twice, two_statements, ranges, unequal] {
            assert!(ws.fused().is_none(), "{ws:?}");
        }
        // Updates of different rows, and an update before an insert into the same table, fuse.
        let mut ws = WriteSet::default();
        ws.push_statement(
            "UPDATE h SET e = $1 WHERE i = $2 AND t = $3",
            vec![Arg::from(1), Arg::from("i"), Arg::from(1)],
        );
        ws.push_statement(
            "UPDATE h SET e = $1 WHERE i = $2 AND t = $3",
            vec![Arg::from(1), Arg::from("i"), Arg::from(2)],
        );
        ws.push_statement("INSERT INTO h (i, t) VALUES ($1, 3)", vec![Arg::from("i")]);
        assert!(ws.fused().is_some());
        // The subscriptions a step ends (different tokens) are deleted in one fused statement.
        let mut ws = WriteSet::default();
        ws.push(Write::DeleteTokenSubscription { instance_id: "i".into(), token: 1 });
        ws.push(Write::DeleteTokenSubscription { instance_id: "i".into(), token: 2 });
        ws.push_statement("INSERT INTO event_subscriptions (id) VALUES ($1)", vec![Arg::from("s")]);
        assert!(ws.fused().is_some());
    }

    /// Every typed write becomes the very statement the commands wrote as text before: the
    /// caches of prepared statements and plans key on the text.
    #[test]
    fn typed_writes_render_the_statements_commands_always_wrote() {
        use super::super::history::*;
        use super::super::incidents::NewIncident;
        use super::super::instances::{InstanceUpdate, LatestCheck, NewInstance};
        use super::super::jobs::{JobWrite, NewJob};
        use super::super::sql::search::SearchText;
        use super::super::tasks::{NewTask, TaskCompletion};
        use crate::instances::InstanceStatus;
        let text = |s: &str| Arg::Text(s.into());
        let new_instance = |latest| NewInstance {
            id: "i".into(),
            definition_id: "d".into(),
            business_key: None,
            initiator: Some("li".into()),
            status: InstanceStatus::Running,
            start_time: 5,
            end_time: None,
            parent_instance_id: None,
            parent_token: None,
            current_activities: "A\u{1f}".into(),
            current_activity_ids: "a".into(),
            state_json: "{}".into(),
            change_stamp: 9,
            latest,
            search: SearchText { text: "bk".into(), grams: "b bk k".into() },
        };
        let insert = "INSERT INTO process_instances (id, tenant_id, definition_id, definition_key, definition_name, \
             name_lower, version, business_key, initiator, state, finished, start_time, end_time, \
             parent_instance_id, parent_token, current_activities, current_activity_ids, state_json, revision, \
             change_stamp, search_text, search_grams) \
             SELECT $1, tenant_id, id, process_key, name, name_lower, version, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, 1, $13, $15, $16 FROM process_definitions d WHERE d.id = $14";
        let task = |id: &str| NewTask {
            id: id.into(),
            tenant_id: "t".into(),
            instance_id: "i".into(),
            token: 1,
            activity_id: "a".into(),
            name: "A".into(),
            search: SearchText { text: "a".into(), grams: "a".into() },
            definition_name: "D".into(),
            assignee: None,
            candidate_users: "[]".into(),
            candidate_groups: "[]".into(),
            priority: 50,
            form_key: None,
            created: 5,
            due: None,
            created_by_task: None,
            seq: 7,
        };
        let in_tenant = format!(
            "{insert} AND NOT EXISTS (SELECT 1 FROM process_definitions n WHERE n.tenant_id = d.tenant_id \
             AND n.process_key = d.process_key AND n.version > d.version)"
        );
        let everywhere = format!(
            "{insert} AND NOT EXISTS (SELECT 1 FROM process_definitions n WHERE n.process_key = d.process_key \
             AND (n.version > d.version OR n.tenant_id <> d.tenant_id))"
        );
        let cases: Vec<(Write, Vec<&str>, Vec<Arg>)> = vec![
            (
                Write::InsertInstance(new_instance(None)),
                vec![insert],
                vec![
                    text("i"),
                    Arg::OptText(None),
                    Arg::OptText(Some("li".into())),
                    text("running"),
                    Arg::Int(0),
                    Arg::Int(5),
                    Arg::OptInt(None),
                    Arg::OptText(None),
                    Arg::OptInt(None),
                    text("A\u{1f}"),
                    text("a"),
                    text("{}"),
                    Arg::Int(9),
                    text("d"),
                    text("bk"),
                    text("b bk k"),
                ],
            ),
            (Write::InsertInstance(new_instance(Some(LatestCheck::InTenant))), vec![&in_tenant], Vec::new()),
            (Write::InsertInstance(new_instance(Some(LatestCheck::Everywhere))), vec![&everywhere], Vec::new()),
            (
                Write::UpdateInstance(InstanceUpdate {
                    id: "i".into(),
                    revision: 3,
                    status: InstanceStatus::Completed,
                    end_time: Some(6),
                    current_activities: String::new(),
                    current_activity_ids: String::new(),
                    state_json: "{}".into(),
                    change_stamp: 10,
                }),
                vec![
                    "UPDATE process_instances SET state = $1, finished = $2, end_time = COALESCE(end_time, $3), \
                     current_activities = $4, current_activity_ids = $5, state_json = $6, revision = revision + 1, \
                     change_stamp = $7 WHERE id = $8 AND revision = $9",
                ],
                vec![
                    text("completed"),
                    Arg::Int(1),
                    Arg::OptInt(Some(6)),
                    text(""),
                    text(""),
                    text("{}"),
                    Arg::Int(10),
                    text("i"),
                    Arg::Int(3),
                ],
            ),
            (
                Write::CompleteTask(TaskCompletion {
                    task_id: "k".into(),
                    at: 6,
                    actor: "li".into(),
                    withdrawable: true,
                }),
                vec![
                    "UPDATE tasks SET state = 'completed', end_reason = 'completed', end_time = $1, completed_by = $2, \
                     withdrawable = $3, revision = revision + 1 WHERE id = $4 AND state || '' = 'active'",
                ],
                vec![Arg::Int(6), text("li"), Arg::Int(1), text("k")],
            ),
            (
                Write::InsertTasks(vec![task("k1"), task("k2")]),
                vec![
                    "INSERT INTO tasks (id, tenant_id, instance_id, token, activity_id, name, search_text, \
                     search_grams, definition_name, assignee, candidate_users, candidate_groups, priority, form_key, \
                     created, due, created_by_task, state, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                     $12, $13, $14, $15, $16, $17, $18, $19), ($20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, \
                     $31, $32, $33, $34, $35, $36, $37, $38)",
                ],
                Vec::new(),
            ),
            (
                Write::CancelTokenTasks { instance_id: "i".into(), token: 2, at: 6, reason: "moved" },
                vec![
                    "UPDATE tasks SET state = 'cancelled', end_reason = $1, end_time = $2, revision = revision + 1 \
                     WHERE instance_id = $3 AND token = $4 AND state = 'active'",
                ],
                vec![text("moved"), Arg::Int(6), text("i"), Arg::Int(2)],
            ),
            (
                Write::ReassignTask {
                    task_id: "k".into(),
                    assignee: "wang".into(),
                    search: SearchText { text: "a\nwang".into(), grams: "a w wa an ng".into() },
                },
                vec![
                    "UPDATE tasks SET assignee = $1, search_text = $2, search_grams = $3, revision = revision + 1 \
                     WHERE id = $4 AND state || '' = 'active'",
                ],
                vec![text("wang"), text("a\nwang"), text("a w wa an ng"), text("k")],
            ),
            (Write::DeleteTask { task_id: "k".into() }, vec!["DELETE FROM tasks WHERE id = $1"], vec![text("k")]),
            (
                Write::EndActivity(EndedActivity {
                    instance_id: "i".into(),
                    token: 1,
                    activity_id: "a".into(),
                    end_time: 6,
                    outcome: "completed",
                    actor: None,
                }),
                vec![
                    "UPDATE activity_history SET end_time = $1, outcome = $2, actor = COALESCE(actor, $3) \
                     WHERE instance_id = $4 AND token = $5 AND activity_id = $6 AND end_time IS NULL",
                ],
                vec![Arg::Int(6), text("completed"), Arg::OptText(None), text("i"), Arg::Int(1), text("a")],
            ),
            (
                Write::InsertActivities(vec![NewActivity {
                    instance_id: "i".into(),
                    token: 1,
                    activity_id: "a".into(),
                    activity_name: "A".into(),
                    activity_type: "userTask".into(),
                    start_time: 5,
                    end_time: None,
                    outcome: None,
                    actor: None,
                    task_id: Some("k".into()),
                }]),
                vec![
                    "INSERT INTO activity_history (instance_id, token, activity_id, activity_name, activity_type, \
                     start_time, end_time, outcome, actor, task_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                ],
                vec![
                    text("i"),
                    Arg::Int(1),
                    text("a"),
                    text("A"),
                    text("userTask"),
                    Arg::Int(5),
                    Arg::OptInt(None),
                    Arg::OptText(None),
                    Arg::OptText(None),
                    Arg::OptText(Some("k".into())),
                ],
            ),
            (Write::InsertActivities(Vec::new()), Vec::new(), Vec::new()),
            (
                Write::InsertVariableChanges(vec![NewVariableChange {
                    instance_id: "i".into(),
                    name: "amount".into(),
                    value: Some("5".into()),
                    at: 5,
                    actor: "li".into(),
                }]),
                vec!["INSERT INTO variable_history (instance_id, name, value, at, actor) VALUES ($1, $2, $3, $4, $5)"],
                vec![text("i"), text("amount"), Arg::OptText(Some("5".into())), Arg::Int(5), text("li")],
            ),
            (
                Write::LogOperation(NewOperation {
                    instance_id: "i".into(),
                    at: 5,
                    actor: "li".into(),
                    operation: "start".into(),
                    detail: String::new(),
                    reason: String::new(),
                }),
                vec![
                    "INSERT INTO instance_operations (instance_id, at, actor, operation, detail, reason) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                ],
                vec![text("i"), Arg::Int(5), text("li"), text("start"), text(""), text("")],
            ),
            (
                Write::InsertIncident(NewIncident {
                    id: "n".into(),
                    tenant_id: "t".into(),
                    instance_id: "i".into(),
                    token: 1,
                    activity_id: "a".into(),
                    message: "m".into(),
                    created: 5,
                }),
                vec![
                    "INSERT INTO incidents (id, tenant_id, instance_id, token, activity_id, message, created) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                ],
                vec![text("n"), text("t"), text("i"), Arg::Int(1), text("a"), text("m"), Arg::Int(5)],
            ),
            (
                Write::ResolveIncidents { instance_id: "i".into(), token: 1, at: 6 },
                vec!["UPDATE incidents SET resolved = $1 WHERE instance_id = $2 AND token = $3 AND resolved IS NULL"],
                vec![Arg::Int(6), text("i"), Arg::Int(1)],
            ),
            (
                Write::RefreshIncidentCount { instance_id: "i".into() },
                vec![
                    "UPDATE process_instances SET open_incidents = \
                     (SELECT COUNT(*) FROM incidents WHERE instance_id = $1 AND resolved IS NULL) WHERE id = $1",
                ],
                vec![text("i")],
            ),
            (
                Write::InsertJobs(vec![NewJob {
                    id: "j".into(),
                    tenant_id: "t".into(),
                    instance_id: "i".into(),
                    token: 1,
                    activity_id: "w".into(),
                    name: "W".into(),
                    kind: "timer",
                    timer: Some(("duration", "PT1H".into())),
                    due: 9,
                    retries: 3,
                    state: "pending",
                    suspended: false,
                    error: None,
                    created: 5,
                    external: None,
                }]),
                vec![
                    "INSERT INTO jobs (id, tenant_id, instance_id, token, activity_id, name, kind, timer_kind, \
                     definition, due, retries, state, suspended, error, created, topic, priority, retries_unset) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
                ],
                vec![
                    text("j"),
                    text("t"),
                    text("i"),
                    Arg::Int(1),
                    text("w"),
                    text("W"),
                    text("timer"),
                    Arg::OptText(Some("duration".into())),
                    Arg::OptText(Some("PT1H".into())),
                    Arg::Int(9),
                    Arg::Int(3),
                    text("pending"),
                    Arg::Int(0),
                    Arg::OptText(None),
                    Arg::Int(5),
                    Arg::OptText(None),
                    Arg::Int(0),
                    Arg::Int(0),
                ],
            ),
            (
                Write::Job(JobWrite::CancelTokenJobs { instance_id: "i".into(), token: 1 }),
                vec!["DELETE FROM jobs WHERE instance_id = $1 AND token = $2"],
                vec![text("i"), Arg::Int(1)],
            ),
            (
                Write::DeleteTokenSubscription { instance_id: "i".into(), token: 3 },
                vec!["DELETE FROM event_subscriptions WHERE instance_id = $1 AND token = $2"],
                vec![text("i"), Arg::Int(3)],
            ),
            (
                Write::DeleteInstanceSubscriptions { instance_id: "i".into() },
                vec!["DELETE FROM event_subscriptions WHERE instance_id = $1"],
                vec![text("i")],
            ),
            (
                Write::InsertSubscriptions(vec![super::super::events::NewSubscription {
                    id: "s".into(),
                    tenant_id: "t".into(),
                    kind: crate::events::SubscriptionKind::Message,
                    name: "Paid".into(),
                    instance_id: Some("i".into()),
                    token: Some(3),
                    definition_id: "d".into(),
                    definition_name: "D".into(),
                    activity_id: "w".into(),
                    activity_name: "W".into(),
                    business_key: None,
                    created_at: 5,
                }]),
                vec![
                    "INSERT INTO event_subscriptions (id, tenant_id, kind, name, instance_id, token, definition_id, \
                     definition_name, activity_id, activity_name, business_key, created_at) VALUES ($1, $2, $3, $4, \
                     $5, $6, $7, $8, $9, $10, $11, $12)",
                ],
                vec![
                    text("s"),
                    text("t"),
                    text("message"),
                    text("Paid"),
                    Arg::OptText(Some("i".into())),
                    Arg::OptInt(Some(3)),
                    text("d"),
                    text("D"),
                    text("w"),
                    text("W"),
                    Arg::OptText(None),
                    Arg::Int(5),
                ],
            ),
            (
                Write::Job(JobWrite::SuspendInstanceJobs { instance_id: "i".into(), suspended: true }),
                vec!["UPDATE jobs SET suspended = $1 WHERE instance_id = $2"],
                vec![Arg::Int(1), text("i")],
            ),
        ];
        for (write, sql, args) in cases {
            let name = format!("{write:?}");
            let mut out = Vec::new();
            write.render(&mut out);
            let rendered: Vec<&str> = out.iter().map(|s| s.sql.as_str()).collect();
            assert_eq!(rendered, sql, "{name}");
            if !args.is_empty() {
                assert_eq!(out[0].args, args, "{name}");
            }
        }
    }
}
