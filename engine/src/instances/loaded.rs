//! An instance as commands see it: its row and its parsed process, which comes from a cache
//! of the deployed definitions' processes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::InstanceStatus;
use crate::bpmn::model::{FlowNode, Process};
use crate::bpmn::parse::{parse, ParseOptions};
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::runtime::{self, InstanceState};
use crate::store::instances::InstanceRow;
use crate::store::new_id;
use crate::Engine;

/// Parsed processes by definition id. Deployed definitions never change, so entries never
/// go stale; the map is cleared when it grows past [`CACHE_LIMIT`].
#[derive(Debug, Default)]
pub(crate) struct ProcessCache(Mutex<HashMap<String, Arc<Process>>>);

const CACHE_LIMIT: usize = 2_000;

/// An instance row as commands read it, with its process (the row's fields read through
/// `Deref`).
#[derive(Debug, Clone)]
pub(super) struct Loaded {
    pub row: InstanceRow,
    pub process: Arc<Process>,
}

impl std::ops::Deref for Loaded {
    type Target = InstanceRow;

    fn deref(&self) -> &InstanceRow {
        &self.row
    }
}

impl std::ops::DerefMut for Loaded {
    fn deref_mut(&mut self) -> &mut InstanceRow {
        &mut self.row
    }
}

impl Loaded {
    /// The instance's surroundings for the core's expressions, with the engine's script runner.
    pub fn env(&self) -> runtime::Env<'_> {
        runtime::Env {
            instance_id: &self.row.id,
            business_key: self.row.business_key.as_deref(),
            definition_id: &self.row.definition_id,
            scripts: Some(crate::scripts::runner()),
            task: None,
        }
    }

    /// The node `idx` of the process.
    pub fn node(&self, idx: usize) -> Option<&FlowNode> {
        self.process.nodes.get(idx)
    }

    /// A node's display name: its name, else its id.
    pub fn node_name(&self, idx: usize) -> String {
        self.node(idx).map(node_label).unwrap_or_default()
    }
}

/// A node's display name: its name, else its id.
pub(super) fn node_label(n: &FlowNode) -> String {
    n.name.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| n.id.clone())
}

impl Engine {
    /// The parsed process of a definition (cached).
    pub(crate) async fn process_of(&self, definition_id: &str) -> Result<Arc<Process>> {
        if let Some(p) = self.processes.0.lock().ok().and_then(|m| m.get(definition_id).cloned()) {
            return Ok(p);
        }
        let (key, xml) = self
            .store
            .definition_source(definition_id)
            .await?
            .ok_or_else(|| EngineError::NotFound { what: "thing.definition", id: definition_id.to_owned() })?;
        // The file was parsed at deployment with the same parser; failing now means the
        // stored file was damaged.
        let defs = parse(xml.as_bytes(), &ParseOptions::STORED).map_err(|e| {
            EngineError::conflict(
                ConflictReason::Broken,
                Text::new("run.stored_file_unparsable").with("definition", definition_id).with_text("error", e.text),
            )
        })?;
        let process = defs.processes.into_iter().find(|p| p.id == key).ok_or_else(|| {
            EngineError::conflict(
                ConflictReason::Broken,
                Text::new("run.stored_file_no_process").with("definition", definition_id).with("key", &key),
            )
        })?;
        let process = Arc::new(process);
        if let Ok(mut m) = self.processes.0.lock() {
            if m.len() >= CACHE_LIMIT {
                m.clear();
            }
            m.insert(definition_id.to_owned(), process.clone());
        }
        Ok(process)
    }

    /// An instance row with its process attached.
    pub(super) async fn loaded(&self, row: InstanceRow) -> Result<Loaded> {
        Ok(Loaded { process: self.process_of(&row.definition_id).await?, row })
    }

    /// Reads an instance for a command (outside any transaction).
    pub(super) async fn load_instance(&self, id: &str) -> Result<Loaded> {
        let row = self
            .store
            .instance_row(id)
            .await?
            .ok_or_else(|| EngineError::NotFound { what: "thing.instance", id: id.to_owned() })?;
        self.loaded(row).await
    }

    /// A new instance of a definition (of `tenant_id`, named `name`), not stored yet
    /// (revision 0).
    pub(super) async fn new_instance(
        &self,
        definition_id: &str,
        tenant_id: String,
        name: String,
        parent: Option<(&str, i64)>,
    ) -> Result<Loaded> {
        let row = InstanceRow {
            id: new_id(),
            tenant_id,
            definition_id: definition_id.to_owned(),
            definition_name: name,
            business_key: None,
            initiator: None,
            status: InstanceStatus::Running,
            parent_instance_id: parent.map(|(p, _)| p.to_owned()),
            parent_token: parent.map(|(_, t)| t),
            revision: 0,
            state: InstanceState::default(),
        };
        self.loaded(row).await
    }
}
