//! Periodic work beside the queue, one file per duty (sizes, quarantine and dump expiry,
//! requeue, certificate renewal, the pool). Each pass is idempotent, so several
//! worker replicas may run them at once: they repeat each other's writes, never contradict
//! them. A pass that fails is logged, and the next one tries again.

mod audit;
mod certificates;
mod dumps;
pub(crate) mod pool;
mod quarantines;
mod requeue;
mod sizes;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::error::JobResult;
use crate::Context;

/// Starts every periodic duty, the reconciler's included; abort the handles to stop them.
pub fn spawn_all(ctx: &Arc<Context>) -> Vec<JoinHandle<()>> {
    let config = &ctx.config;
    // Often enough that a dead worker's task is resumed soon after its lease runs out.
    let requeue_every = (config.requeue_after / 2)
        .min(config.task_lease / 3)
        .max(Duration::from_millis(500));
    vec![
        spawn(ctx, "size collection", config.size_interval, sizes::pass),
        spawn(ctx, "requeue", requeue_every, requeue::pass),
        spawn(ctx, "pool", config.pool_interval, pool::pass),
        spawn(ctx, "quarantine expiry", config.lifecycle_interval, quarantines::pass),
        spawn(ctx, "dump expiry", config.lifecycle_interval, dumps::pass),
        spawn(ctx, "audit retention", config.lifecycle_interval, audit::pass),
        spawn(ctx, "reconciler", config.lifecycle_interval, crate::reconciler::pass),
        spawn(
            ctx,
            "certificate renewal",
            config.lifecycle_interval,
            certificates::pass,
        ),
    ]
}

/// Runs `pass` every `every`, for ever.
fn spawn<F, Fut>(ctx: &Arc<Context>, duty: &'static str, every: Duration, pass: F) -> JoinHandle<()>
where
    F: Fn(Arc<Context>) -> Fut + Send + 'static,
    Fut: Future<Output = JobResult<()>> + Send,
{
    let ctx = ctx.clone();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            if let Err(e) = pass(ctx.clone()).await {
                tracing::warn!(duty, error = %e, "periodic pass failed");
            }
        }
    })
}
