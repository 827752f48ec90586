//! Starting an engine for a plan's pool (a few at a time per pool): a port, a superuser password, its certificate, its
//! container, and the engine accepting the superuser. It joins the pool (`pooled`) with the
//! task's end; a database can then take it at once.
//!
//! Fault points: `pool.port`, `pool.password`, `pool.container`, `pool.ready`. An engine that
//! will not start has its container and volume removed, and is gone (`removed`) with the
//! task's end; the pool tries again on its next round, and stops trying for a while after a
//! few failures (a broken image, say).

use std::sync::Arc;

use dbaas_core::model::{EngineState, Task};

use super::engine_of;
use crate::engine;
use crate::error::JobResult;
use crate::steps::Steps;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let row = ctx.store.engine_get(engine_of(&task)?).await?;
    if row.state != EngineState::Starting {
        // Retired while queued: not ours to start.
        return Ok(());
    }
    engine::start(&ctx, row, None, &mut Steps::start(&ctx, "pool")).await?;
    Ok(())
}

pub async fn on_failure(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    remove(&ctx, &task).await
}

/// Removes the container and volume of the task's engine.
pub(super) async fn remove(ctx: &Context, task: &Task) -> JobResult<()> {
    let row = ctx.store.engine_get(engine_of(task)?).await?;
    let names = row.names();
    ctx.docker_of(&row)
        .await?
        .remove(&names.container, &names.volume)
        .await?;
    Ok(())
}
