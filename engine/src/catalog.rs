//! The process catalog (目录): a tree of business categories that definitions and models are
//! filed under. Codes are unique across the tree.

use serde::{Deserialize, Serialize};

use crate::audit;
use crate::error::{ConflictReason, EngineError, Result, Text};
use crate::identity::{parse_code, parse_name, Account};
use crate::store::catalog::{child_count, delete_node, filed_count, insert_node, update_node};
use crate::store::error::Written;
use crate::store::new_id;
use crate::Engine;

/// One catalog node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogNode {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub code: String,
    pub revision: i64,
}

/// The editable fields of a catalog node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogInput {
    pub name: String,
    pub code: String,
}

impl CatalogInput {
    /// Parses the raw form input: a non-empty name (≤ 100 characters) and a valid code.
    fn parse(&self) -> Result<CatalogInput> {
        Ok(CatalogInput {
            name: parse_name("name", "repo.word.node_name", &self.name)?,
            code: parse_code("code", &self.code)?,
        })
    }
}

/// What can be filed under a catalog node (`catalog_id`); a node that still holds some cannot
/// be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CatalogHolder {
    Definitions,
    Models,
}

impl CatalogHolder {
    /// Every kind, in the order the refusal to delete checks them.
    pub(crate) const ALL: [CatalogHolder; 2] = [CatalogHolder::Definitions, CatalogHolder::Models];

    /// The words used in the refusal to delete a node that still holds some.
    fn words(self) -> Text {
        match self {
            CatalogHolder::Definitions => Text::new("repo.word.definitions"),
            CatalogHolder::Models => Text::new("repo.word.models"),
        }
    }
}

fn code_taken(code: &str) -> Text {
    Text::new("repo.code_taken").with("code", code)
}

impl Engine {
    /// The whole catalog, parents before children, siblings by name.
    pub async fn catalog(&self) -> Result<Vec<CatalogNode>> {
        Ok(order_tree(self.store.catalog_nodes().await?))
    }

    /// One catalog node.
    pub async fn catalog_node(&self, id: &str) -> Result<CatalogNode> {
        self.store
            .catalog_node(id)
            .await?
            .ok_or_else(|| EngineError::NotFound { what: "thing.catalog_node", id: id.to_string() })
    }

    /// The node with this code (the HTTP API names catalog nodes by code).
    pub async fn catalog_node_by_code(&self, code: &str) -> Result<CatalogNode> {
        self.store
            .catalog_node_by_code(code.trim())
            .await?
            .ok_or_else(|| EngineError::NotFound { what: "thing.catalog_node_code", id: code.to_string() })
    }

