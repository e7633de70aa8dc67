//! Models (模型): editable BPMN XML, made from a deployed definition ("convert to model"),
//! saved after validation and deployed again as the next version.
//!
//! A tenant has at most one model per process key (`UNIQUE (tenant_id, process_key)`), so
//! that "the model of this process" is never ambiguous.

use serde::Serialize;

use super::{accessible, text, FileOutcome, Target};
use crate::audit;
use crate::bpmn::blank::blank_model;
use crate::bpmn::layout::layout;
use crate::bpmn::layout::write::with_diagram;
use crate::bpmn::parse::{parse, ParseOptions};
use crate::bpmn::Definitions;
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::identity::Account;
use crate::store::definitions::{delete_model, insert_model, update_model, ModelContent};
use crate::store::error::Written;
use crate::store::new_id;
use crate::Engine;
use bpmn_core::text::Lang;

/// A model as listed (without its XML).
pub use bpmn_core::definition::ModelSummary;

/// What a new model is made of (新建模型).
#[derive(Debug, Clone, Copy)]
pub struct NewModel<'a> {
    pub tenant_id: &'a str,
    pub catalog_id: Option<&'a str>,
    /// The process key (the process id in the file).
    pub key: &'a str,
    pub name: &'a str,
}

/// A model with its BPMN XML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[serde(flatten)]
    pub summary: ModelSummary,
    pub xml: String,
}

fn model_exists(key: &str, existing: &ModelSummary) -> EngineError {
    let text = Text::new("repo.model_exists").with("key", key).with("name", &existing.name).with("id", &existing.id);
    EngineError::conflict(ConflictReason::Duplicate, text)
}

/// The XML a model made from a definition starts with: the definition's own, byte for byte,
/// unless its file has no diagram (no BPMNDI, or only empty diagrams): then the automatic
/// layout, the one the definition's picture shows, is written into it as its BPMNDI. A file
/// that no longer parses, or that the writer refuses, is copied unchanged.
fn with_laid_out_diagram(xml: &str) -> String {
    let Ok(parsed) = parse(xml.as_bytes(), &ParseOptions::STORED) else {
        return xml.to_owned();
    };
    if parsed.is_drawn() {
        return xml.to_owned();
    }
    layout(&parsed).first().and_then(|d| with_diagram(xml, d).ok()).unwrap_or_else(|| xml.to_owned())
}

impl Model {
    /// What the designer opens: the model's XML, with the automatic layout written in when
    /// the file has no diagram (saved from the XML tab, or by a tool that writes none).
    pub fn design_xml(&self) -> String {
        with_laid_out_diagram(&self.xml)
    }
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
    /// Makes a model from a definition version: a copy of its XML, filed under the same
    /// catalog node. A file without a diagram (no BPMNDI, or only empty diagrams) gets the
    /// automatic layout written in as its BPMNDI, so that the model carries a diagram for the
    /// XML view, other modelers and the designer; any other file is copied byte for byte.
    /// Refused (409) when the tenant already has a model for that key; the message names it.
    pub async fn convert_to_model(&self, caller: &Account, definition_id: &str) -> Result<Model> {
        let def = self.definition(caller, definition_id).await?;
        let s = &def.summary;
        if let Some(existing) = self.store.model_by_key(&s.tenant_id, &s.key).await? {
            return Err(model_exists(&s.key, &existing));
        }
        let xml = with_laid_out_diagram(&def.xml);
        let detail = format!("{} from {} v{}", s.name, s.key, s.version);
        let new = NewModel { tenant_id: &s.tenant_id, catalog_id: s.catalog_id.as_deref(), key: &s.key, name: &s.name };
        self.insert_new_model(caller, &new, Some(&s.id), xml, &detail).await
    }

