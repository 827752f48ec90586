//! An operator's restart of an engine: stopped cleanly and started again on the same
//! container and volume (a container that is already down is just started), then the engine
//! accepting its superuser. Its database is healthy again with the task's end.

use std::sync::Arc;

use dbaas_core::model::Task;

use super::database_of;
use crate::engine::{EngineTarget, STOP_GRACE};
use crate::error::JobResult;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let target = EngineTarget::require(&ctx, database_of(&task)?).await?;
    let docker = target.docker(&ctx).await?;
    if docker.is_running(&target.row.container_name).await? {
        docker.restart(&target.row.container_name, STOP_GRACE).await?;
    } else {
        target.run_container(&ctx, None).await?;
    }
    target.accepting(&ctx).await
}
