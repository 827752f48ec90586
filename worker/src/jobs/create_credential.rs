//! Creating a further credential: a role with exactly the privileges it says.

use std::sync::Arc;

use dbaas_core::model::Task;
use dbaas_core::secrets;
use dbaas_provisioner::RoleSpec;

use super::{credential_of, database_of};
use crate::engine::{grant_of, EngineTarget};
use crate::error::JobResult;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let credential = ctx.store.credential_any(credential_of(&task)?).await?;
    if credential.deleted_at.is_some() {
        return Ok(());
    }
    let target = EngineTarget::require(&ctx, database_of(&task)?).await?;
    let secrets = &ctx.config.secrets;
    let sealed = ctx
        .store
        .credential_initial_password(credential.id, secrets.seal(&secrets::generate_password()))
        .await?;
    let password = secrets.open(&sealed)?;
    target
        .engine
        .ensure_role(
            target.admin(),
            target.database_name(),
            &target.owner(),
            &RoleSpec {
                username: &credential.username,
                password: &password,
            },
            grant_of(&credential),
        )
        .await?;
    Ok(())
}

/// A credential that could not be created is not left looking usable.
pub async fn on_failure(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    ctx.store.credential_mark_deleted(credential_of(&task)?).await?;
    Ok(())
}
