//! Drift within seconds: the follower of a Docker host reads Docker's event
//! stream of the deployment's containers (`die`, `stop`, `kill`, `oom`, `destroy`) and runs a
//! [round](super::observe::round) at once when one comes, rather than on the next tick.
//!
//! The round, not the event, decides what happened: an event only says "look now". Events
//! that come close together share one round. After the stream ends or fails (dockerd
//! restarted, the connection dropped), it is followed again from the last event seen
//! (Docker's `since`), so nothing that happened in between is missed while Docker still
//! has it; what Docker lost across its own restart is the periodic round's to find.

use std::sync::Arc;
use std::time::Duration;

use dbaas_core::model::Host;
use futures_util::StreamExt;
use tokio::sync::Mutex;

use super::observe;
use crate::Context;

/// How long a round waits for more events to join it.
const GATHER: Duration = Duration::from_millis(50);
/// The wait before following the stream again after it ended or failed.
const RETRY: Duration = Duration::from_secs(1);

/// Follows the events of a Docker host until aborted. `rounds` is held while a
/// round runs, so that this and the periodic round never look at one host at once.
pub async fn follow(ctx: Arc<Context>, host: Host, rounds: Arc<Mutex<()>>) {
    let mut since: Option<String> = None;
    let mut failing = false;
    loop {
        let docker = match ctx.docker_host(&host).await {
            Ok(docker) => docker,
            Err(e) => {
                if !failing {
                    tracing::warn!(host = %host.name, error = %e, "fleet: cannot reach the Docker host for its events");
                    failing = true;
                }
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        // From now on the first time; after that, from the last event seen.
        let start = since.clone().unwrap_or_else(now);
        let mut events = Box::pin(docker.container_downs(&ctx.config.deployment, Some(&start)));
        since = Some(start);
        while let Some(event) = events.next().await {
            let event = match event {
                Ok(event) => event,
                Err(e) => {
                    if !failing {
                        tracing::warn!(host = %host.name, error = %e, "fleet: Docker's event stream failed; following it again");
                        failing = true;
                    }
                    break;
                }
            };
            failing = false;
            if !event.at.is_empty() {
                since = Some(event.at.clone());
            }
            tracing::debug!(
                host = %host.name,
                action = %event.action,
                container = ?event.container_name,
                "fleet: a container event; looking now"
            );
            // Events that follow close behind are answered by the same round.
            tokio::time::sleep(GATHER).await;
            while let Some(Some(Ok(more))) = futures_util::FutureExt::now_or_never(events.next()) {
                if !more.at.is_empty() {
                    since = Some(more.at);
                }
            }
            let _round = rounds.lock().await;
            if let Err(e) = observe::round_now(&ctx, &host).await {
                tracing::warn!(host = %host.name, error = %e, "fleet round after an event failed");
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Now, as Docker's `since` takes it.
fn now() -> String {
    let now = chrono::Utc::now();
    format!("{}.{:09}", now.timestamp(), now.timestamp_subsec_nanos())
}
