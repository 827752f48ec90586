//! A host's health, as the follower finds it each round: whether its Docker engine answers,
//! its version, its machine (memory: a host's capacity where admins set none), how many of
//! this deployment's engines run there, and the images it has (placement puts an engine only where its image
//! is). An unreachable host takes no new engines until it answers again.

use dbaas_core::model::{Host, HostHealth};
use dbaas_provisioner::{DockerHost, ManagedContainer};

use crate::Context;

/// What a round saw of a reachable host: its Docker engine and this deployment's containers
/// there, listed once for the health and for the observe round.
pub struct Reached {
    pub docker: DockerHost,
    pub containers: Vec<ManagedContainer>,
}

/// Looks at the host's Docker engine and records what it found: `None` when it does not
/// answer (recorded as unreachable, with the reason).
pub async fn check(ctx: &Context, host: &Host) -> Option<Reached> {
    let (health, seen) = match look(ctx, host).await {
        Ok((health, seen)) => (health, Some(seen)),
        Err(detail) => (
            HostHealth {
                reachable: false,
                detail: Some(detail),
                ..HostHealth::default()
            },
            None,
        ),
    };
    if host.reachable != Some(health.reachable) {
        match &health.detail {
            Some(detail) => tracing::warn!(host = %host.name, %detail, "host unreachable"),
            None => tracing::info!(host = %host.name, "host reachable"),
        }
    }
    if let Err(e) = ctx.store.host_record_health(host.id, &health).await {
        tracing::warn!(host = %host.name, error = %e, "cannot record the host's health");
    }
    seen
}

async fn look(ctx: &Context, host: &Host) -> Result<(HostHealth, Reached), String> {
    let docker = ctx.docker_host(host).await.map_err(|e| e.to_string())?;
    let facts = docker.facts().await.map_err(|e| e.to_string())?;
    let containers = docker
        .managed_containers(&ctx.config.deployment)
        .await
        .map_err(|e| e.to_string())?;
    let running = containers.iter().filter(|c| c.state == "running").count();
    let health = HostHealth {
        reachable: true,
        detail: None,
        docker_version: facts.version,
        memory_bytes: facts.memory_bytes,
        cpus: facts.cpus,
        engines_running: i32::try_from(running).ok(),
        images: Some(facts.images),
    };
    Ok((health, Reached { docker, containers }))
}
