//! The JSON shapes of responses, one file per resource, following the reference API's fields
//! and HAL-style `_links`. A view is built from what the app operation returned and the
//! request's `Links`; the request bodies are in [`crate::params`].

mod audit;
mod common;
mod credentials;
mod databases;
mod dumps;
mod engines;
mod environments;
mod moves;
mod orphans;
mod outcomes;
mod plans;
mod projects;
mod tasks;
mod teams;
mod users;

pub use audit::{AuditList, AuditRecordLinks, AuditRecordView};
pub use common::{ListLinks, SelfLink, TaskLinks};
pub use credentials::{CredentialLinks, CredentialList, CredentialListItem, CredentialView};
pub use databases::{CredentialSummary, DatabaseList, DatabaseView};
pub use dumps::{DumpLinks, DumpList, DumpView};
pub use engines::{EngineLinks, EngineList, EngineView, Limits, ServedDatabase, Usage, VolumeSize};
pub use environments::{EnvironmentList, EnvironmentView, HostList, HostView};
pub use moves::{DrainView, MoveList, MoveView};
pub use orphans::{OrphanList, OrphanView};
pub use outcomes::{CredentialOrTask, DatabaseOrTask};
pub use plans::{PlanList, PlanView};
pub use projects::{ProjectList, ProjectView};
pub use tasks::{TaskLinksView, TaskList, TaskView};
pub use teams::{MemberSummary, TeamList, TeamView};
pub use users::{UserList, UserView};
