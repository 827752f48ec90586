//! Recovering a database whose engine container stopped or vanished (found by the
//! reconciler): the container is started or created again on its volume. A ready database also
//! gets its roles back with their stored passwords, in case the volume went too; a quarantined
//! one keeps its unknown passwords.

use std::sync::Arc;

use dbaas_core::model::{owner_username, DatabaseStatus, Task};
use dbaas_provisioner::{Grant, RoleSpec};

use super::create_credential::access;
use super::engine_target::EngineTarget;
use super::provision_database::container_spec;
use super::{database_of, JobResult};
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let Some(target) = EngineTarget::of(&ctx, database_of(&task)?).await? else {
        return Ok(());
    };
    let EngineTarget {
        detail,
        engine,
        endpoint,
        admin_password,
    } = &target;
    let status = detail.database.status();
    if status != DatabaseStatus::Ready && status != DatabaseStatus::Quarantined {
        return Ok(());
    }
    let spec = container_spec(
        &ctx,
        &detail.database,
        &detail.plan,
        engine.as_ref(),
        endpoint,
        admin_password,
    );
    let host = ctx.docker.get(&detail.environment.docker_endpoint).await?;
    host.ensure_running(&spec).await?;
    engine
        .wait_ready(endpoint, admin_password, ctx.config.engine_ready_timeout)
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
                    .ensure_database(endpoint, admin_password, &detail.database.name, &role)
                    .await?;
            } else {
                let grant = Grant {
                    access: access(credential.privileges()),
                    connection_limit: credential.connection_limit,
                };
                engine
                    .ensure_role(endpoint, admin_password, &detail.database.name, &owner, &role, grant)
                    .await?;
            }
        }
    }
    ctx.store.database_record_health(detail.database.id, true, None).await?;
    Ok(())
}
