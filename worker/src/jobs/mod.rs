//! The jobs: one module per task kind, all dispatched from [`run`].
//!
//! A job is only a task id. [`run`] claims the task in the catalog (so two deliveries of one
//! job never run at once), looks up its kind, and runs that module's `attempt` under the one
//! retry policy in [`retry`]. Every `attempt` is idempotent: it finds what an earlier attempt
//! did and does only what is missing.

mod create_credential;
mod delete_credential;
mod destroy_database;
pub mod engine_target;
mod provision_database;
mod quarantine_database;
mod recover_database;
mod reset_password;
mod restore_database;
mod retry;

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use dbaas_core::jobs::Job;
use dbaas_core::model::{Task, TaskKind};
use dbaas_core::secrets::SecretError;
use dbaas_core::StoreError;
use dbaas_provisioner::ProvisionError;
use tracing::Instrument;

use crate::Context;

/// Errors of the worker's jobs.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Provision(#[from] ProvisionError),
    #[error("{0}")]
    Secret(#[from] SecretError),
    /// The task can never succeed as recorded.
    #[error("{0}")]
    Invalid(String),
}

impl JobError {
    /// Whether another attempt cannot help.
    pub fn is_permanent(&self) -> bool {
        match self {
            JobError::Store(e) => matches!(e, StoreError::NotFound(_) | StoreError::Conflict(_)),
            JobError::Provision(e) => e.is_permanent(),
            JobError::Secret(_) | JobError::Invalid(_) => true,
        }
    }
}

pub type JobResult<T> = Result<T, JobError>;

pub use engine_target::EngineTarget;

/// The handler of the queue.
pub async fn run(job: Job, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let ctx: Arc<Context> = (*ctx).clone();
    let Some(task) = ctx.store.task_claim(job.task_id, ctx.config.task_lease).await? else {
        tracing::debug!(task_id = job.task_id, "task taken or ended elsewhere; skipping");
        return Ok(());
    };
    let span = tracing::info_span!("task", task_id = task.id, kind = %task.kind, database_id = task.database_id);
    // The span follows the future, not the thread: jobs share threads.
    dispatch(ctx, task).instrument(span).await
}

async fn dispatch(ctx: Arc<Context>, task: Task) -> Result<(), BoxDynError> {
    let _heartbeat = Heartbeat::start(&ctx, task.id);
    let Some(kind) = TaskKind::parse(&task.kind) else {
        return retry::fail_unknown(&ctx, &task).await;
    };
    match kind {
        TaskKind::ProvisionDatabase => {
            retry::with_retries(&ctx, task, provision_database::attempt, provision_database::on_failure).await
        }
        TaskKind::CreateCredential => {
            retry::with_retries(&ctx, task, create_credential::attempt, create_credential::on_failure).await
        }
        TaskKind::ResetPassword => retry::with_retries(&ctx, task, reset_password::attempt, retry::nothing).await,
        TaskKind::DeleteCredential => retry::with_retries(&ctx, task, delete_credential::attempt, retry::nothing).await,
        TaskKind::QuarantineDatabase => {
            retry::with_retries(&ctx, task, quarantine_database::attempt, retry::nothing).await
        }
        TaskKind::DestroyDatabase => retry::with_retries(&ctx, task, destroy_database::attempt, retry::nothing).await,
        TaskKind::RestoreDatabase => retry::with_retries(&ctx, task, restore_database::attempt, retry::nothing).await,
        TaskKind::RecoverDatabase => retry::with_retries(&ctx, task, recover_database::attempt, retry::nothing).await,
    }
}

/// Touches a claimed task while its job runs, so that no other worker takes it over; stops
/// when dropped.
struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    fn start(ctx: &Arc<Context>, task_id: i64) -> Self {
        let ctx = ctx.clone();
        let every: Duration = ctx.config.task_lease / 3;
        Self(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = ctx.store.task_touch(task_id).await {
                    tracing::warn!(task_id, error = %e, "cannot touch the running task");
                }
            }
        }))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A named step of a job where a fault can be injected (`DBAAS_INJECT_FAULT`): the job fails
/// there for good, as if that step had failed, and its undo runs.
pub fn fault_point(ctx: &Context, step: &str) -> JobResult<()> {
    match &ctx.config.inject_fault {
        Some(at) if at == step => Err(JobError::Invalid(format!("injected fault at {step}"))),
        _ => Ok(()),
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
