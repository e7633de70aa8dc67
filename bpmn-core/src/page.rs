//! One page of a keyset-paged list, its total and the orders of the run-time lists.

use serde::{Deserialize, Serialize};

use crate::text::Lang;
use crate::time::count_in;

/// The most rows a list counts: more are shown as "10,000+" (a count stops there, so that it
/// stays as fast as a page however many rows match).
pub const TOTAL_CAP: i64 = 10_000;

/// One page of a list and the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `None` on the last page.
    pub next: Option<String>,
    /// How many rows match the list's filters, counted up to [`TOTAL_CAP`] + 1 (more than the
    /// cap: "10,000+"); counted for a first page only (no cursor), `None` otherwise and in lists
    /// that do not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// A total as a list shows it: grouped by thousands, `10,000+` beyond [`TOTAL_CAP`].
pub fn total_in(lang: Lang, total: i64) -> String {
    if total > TOTAL_CAP {
        format!("{}+", count_in(lang, TOTAL_CAP))
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
        assert_eq!(total_in(Lang::En, 1_234), "1,234");
        assert_eq!(total_in(Lang::Zh, TOTAL_CAP), "10,000");
        assert_eq!(total_in(Lang::Zh, TOTAL_CAP + 1), "10,000+");
        assert_eq!(total_in(Lang::En, 0), "0");
    }
}
