//! A reconciler round asked for now (`POST /api/reconcile/`): the same pass the periodic
//! duty makes, over every environment, then done.

use std::sync::Arc;

use dbaas_core::model::Task;

use crate::error::JobResult;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, _task: Task) -> JobResult<()> {
    crate::reconciler::pass(ctx).await
}
