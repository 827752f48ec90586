//! Engines as jobs reach them: [`EngineHandle`] is one engine of the catalog with what it
//! takes to manage it (its driver, endpoint, superuser and Docker host), [`start`] brings
//! one up, and [`EngineTarget`] is a database with the engine that serves it: the one place
//! a job finds its engine, endpoint and superuser.

use std::ops::Deref;
use std::time::Duration;

use dbaas_core::model::{owner_username, Credential, Database, DatabaseDetail, Engine, EngineKind, Host, Privileges};
use dbaas_core::secrets;
use dbaas_provisioner::{
    engine_for, Access, ClientTls, ContainerSpec, DockerHost, Endpoint, Engine as Driver, Grant, RoleSpec, ServerTls,
    Superuser,
};

use crate::container::container_spec;
use crate::error::{JobError, JobResult};
use crate::fault::fault_point;
use crate::steps::Steps;
use crate::Context;

/// The driver of an engine kind, if this worker knows it.
pub fn driver_of(kind: EngineKind) -> JobResult<Box<dyn Driver>> {
    engine_for(kind.as_str()).ok_or_else(|| JobError::Invalid(format!("this worker cannot run '{kind}' engines")))
}

/// One engine of the catalog that got as far as a port and a superuser password.
pub struct EngineHandle {
    pub row: Engine,
    pub engine: Box<dyn Driver>,
    pub host: Host,
    pub endpoint: Endpoint,
    admin_password: String,
    client_tls: Option<ClientTls>,
}

impl EngineHandle {
    /// `None` when the engine never got a port and a superuser password, or was removed (so
    /// nothing can be in it).
    pub async fn open(ctx: &Context, row: Engine) -> JobResult<Option<EngineHandle>> {
        if !row.was_provisioned() {
            return Ok(None);
        }
        let host = ctx.store.host_get(row.host_id).await?;
        Self::open_on(ctx, row, host).await
    }

    /// [`Self::open`] where the caller already read the engine's host.
    pub async fn open_on(ctx: &Context, row: Engine, host: Host) -> JobResult<Option<EngineHandle>> {
        if !row.was_provisioned() {
            return Ok(None);
        }
        let (Some(port), Some(sealed)) = (row.port, row.admin_password_enc.clone()) else {
            return Ok(None);
        };
        debug_assert_eq!(row.host_id, host.id, "an engine opened on another host");
        Ok(Some(EngineHandle {
            engine: driver_of(row.kind)?,
            endpoint: ctx.engine_endpoint(&host, port)?,
            admin_password: ctx.config.secrets.open(&sealed)?,
            client_tls: ctx.client_tls().await?,
            host,
            row,
        }))
    }

    /// How the control plane logs in to the engine.
    pub fn admin(&self) -> Superuser<'_> {
        Superuser {
            endpoint: &self.endpoint,
            password: &self.admin_password,
            tls: self.client_tls.as_ref(),
        }
    }

    pub fn admin_password(&self) -> &str {
        &self.admin_password
    }

    /// Its Docker host.
    pub async fn docker(&self, ctx: &Context) -> JobResult<DockerHost> {
        ctx.docker_host(&self.host).await
    }

    /// The container it runs in, serving `tls`, labelled with `database` where it serves one.
    pub fn container_spec(&self, ctx: &Context, tls: Option<&ServerTls>, database: Option<&Database>) -> ContainerSpec {
        container_spec(
            ctx,
            &self.row,
            database,
            self.engine.as_ref(),
            &self.endpoint,
            &self.admin_password,
            tls,
        )
    }

    /// Gives the superuser a new generated password: stored as pending, applied, then made
    /// the engine's. A resumed run finds the pending one and, where the engine already has
    /// it, only commits it. A pooled engine gets this when a database takes it, so that no
    /// password it had before serves the tenant's engine.
    pub async fn rotate_admin_password(&mut self, ctx: &Context, steps: &mut Steps<'_>) -> JobResult<()> {
        let secrets = &ctx.config.secrets;
        let sealed = ctx
            .store
            .engine_admin_pending(self.row.id, secrets.seal(&secrets::generate_password()))
            .await?;
        let pending = secrets.open(&sealed)?;
        let applied = match self.engine.set_admin_password(self.admin(), &pending).await {
            Ok(()) => true,
            // An earlier run applied it and stopped before committing: the engine has it.
            Err(e) => {
                let with_pending = Superuser {
                    password: &pending,
                    ..self.admin()
                };
                if self.engine.wait_ready(with_pending, Duration::ZERO).await.is_err() {
                    return Err(e.into());
                }
                false
            }
        };
        tracing::debug!(
            engine_id = self.row.id,
            resumed = !applied,
            "superuser password applied"
        );
        steps.done("admin_applied").await?;
        ctx.store.engine_admin_commit(self.row.id).await?;
        self.admin_password = pending;
        Ok(())
    }
}

