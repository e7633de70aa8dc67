//! One module per screen.

mod catalog;
mod home;
mod login;
mod org;
mod tenants;

pub use catalog::CatalogPage;
pub use home::{HomePage, NotFound, Placeholder};
pub use login::LoginPage;
pub use org::OrgPage;
pub use tenants::TenantsPage;
