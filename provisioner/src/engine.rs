//! What every engine must do for the control plane: the [`Engine`] trait and the types its
//! methods speak. The engines themselves are in [`crate::engines`], one module each.

use std::time::Duration;

use async_trait::async_trait;

use crate::error::ProvisionResult;
use crate::tls::{ClientTls, ServerTls};

/// Where an engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

/// How the control plane logs in to an engine: its endpoint, the superuser's password, and
/// the TLS it insists on.
#[derive(Clone, Copy)]
pub struct Superuser<'a> {
    pub endpoint: &'a Endpoint,
    /// Never logged.
    pub password: &'a str,
    /// `None` only where the deployment runs engines without TLS (local development).
    pub tls: Option<&'a ClientTls>,
}

impl Superuser<'_> {
    /// The same login, owning its parts: for work that outlives the caller's borrow.
    pub fn to_owned_login(&self) -> OwnedSuperuser {
        OwnedSuperuser {
            endpoint: self.endpoint.clone(),
            password: self.password.to_owned(),
            tls: self.tls.cloned(),
        }
    }
}

/// A [`Superuser`] that owns its endpoint, password and TLS: what a task in the background
/// logs in with.
pub struct OwnedSuperuser {
    endpoint: Endpoint,
    /// Never logged.
    password: String,
    tls: Option<ClientTls>,
}

impl OwnedSuperuser {
    pub fn login(&self) -> Superuser<'_> {
        Superuser {
            endpoint: &self.endpoint,
            password: &self.password,
            tls: self.tls.as_ref(),
        }
    }
}

impl std::fmt::Debug for Superuser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Superuser")
            .field("endpoint", self.endpoint)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
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

/// A file written into an engine's container before it starts: how secrets reach an engine,
/// so that none is in the container's configuration (`docker inspect` shows its environment).
#[derive(Clone)]
pub struct ContainerFile {
    /// An absolute path; its parent directories are created.
    pub path: String,
    /// Often a secret: never logged.
    pub contents: Vec<u8>,
    pub mode: u32,
    pub owner: FileOwner,
}

/// Who owns a [`ContainerFile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOwner {
    Root,
    /// The user the engine runs as ([`ContainerLaunch::user`]), found by name in the image's
    /// `/etc/passwd` (Debian's `postgres` is uid 100 in our image, 999 in the official one).
    EngineUser,
}

impl std::fmt::Debug for ContainerFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerFile")
            .field("path", &self.path)
            .field("mode", &format_args!("{:o}", self.mode))
            .finish_non_exhaustive()
    }
}

/// How the container of an engine is run, following the official image's contract so that
/// the official image can replace ours on a connected site.
#[derive(Debug, Clone)]
pub struct ContainerLaunch {
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    /// Where the data volume is mounted.
    pub data_path: &'static str,
    /// Written into the container before it starts (the superuser's password file, ...).
    pub files: Vec<ContainerFile>,
    /// The user the engine runs as in the image, who owns its secrets.
    pub user: &'static str,
}

/// A command run inside the engine's container that writes a dump to its standard output.
#[derive(Clone)]
pub struct DumpCommand {
    pub cmd: Vec<String>,
    /// May carry the superuser password: never log it.
    pub env: Vec<String>,
}

/// How a database's dump comes out of its engine.
#[derive(Clone)]
pub enum DumpMethod {
    /// A tool in the engine's container writes it, streamed out through the Docker API
    /// (`pg_dump`).
    Exec(DumpCommand),
    /// The engine's own client reads it out over the wire: [`Engine::dump_to`].
    Client,
}

/// Where a dump's bytes go, chunk by chunk as they come: never the whole dump in memory.
#[async_trait]
pub trait ByteSink: Send {
    async fn write(&mut self, bytes: Vec<u8>) -> ProvisionResult<()>;
}

/// How often [`Engine::wait_ready`] tries again: an engine that is not up yet refuses the
/// connection at once, so trying often costs little, and every wait between tries is added
/// to a cold start.
pub const READY_POLL: Duration = Duration::from_millis(10);

/// What an engine that does not hold several tenants' databases answers when asked to.
fn cannot_share(engine: &str) -> crate::ProvisionError {
    crate::ProvisionError::Invalid(format!("{engine} engines do not hold several tenants' databases"))
}

#[async_trait]
pub trait Engine: Send + Sync {
    /// The engine's name in plans: `postgres`, `mongodb`.
    fn name(&self) -> &'static str;

    /// The superuser the control plane manages the engine with.
    fn admin_user(&self) -> &'static str;

    /// Environment, arguments and files for a container listening on `endpoint`, serving TLS
    /// only (plain connections refused) when `tls` is given, with `fixed_memory` bytes set
    /// aside at start (Postgres' shared_buffers, MongoDB's WiredTiger cache: the catalog's
    /// `EngineKind::fixed_memory` of the container's limit).
    fn launch(
        &self,
        endpoint: &Endpoint,
        admin_password: &str,
        tls: Option<&ServerTls>,
        fixed_memory: i64,
    ) -> ContainerLaunch;

