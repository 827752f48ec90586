//! Application operations: what each API call does, with authorization (tenant scope) decided
//! here and nowhere else. One verb-noun function per operation (`database_create`), called by a
//! thin HTTP handler and calling the store; operations take the request bodies of
//! [`crate::params`] as they are and build the store's `NewX` / `XChanges` from them.
//!
//! One file per resource; beside them, [`validate`] holds every field rule, `tasks` the
//! enqueueing and waiting, and `references` how requests name other resources.

mod audit;
mod certificates;
mod credentials;
mod databases;
mod dumps;
mod environments;
mod fleet;
mod hosts;
mod moves;
mod orphans;
mod plans;
mod projects;
mod references;
mod resize;
mod tasks;
mod teams;
mod users;
pub mod validate;

pub use audit::{audit_path, AuditCall, AuditListQuery, LOGIN_FAILED};
pub use credentials::CredentialDetail;
pub use databases::DatabaseListQuery;
pub use fleet::{EngineAction, EngineListQuery, LogQuery, LogStream};
pub use hosts::HostDetail;
pub use moves::Drain;
pub use plans::PlanDetail;
pub use references::{parse_reference, ResourceKind};
pub use tasks::{TaskListQuery, Waited};

use dbaas_core::queue::JobQueue;
use dbaas_core::store::Caller;
use dbaas_core::{Config, Store, StoreError};

/// Everything an operation can reach. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    pub store: Store,
    pub queue: JobQueue,
    pub config: Config,
    /// Connections to the environments' Docker hosts, for engine logs.
    pub docker: dbaas_provisioner::DockerHosts,
}

/// Errors of the operations. They know nothing of HTTP: `http::error` maps them once.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Malformed input: the request can never succeed as written.
    #[error("{message}")]
    Invalid {
        field: Option<&'static str>,
        message: String,
    },
    /// Well-formed input that is not allowed (unknown reference, quota, ...).
    #[error("{message}")]
    Unprocessable {
        field: Option<&'static str>,
        message: String,
    },
    /// The caller may see this but not change it.
    #[error("{0}")]
    Forbidden(String),
    /// Missing, or not the caller's to see.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// A backing service is down; the request changed nothing and can be sent again.
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict(message) => AppError::Conflict(message),
            e @ StoreError::Busy { .. } => AppError::Conflict(e.to_string()),
            StoreError::OverQuota(message) => AppError::Unprocessable { field: None, message },
            StoreError::Unavailable(message) => AppError::Unavailable(message),
            StoreError::Query(e) => AppError::Internal(e.to_string()),
            // Only workers hold claims.
            e @ StoreError::ClaimLost(_) => AppError::Internal(e.to_string()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Refuses a non-admin what only admins may do, with `refusal` as the reason (403).
fn admin_only(caller: &Caller, refusal: &str) -> AppResult<()> {
    if !caller.is_admin {
        return Err(AppError::Forbidden(refusal.to_owned()));
    }
    Ok(())
}
