//! Reading definitions: the paged, searchable list, one definition with its XML, the versions
//! of a key, and the diagram.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::StoredReason;
use crate::bpmn::parse::Unsupported;
use crate::bpmn::render::Overlay;
use crate::error::{EngineError, Result};
use crate::identity::Account;
use crate::sql::{decode_cursor, encode_cursor, page_size, push_search, Arg, Where};
use crate::Engine;

pub use crate::sql::{Page, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// Filters of [`Engine::list_definitions`]. Every filter is optional; `Default` lists everything
/// the caller may see, all versions, first page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DefinitionQuery {
    /// Only this tenant (a tenant manager always sees only their own).
    pub tenant: Option<String>,
    /// Only definitions filed directly under this catalog node.
    pub catalog_id: Option<String>,
    /// Only this process key.
    pub key: Option<String>,
    /// Case-insensitive search in name or key; several words must all match (each in the name
    /// or the key), so `报销 v2` or `expense appr` find "Expense approval v2".
    pub name_contains: Option<String>,
    /// Only the latest version of each key.
    pub latest_only: bool,
    /// The `next` of the previous page; `None` for the first page.
    pub cursor: Option<String>,
    /// Page size: ≤ 0 means [`DEFAULT_PAGE_SIZE`], at most [`MAX_PAGE_SIZE`].
    pub limit: i64,
}

/// A process definition version as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionSummary {
    pub id: String,
    /// The process key: the `id` of the `<process>` element, stable across versions.
    pub key: String,
    /// The process name (the key when the process has none).
    pub name: String,
    pub version: i64,
    /// The newest version of this key in this tenant; `version == latest_version` marks the latest.
    pub latest_version: i64,
    pub tenant_id: String,
    pub catalog_id: Option<String>,
    /// Whether the engine can start instances of this version.
    pub startable: bool,
    /// Why it cannot be started (empty when startable).
    pub not_startable_reasons: Vec<Unsupported>,
    pub deployed_at: i64,
    pub deployment_id: String,
    /// The file the version was deployed from.
    pub file_name: String,
    /// Instances of this version that have not ended (running or suspended).
    pub running_instances: i64,
}

impl DefinitionSummary {
    /// Whether this is the newest version of its key.
    pub fn is_latest(&self) -> bool {
        self.version == self.latest_version
    }

    /// Whether the file marks the process executable (`isExecutable`). A process can be
    /// executable and still not startable, because of elements the engine does not run yet.
    pub fn is_executable(&self) -> bool {
        !self
            .not_startable_reasons
            .iter()
            .any(|r| r.element_type == "process" && r.reason == crate::bpmn::parse::NOT_EXECUTABLE)
    }
}

/// A process definition version with its BPMN XML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    #[serde(flatten)]
    pub summary: DefinitionSummary,
    /// The deployed file as UTF-8 text (see the module docs on encodings).
    pub xml: String,
}

/// The columns of a summary. `latest_version` is computed rather than stored, so there is
/// no "is latest" flag to keep right under concurrent deployments; the subquery is one
/// probe of the `UNIQUE (tenant_id, process_key, version)` index.
const SUMMARY_SELECT: &str = "SELECT d.id, d.process_key, d.name, d.name_lower, d.version, d.tenant_id, \
     d.catalog_id, d.startable, d.not_startable_reasons, d.deployed_at, d.deployment_id, p.file_name, \
     (SELECT MAX(m.version) FROM process_definitions m \
      WHERE m.tenant_id = d.tenant_id AND m.process_key = d.process_key) AS latest_version, \
     (SELECT COUNT(*) FROM process_instances i WHERE i.definition_id = d.id AND i.finished = 0) AS running_instances";

const SUMMARY_FROM: &str = " FROM process_definitions d JOIN deployments p ON p.id = d.deployment_id";

/// The list order: by name (case-folded), key, newest version first, then id so that the
/// order is total and the keyset cursor never skips or repeats a row. PostgreSQL compares
/// these columns with the "C" collation (see the migration), like SQLite's BINARY, so both
/// databases page identically.
const LIST_ORDER: &str = " ORDER BY d.name_lower, d.process_key, d.version DESC, d.id";

