//! The statements of the Camunda-shaped queries (`crate::history`): historic process
//! instances, activity instances, open incidents and jobs, filtered, ordered by the keys asked
//! for and windowed by offset, and their counts. Shared helpers for such queries (tenant
//! scope, `IN` lists, Camunda `LIKE` patterns, orders with NULLs last on both databases).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::history::activity_record_from_row;
use super::incidents::incident_from_row as incident_record_from_row;
use super::instances::{summary_from_row, INSTANCE_SELECT};
use super::jobs::{job_from_row, JOB_COLUMNS};
use super::Store;
use crate::error::Result;
use crate::history::{
    ActivityFilter, ActivityInstance, ActivitySort, HistoricInstance, HistoricInstanceFilter, HistoricInstanceSort,
    IncidentFilter, IncidentSort, JobFilter, JobRecord, JobSort, OpenIncident, Sorting, Window, FAILED_ACTIVITY,
    FAILED_JOB,
};
use crate::store::sql::{Cells, Where};

/// Restricts `col` (a tenant id column) to the caller's scope and to the tenants asked for.
pub(crate) fn push_tenants(w: &mut Where, col: &str, scope: Option<&str>, ids: &[String]) {
    if let Some(t) = scope {
        let p = w.text(t);
        w.push(format!("{col} = {p}"));
    }
    push_in(w, col, ids);
}

/// `col IN (…)` when `values` is not empty.
pub(crate) fn push_in(w: &mut Where, col: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    let ps: Vec<String> = values.iter().map(|v| w.text(v.as_str())).collect();
    w.push(format!("{col} IN ({})", ps.join(", ")));
}

/// `col = value` when a value is given.
pub(crate) fn push_eq(w: &mut Where, col: &str, value: Option<&str>) {
    if let Some(v) = value {
        let p = w.text(v);
        w.push(format!("{col} = {p}"));
    }
}

/// `col LIKE pattern` with Camunda's pattern taken as given (`%` and `_` are wildcards).
pub(crate) fn push_like(w: &mut Where, col: &str, pattern: Option<&str>) {
    if let Some(v) = pattern {
        let p = w.text(v);
        w.push(format!("{col} LIKE {p}"));
    }
}

/// `col > = < value` for an optional bound.
pub(crate) fn push_int(w: &mut Where, col: &str, op: &str, value: Option<i64>) {
    if let Some(v) = value {
        let p = w.int(v);
        w.push(format!("{col} {op} {p}"));
    }
}

/// A condition that holds when `flag` is `Some(true)` and its negation for `Some(false)`.
pub(crate) fn push_flag(w: &mut Where, flag: Option<bool>, when_true: &str, when_false: &str) {
    match flag {
        Some(true) => w.push(when_true),
        Some(false) => w.push(when_false),
        None => {}
    }
}

/// A column a list can be ordered by: its SQL and whether it can be NULL.
pub(crate) type SortColumn = (&'static str, bool);

/// `ORDER BY` text for `keys` (each a column and whether it is descending), then `tiebreak`
/// in the first key's direction. NULLs come last in either direction on both databases
/// (SQLite puts them first, PostgreSQL last, when nothing is said).
pub(crate) fn order_by(keys: &[(SortColumn, bool)], tiebreak: &str) -> String {
    let mut parts = Vec::new();
    for ((col, nullable), desc) in keys {
        if *nullable {
            parts.push(format!("CASE WHEN {col} IS NULL THEN 1 ELSE 0 END"));
        }
        parts.push(format!("{col} {}", if *desc { "DESC" } else { "ASC" }));
    }
    let dir = if keys.first().is_some_and(|k| k.1) { "DESC" } else { "ASC" };
    parts.push(format!("{tiebreak} {dir}"));
    parts.join(", ")
}

/// The order of `sort` through `column`, or `default` when nothing is asked for.
pub(crate) fn sort_keys<K: Copy>(
    sort: &[Sorting<K>],
    column: impl Fn(K) -> SortColumn,
    default: (SortColumn, bool),
) -> Vec<(SortColumn, bool)> {
    if sort.is_empty() {
        vec![default]
    } else {
        sort.iter().map(|s| (column(s.key), s.descending)).collect()
    }
}

impl Store {
    /// Rows of `select` (which ends with its `FROM`) matching `w`, in `order`, in `window`.
    pub(crate) async fn listing<T>(
        &self,
        select: &str,
        w: Where,
        order: &str,
        window: Option<Window>,
        mut f: impl FnMut(&dyn Cells) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.window_rows(select, w, order, window).await?.iter().map(|r| f(r)).collect()
    }

    /// The rows of [`Store::listing`] as the pool answers them.
    async fn window_rows(
        &self,
        select: &str,
        mut w: Where,
        order: &str,
        window: Option<Window>,
    ) -> Result<Vec<AnyRow>> {
        let conditions = w.sql();
        let limit = match window {
            Some(win) => {
                let (l, o) = (w.int(win.max.max(0)), w.int(win.first.max(0)));
                format!(" LIMIT {l} OFFSET {o}")
            }
            None => String::new(),
        };
        let sql = format!("{select}{conditions} ORDER BY {order}{limit}");
        Ok(w.bind(&sql).fetch_all(&self.pool).await?)
    }

    /// How many rows of `from` (tables and joins) match `w`.
    pub(crate) async fn counting(&self, from: &str, w: Where) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) AS n FROM {from}{}", w.sql());
        let row = w.bind(&sql).fetch_one(&self.pool).await?;
        Ok(row.try_get::<i64, _>("n")?)
    }
}

