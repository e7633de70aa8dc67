//! The statements of user task rows: tasks created by a step, completed, cancelled,
//! reassigned or deleted; the reads of task rows that commands decide on, and the task
//! list's keyset pages.

use sqlx::Row;

use super::instances::{prefixed_instance_columns, tenant_filter, InstanceRow};
use super::{Backend, Store};
use crate::error::Result;
use crate::instances::{InstanceStatus, Task, TaskCategory, TaskOrder, TaskQuery, TaskState};
use crate::rules::NextStep;
use crate::store::sql::order::{Key, KeyCursor, Keyset, Part, TotalLimits};
use crate::store::sql::search::{walk_rows, Search, SearchPlan, SearchText, TASKS};
use crate::store::sql::{decode_cursor, encode_cursor, insert_many, like_pattern, Arg, Cells, Where};
use bpmn_core::page::TOTAL_CAP;

/// Completes a task that is still active: a task is completed once, even when its token waits
/// in the same activity again (a loop back to it). By key only (see the `sql` module).
pub(crate) const COMPLETE_TASK: &str = "UPDATE tasks SET state = 'completed', end_reason = 'completed', \
     end_time = $1, completed_by = $2, withdrawable = $3, revision = revision + 1 WHERE id = $4 AND state || '' = 'active'";

/// Sets the assignee of a task that is still active, by key only (see the `sql` module).
pub(crate) const REASSIGN_TASK: &str = "UPDATE tasks SET assignee = $1, search_text = $2, search_grams = $3, \
     revision = revision + 1 WHERE id = $4 AND state || '' = 'active'";

/// A new user task row.
#[derive(Debug)]
pub(crate) struct NewTask {
    pub id: String,
    pub tenant_id: String,
    pub instance_id: String,
    pub token: i64,
    pub activity_id: String,
    pub name: String,
    /// What the task list's search box looks in, and its tokens (`sql::search::task_search`).
    pub search: SearchText,
    pub definition_name: String,
    pub assignee: Option<String>,
    /// JSON arrays.
    pub candidate_users: String,
    pub candidate_groups: String,
    pub priority: i64,
    pub form_key: Option<String>,
    pub created: i64,
    pub due: Option<i64>,
    /// The task whose completion created this one (for withdrawal).
    pub created_by_task: Option<String>,
    /// The order tasks of one instance are shown in.
    pub seq: i64,
}

impl NewTask {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "instance_id",
        "token",
        "activity_id",
        "name",
        "search_text",
        "search_grams",
        "definition_name",
        "assignee",
        "candidate_users",
        "candidate_groups",
        "priority",
        "form_key",
        "created",
        "due",
        "created_by_task",
        "state",
        "seq",
    ];

    /// The statements inserting `rows`, active (see [`insert_many`]).
    pub(super) fn insert(rows: Vec<NewTask>) -> Vec<(String, Vec<Arg>)> {
        insert_many("tasks", NewTask::COLUMNS, rows.into_iter().map(NewTask::into_args).collect())
    }

    fn into_args(self) -> Vec<Arg> {
        vec![
            Arg::Text(self.id),
            Arg::Text(self.tenant_id),
            Arg::Text(self.instance_id),
            Arg::Int(self.token),
            Arg::Text(self.activity_id),
            Arg::Text(self.name),
            Arg::Text(self.search.text),
            Arg::Text(self.search.grams),
            Arg::Text(self.definition_name),
            Arg::OptText(self.assignee),
            Arg::Text(self.candidate_users),
            Arg::Text(self.candidate_groups),
            Arg::Int(self.priority),
            Arg::OptText(self.form_key),
            Arg::Int(self.created),
            Arg::OptInt(self.due),
            Arg::OptText(self.created_by_task),
            Arg::Text("active".into()),
            Arg::Int(self.seq),
        ]
    }
}

/// A task's completion by `actor` at `at` ([`COMPLETE_TASK`]).
#[derive(Debug)]
pub(crate) struct TaskCompletion {
    pub task_id: String,
    pub at: i64,
    pub actor: String,
    /// Whether the completion may be withdrawn later (see `rules::completion_is_withdrawable`).
    pub withdrawable: bool,
}

