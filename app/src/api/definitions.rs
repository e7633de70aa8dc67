//! Server functions of the deployment (部署) and model (模型) screens.

use bpmn_core::text::{Lang, Text};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub use bpmn_core::definition::{DefinitionSummary, ModelSummary};

/// Why a definition cannot be started, one line per element, as the screens show it (each
/// stored English reason read back by [`reason_text`]).
pub fn not_startable_texts(d: &DefinitionSummary) -> Vec<Text> {
    d.not_startable_reasons.iter().map(|r| r.line_text()).collect()
}

/// [`not_startable_texts`] in `lang`.
pub fn not_startable_lines_in(d: &DefinitionSummary, lang: Lang) -> Vec<String> {
    not_startable_texts(d).iter().map(|t| t.render(lang)).collect()
}

/// [`not_startable_texts`] in English.
pub fn not_startable_lines(d: &DefinitionSummary) -> Vec<String> {
    not_startable_lines_in(d, Lang::En)
}

/// One page of definitions; `next` is the cursor of the following page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinitionPage {
    pub items: Vec<DefinitionSummary>,
    pub next: Option<String>,
}

/// A definition with its XML and diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinitionDetail {
    pub row: DefinitionSummary,
    pub xml: String,
    /// The SVG, or why there is none.
    pub svg: Result<String, String>,
}

/// A model with its XML and diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelDetail {
    pub row: ModelSummary,
    pub xml: String,
    pub svg: Result<String, String>,
    /// What the designer opens: the XML, with the automatic layout written in when the file
    /// has no diagram (saved from the XML tab or another tool without one).
    pub design_xml: String,
}

/// What deploying a model produced: the new versions, or that nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployedVersions {
    pub versions: Vec<(String, i64)>,
    /// The definition ids of `versions`, in the same order (the links to the new versions).
    pub ids: Vec<String>,
    pub unchanged: Vec<String>,
}

#[cfg(feature = "ssr")]
mod convert {
    /// The diagram of a stored file, or why there is none (in the request's language).
    pub fn diagram(xml: &str) -> Result<String, String> {
        engine::deploy::draw_diagram(xml, Default::default()).map_err(|why| why.render(crate::ssr::request_lang()))
    }
}

/// Definitions of the selected catalog node (all when none), filtered by name or key.
#[server(endpoint = "definitions", input = Json)]
pub async fn list_definitions(
    catalog_id: Option<String>,
    search: String,
    cursor: Option<String>,
) -> Result<DefinitionPage, AppError> {
    use crate::ssr::{current, engine};
    use engine::deploy::DefinitionQuery;
    let s = current()?;
    let q = DefinitionQuery {
        tenant: s.session.tenant_id.clone(),
        catalog_id: catalog_id.filter(|c| !c.is_empty()),
        key: None,
        name_contains: Some(search).filter(|t| !t.trim().is_empty()),
        latest_only: true,
        cursor: cursor.filter(|c| !c.is_empty()),
        limit: 20,
    };
    let page = engine()?.list_definitions(&s.session.account, &q).await?;
    Ok(DefinitionPage { items: page.items, next: page.next })
}

/// Every version of one process key in one tenant, newest first.
#[server(endpoint = "definition_versions", input = Json)]
pub async fn definition_versions(tenant_id: String, key: String) -> Result<Vec<DefinitionSummary>, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.definition_versions(&s.session.account, &tenant_id, &key).await?)
}

/// One definition with its XML and diagram.
#[server(endpoint = "definition", input = Json)]
pub async fn load_definition(id: String) -> Result<DefinitionDetail, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let d = engine()?.definition(&s.session.account, &id).await?;
    let svg = convert::diagram(&d.xml);
    Ok(DefinitionDetail { row: d.summary, xml: d.xml, svg })
}

