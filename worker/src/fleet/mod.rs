//! The fleet follower: for each environment's Docker host, one worker of the deployment (the
//! holder of a Redis lease, renewed every round; another takes over within a lease when it
//! dies) looks at every engine container on it every `DBAAS_FLEET_INTERVAL_MS`
//! ([`observe`]), records what it saw with the engine's health and drift, and marks the
//! databases of a stopped or vanished engine unhealthy (recovering them when their plan says
//! so). The slow figures (memory, CPU, volume sizes) are sampled apart, in the background
//! ([`stats`]). One follower per host, not one per worker: the work does not grow with the
//! number of workers, and Docker is asked once.
//!
//! The holder also follows the host's Docker events ([`events`]): a container that dies, is
//! stopped, killed or removed is looked at within moments, not at the next tick. The
//! periodic round stays as the backstop (events are lost across a dockerd restart), and the
//! reconciler's pass behind it.

mod events;
mod lease;
mod observe;
mod stats;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use dbaas_core::store::{Cursor, PageRequest};
use redis::aio::ConnectionManager;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

pub use lease::Leases;

use crate::Context;

/// Rounds a lease outlives without renewal: a follower that missed this many is presumed dead.
const LEASE_ROUNDS: u32 = 5;

/// Starts the follower loop of this worker process; abort the handle to stop it.
pub fn spawn(ctx: &Arc<Context>, conn: ConnectionManager) -> JoinHandle<()> {
    let ctx = ctx.clone();
    tokio::spawn(async move {
        let ttl = (ctx.config.fleet_interval * LEASE_ROUNDS).max(std::time::Duration::from_secs(2));
        let leases = Leases::new(conn, &ctx.config.queue_prefix, &ctx.worker_id, ttl);
        let mut stats: HashMap<i64, (Instant, JoinHandle<()>)> = HashMap::new();
        // Per held environment: its event follower, and the lock its rounds take.
        let mut followers: HashMap<i64, (JoinHandle<()>, Arc<Mutex<()>>)> = HashMap::new();
        let mut ticker = tokio::time::interval(ctx.config.fleet_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let environments = match ctx
                .store
                .environment_list(PageRequest {
                    cursor: Cursor::Start,
                    size: 1000,
                })
                .await
            {
                Ok(page) => page.items,
                Err(e) => {
                    tracing::warn!(error = %e, "fleet: cannot list the environments");
                    continue;
                }
            };
            let listed: HashSet<i64> = environments.iter().map(|e| e.id).collect();
            followers.retain(|id, (handle, _)| {
                let keep = listed.contains(id) && !handle.is_finished();
                if !keep {
                    handle.abort();
                }
                keep
            });
            for environment in environments {
                if !leases.hold(environment.id).await {
                    if let Some((handle, _)) = followers.remove(&environment.id) {
                        handle.abort();
                    }
                    continue;
                }
                let rounds = followers
                    .entry(environment.id)
                    .or_insert_with(|| {
                        let rounds = Arc::new(Mutex::new(()));
                        let handle = tokio::spawn(events::follow(ctx.clone(), environment.clone(), rounds.clone()));
                        (handle, rounds)
                    })
                    .1
                    .clone();
                let round = {
                    let _round = rounds.lock().await;
                    observe::round(&ctx, &environment).await
                };
                if let Err(e) = round {
                    tracing::warn!(environment = %environment.name, error = %e, "fleet round failed");
                }
                let due = stats
                    .get(&environment.id)
                    .is_none_or(|(at, handle)| handle.is_finished() && at.elapsed() >= ctx.config.fleet_stats_interval);
                if due {
                    let (ctx, environment_id) = (ctx.clone(), environment.id);
                    let handle = tokio::spawn(async move {
                        if let Err(e) = stats::round(&ctx, &environment).await {
                            tracing::debug!(environment_id, error = %e, "fleet stats round failed");
                        }
                    });
                    stats.insert(environment_id, (Instant::now(), handle));
                }
            }
        }
    })
}
