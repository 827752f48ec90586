//! A claimed task's heartbeat: the claim's lease is renewed three times per lease while the
//! job runs, so that no other worker takes the task over; a dead worker's lease runs out,
//! and the task is taken over about a lease later.
//!
//! Two runs of one task never overlap: the lease runs on the catalog's clock from the moment
//! a renewal reaches it, and this worker counts its own lease from the moment it *sent* the
//! last renewal that succeeded, so it always believes its lease over before the catalog
//! does. When it cannot renew in time (the catalog is slow or unreachable), or a renewal
//! finds the claim gone, [`Heartbeat::lost`] completes and the job stops where it is; every
//! later write of the task is refused anyway, since it names the claim's token.

use std::sync::Arc;
use std::time::Duration;

use dbaas_core::model::Claim;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::Context;

/// Renews a claim until dropped.
pub struct Heartbeat {
    task: tokio::task::JoinHandle<()>,
    lost: watch::Receiver<bool>,
}

impl Heartbeat {
    /// Starts renewing `claim`, whose lease was taken by a request sent at `claimed_at`.
    pub fn start(ctx: &Arc<Context>, claim: Claim, claimed_at: Instant) -> Self {
        let ctx = ctx.clone();
        let lease = ctx.config.task_lease;
        let every = lease / 3;
        // This worker gives up a little before the catalog would let another take over.
        let give_up_after = lease - lease / 10;
        let (tell, lost) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut renewed_from = claimed_at;
            loop {
                tokio::time::sleep_until(renewed_from + every).await;
                let sent = Instant::now();
                let deadline = renewed_from + give_up_after;
                match tokio::time::timeout_at(deadline, ctx.store.task_renew(&claim, lease)).await {
                    Ok(Ok(true)) => renewed_from = sent,
                    Ok(Ok(false)) => {
                        tracing::warn!(task_id = claim.task_id, "the task was taken over or ended elsewhere");
                        let _ = tell.send(true);
                        return;
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(task_id = claim.task_id, error = %e, "cannot renew the task's lease");
                        // Try again soon, while the lease lasts.
                        tokio::time::sleep(Duration::from_millis(200).min(every)).await;
                    }
                    Err(_) => {}
                }
                if Instant::now() >= deadline && renewed_from != sent {
                    tracing::warn!(task_id = claim.task_id, "the task's lease ran out; stopping its job");
                    let _ = tell.send(true);
                    return;
                }
            }
        });
        Self { task, lost }
    }

    /// Completes when this worker no longer holds the task: the job must stop.
    pub async fn lost(&self) {
        let mut lost = self.lost.clone();
        let _ = lost.wait_for(|lost| *lost).await;
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}
