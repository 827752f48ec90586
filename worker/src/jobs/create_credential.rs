//! Creating a further credential: a role with exactly the privileges it says.

use std::sync::Arc;

use dbaas_core::model::{Privileges, Task};
use dbaas_core::secrets;
use dbaas_provisioner::{Access, Grant, RoleSpec};

use super::engine_target::EngineTarget;
use super::{credential_of, database_of, JobResult};
use crate::Context;

pub fn access(privileges: Privileges) -> Access {
    match privileges {
        Privileges::Owner => Access::Owner,
        Privileges::ReadWrite => Access::ReadWrite,
        Privileges::ReadOnly => Access::ReadOnly,
    }
}

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
            &target.endpoint,
            &target.admin_password,
            target.database_name(),
            &target.owner(),
            &RoleSpec {
                username: &credential.username,
                password: &password,
            },
            Grant {
                access: access(credential.privileges()),
                connection_limit: credential.connection_limit,
            },
        )
        .await?;
    Ok(())
}

/// A credential that could not be created is not left looking usable.
pub async fn on_failure(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    ctx.store.credential_mark_deleted(credential_of(&task)?).await?;
    Ok(())
}
