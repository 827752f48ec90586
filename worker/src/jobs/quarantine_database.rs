//! Quarantine, the first DELETE: every user of the database (those the catalog knows and any
//! the tenant made itself) gets a random password that is stored nowhere, and their sessions
//! are cut. An engine that cannot close open connections (MongoDB) is restarted for that. The
//! data stays. The database is `quarantining` meanwhile; `quarantined` (and the stored
//! passwords forgotten) comes with the task's end, once no old password can connect.

use std::sync::Arc;

use dbaas_core::model::Task;
use dbaas_core::secrets;
use dbaas_provisioner::RoleSpec;

use super::database_of;
use crate::engine::{EngineTarget, STOP_GRACE};
use crate::error::JobResult;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let Some(target) = EngineTarget::of(&ctx, database_of(&task)?).await? else {
        // Never provisioned: no engine holds any password.
        return Ok(());
    };
    let (engine, admin, database) = (&target.engine, target.admin(), target.database_name());
    let mut users: Vec<String> = target.detail.credentials.iter().map(|c| c.username.clone()).collect();
    for user in engine.list_users(admin, database).await? {
        if !users.contains(&user) {
            users.push(user);
        }
    }
    for username in &users {
        let unknown = secrets::generate_password();
        let role = RoleSpec {
            username,
            password: &unknown,
        };
        engine.set_password(admin, database, &role).await?;
        engine.terminate_sessions(admin, database, username).await?;
    }
    if !engine.can_end_connections() {
        let host = target.docker(&ctx).await?;
        host.restart(&target.row.container_name, STOP_GRACE).await?;
        engine.wait_ready(admin, ctx.config.engine_ready_timeout).await?;
    }
    Ok(())
}
