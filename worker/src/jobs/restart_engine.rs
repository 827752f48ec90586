//! An operator's restart of an engine: stopped cleanly and started again on the same
//! container and volume (a container that is already down is just started), then the engine
//! accepting its superuser. Its database is healthy again with the task's end.

use std::sync::Arc;
use std::time::Duration;

use dbaas_core::model::Task;

use super::database_of;
use crate::engine::EngineTarget;
use crate::error::JobResult;
use crate::Context;

/// How long an engine gets to stop on its own before Docker kills it.
pub(super) const STOP_GRACE: Duration = Duration::from_secs(10);

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let target = EngineTarget::require(&ctx, database_of(&task)?).await?;
    let docker = target.docker(&ctx).await?;
    if docker.is_running(&target.row.container_name).await? {
        docker.restart(&target.row.container_name, STOP_GRACE).await?;
    } else {
        up(&ctx, &target, None).await?;
    }
    accepting(&ctx, &target).await
}

/// Waits for the engine to accept its superuser, then records its database healthy.
pub(super) async fn accepting(ctx: &Context, target: &EngineTarget) -> JobResult<()> {
    target
        .engine
        .wait_ready(target.admin(), ctx.config.engine_ready_timeout)
        .await?;
    ctx.store
        .database_record_health(target.detail.database.id, true, None)
        .await?;
    Ok(())
}

/// Makes the engine's container run (re-created on its volume where it vanished), with
/// `image` instead of the catalog's where given, its certificate checked first.
pub(super) async fn up(ctx: &Context, target: &EngineTarget, image: Option<&str>) -> JobResult<()> {
    let server_tls = crate::tls::server_tls(ctx, target.row.id, &target.endpoint.host).await?;
    let mut spec = target.spec(ctx, server_tls.as_ref());
    if let Some(image) = image {
        spec.image = image.to_owned();
    }
    target.docker(ctx).await?.ensure_running(&spec).await?;
    Ok(())
}