impl TaskCompletion {
    pub(super) fn statement(self) -> (String, Vec<Arg>) {
        (
            COMPLETE_TASK.to_owned(),
            vec![Arg::Int(self.at), Arg::Text(self.actor), Arg::Int(self.withdrawable as i64), Arg::Text(self.task_id)],
        )
    }
}

/// Cancels the active tasks of a token.
pub(super) fn cancel_token_tasks(instance_id: String, token: i64, at: i64, reason: &str) -> (String, Vec<Arg>) {
    (
        "UPDATE tasks SET state = 'cancelled', end_reason = $1, end_time = $2, revision = revision + 1 \
         WHERE instance_id = $3 AND token = $4 AND state = 'active'"
            .into(),
        vec![Arg::from(reason), Arg::Int(at), Arg::Text(instance_id), Arg::Int(token)],
    )
}

/// Gives an active task to `assignee` ([`REASSIGN_TASK`]).
pub(super) fn reassign(task_id: String, assignee: String, search: SearchText) -> (String, Vec<Arg>) {
    (
        REASSIGN_TASK.into(),
        vec![Arg::Text(assignee), Arg::Text(search.text), Arg::Text(search.grams), Arg::Text(task_id)],
    )
}

/// Sets who a task is assigned to, its owner and its delegation state, as Camunda's claim,
/// unclaim, set-assignee, delegate and resolve do; only while the task is active.
#[derive(Debug)]
pub(crate) struct TaskAssignment {
    pub task_id: String,
    pub assignee: Option<String>,
    pub owner: Option<String>,
    pub delegation_state: Option<String>,
    /// What the task list's search box looks in, and its tokens (`sql::search::task_search`).
    pub search: SearchText,
}

impl TaskAssignment {
    pub(super) fn statement(self) -> (String, Vec<Arg>) {
        (
            "UPDATE tasks SET assignee = $1, owner = $2, delegation_state = $3, search_text = $4, \
             search_grams = $5, revision = revision + 1 WHERE id = $6 AND state || '' = 'active'"
                .into(),
            vec![
                Arg::OptText(self.assignee),
                Arg::OptText(self.owner),
                Arg::OptText(self.delegation_state),
                Arg::Text(self.search.text),
                Arg::Text(self.search.grams),
                Arg::Text(self.task_id),
            ],
        )
    }
}

/// Removes a task row.
pub(super) fn delete(task_id: String) -> (String, Vec<Arg>) {
    ("DELETE FROM tasks WHERE id = $1".into(), vec![Arg::Text(task_id)])
}

