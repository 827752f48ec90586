//! Provisioning a database: an engine for it, then the database and its owner role with a
//! generated password; `ready` comes with the task's end.
//!
//! The engine is a pooled one of its plan where the pool has one (already started and
//! initialised: the database is ready in the time a role and a database take), else one
//! started for it (a cold start); for a shared plan, a running engine of the plan with room
//! (the database and its owner are made in it, fenced off from its neighbours), else a new
//! one started as a cold start is. The choice is made once, in the transaction that records
//! it ([`dbaas_core::Store::engine_place`]); a taken pool is refilled in the background.
//!
//! Each step finds what an earlier run did and keeps it: the engine, port and passwords are
//! stored before they are used, containers and volumes are named in the catalog, and roles
//! are created or updated. Running the job twice leaves one engine, not two.
//!
//! The steps and their undo, run by [`on_failure`] when the task fails for good:
//!
//! | step                          | fault point                 | undo                            |
//! |-------------------------------|-----------------------------|---------------------------------|
//! | choose the engine             | `provision.placed`          | (the engine's)                  |
//! | cold: allocate a port         | `provision.port`            | the engine's port is freed      |
//! | cold: superuser password      | `provision.password`        | (kept: sealed, harmless)        |
//! | cold: volume + container      | `provision.container`       | remove the container and volume |
//! | cold: engine accepts          | `provision.ready`           | (covered by the container's)    |
//! | pooled: new superuser password| `provision.admin_applied`   | (covered by the container's)    |
//! | database + owner              | `provision.roles`           | (covered by the container's)    |

use std::sync::Arc;

use dbaas_core::model::{owner_username, Database, DatabaseStatus, Engine, Task, SHARED_DATABASE_CONNECTION_LIMIT};
use dbaas_core::secrets;
use dbaas_provisioner::RoleSpec;

use super::database_of;
use crate::engine::{self, EngineHandle};
use crate::error::{JobError, JobResult};
use crate::steps::Steps;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let database_id = database_of(&task)?;
    let detail = ctx.store.database_detail(database_id).await?;
    if detail.database.status != DatabaseStatus::Creating {
        // Moved on while queued (quarantined, say): not ours to bring up.
        return Ok(());
    }
    engine::driver_of(detail.plan.engine)?;
    let mut steps = Steps::start(&ctx, "provision");
    let placed = ctx.store.engine_place(&detail.database, &detail.plan).await?;
    steps.done("placed").await?;
    let owner = owner_username(&detail.database.name);
    let credential = detail
        .credentials
        .iter()
        .find(|c| c.username == owner)
        .ok_or_else(|| JobError::Invalid(format!("the owner credential {owner} is missing")))?;
    let secrets = &ctx.config.secrets;
    let sealed = ctx
        .store
        .credential_initial_password(credential.id, secrets.seal(&secrets::generate_password()))
        .await?;
    let password = secrets.open(&sealed)?;
    let owner = RoleSpec {
        username: &owner,
        password: &password,
    };
    if placed.is_shared() {
        in_shared_engine(&ctx, placed, &detail.database, &owner, &mut steps).await?;
        steps.done("roles").await?;
        return Ok(());
    }

    let handle = if placed.pooled_at.is_some() {
        // Taken from the pool: refill it now rather than on the next round.
        crate::periodic::pool::refill_soon(&ctx, placed.plan_id, placed.environment_id);
        let mut handle = EngineHandle::open(&ctx, placed)
            .await?
            .ok_or_else(|| JobError::Invalid("the pooled engine has no port or superuser password".into()))?;
        handle.rotate_admin_password(&ctx, &mut steps).await?;
        handle
    } else {
        engine::start(&ctx, placed, Some(&detail.database), &mut steps).await?
    };
    handle
        .engine
        .ensure_database(handle.admin(), &detail.database.name, &owner)
        .await?;
    steps.done("roles").await?;
    // `ready` is written with the task's end, in one transaction.
    Ok(())
}

/// Makes a database of a shared plan and its owner in its engine, fenced off from the
/// neighbours. The engine runs already unless this database is its first (or another's job is
/// starting it): then it is started, or waited for, as a cold start is. Once made, the engine
/// readies a spare database for the next one in the background.
async fn in_shared_engine(
    ctx: &Arc<Context>,
    placed: Engine,
    database: &Database,
    owner: &RoleSpec<'_>,
    steps: &mut Steps<'_>,
) -> JobResult<()> {
    if let Some(handle) = EngineHandle::open(ctx, placed.clone()).await? {
        match make_shared(&handle, database, owner).await {
            Ok(()) => {
                spare_in_background(handle);
                return Ok(());
            }
            Err(e) => tracing::debug!(error = %e, "the shared engine did not take the database yet; starting it"),
        }
    }
    let handle = engine::start(ctx, placed, Some(database), steps).await?;
    make_shared(&handle, database, owner).await?;
    spare_in_background(handle);
    Ok(())
}

/// Readies the engine's next spare database without holding up the task.
fn spare_in_background(handle: EngineHandle) {
    tokio::spawn(async move {
        if let Err(e) = handle.engine.prepare_spare(handle.admin()).await {
            // Another database's job made it meanwhile, say: the next one creates its own.
            tracing::debug!(engine_id = handle.row.id, error = %e, "no spare database readied");
        }
    });
}

async fn make_shared(handle: &EngineHandle, database: &Database, owner: &RoleSpec<'_>) -> JobResult<()> {
    Ok(handle
        .engine
        .ensure_shared_database(handle.admin(), &database.name, owner, SHARED_DATABASE_CONNECTION_LIMIT)
        .await?)
}

/// A database that will not come up has its engine removed (a pooled one too: it may have
/// been half given to the database; a shared one keeps running, only the database and its
/// roles are dropped from it): nothing is left behind on the engine host, and the
/// engine's port is free again. It is then marked `failed` with the task's end (the task
/// says why), even when the removal fails (the Docker host is gone, say): the engine then
/// keeps its port, since a container may still hold it, and the reconciler reports what is
/// left.
pub async fn on_failure(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let database_id = database_of(&task)?;
    let detail = ctx.store.database_detail(database_id).await?;
    if detail.database.status != DatabaseStatus::Creating {
        return Ok(());
    }
    let Some(engine) = &detail.engine else {
        return Ok(());
    };
    if engine::remove_database_from(&ctx, engine, &detail).await? {
        ctx.store.engine_removed(engine.id).await?;
    }
    Ok(())
}
