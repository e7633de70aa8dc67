//! The deployment tables: `deployments` (each stored file with its XML), `process_definitions`
//! (one row per deployed version of a process) and `models` (editable copies of the XML).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::error::{written, Written};
use super::{Store, Tx};
use crate::bpmn::parse::Unsupported;
use crate::deploy::{
    Definition, DefinitionFilter, DefinitionOrderBy, DefinitionQuery, DefinitionSummary, FilteredDefinition, Model,
    ModelSummary, StoredReason,
};
use crate::error::Result;
use crate::store::instances::push_in;
use crate::store::sql::{like_pattern, push_search, Arg, Where};

// ---- deployments and definition versions -----------------------------------------------------

/// A deployment row to insert: one stored file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewDeployment<'a> {
    pub(crate) id: &'a str,
    pub(crate) tenant_id: &'a str,
    pub(crate) catalog_id: Option<&'a str>,
    pub(crate) file_name: &'a str,
    pub(crate) content_hash: &'a str,
    pub(crate) xml: &'a str,
    pub(crate) deployed_at: i64,
    pub(crate) deployed_by: &'a str,
}

/// A definition version to insert, from a deployment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewDefinition<'a> {
    pub(crate) id: &'a str,
    pub(crate) deployment_id: &'a str,
    pub(crate) tenant_id: &'a str,
    pub(crate) catalog_id: Option<&'a str>,
    pub(crate) key: &'a str,
    pub(crate) name: &'a str,
    /// What the fuzzy search looks in (see `deploy::search_text`).
    pub(crate) search_text: &'a str,
    pub(crate) version: i64,
    pub(crate) content_hash: &'a str,
    pub(crate) startable: bool,
    pub(crate) not_startable_reasons: &'a [Unsupported],
    pub(crate) deployed_at: i64,
}

/// Inserts a deployment row.
pub(crate) async fn insert_deployment(tx: &mut Tx, d: NewDeployment<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO deployments (id, tenant_id, catalog_id, file_name, content_hash, xml, deployed_at, deployed_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(d.id)
    .bind(d.tenant_id)
    .bind(d.catalog_id)
    .bind(d.file_name)
    .bind(d.content_hash)
    .bind(d.xml)
    .bind(d.deployed_at)
    .bind(d.deployed_by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The latest version of a key in a tenant and the hash of the content it came from.
pub(crate) async fn latest_version(tx: &mut Tx, tenant_id: &str, key: &str) -> Result<Option<(i64, String)>> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT version, content_hash FROM process_definitions \
         WHERE tenant_id = $1 AND process_key = $2 ORDER BY version DESC LIMIT 1",
    )
    .bind(tenant_id)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row)
}