    /// Makes a running engine take up the certificate files just written into its container
    /// (see [`Self::launch`]). `false`: it cannot without a restart.
    async fn reload_certificates(&self, admin: Superuser<'_>) -> ProvisionResult<bool> {
        let _ = admin;
        Ok(false)
    }

    /// Waits until the engine accepts the superuser's login, trying every [`READY_POLL`].
    async fn wait_ready(&self, admin: Superuser<'_>, timeout: Duration) -> ProvisionResult<()>;

    /// Readies an engine for the next database made in it (a pooled engine, or a shared one
    /// after each database), so that [`Self::ensure_database`] takes less time then
    /// (Postgres: a spare database, renamed rather than created). Run again, it finds what it
    /// made.
    async fn prepare_spare(&self, admin: Superuser<'_>) -> ProvisionResult<()> {
        let _ = admin;
        Ok(())
    }

    /// Writes what the engine holds in memory to its data files before a clean stop whose
    /// files are then copied elsewhere (Postgres: `CHECKPOINT`, so that the shutdown's own
    /// checkpoint has little left to write). Engines that need nothing: nothing.
    async fn checkpoint(&self, admin: Superuser<'_>) -> ProvisionResult<()> {
        let _ = admin;
        Ok(())
    }

    /// Creates `database` owned by `owner`, or brings an existing one to that state: the role
    /// exists, can log in with the given password, and owns the database.
    async fn ensure_database(&self, admin: Superuser<'_>, database: &str, owner: &RoleSpec<'_>) -> ProvisionResult<()>;

    /// [`Self::ensure_database`] in an engine that holds many tenants' databases, fenced off
    /// from its neighbours: no one but the roles granted it may connect to it, no tenant may
    /// connect to the engine's own databases, and it holds at most `connection_limit`
    /// sessions at once. Run again, it finds it done. Engines that cannot share: an error.
    async fn ensure_shared_database(
        &self,
        admin: Superuser<'_>,
        database: &str,
        owner: &RoleSpec<'_>,
        connection_limit: i32,
    ) -> ProvisionResult<()> {
        let _ = (admin, database, owner, connection_limit);
        Err(cannot_share(self.name()))
    }

    /// Drops `database` of an engine that holds many, ending its sessions, and then its roles
    /// (`roles`, and any other that may connect to it): the neighbours are not touched. A
    /// database or role already gone is not an error.
    async fn drop_database(&self, admin: Superuser<'_>, database: &str, roles: &[String]) -> ProvisionResult<()> {
        let _ = (admin, database, roles);
        Err(cannot_share(self.name()))
    }

    /// Creates a further role of `database` with exactly `access`, or brings an existing one
    /// to that state. `owner` is the database's owner role.
    async fn ensure_role(
        &self,
        admin: Superuser<'_>,
        database: &str,
        owner: &str,
        role: &RoleSpec<'_>,
        grant: Grant,
    ) -> ProvisionResult<()>;

    /// Sets the password of a role of `database`. A role that does not exist is an error.
    async fn set_password(&self, admin: Superuser<'_>, database: &str, role: &RoleSpec<'_>) -> ProvisionResult<()>;

    /// Sets the superuser's own password ([`Self::admin_user`]), logged in with the current
    /// one. Open sessions stay.
    async fn set_admin_password(&self, admin: Superuser<'_>, password: &str) -> ProvisionResult<()>;

    /// Ends every open session of a role of `database`.
    async fn terminate_sessions(&self, admin: Superuser<'_>, database: &str, username: &str) -> ProvisionResult<()>;

    /// Whether [`Self::terminate_sessions`] closes the role's open connections. Where it
    /// cannot (MongoDB keeps connections open across a password change), quarantine restarts
    /// the engine.
    fn can_end_connections(&self) -> bool {
        true
    }

    /// Every user that may log in to `database`, those the tenant made itself included.
    async fn list_users(&self, admin: Superuser<'_>, database: &str) -> ProvisionResult<Vec<String>>;

    /// Removes a role and what it owns in `database`, handing objects to `owner`. A role that
    /// is already gone is not an error.
    async fn drop_role(&self, admin: Superuser<'_>, database: &str, owner: &str, username: &str)
        -> ProvisionResult<()>;

    /// What a dump of this engine is, for the people who restore it: `pg_dump-custom`, ...
    fn dump_format(&self) -> &'static str;

    /// How to dump `database`.
    fn dump_method(&self, admin: Superuser<'_>, database: &str) -> DumpMethod;

    /// Writes a dump of `database` to `sink` through the engine's client, for engines whose
    /// [`Self::dump_method`] is [`DumpMethod::Client`].
    async fn dump_to(&self, admin: Superuser<'_>, database: &str, sink: &mut dyn ByteSink) -> ProvisionResult<()> {
        let _ = (admin, database, sink);
        Err(crate::ProvisionError::Invalid(format!(
            "{} engines are dumped with a tool in their container",
            self.name()
        )))
    }

    /// Bytes the database takes on disk.
    async fn database_size(&self, admin: Superuser<'_>, database: &str) -> ProvisionResult<i64>;
}
