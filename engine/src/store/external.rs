//! External tasks: jobs of kind `external` with a topic (see `crate::external`). Their rows
//! live in `jobs`; this module holds the statements only workers and the external-task API
//! run: fetch and lock by topic, the guarded writes of a worker's outcome, lists and counts.
//!
//! A task is fetchable when it is not in error, its instance is not suspended and its `due`
//! has passed: a new task is due at once, a failed one after its retry timeout, and a locked
//! one (state `running`, `locked_by` its worker) when its lock expires, since locking sets
//! `due` to the lock's expiry. So one index, `jobs_external (topic, suspended, due)`, finds
//! every fetchable task of a topic oldest first, free or with an expired lock.
//!
//! Fetching is one `UPDATE … RETURNING` per topic: on PostgreSQL its inner select takes rows
//! `FOR UPDATE SKIP LOCKED`, so concurrent workers skip each other's rows; on SQLite writes are
//! serialised, so two workers never lock the same task. On a SQLite file the fetch goes
//! through the store's writer thread (`direct`), which commits it with the fetches and
//! outcomes of other workers queued meanwhile: many workers share one sync.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::jobs::{retries_of, JobWrite};
use super::{Backend, Store};
use crate::error::Result;
use crate::external::{ExternalTask, ExternalTaskQuery};
use crate::store::sql::{bind_all, Arg, Cells, Where};

/// The columns of a locked task as a fetch returns them.
const LOCKED_COLUMNS: &str = "id, tenant_id, instance_id, token, activity_id, topic, locked_by, lock_expires_at, \
     retries, retries_unset, error, error_details, priority";

/// One topic's part of a fetch: which tasks and for how long.
#[derive(Debug, Clone)]
pub(crate) struct FetchSpec<'a> {
    pub topic: &'a str,
    pub worker: &'a str,
    /// When the lock ends.
    pub expires: i64,
    pub now: i64,
    pub limit: i64,
    pub use_priority: bool,
    /// The caller's tenant (a tenant manager's), else all.
    pub scope: Option<&'a str>,
    pub tenant_ids: &'a [String],
    pub business_key: Option<&'a str>,
    pub definition_keys: &'a [String],
}

/// A task a fetch locked, before its variables are read.
#[derive(Debug, Clone)]
pub(crate) struct LockedRow {
    pub id: String,
    pub tenant_id: String,
    pub instance_id: String,
    pub token: i64,
    pub activity_id: String,
    pub topic: String,
    pub worker: String,
    pub lock_expires_at: i64,
    pub retries: Option<i64>,
    pub error: Option<String>,
    pub error_details: Option<String>,
    pub priority: i64,
}

/// An external task's row, as commands on it read it.
#[derive(Debug, Clone)]
pub(crate) struct ExternalRow {
    pub id: String,
    pub tenant_id: String,
    pub instance_id: String,
    pub token: i64,
    pub activity_id: String,
    pub name: String,
    pub topic: String,
    pub state: String,
    /// The worker holding the lock (also after it expired, until someone else takes it).
    pub locked_by: Option<String>,
}

fn locked_from_row(r: &dyn Cells) -> Result<LockedRow> {
    Ok(LockedRow {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        instance_id: r.try_get("instance_id")?,
        token: r.try_get("token")?,
        activity_id: r.try_get("activity_id")?,
        topic: r.try_get("topic")?,
        worker: r.try_get("locked_by")?,
        lock_expires_at: r.try_get("lock_expires_at")?,
        retries: retries_of(r)?,
        error: r.try_get("error")?,
        error_details: r.try_get("error_details")?,
        priority: r.try_get("priority")?,
    })
}

/// The columns of a listed task: the job and its instance.
const LIST_COLUMNS: &str = "j.id, j.topic, j.locked_by, j.lock_expires_at, j.state, j.activity_id, j.token, \
     j.instance_id, i.definition_id, i.definition_key, j.tenant_id, i.business_key, j.retries, j.retries_unset, \
     j.error, j.suspended, j.priority, j.created";

