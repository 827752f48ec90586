//! Restoring a quarantined database: every credential gets a new generated password (the old
//! ones are gone for good), then the database is `ready` again.

use std::sync::Arc;

use dbaas_core::model::{DatabaseStatus, Task};

use super::database_of;
use crate::engine::EngineTarget;
use crate::error::{JobError, JobResult};
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let target = EngineTarget::require(&ctx, database_of(&task)?).await?;
    if target.detail.database.status != DatabaseStatus::Quarantined {
        return Err(JobError::Invalid(format!(
            "the database is {}, not quarantined",
            target.detail.database.status
        )));
    }
    for credential in &target.detail.credentials {
        target.rotate_password(&ctx, credential).await?;
    }
    ctx.store.database_restored(target.detail.database.id).await?;
    Ok(())
}
