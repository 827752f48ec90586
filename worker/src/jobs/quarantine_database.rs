//! Quarantine, the first DELETE: every credential's password is replaced in the engine by a
//! random one that is stored nowhere, and their sessions are cut. The data stays.

use std::sync::Arc;

use dbaas_core::model::Task;
use dbaas_core::secrets;
use dbaas_provisioner::RoleSpec;

use super::database_of;
use crate::engine::EngineTarget;
use crate::error::JobResult;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let Some(target) = EngineTarget::of(&ctx, database_of(&task)?).await? else {
        // Never provisioned: no engine holds any password.
        return Ok(());
    };
    for credential in &target.detail.credentials {
        let unknown = secrets::generate_password();
        target
            .engine
            .set_password(
                target.admin(),
                target.database_name(),
                &RoleSpec {
                    username: &credential.username,
                    password: &unknown,
                },
            )
            .await?;
        target
            .engine
            .terminate_sessions(target.admin(), target.database_name(), &credential.username)
            .await?;
        ctx.store.credential_forget_password(credential.id).await?;
    }
    Ok(())
}
