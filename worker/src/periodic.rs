//! Periodic work beside the queue. Each pass is idempotent, so several worker replicas may run
//! them at once: they repeat each other's writes, never contradict them.

use std::sync::Arc;
use std::time::Duration;

use dbaas_core::jobs::JobQueue;
use dbaas_core::model::{DatabaseStatus, TaskKind};

use crate::jobs::EngineTarget;
use crate::Context;

/// Measures every ready database's size and records it (`used_size_in_bytes`).
pub async fn collect_sizes(ctx: Arc<Context>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        let ready = match ctx.store.database_list_ready().await {
            Ok(ready) => ready,
            Err(e) => {
                tracing::warn!(error = %e, "size collection: cannot list databases");
                continue;
            }
        };
        for detail in ready {
            let id = detail.database.id;
            let measured = async {
                let target = EngineTarget::require(&ctx, id).await?;
                let bytes = target
                    .engine
                    .database_size(&target.endpoint, &target.admin_password, target.database_name())
                    .await?;
                ctx.store.database_record_size(id, bytes).await?;
                Ok::<_, crate::jobs::JobError>(bytes)
            };
            if let Err(e) = measured.await {
                tracing::debug!(database_id = id, error = %e, "size collection failed for one database");
            }
        }
    }
}

/// Destroys quarantined databases whose period has run out, as a second DELETE would.
pub async fn expire_quarantines(ctx: Arc<Context>, queue: JobQueue, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        let expired = match ctx.store.database_list_expired_quarantines().await {
            Ok(expired) => expired,
            Err(e) => {
                tracing::warn!(error = %e, "cannot look for expired quarantines");
                continue;
            }
        };
        match ctx.store.dumps_expire().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(dumps = n, "dropped dumps past their retention"),
            Err(e) => tracing::warn!(error = %e, "cannot drop expired dumps"),
        }
        for id in expired {
            // Busy (a destroy already under way, a restore) or already moved on: next time.
            let started = ctx
                .store
                .database_task_start(id, TaskKind::DestroyDatabase, &[DatabaseStatus::Quarantined], None)
                .await;
            if let Ok((_, task)) = started {
                tracing::info!(database_id = id, task_id = task.id, "quarantine expired; destroying");
                if let Err(e) = queue.push(task.id).await {
                    tracing::warn!(task_id = task.id, error = %e, "cannot enqueue; it will be requeued");
                }
            }
        }
    }
}

/// Enqueues again the tasks that stayed queued too long (the api recorded them but their job
/// never reached a worker: Redis was down, the push failed) and those whose worker died while
/// running them. Claiming makes a duplicate harmless.
pub async fn requeue_stale(ctx: Arc<Context>, queue: JobQueue, after: Duration) {
    let mut ticker = tokio::time::interval(after.max(Duration::from_secs(1)) / 2);
    let ago = |d: Duration| chrono::Utc::now() - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
    loop {
        ticker.tick().await;
        match ctx.store.task_list_stale(ago(after), ago(ctx.config.task_lease)).await {
            Ok(stale) => {
                for task in stale {
                    match queue.push(task.id).await {
                        Ok(()) => tracing::info!(task_id = task.id, "requeued a task that stayed queued"),
                        Err(e) => tracing::warn!(task_id = task.id, error = %e, "cannot requeue"),
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot look for stale tasks"),
        }
    }
}
