//! Identity: tenants, console accounts and their sessions, the organisation tree (units and
//! people) that tasks are assigned within, and the bearer tokens of the HTTP API.
//!
//! One file per concern: `accounts` (roles and scope), `tenants`, `sessions` (sign-in,
//! expiry), `organisation`, `tokens`, `overview`; `input` checks what users type and
//! `secrets` hashes passwords and tokens. Their rows are read and written by `store::identity`.

mod accounts;
mod input;
mod organisation;
mod overview;
mod secrets;
mod sessions;
mod tenants;
pub(crate) mod tokens;
mod verified;

pub use accounts::{Account, Role};
pub use input::{check_text, nul_in_json, nul_message, parse_code, parse_name, parse_tenant_name};
pub use organisation::{OrgUnit, Person, PersonEdit};
pub use overview::Overview;
pub use secrets::hash_password;
pub use sessions::{CurrentSession, Session, SESSION_IDLE_MS, SESSION_TTL_MS};
pub use tenants::Tenant;
pub use tokens::ApiToken;
pub(crate) use verified::VerifiedCredentials;
pub use verified::VERIFIED_TTL_MS;
