//! The statements of process instance rows: the row a start inserts, the revision-checked
//! update every later command makes, the reads of instance rows (and of the definitions an
//! instance command starts from), and the instance list's keyset pages.
//!
//! Every command writes the instance row first, so that row is the lock that orders the
//! commands of one instance; its `revision` makes a concurrent change refuse the later writer.

use sqlx::AnyConnection;

use super::writes::Cascade;
use super::{Backend, Store};
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::instances::{
    InstanceCategory, InstanceFilter, InstanceOrderBy, InstanceQuery, InstanceSort, InstanceStatus, InstanceSummary,
};
use crate::runtime::InstanceState;
use crate::store::sql::order::{Key, KeyCursor, Keyset, Part, WALK_COUNT_ROWS};
use crate::store::sql::search::{walk_rows, Search, SearchPlan, SearchText, INSTANCES};
use crate::store::sql::{bind_all, decode_cursor, encode_cursor, like_pattern, Arg, Cells, Where};
use bpmn_core::page::{total_cap, SEARCH_TOTAL_CAP};

/// The running child instance a call activity's token waits for, by the parent's index only
/// (see the `sql` module).
pub(crate) const CHILD_OF_TOKEN: &str = "WHERE parent_instance_id = $1 AND parent_token = $2 AND finished + 0 = 0";

/// The columns of [`InstanceRow`].
const INSTANCE_COLUMNS: &str = "id, tenant_id, definition_id, definition_name, business_key, initiator, state, \
     parent_instance_id, parent_token, revision, state_json";

/// [`INSTANCE_COLUMNS`] of the table aliased `i`, named `i_<column>`, for queries that read an
/// instance beside another row.
pub(crate) fn prefixed_instance_columns() -> String {
    INSTANCE_COLUMNS.split(',').map(|c| format!("i.{0} AS i_{0}", c.trim())).collect::<Vec<_>>().join(", ")
}

/// An instance row as commands read it ([`INSTANCE_COLUMNS`]), with its token state.
#[derive(Debug, Clone)]
pub(crate) struct InstanceRow {
    pub id: String,
    pub tenant_id: String,
    pub definition_id: String,
    pub definition_name: String,
    pub business_key: Option<String>,
    pub initiator: Option<String>,
    pub status: InstanceStatus,
    pub parent_instance_id: Option<String>,
    pub parent_token: Option<i64>,
    /// 0 for an instance not stored yet.
    pub revision: i64,
    pub state: InstanceState,
}

impl InstanceRow {
    /// Reads the columns named `{prefix}<column>`.
    pub(crate) fn read(r: &dyn Cells, prefix: &str) -> Result<InstanceRow> {
        let col = |c: &str| format!("{prefix}{c}");
        let id: String = r.try_get(&col("id"))?;
        let json: String = r.try_get(&col("state_json"))?;
        let state: InstanceState = serde_json::from_str(&json).map_err(|e| {
            EngineError::conflict(
                ConflictReason::Broken,
                Text::new("run.stored_state_unreadable").with("id", &id).with("error", e),
            )
        })?;
        Ok(InstanceRow {
            id,
            tenant_id: r.try_get(&col("tenant_id"))?,
            definition_id: r.try_get(&col("definition_id"))?,
            definition_name: r.try_get(&col("definition_name"))?,
            business_key: r.try_get(&col("business_key"))?,
            initiator: r.try_get(&col("initiator"))?,
            status: InstanceStatus::parse(&r.try_get::<String>(&col("state"))?),
            parent_instance_id: r.try_get(&col("parent_instance_id"))?,
            parent_token: r.try_get(&col("parent_token"))?,
            revision: r.try_get(&col("revision"))?,
            state,
        })
    }
}

/// How a start from the cached latest version of a key checks, as it inserts the instance,
/// that the version is still the one a fresh read would pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LatestCheck {
    /// No newer version of the key in the definition's tenant (the caller named the tenant).
    InTenant,
    /// No newer version, and no version in another tenant (which would make the key ambiguous).
    Everywhere,
}

impl LatestCheck {
    /// The condition on the definition row `d`.
    fn condition(self) -> &'static str {
        match self {
            LatestCheck::InTenant => {
                " AND NOT EXISTS (SELECT 1 FROM process_definitions n WHERE n.tenant_id = d.tenant_id \
                 AND n.process_key = d.process_key AND n.version > d.version)"
            }
            LatestCheck::Everywhere => {
                " AND NOT EXISTS (SELECT 1 FROM process_definitions n WHERE n.process_key = d.process_key \
                 AND (n.version > d.version OR n.tenant_id <> d.tenant_id))"
            }
        }
    }
}

/// A new instance row; the definition's columns (tenant, key, name, version) come from the
/// definition row `definition_id`, so the insert changes no row when it is gone (or, with
/// `latest`, no longer the latest).
#[derive(Debug)]
pub(crate) struct NewInstance {
    pub id: String,
    pub definition_id: String,
    pub business_key: Option<String>,
    pub initiator: Option<String>,
    pub status: InstanceStatus,
    pub start_time: i64,
    pub end_time: Option<i64>,
    pub parent_instance_id: Option<String>,
    pub parent_token: Option<i64>,
    /// The active activities' names and ids as stored (see `instances::step_writes`).
    pub current_activities: String,
    pub current_activity_ids: String,
    pub state_json: String,
    pub change_stamp: i64,
    pub latest: Option<LatestCheck>,
    /// What the instance list's search box looks in, and its tokens
    /// (`sql::search::instance_search`).
    pub search: SearchText,
}

