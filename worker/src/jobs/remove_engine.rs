//! Removing an engine that serves no database: a pooled engine whose plan changed (another
//! image, other limits, a smaller pool, a retired plan) or whose container stopped. Its
//! container and volume go; it is `removed` (its port free) with the task's end.

use std::sync::Arc;

use dbaas_core::model::{EngineState, Task};

use super::engine_of;
use crate::error::JobResult;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let row = ctx.store.engine_get(engine_of(&task)?).await?;
    if row.state != EngineState::Retiring {
        return Ok(());
    }
    super::start_engine::remove(&ctx, &task).await
}
