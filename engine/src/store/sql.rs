//! Helpers for queries built at run time: numbered placeholders, `LIKE` patterns, keyset
//! cursors and pages. Shared by every paged list of the engine.
//!
//! A statement that finds a row by its key and also checks the row's state writes the check
//! so that no index can serve it: `id = $1 AND state || '' = 'active'`, `finished + 0 = 0`.
//! Otherwise PostgreSQL may plan it, while the table is small and has no statistics, as a scan
//! of an index that leads with the state (`tasks_state`: every active task), and a connection
//! keeps that plan for as long as no `ANALYZE` invalidates it (never, with autovacuum off). Its
//! cost then grows with the table: measured on a lifecycle replay, one task completion read
//! 129 index pages after 8 s instead of 3.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};

use crate::error::{EngineError, Result, Text};

pub(crate) mod order;
pub(crate) mod search;

/// Page size when the query asks for none (limit ≤ 0).
pub const DEFAULT_PAGE_SIZE: i64 = 50;
/// Largest page size; larger limits are reduced to it.
pub const MAX_PAGE_SIZE: i64 = 500;

pub use bpmn_core::page::Page;

/// The page size to use for a requested `limit`.
pub(crate) fn page_size(limit: i64) -> i64 {
    if limit <= 0 {
        DEFAULT_PAGE_SIZE
    } else {
        limit.min(MAX_PAGE_SIZE)
    }
}

/// A bind value of a query built at run time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    OptText(Option<String>),
    OptInt(Option<i64>),
}

/// Refuses bind values with the NUL character before they reach the database: PostgreSQL
/// cannot store it (and a literal with it would end a simple query early), SQLite would store
/// what PostgreSQL refuses. Both databases answer alike.
pub(crate) fn refuse_nul(args: &[Arg]) -> Result<()> {
    let nul = args.iter().any(|a| match a {
        Arg::Text(s) | Arg::OptText(Some(s)) => s.contains('\0'),
        _ => false,
    });
    if nul {
        return Err(EngineError::Invalid { field: None, text: crate::error::unstorable_text() });
    }
    Ok(())
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}

impl From<i64> for Arg {
    fn from(i: i64) -> Arg {
        Arg::Int(i)
    }
}

impl From<Option<String>> for Arg {
    fn from(s: Option<String>) -> Arg {
        Arg::OptText(s)
    }
}

impl From<Option<i64>> for Arg {
    fn from(i: Option<i64>) -> Arg {
        Arg::OptInt(i)
    }
}

/// Binds `args` to `sql`, in order.
pub(crate) fn bind_all(sql: &str, args: Vec<Arg>) -> Query<'_, Any, AnyArguments<'_>> {
    let mut query = sqlx::query(sql);
    for a in args {
        query = match a {
            Arg::Text(s) => query.bind(s),
            Arg::Int(i) => query.bind(i),
            Arg::OptText(s) => query.bind(s),
            Arg::OptInt(i) => query.bind(i),
        };
    }
    query
}

/// A row as the engine reads it, from the pool (`AnyRow`) or from a SQLite connection used in
/// place (see `store::direct`): every column the engine stores is text or an integer.
pub(crate) trait Cells {
    /// The text in column `col`, `None` for NULL.
    fn text(&self, col: &str) -> Result<Option<String>>;
    /// The integer in column `col`, `None` for NULL.
    fn int(&self, col: &str) -> Result<Option<i64>>;
}

impl dyn Cells + '_ {
    /// Column `col` as a `T`.
    pub(crate) fn try_get<T: Cell>(&self, col: &str) -> Result<T> {
        T::read(self, col)
    }
}

/// A type a column can be read as: a value the engine stores (text or an integer), or an
/// `Option` of one where NULL is allowed.
pub(crate) trait Cell: Sized {
    fn read(row: &dyn Cells, col: &str) -> Result<Self>;
}

/// A value the engine stores, NULL or not.
pub(crate) trait Stored: Sized {
    fn read_nullable(row: &dyn Cells, col: &str) -> Result<Option<Self>>;
}

impl Stored for String {
    fn read_nullable(row: &dyn Cells, col: &str) -> Result<Option<Self>> {
        row.text(col)
    }
}

impl Stored for i64 {
    fn read_nullable(row: &dyn Cells, col: &str) -> Result<Option<Self>> {
        row.int(col)
    }
}

impl<T: Stored> Cell for T {
    /// A NULL here is a damaged row.
    fn read(row: &dyn Cells, col: &str) -> Result<Self> {
        T::read_nullable(row, col)?.ok_or_else(|| {
            EngineError::Storage(sqlx::Error::ColumnDecode { index: col.to_owned(), source: "unexpected NULL".into() })
        })
    }
}