impl NewInstance {
    pub(super) fn statement(self) -> (String, Vec<Arg>) {
        let latest_sql = self.latest.map_or("", LatestCheck::condition);
        (
            format!(
                "INSERT INTO process_instances (id, tenant_id, definition_id, definition_key, definition_name, \
                 name_lower, version, business_key, initiator, state, finished, start_time, end_time, \
                 parent_instance_id, parent_token, current_activities, current_activity_ids, state_json, revision, \
                 change_stamp, search_text, search_grams) \
                 SELECT $1, tenant_id, id, process_key, name, name_lower, version, $2, $3, $4, $5, $6, $7, $8, $9, \
                 $10, $11, $12, 1, $13, $15, $16 FROM process_definitions d WHERE d.id = $14{latest_sql}"
            ),
            vec![
                Arg::Text(self.id),
                Arg::OptText(self.business_key),
                Arg::OptText(self.initiator),
                Arg::Text(self.status.as_str().into()),
                Arg::Int(self.status.is_finished() as i64),
                Arg::Int(self.start_time),
                Arg::OptInt(self.end_time),
                Arg::OptText(self.parent_instance_id),
                Arg::OptInt(self.parent_token),
                Arg::Text(self.current_activities),
                Arg::Text(self.current_activity_ids),
                Arg::Text(self.state_json),
                Arg::Int(self.change_stamp),
                Arg::Text(self.definition_id),
                Arg::Text(self.search.text),
                Arg::Text(self.search.grams),
            ],
        )
    }
}

/// An instance row's new state, written only over the revision `revision` (then incremented).
#[derive(Debug)]
pub(crate) struct InstanceUpdate {
    pub id: String,
    pub revision: i64,
    pub status: InstanceStatus,
    /// Kept when the row has one already.
    pub end_time: Option<i64>,
    pub current_activities: String,
    pub current_activity_ids: String,
    pub state_json: String,
    pub change_stamp: i64,
}

impl InstanceUpdate {
    pub(super) fn statement(self) -> (String, Vec<Arg>) {
        (
            "UPDATE process_instances SET state = $1, finished = $2, end_time = COALESCE(end_time, $3), \
             current_activities = $4, current_activity_ids = $5, state_json = $6, revision = revision + 1, \
             change_stamp = $7 WHERE id = $8 AND revision = $9"
                .into(),
            vec![
                Arg::Text(self.status.as_str().into()),
                Arg::Int(self.status.is_finished() as i64),
                Arg::OptInt(self.end_time),
                Arg::Text(self.current_activities),
                Arg::Text(self.current_activity_ids),
                Arg::Text(self.state_json),
                Arg::Int(self.change_stamp),
                Arg::Text(self.id),
                Arg::Int(self.revision),
            ],
        )
    }
}

/// The columns of [`StartableDefinition`].
const STARTABLE_COLUMNS: &str = "id, tenant_id, process_key, name, version, startable, not_startable_reasons";

/// A definition as a start reads it.
#[derive(Debug, Clone)]
pub(crate) struct StartableDefinition {
    pub id: String,
    pub tenant_id: String,
    pub process_key: String,
    pub name: String,
    pub version: i64,
    pub startable: bool,
    /// JSON of the stored reasons why it is not startable.
    pub not_startable_reasons: String,
}

impl StartableDefinition {
    fn read(r: &dyn Cells) -> Result<StartableDefinition> {
        Ok(StartableDefinition {
            id: r.try_get("id")?,
            tenant_id: r.try_get("tenant_id")?,
            process_key: r.try_get("process_key")?,
            name: r.try_get("name")?,
            version: r.try_get("version")?,
            startable: r.try_get::<i64>("startable")? != 0,
            not_startable_reasons: r.try_get("not_startable_reasons")?,
        })
    }
}

impl Store {
    /// An instance row by id.
    pub(crate) async fn instance_row(&self, id: &str) -> Result<Option<InstanceRow>> {
        let sql = format!("SELECT {INSTANCE_COLUMNS} FROM process_instances WHERE id = $1");
        self.fetch_optional(&sql, vec![Arg::from(id)], |r| InstanceRow::read(r, "")).await
    }

