//! Destroying a quarantined database: a final dump is taken and kept for the environment's
//! retention period, then its container and volume go (on a shared engine: the database and
//! its roles, `DROP DATABASE ... WITH (FORCE)`, the neighbours untouched); its row stays
//! `deleted` with its history.

use std::sync::Arc;

use dbaas_core::model::{DumpFormat, Task};
use dbaas_provisioner::DumpMethod;

use super::database_of;
use crate::dump::DumpWriter;
use crate::engine::{remove_database_from, EngineTarget};
use crate::error::JobResult;
use crate::fault::fault_point;
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let database_id = database_of(&task)?;
    fault_point(&ctx, "destroy.begin").await?;
    final_dump(&ctx, database_id).await?;
    fault_point(&ctx, "destroy.dumped").await?;
    let detail = ctx.store.database_detail(database_id).await?;
    if let Some(engine) = &detail.engine {
        remove_database_from(&ctx, engine, &detail).await?;
    }
    // `deleted` (and the credentials and engine with it) comes with the task's end.
    Ok(())
}

/// Streams a dump out of the engine into the catalog, unless one was taken. An engine that is
/// not running (it was never provisioned, or its container is gone) has nothing to dump.
async fn final_dump(ctx: &Context, database_id: i64) -> JobResult<()> {
    if ctx.store.dump_complete_for(database_id).await?.is_some() {
        return Ok(());
    }
    let Some(target) = EngineTarget::of(ctx, database_id).await? else {
        return Ok(());
    };
    let host = target.docker(ctx).await?;
    let container = target.row.container_name.clone();
    if !host.is_running(&container).await? {
        tracing::warn!(database_id, "the engine is not running: no final dump");
        return Ok(());
    }
    let format: DumpFormat = target.engine.dump_format().parse()?;
    let dump = ctx.store.dump_begin(database_id, format).await?;
    let mut writer = DumpWriter::new(ctx.store.clone(), dump.id);
    match target.engine.dump_method(target.admin(), target.database_name()) {
        DumpMethod::Exec(command) => {
            host.exec_streaming(&container, command.cmd, command.env, &mut writer)
                .await?
        }
        DumpMethod::Client => {
            target
                .engine
                .dump_to(target.admin(), target.database_name(), &mut writer)
                .await?
        }
    }
    let bytes = writer.finish().await?;
    tracing::info!(database_id, bytes, "final dump taken");
    Ok(())
}
