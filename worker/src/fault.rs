//! Named steps of the jobs where tests reach in: a fault injected there (`DBAAS_INJECT_FAULT`)
//! fails the job for good, as if that step had failed, and its undo runs; a pause there
//! (`DBAAS_PAUSE_AT`) stops the worker at that very step, so that a test can kill it exactly
//! there. Both are unset in production, where a fault point costs one comparison.
//!
//! The steps, in the order a job meets them: `provision.port`, `provision.password`,
//! `provision.container`, `provision.ready`, `provision.roles`; `rotate.pending`,
//! `rotate.applied`; `destroy.begin`, `destroy.dumped`; `move.prepared`, `move.stopped`,
//! `move.copied`, `move.verified`.

use crate::error::{JobError, JobResult};
use crate::Context;

/// The line a paused worker logs, for tests to wait on.
pub const PAUSED: &str = "paused at fault point";

pub async fn fault_point(ctx: &Context, step: &str) -> JobResult<()> {
    if ctx.config.pause_at.as_deref() == Some(step) {
        tracing::warn!(fault_point = step, "{PAUSED} {step}");
        std::future::pending::<()>().await;
    }
    match &ctx.config.inject_fault {
        Some(at) if at == step => Err(JobError::Invalid(format!("injected fault at {step}"))),
        _ => Ok(()),
    }
}
