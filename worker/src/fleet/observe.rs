//! One look at a Docker host: every engine's container, as the catalog
//! expects it and as Docker has it, recorded with its health and drift; and what that means
//! for the databases the engine serves (unhealthy at once, recovered when their plan says).
//!
//! A round lists the deployment's containers once (one call, whatever the fleet's size) and
//! inspects only those that changed since the last look, or whose last look is getting old.

use std::collections::HashMap;

use chrono::Utc;
use dbaas_core::model::{assess, ContainerState, DatabaseStatus, EngineObservation, FleetEngine, Health, Host, Seen};
use dbaas_core::store::ObservedContainer;
use dbaas_provisioner::{ContainerFacts, DockerHost, ManagedContainer};

use super::health;
use crate::error::JobResult;
use crate::Context;

/// An observation older than this many rounds is refreshed even when nothing changed (its
/// restart count, limits and age stay current).
const REFRESH_ROUNDS: u32 = 10;

fn seen_from_facts(facts: Option<&ContainerFacts>, volume_size_bytes: Option<i64>) -> Seen {
    match facts {
        None => Seen {
            state: Some(ContainerState::Missing),
            volume_size_bytes,
            ..Seen::default()
        },
        Some(f) => Seen {
            state: Some(ContainerState::parse(&f.state).unwrap_or(ContainerState::Dead)),
            docker_health: f.health.clone(),
            image: f.image.clone(),
            memory_limit_bytes: f.memory_limit_bytes,
            nano_cpus: f.nano_cpus,
            volume_size_bytes,
        },
    }
}

fn seen_from_observation(o: &EngineObservation) -> Seen {
    Seen {
        state: Some(o.container_state),
        docker_health: o.docker_health.clone(),
        image: o.image.clone(),
        memory_limit_bytes: o.memory_limit_bytes,
        nano_cpus: o.nano_cpus,
        volume_size_bytes: o.volume_size_bytes,
    }
}

/// Whether the container differs from what was last recorded of it (or nothing was).
fn changed(observation: Option<&EngineObservation>, container: Option<&ManagedContainer>) -> bool {
    let Some(o) = observation else {
        return true;
    };
    match container {
        None => o.container_state != ContainerState::Missing,
        Some(c) => o.container_id.as_deref() != Some(c.id.as_str()) || o.container_state.as_str() != c.state,
    }
}

/// One round over a host's engines after an event, listing its containers itself.
pub async fn round_now(ctx: &Context, host: &Host) -> JobResult<()> {
    let docker = ctx.docker_host(host).await?;
    let containers = docker.managed_containers(&ctx.config.deployment).await?;
    round(ctx, host, &health::Reached { docker, containers }).await
}

/// One round over a host's engines, over what the health check listed.
pub async fn round(ctx: &Context, host: &Host, reached: &health::Reached) -> JobResult<()> {
    let fleet = ctx.store.fleet_of_host(host.id).await?;
    let host = &reached.docker;
    let by_name: HashMap<&str, &ManagedContainer> = reached.containers.iter().map(|c| (c.name.as_str(), c)).collect();
    let stale_after = ctx.config.fleet_interval * REFRESH_ROUNDS;
    for entry in &fleet {
        let container = by_name.get(entry.engine.container_name.as_str()).copied();
        let observation = entry.observation.as_ref();
        let stale =
            observation.is_none_or(|o| (Utc::now() - o.observed_at).to_std().unwrap_or_default() >= stale_after);
        if let Err(e) = look(ctx, host, entry, container, changed(observation, container) || stale).await {
            tracing::warn!(engine_id = entry.engine.id, error = %e, "could not observe an engine");
        }
    }
    Ok(())
}

/// Looks at one engine: inspects its container when `inspect`, else re-assesses what was
/// last seen (the catalog may have changed), and records what changed.
async fn look(
    ctx: &Context,
    host: &DockerHost,
    entry: &FleetEngine,
    container: Option<&ManagedContainer>,
    inspect: bool,
) -> JobResult<()> {
    let engine = &entry.engine;
    let volume = entry.observation.as_ref().and_then(|o| o.volume_size_bytes);
    let assessment = if inspect {
        let facts = match container {
            Some(_) => host.container_facts(&engine.container_name).await?,
            None => None,
        };
        let seen = seen_from_facts(facts.as_ref(), volume);
        let assessment = assess(engine, &entry.plan, &entry.databases, &seen);
        let facts = facts.as_ref();
        ctx.store
            .engine_observed(&ObservedContainer {
                engine_id: engine.id,
                host: entry.host.name.clone(),
                container_id: facts.map(|f| f.id.clone()),
                state: seen.state.unwrap_or(ContainerState::Missing),
                docker_health: seen.docker_health.clone(),
                image: seen.image.clone(),
                image_id: facts.and_then(|f| f.image_id.clone()),
                restart_count: facts.and_then(|f| f.restart_count).and_then(|n| i32::try_from(n).ok()),
                started_at: facts.and_then(|f| f.started_at),
                finished_at: facts.and_then(|f| f.finished_at),
                exit_code: facts.and_then(|f| f.exit_code),
                oom_killed: facts.is_some_and(|f| f.oom_killed),
                memory_limit_bytes: seen.memory_limit_bytes,
                nano_cpus: seen.nano_cpus,
                assessment: assessment.clone(),
            })
            .await?;
        assessment
    } else {
        let Some(observation) = &entry.observation else {
            return Ok(());
        };
        let assessment = assess(
            engine,
            &entry.plan,
            &entry.databases,
            &seen_from_observation(observation),
        );
        if assessment.health != observation.health || assessment.drift != observation.drifts() {
            ctx.store.engine_assessed(engine.id, &assessment).await?;
        }
        assessment
    };
    databases_follow(ctx, entry, assessment.health, assessment.detail.as_deref()).await
}

/// The databases an engine serves take its health: one whose engine stopped or vanished is
/// marked unhealthy at once and, when its plan says so, gets a `recover_database` task
/// (through the one-task-per-database rule: a database another task works on is left to it).
async fn databases_follow(ctx: &Context, entry: &FleetEngine, health: Health, detail: Option<&str>) -> JobResult<()> {
    for database in &entry.databases {
        if !DatabaseStatus::RUNNING.contains(&database.status) || health == Health::Unknown {
            continue;
        }
        if database.health == health && database.health_detail.as_deref() == detail {
            continue;
        }
        ctx.store
            .database_record_health(database.id, health == Health::Healthy, detail)
            .await?;
        if health == Health::Unhealthy && database.health != Health::Unhealthy {
            tracing::warn!(database_id = database.id, problem = ?detail, "unhealthy database");
            // An engine an operator stopped stays stopped.
            let recover = entry.plan.auto_recover && !entry.engine.stopped_by_operator();
            crate::reconciler::recover(ctx, database.id, recover).await;
        }
    }
    Ok(())
}
