//! Deleting a credential: its sessions end, its role goes, what it owned passes to the owner.

use std::sync::Arc;

use dbaas_core::model::Task;

use super::{credential_of, database_of};
use crate::engine::EngineTarget;
use crate::error::JobResult;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let credential = ctx.store.credential_any(credential_of(&task)?).await?;
    if let Some(target) = EngineTarget::of(&ctx, database_of(&task)?).await? {
        target
            .engine
            .drop_role(
                target.admin(),
                target.database_name(),
                &target.owner(),
                &credential.username,
            )
            .await?;
    }
    ctx.store.credential_mark_deleted(credential.id).await?;
    Ok(())
}
