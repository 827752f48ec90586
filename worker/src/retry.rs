//! The one retry policy of all jobs: a few attempts with exponential backoff, recorded on the
//! task so that tenants see attempts and the last error. Jobs never lean on apalis' own retries
//! (they are hidden and run up to 25 times): a job ends Ok, or with an `AbortError`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{AbortError, BoxDynError};
use dbaas_core::model::{Task, TaskStatus};

use crate::error::JobResult;
use crate::Context;

/// Attempts before a task fails for good.
pub const MAX_ATTEMPTS: i32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Runs `attempt` until it succeeds, fails permanently or runs out of attempts; the task was
/// claimed (and its first attempt counted) by the caller. `on_failure` runs once when the task
/// fails for good, to leave the resource in a visible failed state.
pub async fn with_retries<A, AF, F, FF>(
    ctx: &Arc<Context>,
    claimed: Task,
    attempt: A,
    on_failure: F,
) -> Result<(), BoxDynError>
where
    A: Fn(Arc<Context>, Task) -> AF,
    AF: Future<Output = JobResult<()>>,
    F: FnOnce(Arc<Context>, Task) -> FF,
    FF: Future<Output = JobResult<()>>,
{
    let mut task = claimed;
    let mut backoff = FIRST_BACKOFF;
    let started = std::time::Instant::now();
    loop {
        match attempt(ctx.clone(), task.clone()).await {
            Ok(()) => {
                ctx.store.task_finish(task.id, TaskStatus::Succeeded).await?;
                tracing::info!(
                    attempts = task.attempts,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "task succeeded"
                );
                return Ok(());
            }
            Err(e) => {
                let message = e.to_string();
                ctx.store.task_attempt_failed(task.id, &message).await?;
                if e.is_permanent() || task.attempts >= MAX_ATTEMPTS {
                    tracing::warn!(attempts = task.attempts, error = %message, "task failed for good");
                    if let Err(cleanup) = on_failure(ctx.clone(), task.clone()).await {
                        tracing::error!(error = %cleanup, "could not record the failure on the resource");
                    }
                    ctx.store.task_finish(task.id, TaskStatus::Failed).await?;
                    return Err(AbortError::new(e).into());
                }
                tracing::info!(attempt = task.attempts, error = %message, "attempt failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                task = ctx.store.task_attempt_started(task.id).await?;
            }
        }
    }
}

/// For tasks whose failure leaves nothing to mark beyond the task itself.
pub async fn nothing(_ctx: Arc<Context>, _task: Task) -> JobResult<()> {
    Ok(())
}
