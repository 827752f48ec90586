//! The pool: each plan that keeps one gets its missing engines started in every environment
//! (`start_engine` tasks), and pooled engines no database should take are replaced (their
//! plan's image or limits changed, the pool shrank, the plan or environment was retired:
//! `remove_engine` tasks). The reconciler retires pooled engines whose container stopped.
//! A database that takes a pooled engine asks for a refill at once ([`refill_soon`]).

use std::sync::Arc;

use crate::error::JobResult;
use crate::Context;

pub async fn pass(ctx: Arc<Context>) -> JobResult<()> {
    retire(&ctx, &[]).await?;
    for (plan_id, environment_id) in ctx.store.pool_targets().await? {
        if let Err(e) = fill(&ctx, plan_id, environment_id).await {
            tracing::warn!(plan_id, environment_id, error = %e, "could not fill a pool");
        }
    }
    Ok(())
}

/// Starts what the plan's pool in the environment lacks.
pub async fn fill(ctx: &Context, plan_id: i64, environment_id: i64) -> JobResult<()> {
    for task in ctx.store.pool_fill(plan_id, environment_id).await? {
        tracing::info!(
            plan_id,
            environment_id,
            task_id = task.id,
            engine_id = task.engine_id,
            "filling the pool"
        );
        ctx.queue.enqueue(&task).await;
    }
    Ok(())
}

/// Retires the pooled engines no database should take, `not_running` ones included.
pub async fn retire(ctx: &Context, not_running: &[i64]) -> JobResult<()> {
    for task in ctx.store.pool_retire(not_running).await? {
        tracing::info!(
            task_id = task.id,
            engine_id = task.engine_id,
            "replacing a pooled engine"
        );
        ctx.queue.enqueue(&task).await;
    }
    Ok(())
}

/// Fills a pool in the background, now: a database just took one of its engines.
pub fn refill_soon(ctx: &Arc<Context>, plan_id: i64, environment_id: i64) {
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = fill(&ctx, plan_id, environment_id).await {
            tracing::warn!(plan_id, environment_id, error = %e, "could not refill a pool; the next round will");
        }
    });
}
