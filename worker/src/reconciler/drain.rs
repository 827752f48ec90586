//! Draining: each pass takes a step of every draining host's drain (`Store::host_drain`):
//! a move starts for each engine whose database is idle now, pooled engines are removed, and
//! an empty host is cordoned. What a step cannot start now (a task at work on the database,
//! no room on another host, a move that failed lately) waits for a later pass.

use dbaas_core::model::Host;

use crate::error::JobResult;
use crate::Context;

pub async fn step(ctx: &Context, host: &Host) -> JobResult<()> {
    let step = ctx.store.host_drain(host.id).await?;
    for task in step.moves.iter().chain(&step.removals) {
        ctx.queue.enqueue(task).await;
    }
    if step.remaining == 0 {
        tracing::info!(host = %host.name, "host drained and cordoned");
    } else {
        tracing::info!(
            host = %host.name,
            moves = step.moves.len(),
            remaining = step.remaining,
            waiting = ?step.waiting,
            "draining"
        );
    }
    Ok(())
}
