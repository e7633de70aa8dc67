//! One module per screen.

mod catalog;
pub mod definition;
mod deployments;
mod designer;
pub mod events;
mod home;
mod instance;
pub mod instances;
pub mod jobs;
mod login;
mod models;
pub mod org;
pub mod tasks;
mod tenants;
mod tokens;

pub use catalog::CatalogPage;
pub use definition::DefinitionPage;
pub use deployments::DeploymentsPage;
pub use designer::DesignerPage;
pub use events::EventsPage;
pub use home::{HomePage, NotFound, Placeholder};
pub use instance::InstanceDetailPage;
pub use instances::InstancesPage;
pub use jobs::JobsPage;
pub use login::LoginPage;
pub use models::ModelsPage;
pub use org::OrgPage;
pub use tasks::TasksPage;
pub use tenants::TenantsPage;
pub use tokens::TokensPage;