fn listed_from_row(r: &AnyRow, now: i64) -> Result<ExternalTask> {
    let state: String = r.try_get("state")?;
    let expires: Option<i64> = r.try_get("lock_expires_at")?;
    // A lock that expired holds nothing: the task is free for any worker.
    let locked = state == "running" && expires.is_some_and(|e| e > now);
    Ok(ExternalTask {
        id: r.try_get("id")?,
        topic_name: r.try_get("topic")?,
        worker_id: if locked { r.try_get("locked_by")? } else { None },
        lock_expiration_time: if locked { expires } else { None },
        activity_id: r.try_get("activity_id")?,
        execution_id: r.try_get::<i64, _>("token")?.to_string(),
        process_instance_id: r.try_get("instance_id")?,
        process_definition_id: r.try_get("definition_id")?,
        process_definition_key: r.try_get("definition_key")?,
        tenant_id: r.try_get("tenant_id")?,
        business_key: r.try_get("business_key")?,
        retries: retries_of(r)?.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
        error_message: r.try_get("error")?,
        suspended: r.try_get::<i64, _>("suspended")? != 0,
        priority: r.try_get("priority")?,
        created_at: r.try_get("created")?,
    })
}

/// `column IN ($a, $b, …)` over `values`, bound in `w`.
fn push_in(w: &mut Where, column: &str, values: &[String]) {
    let marks: Vec<String> = values.iter().map(|v| w.text(v.clone())).collect();
    w.push(format!("{column} IN ({})", marks.join(", ")));
}

/// The conditions of a list or count query over `jobs j JOIN process_instances i`.
fn list_where(scope: Option<&str>, q: &ExternalTaskQuery, now: i64) -> Where {
    let mut w = Where::default();
    w.push("j.topic IS NOT NULL");
    if let Some(t) = scope {
        let p = w.text(t);
        w.push(format!("j.tenant_id = {p}"));
    }
    if !q.tenant_ids.is_empty() {
        push_in(&mut w, "j.tenant_id", &q.tenant_ids);
    }
    let texts = [
        ("j.id", &q.external_task_id),
        ("j.topic", &q.topic_name),
        ("j.locked_by", &q.worker_id),
        ("j.instance_id", &q.process_instance_id),
        ("i.definition_id", &q.process_definition_id),
        ("j.activity_id", &q.activity_id),
    ];
    for (column, value) in texts {
        if let Some(v) = value.as_deref() {
            let p = w.text(v);
            w.push(format!("{column} = {p}"));
        }
    }
    match q.locked {
        Some(true) => {
            let p = w.int(now);
            w.push(format!("j.state = 'running' AND j.lock_expires_at > {p}"));
        }
        Some(false) => {
            let p = w.int(now);
            w.push(format!("(j.state <> 'running' OR j.lock_expires_at <= {p})"));
        }
        None => {}
    }
    match q.with_retries_left {
        Some(true) => w.push("j.state <> 'error'"),
        Some(false) => w.push("j.state = 'error'"),
        None => {}
    }
    w
}

impl Store {
    /// Locks up to `spec.limit` fetchable tasks of one topic for the worker (see the module
    /// docs) and returns them, oldest due first (highest priority first when asked).
    pub(crate) async fn lock_external(&self, spec: &FetchSpec<'_>) -> Result<Vec<LockedRow>> {
        let mut w = Where::default();
        let (worker, expires) = (w.text(spec.worker), w.int(spec.expires));
        let topic = w.text(spec.topic);
        let now = w.int(spec.now);
        w.push(format!("j.topic = {topic} AND j.suspended = 0 AND j.due <= {now} AND j.state <> 'error'"));
        if let Some(t) = spec.scope {
            let p = w.text(t);
            w.push(format!("j.tenant_id = {p}"));
        }
        if !spec.tenant_ids.is_empty() {
            push_in(&mut w, "j.tenant_id", spec.tenant_ids);
        }
        let join = spec.business_key.is_some() || !spec.definition_keys.is_empty();
        if let Some(b) = spec.business_key {
            let p = w.text(b);
            w.push(format!("i.business_key = {p}"));
        }
        if !spec.definition_keys.is_empty() {
            push_in(&mut w, "i.definition_key", spec.definition_keys);
        }
        let limit = w.int(spec.limit);
        let from = if join { "jobs j JOIN process_instances i ON i.id = j.instance_id" } else { "jobs j" };
        let order = if spec.use_priority { "j.priority DESC, j.due, j.id" } else { "j.due, j.id" };
        let skip = match self.backend() {
            Backend::Postgres => " FOR UPDATE OF j SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', locked_by = {worker}, lock_expires_at = {expires}, due = {expires}, \
             attempts = attempts + 1, revision = revision + 1 WHERE id IN (SELECT j.id FROM {from}{} \
             ORDER BY {order} LIMIT {limit}{skip}) RETURNING {LOCKED_COLUMNS}",
            w.sql()
        );
        let mut locked = match &self.direct {
            // On a SQLite file the writer thread runs it, committed with the commands queued
            // beside it: one sync for many workers' fetches and outcomes.
            Some(d) => d.returning(&sql, w.into_args()).await?.map(locked_from_row)?,
            None => {
                let rows = w.bind(&sql).fetch_all(&self.pool).await?;
                rows.iter().map(|r| locked_from_row(r)).collect::<Result<Vec<_>>>()?
            }
        };
        if spec.use_priority {
            locked.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
        } else {
            locked.sort_by(|a, b| a.id.cmp(&b.id));
        }
        Ok(locked)
    }

