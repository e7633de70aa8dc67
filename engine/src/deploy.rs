//! Deployments, versioned process definitions and models (模型).
//!
//! Deploying a BPMN file stores it once (a `deployments` row with the original XML) and one
//! `process_definitions` row per `<process>` whose content changed: the key is the process id,
//! versions count up per tenant and key. Each file is its own transaction, so a broken file in
//! a batch stores nothing and does not stop the others.
//!
//! Versions are allocated by reading the latest version and inserting the next one under
//! `UNIQUE (tenant_id, process_key, version)`; two concurrent deployments of one key make one
//! of them fail that constraint, and it retries with a fresh read (see [`Engine::deploy`]).
//!
//! Models are editable copies of a definition's XML that can be saved (validated by parsing)
//! and deployed again as the next version.
//!
//! Sub-modules: [`plan`] (the pure decision what to store), `text` (the XML text kept in the
//! database), `query` (lists, details, diagrams) and `models`. Their rows are read and
//! written by `store::definitions`.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;

use crate::audit;
use crate::bpmn::parse::{parse, ParseError, ParseErrorKind, ParseOptions, Unsupported};
use crate::bpmn::Definitions;
use crate::error::{EngineError, Result, Text};
use crate::identity::Account;
use crate::store::definitions::{
    insert_definition, insert_deployment, latest_version, set_version_tag, NewDefinition, NewDeployment,
};
use crate::store::error::is_lost_race;
use crate::store::events::replace_start_subscriptions;
use crate::store::new_id;
use crate::Engine;

mod filter;
mod models;
pub mod plan;
mod query;
mod text;

pub use filter::{DefinitionFilter, DefinitionOrderBy, FilteredDefinition};
pub use models::{Model, ModelSummary, NewModel};
pub use plan::{content_hash, plan_deployment, DeploymentPlan, PlannedProcess, PlannedVersion};
pub use query::{draw_diagram, Definition, DefinitionQuery, DefinitionSummary, Page, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// What a call to [`Engine::deploy`] did, file by file, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentReport {
    pub files: Vec<FileOutcome>,
}

impl DeploymentReport {
    /// True when every file deployed (or was unchanged).
    pub fn all_ok(&self) -> bool {
        self.files.iter().all(|f| f.ok)
    }
}

/// The outcome of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileOutcome {
    /// The file name (without any folder part).
    pub file: String,
    /// False when the file was refused; then `error` says why and nothing was stored.
    pub ok: bool,
    /// The deployment row created, `None` when the file was refused or entirely unchanged.
    pub deployment_id: Option<String>,
    /// The new definition versions stored from this file.
    pub definitions: Vec<DeployedDefinition>,
    /// Keys whose latest version already has exactly this content: no version was added.
    pub unchanged: Vec<String>,
    /// What the engine cannot run, per element, for every process of the file; then what the
    /// file sets that the engine ignores (listeners, form data, other tools' extensions), each
    /// with a reason starting with `ignored by the engine:` ([`Unsupported::is_ignored`]).
    pub warnings: Vec<Unsupported>,
    /// Why the file was refused.
    pub error: Option<DeployFileError>,
}

/// One stored definition version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployedDefinition {
    pub id: String,
    pub key: String,
    pub name: String,
    pub version: i64,
    pub startable: bool,
}

/// Why a file was refused: the parser's error, with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployFileError {
    /// A full sentence in English: where, what is wrong, what to do.
    pub message: String,
    /// The same sentence in either language.
    pub text: Text,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub element_id: Option<String>,
    pub kind: ParseErrorKind,
}

impl From<ParseError> for DeployFileError {
    fn from(e: ParseError) -> Self {
        DeployFileError {
            message: e.message,
            text: e.text,
            line: e.line,
            column: e.column,
            element_id: e.element_id,
            kind: e.kind,
        }
    }
}

impl FileOutcome {
    fn refused(file: &str, error: ParseError) -> FileOutcome {
        FileOutcome {
            file: file.to_string(),
            ok: false,
            deployment_id: None,
            definitions: Vec::new(),
            unchanged: Vec::new(),
            warnings: Vec::new(),
            error: Some(error.into()),
        }
    }
}

/// A not-startable reason as stored in `process_definitions.not_startable_reasons` (JSON):
/// the list screens show them without re-parsing the XML of every row.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct StoredReason {
    element_id: String,
    element_type: String,
    line: u32,
    reason: String,
}

impl StoredReason {
    /// `element 'id' (type, line n): reason` in either language (the stored English reason
    /// read back by [`reason_text`]).
    pub(crate) fn text(&self) -> Text {
        Unsupported {
            element_id: self.element_id.clone(),
            element_type: self.element_type.clone(),
            line: self.line,
            reason: self.reason.clone(),
        }
        .described()
    }
}

impl From<&Unsupported> for StoredReason {
    fn from(u: &Unsupported) -> Self {
        StoredReason {
            element_id: u.element_id.clone(),
            element_type: u.element_type.clone(),
            line: u.line,
            reason: u.reason.clone(),
        }
    }
}

