//! Reading definitions: the paged, searchable list, one definition with its XML, the versions
//! of a key, and the diagram.

use serde::{Deserialize, Serialize};

use super::accessible;
use crate::bpmn::layout::layout;
use crate::bpmn::parse::{parse, ParseOptions};
use crate::bpmn::render::{render_svg, Overlay, RenderError, RenderOptions};
use crate::error::{EngineError, Result, Text};
use crate::identity::Account;
use crate::store::definitions::DefinitionCursor;
use crate::store::sql::{decode_cursor, encode_cursor, page_size};
use crate::Engine;

pub use crate::store::sql::{Page, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

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
pub use bpmn_core::definition::DefinitionSummary;

/// A process definition version with its BPMN XML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    #[serde(flatten)]
    pub summary: DefinitionSummary,
    /// The deployed file as UTF-8 text (see the module docs on encodings).
    pub xml: String,
}

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
        let after = q.cursor.as_deref().map(decode_cursor::<DefinitionCursor>).transpose()?;
        let tenant = caller.tenant_scope().or(q.tenant.as_deref());
        let rows = self.store.definitions_page(tenant, q, after, limit + 1).await?;
        // One row more than the page was asked for: its presence says there is a next page.
        let has_more = rows.len() as i64 > limit;
        let mut items = Vec::with_capacity(rows.len());
        let mut last_name = String::new();
        for (summary, name_lower) in rows.into_iter().take(limit as usize) {
            items.push(summary);
            last_name = name_lower;
        }
        let next = match items.last() {
            Some(last) if has_more => {
                Some(encode_cursor(&(last_name, last.key.clone(), last.version, last.id.clone())))
            }
            _ => None,
        };
        Ok(Page { items, next, total: None })
    }

    /// One definition version with its XML; 404 when unknown or in a tenant the caller cannot access.
    pub async fn definition(&self, caller: &Account, id: &str) -> Result<Definition> {
        let found = self.store.definition(id).await?;
        accessible(caller, "thing.definition", id, found, |d| d.summary.tenant_id.as_str())
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
        let versions = self.store.definition_versions(tenant_id, key).await?;
        if versions.is_empty() {
            return Err(EngineError::NotFound { what: "thing.definition", id: key.to_string() });
        }
        Ok(versions)
    }

    /// The diagram of a definition version as a standalone SVG, painted with `overlay`.
    /// The stored XML is parsed on demand (about a millisecond for a typical model); a file
    /// without a diagram is laid out automatically. Refused (422) when it no longer parses.
    pub async fn definition_diagram_svg(&self, caller: &Account, id: &str, overlay: Overlay) -> Result<String> {
        let def = self.definition(caller, id).await?;
        draw_diagram(&def.xml, overlay).map_err(|reason| EngineError::Invalid {
            field: None,
            text: Text::new("repo.diagram.cannot_draw")
                .with("name", &def.summary.name)
                .with("version", def.summary.version)
                .with_text("reason", reason),
        })
    }
}

/// The first diagram of a stored BPMN file as a standalone SVG painted with `overlay`, or why
/// it cannot be drawn (it no longer parses), in either language. A file without a diagram (no
/// BPMNDI, or only empty ones) is laid out automatically ([`layout`]); the overlay paints by
/// element id, so an instance's state shows on it all the same.
pub fn draw_diagram(xml: &str, overlay: Overlay) -> std::result::Result<String, Text> {
    let mut parsed = parse(xml.as_bytes(), &ParseOptions::STORED).map_err(|e| e.text)?;
    if !parsed.is_drawn() {
        parsed.diagrams = layout(&parsed);
    }
    render_svg(&parsed, &RenderOptions { diagram: 0, overlay }).map_err(|e| match e {
        RenderError::NoDiagram => Text::new("repo.diagram.none"),
        RenderError::DiagramIndex { index, count } => {
            Text::new("repo.diagram.no_such").with("index", index).with("count", count)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bpmn_core::text::Lang;

    use crate::bpmn::render::ActivityState;

    #[test]
    fn a_file_without_a_diagram_is_laid_out_and_drawn_with_its_overlay() {
        let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <process id="p" isExecutable="true">
    <startEvent id="s"/><userTask id="approve" name="Approve"/><endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="approve"/><sequenceFlow id="f2" sourceRef="approve" targetRef="e"/>
  </process>
</definitions>"#;
        // Still no diagram of its own: the core's plain drawing refuses it.
        assert!(crate::bpmn::diagram_svg(xml, Overlay::default()).is_err());
        let mut overlay = Overlay::default();
        overlay.activities.insert("approve".into(), ActivityState::Active);
        overlay.taken_flows.insert("f1".into());
        let svg = draw_diagram(xml, overlay).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        for id in ["s", "approve", "e", "f1", "f2"] {
            assert!(svg.contains(&format!("data-element-id=\"{id}\"")), "{id} is drawn: {svg}");
        }
        assert!(svg.contains("bpmn-userTask state-active"), "{svg}");
        assert!(svg.contains("state-taken"), "{svg}");
        // An empty diagram counts as none.
        let empty = xml.replace(
            "</definitions>",
            r#"<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="p"/></bpmndi:BPMNDiagram></definitions>"#,
        );
        assert!(draw_diagram(&empty, Overlay::default()).unwrap().contains("data-element-id=\"approve\""));
    }

    #[test]
    fn a_file_that_no_longer_parses_says_why_in_both_languages() {
        let why = draw_diagram("<definitions", Overlay::default()).unwrap_err();
        assert!(!why.english().is_empty());
        assert_ne!(why.render(Lang::Zh), why.english(), "{}", why.render(Lang::Zh));
    }
}