// --- historic process instances ---

fn instance_where(scope: Option<&str>, f: &HistoricInstanceFilter) -> Where {
    let mut w = Where::default();
    push_tenants(&mut w, "i.tenant_id", scope, &f.tenant_ids);
    push_in(&mut w, "i.id", &f.instance_ids);
    push_eq(&mut w, "i.definition_id", f.definition_id.as_deref());
    push_eq(&mut w, "i.definition_key", f.definition_key.as_deref());
    push_eq(&mut w, "i.business_key", f.business_key.as_deref());
    push_like(&mut w, "i.business_key", f.business_key_like.as_deref());
    push_flag(&mut w, f.finished, "i.finished = 1", "i.finished = 0");
    let states: Vec<String> = f.states.iter().map(|s| s.as_str().to_owned()).collect();
    push_in(&mut w, "i.state", &states);
    push_eq(&mut w, "i.initiator", f.started_by.as_deref());
    push_eq(&mut w, "i.parent_instance_id", f.parent_instance_id.as_deref());
    push_int(&mut w, "i.start_time", ">=", f.started_after);
    push_int(&mut w, "i.start_time", "<", f.started_before);
    w
}

fn instance_column(k: HistoricInstanceSort) -> SortColumn {
    match k {
        HistoricInstanceSort::Id => ("i.id", false),
        HistoricInstanceSort::DefinitionId => ("i.definition_id", false),
        HistoricInstanceSort::DefinitionKey => ("i.definition_key", false),
        HistoricInstanceSort::DefinitionName => ("i.definition_name", false),
        HistoricInstanceSort::DefinitionVersion => ("i.version", false),
        HistoricInstanceSort::BusinessKey => ("i.business_key", true),
        HistoricInstanceSort::StartTime => ("i.start_time", false),
        HistoricInstanceSort::EndTime => ("i.end_time", true),
        HistoricInstanceSort::Duration => ("(i.end_time - i.start_time)", true),
        HistoricInstanceSort::TenantId => ("i.tenant_id", false),
    }
}

/// The activity an instance started at: its first history row.
const START_ACTIVITY: &str = ", (SELECT h.activity_id FROM activity_history h WHERE h.instance_id = i.id \
     ORDER BY h.id LIMIT 1) AS start_activity_id FROM process_instances i";

// --- activity instances ---

const ACTIVITY_FROM: &str = "activity_history h JOIN process_instances i ON i.id = h.instance_id";

fn activity_where(scope: Option<&str>, f: &ActivityFilter) -> Where {
    let mut w = Where::default();
    push_tenants(&mut w, "i.tenant_id", scope, &f.tenant_ids);
    push_eq(&mut w, "h.instance_id", f.instance_id.as_deref());
    push_eq(&mut w, "i.definition_id", f.definition_id.as_deref());
    push_eq(&mut w, "h.activity_id", f.activity_id.as_deref());
    push_eq(&mut w, "h.activity_name", f.activity_name.as_deref());
    push_eq(&mut w, "h.activity_type", f.activity_type.as_deref());
    push_eq(&mut w, "h.actor", f.actor.as_deref());
    push_flag(&mut w, f.finished, "h.end_time IS NOT NULL", "h.end_time IS NULL");
    push_flag(
        &mut w,
        f.canceled,
        "(h.end_time IS NOT NULL AND h.outcome <> 'completed')",
        "(h.end_time IS NULL OR h.outcome = 'completed')",
    );
    push_int(&mut w, "h.start_time", ">=", f.started_after);
    push_int(&mut w, "h.start_time", "<", f.started_before);
    w
}