impl From<StoredReason> for Unsupported {
    fn from(s: StoredReason) -> Self {
        Unsupported { element_id: s.element_id, element_type: s.element_type, line: s.line, reason: s.reason }
    }
}

/// How often one file's transaction is tried when it loses a race (another deployment took
/// the version number, or SQLite's single writer lock was busy). Eight concurrent deployers
/// of one key need at most eight tries; a few more absorb scheduling noise.
const MAX_ATTEMPTS: u32 = 12;

/// Waits a little before retrying, longer after each lost race, with jitter so that the
/// losers of one race do not collide again in lockstep.
async fn back_off(attempt: u32) {
    use rand::Rng;
    let base = 2u64 << attempt.min(6);
    let jitter = rand::thread_rng().gen_range(0..=base);
    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
}

/// The last path component of an uploaded file name (browsers may send `C:\fakepath\x.bpmn`),
/// trimmed and at most 255 characters; `upload.bpmn` when nothing is left.
fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw).trim();
    if base.is_empty() {
        "upload.bpmn".to_string()
    } else {
        base.chars().take(255).collect()
    }
}

/// Where a deployment goes and who makes it.
struct Target<'a> {
    caller: &'a Account,
    tenant_id: &'a str,
    catalog_id: Option<&'a str>,
    /// Extra audit detail, e.g. the model a deployment came from.
    origin: Option<&'a str>,
}

impl Engine {
    /// Deploys BPMN files into a tenant, optionally filed under a catalog node.
    ///
    /// Each file is parsed and stored atomically on its own: a file that does not parse is
    /// reported with its error (line, column, element) and stores nothing, while the other
    /// files still deploy. For every `<process>` of a file, a new version is stored unless
    /// the latest version of that key already came from identical content ("unchanged").
    /// An audit entry `deployment.create` is written per stored file.
    ///
    /// Refused as a whole (nothing deployed) when the tenant is unknown or not accessible to
    /// the caller (404), the catalog node is unknown (404) or no file is given (422). A
    /// storage failure part-way returns an error; files before it are deployed, and because
    /// identical content is "unchanged", sending the whole batch again is safe.
    pub async fn deploy(
        &self,
        caller: &Account,
        tenant_id: &str,
        catalog_id: Option<&str>,
        files: Vec<(String, Vec<u8>)>,
        opts: &ParseOptions,
    ) -> Result<DeploymentReport> {
        self.get_tenant(caller, tenant_id).await?;
        if let Some(c) = catalog_id {
            self.catalog_node(c).await?;
        }
        if files.is_empty() {
            return Err(EngineError::invalid("files", Text::new("repo.deploy.no_file")));
        }
        let target = Target { caller, tenant_id, catalog_id, origin: None };
        let mut outcomes = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            let name = clean_file_name(&name);
            let outcome = match parse(&bytes, opts) {
                Ok(parsed) => self.deploy_parsed(&target, &name, &bytes, &parsed).await?,
                Err(e) => FileOutcome::refused(&name, e),
            };
            outcomes.push(outcome);
        }
        Ok(DeploymentReport { files: outcomes })
    }

    /// [`Engine::deploy`] for callers that expect a deployment to be all or nothing (the
    /// Camunda REST API): every file is parsed first, and when one does not parse nothing is
    /// stored and the refusal (422) names that file with the parser's message.
    pub async fn deploy_all_or_nothing(
        &self,
        caller: &Account,
        tenant_id: &str,
        files: Vec<(String, Vec<u8>)>,
        opts: &ParseOptions,
    ) -> Result<DeploymentReport> {
        for (name, bytes) in &files {
            if let Err(e) = parse(bytes, opts) {
                let text = Text::new("repo.deploy.file_refused")
                    .with("file", clean_file_name(name))
                    .with_text("error", e.text);
                return Err(EngineError::invalid("files", text));
            }
        }
        self.deploy(caller, tenant_id, None, files, opts).await
    }

    /// Deploys one parsed file, retrying its transaction when it loses a race.
    async fn deploy_parsed(
        &self,
        target: &Target<'_>,
        file_name: &str,
        bytes: &[u8],
        parsed: &Definitions,
    ) -> Result<FileOutcome> {
        let hash = content_hash(bytes);
        let xml = text::stored_text(bytes);
        let mut attempt = 1;
        loop {
            match self.try_deploy(target, file_name, &hash, &xml, parsed).await {
                Err(e) if is_lost_race(&e, self.store.backend()) => {
                    if attempt >= MAX_ATTEMPTS {
                        tracing::warn!(file = file_name, "deployment lost {attempt} races in a row: {e}");
                        let keys: Vec<&str> = parsed.processes.iter().map(|p| p.id.as_str()).collect();
                        return Err(EngineError::ChangedMeanwhile { what: "thing.definition", id: keys.join(", ") });
                    }
                    tracing::debug!(file = file_name, attempt, "deployment lost a race, retrying: {e}");
                    back_off(attempt).await;
                    attempt += 1;
                }
                Ok(outcome) => {
                    self.schedule_start_timers(target.tenant_id, &outcome, parsed).await?;
                    return Ok(outcome);
                }
                other => return other,
            }
        }
    }

    /// One attempt: a single transaction that stores the deployment and its new versions, or
    /// nothing when every process is unchanged.
    async fn try_deploy(
        &self,
        target: &Target<'_>,
        file_name: &str,
        hash: &str,
        xml: &str,
        parsed: &Definitions,
    ) -> Result<FileOutcome> {
        let now = self.clock.now();
        let deployment_id = new_id();
        let mut tx = self.store.begin().await?;
        // The deployment row is written before the latest versions are read: on SQLite the
        // first write takes the database's write lock (waiting for it when busy), so the
        // versions read next cannot go stale before this transaction commits. Reading first
        // would make SQLite refuse the later write as "database is locked" whenever another
        // deployment committed in between. On PostgreSQL the order makes no difference.
        let deployment = NewDeployment {
            id: &deployment_id,
            tenant_id: target.tenant_id,
            catalog_id: target.catalog_id,
            file_name,
            content_hash: hash,
            xml,
            deployed_at: now,
            deployed_by: &target.caller.username,
        };
        insert_deployment(&mut tx, deployment).await?;

        let mut latest: HashMap<String, (i64, String)> = HashMap::new();
        for process in &parsed.processes {
            if let Some(row) = latest_version(&mut tx, target.tenant_id, &process.id).await? {
                latest.insert(process.id.clone(), row);
            }
        }
        let plan = plan::plan_with_hash(file_name, hash.to_string(), parsed, &latest);
        let mut outcome = FileOutcome {
            file: file_name.to_string(),
            ok: true,
            deployment_id: None,
            definitions: Vec::new(),
            unchanged: plan.unchanged_keys(),
            warnings: plan.warnings(),
            error: None,
        };
        if plan.is_noop() {
            // Identical content: the deployment row written above is rolled back.
            tx.rollback().await?;
            return Ok(outcome);
        }

        let tags = crate::events::version_tags(xml);
        for (p, version) in plan.new_versions() {
            let id = new_id();
            let definition = NewDefinition {
                id: &id,
                deployment_id: &deployment_id,
                tenant_id: target.tenant_id,
                catalog_id: target.catalog_id,
                key: &p.key,
                name: &p.name,
                search_text: &search_text(&p.name, &p.key),
                version,
                content_hash: hash,
                startable: p.startable,
                not_startable_reasons: &p.not_startable_reasons,
                deployed_at: now,
            };
            insert_definition(&mut tx, definition).await?;
            if let Some(tag) = tags.get(&p.key) {
                set_version_tag(&mut tx, &id, tag).await?;
            }
            if let Some(process) = parsed.processes.iter().find(|q| q.id == p.key) {
                let rows = if p.startable {
                    crate::events::start_subscriptions(process, target.tenant_id, &id, &p.name, now)
                } else {
                    Vec::new()
                };
                replace_start_subscriptions(&mut tx, target.tenant_id, &p.key, rows).await?;
            }
            outcome.definitions.push(DeployedDefinition {
                id,
                key: p.key.clone(),
                name: p.name.clone(),
                version,
                startable: p.startable,
            });
        }

        let mut detail = format!("{file_name}: ");
        let versions: Vec<String> = outcome.definitions.iter().map(|d| format!("{} v{}", d.key, d.version)).collect();
        detail.push_str(&versions.join(", "));
        if let Some(origin) = target.origin {
            detail.push_str(&format!(" ({origin})"));
        }
        audit::record(
            &mut tx,
            now,
            target.caller,
            Some(target.tenant_id),
            "deployment.create",
            &deployment_id,
            &detail,
        )
        .await?;
        tx.commit().await?;
        outcome.deployment_id = Some(deployment_id);
        Ok(outcome)
    }
}