    /// The process key and the stored file of a definition.
    pub(crate) async fn definition_source(&self, definition_id: &str) -> Result<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT d.process_key, p.xml FROM process_definitions d JOIN deployments p ON p.id = d.deployment_id \
             WHERE d.id = $1",
        )
        .bind(definition_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((sqlx::Row::try_get(&r, "process_key")?, sqlx::Row::try_get(&r, "xml")?))),
            None => Ok(None),
        }
    }

    /// The definitions of `key` a start may pick, newest first: in `tenant` when given, of
    /// `version` when given.
    pub(crate) async fn startable_versions(
        &self,
        key: &str,
        tenant: Option<&str>,
        version: Option<i64>,
    ) -> Result<Vec<StartableDefinition>> {
        let mut sql = format!("SELECT {STARTABLE_COLUMNS} FROM process_definitions WHERE process_key = $1");
        let mut args = vec![Arg::Text(key.to_owned())];
        if let Some(t) = tenant {
            args.push(Arg::Text(t.to_owned()));
            sql.push_str(&format!(" AND tenant_id = ${}", args.len()));
        }
        if let Some(v) = version {
            args.push(Arg::Int(v));
            sql.push_str(&format!(" AND version = ${}", args.len()));
        }
        sql.push_str(" ORDER BY version DESC");
        self.fetch(&sql, args, StartableDefinition::read).await
    }

    /// One definition as a start reads it.
    pub(crate) async fn startable_definition(&self, definition_id: &str) -> Result<Option<StartableDefinition>> {
        let sql = format!("SELECT {STARTABLE_COLUMNS} FROM process_definitions WHERE id = $1");
        self.fetch_optional(&sql, vec![Arg::from(definition_id)], StartableDefinition::read).await
    }
}

/// An instance row by id, read inside the caller's transaction.
pub(crate) async fn instance_row_in(tx: &mut Cascade, id: String) -> Result<Option<InstanceRow>> {
    let sql = format!("SELECT {INSTANCE_COLUMNS} FROM process_instances WHERE id = $1");
    row_in(tx.conn(), &sql, vec![Arg::Text(id)]).await
}

/// The running child instance a call activity's token waits for ([`CHILD_OF_TOKEN`]), read
/// inside the caller's transaction.
pub(crate) async fn child_of_token_in(tx: &mut Cascade, parent_id: String, token: i64) -> Result<Option<InstanceRow>> {
    let sql = format!("SELECT {INSTANCE_COLUMNS} FROM process_instances {CHILD_OF_TOKEN}");
    row_in(tx.conn(), &sql, vec![Arg::Text(parent_id), Arg::Int(token)]).await
}

async fn row_in(conn: &mut AnyConnection, sql: &str, args: Vec<Arg>) -> Result<Option<InstanceRow>> {
    match bind_all(sql, args).fetch_optional(conn).await? {
        Some(r) => Ok(Some(InstanceRow::read(&r, "")?)),
        None => Ok(None),
    }
}

