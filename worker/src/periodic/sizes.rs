//! Size collection: every ready database's size, as its engine reports it
//! (`used_size_in_bytes`).

use std::sync::Arc;

use crate::engine::EngineTarget;
use crate::error::JobResult;
use crate::Context;

pub async fn pass(ctx: Arc<Context>) -> JobResult<()> {
    for detail in ctx.store.database_list_ready().await? {
        let id = detail.database.id;
        let measured = async {
            let target = EngineTarget::require(&ctx, id).await?;
            let bytes = target
                .engine
                .database_size(target.admin(), target.database_name())
                .await?;
            ctx.store.database_record_size(id, bytes).await?;
            JobResult::Ok(())
        };
        if let Err(e) = measured.await {
            tracing::debug!(database_id = id, error = %e, "size collection failed for one database");
        }
    }
    Ok(())
}
