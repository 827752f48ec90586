//! The worker's errors: [`JobError`] for what a job meets (and whether retrying can help),
//! [`WorkerError`] for what stops the worker itself.

use dbaas_core::model::UnknownValue;
use dbaas_core::secrets::SecretError;
use dbaas_core::StoreError;
use dbaas_provisioner::ProvisionError;

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

impl From<UnknownValue> for JobError {
    fn from(e: UnknownValue) -> Self {
        JobError::Invalid(e.to_string())
    }
}

pub type JobResult<T> = Result<T, JobError>;

/// What stops the worker from starting.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Queue(#[from] dbaas_core::queue::QueueError),
    #[error("the job queue is unavailable: {0}")]
    Redis(String),
    #[error("cannot listen for metrics (DBAAS_WORKER_METRICS_LISTEN): {0}")]
    Listen(std::io::Error),
}