fn activity_column(k: ActivitySort) -> SortColumn {
    match k {
        ActivitySort::Id => ("h.id", false),
        ActivitySort::InstanceId => ("h.instance_id", false),
        ActivitySort::ActivityId => ("h.activity_id", false),
        ActivitySort::ActivityName => ("h.activity_name", false),
        ActivitySort::ActivityType => ("h.activity_type", false),
        ActivitySort::StartTime => ("h.start_time", false),
        ActivitySort::EndTime => ("h.end_time", true),
        ActivitySort::Duration => ("(h.end_time - h.start_time)", true),
        ActivitySort::DefinitionId => ("i.definition_id", false),
        ActivitySort::TenantId => ("i.tenant_id", false),
    }
}

fn activity_from_row(r: &dyn Cells) -> Result<ActivityInstance> {
    Ok(ActivityInstance {
        record: activity_record_from_row(r)?,
        instance_id: r.try_get("instance_id")?,
        definition_id: r.try_get("definition_id")?,
        definition_key: r.try_get("definition_key")?,
        tenant_id: r.try_get("tenant_id")?,
    })
}

// --- open incidents ---

/// The job in error on an incident's token (the job whose failure raised it).
const INCIDENT_JOB: &str = "(SELECT MIN(j.id) FROM jobs j WHERE j.instance_id = inc.instance_id \
     AND j.token = inc.token AND j.state = 'error')";

const INCIDENT_FROM: &str = "incidents inc JOIN process_instances i ON i.id = inc.instance_id";

fn incident_where(scope: Option<&str>, f: &IncidentFilter) -> Where {
    let mut w = Where::default();
    w.push("inc.resolved IS NULL");
    push_tenants(&mut w, "i.tenant_id", scope, &f.tenant_ids);
    push_eq(&mut w, "inc.id", f.incident_id.as_deref());
    match f.incident_type.as_deref() {
        Some(FAILED_JOB) => w.push(format!("{INCIDENT_JOB} IS NOT NULL")),
        Some(FAILED_ACTIVITY) => w.push(format!("{INCIDENT_JOB} IS NULL")),
        // No incident has another type.
        Some(_) => w.push("1 = 0"),
        None => {}
    }
    push_eq(&mut w, "inc.message", f.message.as_deref());
    push_like(&mut w, "inc.message", f.message_like.as_deref());
    push_eq(&mut w, "i.definition_id", f.definition_id.as_deref());
    push_in(&mut w, "i.definition_key", &f.definition_keys);
    push_eq(&mut w, "inc.instance_id", f.instance_id.as_deref());
    push_eq(&mut w, "inc.activity_id", f.activity_id.as_deref());
    if let Some(job) = f.job_id.as_deref() {
        let p = w.text(job);
        w.push(format!("{INCIDENT_JOB} = {p}"));
    }
    w
}

fn incident_column(k: IncidentSort) -> SortColumn {
    match k {
        IncidentSort::Id => ("inc.id", false),
        IncidentSort::Message => ("inc.message", false),
        IncidentSort::Timestamp => ("inc.created", false),
        IncidentSort::Type | IncidentSort::JobId => (INCIDENT_JOB, true),
        IncidentSort::ActivityId => ("inc.activity_id", false),
        IncidentSort::InstanceId => ("inc.instance_id", false),
        IncidentSort::DefinitionId => ("i.definition_id", false),
        IncidentSort::TenantId => ("i.tenant_id", false),
    }
}

fn incident_from_row(r: &dyn Cells) -> Result<OpenIncident> {
    Ok(OpenIncident {
        incident: incident_record_from_row(r)?,
        instance_id: r.try_get("instance_id")?,
        definition_id: r.try_get("definition_id")?,
        tenant_id: r.try_get("tenant_id")?,
        job_id: r.try_get("job_id")?,
    })
}

// --- jobs ---

