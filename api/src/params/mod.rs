//! Request bodies: what a caller writes to create or change a resource, one file per resource.
//!
//! Each is defined once, as the poem-openapi object the spec documents, and used as it is by
//! both layers: the HTTP handler unpacks it from the body and hands it to the app operation
//! of the same name (`database_create` takes [`DatabaseCreate`]), which checks it and turns
//! it into the store's `NewX` / `XChanges`. The `#[oai(validator)]`s are what the spec states;
//! the app's rules (`app::validate`) hold the rest.

mod credentials;
mod databases;
mod engines;
mod environments;
mod hosts;
mod plans;
mod projects;
mod query_text;
mod reference;
mod teams;
mod text;
mod users;

pub use credentials::CredentialCreate;
pub use databases::{DatabaseCreate, DatabaseMoveRequest, DatabaseUpdate};
pub use engines::EngineUpgrade;
pub use environments::{EnvironmentCreate, EnvironmentUpdate};
pub use hosts::{HostCreate, HostUpdate};
pub use plans::{PlanCreate, PlanUpdate};
pub use projects::{ProjectCreate, ProjectUpdate};
pub use query_text::{DatabaseStatusFilter, NoNul, QueryText};
pub use reference::Reference;
pub use teams::{TeamCreate, TeamUpdate};
pub use text::Text;
pub use users::{UserCreate, UserUpdate};
