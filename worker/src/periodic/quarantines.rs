//! Quarantine expiry: a quarantined database whose period has run out is destroyed, as a
//! second DELETE would.

use std::sync::Arc;

use dbaas_core::model::TaskKind;

use crate::error::JobResult;
use crate::Context;

pub async fn pass(ctx: Arc<Context>) -> JobResult<()> {
    for id in ctx.store.database_list_expired_quarantines().await? {
        // Busy (a destroy already under way, a restore) or already moved on: next time.
        let started = ctx.queue.start_task(&ctx.store, id, TaskKind::DestroyDatabase).await;
        if let Ok((_, task)) = started {
            tracing::info!(database_id = id, task_id = task.id, "quarantine expired; destroying");
        }
    }
    Ok(())
}
