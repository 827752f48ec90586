//! Recovery: an unhealthy database whose plan says so gets a `recover_database` task.

use dbaas_core::model::{DatabaseDetail, TaskKind};

use crate::Context;

/// An engine an operator stopped is not recovered: it stays stopped until an operator
/// starts it.
pub async fn start(ctx: &Context, detail: &DatabaseDetail) {
    let stopped = detail.engine.as_ref().is_some_and(|e| e.stopped_by_operator());
    recover(ctx, detail.database.id, detail.plan.auto_recover && !stopped).await;
}

/// Starts a `recover_database` task on the database when `auto_recover` (its plan's) says
/// so. A busy database (a destroy under way, say) is left to that task: this goes through
/// the one-task-per-database rule like all work on a database.
pub async fn recover(ctx: &Context, database_id: i64, auto_recover: bool) {
    if !auto_recover {
        return;
    }
    let started = ctx
        .queue
        .start_task(&ctx.store, database_id, TaskKind::RecoverDatabase)
        .await;
    if let Ok((_, task)) = started {
        tracing::info!(database_id, task_id = task.id, "recovering");
    }
}
