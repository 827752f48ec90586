//! The named steps of a job (`provision.port`, `pool.ready`, ...): each step's time goes to
//! the metrics (`dbaas_provisioning_step_duration_seconds{step}`), and the end of each step is
//! its fault point ([`crate::fault::fault_point`]), where tests inject failures and pauses.

use std::time::Instant;

use crate::error::JobResult;
use crate::fault::fault_point;
use crate::Context;

/// Every step a job names, so that the metrics show each (at 0) before it first runs.
pub const ALL: &[&str] = &[
    "provision.placed",
    "provision.port",
    "provision.password",
    "provision.container",
    "provision.ready",
    "provision.admin_applied",
    "provision.roles",
    "pool.port",
    "pool.password",
    "pool.container",
    "pool.ready",
];

/// The steps of one attempt of a job, timed one after the other.
pub struct Steps<'a> {
    ctx: &'a Context,
    /// The job's part of every step's name: `provision`, `pool`.
    job: &'static str,
    since: Instant,
}

impl<'a> Steps<'a> {
    /// The first step starts now.
    pub fn start(ctx: &'a Context, job: &'static str) -> Self {
        Self {
            ctx,
            job,
            since: Instant::now(),
        }
    }

    /// Ends the step `name` (`port`: the step `provision.port`), which started when the one
    /// before ended; then its fault point.
    pub async fn done(&mut self, name: &str) -> JobResult<()> {
        let step = format!("{}.{name}", self.job);
        let took = self.since.elapsed();
        tracing::debug!(%step, ms = took.as_secs_f64() * 1000.0, "step done");
        self.ctx.metrics.step_done(step.clone(), took);
        fault_point(self.ctx, &step).await?;
        // The next step starts once a pause or fault here has been passed.
        self.since = Instant::now();
        Ok(())
    }
}
