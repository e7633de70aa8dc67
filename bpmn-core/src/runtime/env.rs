//! What a step knows beyond the instance's state: facts about the instance that expressions
//! read (`execution.processInstanceId`, `execution.processBusinessKey`, ...). The engine fills
//! it from the instance row; pure tests may leave it empty ([`Env::default`]).
//!
//! Nothing here performs I/O: the fields are plain data (and, where a capability is needed,
//! a trait object the caller provides).

/// The surroundings of one step.
#[derive(Clone, Copy, Default)]
pub struct Env<'a> {
    /// The instance's id (`execution.processInstanceId`); empty when unknown.
    pub instance_id: &'a str,
    /// The instance's business key (`execution.processBusinessKey`).
    pub business_key: Option<&'a str>,
    /// The definition's id (`execution.processDefinitionId`); empty when unknown.
    pub definition_id: &'a str,
}

impl std::fmt::Debug for Env<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("instance_id", &self.instance_id)
            .field("business_key", &self.business_key)
            .field("definition_id", &self.definition_id)
            .finish_non_exhaustive()
    }
}