    /// Per topic of `topics`, the earliest `due` of a task that is or will be fetchable (not in
    /// error, instance not suspended): when its waiting fetches should look again. One look
    /// per topic down `jobs_external`, which stops at the first such task.
    pub(crate) async fn next_external_due(&self, topics: &[String]) -> Result<Vec<(String, i64)>> {
        let mut next = Vec::new();
        for topic in topics {
            let sql =
                "SELECT due FROM jobs WHERE topic = $1 AND suspended = 0 AND state <> 'error' ORDER BY due LIMIT 1";
            if let Some(due) =
                self.fetch_optional(sql, vec![Arg::from(topic.as_str())], |r| r.try_get::<i64>("due")).await?
            {
                next.push((topic.clone(), due));
            }
        }
        Ok(next)
    }

    /// External task `id`, if it exists.
    pub(crate) async fn external_row(&self, id: &str) -> Result<Option<ExternalRow>> {
        let sql = "SELECT id, tenant_id, instance_id, token, activity_id, name, topic, state, locked_by FROM jobs \
             WHERE id = $1 AND topic IS NOT NULL";
        self.fetch_optional(sql, vec![Arg::from(id)], |r| {
            Ok(ExternalRow {
                id: r.try_get("id")?,
                tenant_id: r.try_get("tenant_id")?,
                instance_id: r.try_get("instance_id")?,
                token: r.try_get("token")?,
                activity_id: r.try_get("activity_id")?,
                name: r.try_get("name")?,
                topic: r.try_get("topic")?,
                state: r.try_get("state")?,
                locked_by: r.try_get("locked_by")?,
            })
        })
        .await
    }

    /// A page of external tasks of `scope` (all tenants when `None`) matching `q`, oldest
    /// first.
    pub(crate) async fn external_tasks(
        &self,
        scope: Option<&str>,
        q: &ExternalTaskQuery,
        now: i64,
        first: i64,
        rows: i64,
    ) -> Result<Vec<ExternalTask>> {
        let mut w = list_where(scope, q, now);
        let (limit, offset) = (w.int(rows), w.int(first));
        let sql = format!(
            "SELECT {LIST_COLUMNS} FROM jobs j JOIN process_instances i ON i.id = j.instance_id{} \
             ORDER BY j.created, j.id LIMIT {limit} OFFSET {offset}",
            w.sql()
        );
        let rows = w.bind(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(|r| listed_from_row(r, now)).collect()
    }

    /// How many external tasks of `scope` match `q`.
    pub(crate) async fn count_external_tasks(
        &self,
        scope: Option<&str>,
        q: &ExternalTaskQuery,
        now: i64,
    ) -> Result<u64> {
        let w = list_where(scope, q, now);
        let sql =
            format!("SELECT COUNT(*) AS n FROM jobs j JOIN process_instances i ON i.id = j.instance_id{}", w.sql());
        let row = w.bind(&sql).fetch_one(&self.pool).await?;
        Ok(row.try_get::<i64, _>("n")?.max(0) as u64)
    }

    /// Runs one external-task write on its own; returns whether it changed a row.
    pub(crate) async fn write_external(&self, write: JobWrite) -> Result<bool> {
        let (sql, args) = write.into_statement();
        Ok(bind_all(&sql, args).execute(&self.pool).await?.rows_affected() > 0)
    }
}

/// The bind values of a worker's guard on task `id`, numbered after `args`.
pub(crate) fn worker_guard(args: &mut Vec<Arg>, id: String, worker: String) -> String {
    args.push(Arg::Text(id));
    args.push(Arg::Text(worker));
    format!("id = ${} AND locked_by = ${} AND state || '' = 'running'", args.len() - 1, args.len())
}
