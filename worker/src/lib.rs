//! The worker: takes jobs from the queue and does the work against Docker hosts and engines.
//!
//! Every job kind lives in one file under [`jobs`] and is registered in [`run`]. Jobs are
//! idempotent: each reads the catalog, does what is still missing and records the outcome.

pub mod jobs;

use std::future::Future;
use std::sync::Arc;

use apalis::prelude::*;
use dbaas_core::jobs::provision_storage;
use dbaas_core::{Config, Store};
use dbaas_provisioner::DockerHosts;

/// What every job can reach.
#[derive(Clone, Debug)]
pub struct Context {
    pub store: Store,
    pub docker: DockerHosts,
    pub config: Config,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("{0}")]
    Store(#[from] dbaas_core::StoreError),
    #[error("the job queue is unavailable: {0}")]
    Queue(String),
    #[error("worker stopped with an error: {0}")]
    Run(String),
}

/// A name no other worker has had recently: apalis refuses a name seen within minutes.
fn worker_name(queue: &str) -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into());
    let suffix: u32 = rand::random();
    format!("{queue}-{host}-{}-{suffix:08x}", std::process::id())
}

/// Runs the workers until `shutdown` completes, then lets running jobs finish.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WorkerError> {
    let store = Store::connect(&config.database_url, config.worker_concurrency + 2)?;
    let conn = apalis_redis::connect(config.redis_url.as_str())
        .await
        .map_err(|e| WorkerError::Queue(e.to_string()))?;
    let context = Arc::new(Context {
        store,
        docker: DockerHosts::default(),
        config: config.clone(),
    });

    let provision =
        provision_storage(conn, &config.queue_prefix).poll_with_interval(config.poll_interval);
    let worker = WorkerBuilder::new(worker_name(dbaas_core::jobs::ProvisionDatabase::QUEUE))
        .backend(provision)
        .concurrency(config.worker_concurrency)
        .data(context)
        .build(jobs::provision_database::run);
    tracing::info!(queue_prefix = %config.queue_prefix, "worker started");
    worker
        .run_until(async move {
            shutdown.await;
            Ok::<(), std::io::Error>(())
        })
        .await
        .map_err(|e| WorkerError::Run(e.to_string()))
}
