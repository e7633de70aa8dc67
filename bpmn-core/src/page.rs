//! One page of a keyset-paged list, its total and the orders of the run-time lists.

use serde::{Deserialize, Serialize};

use crate::text::Lang;
use crate::time::count_in;

/// The most rows a list counts: more are shown as "10,000+" (a count stops there, so that it
/// stays as fast as a page however many rows match).
pub const TOTAL_CAP: i64 = 10_000;

/// The most rows a searched list counts ("1,000+" beyond): a search's words are checked on
/// every row it counts, so its count stops sooner than a plain list's.
pub const SEARCH_TOTAL_CAP: i64 = 1_000;

/// The cap of a list's total: [`SEARCH_TOTAL_CAP`] when it is searched, else [`TOTAL_CAP`].
pub fn total_cap(searched: bool) -> i64 {
    if searched {
        SEARCH_TOTAL_CAP
    } else {
        TOTAL_CAP
    }
}

/// One page of a list and the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `None` on the last page.
    pub next: Option<String>,
    /// How many rows match the list's filters, counted up to [`TOTAL_CAP`] + 1, or
    /// [`SEARCH_TOTAL_CAP`] + 1 for a searched list (more than the cap: "10,000+", "1,000+"); counted for a first page only (no cursor), `None` otherwise and in lists
    /// that do not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// A total as a list shows it: grouped by thousands, `10,000+` beyond [`TOTAL_CAP`] (`1,000+`
/// beyond [`SEARCH_TOTAL_CAP`] when `searched`).
pub fn total_in(lang: Lang, total: i64, searched: bool) -> String {
    let cap = total_cap(searched);
    if total > cap {
        format!("{}+", count_in(lang, cap))
    } else {
        count_in(lang, total)
    }
}

/// The instance list's orders (by start time, end time, process name, state), each way; ties
/// are broken by the id. Instances that have not ended come last in either order by end time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InstanceSort {
    /// Newest first.
    #[default]
    StartedDesc,
    /// Oldest first.
    StartedAsc,
    EndedDesc,
    EndedAsc,
    ProcessAsc,
    ProcessDesc,
    StateAsc,
    StateDesc,
}

/// The task list's orders (by creation, due date, process name), each way; ties are broken by
/// the id. Tasks without a due date come last in either order by due date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TaskOrder {
    /// Newest first; the 逾期 tab lists the most overdue first.
    #[default]
    CreatedDesc,
    CreatedAsc,
    DueAsc,
    DueDesc,
    ProcessAsc,
    ProcessDesc,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_grouped_and_capped() {
        assert_eq!(total_in(Lang::En, 1_234, false), "1,234");
        assert_eq!(total_in(Lang::Zh, TOTAL_CAP, false), "10,000");
        assert_eq!(total_in(Lang::Zh, TOTAL_CAP + 1, false), "10,000+");
        assert_eq!(total_in(Lang::En, 0, false), "0");
        assert_eq!(total_in(Lang::En, SEARCH_TOTAL_CAP, true), "1,000");
        assert_eq!(total_in(Lang::En, SEARCH_TOTAL_CAP + 1, true), "1,000+");
    }
}
