//! The worker: takes jobs from the queue and does the work against Docker hosts and engines.
//!
//! - [`jobs`]: one file per task kind, dispatched from one place; jobs are idempotent.
//! - [`periodic`]: work on a timer, one file per duty; [`reconciler`]: drift between the
//!   catalog and the Docker hosts.
//! - Shared by both: [`context`] (what they reach), [`engine`] (a database's engine and
//!   superuser), [`container`] (its container), [`dump`], [`retry`] (the one retry policy),
//!   [`heartbeat`], [`fault`] (named steps for tests), [`tls`] (engine certificates and the
//!   verifying client), [`error`].
//! - [`fleet`]: one worker per Docker host follows its engine containers (health, drift and
//!   figures for the fleet list; unhealthy databases within seconds).
//! - [`wake`]: idle consumers fetch as soon as a job is pushed, the poll interval being only
//!   the backstop.
//! - [`metrics`]: what the worker counts, with [`steps`] (each named step timed); `status`:
//!   its own small listener for `/metrics`, `/health` and `/ready`.

pub mod container;
pub mod context;
pub mod dump;
pub mod engine;
pub mod error;
pub mod fault;
mod fleet;
pub mod heartbeat;
pub mod jobs;
pub mod metrics;
mod periodic;
mod reconciler;
pub mod retry;
mod status;
pub mod steps;
pub mod tls;
pub mod wake;

use std::future::Future;
use std::sync::Arc;

use apalis::prelude::*;
use dbaas_core::queue::{self, JobQueue};
use dbaas_core::{Config, Store};
use dbaas_provisioner::DockerHosts;

pub use context::Context;
pub use error::{JobError, JobResult, WorkerError};

/// This process's name as the holder of task claims: its host and pid for people, and a
/// random part so that no two processes (or restarts) share it.
fn worker_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into());
    let suffix: u32 = rand::random();
    format!("{host}-{}-{suffix:08x}", std::process::id())
}

/// A name no other queue consumer has had recently: apalis refuses a name seen within
/// minutes, and this process starts a new consumer whenever Redis drops the last one.
fn consumer_name() -> String {
    let suffix: u32 = rand::random();
    format!("jobs-{}-{suffix:08x}", std::process::id())
}

/// Runs the worker until `shutdown` completes, then lets running jobs finish.
pub async fn run(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), WorkerError> {
    let store = Store::connect(&config.database_url, config.worker_concurrency + 4)?;
    let metrics = Arc::new(metrics::WorkerMetrics::new(store.backend_errors()));
    let conn = apalis_redis::connect(config.redis_url.as_str())
        .await
        .map_err(|e| WorkerError::Redis(e.to_string()))?;
    let queue = JobQueue::connect(&config.redis_url, &config.queue_prefix)
        .await?
        .counting_errors(store.backend_errors());
    let context = Arc::new(Context {
        metrics,
        worker_id: worker_id(),
        store,
        queue,
        docker: DockerHosts::default(),
        config: config.clone(),
        client_tls: Default::default(),
    });

    let mut periodic = periodic::spawn_all(&context);
    periodic.push(fleet::spawn(&context, conn.clone()));
    // One subscription for the process, outliving the consumers below.
    let waker = wake::Waker::default();
    let listener = tokio::spawn({
        let (redis_url, channel, waker) = (
            config.redis_url.clone(),
            queue::wake_channel(&config.queue_prefix),
            waker.clone(),
        );
        async move {
            if let Err(e) = wake::listen(&redis_url, channel, waker).await {
                tracing::error!(error = %e, "no job wake-ups: workers only poll");
            }
        }
    });
    // One flag for every incarnation of the queue worker below, and for the listener.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let status = status::bind(context.clone(), {
        let mut until = stopped.clone();
        async move {
            let _ = until.wait_for(|stop| *stop).await;
        }
    })
    .await
    .map_err(WorkerError::Listen)?;
    loop {
        let fetch_when = Strategy::new().apply(waker.strategy()).interval(config.poll_interval);
        let storage = queue::storage(conn.clone(), &config.queue_prefix).poll_with_strategy(fetch_when);
        let worker = WorkerBuilder::new(consumer_name())
            .backend(storage)
            .concurrency(config.worker_concurrency)
            .data(context.clone())
            .build(jobs::run);
        tracing::info!(queue_prefix = %config.queue_prefix, worker_id = %context.worker_id, "worker started");
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
        context
            .metrics
            .backend_errors()
            .count(dbaas_core::metrics::Backend::Redis);
        tracing::warn!(outcome = ?outcome.err(), "queue worker stopped; starting a new one");
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    listener.abort();
    let _ = status.await;
    for task in periodic {
        task.abort();
    }
    Ok(())
}
