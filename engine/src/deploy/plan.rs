//! The pure core of a deployment: given a parsed file and the latest stored version of each
//! process key, decide what to store. No I/O, so every rule is unit-tested here and the
//! storage code only carries the plan out.

use std::collections::HashMap;

use crate::bpmn::parse::{check_executable, deploy_warnings, Unsupported, Warning};
use crate::bpmn::Definitions;

/// What deploying one file will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentPlan {
    /// The file name as given (after clean-up).
    pub file_name: String,
    /// Hex digest of the whole file (see [`content_hash`]).
    pub content_hash: String,
    /// One entry per `<process>` of the file, in file order.
    pub processes: Vec<PlannedProcess>,
}

/// The decision for one `<process>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedProcess {
    /// The process key: the `id` of the `<process>` element.
    pub key: String,
    /// The process name, or the key when the process has no (non-blank) name.
    pub name: String,
    /// Whether a new version is stored.
    pub version: PlannedVersion,
    /// Whether instances can be started: no entry in `not_startable_reasons`.
    pub startable: bool,
    /// What the engine cannot run in this process (from [`check_executable`]).
    pub not_startable_reasons: Vec<Unsupported>,
    /// What the file sets in this process that the engine ignores (from [`deploy_warnings`]):
    /// listeners, form data, other tools' extensions. They do not make it unstartable.
    pub ignored: Vec<Warning>,
}

/// New version or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlannedVersion {
    /// Store this version (1 for a new key, latest + 1 otherwise).
    New(i64),
    /// The latest stored version (this number) came from identical file content: nothing is
    /// stored, so redeploying the same file (e.g. retrying a batch) creates no versions.
    Unchanged(i64),
}

impl DeploymentPlan {
    /// The processes that get a new version, with that version.
    pub fn new_versions(&self) -> impl Iterator<Item = (&PlannedProcess, i64)> {
        self.processes.iter().filter_map(|p| match p.version {
            PlannedVersion::New(v) => Some((p, v)),
            PlannedVersion::Unchanged(_) => None,
        })
    }

    /// The keys left unchanged.
    pub fn unchanged_keys(&self) -> Vec<String> {
        self.processes
            .iter()
            .filter(|p| matches!(p.version, PlannedVersion::Unchanged(_)))
            .map(|p| p.key.clone())
            .collect()
    }

    /// True when nothing is to be stored.
    pub fn is_noop(&self) -> bool {
        self.new_versions().next().is_none()
    }

    /// Every not-startable reason of every process of the file, then everything the engine
    /// ignores (its reason starting with `ignored by the engine:`, see
    /// [`Unsupported::is_ignored`]), process by process in file order.
    pub fn warnings(&self) -> Vec<Unsupported> {
        self.processes
            .iter()
            .flat_map(|p| p.not_startable_reasons.iter().cloned().chain(p.ignored.iter().map(Warning::to_unsupported)))
            .collect()
    }
}

