//! References written as qualified names. BPMN 2.0 types most references as `xsd:QName`, so
//! some tools write `tns:Task_1` where `xmlns:tns` is the file's own `targetNamespace`: that
//! is the local element `Task_1`. Once the file is read, such prefixes are stripped from every
//! reference, so that the builder only ever sees ids. A prefix bound to another namespace
//! (an imported file) is left alone: nothing of the file has that id, so the reference is
//! refused as pointing to nothing, as before (bpmn.io does not resolve either kind: it looks
//! the raw value up as an id and drops the reference with an "unresolved reference" warning).

use super::{Attr, AttrNs, Doc, Ns, Span};

/// Attributes of BPMN and BPMNDI elements that hold the id of another element of the file.
const REF_ATTRS: &[&str] = &[
    "sourceRef",
    "targetRef",
    "attachedToRef",
    "default",
    "processRef",
    "bpmnElement",
    "dataObjectRef",
    "dataStoreRef",
    "messageRef",
    "signalRef",
    "errorRef",
    "escalationRef",
    "categoryValueRef",
    "operationRef",
    "activityRef",
];

/// BPMN elements whose text is the id of another element of the file.
const REF_ELEMENTS: &[&str] = &["flowNodeRef", "eventDefinitionRef", "sourceRef", "targetRef", "incoming", "outgoing"];

impl Doc {
    /// The namespace that `prefix` is bound to on the root element.
    pub(in crate::bpmn::parse) fn root_namespace(&self, prefix: &str) -> Option<&str> {
        self.root_namespaces.iter().find(|(p, _)| self.str(*p) == prefix).map(|(_, uri)| self.str(*uri))
    }

    /// Strips the prefixes bound to the file's own target namespace from every reference.
    pub(super) fn strip_own_prefixes(&mut self) {
        let Some(target) = self.elems.first().and_then(|_| self.attr(0, "targetNamespace")) else {
            return;
        };
        let own: Vec<String> = self
            .root_namespaces
            .iter()
            .filter(|(_, uri)| self.str(*uri).trim() == target.trim())
            .map(|(prefix, _)| self.str(*prefix).to_owned())
            .collect();
        if own.is_empty() {
            return;
        }
        let local_start = |value: &str| -> Option<usize> {
            let trimmed = value.trim_start();
            let (prefix, local) = trimmed.split_once(':')?;
            (own.iter().any(|p| p == prefix) && !local.trim().is_empty())
                .then(|| value.len() - trimmed.len() + prefix.len() + 1)
        };
        for el in 0..self.elems.len() {
            let ns = self.elems[el].ns;
            if !matches!(ns, Ns::Model | Ns::BpmnDi) {
                continue;
            }
            let (start, end) = self.elems[el].attrs;
            for a in start as usize..(end as usize).min(self.attrs.len()) {
                let Attr { ns, name, value } = &self.attrs[a];
                if *ns != AttrNs::Plain || !REF_ATTRS.contains(&self.str(*name)) {
                    continue;
                }
                if let Some(skip) = local_start(self.str(*value)) {
                    let skip = u32::try_from(skip).unwrap_or(0);
                    self.attrs[a].value = Span { start: value.start + skip, end: value.end };
                }
            }
            if ns == Ns::Model && REF_ELEMENTS.contains(&self.name(el)) {
                let text = &self.elems[el].text;
                if let Some(skip) = local_start(text) {
                    self.elems[el].text = text[skip..].to_owned();
                }
            }
        }
    }
}