const JOB_FROM: &str = "jobs j JOIN process_instances i ON i.id = j.instance_id";

fn job_where(scope: Option<&str>, f: &JobFilter, now: i64) -> Where {
    let mut w = Where::default();
    push_tenants(&mut w, "j.tenant_id", scope, &f.tenant_ids);
    push_in(&mut w, "j.id", &f.job_ids);
    push_eq(&mut w, "j.instance_id", f.instance_id.as_deref());
    push_eq(&mut w, "i.definition_id", f.definition_id.as_deref());
    push_eq(&mut w, "i.definition_key", f.definition_key.as_deref());
    push_eq(&mut w, "j.activity_id", f.activity_id.as_deref());
    if f.with_retries_left {
        w.push("j.retries > 0");
    }
    if f.no_retries_left {
        w.push("j.retries = 0");
    }
    if f.executable {
        let p = w.int(now);
        w.push(format!("j.retries > 0 AND j.due <= {p} AND j.suspended = 0"));
    }
    if f.timers {
        w.push("j.kind = 'timer'");
    }
    if f.messages {
        w.push("j.kind <> 'timer'");
    }
    if f.with_exception {
        w.push("j.error IS NOT NULL");
    }
    if let Some(m) = f.exception_message.as_deref() {
        // A row written before errors were stored as sentences holds the message itself; a
        // sentence (`Text::to_stored`) is compared as its English after reading (`find_jobs`).
        let p = w.text(m);
        w.push(format!("(j.error = {p} OR j.error LIKE '{{\"key\":%')"));
    }
    push_flag(&mut w, f.suspended, "j.suspended = 1", "j.suspended = 0");
    push_int(&mut w, "j.due", "<", f.due_before);
    push_int(&mut w, "j.due", ">", f.due_after);
    w
}

fn job_column(k: JobSort) -> SortColumn {
    match k {
        JobSort::Id => ("j.id", false),
        JobSort::InstanceId => ("j.instance_id", false),
        JobSort::DefinitionId => ("i.definition_id", false),
        JobSort::DefinitionKey => ("i.definition_key", false),
        JobSort::Retries => ("j.retries", false),
        JobSort::DueDate => ("j.due", false),
        JobSort::TenantId => ("j.tenant_id", false),
    }
}

impl Store {
    /// Historic process instances of `scope` (all tenants when `None`) matching `f`.
    pub(crate) async fn historic_instances(
        &self,
        scope: Option<&str>,
        f: &HistoricInstanceFilter,
        window: Option<Window>,
    ) -> Result<Vec<HistoricInstance>> {
        let select = INSTANCE_SELECT.replacen(" FROM process_instances i", START_ACTIVITY, 1);
        let keys = sort_keys(&f.sort, instance_column, (instance_column(HistoricInstanceSort::StartTime), false));
        let order = order_by(&keys, "i.id");
        self.listing(&select, instance_where(scope, f), &order, window, |r| {
            Ok(HistoricInstance { summary: summary_from_row(r)?, start_activity_id: r.try_get("start_activity_id")? })
        })
        .await
    }

    /// How many instances [`Store::historic_instances`] finds.
    pub(crate) async fn count_historic_instances(
        &self,
        scope: Option<&str>,
        f: &HistoricInstanceFilter,
    ) -> Result<i64> {
        self.counting("process_instances i", instance_where(scope, f)).await
    }

    /// Activity instances of `scope` matching `f`.
    pub(crate) async fn activity_instances(
        &self,
        scope: Option<&str>,
        f: &ActivityFilter,
        window: Option<Window>,
    ) -> Result<Vec<ActivityInstance>> {
        let select = format!(
            "SELECT h.id, h.token, h.activity_id, h.activity_name, h.activity_type, h.start_time, h.end_time, \
             h.outcome, h.actor, h.task_id, h.instance_id, i.definition_id, i.definition_key, i.tenant_id \
             FROM {ACTIVITY_FROM}"
        );
        let keys = sort_keys(&f.sort, activity_column, (activity_column(ActivitySort::StartTime), false));
        self.listing(&select, activity_where(scope, f), &order_by(&keys, "h.id"), window, activity_from_row).await
    }

    /// How many activity instances [`Store::activity_instances`] finds.
    pub(crate) async fn count_activity_instances(&self, scope: Option<&str>, f: &ActivityFilter) -> Result<i64> {
        self.counting(ACTIVITY_FROM, activity_where(scope, f)).await
    }

