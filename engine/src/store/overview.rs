//! The counts an operator checks first (the overview page): one statement, each count read
//! from an index that holds only the rows it counts, or leads with their state.

use sqlx::Row;

use super::sql::Where;
use super::Store;
use crate::error::Result;

/// What runs and what needs attention, in one tenant or all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RuntimeCounts {
    pub running: i64,
    pub suspended: i64,
    pub open_incidents: i64,
    pub overdue_tasks: i64,
    pub failed_jobs: i64,
}

impl Store {
    /// The counts in `tenant` (all when `None`) at `now`.
    pub(crate) async fn runtime_counts(&self, tenant: Option<&str>, now: i64) -> Result<RuntimeCounts> {
        let mut w = Where::default();
        let scoped = |w: &mut Where, alias: &str| match tenant {
            Some(t) => format!(" AND {alias}.tenant_id = {}", w.text(t)),
            None => String::new(),
        };
        let (s1, s2, s3, s4, s5) =
            (scoped(&mut w, "i"), scoped(&mut w, "i"), scoped(&mut w, "n"), scoped(&mut w, "t"), scoped(&mut w, "j"));
        let due = w.int(now);
        let sql = format!(
            "SELECT \
             (SELECT COUNT(*) FROM process_instances i WHERE i.finished = 0 AND i.state = 'running'{s1}) AS running, \
             (SELECT COUNT(*) FROM process_instances i WHERE i.state = 'suspended'{s2}) AS suspended, \
             (SELECT COUNT(*) FROM incidents n WHERE n.resolved IS NULL{s3}) AS open_incidents, \
             (SELECT COUNT(*) FROM tasks t WHERE t.state = 'active' AND t.due < {due}{s4}) AS overdue_tasks, \
             (SELECT COUNT(*) FROM jobs j WHERE j.state = 'error'{s5}) AS failed_jobs"
        );
        let row = w.bind(&sql).fetch_one(&self.pool).await?;
        Ok(RuntimeCounts {
            running: row.try_get("running")?,
            suspended: row.try_get("suspended")?,
            open_incidents: row.try_get("open_incidents")?,
            overdue_tasks: row.try_get("overdue_tasks")?,
            failed_jobs: row.try_get("failed_jobs")?,
        })
    }
}