impl Store {
    /// Whether the completion of task `task_id` was marked withdrawable, and the tasks it
    /// created.
    pub(crate) async fn completion_followers(&self, task_id: &str) -> Result<(bool, Vec<NextStep>)> {
        let row =
            sqlx::query("SELECT withdrawable FROM tasks WHERE id = $1").bind(task_id).fetch_one(&self.pool).await?;
        let next = sqlx::query("SELECT id, name, token, state, completed_by FROM tasks WHERE created_by_task = $1")
            .bind(task_id)
            .fetch_all(&self.pool)
            .await?;
        let next = next
            .iter()
            .map(|r| {
                Ok(NextStep {
                    name: r.try_get("name")?,
                    token: r.try_get("token")?,
                    active: r.try_get::<String, _>("state")? == "active",
                    completed_by: r.try_get("completed_by")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((row.try_get::<i64, _>("withdrawable")? != 0, next))
    }

    /// The name of person `id` in the organisation of `tenant_id`: whom a task can be given to.
    pub(crate) async fn person_name(&self, tenant_id: &str, id: &str) -> Result<Option<String>> {
        let person = sqlx::query("SELECT name FROM people WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(tenant_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match person {
            Some(p) => Some(p.try_get("name")?),
            None => None,
        })
    }
}

/// The columns of a task as listed ([`task_from_row`]), with the token that waits in it.
macro_rules! task_columns {
    () => {
        "SELECT t.id, t.tenant_id, t.name, t.activity_id, t.instance_id, t.definition_name, \
         t.assignee, pe.name AS assignee_name, t.candidate_users, t.candidate_groups, t.priority, t.form_key, t.created, \
         t.due, t.end_time, t.state, t.end_reason, t.completed_by, t.revision, t.token, i.state AS instance_state"
    };
}

/// What a task as listed joins: its instance (for the instance's state) and the assignee's
/// name in the organisation.
macro_rules! task_joins {
    () => {
        " JOIN process_instances i ON i.id = t.instance_id LEFT JOIN people pe ON pe.id = t.assignee"
    };
}

/// A page of tasks (`limit` rows under `conditions`, in `order`) from the search index's
/// candidates `source`: SQLite reads the candidates first (`CROSS JOIN` keeps that order); the
/// instance and the assignee's name are read for the page's rows only.
fn page_from_candidates(source: &str, conditions: &str, order: &str, limit: &str) -> String {
    let (columns, joins) = (task_columns!(), task_joins!());
    format!(
        "{columns} FROM (SELECT t.rowid AS r FROM {source} CROSS JOIN tasks t ON t.rowid = s.r{conditions} \
         ORDER BY {order} LIMIT {limit}) p CROSS JOIN tasks t ON t.rowid = p.r{joins} ORDER BY {order}"
    )
}

/// The tasks a list finds: its query as of `now` in `tenant`, the prepared search and the query
/// of the index when the search goes through it.
#[derive(Clone, Copy)]
struct TaskFound<'a> {
    tenant: Option<&'a str>,
    q: &'a TaskQuery,
    now: i64,
    search: Option<&'a Search>,
    index: Option<&'a str>,
}

/// A task as listed.
const TASK_SELECT: &str = concat!(task_columns!(), " FROM tasks t", task_joins!());

/// [`TASK_SELECT`] with SQLite told to find the tasks through the instance's index (see
/// [`Store::task_page_query`]).
const TASK_SELECT_BY_INSTANCE: &str =
    concat!(task_columns!(), " FROM tasks t INDEXED BY tasks_instance", task_joins!());

// After the macros above, which it uses.
mod filter;

fn task_from_row(r: &dyn Cells, now: i64) -> Result<Task> {
    let state = TaskState::parse(&r.try_get::<String>("state")?);
    let due: Option<i64> = r.try_get("due")?;
    let list =
        |col: &str| -> Result<Vec<String>> { Ok(serde_json::from_str(&r.try_get::<String>(col)?).unwrap_or_default()) };
    Ok(Task {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        name: r.try_get("name")?,
        activity_id: r.try_get("activity_id")?,
        instance_id: r.try_get("instance_id")?,
        definition_name: r.try_get("definition_name")?,
        assignee: r.try_get("assignee")?,
        assignee_name: r.try_get("assignee_name")?,
        candidate_users: list("candidate_users")?,
        candidate_user_names: Vec::new(),
        candidate_groups: list("candidate_groups")?,
        priority: r.try_get("priority")?,
        form_key: r.try_get("form_key")?,
        created: r.try_get("created")?,
        due,
        end_time: r.try_get("end_time")?,
        overdue: state == TaskState::Active && due.is_some_and(|d| d < now),
        state,
        end_reason: r.try_get("end_reason")?,
        completed_by: r.try_get("completed_by")?,
        instance_state: InstanceStatus::parse(&r.try_get::<String>("instance_state")?),
        revision: r.try_get("revision")?,
    })
}

impl Store {
    /// One page of the task list in `tenant` (all when `None`) as of `now`: `limit + 1` rows,
    /// so that the caller sees whether there is a next page. A search walks the first rows of the
    /// list's order, then asks the index (see `sql::search`); `true` when the first walk filled
    /// the page (the words are frequent: see `Store::task_total`).
    pub(crate) async fn task_page(
        &self,
        tenant: Option<&str>,
        q: &TaskQuery,
        now: i64,
        limit: i64,
    ) -> Result<(Vec<Task>, bool)> {
        if let Some(keyset) = task_keyset(q) {
            let keyset = Keyset { row_values: self.backend() == Backend::Sqlite, ..keyset };
            return self.task_page_sorted(tenant, q, now, limit, keyset).await;
        }
        let (page, plan) = self.task_page_planned(tenant, q, now, limit, Some(walk_rows(limit + 1))).await?;
        Ok((page, plan == "first"))
    }

    /// [`Store::task_page`] and the plan that made the page: a search walks the first `first`
    /// rows of the list's order before it asks the index; with `None`, it walks the whole order
    /// whatever the index would find (how every search ran before the index; the benchmarks
    /// compare the two).
    pub(crate) async fn task_page_planned(
        &self,
        tenant: Option<&str>,
        q: &TaskQuery,
        now: i64,
        limit: i64,
        first: Option<i64>,
    ) -> Result<(Vec<Task>, &'static str)> {
        let search = match &q.search {
            Some(s) => self.prepare_search(TASKS, tenant, s).await?,
            None => None,
        };
        if let (Some(s), None, Some(rows)) = (&search, &q.instance_id, first) {
            let (sql, w) = task_walk_end(q, now, rows)?;
            let end = self.walk_end(&sql, w.into_args()).await?;
            let plan = SearchPlan::WalkFirst(end);
            let page = self.run_task_page(tenant, q, now, limit, Some(s), &plan).await?;
            // A full page, or every row of the order walked.
            if page.len() as i64 > limit || end.is_none() {
                return Ok((page, plan.label()));
            }
            if let Some(query) = self.index_query(s).await? {
                let plan = SearchPlan::Index(query);
                return Ok((self.run_task_page(tenant, q, now, limit, Some(s), &plan).await?, plan.label()));
            }
        }
        let plan = SearchPlan::Walk;
        Ok((self.run_task_page(tenant, q, now, limit, search.as_ref(), &plan).await?, plan.label()))
    }

    /// Runs [`Store::task_page_query`].
    async fn run_task_page(
        &self,
        tenant: Option<&str>,
        q: &TaskQuery,
        now: i64,
        limit: i64,
        search: Option<&Search>,
        plan: &SearchPlan,
    ) -> Result<Vec<Task>> {
        let (sql, w) = self.task_page_query(tenant, q, now, limit, search, plan)?;
        if q.instance_id.is_some() {
            // One instance's tasks: a few rows by key, read in place.
            self.fetch(&sql, w.into_args(), |r| task_from_row(r, now)).await
        } else {
            // A search's plans are made for their values each time on PostgreSQL (see
            // `sql::search`); the list keeps its prepared plan.
            let persistent = *plan == SearchPlan::Walk;
            let rows = w.bind(&sql).persistent(persistent).fetch_all(&self.pool).await?;
            rows.iter().map(|r| task_from_row(r, now)).collect()
        }
    }

    /// The query of one page of tasks (`limit + 1` rows) and its values; `search` is the
    /// prepared `q.search`, made by `plan`.
    pub(crate) fn task_page_query(
        &self,
        tenant: Option<&str>,
        q: &TaskQuery,
        now: i64,
        limit: i64,
        search: Option<&Search>,
        plan: &SearchPlan,
    ) -> Result<(String, Where)> {
        let mut w = Where::default();
        tenant_filter(&mut w, tenant, "t");
        // From the index's candidates, the state is checked on them: an index of the states
        // would add (PostgreSQL: `BitmapAnd`) every active task to read.
        let state = if matches!(plan, SearchPlan::Index(_)) { "t.state || ''" } else { "t.state" };
        push_task_range(&mut w, q, now, state)?;
        push_task_filters(&mut w, q);
        let (col, _, dir, lead) = task_order(q.category);
        let l = w.int(limit + 1);
        let order = format!("{lead}{col} {dir}, t.id {dir}");
        match (search, plan) {
            (Some(s), SearchPlan::WalkFirst(end)) => {
                // The walk below, up to the key of the order's last row to walk (see
                // `sql::search`).
                if let Some(end) = end {
                    let p = w.int(*end);
                    w.push(format!("{col} {} {p}", if dir == "DESC" { ">=" } else { "<=" }));
                }
                s.push_checks(&mut w);
            }
            (Some(s), SearchPlan::Index(query)) => {
                // The page's tasks come from the index's candidates, sorted; the instance and the
                // assignee's name are read for the page's rows only. SQLite reads the candidates
                // first (`CROSS JOIN` keeps that order); on PostgreSQL an order no index gives
                // (`+ 0`) leaves the GIN index as the way to them.
                let source = s.push_index(&mut w, self.backend(), query);
                s.push_checks(&mut w);
                let (columns, joins) = (task_columns!(), task_joins!());
                let sql = match source {
                    Some(source) => page_from_candidates(&source, &w.sql(), &order, &l),
                    None => format!(
                        "{columns} FROM (SELECT t.id FROM tasks t{} ORDER BY {lead}{col} + 0 {dir}, t.id {dir} \
                         LIMIT {l}) p JOIN tasks t ON t.id = p.id{joins} ORDER BY {order}",
                        w.sql()
                    ),
                };
                return Ok((sql, w));
            }
            (Some(s), SearchPlan::Walk) => s.push_checks(&mut w),
            (None, _) => {}
        }
        // One instance's tasks come from its index, then are sorted (they are few): walking the
        // category's order instead (every active task, say) looking for them grows with the
        // table. SQLite takes a hint; on PostgreSQL an order no index gives (`+ 0`) leaves the
        // instance index as the only good plan, even for a plan made while the table was small.
        let (select, order) = match (&q.instance_id, self.backend()) {
            (Some(_), Backend::Sqlite) => (TASK_SELECT_BY_INSTANCE, col.to_owned()),
            (Some(_), Backend::Postgres) => (TASK_SELECT, format!("{col} + 0")),
            (None, _) => (TASK_SELECT, col.to_owned()),
        };
        let sql = format!("{select}{} ORDER BY {lead}{order} {dir}, t.id {dir} LIMIT {l}", w.sql());
        Ok((sql, w))
    }

    /// One page of the task list in an order by a column ([`task_keyset`]): `limit + 1` rows.
    /// A search walks the first rows of the order, then reads the index's candidates and sorts
    /// them (see `sql::order`), or walks the whole order when the index cannot serve it.
    async fn task_page_sorted(
        &self,
        tenant: Option<&str>,
        q: &TaskQuery,
        now: i64,
        limit: i64,
        keyset: Keyset,
    ) -> Result<(Vec<Task>, bool)> {
        let search = match &q.search {
            Some(s) => self.prepare_search(TASKS, tenant, s).await?,
            None => None,
        };
        let index = match (&search, &q.instance_id) {
            (Some(s), None) => self.index_query(s).await?,
            _ => None,
        };
        let cursor: Option<KeyCursor> = q.cursor.as_deref().map(decode_cursor).transpose()?;
        let found = TaskFound { tenant, q, now, search: search.as_ref(), index: index.as_deref() };
        // The first walk: the order's rows alone, then checked for the search's words.
        let walked = TaskFound { index: None, ..found };
        let mut page = Vec::new();
        let mut dense = false;
        for part in keyset.parts(cursor.as_ref()) {
            let rows = limit + 1 - page.len() as i64;
            let read = if found.index.is_none() {
                let (sql, w) = self.task_sorted_query(&found, rows, keyset, part, cursor.as_ref(), None)?;
                w.bind(&sql).persistent(search.is_none()).fetch_all(&self.pool).await?
            } else {
                let plain = TaskFound { search: None, ..walked };
                let (sql, w) = self.task_sorted_end(&plain, walk_rows(limit + 1), keyset, part, cursor.as_ref())?;
                let end = self.keyset_end(&keyset, &sql, w).await?;
                let (sql, w) = self.task_sorted_query(&walked, rows, keyset, part, cursor.as_ref(), end.as_ref())?;
                let first = w.bind(&sql).persistent(false).fetch_all(&self.pool).await?;
                if first.len() as i64 >= rows || end.is_none() {
                    dense = end.is_some();
                    first
                } else {
                    let (sql, w) = self.task_sorted_query(&found, rows, keyset, part, cursor.as_ref(), None)?;
                    w.bind(&sql).persistent(false).fetch_all(&self.pool).await?
                }
            };
            for r in &read {
                page.push(task_from_row(r, now)?);
            }
            if page.len() as i64 > limit {
                break;
            }
        }
        Ok((page, dense))
    }

    /// The statement reading where the first walk of `part` after `cursor` ends: its `n`-th row.
    fn task_sorted_end(
        &self,
        found: &TaskFound,
        n: i64,
        keyset: Keyset,
        part: Part,
        cursor: Option<&KeyCursor>,
    ) -> Result<(String, Where)> {
        let mut w = Where::default();
        // The state as it is on PostgreSQL, so that it knows how many rows it keeps (with the
        // state hidden it guesses few, and sorts the table rather than walk the order's index);
        // checked on SQLite, which would otherwise read the state's index and sort its rows.
        self.task_conditions(found, self.backend() == Backend::Sqlite, &mut w);
        let order = keyset.push(&mut w, part, cursor, false)?;
        Ok((keyset.end_query("tasks t", &w, &order, n), w))
    }

    /// The conditions of the tasks `found` matches (without a cursor; `checked`: the state
    /// written so that no index serves it) and, for a search through the index, SQLite's
    /// subquery of the candidates (see `Search::push_index`).
    fn task_conditions(&self, found: &TaskFound, checked: bool, w: &mut Where) -> Option<String> {
        tenant_filter(w, found.tenant, "t");
        let state = if checked { "t.state || ''" } else { "t.state" };
        push_task_category(w, found.q.category, found.now, state);
        push_task_filters(w, found.q);
        let source = match (found.search, found.index) {
            (Some(s), Some(query)) => s.push_index(w, self.backend(), query),
            _ => None,
        };
        if let Some(s) = found.search {
            s.push_checks(w);
        }
        source
    }

    /// One statement of [`Store::task_page_sorted`]: `rows` rows of `part` after `cursor`, up to
    /// `end` when given.
    fn task_sorted_query(
        &self,
        found: &TaskFound,
        rows: i64,
        keyset: Keyset,
        part: Part,
        cursor: Option<&KeyCursor>,
        end: Option<&KeyCursor>,
    ) -> Result<(String, Where)> {
        let mut w = Where::default();
        // The state is checked on the rows of the order's index.
        let source = self.task_conditions(found, true, &mut w);
        let sorted = found.index.is_some() || found.q.instance_id.is_some();
        let order = keyset.push(&mut w, part, cursor, sorted)?;
        if let Some(end) = end {
            keyset.push_end(&mut w, part, end);
        }
        let l = w.int(rows);
        let (columns, joins) = (task_columns!(), task_joins!());
        // As `task_page_query` does: the page's rows first, then what they join.
        let sql = match source {
            Some(source) => page_from_candidates(&source, &w.sql(), &order, &l),
            None if found.index.is_some() => format!(
                "{columns} FROM (SELECT t.id FROM tasks t{} ORDER BY {order} LIMIT {l}) p JOIN tasks t ON t.id = p.id\
                 {joins} ORDER BY {order}",
                w.sql()
            ),
            None => {
                let select = match (&found.q.instance_id, self.backend()) {
                    (Some(_), Backend::Sqlite) => TASK_SELECT_BY_INSTANCE,
                    _ => TASK_SELECT,
                };
                format!("{select}{} ORDER BY {order} LIMIT {l}", w.sql())
            }
        };
        Ok((sql, w))
    }

    /// How many tasks of the list of `q` there are in `tenant` as of `now`, counted up to
    /// [`total_cap`] + 1 without an order. A search counts what the
    /// index's candidates hold (all the rows it finds), or walks the table when the index cannot
    /// serve it, as the page does; `dense`: the page filled in its first walk, so the words are
    /// frequent, and the first rows of the list's first order are counted first (see [`TotalLimits`]).
    pub(crate) async fn task_total(&self, tenant: Option<&str>, q: &TaskQuery, now: i64, dense: bool) -> Result<i64> {
        self.task_total_within(tenant, q, now, dense, TotalLimits::NOW).await
    }

    /// [`Store::task_total`] within `limits`.
    pub(crate) async fn task_total_within(
        &self,
        tenant: Option<&str>,
        q: &TaskQuery,
        now: i64,
        dense: bool,
        limits: TotalLimits,
    ) -> Result<i64> {
        let search = match &q.search {
            Some(s) => self.prepare_search(TASKS, tenant, s).await?,
            None => None,
        };
        if let (Some(s), true, None) = (&search, dense, &q.instance_id) {
            // Frequent words: the first rows of the list's first order reach the cap soon, their
            // candidates in the index would be many. Up to the key of its `WALK_COUNT_ROWS`-th row.
            let (sql, w) = task_walk_end(&TaskQuery { cursor: None, ..q.clone() }, now, limits.walk_rows)?;
            let end = self.walk_end(&sql, w.into_args()).await?;
            let mut w = Where::default();
            tenant_filter(&mut w, tenant, "t");
            push_task_category(&mut w, q.category, now, "t.state");
            push_task_filters(&mut w, q);
            if let Some(end) = end {
                let (col, _, dir, _) = task_order(q.category);
                let p = w.int(end);
                w.push(format!("{col} {} {p}", if dir == "DESC" { ">=" } else { "<=" }));
            }
            s.push_checks(&mut w);
            let n = self.capped_count("tasks t", w, false, limits.search_cap).await?;
            if n > limits.search_cap || end.is_none() {
                return Ok(n);
            }
        }
        let index = match (&search, &q.instance_id) {
            (Some(s), None) => self.index_query(s).await?,
            _ => None,
        };
        let mut w = Where::default();
        let found = TaskFound { tenant, q, now, search: search.as_ref(), index: index.as_deref() };
        let source = self.task_conditions(&found, index.is_some(), &mut w);
        let from = match source {
            Some(source) => format!("{source} CROSS JOIN tasks t ON t.rowid = s.r"),
            None => "tasks t".to_owned(),
        };
        let cap = if search.is_some() { limits.search_cap } else { TOTAL_CAP };
        self.capped_count(&from, w, search.is_none(), cap).await
    }

    /// One task as of `now` and the token that waits in it.
    pub(crate) async fn task_with_token(&self, id: &str, now: i64) -> Result<Option<(Task, i64)>> {
        let sql = concat!(task_columns!(), " FROM tasks t", task_joins!(), " WHERE t.id = $1");
        self.fetch_optional(sql, vec![Arg::from(id)], |r| Ok((task_from_row(r, now)?, r.try_get::<i64>("token")?)))
            .await
    }

    /// One task as of `now`, the token that waits in it and its instance as a command reads
    /// it, in one query.
    pub(crate) async fn task_for_command(&self, id: &str, now: i64) -> Result<Option<(Task, i64, InstanceRow)>> {
        let sql = format!(
            "{}, {} FROM tasks t{} WHERE t.id = $1",
            task_columns!(),
            prefixed_instance_columns(),
            task_joins!()
        );
        self.fetch_optional(&sql, vec![Arg::from(id)], |r| {
            Ok((task_from_row(r, now)?, r.try_get::<i64>("token")?, InstanceRow::read(r, "i_")?))
        })
        .await
    }

    /// The tasks of instance `id` as of `now`, in the order they were created.
    pub(crate) async fn instance_tasks(&self, id: &str, now: i64) -> Result<Vec<Task>> {
        let sql = format!("{TASK_SELECT} WHERE t.instance_id = $1 ORDER BY t.seq");
        let rows = sqlx::query(&sql).bind(id).fetch_all(&self.pool).await?;
        rows.iter().map(|r| task_from_row(r, now)).collect()
    }
}

/// The order of a category's list: the column, the keyset's comparison, the direction and what
/// leads the `ORDER BY` (overdue tasks come most overdue first; the others newest first).
fn task_order(category: TaskCategory) -> (&'static str, &'static str, &'static str, &'static str) {
    match category {
        TaskCategory::Overdue => ("t.due", ">", "ASC", "t.state, "),
        TaskCategory::All => ("t.created", "<", "DESC", ""),
        _ => ("t.created", "<", "DESC", "t.state, "),
    }
}

/// The conditions of the category and the cursor: the part of the list's order that is walked.
fn push_task_range(w: &mut Where, q: &TaskQuery, now: i64, state: &str) -> Result<()> {
    push_task_category(w, q.category, now, state);
    if let Some(c) = &q.cursor {
        let (col, cmp, _, _) = task_order(q.category);
        let (key, id): (i64, String) = decode_cursor(c)?;
        let (k1, k2, i1) = (w.int(key), w.int(key), w.text(id));
        w.push(format!("({col} {cmp} {k1} OR ({col} = {k2} AND t.id {cmp} {i1}))"));
    }
    Ok(())
}

/// The conditions of the category; `state` is how the state column is written.
fn push_task_category(w: &mut Where, category: TaskCategory, now: i64, state: &str) {
    match category {
        TaskCategory::Todo => w.push(format!("{state} = 'active'")),
        TaskCategory::Overdue => {
            let p = w.int(now);
            w.push(format!("{state} = 'active' AND t.due < {p}"));
        }
        TaskCategory::Completed => w.push(format!("{state} = 'completed'")),
        TaskCategory::All => {}
    }
}

/// The conditions of the name, the assignee and the instance.
fn push_task_filters(w: &mut Where, q: &TaskQuery) {
    if let Some(n) = q.name.as_deref().filter(|s| !s.trim().is_empty()) {
        let p = w.text(like_pattern(&n.trim().to_lowercase()));
        w.push(format!("LOWER(t.name) LIKE {p} ESCAPE '\\'"));
    }
    if let Some(a) = q.assignee.as_deref().filter(|s| !s.trim().is_empty()) {
        let p = w.text(a.trim());
        w.push(format!("t.assignee = {p}"));
    }
    if let Some(i) = &q.instance_id {
        let p = w.text(i);
        w.push(format!("t.instance_id = {p}"));
    }
}

/// The order `q.sort` as a keyset over a column (see `sql::order`), or `None` for the list's
/// first order (newest first; most overdue first on the 逾期 tab: [`task_order`]).
fn task_keyset(q: &TaskQuery) -> Option<Keyset> {
    let (column, desc) = match q.sort {
        TaskOrder::CreatedDesc => return None,
        TaskOrder::CreatedAsc => ("t.created", false),
        TaskOrder::DueAsc => ("t.due", false),
        TaskOrder::DueDesc => ("t.due", true),
        TaskOrder::ProcessAsc => ("t.definition_name", false),
        TaskOrder::ProcessDesc => ("t.definition_name", true),
    };
    let text = column == "t.definition_name";
    // An overdue task has a due date.
    let nulls = column == "t.due" && q.category != TaskCategory::Overdue;
    Some(Keyset { column, id: "t.id", desc, text, values: true, nulls, row_values: false })
}

/// The cursor of the page that follows `last` in the list of `q`.
pub(crate) fn task_cursor(q: &TaskQuery, last: &Task) -> String {
    let id = last.id.clone();
    match q.sort {
        TaskOrder::CreatedDesc if q.category == TaskCategory::Overdue => encode_cursor(&(last.due.unwrap_or(0), id)),
        TaskOrder::CreatedDesc => encode_cursor(&(last.created, id)),
        TaskOrder::CreatedAsc => encode_cursor(&(Some(Key::Int(last.created)), id)),
        TaskOrder::DueAsc | TaskOrder::DueDesc => encode_cursor(&(last.due.map(Key::Int), id)),
        TaskOrder::ProcessAsc | TaskOrder::ProcessDesc => {
            encode_cursor(&(Some(Key::Text(last.definition_name.clone())), id))
        }
    }
}

/// The key of the `rows`-th row of the list's order (no row when there are fewer): where a
/// search's first walk ends. Read from the category's index alone.
fn task_walk_end(q: &TaskQuery, now: i64, rows: i64) -> Result<(String, Where)> {
    let mut w = Where::default();
    push_task_range(&mut w, q, now, "t.state")?;
    let (col, _, dir, lead) = task_order(q.category);
    let sql = format!(
        "SELECT {col} AS k FROM tasks t{} ORDER BY {lead}{col} {dir}, t.id {dir} LIMIT 1 OFFSET {}",
        w.sql(),
        (rows - 1).max(0)
    );
    Ok((sql, w))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The task queries are the texts the lists always ran (the plan caches key on them).
    #[test]
    fn task_selects_keep_their_text() {
        let select = "SELECT t.id, t.tenant_id, t.name, t.activity_id, t.instance_id, t.definition_name, \
             t.assignee, pe.name AS assignee_name, t.candidate_users, t.candidate_groups, t.priority, t.form_key, \
             t.created, t.due, t.end_time, t.state, t.end_reason, t.completed_by, t.revision, t.token, \
             i.state AS instance_state FROM tasks t JOIN process_instances i ON i.id = t.instance_id LEFT JOIN people \
             pe ON pe.id = t.assignee";
        assert_eq!(TASK_SELECT, select);
        assert_eq!(
            TASK_SELECT_BY_INSTANCE,
            select.replacen("FROM tasks t", "FROM tasks t INDEXED BY tasks_instance", 1)
        );
    }
}
