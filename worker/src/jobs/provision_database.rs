//! Provisioning a database: a port, a volume and a running engine container, then the database
//! and its owner role with a generated password; `ready` comes with the task's end.
//!
//! Each step finds what an earlier run did and keeps it: the port and passwords are stored
//! before they are used, containers and volumes are named after the database, and roles are
//! created or updated. Running the job twice leaves one container, not two.
//!
//! The steps and their undo, run by [`on_failure`] when the task fails for good:
//!
//! | step                | fault point            | undo                           |
//! |---------------------|------------------------|--------------------------------|
//! | allocate a port     | `provision.port`       | give the port back             |
//! | superuser password  | `provision.password`   | (kept: sealed, harmless)       |
//! | volume + container  | `provision.container`  | remove the container and volume|
//! | engine accepts      | `provision.ready`      | (covered by the container's)   |
//! | database + owner    | `provision.roles`      | (covered by the container's)   |

use std::sync::Arc;

use dbaas_core::model::{owner_username, DatabaseDetail, DatabaseStatus, Task};
use dbaas_core::secrets;
use dbaas_provisioner::{RoleSpec, Superuser};

use super::database_of;
use crate::container::container_spec;
use crate::engine::engine_of;
use crate::error::{JobError, JobResult};
use crate::fault::fault_point;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let database_id = database_of(&task)?;
    let detail = ctx.store.database_detail(database_id).await?;
    if detail.database.status != DatabaseStatus::Creating {
        // Moved on while queued (quarantined, say): not ours to bring up.
        return Ok(());
    }
    let engine = engine_of(&detail)?;
    let DatabaseDetail {
        database,
        plan,
        environment,
        credentials,
        ..
    } = detail;
    let host = environment.host();
    let secrets = &ctx.config.secrets;

    let port = ctx.store.database_allocate_port(database.id).await?;
    fault_point(&ctx, "provision.port").await?;
    let sealed = ctx
        .store
        .database_admin_password(database.id, secrets.seal(&secrets::generate_password()))
        .await?;
    fault_point(&ctx, "provision.password").await?;
    let admin_password = secrets.open(&sealed)?;
    let endpoint = ctx.engine_endpoint(&host, port)?;
    let server_tls = crate::tls::server_tls(&ctx, database.id, &endpoint.host).await?;
    let client_tls = ctx.client_tls().await?;
    let admin = Superuser {
        endpoint: &endpoint,
        password: &admin_password,
        tls: client_tls.as_ref(),
    };

    let spec = container_spec(
        &ctx,
        &database,
        &plan,
        engine.as_ref(),
        &endpoint,
        &admin_password,
        server_tls.as_ref(),
    );
    ctx.docker_host(&host).await?.ensure_running(&spec).await?;
    fault_point(&ctx, "provision.container").await?;
    engine.wait_ready(admin, ctx.config.engine_ready_timeout).await?;
    fault_point(&ctx, "provision.ready").await?;

    let owner = owner_username(&database.name);
    let credential = credentials
        .iter()
        .find(|c| c.username == owner)
        .ok_or_else(|| JobError::Invalid(format!("the owner credential {owner} is missing")))?;
    let sealed = ctx
        .store
        .credential_initial_password(credential.id, secrets.seal(&secrets::generate_password()))
        .await?;
    let password = secrets.open(&sealed)?;
    engine
        .ensure_database(
            admin,
            &database.name,
            &RoleSpec {
                username: &owner,
                password: &password,
            },
        )
        .await?;
    fault_point(&ctx, "provision.roles").await?;
    // `ready` is written with the task's end, in one transaction.
    Ok(())
}

/// A database that will not come up has every step's undo run, in reverse: nothing is left
/// behind on the engine host, and its port is free again; it is then marked `failed` with the
/// task's end (the task says why), even when an undo fails (the Docker host is gone, say).
/// The port is then kept, since a container may still hold it, and the reconciler reports
/// what is left.
pub async fn on_failure(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let database_id = database_of(&task)?;
    let detail = ctx.store.database_detail(database_id).await?;
    if detail.database.status != DatabaseStatus::Creating {
        return Ok(());
    }
    let names = detail.database.engine_names();
    let host = ctx.docker_host(&detail.environment.host()).await?;
    host.remove(&names.container, &names.volume).await?;
    ctx.store.database_release_port(database_id).await?;
    Ok(())
}