impl<T: Stored> Cell for Option<T> {
    fn read(row: &dyn Cells, col: &str) -> Result<Self> {
        T::read_nullable(row, col)
    }
}

impl Cells for AnyRow {
    fn text(&self, col: &str) -> Result<Option<String>> {
        Ok(Row::try_get(self, col)?)
    }

    fn int(&self, col: &str) -> Result<Option<i64>> {
        Ok(Row::try_get(self, col)?)
    }
}

/// The most rows one `INSERT` of [`insert_many`] carries. Keeps every statement far below
/// SQLite's 32,766 and PostgreSQL's 65,535 bind values, and gives a large fan-out a few
/// statements of one shape, which SQLite prepares once and reuses.
pub(crate) const ROWS_PER_INSERT: usize = 100;

/// `INSERT INTO table (cols) VALUES (...), (...)` for `rows` of `cols.len()` values each,
/// with the bind values in order: one statement per [`ROWS_PER_INSERT`] rows, none when there
/// are no rows.
pub(crate) fn insert_many(table: &str, cols: &[&str], rows: Vec<Vec<Arg>>) -> Vec<(String, Vec<Arg>)> {
    let mut out = Vec::with_capacity(rows.len().div_ceil(ROWS_PER_INSERT));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
        let mut args = Vec::with_capacity(ROWS_PER_INSERT * cols.len());
        for (r, row) in rows.by_ref().take(ROWS_PER_INSERT).enumerate() {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (c, a) in row.into_iter().enumerate() {
                if c > 0 {
                    sql.push_str(", ");
                }
                args.push(a);
                sql.push('$');
                sql.push_str(&args.len().to_string());
            }
            sql.push(')');
        }
        out.push((sql, args));
    }
    out
}

/// A `WHERE` clause built condition by condition, numbering its placeholders.
#[derive(Default)]
pub(crate) struct Where {
    pub(crate) conditions: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    /// Adds a bind value and returns its placeholder.
    pub(crate) fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    /// Adds a text bind value and returns its placeholder.
    pub(crate) fn text(&mut self, s: impl Into<String>) -> String {
        self.arg(Arg::Text(s.into()))
    }

    /// Adds an integer bind value and returns its placeholder.
    pub(crate) fn int(&mut self, i: i64) -> String {
        self.arg(Arg::Int(i))
    }

    /// Adds a condition.
    pub(crate) fn push(&mut self, condition: impl Into<String>) {
        self.conditions.push(condition.into());
    }

    /// ` WHERE a AND b`, or nothing when there is no condition.
    pub(crate) fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// The bind values of this clause, in order.
    pub(crate) fn into_args(self) -> Vec<Arg> {
        self.args
    }

    /// The query `sql` with every bind value of this clause bound, in order.
    pub(crate) fn bind(self, sql: &str) -> Query<'_, Any, AnyArguments<'_>> {
        bind_all(sql, self.args)
    }
}

