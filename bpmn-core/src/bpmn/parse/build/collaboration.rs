//! Collaborations: participants (pools) and message flows.

use super::super::dom::{El, Ns};
use super::super::{ParseError, ParseErrorKind};
use super::*;
use crate::bpmn::model::{Collaboration, ElementRef, MessageFlow, Participant};
use crate::text::Text;

impl<'d> Builder<'d> {
    pub(super) fn collaboration(&mut self, el: El) -> Result<(), ParseError> {
        let doc = self.doc;
        let index = self.def.collaborations.len();
        let mut collab = Collaboration {
            id: self.require_id(el)?.to_owned(),
            name: attr_string(doc, el, "name"),
            ..Collaboration::default()
        };
        for c in doc.children(el) {
            if doc.ns(c) != Ns::Model {
                continue;
            }
            match doc.name(c) {
                "participant" => {
                    let id = self.require_id(c)?;
                    self.index(
                        id,
                        ElementRef::Participant { collaboration: index, participant: collab.participants.len() },
                    );
                    collab.participants.push(Participant {
                        id: id.to_owned(),
                        name: attr_string(doc, c, "name"),
                        process_ref: attr_string(doc, c, "processRef"),
                    });
                }
                "messageFlow" => {
                    let id = self.require_id(c)?;
                    let end = |attr: &str| {
                        attr_string(doc, c, attr).ok_or_else(|| {
                            ParseError::new(
                                ParseErrorKind::MissingReference,
                                doc.loc(c).element(Some(id)),
                                Text::new("parse.message_flow_end").with("attr", attr),
                            )
                        })
                    };
                    let flow = MessageFlow {
                        id: id.to_owned(),
                        name: attr_string(doc, c, "name"),
                        source: end("sourceRef")?,
                        target: end("targetRef")?,
                    };
                    self.index(id, ElementRef::MessageFlow { collaboration: index, flow: collab.message_flows.len() });
                    collab.message_flows.push(flow);
                }
                "textAnnotation" | "association" | "group" => {
                    if let Some(artifact) = self.artifact(c)? {
                        self.index(
                            &artifact.id,
                            ElementRef::CollaborationArtifact {
                                collaboration: index,
                                artifact: collab.artifacts.len(),
                            },
                        );
                        collab.artifacts.push(artifact);
                    }
                }
                _ => {}
            }
        }
        self.def.collaborations.push(collab);
        Ok(())
    }
}
