//! Resetting a credential's password: a new generated password is stored as pending, applied
//! to the engine, then made the credential's password. Once the task has succeeded the old
//! password is refused by the engine.

use std::sync::Arc;

use dbaas_core::model::Task;

use super::{credential_of, database_of};
use crate::engine::EngineTarget;
use crate::error::JobResult;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let credential = ctx.store.credential_any(credential_of(&task)?).await?;
    if credential.deleted_at.is_some() {
        return Ok(());
    }
    let target = EngineTarget::require(&ctx, database_of(&task)?).await?;
    target.rotate_password(&ctx, &credential).await?;
    Ok(())
}
