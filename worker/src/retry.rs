//! The one retry policy of all jobs: a few attempts with exponential backoff, recorded on the
//! task so that tenants see attempts and the last error. Jobs never lean on apalis' own retries
//! (they are hidden and run up to 25 times): a job ends Ok, or with an `AbortError`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{AbortError, BoxDynError};
use dbaas_core::model::{Claim, Task};
use dbaas_core::StoreError;

use crate::error::{JobError, JobResult};
use crate::heartbeat::Heartbeat;
use crate::metrics::Outcome;
use crate::Context;

/// Attempts before a task fails for good.
pub const MAX_ATTEMPTS: i32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Runs `attempt` until it succeeds, fails permanently or runs out of attempts; the task was
/// claimed (and its first attempt counted) by the caller, which renews the claim with
/// `heartbeat`. `on_failure` runs once when the task fails for good, to undo what the
/// attempts left. The task's end and its database's end state are one write
/// ([`dbaas_core::Store::task_end`]).
///
/// When the claim is lost (another worker took the task over), the attempt stops where it is
/// and nothing more is written: the task is the other worker's.
pub async fn with_retries<A, AF, F, FF>(
    ctx: &Arc<Context>,
    claim: &Claim,
    claimed: Task,
    heartbeat: &Heartbeat,
    attempt: A,
    on_failure: F,
) -> Result<(), BoxDynError>
where
    A: Fn(Arc<Context>, Task) -> AF,
    AF: Future<Output = JobResult<()>>,
    F: FnOnce(Arc<Context>, Task) -> FF,
    FF: Future<Output = JobResult<()>>,
{
    let kind = claimed.kind;
    let started = std::time::Instant::now();
    let attempts = async {
        let mut task = claimed;
        let mut backoff = FIRST_BACKOFF;
        loop {
            match attempt(ctx.clone(), task.clone()).await {
                Ok(()) => {
                    ctx.store.task_end(claim, true, None).await?;
                    ctx.metrics.task_ended(kind, Outcome::Succeeded, started.elapsed());
                    tracing::info!(
                        attempts = task.attempts,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "task succeeded"
                    );
                    return Ok(());
                }
                Err(e @ JobError::Store(StoreError::ClaimLost(_))) => return Err(e),
                Err(e) => {
                    let message = e.to_string();
                    if e.is_permanent() || task.attempts >= MAX_ATTEMPTS {
                        tracing::warn!(attempts = task.attempts, error = %message, "task failed for good");
                        // The undo runs while the claim holds; a lost claim stops it too.
                        if let Some(Err(cleanup)) = held(heartbeat, on_failure(ctx.clone(), task.clone())).await {
                            tracing::error!(error = %cleanup, "could not undo what the task left");
                        }
                        ctx.store.task_end(claim, false, Some(&message)).await?;
                        ctx.metrics.task_ended(kind, Outcome::Failed, started.elapsed());
                        return Err(e);
                    }
                    ctx.store.task_attempt_failed(claim, &message).await?;
                    ctx.metrics.task_retried(kind);
                    tracing::info!(attempt = task.attempts, error = %message, "attempt failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    task = ctx.store.task_attempt_started(claim).await?;
                }
            }
        }
    };
    match held(heartbeat, attempts).await {
        Some(Err(JobError::Store(StoreError::ClaimLost(_)))) | None => {
            ctx.metrics.task_ended(kind, Outcome::Lost, started.elapsed());
            tracing::warn!(task_id = claim.task_id, "stopped: another worker holds the task now");
            Ok(())
        }
        Some(Ok(())) => Ok(()),
        Some(Err(e)) => Err(AbortError::new(e).into()),
    }
}

/// `work`, unless the claim is lost first.
async fn held<T>(heartbeat: &Heartbeat, work: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        done = work => Some(done),
        () = heartbeat.lost() => None,
    }
}

/// For tasks whose failure leaves nothing to mark beyond the task itself.
pub async fn nothing(_ctx: Arc<Context>, _task: Task) -> JobResult<()> {
    Ok(())
}
