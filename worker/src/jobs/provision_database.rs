//! Provisioning a database: a port, a volume and a running engine container, then the database
//! and its owner role with a generated password, then `ready`.
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

use std::collections::HashMap;
use std::sync::Arc;

use dbaas_core::model::{owner_username, Database, DatabaseDetail, DatabaseStatus, Plan, Task};
use dbaas_core::secrets;
use dbaas_provisioner::docker::label;
use dbaas_provisioner::{engine_for, ContainerSpec, Endpoint, Engine, RoleSpec};

use super::engine_target::endpoint;
use super::{database_of, fault_point, JobError, JobResult};
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let database_id = database_of(&task)?;
    let DatabaseDetail {
        database,
        plan,
        environment,
        credentials,
        ..
    } = ctx.store.database_detail(database_id).await?;
    if database.status() != DatabaseStatus::Creating {
        // Moved on while queued (quarantined, say): not ours to bring up.
        return Ok(());
    }
    let engine = engine_for(&plan.engine)
        .ok_or_else(|| JobError::Invalid(format!("this worker cannot run '{}' engines", plan.engine)))?;
    let secrets = &ctx.config.secrets;

    let port = ctx.store.database_allocate_port(database.id).await?;
    fault_point(&ctx, "provision.port")?;
    let sealed = ctx
        .store
        .database_admin_password(database.id, secrets.seal(&secrets::generate_password()))
        .await?;
    fault_point(&ctx, "provision.password")?;
    let admin_password = secrets.open(&sealed)?;
    let endpoint = endpoint(&environment.host_address, port)?;

    let spec = container_spec(&ctx, &database, &plan, engine.as_ref(), &endpoint, &admin_password);
    let host = ctx.docker.get(&environment.docker_endpoint).await?;
    host.ensure_running(&spec).await?;
    fault_point(&ctx, "provision.container")?;
    engine
        .wait_ready(&endpoint, &admin_password, ctx.config.engine_ready_timeout)
        .await?;
    fault_point(&ctx, "provision.ready")?;

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
            &endpoint,
            &admin_password,
            &database.name,
            &RoleSpec {
                username: &owner,
                password: &password,
            },
        )
        .await?;
    fault_point(&ctx, "provision.roles")?;

    ctx.store
        .database_set_status(database.id, DatabaseStatus::Ready)
        .await?;
    Ok(())
}

/// The container a database runs in: the same spec always names the same container and volume.
pub fn container_spec(
    ctx: &Context,
    database: &Database,
    plan: &Plan,
    engine: &dyn Engine,
    endpoint: &Endpoint,
    admin_password: &str,
) -> ContainerSpec {
    let launch = engine.launch(endpoint, admin_password);
    let labels = HashMap::from([
        (label::MANAGED.to_string(), "true".to_string()),
        (label::DEPLOYMENT.to_string(), ctx.config.deployment.clone()),
        (label::DATABASE_ID.to_string(), database.id.to_string()),
        (label::DATABASE_UID.to_string(), database.uid.clone()),
        (label::DATABASE_NAME.to_string(), database.name.clone()),
        (label::TEAM.to_string(), database.team_id.to_string()),
        (label::ENGINE.to_string(), engine.name().to_string()),
    ]);
    ContainerSpec {
        name: database.container_name(),
        image: plan.image.clone(),
        env: launch.env,
        cmd: launch.cmd,
        labels,
        memory_bytes: plan.memory_bytes,
        nano_cpus: i64::from(plan.cpu_millis) * 1_000_000,
        volume: database.volume_name(),
        data_path: launch.data_path.to_string(),
    }
}

/// A database that will not come up is marked `failed` (the task says why) and every step's
/// undo runs, in reverse: nothing is left behind on the engine host, and its port is free again.
/// The status is set even when an undo fails (the Docker host is gone, say); the port is then
/// kept, since a container may still hold it, and the reconciler reports what is left.
pub async fn on_failure(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let database_id = database_of(&task)?;
    let detail = ctx.store.database_detail(database_id).await?;
    if detail.database.status() != DatabaseStatus::Creating {
        return Ok(());
    }
    let undone = async {
        let host = ctx.docker.get(&detail.environment.docker_endpoint).await?;
        host.remove(&detail.database.container_name(), &detail.database.volume_name())
            .await?;
        ctx.store.database_release_port(database_id).await?;
        Ok::<_, JobError>(())
    }
    .await;
    ctx.store
        .database_set_status(database_id, DatabaseStatus::Failed)
        .await?;
    undone
}
