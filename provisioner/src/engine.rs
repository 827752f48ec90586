//! What every engine must do for the control plane. One module per engine implements it.

use std::time::Duration;

use async_trait::async_trait;

use crate::error::ProvisionResult;
use crate::postgres::Postgres;

/// Where an engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

/// What a role may do in its database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Owns the database: everything, including creating tables.
    Owner,
    /// Reads and writes the data; cannot change the schema.
    ReadWrite,
    /// Reads the data.
    ReadOnly,
}

/// What a further role of a database may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub access: Access,
    /// Concurrent sessions allowed; `None` for no limit.
    pub connection_limit: Option<i32>,
}

/// A role to create or update in an engine. Its password is never logged.
pub struct RoleSpec<'a> {
    pub username: &'a str,
    pub password: &'a str,
}

impl std::fmt::Debug for RoleSpec<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoleSpec")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// How the container of an engine is run, following the official image's contract so that
/// the official image can replace ours on a connected site.
#[derive(Debug, Clone)]
pub struct ContainerLaunch {
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    pub data_path: &'static str,
}

/// A command that writes a dump of one database to its standard output, run inside the
/// engine's container.
#[derive(Clone)]
pub struct DumpCommand {
    pub cmd: Vec<String>,
    /// Carries the superuser password: never log it.
    pub env: Vec<String>,
    /// What the dump is, for the people who restore it: `pg_dump-custom`, ...
    pub format: &'static str,
}

#[async_trait]
pub trait Engine: Send + Sync {
    /// The engine's name in plans: `postgres`, `mongodb`.
    fn name(&self) -> &'static str;

    /// The superuser the control plane manages the engine with.
    fn admin_user(&self) -> &'static str;

    /// Environment and arguments for a container listening on `endpoint`.
    fn launch(&self, endpoint: &Endpoint, admin_password: &str) -> ContainerLaunch;

    /// Waits until the engine accepts the superuser's login on `endpoint`.
    async fn wait_ready(&self, endpoint: &Endpoint, admin_password: &str, timeout: Duration) -> ProvisionResult<()>;

    /// Creates `database` owned by `owner`, or brings an existing one to that state: the role
    /// exists, can log in with the given password, and owns the database.
    async fn ensure_database(
        &self,
        endpoint: &Endpoint,
        admin_password: &str,
        database: &str,
        owner: &RoleSpec<'_>,
    ) -> ProvisionResult<()>;

    /// Creates a further role of `database` with exactly `access`, or brings an existing one
    /// to that state. `owner` is the database's owner role.
    async fn ensure_role(
        &self,
        endpoint: &Endpoint,
        admin_password: &str,
        database: &str,
        owner: &str,
        role: &RoleSpec<'_>,
        grant: Grant,
    ) -> ProvisionResult<()>;

    /// Sets a role's password. A role that does not exist is an error.
    async fn set_password(&self, endpoint: &Endpoint, admin_password: &str, role: &RoleSpec<'_>)
        -> ProvisionResult<()>;

    /// Ends every open session of the role.
    async fn terminate_sessions(
        &self,
        endpoint: &Endpoint,
        admin_password: &str,
        username: &str,
    ) -> ProvisionResult<()>;

    /// Removes a role and what it owns in `database`, handing objects to `owner`. A role that
    /// is already gone is not an error.
    async fn drop_role(
        &self,
        endpoint: &Endpoint,
        admin_password: &str,
        database: &str,
        owner: &str,
        username: &str,
    ) -> ProvisionResult<()>;

    /// How to dump `database`: run inside the engine's container.
    fn dump_command(&self, endpoint: &Endpoint, admin_password: &str, database: &str) -> DumpCommand;

    /// Bytes the database takes on disk.
    async fn database_size(&self, endpoint: &Endpoint, admin_password: &str, database: &str) -> ProvisionResult<i64>;
}

/// The engine a plan names, if this build knows it.
pub fn engine_for(name: &str) -> Option<Box<dyn Engine>> {
    match name {
        "postgres" => Some(Box::new(Postgres)),
        _ => None,
    }
}
