//! A tenant's resize of a database to another plan of its engine and image
//! (`Task::target_plan_id`). Live: Docker changes the running container's memory and CPU
//! limits, nothing restarts, sessions stay. With a restart (only where the task allows one:
//! the new memory is under what the engine set aside at start): the container is made again
//! on its volume with the new limits and settings.
//!
//! The rules are checked again here (`model::resize_mode`, with the fleet's last figures);
//! Docker itself refuses a memory limit under what the container uses, and that refusal is
//! the task's failure, the old limits kept. A resumed run finds the new plan recorded and
//! only makes sure the engine runs.

use std::sync::Arc;

use dbaas_core::model::{resize_mode, Ref, ResizeMode, ResizeRefusal, Task};

use super::database_of;
use crate::engine::{EngineTarget, STOP_GRACE};
use crate::error::{JobError, JobResult};
use crate::fault::fault_point;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let plan_id = task
        .target_plan_id
        .ok_or_else(|| JobError::Invalid(format!("task {} names no plan", task.id)))?;
    let plan = ctx.store.plan_find(&Ref::Id(plan_id)).await?;
    let database_id = database_of(&task)?;
    let target = EngineTarget::require(&ctx, database_id).await?;
    let engine = &target.row;
    let nano_cpus = i64::from(plan.cpu_millis) * 1_000_000;
    if target.detail.database.plan_id == plan.id
        && engine.memory_bytes == plan.memory_bytes
        && engine.cpu_millis == plan.cpu_millis
    {
        // Recorded: an earlier run got as far as that. After a restart's record the
        // container may not be made yet: make sure it runs and accepts.
        target.run_container(&ctx, None).await?;
        return target.accepting(&ctx).await;
    }
    let fleet = ctx.store.fleet_get(engine.id).await?;
    let mode =
        resize_mode(engine, &plan, fleet.databases.len(), fleet.in_use(), task.allow_restart).map_err(|refusal| {
            match refusal {
                ResizeRefusal::Unprocessable(why) | ResizeRefusal::Conflict(why) => JobError::Invalid(why),
            }
        })?;
    let docker = target.docker(&ctx).await?;
    let container = &engine.container_name;
    match mode {
        ResizeMode::Live => {
            docker
                .update_limits(container, plan.memory_bytes, nano_cpus)
                .await
                .map_err(|e| JobError::Invalid(format!("Docker refused the new limits: {e}")))?;
            fault_point(&ctx, "resize.updated").await?;
            ctx.store.database_resized(database_id, engine.id, &plan, false).await?;
        }
        ResizeMode::Restart => {
            docker.stop(container, STOP_GRACE).await?;
            docker.remove_container(container).await?;
            fault_point(&ctx, "resize.removed").await?;
            ctx.store.database_resized(database_id, engine.id, &plan, true).await?;
            // Made again from the catalog, which has the new limits now.
            let target = EngineTarget::require(&ctx, database_id).await?;
            target.run_container(&ctx, None).await?;
            target.accepting(&ctx).await?;
        }
    }
    tracing::info!(
        engine_id = engine.id,
        plan = %plan.name,
        memory_bytes = plan.memory_bytes,
        cpu_millis = plan.cpu_millis,
        restarted = mode == ResizeMode::Restart,
        "database resized"
    );
    Ok(())
}