/// The latest startable version of `key` in `tenant_id` (id and name), read inside the
/// caller's transaction: what a call activity starts.
pub(crate) async fn latest_startable_in(
    tx: &mut Cascade,
    tenant_id: &str,
    key: &str,
) -> Result<Option<(String, String)>> {
    let row = sqlx::query(
        "SELECT id, name FROM process_definitions WHERE tenant_id = $1 AND process_key = $2 AND startable = 1 \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(tenant_id)
    .bind(key)
    .fetch_optional(tx.conn())
    .await?;
    match row {
        Some(r) => Ok(Some((sqlx::Row::try_get(&r, "id")?, sqlx::Row::try_get(&r, "name")?))),
        None => Ok(None),
    }
}

/// The first definition (id, name) `sql` finds with `args`, inside the caller's transaction.
async fn definition_in(tx: &mut Cascade, sql: &str, args: Vec<Arg>) -> Result<Option<(String, String)>> {
    match bind_all(sql, args).fetch_optional(tx.conn()).await? {
        Some(r) => Ok(Some((sqlx::Row::try_get(&r, "id")?, sqlx::Row::try_get(&r, "name")?))),
        None => Ok(None),
    }
}

/// The startable version of `key` in `tenant_id` deployed with definition `caller` (the same
/// deployment); when that deployment left `key` unchanged, the latest version deployed no
/// later than `caller`: a call activity's `deployment` binding.
pub(crate) async fn deployment_startable_in(
    tx: &mut Cascade,
    tenant_id: &str,
    key: &str,
    caller: &str,
) -> Result<Option<(String, String)>> {
    definition_in(
        tx,
        "SELECT d.id, d.name FROM process_definitions d JOIN process_definitions c ON c.id = $3 \
         WHERE d.tenant_id = $1 AND d.process_key = $2 AND d.startable = 1 AND d.deployed_at <= c.deployed_at \
         ORDER BY CASE WHEN d.deployment_id = c.deployment_id THEN 0 ELSE 1 END, d.version DESC LIMIT 1",
        vec![Arg::from(tenant_id), Arg::from(key), Arg::from(caller)],
    )
    .await
}

/// Version `version` of `key` in `tenant_id`, when startable: a call activity's `version` binding.
pub(crate) async fn version_startable_in(
    tx: &mut Cascade,
    tenant_id: &str,
    key: &str,
    version: i64,
) -> Result<Option<(String, String)>> {
    definition_in(
        tx,
        "SELECT id, name FROM process_definitions WHERE tenant_id = $1 AND process_key = $2 AND version = $3 \
         AND startable = 1",
        vec![Arg::from(tenant_id), Arg::from(key), Arg::Int(version)],
    )
    .await
}

/// The latest startable version of `key` in `tenant_id` tagged `tag` (`camunda:versionTag`): a
/// call activity's `versionTag` binding.
pub(crate) async fn tagged_startable_in(
    tx: &mut Cascade,
    tenant_id: &str,
    key: &str,
    tag: &str,
) -> Result<Option<(String, String)>> {
    definition_in(
        tx,
        "SELECT id, name FROM process_definitions WHERE tenant_id = $1 AND process_key = $2 AND version_tag = $3 \
         AND startable = 1 ORDER BY version DESC LIMIT 1",
        vec![Arg::from(tenant_id), Arg::from(key), Arg::from(tag)],
    )
    .await
}

/// The columns of an instance as listed ([`summary_from_row`]).
macro_rules! instance_columns {
    () => {
        "SELECT i.id, i.tenant_id, i.definition_id, i.definition_key, i.definition_name, \
         i.version, i.business_key, i.initiator, i.state, i.start_time, i.end_time, i.current_activities, \
         i.current_activity_ids, i.open_incidents, i.parent_instance_id, i.revision"
    };
}

/// The columns of an instance as listed ([`summary_from_row`]).
pub(super) const INSTANCE_SELECT: &str = concat!(instance_columns!(), " FROM process_instances i");

/// The columns of an instance as listed ([`summary_from_row`]), without the table.
const INSTANCE_COLUMNS_SELECT: &str = instance_columns!();

/// The non-empty items of a `sep`-separated list, trimmed.
pub(crate) fn split_list(s: &str, sep: &str) -> Vec<String> {
    s.split(sep).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

/// The active activities' names as `instances::step_writes::join_names` stores them, each
/// followed by U+001F (in rows written before that: joined by `, `).
pub(crate) fn split_names(stored: &str) -> Vec<String> {
    if stored.contains('\u{1f}') {
        stored.split_terminator('\u{1f}').map(str::to_owned).collect()
    } else {
        split_list(stored, ", ")
    }
}

pub(super) fn summary_from_row(r: &dyn Cells) -> Result<InstanceSummary> {
    Ok(InstanceSummary {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        definition_id: r.try_get("definition_id")?,
        definition_key: r.try_get("definition_key")?,
        definition_name: r.try_get("definition_name")?,
        version: r.try_get("version")?,
        business_key: r.try_get("business_key")?,
        initiator: r.try_get("initiator")?,
        initiator_name: None,
        state: InstanceStatus::parse(&r.try_get::<String>("state")?),
        start_time: r.try_get("start_time")?,
        end_time: r.try_get("end_time")?,
        current_activities: split_names(&r.try_get::<String>("current_activities")?),
        active_activity_ids: split_list(&r.try_get::<String>("current_activity_ids")?, ","),
        open_incidents: r.try_get("open_incidents")?,
        parent_instance_id: r.try_get("parent_instance_id")?,
        revision: r.try_get("revision")?,
    })
}

/// `alias.column IN (...)` for a non-empty `values`.
pub(super) fn push_in(w: &mut Where, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    let list: Vec<String> = values.iter().map(|v| w.text(v.as_str())).collect();
    w.push(format!("{column} IN ({})", list.join(", ")));
}

/// The conditions of an [`InstanceFilter`] on `process_instances i`: not ended, in `tenants`.
fn instance_filter(tenants: &[String], f: &InstanceFilter) -> Where {
    let mut w = Where::default();
    w.push("i.finished = 0");
    push_in(&mut w, "i.tenant_id", tenants);
    push_in(&mut w, "i.id", &f.ids);
    for (column, value) in [
        ("i.definition_key", &f.definition_key),
        ("i.definition_id", &f.definition_id),
        ("i.business_key", &f.business_key),
    ] {
        if let Some(v) = value {
            let p = w.text(v.as_str());
            w.push(format!("{column} = {p}"));
        }
    }
    if let Some(like) = f.business_key_like.as_deref().filter(|l| !l.is_empty()) {
        let p = w.text(like_pattern(like));
        w.push(format!("i.business_key LIKE {p} ESCAPE '\\'"));
    }
    if f.active {
        let p = w.text(InstanceStatus::Running.as_str());
        w.push(format!("i.state = {p}"));
    }
    if f.suspended {
        let p = w.text(InstanceStatus::Suspended.as_str());
        w.push(format!("i.state = {p}"));
    }
    w
}

/// Restricts `alias.tenant_id` to `tenant`, when given.
pub(super) fn tenant_filter(w: &mut Where, tenant: Option<&str>, alias: &str) {
    if let Some(t) = tenant {
        let p = w.text(t);
        w.push(format!("{alias}.tenant_id = {p}"));
    }
}

impl Store {
    /// The change token of the runtime lists: it moves whenever an instance or task changes.
    /// One index probe, so polling it costs almost nothing.
    pub(crate) async fn runtime_change_stamp(&self) -> Result<i64> {
        let sql = "SELECT MAX(change_stamp) AS m FROM process_instances";
        let max = self.fetch_optional(sql, Vec::new(), |r| r.try_get::<Option<i64>>("m")).await?;
        Ok(max.flatten().unwrap_or(0))
    }

    /// One page of the instance list in `tenant` (all when `None`): `limit + 1` rows, so that
    /// the caller sees whether there is a next page. The words of `q.definition_name` are
    /// searched for in what an instance is found by (see `sql::search`); `true` when the first
    /// walk filled the page (see `Store::task_total`).
    pub(crate) async fn instance_page(
        &self,
        tenant: Option<&str>,
        q: &InstanceQuery,
        limit: i64,
    ) -> Result<(Vec<InstanceSummary>, bool)> {
        if let Some(keyset) = instance_keyset(q) {
            let keyset = Keyset { row_values: self.backend() == Backend::Sqlite, ..keyset };
            return self.instance_page_sorted(tenant, q, limit, keyset).await;
        }
        let (page, plan) = self.instance_page_planned(tenant, q, limit, Some(walk_rows(limit + 1))).await?;
        Ok((page, plan == "first"))
    }

    /// [`Store::instance_page`] and the plan that made the page: a search walks the first
    /// `first` rows of the list's order before it asks the index; with `None`, it walks the whole
    /// order whatever the index would find.
    pub(crate) async fn instance_page_planned(
        &self,
        tenant: Option<&str>,
        q: &InstanceQuery,
        limit: i64,
        first: Option<i64>,
    ) -> Result<(Vec<InstanceSummary>, &'static str)> {
        let search = match &q.definition_name {
            Some(s) => self.prepare_search(INSTANCES, tenant, s).await?,
            None => None,
        };
        if let (Some(s), Some(rows)) = (&search, first) {
            let (sql, w) = instance_walk_end(q, rows)?;
            let end = self.walk_end(&sql, w.into_args()).await?;
            let plan = SearchPlan::WalkFirst(end);
            let page = self.run_instance_page(tenant, q, limit, Some(s), &plan).await?;
            if page.len() as i64 > limit || end.is_none() {
                return Ok((page, plan.label()));
            }
            if let Some(query) = self.index_query(s).await? {
                let plan = SearchPlan::Index(query);
                return Ok((self.run_instance_page(tenant, q, limit, Some(s), &plan).await?, plan.label()));
            }
        }
        let plan = SearchPlan::Walk;
        Ok((self.run_instance_page(tenant, q, limit, search.as_ref(), &plan).await?, plan.label()))
    }

    /// Runs [`Store::instance_page_query`] (a search's plans made for their values each time on
    /// PostgreSQL, see `sql::search`).
    async fn run_instance_page(
        &self,
        tenant: Option<&str>,
        q: &InstanceQuery,
        limit: i64,
        search: Option<&Search>,
        plan: &SearchPlan,
    ) -> Result<Vec<InstanceSummary>> {
        let (sql, w) = self.instance_page_query(tenant, q, limit, search, plan)?;
        let persistent = *plan == SearchPlan::Walk;
        let rows = w.bind(&sql).persistent(persistent).fetch_all(&self.pool).await?;
        rows.iter().map(|r| summary_from_row(r)).collect()
    }

    /// The query of one page of instances (`limit + 1` rows) and its values; `search` is the
    /// prepared `q.definition_name`, made by `plan`.
    fn instance_page_query(
        &self,
        tenant: Option<&str>,
        q: &InstanceQuery,
        limit: i64,
        search: Option<&Search>,
        plan: &SearchPlan,
    ) -> Result<(String, Where)> {
        let mut w = Where::default();
        tenant_filter(&mut w, tenant, "i");
        // From the index's candidates, the category is checked on them: an index of the
        // categories would add every instance of the category to read.
        push_instance_range(&mut w, q, matches!(plan, SearchPlan::Index(_)))?;
        push_instance_filters(&mut w, q);
        let (_, dir, lead) = instance_order(q);
        let l = w.int(limit + 1);
        let order = format!("{lead}i.start_time {dir}, i.id {dir}");
        match (search, plan) {
            (Some(s), SearchPlan::WalkFirst(end)) => {
                // The walk below, up to the start of the order's last instance to walk.
                if let Some(end) = end {
                    let p = w.int(*end);
                    w.push(format!("i.start_time {} {p}", if dir == "DESC" { ">=" } else { "<=" }));
                }
                s.push_checks(&mut w);
            }
            (Some(s), SearchPlan::Index(query)) => {
                // From the index's candidates, sorted (see `Store::task_page_query`).
                let source = s.push_index(&mut w, self.backend(), query);
                s.push_checks(&mut w);
                let sql = match source {
                    Some(source) => format!(
                        "{INSTANCE_COLUMNS_SELECT} FROM {source} CROSS JOIN process_instances i ON i.rowid = s.r{} \
                         ORDER BY {order} LIMIT {l}",
                        w.sql()
                    ),
                    None => format!(
                        "{INSTANCE_SELECT}{} ORDER BY {lead}i.start_time + 0 {dir}, i.id {dir} LIMIT {l}",
                        w.sql()
                    ),
                };
                return Ok((sql, w));
            }
            (Some(s), SearchPlan::Walk) => s.push_checks(&mut w),
            (None, _) => {}
        }
        let sql = format!("{INSTANCE_SELECT}{} ORDER BY {order} LIMIT {l}", w.sql());
        Ok((sql, w))
    }

    /// One page of the instance list in an order by a column ([`instance_keyset`]): `limit + 1`
    /// rows. A search walks the first rows of the order, then reads the index's candidates and
    /// sorts them (see `sql::order`), or walks the whole order when the index cannot serve it.
    async fn instance_page_sorted(
        &self,
        tenant: Option<&str>,
        q: &InstanceQuery,
        limit: i64,
        keyset: Keyset,
    ) -> Result<(Vec<InstanceSummary>, bool)> {
        let (search, index) = self.instance_search(tenant, q).await?;
        let cursor: Option<KeyCursor> = q.cursor.as_deref().map(decode_cursor).transpose()?;
        let cursor = cursor.as_ref();
        // The common categories are checked on the order's rows; the rare ones (suspended, with
        // incidents) are read from their own index and sorted.
        let common = matches!(q.category, InstanceCategory::Completed | InstanceCategory::Unfinished);
        let mut page = Vec::new();
        let mut dense = false;
        for part in keyset.parts(cursor) {
            let rows = limit + 1 - page.len() as i64;
            let read = match &index {
                None => {
                    let mut w = Where::default();
                    let from = self.instance_conditions(tenant, q, search.as_ref(), None, common, &mut w);
                    let sql = sorted_query(&from, &mut w, keyset, part, cursor, false, None, rows)?;
                    w.bind(&sql).persistent(search.is_none()).fetch_all(&self.pool).await?
                }
                Some(query) => {
                    // The first walk: up to the order's `walk_rows`-th row, checked for the words.
                    // The category as it is on PostgreSQL (see `Store::task_sorted_end`).
                    let mut w = Where::default();
                    let checked = common && self.backend() == Backend::Sqlite;
                    let from = self.instance_conditions(tenant, q, None, None, checked, &mut w);
                    let order = keyset.push(&mut w, part, cursor, false)?;
                    let end = keyset.end_query(&from, &w, &order, walk_rows(limit + 1));
                    let end = self.keyset_end(&keyset, &end, w).await?;
                    let mut w = Where::default();
                    let from = self.instance_conditions(tenant, q, search.as_ref(), None, common, &mut w);
                    let sql = sorted_query(&from, &mut w, keyset, part, cursor, false, end.as_ref(), rows)?;
                    let first = w.bind(&sql).persistent(false).fetch_all(&self.pool).await?;
                    if first.len() as i64 >= rows || end.is_none() {
                        dense = end.is_some();
                        first
                    } else {
                        let mut w = Where::default();
                        let from = self.instance_conditions(tenant, q, search.as_ref(), Some(query), true, &mut w);
                        let sql = sorted_query(&from, &mut w, keyset, part, cursor, true, None, rows)?;
                        w.bind(&sql).persistent(false).fetch_all(&self.pool).await?
                    }
                }
            };
            for r in &read {
                page.push(summary_from_row(r)?);
            }
            if page.len() as i64 > limit {
                break;
            }
        }
        Ok((page, dense))
    }

    /// The prepared search of `q` and the query of the index when the index can serve it.
    async fn instance_search(
        &self,
        tenant: Option<&str>,
        q: &InstanceQuery,
    ) -> Result<(Option<Search>, Option<String>)> {
        let search = match &q.definition_name {
            Some(s) => self.prepare_search(INSTANCES, tenant, s).await?,
            None => None,
        };
        let index = match &search {
            Some(s) => self.index_query(s).await?,
            None => None,
        };
        Ok((search, index))
    }

    /// The conditions of the instances `q` finds (without a cursor; `checked`: the category
    /// written so that no index serves it) and what they are read from: the table, or on SQLite
    /// the index's candidates joined to it.
    fn instance_conditions(
        &self,
        tenant: Option<&str>,
        q: &InstanceQuery,
        search: Option<&Search>,
        index: Option<&str>,
        checked: bool,
        w: &mut Where,
    ) -> String {
        tenant_filter(w, tenant, "i");
        push_instance_category(w, q, checked);
        push_instance_filters(w, q);
        let source = match (search, index) {
            (Some(s), Some(query)) => s.push_index(w, self.backend(), query),
            _ => None,
        };
        if let Some(s) = search {
            s.push_checks(w);
        }
        match source {
            Some(source) => format!("{source} CROSS JOIN process_instances i ON i.rowid = s.r"),
            None => "process_instances i".to_owned(),
        }
    }

    /// How many instances of the list of `q` there are in `tenant`, counted up to
    /// [`total_cap`] + 1 without an order; a search counts through
    /// the index as the page reads it, frequent words (`dense`) first by walking (see
    /// `Store::task_total`).
    pub(crate) async fn instance_total(&self, tenant: Option<&str>, q: &InstanceQuery, dense: bool) -> Result<i64> {
        let (search, index) = self.instance_search(tenant, q).await?;
        if let (Some(s), true) = (&search, dense) {
            // Frequent words: as `Store::task_total` does.
            let (sql, w) = instance_walk_end(&InstanceQuery { cursor: None, ..q.clone() }, WALK_COUNT_ROWS)?;
            let end = self.walk_end(&sql, w.into_args()).await?;
            let mut w = Where::default();
            let from = self.instance_conditions(tenant, q, Some(s), None, false, &mut w);
            if let Some(end) = end {
                let (_, dir, _) = instance_order(q);
                let p = w.int(end);
                w.push(format!("i.start_time {} {p}", if dir == "DESC" { ">=" } else { "<=" }));
            }
            let n = self.capped_count(&from, w, false, SEARCH_TOTAL_CAP).await?;
            if n > SEARCH_TOTAL_CAP || end.is_none() {
                return Ok(n);
            }
        }
        let mut w = Where::default();
        let from = self.instance_conditions(tenant, q, search.as_ref(), index.as_deref(), index.is_some(), &mut w);
        self.capped_count(&from, w, search.is_none(), total_cap(search.is_some())).await
    }

    /// A page (`(offset, limit)`) of the instances that have not ended and match `f`, in
    /// `tenants` (all when empty), in `f`'s order (the id breaks ties, so pages never overlap).
    pub(crate) async fn filtered_instances(
        &self,
        tenants: &[String],
        f: &InstanceFilter,
        page: Option<(i64, i64)>,
    ) -> Result<Vec<InstanceSummary>> {
        let mut w = instance_filter(tenants, f);
        let column = match f.order_by {
            InstanceOrderBy::StartTime => "i.start_time",
            InstanceOrderBy::InstanceId => "i.id",
            InstanceOrderBy::DefinitionKey => "i.definition_key",
            InstanceOrderBy::DefinitionId => "i.definition_id",
            InstanceOrderBy::BusinessKey => "i.business_key",
            InstanceOrderBy::TenantId => "i.tenant_id",
        };
        let dir = if f.descending { "DESC" } else { "ASC" };
        let paging = match page {
            Some((offset, limit)) => format!(" LIMIT {} OFFSET {}", w.int(limit), w.int(offset)),
            None => String::new(),
        };
        let sql = format!("{INSTANCE_SELECT}{} ORDER BY {column} {dir}, i.id {dir}{paging}", w.sql());
        self.fetch(&sql, w.into_args(), summary_from_row).await
    }

    /// How many instances that have not ended match `f` in `tenants` (all when empty).
    pub(crate) async fn count_filtered_instances(&self, tenants: &[String], f: &InstanceFilter) -> Result<i64> {
        let w = instance_filter(tenants, f);
        let sql = format!("SELECT COUNT(*) AS n FROM process_instances i{}", w.sql());
        let n = self.fetch_optional(&sql, w.into_args(), |r| r.try_get::<i64>("n")).await?;
        Ok(n.unwrap_or(0))
    }

    /// One instance as listed.
    pub(crate) async fn instance_summary(&self, id: &str) -> Result<Option<InstanceSummary>> {
        let sql = format!("{INSTANCE_SELECT} WHERE i.id = $1");
        self.fetch_optional(&sql, vec![Arg::from(id)], summary_from_row).await
    }

    /// The instances started by call activities of instance `id`, oldest first.
    pub(crate) async fn child_instances(&self, id: &str) -> Result<Vec<InstanceSummary>> {
        let sql = format!("{INSTANCE_SELECT} WHERE i.parent_instance_id = $1 ORDER BY i.start_time, i.id");
        let rows = sqlx::query(&sql).bind(id).fetch_all(&self.pool).await?;
        rows.iter().map(|r| summary_from_row(r)).collect()
    }
}

/// The order of the instance list: the keyset's comparison, the direction and what leads the
/// `ORDER BY` (the category's index leads with `finished`; naming it in the order lets both
/// databases walk that index instead of sorting).
fn instance_order(q: &InstanceQuery) -> (&'static str, &'static str, &'static str) {
    // The other orders are keysets (`instance_keyset`).
    let (cmp, dir) = match q.sort {
        InstanceSort::StartedAsc => (">", "ASC"),
        _ => ("<", "DESC"),
    };
    let lead = match q.category {
        InstanceCategory::Completed | InstanceCategory::Unfinished => "i.finished, ",
        InstanceCategory::All | InstanceCategory::Suspended | InstanceCategory::Incidents => "",
    };
    (cmp, dir, lead)
}

/// The conditions of the category, the time range and the cursor: the part of the list's
/// order that is walked. `checked`: the category is checked on rows found otherwise (written so
/// that no index serves it).
fn push_instance_range(w: &mut Where, q: &InstanceQuery, checked: bool) -> Result<()> {
    push_instance_category(w, q, checked);
    if let Some(c) = &q.cursor {
        let (cmp, _, _) = instance_order(q);
        let (time, id): (i64, String) = decode_cursor(c)?;
        let (t1, t2, i1) = (w.int(time), w.int(time), w.text(id));
        w.push(format!("(i.start_time {cmp} {t1} OR (i.start_time = {t2} AND i.id {cmp} {i1}))"));
    }
    Ok(())
}

/// The conditions of the category and the time range (see [`push_instance_range`]).
fn push_instance_category(w: &mut Where, q: &InstanceQuery, checked: bool) {
    let (finished, state, incidents) = if checked {
        ("i.finished + 0", "i.state || ''", "i.open_incidents + 0")
    } else {
        ("i.finished", "i.state", "i.open_incidents")
    };
    match q.category {
        InstanceCategory::All => {}
        InstanceCategory::Completed => w.push(format!("{finished} = 1")),
        InstanceCategory::Unfinished => w.push(format!("{finished} = 0")),
        // Each walks its own partial index (see the overview migration).
        InstanceCategory::Suspended => w.push(format!("{state} = 'suspended'")),
        InstanceCategory::Incidents => w.push(format!("{incidents} > 0")),
    }
    if let Some(t) = q.started_after {
        let p = w.int(t);
        w.push(format!("i.start_time >= {p}"));
    }
    if let Some(t) = q.started_before {
        let p = w.int(t);
        w.push(format!("i.start_time < {p}"));
    }
}

/// The conditions of the initiator and the definition.
fn push_instance_filters(w: &mut Where, q: &InstanceQuery) {
    if let Some(n) = q.initiator.as_deref().filter(|s| !s.trim().is_empty()) {
        let p = w.text(like_pattern(&n.trim().to_lowercase()));
        w.push(format!("LOWER(i.initiator) LIKE {p} ESCAPE '\\'"));
    }
    if let Some(d) = &q.definition_id {
        let p = w.text(d);
        w.push(format!("i.definition_id = {p}"));
    }
}

/// The order `q.sort` as a keyset over a column (see `sql::order`), or `None` for the orders
/// by start time ([`instance_order`]). An instance has an end time once it has ended.
fn instance_keyset(q: &InstanceQuery) -> Option<Keyset> {
    let (column, desc) = match q.sort {
        InstanceSort::StartedDesc | InstanceSort::StartedAsc => return None,
        InstanceSort::EndedDesc => ("i.end_time", true),
        InstanceSort::EndedAsc => ("i.end_time", false),
        InstanceSort::ProcessAsc => ("i.definition_name", false),
        InstanceSort::ProcessDesc => ("i.definition_name", true),
        InstanceSort::StateAsc => ("i.state", false),
        InstanceSort::StateDesc => ("i.state", true),
    };
    let by_end = column == "i.end_time";
    let (values, nulls) = match q.category {
        _ if !by_end => (true, false),
        InstanceCategory::Completed => (true, false),
        InstanceCategory::Unfinished | InstanceCategory::Suspended => (false, true),
        InstanceCategory::All | InstanceCategory::Incidents => (true, true),
    };
    Some(Keyset { column, id: "i.id", desc, text: !by_end, values, nulls, row_values: false })
}

/// The statement of `rows` instances of `part` of `keyset`'s order after `cursor` (up to `end`)
/// from `from` under `w` (`sorted`: from the index's candidates, see `Keyset::push`).
#[allow(clippy::too_many_arguments)]
fn sorted_query(
    from: &str,
    w: &mut Where,
    keyset: Keyset,
    part: Part,
    cursor: Option<&KeyCursor>,
    sorted: bool,
    end: Option<&KeyCursor>,
    rows: i64,
) -> Result<String> {
    let order = keyset.push(w, part, cursor, sorted)?;
    if let Some(end) = end {
        keyset.push_end(w, part, end);
    }
    let l = w.int(rows);
    Ok(format!("{INSTANCE_COLUMNS_SELECT} FROM {from}{} ORDER BY {order} LIMIT {l}", w.sql()))
}

/// The cursor of the page that follows `last` in the list of `q`.
pub(crate) fn instance_cursor(q: &InstanceQuery, last: &InstanceSummary) -> String {
    let id = last.id.clone();
    match q.sort {
        InstanceSort::StartedDesc | InstanceSort::StartedAsc => encode_cursor(&(last.start_time, id)),
        InstanceSort::EndedDesc | InstanceSort::EndedAsc => encode_cursor(&(last.end_time.map(Key::Int), id)),
        InstanceSort::ProcessAsc | InstanceSort::ProcessDesc => {
            encode_cursor(&(Some(Key::Text(last.definition_name.clone())), id))
        }
        InstanceSort::StateAsc | InstanceSort::StateDesc => {
            encode_cursor(&(Some(Key::Text(last.state.as_str().to_owned())), id))
        }
    }
}

/// The start of the `rows`-th instance of the list's order (no row when there are fewer):
/// where a search's first walk ends. Read from the category's index alone.
fn instance_walk_end(q: &InstanceQuery, rows: i64) -> Result<(String, Where)> {
    let mut w = Where::default();
    push_instance_range(&mut w, q, false)?;
    let (_, dir, lead) = instance_order(q);
    let sql = format!(
        "SELECT i.start_time AS k FROM process_instances i{} ORDER BY {lead}i.start_time {dir}, i.id {dir} \
         LIMIT 1 OFFSET {}",
        w.sql(),
        (rows - 1).max(0)
    );
    Ok((sql, w))
}

#[cfg(test)]
mod tests {
    use super::split_names;

    #[test]
    fn activity_names_keep_their_commas_and_older_rows_still_read() {
        assert_eq!(split_names("Check, then sign\u{1f}b\u{1f}"), ["Check, then sign", "b"]);
        assert_eq!(split_names("Check, then sign\u{1f}"), ["Check, then sign"]);
        assert_eq!(split_names("Approve, CFO approval"), ["Approve", "CFO approval"]);
        assert!(split_names("").is_empty());
    }
}
