//! The jobs: one module per task kind, all registered in [`dispatch`].
//!
//! A job is only a task id. [`run`] claims the task in the catalog (so two deliveries of one
//! job never run at once) and runs its kind's `attempt` under the one retry policy in
//! [`crate::retry`]. Every `attempt` is idempotent: it finds what an earlier attempt did and
//! does only what is missing.

mod create_credential;
mod delete_credential;
mod destroy_database;
mod move_database;
mod provision_database;
mod quarantine_database;
mod reconcile;
mod recover_database;
mod remove_engine;
mod reset_password;
mod resize_database;
mod restart_engine;
mod restore_database;
mod resume_engine;
mod start_engine;
mod stop_engine;
mod upgrade_engine;

use std::sync::Arc;

use apalis::prelude::{AbortError, BoxDynError, Data};
use dbaas_core::model::{Claim, Task, TaskKind};
use dbaas_core::queue::Job;
use tracing::Instrument;

use crate::error::{JobError, JobResult};
use crate::heartbeat::Heartbeat;
use crate::retry::{nothing, with_retries};
use crate::Context;

/// The handler of the queue.
pub async fn run(job: Job, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let ctx: Arc<Context> = (*ctx).clone();
    let claimed_at = tokio::time::Instant::now();
    let claimed = ctx
        .store
        .task_claim(job.task_id, &ctx.worker_id, ctx.config.task_lease)
        .await;
    let claimed = match claimed {
        // A task this worker cannot read (a kind from a newer release): fail it visibly
        // rather than leave it queued for ever.
        Err(e) if e.is_unreadable_row() => {
            let error = JobError::Invalid(format!("this worker cannot run the task: {e}"));
            ctx.store.task_fail_unclaimed(job.task_id, &error.to_string()).await?;
            return Err(AbortError::new(error).into());
        }
        claimed => claimed?,
    };
    let Some((task, claim)) = claimed else {
        tracing::debug!(task_id = job.task_id, "task taken or ended elsewhere; skipping");
        return Ok(());
    };
    let span = tracing::info_span!(
        "task",
        task_id = task.id,
        kind = %task.kind,
        database_id = task.database_id,
        engine_id = task.engine_id
    );
    let heartbeat = Heartbeat::start(&ctx, claim.clone(), claimed_at);
    // The span follows the future, not the thread: jobs share threads.
    dispatch(&ctx, &claim, task, &heartbeat).instrument(span).await
}

/// Every task kind and its job: `attempt`, and what to undo when it fails for good.
async fn dispatch(ctx: &Arc<Context>, claim: &Claim, task: Task, heartbeat: &Heartbeat) -> Result<(), BoxDynError> {
    macro_rules! run {
        ($attempt:expr, $on_failure:expr) => {
            with_retries(ctx, claim, task.clone(), heartbeat, $attempt, $on_failure).await
        };
    }
    match task.kind {
        TaskKind::ProvisionDatabase => run!(provision_database::attempt, provision_database::on_failure),
        TaskKind::CreateCredential => run!(create_credential::attempt, create_credential::on_failure),
        TaskKind::ResetPassword => run!(reset_password::attempt, nothing),
        TaskKind::DeleteCredential => run!(delete_credential::attempt, nothing),
        TaskKind::QuarantineDatabase => run!(quarantine_database::attempt, nothing),
        TaskKind::DestroyDatabase => run!(destroy_database::attempt, nothing),
        TaskKind::RestoreDatabase => run!(restore_database::attempt, nothing),
        TaskKind::RecoverDatabase => run!(recover_database::attempt, nothing),
        TaskKind::StartEngine => run!(start_engine::attempt, start_engine::on_failure),
        TaskKind::RemoveEngine => run!(remove_engine::attempt, nothing),
        TaskKind::RestartEngine => run!(restart_engine::attempt, nothing),
        TaskKind::StopEngine => run!(stop_engine::attempt, nothing),
        TaskKind::ResumeEngine => run!(resume_engine::attempt, nothing),
        TaskKind::UpgradeEngine => run!(upgrade_engine::attempt, upgrade_engine::on_failure),
        TaskKind::Reconcile => run!(reconcile::attempt, nothing),
        TaskKind::ResizeDatabase => run!(resize_database::attempt, nothing),
        TaskKind::MoveDatabase => run!(move_database::attempt, move_database::on_failure),
    }
}

/// The database a task works on.
fn database_of(task: &Task) -> JobResult<i64> {
    task.database_id
        .ok_or_else(|| JobError::Invalid(format!("task {} names no database", task.id)))
}

/// The engine an engine task works on.
fn engine_of(task: &Task) -> JobResult<i64> {
    task.engine_id
        .ok_or_else(|| JobError::Invalid(format!("task {} names no engine", task.id)))
}

/// The credential a task works on.
fn credential_of(task: &Task) -> JobResult<i64> {
    task.credential_id
        .ok_or_else(|| JobError::Invalid(format!("task {} names no credential", task.id)))
}
