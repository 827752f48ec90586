//! Restoring a quarantined database: every credential gets a new generated password (the old
//! ones are gone for good); the database is `restoring` meanwhile, and `ready` again with the
//! task's end.

use std::sync::Arc;

use dbaas_core::model::{DatabaseStatus, Task};

use super::database_of;
use crate::engine::EngineTarget;
use crate::error::{JobError, JobResult};
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let target = EngineTarget::require(&ctx, database_of(&task)?).await?;
    if target.detail.database.status != DatabaseStatus::Restoring {
        return Err(JobError::Invalid(format!(
            "the database is {}, not restoring",
            target.detail.database.status
        )));
    }
    for credential in &target.detail.credentials {
        target.rotate_password(&ctx, credential).await?;
    }
    // `ready` comes with the task's end, once every new password works.
    Ok(())
}
