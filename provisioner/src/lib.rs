//! The provisioner: runs engine containers on a Docker host and manages the databases and
//! roles inside them.
//!
//! [`docker`] knows containers and volumes and nothing of databases; [`engine`] defines what
//! every engine (Postgres now, MongoDB next) must do, one module per engine.

pub mod docker;
pub mod engine;
mod error;
pub mod postgres;

pub use docker::{ContainerSpec, DockerHost, DockerHosts, Labels, ManagedContainer};
pub use engine::{engine_for, Access, DumpCommand, Endpoint, Engine, Grant, RoleSpec};
pub use error::{ProvisionError, ProvisionResult};
