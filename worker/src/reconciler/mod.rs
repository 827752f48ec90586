//! The reconciler: compares the catalog with the Docker hosts and acts on the difference, one
//! pass per host. Its three duties, one file each:
//!
//! - [`health`]: a ready or quarantined database whose container stopped or vanished is
//!   marked `unhealthy` with the reason (and `healthy` again once it runs);
//! - [`recovery`]: an unhealthy database is recovered through a `recover_database` task when
//!   its plan says so (a task, so it never runs beside another task on the same database);
//! - pooled engines whose container stopped or vanished are replaced (see the pool);
//! - [`drain`]: a draining host's engines not yet moving get a `move_database` task once
//!   their database is idle, and an empty draining host is cordoned;
//! - [`orphans`]: a container labelled as this deployment's that no live engine claims (a
//!   pooled one counts) is recorded; an admin can ask for its removal through the API, and the next pass removes it.
//!
//! Each pass is idempotent.

mod drain;
mod health;
mod orphans;
mod recovery;

pub(crate) use recovery::recover;

use std::sync::Arc;

use dbaas_core::model::{EngineState, Host, HostState};

use crate::error::JobResult;
use crate::Context;

/// One pass over every host.
pub async fn pass(ctx: Arc<Context>) -> JobResult<()> {
    for host in ctx.store.hosts_live().await? {
        if host.state == HostState::Draining {
            if let Err(e) = drain::step(&ctx, &host).await {
                tracing::warn!(host = %host.name, error = %e, "drain step failed");
            }
        }
        if let Err(e) = reconcile(&ctx, &host).await {
            tracing::warn!(host = %host.name, error = %e, "reconciler pass failed");
        }
    }
    Ok(())
}

async fn reconcile(ctx: &Context, host: &Host) -> JobResult<()> {
    let docker = ctx.docker_host(host).await?;
    let containers = docker.managed_containers(&ctx.config.deployment).await?;
    let running = ctx.store.database_list_running(host.id).await?;
    for unhealthy in health::check(ctx, &running, &containers).await? {
        recovery::start(ctx, unhealthy).await;
    }
    let pooled = ctx.store.engine_list_in_state(host.id, EngineState::Pooled).await?;
    let stopped = health::pooled_not_running(&pooled, &containers);
    if !stopped.is_empty() {
        tracing::warn!(engines = ?stopped, "pooled engines stopped; replacing them");
        crate::periodic::pool::retire(ctx, &stopped).await?;
    }
    orphans::reconcile(ctx, host, &docker, &containers).await
}
