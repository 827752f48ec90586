//! The worker: takes jobs from the queue and does the work against Docker hosts and engines.
//!
//! Every task kind lives in one file under [`jobs`], dispatched from `jobs::run`. Jobs are
//! idempotent: each reads the catalog, does what is still missing and records the outcome.
//! [`periodic`] holds the work that runs on a timer.

pub mod jobs;
mod periodic;
mod reconciler;

use std::future::Future;
use std::sync::Arc;

use apalis::prelude::*;
use dbaas_core::jobs::JobQueue;
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
    #[error("{0}")]
    Queue(#[from] dbaas_core::jobs::QueueError),
    #[error("the job queue is unavailable: {0}")]
    Redis(String),
}

/// A name no other worker has had recently: apalis refuses a name seen within minutes.
fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into());
    let suffix: u32 = rand::random();
    format!("jobs-{host}-{}-{suffix:08x}", std::process::id())
}

/// Runs the worker until `shutdown` completes, then lets running jobs finish.
pub async fn run(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), WorkerError> {
    let store = Store::connect(&config.database_url, config.worker_concurrency + 4)?;
    let conn = apalis_redis::connect(config.redis_url.as_str())
        .await
        .map_err(|e| WorkerError::Redis(e.to_string()))?;
    let queue = JobQueue::connect(&config.redis_url, &config.queue_prefix).await?;
    let context = Arc::new(Context {
        store,
        docker: DockerHosts::default(),
        config: config.clone(),
    });

    let periodic = [
        tokio::spawn(periodic::collect_sizes(context.clone(), config.size_interval)),
        tokio::spawn(periodic::requeue_stale(
            context.clone(),
            queue.clone(),
            config.requeue_after,
        )),
        tokio::spawn(periodic::expire_quarantines(
            context.clone(),
            queue.clone(),
            config.lifecycle_interval,
        )),
        tokio::spawn(reconciler::run(context.clone(), queue, config.lifecycle_interval)),
    ];
    // One flag for every incarnation of the queue worker below.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    loop {
        let storage =
            dbaas_core::jobs::storage(conn.clone(), &config.queue_prefix).poll_with_interval(config.poll_interval);
        let worker = WorkerBuilder::new(worker_name())
            .backend(storage)
            .concurrency(config.worker_concurrency)
            .data(context.clone())
            .build(jobs::run);
        tracing::info!(queue_prefix = %config.queue_prefix, "worker started");
        let mut until = stopped.clone();
        let outcome = worker
            .run_until(async move {
                let _ = until.wait_for(|stop| *stop).await;
                Ok::<(), std::io::Error>(())
            })
            .await;
        if *stopped.borrow() {
            break;
        }
        // apalis gives up on a worker whose heartbeat failed (Redis restarted, say): start a
        // new one, under a new name. Tasks are safe meanwhile: they are in the catalog, and
        // requeued when they stay queued.
        tracing::warn!(outcome = ?outcome.err(), "queue worker stopped; starting a new one");
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    for task in periodic {
        task.abort();
    }
    Ok(())
}
