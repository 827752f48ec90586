//! Requeueing: tasks that stayed queued too long (the api recorded them but their job never
//! reached a worker: Redis was down, the push failed) and those whose worker died while
//! running them are enqueued again. Claiming makes a duplicate harmless.

use std::sync::Arc;

use crate::error::JobResult;
use crate::Context;

pub async fn pass(ctx: Arc<Context>) -> JobResult<()> {
    let stale = ctx.store.task_list_stale(ctx.config.requeue_after).await?;
    for task in stale {
        match ctx.queue.push(task.id).await {
            Ok(()) => tracing::info!(task_id = task.id, "requeued a task that stayed queued"),
            Err(e) => tracing::warn!(task_id = task.id, error = %e, "cannot requeue"),
        }
    }
    Ok(())
}
