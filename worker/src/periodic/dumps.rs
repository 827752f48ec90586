//! Dump expiry: final dumps past their environment's retention are dropped.

use std::sync::Arc;

use crate::error::JobResult;
use crate::Context;

pub async fn pass(ctx: Arc<Context>) -> JobResult<()> {
    let dropped = ctx.store.dumps_expire().await?;
    if dropped > 0 {
        tracing::info!(dumps = dropped, "dropped dumps past their retention");
    }
    Ok(())
}
