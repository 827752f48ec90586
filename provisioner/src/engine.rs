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

#[async_trait]
pub trait Engine: Send + Sync {
    /// The engine's name in plans: `postgres`, `mongodb`.
    fn name(&self) -> &'static str;

    /// The superuser the control plane manages the engine with.
    fn admin_user(&self) -> &'static str;

    /// Environment and arguments for a container listening on `endpoint`.
    fn launch(&self, endpoint: &Endpoint, admin_password: &str) -> ContainerLaunch;

    /// Waits until the engine accepts the superuser's login on `endpoint`.
    async fn wait_ready(
        &self,
        endpoint: &Endpoint,
        admin_password: &str,
        timeout: Duration,
    ) -> ProvisionResult<()>;

    /// Creates `database` owned by `owner`, or brings an existing one to that state: the role
    /// exists, can log in with the given password, and owns the database.
    async fn ensure_database(
        &self,
        endpoint: &Endpoint,
        admin_password: &str,
        database: &str,
        owner: &RoleSpec<'_>,
    ) -> ProvisionResult<()>;
}

/// The engine a plan names, if this build knows it.
pub fn engine_for(name: &str) -> Option<Box<dyn Engine>> {
    match name {
        "postgres" => Some(Box::new(Postgres)),
        _ => None,
    }
}
