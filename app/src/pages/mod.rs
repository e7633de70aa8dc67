//! One module per screen.

mod catalog;
pub mod definition;
mod deployments;
mod home;
mod login;
mod models;
mod org;
mod tenants;
mod tokens;

pub use catalog::CatalogPage;
pub use definition::DefinitionPage;
pub use deployments::DeploymentsPage;
pub use home::{HomePage, NotFound, Placeholder};
pub use login::LoginPage;
pub use models::ModelsPage;
pub use org::OrgPage;
pub use tenants::TenantsPage;
pub use tokens::TokensPage;
