//! A host's health, as the follower finds it each round: whether its Docker engine answers,
//! its version, its machine (memory: a host's capacity where admins set none), how many of
//! this deployment's engines run there, and the images it has (placement puts an engine only where its image
//! is). An unreachable host takes no new engines until it answers again.

use dbaas_core::model::{Host, HostHealth};

use crate::Context;

/// Looks at the host's Docker engine and records what it found.
pub async fn check(ctx: &Context, host: &Host) {
    let health = match look(ctx, host).await {
        Ok(health) => health,
        Err(detail) => HostHealth {
            reachable: false,
            detail: Some(detail),
            ..HostHealth::default()
        },
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
}

async fn look(ctx: &Context, host: &Host) -> Result<HostHealth, String> {
    let docker = ctx.docker_host(host).await.map_err(|e| e.to_string())?;
    let facts = docker.facts().await.map_err(|e| e.to_string())?;
    let engines = docker
        .managed_containers(&ctx.config.deployment)
        .await
        .map_err(|e| e.to_string())?;
    let running = engines.iter().filter(|c| c.state == "running").count();
    Ok(HostHealth {
        reachable: true,
        detail: None,
        docker_version: facts.version,
        memory_bytes: facts.memory_bytes,
        cpus: facts.cpus,
        engines_running: i32::try_from(running).ok(),
        images: Some(facts.images),
    })
}
