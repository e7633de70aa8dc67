//! Identity as users see it: plain data shared by the engine and the console (no secrets).

use serde::{Deserialize, Serialize};

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub revision: i64,
}

/// A bearer token for the HTTP API, as listed (the token itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    /// The tenant the token is limited to; `None` = all tenants (created by an administrator).
    pub tenant_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A unit of the organisation tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: String,
    pub tenant_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    /// A deactivated unit stays in the tree (its history keeps naming it) but is offered
    /// nowhere: no new people or sub-units go into it. It holds no active people or units.
    pub active: bool,
    /// Moves with every change; an edit names the revision it saw and is refused when the
    /// unit changed meanwhile.
    pub revision: i64,
}

/// A person who can be assigned tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub tenant_id: String,
    pub unit_id: String,
    pub name: String,
    pub groups: Vec<String>,
    /// A deactivated person keeps their history and the tasks they hold, but no task can be
    /// given to them (reassign, claim, set assignee, delegate) and no picker offers them.
    pub active: bool,
    /// As for [`OrgUnit::revision`].
    pub revision: i64,
}