/// `found` if the caller may see it. An unknown id and a row in a tenant the caller cannot
/// access are both 404 `what`, so nothing is revealed about other tenants.
fn accessible<T>(
    caller: &Account,
    what: &'static str,
    id: &str,
    found: Option<T>,
    tenant_of: impl Fn(&T) -> &str,
) -> Result<T> {
    let not_found = || EngineError::NotFound { what, id: id.to_string() };
    let found = found.ok_or_else(not_found)?;
    if !caller.can_access(tenant_of(&found)) {
        return Err(not_found());
    }
    Ok(found)
}

/// What the fuzzy search looks in: name and key, lowercased with full Unicode rules (SQLite's
/// `LOWER` folds ASCII only), separated by a newline that no search term can contain.
pub(crate) fn search_text(name: &str, key: &str) -> String {
    format!("{}\n{}", name.to_lowercase(), key.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_folders_and_blanks() {
        assert_eq!(clean_file_name("C:\\fakepath\\报销.bpmn"), "报销.bpmn");
        assert_eq!(clean_file_name("a/b/c.bpmn "), "c.bpmn");
        assert_eq!(clean_file_name("  "), "upload.bpmn");
        assert_eq!(clean_file_name("dir/"), "upload.bpmn");
        assert_eq!(clean_file_name(&"x".repeat(300)).len(), 255);
    }

    #[test]
    fn search_text_folds_unicode_case() {
        assert_eq!(search_text("Ärger Expense", "Proc_1"), "ärger expense\nproc_1");
    }
}
