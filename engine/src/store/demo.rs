//! The statements of the demo data loader (`crate::demo`): whether the database is still
//! empty, and moving an instance's times into the past.

use super::Store;
use crate::error::Result;

impl Store {
    /// How many organisation units and catalog nodes there are together.
    pub(crate) async fn unit_and_catalog_node_count(&self) -> Result<i64> {
        let n: i64 =
            sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM org_units) + (SELECT COUNT(*) FROM catalog_nodes)")
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    /// Moves every time of an instance, its tasks and its history `by` milliseconds into the
    /// past (demo data that looks days old). NULL times stay NULL.
    pub(crate) async fn backdate_instance(&self, instance_id: &str, by: i64) -> Result<()> {
        for sql in [
            "UPDATE process_instances SET start_time = start_time - $1, end_time = end_time - $1 WHERE id = $2",
            "UPDATE tasks SET created = created - $1, due = due - $1, end_time = end_time - $1 \
             WHERE instance_id = $2",
            "UPDATE activity_history SET start_time = start_time - $1, end_time = end_time - $1 \
             WHERE instance_id = $2",
            "UPDATE variable_history SET at = at - $1 WHERE instance_id = $2",
            "UPDATE instance_operations SET at = at - $1 WHERE instance_id = $2",
        ] {
            sqlx::query(sql).bind(by).bind(instance_id).execute(&self.pool).await?;
        }
        Ok(())
    }
}
