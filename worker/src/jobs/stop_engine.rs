//! An operator's stop of an engine: its container is stopped cleanly and stays stopped (the
//! engine's `desired` is `stopped` from the moment the task was accepted, so neither the
//! fleet follower nor the reconciler recovers it) until an operator starts it. Its database
//! shows it: unhealthy, the engine stopped by an operator.

use std::sync::Arc;

use dbaas_core::model::{Task, STOPPED_BY_OPERATOR};

use super::database_of;
use crate::engine::{EngineTarget, STOP_GRACE};
use crate::error::JobResult;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let target = EngineTarget::require(&ctx, database_of(&task)?).await?;
    target
        .docker(&ctx)
        .await?
        .stop(&target.row.container_name, STOP_GRACE)
        .await?;
    ctx.store
        .database_record_health(target.detail.database.id, false, Some(STOPPED_BY_OPERATOR))
        .await?;
    Ok(())
}