fn summary_from_row(r: &AnyRow) -> Result<DefinitionSummary> {
    let reasons: String = r.try_get("not_startable_reasons")?;
    // Written by this module as JSON; unreadable JSON would be a bug, shown as "no reasons"
    // rather than making the whole list fail.
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

/// The position after the last row of a page: the sort key of that row.
type Cursor = (String, String, i64, String);

impl Engine {
    /// Lists definition versions the caller may see, filtered, one page at a time (keyset
    /// pagination: stable under concurrent deployments, no offset scans).
    ///
    /// Refused when `tenant` names a tenant the caller cannot access (404) or the cursor is
    /// damaged (422).
    pub async fn list_definitions(&self, caller: &Account, q: &DefinitionQuery) -> Result<Page<DefinitionSummary>> {
        if let Some(t) = &q.tenant {
            self.get_tenant(caller, t).await?;
        }
        let limit = page_size(q.limit);
        let mut w = Where::default();
        if let Some(t) = caller.tenant_scope().or(q.tenant.as_deref()) {
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
            w.conditions.push(
                "d.version = (SELECT MAX(m.version) FROM process_definitions m \
                 WHERE m.tenant_id = d.tenant_id AND m.process_key = d.process_key)"
                    .to_string(),
            );
        }
        if let Some(c) = &q.cursor {
            let (name, key, version, id): Cursor = decode_cursor(c)?;
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
        let limit_arg = w.arg(Arg::Int(limit + 1));
        let sql = format!("{SUMMARY_SELECT}{SUMMARY_FROM}{}{LIST_ORDER} LIMIT {limit_arg}", w.sql());
        let rows = w.bind(&sql).fetch_all(&self.store.pool).await?;
        // One row more than the page was asked for: its presence says there is a next page.
        let has_more = rows.len() as i64 > limit;
        let mut items = Vec::with_capacity(rows.len());
        let mut last_name = String::new();
        for r in rows.iter().take(limit as usize) {
            items.push(summary_from_row(r)?);
            last_name = r.try_get("name_lower")?;
        }
        let next = match items.last() {
            Some(last) if has_more => {
                Some(encode_cursor(&(last_name, last.key.clone(), last.version, last.id.clone())))
            }
            _ => None,
        };
        Ok(Page { items, next })
    }

    /// One definition version with its XML; 404 when unknown or in a tenant the caller cannot access.
    pub async fn definition(&self, caller: &Account, id: &str) -> Result<Definition> {
        let sql = format!("{SUMMARY_SELECT}, p.xml{SUMMARY_FROM} WHERE d.id = $1");
        let (summary, row) = self
            .accessible_row(caller, "Process definition", id, &sql, summary_from_row, |s| s.tenant_id.as_str())
            .await?;
        Ok(Definition { summary, xml: row.try_get("xml")? })
    }

    /// Every version of a key in a tenant, newest first (the version picker). 404 when the
    /// tenant is not accessible or the key has no version.
    pub async fn definition_versions(
        &self,
        caller: &Account,
        tenant_id: &str,
        key: &str,
    ) -> Result<Vec<DefinitionSummary>> {
        self.get_tenant(caller, tenant_id).await?;
        let rows = sqlx::query(&format!(
            "{SUMMARY_SELECT}{SUMMARY_FROM} WHERE d.tenant_id = $1 AND d.process_key = $2 ORDER BY d.version DESC"
        ))
        .bind(tenant_id)
        .bind(key)
        .fetch_all(&self.store.pool)
        .await?;
        if rows.is_empty() {
            return Err(EngineError::NotFound { what: "Process definition", id: key.to_string() });
        }
        rows.iter().map(summary_from_row).collect()
    }

    /// The diagram of a definition version as a standalone SVG, painted with `overlay`.
    /// The stored XML is parsed on demand (about a millisecond for a typical model).
    /// Refused (422) when the file has no diagram.
    pub async fn definition_diagram_svg(&self, caller: &Account, id: &str, overlay: Overlay) -> Result<String> {
        let def = self.definition(caller, id).await?;
        let label = format!("'{}' version {}", def.summary.name, def.summary.version);
        crate::bpmn::diagram_svg(&def.xml, overlay).map_err(|e| EngineError::Invalid {
            field: None,
            message: format!("The diagram of {label} cannot be drawn: {e}"),
        })
    }
}