    /// 新建模型: a model of a new process `key` named `name`, whose file holds one start event
    /// (see [`blank_model`]), in a tenant the caller may access and optionally under a catalog
    /// node. Refused when the key cannot be a process id or the name is empty (422), the
    /// tenant or node is unknown (404), or the tenant already has a model for that key (409,
    /// naming it). A key that already has deployed versions is fine: deploying the model adds
    /// the next version. The start event is named in `lang`.
    pub async fn create_model(&self, caller: &Account, new: &NewModel<'_>, lang: Lang) -> Result<Model> {
        self.get_tenant(caller, new.tenant_id).await?;
        if let Some(c) = new.catalog_id {
            self.catalog_node(c).await?;
        }
        let start = Text::new("repo.model_start_event").render(lang);
        let xml = blank_model(new.key, new.name, &start).map_err(|text| {
            let field = if text.key == "repo.model_name_invalid" { "name" } else { "key" };
            EngineError::invalid(field, text)
        })?;
        let new = NewModel { key: new.key.trim(), name: new.name.trim(), ..*new };
        if let Some(existing) = self.store.model_by_key(new.tenant_id, new.key).await? {
            return Err(model_exists(new.key, &existing));
        }
        self.insert_new_model(caller, &new, None, xml, new.name).await
    }

    /// Stores a new model (revision 1) and its audit entry `model.create`; a model of the
    /// same key stored meanwhile is named in the refusal.
    async fn insert_new_model(
        &self,
        caller: &Account,
        new: &NewModel<'_>,
        source_definition_id: Option<&str>,
        xml: String,
        detail: &str,
    ) -> Result<Model> {
        let now = self.clock.now();
        let summary = ModelSummary {
            id: new_id(),
            tenant_id: new.tenant_id.to_string(),
            catalog_id: new.catalog_id.map(str::to_owned),
            key: new.key.to_string(),
            name: new.name.to_string(),
            source_definition_id: source_definition_id.map(str::to_owned),
            created_at: now,
            updated_at: now,
            revision: 1,
        };
        let mut tx = self.store.begin().await?;
        if let Written::Duplicate(e) = insert_model(&mut tx, &summary, &xml).await? {
            drop(tx);
            // Lost a race with another model of the same key: name the winner.
            if let Some(existing) = self.store.model_by_key(new.tenant_id, new.key).await? {
                return Err(model_exists(new.key, &existing));
            }
            return Err(e);
        }
        audit::record(&mut tx, now, caller, Some(&summary.tenant_id), "model.create", &summary.id, detail).await?;
        tx.commit().await?;
        Ok(Model { summary, xml })
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
        self.store.models(caller.tenant_scope().or(tenant_id), catalog_id).await
    }

    /// One model with its XML; 404 when unknown or in a tenant the caller cannot access.
    pub async fn model(&self, caller: &Account, id: &str) -> Result<Model> {
        let found = self.store.model(id).await?;
        accessible(caller, "thing.model", id, found, |m| m.summary.tenant_id.as_str())
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
            .map_err(|e| EngineError::Invalid { field: Some("xml"), text: e.text })?;
        let (key, name) = key_and_name(&parsed, &current.summary.key);
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let content = ModelContent { xml: &xml, key: &key, name: &name, updated_at: now };
        match update_model(&mut tx, id, content, revision).await? {
            Written::Done => {}
            Written::Duplicate(_) => {
                let text = Text::new("repo.model_key_taken").with("key", &key);
                return Err(EngineError::conflict(ConflictReason::Duplicate, text));
            }
            Written::NoRow => return Err(EngineError::ChangedMeanwhile { what: "thing.model", id: id.to_string() }),
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
        let mut tx = self.store.begin().await?;
        if let Written::NoRow = delete_model(&mut tx, id).await? {
            return Err(EngineError::NotFound { what: "thing.model", id: id.to_string() });
        }
        let s = &model.summary;
        audit::record(&mut tx, now, caller, Some(&s.tenant_id), "model.delete", id, &format!("{} ({})", s.name, s.key))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
