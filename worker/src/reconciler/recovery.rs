//! Recovery: an unhealthy database whose plan says so gets a `recover_database` task.

use dbaas_core::model::{DatabaseDetail, TaskKind};

use crate::Context;

pub async fn start(ctx: &Context, detail: &DatabaseDetail) {
    if !detail.plan.auto_recover {
        return;
    }
    // Busy databases (a destroy under way, say) are left to that task.
    let started = ctx
        .queue
        .start_task(&ctx.store, detail.database.id, TaskKind::RecoverDatabase)
        .await;
    if let Ok((_, task)) = started {
        tracing::info!(database_id = detail.database.id, task_id = task.id, "recovering");
    }
}
