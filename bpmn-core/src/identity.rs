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
