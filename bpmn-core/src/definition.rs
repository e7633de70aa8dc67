//! Deployed process definitions and editable models as users see them: plain data shared by the
//! engine and the console.

use serde::{Deserialize, Serialize};

use crate::bpmn::parse::{Unsupported, NOT_EXECUTABLE};

/// A process definition version as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        !self.not_startable_reasons.iter().any(|r| r.element_type == "process" && r.reason == NOT_EXECUTABLE)
    }
}

/// A model as listed (without its XML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Pass back to the engine's `save_model_xml`; it changes with every save.
    pub revision: i64,
}
