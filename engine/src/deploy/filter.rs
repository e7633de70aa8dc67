//! Definition lists filtered and ordered the way Camunda 7's REST API asks for them
//! (`/engine-rest/process-definition`): by ids, key, name, version, tenants, latest version,
//! paged by offset, with a count; and the latest version of a key.

use serde::{Deserialize, Serialize};

use super::DefinitionSummary;
use crate::error::{EngineError, Result, Text};
use crate::identity::Account;
use crate::instances::MAX_FILTER_PAGE;
use crate::Engine;

/// What [`DefinitionFilter`] orders by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DefinitionOrderBy {
    /// Key, then version (the natural order of a repository).
    #[default]
    Key,
    Id,
    Name,
    Version,
    DeploymentId,
    TenantId,
    /// The time of the deployment.
    DeployTime,
}

/// Filters of [`Engine::filter_definitions`] and [`Engine::count_definitions`]. Empty lists
/// and `None` filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DefinitionFilter {
    pub ids: Vec<String>,
    pub key: Option<String>,
    /// Keys containing this text.
    pub key_like: Option<String>,
    pub name: Option<String>,
    /// Names containing this text (case-insensitive).
    pub name_like: Option<String>,
    pub version: Option<i64>,
    pub deployment_id: Option<String>,
    /// Only the latest version of each key (in its tenant).
    pub latest: bool,
    /// Any of these tenants.
    pub tenants: Vec<String>,
    pub order_by: DefinitionOrderBy,
    pub descending: bool,
    pub offset: i64,
    /// Rows answered at most (capped at 1,000).
    pub limit: i64,
}

/// A definition version as the filtered list answers it: the summary and the version tag
/// (`camunda:versionTag`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilteredDefinition {
    #[serde(flatten)]
    pub summary: DefinitionSummary,
    pub version_tag: Option<String>,
}

impl Engine {
    /// One page of the definition versions the caller may see that match `f`.
    pub async fn filter_definitions(&self, caller: &Account, f: &DefinitionFilter) -> Result<Vec<FilteredDefinition>> {
        let limit = f.limit.clamp(0, MAX_FILTER_PAGE);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let tenants = crate::instances::scoped_tenants(caller, &f.tenants);
        self.store.filtered_definitions(&tenants, f, Some((f.offset.max(0), limit))).await
    }

    /// How many definition versions the caller may see match `f` (its order and page ignored).
    pub async fn count_definitions(&self, caller: &Account, f: &DefinitionFilter) -> Result<i64> {
        let tenants = crate::instances::scoped_tenants(caller, &f.tenants);
        self.store.count_filtered_definitions(&tenants, f).await
    }

    /// The latest version of `key` in `tenant` (any tenant the caller sees when `None`): 404
    /// when there is none, 422 when the key is deployed in several tenants and none was named.
    pub async fn latest_definition(
        &self,
        caller: &Account,
        key: &str,
        tenant: Option<&str>,
    ) -> Result<FilteredDefinition> {
        let f = DefinitionFilter {
            key: Some(key.to_owned()),
            latest: true,
            tenants: tenant.map(|t| vec![t.to_owned()]).unwrap_or_default(),
            limit: 2,
            ..DefinitionFilter::default()
        };
        let mut found = self.filter_definitions(caller, &f).await?;
        if found.len() > 1 {
            let tenants: Vec<&str> = found.iter().map(|d| d.summary.tenant_id.as_str()).collect();
            let text = Text::new("repo.definition_ambiguous").with("key", key).with("tenants", tenants.join(", "));
            return Err(EngineError::invalid("tenant", text));
        }
        found.pop().ok_or_else(|| match tenant {
            // Answered like any 404, naming the tenant too.
            Some(t) => EngineError::Unmatched {
                text: Text::new("repo.definition_not_in_tenant").with("key", key).with("tenant", t),
            },
            None => EngineError::NotFound { what: "thing.definition", id: key.to_owned() },
        })
    }
}
