//! Readiness: whether a process can do its work now, that is whether the catalog and Redis
//! both answer. `/health` says only that the process runs (liveness: a restart cannot bring
//! the catalog back); `/ready` says this, so that an orchestrator sends no traffic to a
//! process that would answer 503.

use std::time::Duration;

use crate::queue::JobQueue;
use crate::store::Store;

/// How long each backing service gets to answer; a probe's own timeout is a few seconds.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What the probes found. Only whether each service answered: never its error, which may
/// name a host or a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    pub catalog: bool,
    pub redis: bool,
}

impl Readiness {
    /// Asks both services at once.
    pub async fn probe(store: &Store, queue: &JobQueue) -> Readiness {
        let catalog = async {
            let answer = tokio::time::timeout(PROBE_TIMEOUT, store.ping()).await;
            if let Ok(Err(e)) = &answer {
                tracing::debug!(error = %e, "readiness: the catalog does not answer");
            }
            matches!(answer, Ok(Ok(())))
        };
        let redis = async {
            let answer = tokio::time::timeout(PROBE_TIMEOUT, queue.ping()).await;
            if let Ok(Err(e)) = &answer {
                tracing::debug!(error = %e, "readiness: Redis does not answer");
            }
            matches!(answer, Ok(Ok(())))
        };
        let (catalog, redis) = tokio::join!(catalog, redis);
        Readiness { catalog, redis }
    }

    pub fn is_ready(self) -> bool {
        self.catalog && self.redis
    }

    /// The JSON body of `/ready`: `{"status": "ready" | "unavailable", "catalog": "ok" |
    /// "unreachable", "redis": ...}`.
    pub fn body(self) -> serde_json::Value {
        let state = |up: bool| if up { "ok" } else { "unreachable" };
        serde_json::json!({
            "status": if self.is_ready() { "ready" } else { "unavailable" },
            "catalog": state(self.catalog),
            "redis": state(self.redis),
        })
    }
}
