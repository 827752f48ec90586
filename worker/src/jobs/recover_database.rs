//! Recovering a database whose engine container stopped or vanished (found by the
//! reconciler): the container is started or created again on its volume. A ready database also
//! gets its roles back with their stored passwords, in case the volume went too; one in or
//! on its way to quarantine keeps its unknown passwords.

use std::sync::Arc;

use dbaas_core::model::{owner_username, DatabaseStatus, Task};
use dbaas_provisioner::RoleSpec;

use super::database_of;
use crate::engine::{grant_of, EngineTarget};
use crate::error::JobResult;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let Some(target) = EngineTarget::of(&ctx, database_of(&task)?).await? else {
        return Ok(());
    };
    let (detail, engine) = (&target.detail, &target.engine);
    let status = detail.database.status;
    // An operator stopped the engine after this was asked for: it stays stopped.
    if !DatabaseStatus::RUNNING.contains(&status) || target.row.stopped_by_operator() {
        return Ok(());
    }
    target.run_container(&ctx, None).await?;
    engine
        .wait_ready(target.admin(), ctx.config.engine_ready_timeout)
        .await?;

    if status == DatabaseStatus::Ready {
        let owner = owner_username(&detail.database.name);
        for credential in &detail.credentials {
            let Some(sealed) = &credential.password_enc else {
                continue;
            };
            let password = ctx.config.secrets.open(sealed)?;
            let role = RoleSpec {
                username: &credential.username,
                password: &password,
            };
            if credential.username == owner {
                engine
                    .ensure_database(target.admin(), &detail.database.name, &role)
                    .await?;
            } else {
                engine
                    .ensure_role(
                        target.admin(),
                        &detail.database.name,
                        &owner,
                        &role,
                        grant_of(credential),
                    )
                    .await?;
            }
        }
    }
    ctx.store.database_record_health(detail.database.id, true, None).await?;
    Ok(())
}
