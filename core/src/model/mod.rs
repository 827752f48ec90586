//! The domain model: rows of the catalog and the states they move through, one file per
//! concept. Everything is re-exported here, so `model::Database` is the one path to use.
//!
//! States and kinds are Rust enums stored as `TEXT` with a `CHECK` in the migration (a
//! Postgres `ENUM` value added with `ALTER TYPE` cannot be used in the migration that adds
//! it); reading a value the enum does not know is an error, never a silent default.

#[macro_use]
mod text_enum;

mod audit;
mod catalog;
mod certificate;
mod credential;
mod database;
mod database_move;
mod database_summary;
mod dump;
mod engine;
mod fleet;
mod host;
mod orphan;
mod resize;
mod task;
mod tenancy;

pub use audit::{AuditOutcome, AuditRecord, AuditSubject, NewAuditRecord};
pub use catalog::{
    Environment, EnvironmentChanges, NewEnvironment, NewPlan, Placement, Plan, PlanChanges, MAX_ROLE_NAME_LEN,
    SHARED_DATABASE_CONNECTION_LIMIT,
};
pub use certificate::{CertificateAuthority, EngineCertificate, NewCertificateAuthority};
pub use credential::{credential_username, owner_username, Credential, Privileges};
pub use database::{Database, DatabaseDetail, DatabaseStatus, Health, NewDatabase};
pub use database_move::{DatabaseMove, NewDatabaseMove};
pub use database_summary::{
    CredentialName, DatabaseSummary, EngineBrief, EnvironmentBrief, HostBrief, PlanBrief, SummaryRow,
};
pub use dump::{Dump, DumpFormat};
pub use engine::{Engine, EngineDesired, EngineKind, EngineNames, EngineState, STOPPED_BY_OPERATOR};
pub use fleet::{
    assess, image_family, image_major, image_version, should_run, upgrade_refusal, Assessment, ContainerState, Drift,
    EngineObservation, FleetEngine, Seen,
};
pub use host::{
    does_not_fit, free_memory, is_plain_network_endpoint, DockerTls, Host, HostChanges, HostHealth, HostState, HostUse,
    NewHost,
};
pub use orphan::Orphan;
pub use resize::{resize_mode, InUse, ResizeMode, ResizeRefusal};
pub use task::{Claim, Task, TaskKind, TaskStatus};
pub use tenancy::{
    ApiUser, Member, NewProject, NewTeam, NewUser, Project, ProjectChanges, Team, TeamChanges, TeamDetail, UserChanges,
    UserDetail,
};
pub use text_enum::UnknownValue;

/// How a request names another resource: by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    Id(i64),
    Name(String),
}
