//! The orders of the run-time lists besides their first one (the instance list by end time,
//! process name or state, the task list by creation, due date or process name), each way:
//! keyset pages over an index of (column, id) (migration `list_orders`), ties broken by the id.
//!
//! Rows without a value (an instance not ended, a task without a due date) come last in either
//! direction: a page reads the rows with a value first, in the column's order, then, when it is
//! not full, those without, by id ([`Part`]); each part is one range of the same index (both
//! databases index `NULL`s: `IS NULL` is a range of it), so neither sorts the table. The cursor
//! is the last row's value (`None`: it had none) and id.
//!
//! The list's category is checked on the rows walked (written so that no index serves it): an
//! index of the category would have the planner read every row of the category and sort them.
//!
//! A search walks the first rows of the order before it asks the index, as the first order does
//! (`sql::search`): up to the value and id of the last row to walk ([`Keyset::push_end`]); when
//! the page does not fill there, the index's candidates are sorted.
//!
//! A list's total ([`Store::capped_count`]) counts the rows of its filters up to
//! [`TOTAL_CAP`] + 1 ([`SEARCH_TOTAL_CAP`] + 1 for a search, whose words are checked on each
//! row counted), without an order, so that it costs at most that many index entries (the
//! console shows "10,000+", "1,000+" beyond).

use serde::{Deserialize, Serialize};

use bpmn_core::page::{SEARCH_TOTAL_CAP, TOTAL_CAP};

use super::{Arg, Where};
use crate::error::{EngineError, Result, Text};
use crate::store::Store;

/// The rows of a list's first order a total walks for a search whose words are frequent (its
/// page filled in the first walk), checking the words on each, before it counts through the
/// index instead: a word in a twentieth of the rows reaches the search's cap within them.
pub(crate) const WALK_COUNT_ROWS: i64 = 20_000;

/// How far a searched list's total counts: up to `search_cap` + 1, walking up to `walk_rows`
/// rows of the list's order first when the words are frequent.
#[derive(Debug, Clone, Copy)]
pub struct TotalLimits {
    pub search_cap: i64,
    pub walk_rows: i64,
}

impl TotalLimits {
    /// What the lists count.
    pub const NOW: TotalLimits = TotalLimits { search_cap: SEARCH_TOTAL_CAP, walk_rows: WALK_COUNT_ROWS };
    /// What they counted before a search had a cap of its own (the benchmark compares the two).
    pub const BEFORE: TotalLimits = TotalLimits { search_cap: TOTAL_CAP, walk_rows: 100_000 };
}

impl Store {
    /// How many rows `from` (with its alias) holds under `w`, up to `cap` + 1
    /// ([`bpmn_core::page::total_cap`]). `persistent`: the statement's plan is kept (a search's
    /// are made for their values, see `sql::search`).
    pub(crate) async fn capped_count(&self, from: &str, w: Where, persistent: bool, cap: i64) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) AS n FROM (SELECT 1 FROM {from}{} LIMIT {}) c", w.sql(), cap + 1);
        let row = w.bind(&sql).persistent(persistent).fetch_one(&self.pool).await?;
        (&row as &dyn super::Cells).try_get::<i64>("n")
    }
}

/// A sort value in a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Key {
    Int(i64),
    Text(String),
}

/// The cursor of a [`Keyset`] order: the last row's value (`None`: it had none) and its id.
pub(crate) type KeyCursor = (Option<Key>, String);

/// An order by `column`, then `id` (both with the table's alias).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keyset {
    pub column: &'static str,
    pub id: &'static str,
    pub desc: bool,
    /// The column holds text (else integers).
    pub text: bool,
    /// Whether the list can hold rows with a value, and rows without (a category may rule
    /// either out: no part is read for it).
    pub values: bool,
    pub nulls: bool,
    /// A page's or a walk's bound is one row value, `(column, id) > (…)` (SQLite: it then bounds
    /// the index's range by both, where by the value alone a value many rows share, such as a
    /// process name, left all of them in the range); else the value's bound and the exact
    /// condition apart (PostgreSQL plans that form better).
    pub row_values: bool,
}

/// The rows of a [`Keyset`] order one statement reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The rows with a value, by value and id.
    Values,
    /// The rows without, by id.
    Nulls,
}

impl Keyset {
    /// The parts a page after `cursor` reads, in order.
    pub(crate) fn parts(&self, cursor: Option<&KeyCursor>) -> Vec<Part> {
        let mut parts = Vec::new();
        if self.values && !matches!(cursor, Some((None, _))) {
            parts.push(Part::Values);
        }
        if self.nulls {
            parts.push(Part::Nulls);
        }
        parts
    }

    /// Adds the conditions of `part` after `cursor` to `w` and answers its `ORDER BY` (without the
    /// keyword). `sorted`: the rows come from elsewhere (the search index's candidates, one
    /// instance's tasks) and are sorted, so the order is written so that no index gives it
    /// (PostgreSQL would otherwise walk the order's index instead). A cursor whose value is not
    /// of the column's kind is refused as damaged.
    pub(crate) fn push(&self, w: &mut Where, part: Part, cursor: Option<&KeyCursor>, sorted: bool) -> Result<String> {
        let (cmp, dir) = if self.desc { ("<", "DESC") } else { (">", "ASC") };
        let (col, id) = (self.column, self.id);
        match part {
            Part::Values => {
                w.push(format!("{col} IS NOT NULL"));
                if let Some((Some(key), after)) = cursor {
                    let arg = match (key, self.text) {
                        (Key::Int(n), false) => Arg::Int(*n),
                        (Key::Text(s), true) => Arg::Text(s.clone()),
                        _ => return Err(EngineError::invalid("cursor", Text::new("run.bad_cursor"))),
                    };
                    self.push_bound(w, cmp, "", arg, after);
                }
            }
            Part::Nulls => {
                w.push(format!("{col} IS NULL"));
                if let Some((None, after)) = cursor {
                    let i1 = w.text(after.as_str());
                    w.push(format!("{id} {cmp} {i1}"));
                }
            }
        }
        // The same order in both parts: without a value, the column's place in the index is the
        // same for every row, so the index gives the ids' order there (PostgreSQL does not take
        // `IS NULL` for a constant, it needs the column named).
        let col = if !sorted {
            col.to_owned()
        } else if self.text {
            format!("{col} || ''")
        } else {
            format!("{col} + 0")
        };
        Ok(format!("{col} {dir}, {id} {dir}"))
    }
}

