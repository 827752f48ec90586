//! The fleet follower: for each Docker host, one worker of the deployment (the holder of a
//! Redis lease, renewed every round; another takes over within a lease when it dies) records
//! the host's health ([`health`]: reachable, Docker's version, its machine and images) and
//! looks at every engine container on it every `DBAAS_FLEET_INTERVAL_MS` ([`observe`]),
//! records what it saw with the engine's health and drift, and marks the
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
mod health;
mod lease;
mod observe;
mod stats;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

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
        // Per held host: its event follower, and the lock its rounds take.
        let mut followers: HashMap<i64, (JoinHandle<()>, Arc<Mutex<()>>)> = HashMap::new();
        let mut ticker = tokio::time::interval(ctx.config.fleet_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let hosts = match ctx.store.hosts_live().await {
                Ok(hosts) => hosts,
                Err(e) => {
                    tracing::warn!(error = %e, "fleet: cannot list the hosts");
                    continue;
                }
            };
            let listed: HashSet<i64> = hosts.iter().map(|h| h.id).collect();
            followers.retain(|id, (handle, _)| {
                let keep = listed.contains(id) && !handle.is_finished();
                if !keep {
                    handle.abort();
                }
                keep
            });
            for host in hosts {
                if !leases.hold(host.id).await {
                    if let Some((handle, _)) = followers.remove(&host.id) {
                        handle.abort();
                    }
                    continue;
                }
                let rounds = followers
                    .entry(host.id)
                    .or_insert_with(|| {
                        let rounds = Arc::new(Mutex::new(()));
                        let handle = tokio::spawn(events::follow(ctx.clone(), host.clone(), rounds.clone()));
                        (handle, rounds)
                    })
                    .1
                    .clone();
                let round = {
                    let _round = rounds.lock().await;
                    match health::check(&ctx, &host).await {
                        Some(reached) => observe::round(&ctx, &host, &reached).await,
                        // Recorded unreachable: nothing of its engines can be seen.
                        None => Ok(()),
                    }
                };
                if let Err(e) = round {
                    tracing::warn!(host = %host.name, error = %e, "fleet round failed");
                }
                let due = stats
                    .get(&host.id)
                    .is_none_or(|(at, handle)| handle.is_finished() && at.elapsed() >= ctx.config.fleet_stats_interval);
                if due {
                    let (ctx, host_id) = (ctx.clone(), host.id);
                    let handle = tokio::spawn(async move {
                        if let Err(e) = stats::round(&ctx, &host).await {
                            tracing::debug!(host_id, error = %e, "fleet stats round failed");
                        }
                    });
                    stats.insert(host_id, (Instant::now(), handle));
                }
            }
        }
    })
}
