//! An operator's upgrade of an engine to another image of the same engine and major version
//! (checked by the api, `model::upgrade_refusal`, and again here): a restart on the same
//! volume with the new image. The image must be on the engine's Docker host (no registry is
//! asked); without it the task fails before anything is touched, and the engine runs on.
//!
//! Steps, each found done by a resumed run: the container, if it runs another image, is
//! removed (the volume stays); one is made with the new image and started; the engine
//! accepts its superuser; the catalog records the image. A task that fails for good after the
//! old container went has a container made again with the catalog's (old) image.

use std::sync::Arc;

use dbaas_core::model::{upgrade_refusal, Task};

use super::database_of;
use crate::engine::{EngineTarget, STOP_GRACE};
use crate::error::{JobError, JobResult};
use crate::fault::fault_point;
use crate::Context;

fn target_image(task: &Task) -> JobResult<&str> {
    task.target_image
        .as_deref()
        .ok_or_else(|| JobError::Invalid(format!("task {} names no image", task.id)))
}

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let image = target_image(&task)?;
    let target = EngineTarget::require(&ctx, database_of(&task)?).await?;
    if target.row.image == image {
        // Recorded: an earlier run got as far as the end.
        return Ok(());
    }
    if let Some(refusal) = upgrade_refusal(&target.row.image, image) {
        return Err(JobError::Invalid(refusal));
    }
    let docker = target.docker(&ctx).await?;
    if !docker.has_image(image).await? {
        return Err(dbaas_provisioner::ProvisionError::ImageMissing(image.to_owned()).into());
    }
    let container = &target.row.container_name;
    let running = docker.container_facts(container).await?.and_then(|f| f.image);
    if running.as_deref() != Some(image) {
        docker.stop(container, STOP_GRACE).await?;
        docker.remove_container(container).await?;
    }
    fault_point(&ctx, "upgrade.removed").await?;
    target.run_container(&ctx, Some(image)).await?;
    target
        .engine
        .wait_ready(target.admin(), ctx.config.engine_ready_timeout)
        .await?;
    ctx.store.engine_set_image(target.row.id, image).await?;
    ctx.store
        .database_record_health(target.detail.database.id, true, None)
        .await?;
    tracing::info!(engine_id = target.row.id, %image, "engine upgraded");
    Ok(())
}

/// After a failed upgrade: the engine runs the catalog's image again (a container of the new
/// one, if a run made it, is replaced).
pub async fn on_failure(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let Some(target) = EngineTarget::of(&ctx, database_of(&task)?).await? else {
        return Ok(());
    };
    let docker = target.docker(&ctx).await?;
    let container = &target.row.container_name;
    let running = docker.container_facts(container).await?.and_then(|f| f.image);
    if running.as_deref() == Some(target.row.image.as_str()) {
        return Ok(());
    }
    docker.remove_container(container).await?;
    target.run_container(&ctx, None).await?;
    Ok(())
}