    /// Adds a node under `parent_id` (or at the top). Administrators only: the catalog is shared
    /// by all tenants.
    pub async fn create_catalog_node(
        &self,
        caller: &Account,
        parent_id: Option<&str>,
        input: &CatalogInput,
    ) -> Result<CatalogNode> {
        caller.require_admin("repo.action.change_catalog")?;
        let input = input.parse()?;
        if let Some(p) = parent_id {
            self.catalog_node(p).await?;
        }
        let node = CatalogNode {
            id: new_id(),
            parent_id: parent_id.map(Into::into),
            name: input.name,
            code: input.code,
            revision: 1,
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if matches!(insert_node(&mut tx, &node, now).await?, Written::Duplicate(_)) {
            return Err(EngineError::invalid("code", code_taken(&node.code)));
        }
        audit::record(
            &mut tx,
            now,
            caller,
            None,
            "catalog.create",
            &node.id,
            &format!("{} ({})", node.name, node.code),
        )
        .await?;
        tx.commit().await?;
        Ok(node)
    }

    /// Changes a node's name and code; refused when someone changed it since `revision`.
    pub async fn update_catalog_node(
        &self,
        caller: &Account,
        id: &str,
        input: &CatalogInput,
        revision: i64,
    ) -> Result<CatalogNode> {
        caller.require_admin("repo.action.change_catalog")?;
        let input = input.parse()?;
        let current = self.catalog_node(id).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        match update_node(&mut tx, id, &input.name, &input.code, revision).await? {
            Written::Done => {}
            Written::Duplicate(_) => return Err(EngineError::invalid("code", code_taken(&input.code))),
            Written::NoRow => {
                return Err(EngineError::ChangedMeanwhile { what: "thing.catalog_node", id: id.to_string() })
            }
        }
        let detail = format!("{} ({}) → {} ({})", current.name, current.code, input.name, input.code);
        audit::record(&mut tx, now, caller, None, "catalog.update", id, &detail).await?;
        tx.commit().await?;
        Ok(CatalogNode { name: input.name, code: input.code, revision: revision + 1, ..current })
    }

    /// Deletes a node that holds nothing: refused while it has child nodes (or, once
    /// definitions exist, while definitions or models are filed under it).
    pub async fn delete_catalog_node(&self, caller: &Account, id: &str) -> Result<()> {
        caller.require_admin("repo.action.change_catalog")?;
        let node = self.catalog_node(id).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let children = child_count(&mut tx, id).await?;
        if children > 0 {
            let text = Text::new("repo.node_has_children").with("name", &node.name).with("count", children);
            return Err(EngineError::conflict(ConflictReason::InUse, text));
        }
        for holder in CatalogHolder::ALL {
            let n = filed_count(&mut tx, holder, id).await?;
            if n > 0 {
                let text = Text::new("repo.node_holds")
                    .with("name", &node.name)
                    .with("count", n)
                    .with_text("what", holder.words());
                return Err(EngineError::conflict(ConflictReason::InUse, text));
            }
        }
        delete_node(&mut tx, id).await?;
        audit::record(&mut tx, now, caller, None, "catalog.delete", id, &format!("{} ({})", node.name, node.code))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Orders nodes depth-first (parents before their children) so a flat list draws as a tree.
/// Nodes whose parent is missing are treated as roots rather than dropped.
pub fn order_tree(nodes: Vec<CatalogNode>) -> Vec<CatalogNode> {
    use std::collections::HashSet;
    let ids: HashSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    let is_root = |n: &CatalogNode| n.parent_id.as_deref().is_none_or(|p| !ids.contains(p));
    let mut out: Vec<CatalogNode> = Vec::with_capacity(nodes.len());
    let mut stack: Vec<&CatalogNode> = nodes.iter().filter(|n| is_root(n)).rev().collect();
    let mut seen: HashSet<&str> = HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n.id.as_str()) {
            continue;
        }
        out.push(n.clone());
        stack.extend(nodes.iter().filter(|c| c.parent_id.as_deref() == Some(n.id.as_str())).rev());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, parent: Option<&str>) -> CatalogNode {
        CatalogNode { id: id.into(), parent_id: parent.map(Into::into), name: id.into(), code: id.into(), revision: 1 }
    }

    #[test]
    fn tree_order_puts_children_after_their_parent() {
        let ordered = order_tree(vec![node("b1", Some("b")), node("a", None), node("b", None), node("a1", Some("a"))]);
        let ids: Vec<_> = ordered.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["a", "a1", "b", "b1"]);
    }

    #[test]
    fn orphans_become_roots_and_nothing_is_lost() {
        let ordered = order_tree(vec![node("x", Some("gone")), node("y", Some("x"))]);
        assert_eq!(ordered.len(), 2);
        assert_eq!(ordered[0].id, "x");
    }

    #[test]
    fn input_is_trimmed_and_checked() {
        let ok = CatalogInput { name: "  财务 ".into(), code: " fin ".into() }.parse().unwrap();
        assert_eq!((ok.name.as_str(), ok.code.as_str()), ("财务", "fin"));
        let err = CatalogInput { name: "".into(), code: "x".into() }.parse().unwrap_err();
        assert_eq!(err.to_string(), "The name is empty; type a name.");
        assert_eq!(err.text().render(bpmn_core::text::Lang::Zh), "目录名称为空，请输入名称。");
        let err = CatalogInput { name: "n".into(), code: "a b".into() }.parse().unwrap_err();
        assert!(err.to_string().contains("not a valid code"));
        assert!(err.text().render(bpmn_core::text::Lang::Zh).contains("不是有效的编码"), "{err}");
    }
}
