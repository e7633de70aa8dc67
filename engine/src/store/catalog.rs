//! The `catalog_nodes` table, and the counts of what is filed under a node.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::error::{written, Written};
use super::{Store, Tx};
use crate::catalog::{CatalogHolder, CatalogNode};
use crate::error::Result;

const NODE_COLUMNS: &str = "id, parent_id, name, code, revision";

fn node_from_row(r: &AnyRow) -> Result<CatalogNode> {
    Ok(CatalogNode {
        id: r.try_get("id")?,
        parent_id: r.try_get("parent_id")?,
        name: r.try_get("name")?,
        code: r.try_get("code")?,
        revision: r.try_get("revision")?,
    })
}

impl CatalogHolder {
    /// The table whose rows are filed under a node (`catalog_id`).
    fn table(self) -> &'static str {
        match self {
            CatalogHolder::Definitions => "process_definitions",
            CatalogHolder::Models => "models",
        }
    }
}

impl Store {
    /// Every catalog node, siblings by sort and name (not yet in tree order).
    pub(crate) async fn catalog_nodes(&self) -> Result<Vec<CatalogNode>> {
        let rows = sqlx::query(&format!("SELECT {NODE_COLUMNS} FROM catalog_nodes ORDER BY sort, name"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(node_from_row).collect()
    }

    /// The node with this id.
    pub(crate) async fn catalog_node(&self, id: &str) -> Result<Option<CatalogNode>> {
        let row = sqlx::query(&format!("SELECT {NODE_COLUMNS} FROM catalog_nodes WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(node_from_row).transpose()
    }

    /// The node with this code.
    pub(crate) async fn catalog_node_by_code(&self, code: &str) -> Result<Option<CatalogNode>> {
        let row = sqlx::query(&format!("SELECT {NODE_COLUMNS} FROM catalog_nodes WHERE code = $1"))
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(node_from_row).transpose()
    }

    /// How many catalog nodes there are.
    pub(crate) async fn catalog_node_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM catalog_nodes").fetch_one(&self.pool).await?)
    }
}

/// Inserts a new node (revision 1); `Duplicate` when its code is taken.
pub(crate) async fn insert_node(tx: &mut Tx, node: &CatalogNode, created_at: i64) -> Result<Written> {
    let done = sqlx::query(
        "INSERT INTO catalog_nodes (id, parent_id, name, code, created_at, revision) VALUES ($1, $2, $3, $4, $5, 1)",
    )
    .bind(&node.id)
    .bind(&node.parent_id)
    .bind(&node.name)
    .bind(&node.code)
    .bind(created_at)
    .execute(&mut **tx)
    .await;
    written(done)
}

/// Sets a node's name and code if it is still at `revision`; `NoRow` when it is not,
/// `Duplicate` when the code is taken.
pub(crate) async fn update_node(tx: &mut Tx, id: &str, name: &str, code: &str, revision: i64) -> Result<Written> {
    let done = sqlx::query(
        "UPDATE catalog_nodes SET name = $1, code = $2, revision = revision + 1 WHERE id = $3 AND revision = $4",
    )
    .bind(name)
    .bind(code)
    .bind(id)
    .bind(revision)
    .execute(&mut **tx)
    .await;
    written(done)
}

/// How many nodes are children of `id`.
pub(crate) async fn child_count(tx: &mut Tx, id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM catalog_nodes WHERE parent_id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?)
}

/// How many rows of `holder` are filed under `id`.
pub(crate) async fn filed_count(tx: &mut Tx, holder: CatalogHolder, id: &str) -> Result<i64> {
    let table = holder.table();
    Ok(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE catalog_id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?)
}

/// Deletes a node.
pub(crate) async fn delete_node(tx: &mut Tx, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM catalog_nodes WHERE id = $1").bind(id).execute(&mut **tx).await?;
    Ok(())
}
