//! Audit retention: records older than `DBAAS_AUDIT_RETENTION_DAYS` are dropped.

use std::sync::Arc;

use crate::error::JobResult;
use crate::Context;

pub async fn pass(ctx: Arc<Context>) -> JobResult<()> {
    let dropped = ctx.store.audit_expire(ctx.config.audit_retention_days).await?;
    if dropped > 0 {
        tracing::info!(records = dropped, "dropped audit records past their retention");
    }
    Ok(())
}