    /// Open incidents of `scope` matching `f`.
    pub(crate) async fn open_incidents(
        &self,
        scope: Option<&str>,
        f: &IncidentFilter,
        window: Option<Window>,
    ) -> Result<Vec<OpenIncident>> {
        let select = format!(
            "SELECT inc.id, inc.token, inc.activity_id, inc.message, inc.created, inc.resolved, inc.instance_id, \
             i.definition_id, i.tenant_id, {INCIDENT_JOB} AS job_id FROM {INCIDENT_FROM}"
        );
        let keys = sort_keys(&f.sort, incident_column, (incident_column(IncidentSort::Timestamp), false));
        self.listing(&select, incident_where(scope, f), &order_by(&keys, "inc.id"), window, incident_from_row).await
    }

    /// How many incidents [`Store::open_incidents`] finds.
    pub(crate) async fn count_open_incidents(&self, scope: Option<&str>, f: &IncidentFilter) -> Result<i64> {
        self.counting(INCIDENT_FROM, incident_where(scope, f)).await
    }

    /// Jobs of `scope` matching `f` as of `now`.
    pub(crate) async fn find_jobs(
        &self,
        scope: Option<&str>,
        f: &JobFilter,
        now: i64,
        window: Option<Window>,
    ) -> Result<Vec<JobRecord>> {
        let select = format!("SELECT {JOB_COLUMNS}, i.definition_id, i.definition_key, j.suspended FROM {JOB_FROM}");
        let keys = sort_keys(&f.sort, job_column, (job_column(JobSort::DueDate), false));
        // With an exception message, the sentences among the candidates are compared as their
        // English here, and the window is taken after (the table holds the jobs still to run).
        let by_message = f.exception_message.as_deref();
        let read = if by_message.is_some() { None } else { window };
        // `job_from_row` reads the pool's rows (it is shared with the executor's reads).
        let rows = self.window_rows(&select, job_where(scope, f, now), &order_by(&keys, "j.id"), read).await?;
        let records = rows.iter().map(|r| {
            Ok(JobRecord {
                job: job_from_row(r)?,
                definition_id: r.try_get("definition_id")?,
                definition_key: r.try_get("definition_key")?,
                suspended: r.try_get::<i64, _>("suspended")? != 0,
            })
        });
        let Some(message) = by_message else { return records.collect() };
        let mut found = Vec::new();
        for record in records {
            let record = record?;
            if record.job.error.as_deref() == Some(message) {
                found.push(record);
            }
        }
        Ok(match window {
            Some(w) => found.into_iter().skip(w.first.max(0) as usize).take(w.max.max(0) as usize).collect(),
            None => found,
        })
    }

    /// How many jobs [`Store::find_jobs`] finds.
    pub(crate) async fn count_jobs(&self, scope: Option<&str>, f: &JobFilter, now: i64) -> Result<i64> {
        if f.exception_message.is_some() {
            return Ok(self.find_jobs(scope, f, now, None).await?.len() as i64);
        }
        self.counting(JOB_FROM, job_where(scope, f, now)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_put_nulls_last_and_break_ties_by_key() {
        let keys = [(("t.due", true), true), (("t.name", false), false)];
        assert_eq!(
            order_by(&keys, "t.id"),
            "CASE WHEN t.due IS NULL THEN 1 ELSE 0 END, t.due DESC, t.name ASC, t.id DESC"
        );
        assert_eq!(order_by(&[(("t.created", false), false)], "t.id"), "t.created ASC, t.id ASC");
    }

    #[test]
    fn filters_number_their_values_in_order() {
        let f = HistoricInstanceFilter {
            tenant_ids: vec!["a".into(), "b".into()],
            finished: Some(true),
            business_key_like: Some("order-%".into()),
            ..HistoricInstanceFilter::default()
        };
        let w = instance_where(Some("a"), &f);
        assert_eq!(
            w.sql(),
            " WHERE i.tenant_id = $1 AND i.tenant_id IN ($2, $3) AND i.business_key LIKE $4 AND i.finished = 1"
        );
        let f = IncidentFilter { incident_type: Some("custom".into()), ..IncidentFilter::default() };
        assert!(incident_where(None, &f).sql().ends_with("AND 1 = 0"), "an unknown type finds nothing");
    }
}