impl Keyset {
    /// Adds to `w` that a row's (value, id) is `cmp` (`<` or `>`, then `eq`: `=` or nothing)
    /// `(key, id)`: one row value ([`Keyset::row_values`]), or a bound of the index's range by
    /// the value and the exact condition.
    fn push_bound(&self, w: &mut Where, cmp: &str, eq: &str, key: Arg, id: &str) {
        let (col, id_col) = (self.column, self.id);
        if self.row_values {
            let (k, i) = (w.arg(key), w.text(id));
            w.push(format!("({col}, {id_col}) {cmp}{eq} ({k}, {i})"));
        } else {
            let (k0, k1, k2) = (w.arg(key.clone()), w.arg(key.clone()), w.arg(key));
            let i = w.text(id);
            w.push(format!("{col} {cmp}= {k0}"));
            w.push(format!("({col} {cmp} {k1} OR ({col} = {k2} AND {id_col} {cmp}{eq} {i}))"));
        }
    }

    /// Adds to `w` that a row of `part` comes no later than `end` (inclusive): where a search's
    /// first walk ends (see `sql::search`). Nothing for an end in the other part.
    pub(crate) fn push_end(&self, w: &mut Where, part: Part, end: &KeyCursor) {
        let cmp = if self.desc { ">" } else { "<" };
        let id = self.id;
        match (part, end) {
            (Part::Values, (Some(key), last)) => {
                let arg = match key {
                    Key::Int(n) => Arg::Int(*n),
                    Key::Text(s) => Arg::Text(s.clone()),
                };
                self.push_bound(w, cmp, "=", arg, last);
            }
            (Part::Nulls, (None, last)) => {
                let i1 = w.text(last.as_str());
                w.push(format!("{id} {cmp}= {i1}"));
            }
            _ => {}
        }
    }

    /// The statement reading the value and id of the `n`-th row of `order` in `from` under `w`
    /// (see [`Store::keyset_end`]).
    pub(crate) fn end_query(&self, from: &str, w: &Where, order: &str, n: i64) -> String {
        format!(
            "SELECT {} AS k, {} AS i FROM {from}{} ORDER BY {order} LIMIT 1 OFFSET {}",
            self.column,
            self.id,
            w.sql(),
            (n - 1).max(0)
        )
    }
}

impl Store {
    /// The row [`Keyset::end_query`] reads (`None`: there are fewer rows), planned for its values
    /// each time on PostgreSQL (as `Store::walk_end`).
    pub(crate) async fn keyset_end(&self, keyset: &Keyset, sql: &str, w: Where) -> Result<Option<KeyCursor>> {
        let row = w.bind(sql).persistent(false).fetch_optional(&self.pool).await?;
        let Some(row) = row else { return Ok(None) };
        let r = &row as &dyn super::Cells;
        let key = if keyset.text {
            r.try_get::<Option<String>>("k")?.map(Key::Text)
        } else {
            r.try_get::<Option<i64>>("k")?.map(Key::Int)
        };
        Ok(Some((key, r.try_get::<String>("i")?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(desc: bool) -> Keyset {
        Keyset { column: "t.due", id: "t.id", desc, text: false, values: true, nulls: true, row_values: false }
    }

    #[test]
    fn a_page_reads_the_values_then_the_rows_without() {
        let k = due(false);
        assert_eq!(k.parts(None), [Part::Values, Part::Nulls]);
        assert_eq!(k.parts(Some(&(Some(Key::Int(5)), "a".into()))), [Part::Values, Part::Nulls]);
        assert_eq!(k.parts(Some(&(None, "a".into()))), [Part::Nulls]);
        let only_values = Keyset { nulls: false, ..k };
        assert_eq!(only_values.parts(None), [Part::Values]);
    }

    #[test]
    fn conditions_and_orders_follow_the_direction() {
        let mut w = Where::default();
        let order = due(true).push(&mut w, Part::Values, Some(&(Some(Key::Int(5)), "a".into())), false).unwrap();
        assert_eq!(order, "t.due DESC, t.id DESC");
        let range = "(t.due < $2 OR (t.due = $3 AND t.id < $4))";
        assert_eq!(w.conditions, ["t.due IS NOT NULL", "t.due <= $1", range]);
        let mut w = Where::default();
        let order = due(false).push(&mut w, Part::Nulls, Some(&(None, "a".into())), true).unwrap();
        assert_eq!(order, "t.due + 0 ASC, t.id ASC");
        assert_eq!(w.conditions, ["t.due IS NULL", "t.id > $1"]);
    }

    #[test]
    fn a_cursor_of_the_wrong_kind_is_refused() {
        let mut w = Where::default();
        let bad = due(false).push(&mut w, Part::Values, Some(&(Some(Key::Text("x".into())), "a".into())), false);
        assert!(bad.is_err());
    }
}
