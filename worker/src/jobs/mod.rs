//! The jobs: one module per task kind, all registered in [`dispatch`].
//!
//! A job is only a task id. [`run`] claims the task in the catalog (so two deliveries of one
//! job never run at once) and runs its kind's `attempt` under the one retry policy in
//! [`crate::retry`]. Every `attempt` is idempotent: it finds what an earlier attempt did and
//! does only what is missing.

mod create_credential;
mod delete_credential;
mod destroy_database;
mod provision_database;
mod quarantine_database;
mod recover_database;
mod reset_password;
mod restore_database;

use std::sync::Arc;

use apalis::prelude::{AbortError, BoxDynError, Data};
use dbaas_core::model::{Task, TaskKind, TaskStatus};
use dbaas_core::queue::Job;
use tracing::Instrument;

use crate::error::{JobError, JobResult};
use crate::heartbeat::Heartbeat;
use crate::retry::{nothing, with_retries};
use crate::Context;

/// The handler of the queue.
pub async fn run(job: Job, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let ctx: Arc<Context> = (*ctx).clone();
    let claimed = ctx.store.task_claim(job.task_id, ctx.config.task_lease).await;
    let claimed = match claimed {
        // A task this worker cannot read (a kind from a newer release): fail it visibly
        // rather than leave it running for ever.
        Err(e) if e.is_unreadable_row() => {
            let error = JobError::Invalid(format!("this worker cannot run the task: {e}"));
            ctx.store.task_attempt_failed(job.task_id, &error.to_string()).await?;
            ctx.store.task_finish(job.task_id, TaskStatus::Failed).await?;
            return Err(AbortError::new(error).into());
        }
        claimed => claimed?,
    };
    let Some(task) = claimed else {
        tracing::debug!(task_id = job.task_id, "task taken or ended elsewhere; skipping");
        return Ok(());
    };
    let span = tracing::info_span!("task", task_id = task.id, kind = %task.kind, database_id = task.database_id);
    // The span follows the future, not the thread: jobs share threads.
    dispatch(ctx, task).instrument(span).await
}

/// Every task kind and its job: `attempt`, and what to leave behind when it fails for good.
async fn dispatch(ctx: Arc<Context>, task: Task) -> Result<(), BoxDynError> {
    let _heartbeat = Heartbeat::start(&ctx, task.id);
    match task.kind {
        TaskKind::ProvisionDatabase => {
            with_retries(&ctx, task, provision_database::attempt, provision_database::on_failure).await
        }
        TaskKind::CreateCredential => {
            with_retries(&ctx, task, create_credential::attempt, create_credential::on_failure).await
        }
        TaskKind::ResetPassword => with_retries(&ctx, task, reset_password::attempt, nothing).await,
        TaskKind::DeleteCredential => with_retries(&ctx, task, delete_credential::attempt, nothing).await,
        TaskKind::QuarantineDatabase => with_retries(&ctx, task, quarantine_database::attempt, nothing).await,
        TaskKind::DestroyDatabase => with_retries(&ctx, task, destroy_database::attempt, nothing).await,
        TaskKind::RestoreDatabase => with_retries(&ctx, task, restore_database::attempt, nothing).await,
        TaskKind::RecoverDatabase => with_retries(&ctx, task, recover_database::attempt, nothing).await,
    }
}

/// The database a task works on.
fn database_of(task: &Task) -> JobResult<i64> {
    task.database_id
        .ok_or_else(|| JobError::Invalid(format!("task {} names no database", task.id)))
}

/// The credential a task works on.
fn credential_of(task: &Task) -> JobResult<i64> {
    task.credential_id
        .ok_or_else(|| JobError::Invalid(format!("task {} names no credential", task.id)))
}
