//! The one retry policy of all jobs: a few attempts with exponential backoff, recorded on the
//! task so that tenants see attempts and the last error. Jobs never lean on apalis' own retries
//! (they are hidden and run up to 25 times): a job ends Ok, or with an `AbortError`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{AbortError, BoxDynError};
use dbaas_core::model::TaskStatus;

use crate::Context;

/// Attempts before a task fails for good.
pub const MAX_ATTEMPTS: i32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// An error of one attempt, and whether another attempt could help.
pub trait Retryable: std::fmt::Display + Into<BoxDynError> {
    fn is_permanent(&self) -> bool;
}

/// Runs `attempt` until it succeeds, fails permanently or runs out of attempts. `on_failure`
/// runs once when the task fails for good, to leave the resource in a visible failed state.
pub async fn with_retries<E, A, AF, F, FF>(
    ctx: &Arc<Context>,
    task_id: i64,
    mut attempt: A,
    on_failure: F,
) -> Result<(), BoxDynError>
where
    E: Retryable,
    A: FnMut() -> AF,
    AF: Future<Output = Result<(), E>>,
    F: FnOnce(String) -> FF,
    FF: Future<Output = ()>,
{
    let mut backoff = FIRST_BACKOFF;
    loop {
        let task = ctx.store.task_attempt_started(task_id).await?;
        match attempt().await {
            Ok(()) => {
                ctx.store
                    .task_finish(task_id, TaskStatus::Succeeded)
                    .await?;
                return Ok(());
            }
            Err(e) => {
                let message = e.to_string();
                ctx.store.task_attempt_failed(task_id, &message).await?;
                if e.is_permanent() || task.attempts >= MAX_ATTEMPTS {
                    tracing::warn!(task_id, attempts = task.attempts, error = %message, "task failed for good");
                    on_failure(message).await;
                    ctx.store.task_finish(task_id, TaskStatus::Failed).await?;
                    return Err(AbortError::new(e).into());
                }
                tracing::info!(task_id, attempt = task.attempts, error = %message, "attempt failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