/// The content hash of a file: BLAKE2s-256 of its exact bytes, as 64 lowercase hex digits.
/// The whole file counts (diagram layout included): a file that differs in any byte is a
/// new version of each of its processes.
pub fn content_hash(bytes: &[u8]) -> String {
    use blake2::{Blake2s256, Digest};
    Blake2s256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Plans the deployment of one parsed file. `latest` maps a process key to the latest stored
/// version of that key in the target tenant and the content hash it was deployed from.
pub fn plan_deployment(
    file_name: &str,
    bytes: &[u8],
    parsed: &Definitions,
    latest: &HashMap<String, (i64, String)>,
) -> DeploymentPlan {
    plan_with_hash(file_name, content_hash(bytes), parsed, latest)
}

/// [`plan_deployment`] with the hash already computed (the deploy loop hashes once and may
/// plan several times when it retries).
pub(crate) fn plan_with_hash(
    file_name: &str,
    content_hash: String,
    parsed: &Definitions,
    latest: &HashMap<String, (i64, String)>,
) -> DeploymentPlan {
    let processes = parsed
        .processes
        .iter()
        .enumerate()
        .map(|(i, process)| {
            let reasons = check_executable(parsed, process);
            let version = match latest.get(&process.id) {
                Some((v, hash)) if *hash == content_hash => PlannedVersion::Unchanged(*v),
                Some((v, _)) => PlannedVersion::New(v + 1),
                None => PlannedVersion::New(1),
            };
            let name = process.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(&process.id);
            PlannedProcess {
                key: process.id.clone(),
                name: name.to_string(),
                version,
                startable: reasons.is_empty(),
                not_startable_reasons: reasons,
                ignored: ignored_in(parsed, i, process),
            }
        })
        .collect();
    DeploymentPlan { file_name: file_name.to_string(), content_hash, processes }
}

/// The deploy warnings of process `index`: what it sets that the engine ignores, and for the
/// first process also the defects of the file's diagrams, which belong to no one process
/// and are listed once.
fn ignored_in(parsed: &Definitions, index: usize, process: &crate::bpmn::Process) -> Vec<Warning> {
    let mut ignored = deploy_warnings(process);
    if index == 0 {
        ignored.extend(parsed.warnings.iter().cloned());
    }
    ignored
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpmn::parse::{parse, ParseOptions};

    const TWO: &str = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
  <process id="order" name=" Order " isExecutable="true">
    <startEvent id="s1"/><endEvent id="e1"/>
    <sequenceFlow id="f1" sourceRef="s1" targetRef="e1"/>
  </process>
  <process id="ship" isExecutable="false">
    <startEvent id="s2"/>
    <intermediateCatchEvent id="wait"><messageEventDefinition/></intermediateCatchEvent>
    <sequenceFlow id="f2" sourceRef="s2" targetRef="wait"/>
  </process>
</definitions>"#;

    fn plan(latest: &[(&str, i64, &str)]) -> DeploymentPlan {
        let defs = parse(TWO.as_bytes(), &ParseOptions::default()).unwrap();
        let latest = latest.iter().map(|(k, v, h)| (k.to_string(), (*v, h.to_string()))).collect();
        plan_deployment("two.bpmn", TWO.as_bytes(), &defs, &latest)
    }

    #[test]
    fn new_keys_start_at_version_one() {
        let p = plan(&[]);
        assert_eq!(p.file_name, "two.bpmn");
        assert_eq!(p.content_hash.len(), 64);
        let versions: Vec<_> = p.processes.iter().map(|p| (p.key.as_str(), p.version)).collect();
        assert_eq!(versions, [("order", PlannedVersion::New(1)), ("ship", PlannedVersion::New(1))]);
        assert!(!p.is_noop());
        assert!(p.unchanged_keys().is_empty());
    }

    #[test]
    fn names_are_trimmed_and_fall_back_to_the_key() {
        let p = plan(&[]);
        assert_eq!(p.processes[0].name, "Order");
        assert_eq!(p.processes[1].name, "ship");
    }

    #[test]
    fn same_hash_is_unchanged_other_hash_is_next_version() {
        let hash = content_hash(TWO.as_bytes());
        let p = plan(&[("order", 3, &hash), ("ship", 7, "something else")]);
        assert_eq!(p.processes[0].version, PlannedVersion::Unchanged(3));
        assert_eq!(p.processes[1].version, PlannedVersion::New(8));
        assert_eq!(p.unchanged_keys(), ["order"]);
        assert_eq!(p.new_versions().map(|(p, v)| (p.key.as_str(), v)).collect::<Vec<_>>(), [("ship", 8)]);
        let all_same = plan(&[("order", 3, &hash), ("ship", 1, &hash)]);
        assert!(all_same.is_noop());
    }

    #[test]
    fn startability_comes_from_the_executability_check() {
        let p = plan(&[]);
        assert!(p.processes[0].startable);
        assert!(p.processes[0].not_startable_reasons.is_empty());
        let ship = &p.processes[1];
        assert!(!ship.startable);
        let ids: Vec<_> = ship.not_startable_reasons.iter().map(|r| r.element_id.as_str()).collect();
        assert_eq!(ids, ["ship", "wait"]);
        assert_eq!(ship.not_startable_reasons[1].line, 8);
        assert_eq!(p.warnings().len(), 2);
    }

    #[test]
    fn ignored_extensions_are_warnings_that_leave_the_process_startable() {
        let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn">
  <process id="p" isExecutable="true">
    <startEvent id="s"/>
    <userTask id="u" camunda:followUpDate="2027-01-01"/>
    <intermediateCatchEvent id="wait"><conditionalEventDefinition/></intermediateCatchEvent>
  </process>
</definitions>"#;
        let defs = parse(xml.as_bytes(), &ParseOptions::default()).unwrap();
        let p = plan_deployment("p.bpmn", xml.as_bytes(), &defs, &HashMap::new());
        let planned = &p.processes[0];
        assert_eq!(planned.ignored.len(), 1);
        assert_eq!(planned.ignored[0].text, "follow-up date (camunda:followUpDate)");
        // Only the conditional event makes it unstartable; the follow-up date is a warning.
        let ids: Vec<_> = planned.not_startable_reasons.iter().map(|r| r.element_id.as_str()).collect();
        assert_eq!(ids, ["wait"]);
        let all = p.warnings();
        let got: Vec<_> = all.iter().map(|w| (w.element_id.as_str(), w.line, w.is_ignored())).collect();
        assert_eq!(got, [("wait", 5, false), ("u", 4, true)]);
        assert_eq!(all[1].reason, "ignored by the engine: follow-up date (camunda:followUpDate)");
    }

    #[test]
    fn diagram_defects_are_warnings_listed_once_with_the_first_process() {
        let xml = TWO.replace(
            "</definitions>",
            r#"<BPMNDiagram xmlns="http://www.omg.org/spec/BPMN/20100524/DI"><BPMNPlane bpmnElement="order">
    <BPMNShape id="S1" bpmnElement="s1"/>
  </BPMNPlane></BPMNDiagram>
</definitions>"#,
        );
        let defs = parse(xml.as_bytes(), &ParseOptions::default()).unwrap();
        let p = plan_deployment("two.bpmn", xml.as_bytes(), &defs, &HashMap::new());
        assert!(p.processes[0].startable, "a diagram defect does not stop the process");
        assert_eq!(p.processes[0].ignored.len(), 1);
        assert!(p.processes[1].ignored.is_empty());
        let all = p.warnings();
        let diagram: Vec<_> = all.iter().filter(|w| w.element_type == "BPMNShape").collect();
        assert_eq!(diagram.len(), 1, "{all:?}");
        assert_eq!((diagram[0].element_id.as_str(), diagram[0].line), ("s1", 12));
        assert!(diagram[0].is_ignored() && diagram[0].reason.contains("no <dc:Bounds>"), "{:?}", diagram[0]);
    }

    #[test]
    fn hash_depends_on_every_byte() {
        assert_ne!(content_hash(b"<a/>"), content_hash(b"<a />"));
        assert_eq!(content_hash(b""), "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
    }
}
