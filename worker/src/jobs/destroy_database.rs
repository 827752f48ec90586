//! Destroying a quarantined database: its container and volume go, its row stays `deleted`
//! with its history.

use std::sync::Arc;

use dbaas_core::model::Task;

use super::{database_of, JobResult};
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let detail = ctx.store.database_detail(database_of(&task)?).await?;
    let host = ctx.docker.get(&detail.environment.docker_endpoint).await?;
    host.remove(&detail.database.container_name(), &detail.database.volume_name())
        .await?;
    ctx.store.database_mark_deleted(detail.database.id).await?;
    Ok(())
}