/// Inserts a definition version; its not-startable reasons are kept as JSON, so that the list
/// screens show them without re-parsing the XML of every row.
pub(crate) async fn insert_definition(tx: &mut Tx, d: NewDefinition<'_>) -> Result<()> {
    let reasons: Vec<StoredReason> = d.not_startable_reasons.iter().map(StoredReason::from).collect();
    let reasons = serde_json::to_string(&reasons).unwrap_or_else(|_| "[]".to_string());
    sqlx::query(
        "INSERT INTO process_definitions (id, deployment_id, tenant_id, catalog_id, process_key, name, \
         name_lower, search_text, version, content_hash, startable, not_startable_reasons, deployed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(d.id)
    .bind(d.deployment_id)
    .bind(d.tenant_id)
    .bind(d.catalog_id)
    .bind(d.key)
    .bind(d.name)
    .bind(d.name.to_lowercase())
    .bind(d.search_text)
    .bind(d.version)
    .bind(d.content_hash)
    .bind(i64::from(d.startable))
    .bind(reasons)
    .bind(d.deployed_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records a definition's version tag (`camunda:versionTag`).
pub(crate) async fn set_version_tag(tx: &mut Tx, id: &str, tag: &str) -> Result<()> {
    sqlx::query("UPDATE process_definitions SET version_tag = $1 WHERE id = $2")
        .bind(tag)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The columns of a summary. `latest_version` is computed rather than stored, so there is
/// no "is latest" flag to keep right under concurrent deployments; the subquery is one
/// probe of the `UNIQUE (tenant_id, process_key, version)` index.
const SUMMARY_SELECT: &str = "SELECT d.id, d.process_key, d.name, d.name_lower, d.version, d.tenant_id, \
     d.catalog_id, d.startable, d.not_startable_reasons, d.deployed_at, d.deployment_id, p.file_name, \
     (SELECT MAX(m.version) FROM process_definitions m \
      WHERE m.tenant_id = d.tenant_id AND m.process_key = d.process_key) AS latest_version, \
     (SELECT COUNT(*) FROM process_instances i WHERE i.definition_id = d.id AND i.finished = 0) AS running_instances";

/// Only the latest version of each key in its tenant.
const LATEST_ONLY: &str = "d.version = (SELECT MAX(m.version) FROM process_definitions m \
     WHERE m.tenant_id = d.tenant_id AND m.process_key = d.process_key)";

const SUMMARY_FROM: &str = " FROM process_definitions d JOIN deployments p ON p.id = d.deployment_id";

/// The list order: by name (case-folded), key, newest version first, then id so that the
/// order is total and the keyset cursor never skips or repeats a row. PostgreSQL compares
/// these columns with the "C" collation (see the migration), like SQLite's BINARY, so both
/// databases page identically.
const LIST_ORDER: &str = " ORDER BY d.name_lower, d.process_key, d.version DESC, d.id";

fn summary_from_row(r: &AnyRow) -> Result<DefinitionSummary> {
    let reasons: String = r.try_get("not_startable_reasons")?;
    // Written by `insert_definition` as JSON; unreadable JSON would be a bug, shown as "no
    // reasons" rather than making the whole list fail.
    let reasons: Vec<StoredReason> = serde_json::from_str(&reasons).unwrap_or_default();
    Ok(DefinitionSummary {
        id: r.try_get("id")?,
        key: r.try_get("process_key")?,
        name: r.try_get("name")?,
        version: r.try_get("version")?,
        latest_version: r.try_get("latest_version")?,
        tenant_id: r.try_get("tenant_id")?,
        catalog_id: r.try_get("catalog_id")?,
        startable: r.try_get::<i64, _>("startable")? != 0,
        not_startable_reasons: reasons.into_iter().map(Unsupported::from).collect(),
        deployed_at: r.try_get("deployed_at")?,
        deployment_id: r.try_get("deployment_id")?,
        file_name: r.try_get("file_name")?,
        running_instances: r.try_get("running_instances")?,
    })
}

/// The position after the last row of a page of definitions: the sort key of that row
/// (name case-folded, key, version, id).
pub(crate) type DefinitionCursor = (String, String, i64, String);

impl Store {
    /// Up to `rows` definition versions of the list, in the list order, after `after`: each
    /// with its case-folded name, for the next cursor. `tenant_id` is the tenant the caller
    /// is limited to or chose; the query's other filters apply as given.
    pub(crate) async fn definitions_page(
        &self,
        tenant_id: Option<&str>,
        q: &DefinitionQuery,
        after: Option<DefinitionCursor>,
        rows: i64,
    ) -> Result<Vec<(DefinitionSummary, String)>> {
        let mut w = Where::default();
        if let Some(t) = tenant_id {
            let p = w.text(t);
            w.conditions.push(format!("d.tenant_id = {p}"));
        }
        if let Some(c) = &q.catalog_id {
            let p = w.text(c);
            w.conditions.push(format!("d.catalog_id = {p}"));
        }
        if let Some(k) = &q.key {
            let p = w.text(k);
            w.conditions.push(format!("d.process_key = {p}"));
        }
        if let Some(text) = &q.name_contains {
            push_search(&mut w, "d.search_text", text);
        }
        if q.latest_only {
            w.push(LATEST_ONLY);
        }
        if let Some((name, key, version, id)) = after {
            // Rows after (name, key, version, id) in LIST_ORDER, spelled out because the
            // version runs descending (a row-value comparison cannot mix directions).
            let (n1, n2, n3, n4) = (w.text(&name), w.text(&name), w.text(&name), w.text(&name));
            let (k1, k2, k3) = (w.text(&key), w.text(&key), w.text(&key));
            let (v1, v2) = (w.arg(Arg::Int(version)), w.arg(Arg::Int(version)));
            let i1 = w.text(id);
            w.conditions.push(format!(
                "(d.name_lower > {n1} \
                  OR (d.name_lower = {n2} AND d.process_key > {k1}) \
                  OR (d.name_lower = {n3} AND d.process_key = {k2} AND d.version < {v1}) \
                  OR (d.name_lower = {n4} AND d.process_key = {k3} AND d.version = {v2} AND d.id > {i1}))"
            ));
        }
        let limit_arg = w.arg(Arg::Int(rows));
        let sql = format!("{SUMMARY_SELECT}{SUMMARY_FROM}{}{LIST_ORDER} LIMIT {limit_arg}", w.sql());
        let found = w.bind(&sql).fetch_all(&self.pool).await?;
        found.iter().map(|r| Ok((summary_from_row(r)?, r.try_get("name_lower")?))).collect()
    }

    /// A page (`(offset, limit)`) of the definition versions in `tenants` (all when empty)
    /// that match `f`, in `f`'s order (the id breaks ties), each with its version tag.
    pub(crate) async fn filtered_definitions(
        &self,
        tenants: &[String],
        f: &DefinitionFilter,
        page: Option<(i64, i64)>,
    ) -> Result<Vec<FilteredDefinition>> {
        let mut w = definition_filter(tenants, f);
        let order = match f.order_by {
            DefinitionOrderBy::Key => "d.process_key {dir}, d.version {dir}",
            DefinitionOrderBy::Id => "d.id {dir}",
            DefinitionOrderBy::Name => "d.name_lower {dir}",
            DefinitionOrderBy::Version => "d.version {dir}",
            DefinitionOrderBy::DeploymentId => "d.deployment_id {dir}",
            DefinitionOrderBy::TenantId => "d.tenant_id {dir}",
            DefinitionOrderBy::DeployTime => "d.deployed_at {dir}",
        };
        let dir = if f.descending { "DESC" } else { "ASC" };
        let order = order.replace("{dir}", dir);
        let paging = match page {
            Some((offset, limit)) => format!(" LIMIT {} OFFSET {}", w.int(limit), w.int(offset)),
            None => String::new(),
        };
        let sql =
            format!("{SUMMARY_SELECT}, d.version_tag{SUMMARY_FROM}{} ORDER BY {order}, d.id {dir}{paging}", w.sql());
        let rows = w.bind(&sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(FilteredDefinition { summary: summary_from_row(r)?, version_tag: r.try_get("version_tag")? }))
            .collect()
    }

    /// How many definition versions in `tenants` (all when empty) match `f`.
    pub(crate) async fn count_filtered_definitions(&self, tenants: &[String], f: &DefinitionFilter) -> Result<i64> {
        let w = definition_filter(tenants, f);
        let sql = format!("SELECT COUNT(*) AS n FROM process_definitions d{}", w.sql());
        Ok(w.bind(&sql).fetch_one(&self.pool).await?.try_get("n")?)
    }

    /// One definition version with its XML, of any tenant.
    pub(crate) async fn definition(&self, id: &str) -> Result<Option<Definition>> {
        let sql = format!("{SUMMARY_SELECT}, p.xml{SUMMARY_FROM} WHERE d.id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| Ok(Definition { summary: summary_from_row(&r)?, xml: r.try_get("xml")? })).transpose()
    }

    /// Every version of a key in a tenant, newest first.
    pub(crate) async fn definition_versions(&self, tenant_id: &str, key: &str) -> Result<Vec<DefinitionSummary>> {
        let rows = sqlx::query(&format!(
            "{SUMMARY_SELECT}{SUMMARY_FROM} WHERE d.tenant_id = $1 AND d.process_key = $2 ORDER BY d.version DESC"
        ))
        .bind(tenant_id)
        .bind(key)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from_row).collect()
    }
}

/// The conditions of a [`DefinitionFilter`] on `process_definitions d`, in `tenants`.
fn definition_filter(tenants: &[String], f: &DefinitionFilter) -> Where {
    let mut w = Where::default();
    push_in(&mut w, "d.tenant_id", tenants);
    push_in(&mut w, "d.id", &f.ids);
    for (column, value) in [("d.process_key", &f.key), ("d.name", &f.name), ("d.deployment_id", &f.deployment_id)] {
        if let Some(v) = value {
            let p = w.text(v.as_str());
            w.push(format!("{column} = {p}"));
        }
    }
    if let Some(like) = f.key_like.as_deref().filter(|l| !l.is_empty()) {
        let p = w.text(like_pattern(like));
        w.push(format!("d.process_key LIKE {p} ESCAPE '\\'"));
    }
    if let Some(like) = f.name_like.as_deref().filter(|l| !l.is_empty()) {
        let p = w.text(like_pattern(&like.to_lowercase()));
        w.push(format!("d.name_lower LIKE {p} ESCAPE '\\'"));
    }
    if let Some(v) = f.version {
        let p = w.int(v);
        w.push(format!("d.version = {p}"));
    }
    if f.latest {
        w.push(LATEST_ONLY);
    }
    w
}

// ---- models ----------------------------------------------------------------------------------

const MODEL_COLUMNS: &str =
    "id, tenant_id, catalog_id, process_key, name, source_definition_id, created_at, updated_at, revision";

fn model_from_row(r: &AnyRow) -> Result<ModelSummary> {
    Ok(ModelSummary {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        catalog_id: r.try_get("catalog_id")?,
        key: r.try_get("process_key")?,
        name: r.try_get("name")?,
        source_definition_id: r.try_get("source_definition_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        revision: r.try_get("revision")?,
    })
}

/// A model's new content, as saved from the editor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ModelContent<'a> {
    pub(crate) xml: &'a str,
    pub(crate) key: &'a str,
    pub(crate) name: &'a str,
    pub(crate) updated_at: i64,
}

impl Store {
    /// The model of a key in a tenant.
    pub(crate) async fn model_by_key(&self, tenant_id: &str, key: &str) -> Result<Option<ModelSummary>> {
        let row = sqlx::query(&format!("SELECT {MODEL_COLUMNS} FROM models WHERE tenant_id = $1 AND process_key = $2"))
            .bind(tenant_id)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(model_from_row).transpose()
    }

    /// The models of a tenant and a catalog node (each when given), by name.
    pub(crate) async fn models(&self, tenant_id: Option<&str>, catalog_id: Option<&str>) -> Result<Vec<ModelSummary>> {
        let mut conditions = Vec::new();
        let mut args = Vec::new();
        for (column, value) in [("tenant_id", tenant_id), ("catalog_id", catalog_id)] {
            if let Some(v) = value {
                args.push(v);
                conditions.push(format!("{column} = ${}", args.len()));
            }
        }
        let filter = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
        let sql = format!("SELECT {MODEL_COLUMNS} FROM models{filter} ORDER BY name_lower, process_key, id");
        let mut query = sqlx::query(&sql);
        for a in args {
            query = query.bind(a);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(model_from_row).collect()
    }

    /// One model with its XML, of any tenant.
    pub(crate) async fn model(&self, id: &str) -> Result<Option<Model>> {
        let sql = format!("SELECT {MODEL_COLUMNS}, xml FROM models WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| Ok(Model { summary: model_from_row(&r)?, xml: r.try_get("xml")? })).transpose()
    }
}

/// Inserts a model (revision 1); `Duplicate` when the tenant has a model of that key.
pub(crate) async fn insert_model(tx: &mut Tx, m: &ModelSummary, xml: &str) -> Result<Written> {
    let done = sqlx::query(
        "INSERT INTO models (id, tenant_id, catalog_id, process_key, name, name_lower, xml, \
         source_definition_id, created_at, updated_at, revision) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)",
    )
    .bind(&m.id)
    .bind(&m.tenant_id)
    .bind(&m.catalog_id)
    .bind(&m.key)
    .bind(&m.name)
    .bind(m.name.to_lowercase())
    .bind(xml)
    .bind(&m.source_definition_id)
    .bind(m.created_at)
    .bind(m.updated_at)
    .execute(&mut **tx)
    .await;
    written(done)
}

/// Saves a model's content if it is still at `revision`; `NoRow` when it is not, `Duplicate`
/// when another model of the tenant has the key.
pub(crate) async fn update_model(tx: &mut Tx, id: &str, content: ModelContent<'_>, revision: i64) -> Result<Written> {
    let done = sqlx::query(
        "UPDATE models SET xml = $1, process_key = $2, name = $3, name_lower = $4, updated_at = $5, \
         revision = revision + 1 WHERE id = $6 AND revision = $7",
    )
    .bind(content.xml)
    .bind(content.key)
    .bind(content.name)
    .bind(content.name.to_lowercase())
    .bind(content.updated_at)
    .bind(id)
    .bind(revision)
    .execute(&mut **tx)
    .await;
    written(done)
}

/// Deletes a model; `NoRow` when it is gone already.
pub(crate) async fn delete_model(tx: &mut Tx, id: &str) -> Result<Written> {
    let done = sqlx::query("DELETE FROM models WHERE id = $1").bind(id).execute(&mut **tx).await;
    written(done)
}