/// 转换为模型: copies a definition into an editable model under the same catalog node.
#[server(endpoint = "convert_to_model", input = Json)]
pub async fn convert_to_model(definition_id: String) -> Result<ModelSummary, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.convert_to_model(&s.session.account, &definition_id).await?.summary)
}

/// Models of the selected catalog node (all when none).
#[server(endpoint = "models", input = Json)]
pub async fn list_models(catalog_id: Option<String>) -> Result<Vec<ModelSummary>, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let tenant = s.session.tenant_id.clone();
    let catalog = catalog_id.filter(|c| !c.is_empty());
    let models = engine()?.list_models(&s.session.account, tenant.as_deref(), catalog.as_deref()).await?;
    Ok(models)
}

/// One model with its XML and diagram.
#[server(endpoint = "model", input = Json)]
pub async fn load_model(id: String) -> Result<ModelDetail, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let m = engine()?.model(&s.session.account, &id).await?;
    let svg = convert::diagram(&m.xml);
    let design_xml = m.design_xml();
    Ok(ModelDetail { row: m.summary, xml: m.xml, svg, design_xml })
}

/// Saves a model's XML after checking it parses; `revision` is the one the caller saw.
#[server(endpoint = "model_save", input = Json)]
pub async fn save_model(id: String, xml: String, revision: i64) -> Result<ModelSummary, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.save_model_xml(&s.session.account, &id, &xml, revision).await?.summary)
}

/// Deploys a model as the next version of its process(es).
#[server(endpoint = "model_deploy", input = Json)]
pub async fn deploy_model(id: String) -> Result<DeployedVersions, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let outcome = engine()?.deploy_model(&s.session.account, &id).await?;
    if let Some(e) = outcome.error {
        return Err(AppError { field: Some("xml".into()), ..AppError::new("invalid", e.text) });
    }
    Ok(DeployedVersions {
        ids: outcome.definitions.iter().map(|d| d.id.clone()).collect(),
        versions: outcome.definitions.into_iter().map(|d| (d.key, d.version)).collect(),
        unchanged: outcome.unchanged,
    })
}

/// 新建模型: a model of a new process in the current tenant, under `catalog_id` when given,
/// whose file holds one start event; the designer opens it.
#[server(endpoint = "model_create", input = Json)]
pub async fn create_model(name: String, key: String, catalog_id: Option<String>) -> Result<ModelSummary, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let tenant = crate::api::org_tenant(&s, None);
    let catalog_id = catalog_id.filter(|c| !c.is_empty());
    let new =
        engine::deploy::NewModel { tenant_id: &tenant, catalog_id: catalog_id.as_deref(), key: &key, name: &name };
    Ok(engine()?.create_model(&s.session.account, &new, crate::ssr::request_lang()).await?.summary)
}

/// Deletes a model.
#[server(endpoint = "model_delete", input = Json)]
pub async fn delete_model(id: String) -> Result<(), AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.delete_model(&s.session.account, &id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bpmn_core::bpmn::parse::Unsupported;

    #[test]
    fn not_startable_lines_speak_both_languages() {
        let reason =
            |r: &str| Unsupported { element_id: "p".into(), element_type: "process".into(), line: 3, reason: r.into() };
        let d = DefinitionSummary {
            id: "d".into(),
            key: "p".into(),
            name: "P".into(),
            version: 1,
            latest_version: 1,
            tenant_id: "default".into(),
            catalog_id: None,
            startable: false,
            not_startable_reasons: vec![reason("has no start event"), reason("written by hand")],
            deployed_at: 0,
            deployment_id: "x".into(),
            file_name: "p.bpmn".into(),
            running_instances: 0,
        };
        assert_eq!(
            not_startable_lines(&d),
            ["p <process> (line 3): has no start event", "p <process> (line 3): written by hand"]
        );
        assert_eq!(
            not_startable_lines_in(&d, Lang::Zh),
            ["p <process>（第 3 行）：流程没有开始事件", "p <process>（第 3 行）：written by hand"]
        );
    }
}
