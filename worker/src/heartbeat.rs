//! A claimed task's heartbeat: touched while its job runs, so that no other worker takes it
//! over; a task whose worker died goes untouched, and its lease runs out.

use std::sync::Arc;
use std::time::Duration;

use crate::Context;

/// Stops when dropped.
pub struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    pub fn start(ctx: &Arc<Context>, task_id: i64) -> Self {
        let ctx = ctx.clone();
        let every: Duration = ctx.config.task_lease / 3;
        Self(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = ctx.store.task_touch(task_id).await {
                    tracing::warn!(task_id, error = %e, "cannot touch the running task");
                }
            }
        }))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}
