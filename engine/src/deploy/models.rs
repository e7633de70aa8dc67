//! Models (模型): editable BPMN XML, made from a deployed definition ("convert to model"),
//! saved after validation and deployed again as the next version.
//!
//! A tenant has at most one model per process key (`UNIQUE (tenant_id, process_key)`), so
//! that "the model of this process" is never ambiguous.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{text, FileOutcome, Target};
use crate::audit;
use crate::bpmn::parse::{parse, ParseOptions};
use crate::bpmn::Definitions;
use crate::error::{EngineError, Result};
use crate::identity::Account;
use crate::store::new_id;
use crate::Engine;

/// A model as listed (without its XML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelSummary {
    pub id: String,
    pub tenant_id: String,
    pub catalog_id: Option<String>,
    /// The process key the model deploys as.
    pub key: String,
    pub name: String,
    /// The definition version it was converted from.
    pub source_definition_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Pass back to [`Engine::save_model_xml`]; it changes with every save.
    pub revision: i64,
}

/// A model with its BPMN XML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[serde(flatten)]
    pub summary: ModelSummary,
    pub xml: String,
}

const MODEL_COLUMNS: &str =
    "id, tenant_id, catalog_id, process_key, name, source_definition_id, created_at, updated_at, revision";

fn summary_from_row(r: &AnyRow) -> Result<ModelSummary> {
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

fn model_exists(key: &str, existing: &ModelSummary) -> EngineError {
    EngineError::Conflict(format!(
        "A model for process '{key}' already exists: '{}' (id {}); open that model instead.",
        existing.name, existing.id
    ))
}

/// The key and name a model takes from its XML: the process with the model's current key if
/// the file still has one, else the file's first process (the key was renamed in the XML).
fn key_and_name(parsed: &Definitions, current_key: &str) -> (String, String) {
    let process = parsed.process(current_key).or_else(|| parsed.processes.first());
    match process {
        Some(p) => {
            let name = p.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(&p.id);
            (p.id.clone(), name.to_string())
        }
        // The parser refuses files without a process, so this is unreachable in practice.
        None => (current_key.to_string(), current_key.to_string()),
    }
}

impl Engine {
    async fn model_by_key(&self, tenant_id: &str, key: &str) -> Result<Option<ModelSummary>> {
        let row = sqlx::query(&format!("SELECT {MODEL_COLUMNS} FROM models WHERE tenant_id = $1 AND process_key = $2"))
            .bind(tenant_id)
            .bind(key)
            .fetch_optional(&self.store.pool)
            .await?;
        row.as_ref().map(summary_from_row).transpose()
    }

    /// Makes a model from a definition version: a copy of its XML, filed under the same
    /// catalog node. Refused (409) when the tenant already has a model for that key; the
    /// message names it.
    pub async fn convert_to_model(&self, caller: &Account, definition_id: &str) -> Result<Model> {
        let def = self.definition(caller, definition_id).await?;
        let s = &def.summary;
        if let Some(existing) = self.model_by_key(&s.tenant_id, &s.key).await? {
            return Err(model_exists(&s.key, &existing));
        }
        let now = self.clock.now();
        let summary = ModelSummary {
            id: new_id(),
            tenant_id: s.tenant_id.clone(),
            catalog_id: s.catalog_id.clone(),
            key: s.key.clone(),
            name: s.name.clone(),
            source_definition_id: Some(s.id.clone()),
            created_at: now,
            updated_at: now,
            revision: 1,
        };
        let mut tx = self.store.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO models (id, tenant_id, catalog_id, process_key, name, name_lower, xml, \
             source_definition_id, created_at, updated_at, revision) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)",
        )
        .bind(&summary.id)
        .bind(&summary.tenant_id)
        .bind(&summary.catalog_id)
        .bind(&summary.key)
        .bind(&summary.name)
        .bind(summary.name.to_lowercase())
        .bind(&def.xml)
        .bind(&summary.source_definition_id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            drop(tx);
            // Lost a race with another conversion of the same key: name the winner.
            if let sqlx::Error::Database(db) = &e {
                if db.is_unique_violation() {
                    if let Some(existing) = self.model_by_key(&s.tenant_id, &s.key).await? {
                        return Err(model_exists(&s.key, &existing));
                    }
                }
            }
            return Err(e.into());
        }
        let detail = format!("{} from {} v{}", summary.name, s.key, s.version);
        audit::record(&mut tx, now, caller, Some(&summary.tenant_id), "model.create", &summary.id, &detail).await?;
        tx.commit().await?;
        Ok(Model { summary, xml: def.xml })
    }

    /// The models the caller may see, optionally narrowed to a tenant and a catalog node
    /// (exactly that node), by name.
    pub async fn list_models(
        &self,
        caller: &Account,
        tenant_id: Option<&str>,
        catalog_id: Option<&str>,
    ) -> Result<Vec<ModelSummary>> {
        if let Some(t) = tenant_id {
            self.get_tenant(caller, t).await?;
        }
        let tenant = caller.tenant_scope().or(tenant_id);
        let mut conditions = Vec::new();
        let mut args = Vec::new();
        for (column, value) in [("tenant_id", tenant), ("catalog_id", catalog_id)] {
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
        let rows = query.fetch_all(&self.store.pool).await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// One model with its XML; 404 when unknown or in a tenant the caller cannot access.
    pub async fn model(&self, caller: &Account, id: &str) -> Result<Model> {
        let sql = format!("SELECT {MODEL_COLUMNS}, xml FROM models WHERE id = $1");
        let (summary, row) =
            self.accessible_row(caller, "Model", id, &sql, summary_from_row, |s| s.tenant_id.as_str()).await?;
        Ok(Model { summary, xml: row.try_get("xml")? })
    }

    /// Saves new XML for a model. The XML must parse as BPMN: otherwise it is refused as
    /// `Invalid { field: "xml" }` with the parser's message (line, column, what to do) and
    /// nothing changes. `revision` is the one the caller loaded; a different current revision
    /// means someone else saved meanwhile, and the save is refused (`ChangedMeanwhile`).
    ///
    /// The model's key and name follow the XML (the process with the current key, else the
    /// first process); a key another model of the tenant already has is refused (409).
    pub async fn save_model_xml(&self, caller: &Account, id: &str, xml: &str, revision: i64) -> Result<Model> {
        let current = self.model(caller, id).await?;
        let xml = text::editor_text(xml);
        let parsed = parse(xml.as_bytes(), &ParseOptions::default())
            .map_err(|e| EngineError::Invalid { field: Some("xml"), message: e.message })?;
        let (key, name) = key_and_name(&parsed, &current.summary.key);
        let now = self.clock.now();
        let mut tx = self.store.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE models SET xml = $1, process_key = $2, name = $3, name_lower = $4, updated_at = $5, \
             revision = revision + 1 WHERE id = $6 AND revision = $7",
        )
        .bind(&xml)
        .bind(&key)
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(now)
        .bind(id)
        .bind(revision)
        .execute(&mut *tx)
        .await;
        let done = match done {
            Ok(done) => done,
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                return Err(EngineError::Conflict(format!(
                    "Another model of this tenant already has the process key '{key}'; \
                     change the process id in the XML or edit that model instead."
                )));
            }
            Err(e) => return Err(e.into()),
        };
        if done.rows_affected() == 0 {
            return Err(EngineError::ChangedMeanwhile { what: "Model", id: id.to_string() });
        }
        let detail = if key == current.summary.key { name.clone() } else { format!("{name} (key → {key})") };
        audit::record(&mut tx, now, caller, Some(&current.summary.tenant_id), "model.update", id, &detail).await?;
        tx.commit().await?;
        let summary = ModelSummary { key, name, updated_at: now, revision: revision + 1, ..current.summary };
        Ok(Model { summary, xml })
    }

    /// Deploys a model's XML as the next version of its processes, into the model's tenant
    /// and catalog node, exactly like a file given to [`Engine::deploy`] (named `<key>.bpmn`).
    /// Unchanged XML stores nothing and reports the key as unchanged.
    pub async fn deploy_model(&self, caller: &Account, id: &str) -> Result<FileOutcome> {
        let model = self.model(caller, id).await?;
        let s = &model.summary;
        let file_name = format!("{}.bpmn", s.key);
        let bytes = model.xml.as_bytes();
        // Saved models always parse with the default limits; parsing again (rather than trusting
        // the database) keeps this path identical to a file upload.
        let parsed = match parse(bytes, &ParseOptions::default()) {
            Ok(parsed) => parsed,
            Err(e) => return Ok(FileOutcome::refused(&file_name, e)),
        };
        let origin = format!("from model {}", s.id);
        let target =
            Target { caller, tenant_id: &s.tenant_id, catalog_id: s.catalog_id.as_deref(), origin: Some(&origin) };
        self.deploy_parsed(&target, &file_name, bytes, &parsed).await
    }

    /// Deletes a model. Deployed versions made from it stay.
    pub async fn delete_model(&self, caller: &Account, id: &str) -> Result<()> {
        let model = self.model(caller, id).await?;
        let now = self.clock.now();
        let mut tx = self.store.pool.begin().await?;
        let done = sqlx::query("DELETE FROM models WHERE id = $1").bind(id).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(EngineError::NotFound { what: "Model", id: id.to_string() });
        }
        let s = &model.summary;
        audit::record(&mut tx, now, caller, Some(&s.tenant_id), "model.delete", id, &format!("{} ({})", s.name, s.key))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
