//! The slow figures of a host's engines: memory and CPU use (Docker samples them over
//! a second or two per container) and the size of each data volume (`du` in the container).
//! Collected in the background, a few containers at a time, each recorded with its own time
//! so that the fleet shows how old it is.

use dbaas_core::model::{ContainerState, FleetEngine, Host};
use dbaas_provisioner::DockerHost;
use futures_util::StreamExt;

use crate::error::JobResult;
use crate::Context;

/// Containers sampled at once: Docker's stats call mostly waits, but each costs it some work.
const AT_ONCE: usize = 4;

pub async fn round(ctx: &Context, host: &Host) -> JobResult<()> {
    let fleet = ctx.store.fleet_of_host(host.id).await?;
    let host = ctx.docker_host(host).await?;
    let running: Vec<&FleetEngine> = fleet
        .iter()
        .filter(|e| {
            e.observation
                .as_ref()
                .is_some_and(|o| o.container_state == ContainerState::Running)
        })
        .collect();
    futures_util::stream::iter(running)
        .for_each_concurrent(AT_ONCE, |entry| {
            let host = &host;
            async move {
                if let Err(e) = sample(ctx, host, entry).await {
                    tracing::debug!(engine_id = entry.engine.id, error = %e, "no stats for an engine");
                }
            }
        })
        .await;
    Ok(())
}

async fn sample(ctx: &Context, host: &DockerHost, entry: &FleetEngine) -> JobResult<()> {
    let engine = &entry.engine;
    let usage = host.container_usage(&engine.container_name).await?;
    ctx.store
        .engine_usage_observed(engine.id, usage.map(|u| (u.memory_used_bytes, u.cpu_percent)))
        .await?;
    let Some(facts) = host.container_facts(&engine.container_name).await? else {
        return Ok(());
    };
    if let Some(path) = facts.mount_of(&engine.volume_name).filter(|_| facts.running()) {
        let bytes = host.path_size(&engine.container_name, path).await?;
        ctx.store.engine_volume_observed(engine.id, bytes).await?;
    }
    Ok(())
}
