//! The provisioner: runs engine containers on a Docker host and manages the databases and
//! roles inside them.
//!
//! [`docker`] knows containers and volumes and nothing of databases; [`engine`] defines what
//! every engine must do; [`engines`] holds the engines (Postgres, ...) and their registry.

pub mod docker;
pub mod docker_tls;
pub mod engine;
pub mod engines;
mod error;
pub mod observe;
pub mod tls;

pub use docker::{ContainerEvent, ContainerSpec, DockerHost, DockerHosts, Labels, ManagedContainer};
pub use docker_tls::DockerClientTls;
pub use engine::{
    Access, ByteSink, ContainerFile, ContainerLaunch, DumpCommand, DumpMethod, Endpoint, Engine, FileOwner, Grant,
    RoleSpec, Superuser,
};
pub use engines::engine_for;
pub use error::{ProvisionError, ProvisionResult};
pub use observe::{ContainerFacts, ContainerUsage, DockerFacts};
pub use tls::{ClientTls, ServerTls};