/// Brings an engine up, or finds it up: a port, a superuser password, its certificate, its
/// volume and container, and the engine accepting the superuser. Each step finds what an
/// earlier run did and keeps it (the port and password are stored before they are used).
/// `steps` times each step and names its fault point (`provision`: `provision.port`, ...).
pub async fn start(
    ctx: &Context,
    row: Engine,
    database: Option<&Database>,
    steps: &mut Steps<'_>,
) -> JobResult<EngineHandle> {
    let secrets = &ctx.config.secrets;
    ctx.store.engine_allocate_port(row.id).await?;
    steps.done("port").await?;
    ctx.store
        .engine_admin_password(row.id, secrets.seal(&secrets::generate_password()))
        .await?;
    steps.done("password").await?;
    let row = ctx.store.engine_get(row.id).await?;
    let handle = EngineHandle::open(ctx, row)
        .await?
        .ok_or_else(|| JobError::Invalid("the engine has no port or superuser password".into()))?;
    let server_tls = crate::tls::server_tls(ctx, handle.row.id, &handle.endpoint.host).await?;
    let spec = handle.container_spec(ctx, server_tls.as_ref(), database);
    let (_, made) = handle.docker(ctx).await?.ensure_running(&spec).await?;
    if made {
        ctx.store.engine_sized(handle.row.id, spec.memory_bytes).await?;
    }
    steps.done("container").await?;
    handle
        .engine
        .wait_ready(handle.admin(), ctx.config.engine_ready_timeout)
        .await?;
    steps.done("ready").await?;
    if database.is_none() {
        handle.engine.prepare_spare(handle.admin()).await?;
    }
    Ok(handle)
}

/// Removes what serves a database: on a shared engine its database and roles only (the
/// neighbours stay; an engine that never got a port and a password holds nothing), else the
/// engine's container and volume. Returns whether the engine itself went.
pub async fn remove_database_from(ctx: &Context, engine: &Engine, detail: &DatabaseDetail) -> JobResult<bool> {
    if !engine.is_shared() {
        let names = engine.names();
        ctx.docker_of(engine)
            .await?
            .remove(&names.container, &names.volume)
            .await?;
        return Ok(true);
    }
    if let Some(handle) = EngineHandle::open(ctx, engine.clone()).await? {
        let roles: Vec<String> = detail.credentials.iter().map(|c| c.username.clone()).collect();
        handle
            .engine
            .drop_database(handle.admin(), &detail.database.name, &roles)
            .await?;
    }
    Ok(false)
}

/// A database with the engine that serves it.
pub struct EngineTarget {
    pub detail: DatabaseDetail,
    handle: EngineHandle,
}

impl Deref for EngineTarget {
    type Target = EngineHandle;

    fn deref(&self) -> &EngineHandle {
        &self.handle
    }
}

/// How long an engine gets to stop on its own before Docker kills it.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

impl EngineTarget {
    /// Makes its engine's container run (re-created on its volume where it vanished), with
    /// `image` instead of the catalog's where given, its certificate checked first.
    pub async fn run_container(&self, ctx: &Context, image: Option<&str>) -> JobResult<()> {
        let server_tls = crate::tls::server_tls(ctx, self.row.id, &self.endpoint.host).await?;
        let mut spec = self.spec(ctx, server_tls.as_ref());
        if let Some(image) = image {
            spec.image = image.to_owned();
        }
        let (_, made) = self.docker(ctx).await?.ensure_running(&spec).await?;
        if made {
            ctx.store.engine_sized(self.row.id, spec.memory_bytes).await?;
        }
        Ok(())
    }

    /// Waits for the engine to accept its superuser, then records its database healthy.
    pub async fn accepting(&self, ctx: &Context) -> JobResult<()> {
        self.engine
            .wait_ready(self.admin(), ctx.config.engine_ready_timeout)
            .await?;
        ctx.store
            .database_record_health(self.detail.database.id, true, None)
            .await?;
        Ok(())
    }

    /// The engine of a database that was provisioned; `None` when it never got as far as an
    /// engine with a port and a superuser password (so there is nothing in any engine to
    /// manage).
    pub async fn of(ctx: &Context, database_id: i64) -> JobResult<Option<EngineTarget>> {
        let detail = ctx.store.database_detail(database_id).await?;
        let (Some(row), Some(host)) = (detail.engine.clone(), detail.host.clone()) else {
            return Ok(None);
        };
        let Some(handle) = EngineHandle::open_on(ctx, row, host).await? else {
            return Ok(None);
        };
        Ok(Some(EngineTarget { detail, handle }))
    }

    /// Like [`Self::of`], for work that needs a provisioned engine.
    pub async fn require(ctx: &Context, database_id: i64) -> JobResult<EngineTarget> {
        Self::of(ctx, database_id)
            .await?
            .ok_or_else(|| JobError::Invalid("the database was never provisioned".into()))
    }

    /// Its engine's container, labelled with the database.
    pub fn spec(&self, ctx: &Context, tls: Option<&ServerTls>) -> ContainerSpec {
        self.handle.container_spec(ctx, tls, Some(&self.detail.database))
    }

    /// Gives a credential a new generated password: stored as pending, applied to the engine,
    /// then made the credential's password. A resumed run applies the same pending password.
    pub async fn rotate_password(&self, ctx: &Context, credential: &Credential) -> JobResult<()> {
        let secrets = &ctx.config.secrets;
        let candidate = secrets.seal(&secrets::generate_password());
        let sealed = ctx.store.credential_pending_password(credential.id, candidate).await?;
        fault_point(ctx, "rotate.pending").await?;
        let password = secrets.open(&sealed)?;
        let role = RoleSpec {
            username: &credential.username,
            password: &password,
        };
        self.engine
            .set_password(self.admin(), self.database_name(), &role)
            .await?;
        fault_point(ctx, "rotate.applied").await?;
        ctx.store.credential_commit_pending(credential.id).await?;
        Ok(())
    }

    pub fn database_name(&self) -> &str {
        &self.detail.database.name
    }

    pub fn owner(&self) -> String {
        owner_username(&self.detail.database.name)
    }
}

/// What a credential's privileges let its role do.
pub fn grant_of(credential: &Credential) -> Grant {
    Grant {
        access: match credential.privileges {
            Privileges::Owner => Access::Owner,
            Privileges::ReadWrite => Access::ReadWrite,
            Privileges::ReadOnly => Access::ReadOnly,
        },
        connection_limit: credential.connection_limit,
    }
}