/// `%term%` for `LIKE … ESCAPE '\'`, with the wildcards of the term taken literally.
pub(crate) fn like_pattern(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Adds one `LIKE` condition on `column` per word of `text` (all must match).
pub(crate) fn push_search(w: &mut Where, column: &str, text: &str) {
    for term in text.split_whitespace() {
        let p = w.text(like_pattern(&term.to_lowercase()));
        w.push(format!("{column} LIKE {p} ESCAPE '\\'"));
    }
}

/// A keyset cursor as clients see it: hex of the JSON of the last row's sort key. Opaque,
/// safe in URLs, no extra dependency.
pub(crate) fn encode_cursor<T: Serialize>(key: &T) -> String {
    let json = serde_json::to_vec(key).unwrap_or_default();
    json.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a cursor made by [`encode_cursor`]; a damaged one is a 422 on the `cursor` field.
pub(crate) fn decode_cursor<T: DeserializeOwned>(s: &str) -> Result<T> {
    let bad = || EngineError::invalid("cursor", Text::new("run.bad_cursor"));
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return Err(bad());
    }
    let bytes = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = ("name".to_string(), 3_i64, "id".to_string());
        assert_eq!(decode_cursor::<(String, i64, String)>(&encode_cursor(&c)).unwrap(), c);
        for bad in ["", "zz", "abc", "7b7d", "日本"] {
            let err = decode_cursor::<(String, i64, String)>(bad).unwrap_err();
            assert!(matches!(err, EngineError::Invalid { field: Some("cursor"), .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn many_rows_insert_in_statements_of_one_shape() {
        assert!(insert_many("t", &["a", "b"], Vec::new()).is_empty());
        let rows = (0..ROWS_PER_INSERT as i64 * 2 + 1).map(|i| vec![Arg::Int(i), Arg::Int(-i)]).collect();
        let chunks = insert_many("t", &["a", "b"], rows);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].0, chunks[1].0, "full statements share one text");
        assert_eq!(chunks[2].0, "INSERT INTO t (a, b) VALUES ($1, $2)");
        assert_eq!(chunks[1].1[..2], [Arg::Int(ROWS_PER_INSERT as i64), Arg::Int(-(ROWS_PER_INSERT as i64))]);
        assert_eq!(chunks.iter().map(|(_, a)| a.len()).sum::<usize>(), (ROWS_PER_INSERT * 2 + 1) * 2);
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }

    /// The plan a pooled connection keeps is made when the statement is first run, often on a
    /// new, small table without statistics: even then, key lookups with a state check use the
    /// key (with `state = 'active'`, the task completion took `tasks_state`; before the
    /// `fewer_index_entries` migration, `tasks_due`), and one instance's
    /// open tasks come from the instance's index (ordered by `created`, the list walked
    /// `tasks_state` backwards); a token's subscription is deleted through the instance's
    /// index and a message correlated through the correlation index.
    #[tokio::test]
    async fn plans_made_on_empty_tables_use_the_key_on_postgres() {
        use crate::instances::TaskQuery;
        use crate::store::instances::CHILD_OF_TOKEN;
        use crate::store::jobs::{extend_lease, held_condition};
        use crate::store::tasks::{COMPLETE_TASK, REASSIGN_TASK};
        let db = crate::testing::TestDb::postgres().await;
        let (text, int) = (|v: &str| Arg::Text(v.into()), Arg::Int);
        let q = TaskQuery { instance_id: Some("x".into()), limit: 5, ..Default::default() };
        let scan = crate::store::sql::search::SearchPlan::Walk;
        let (list, w) = db.engine.store().task_page_query(None, &q, 0, 5, None, &scan).expect("task list query");
        let cases = [
            (COMPLETE_TASK.to_owned(), vec![int(1), text("a"), int(0), text("x")], "tasks_pkey"),
            (REASSIGN_TASK.to_owned(), vec![text("a"), text("a"), text("a"), text("x")], "tasks_pkey"),
            (extend_lease(&held_condition(2)), vec![int(1), text("x"), text("e"), int(1)], "jobs_pkey"),
            (
                format!("SELECT id FROM process_instances {CHILD_OF_TOKEN}"),
                vec![text("x"), int(0)],
                "process_instances_parent",
            ),
            (list, w.into_args(), "tasks_instance_state"),
            {
                let (sql, args) = crate::store::events::delete_token("x".into(), 1);
                (sql, args, "event_subscriptions_instance")
            },
            {
                let (sql, args) = crate::store::events::receivers_query(Some("t"), "Paid", Some("BK"), None);
                (sql, args, "event_subscriptions_correlation")
            },
        ];
        let mut conn = db.engine.store().pool().acquire().await.expect("connection");
        sqlx::raw_sql("SET plan_cache_mode = force_generic_plan").execute(&mut *conn).await.expect("generic plans");
        for (i, (sql, args, index)) in cases.into_iter().enumerate() {
            let kind = |a: &Arg| if matches!(a, Arg::Int(_) | Arg::OptInt(_)) { "bigint" } else { "text" };
            let value = |a: &Arg| match a {
                Arg::Int(n) | Arg::OptInt(Some(n)) => n.to_string(),
                Arg::Text(t) | Arg::OptText(Some(t)) => format!("'{t}'"),
                Arg::OptInt(None) | Arg::OptText(None) => "NULL".into(),
            };
            let types = args.iter().map(kind).collect::<Vec<_>>().join(", ");
            let values = args.iter().map(value).collect::<Vec<_>>().join(", ");
            sqlx::raw_sql(&format!("PREPARE s{i}({types}) AS {sql}")).execute(&mut *conn).await.expect("prepare");
            let rows =
                sqlx::raw_sql(&format!("EXPLAIN EXECUTE s{i}({values})")).fetch_all(&mut *conn).await.expect("explain");
            let plan: Vec<String> = rows.iter().map(|r| r.try_get::<String, _>(0).expect("plan line")).collect();
            let plan = plan.join("\n");
            assert!(plan.contains(&format!("using {index} ")), "{sql}\n{plan}");
        }
    }
}
