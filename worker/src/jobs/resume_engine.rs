//! An operator's start of an engine (one an operator stopped, or one that is down): its
//! container runs again (re-created on its volume if it vanished), the engine accepting its
//! superuser. From the moment the task was accepted the engine is wanted running again, so a
//! start that fails for good leaves it to recovery.

use std::sync::Arc;

use dbaas_core::model::Task;

use super::database_of;
use crate::engine::EngineTarget;
use crate::error::JobResult;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let target = EngineTarget::require(&ctx, database_of(&task)?).await?;
    target.run_container(&ctx, None).await?;
    target.accepting(&ctx).await
}
