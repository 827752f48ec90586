//! Destroying a quarantined database: a final dump is taken and kept for the environment's
//! retention period, then its container and volume go; its row stays `deleted` with its
//! history.

use std::sync::Arc;

use dbaas_core::model::Task;
use dbaas_core::store::DUMP_CHUNK_BYTES;

use super::engine_target::EngineTarget;
use super::{database_of, fault_point, JobResult};
use crate::Context;

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let database_id = database_of(&task)?;
    final_dump(&ctx, database_id).await?;
    fault_point(&ctx, "destroy.dumped")?;
    let detail = ctx.store.database_detail(database_id).await?;
    let host = ctx.docker.get(&detail.environment.docker_endpoint).await?;
    host.remove(&detail.database.container_name(), &detail.database.volume_name())
        .await?;
    ctx.store.database_mark_deleted(detail.database.id).await?;
    Ok(())
}

/// Streams a dump out of the engine's container into the catalog, unless one was taken. An
/// engine that is not running (it was never provisioned, or its container is gone) has nothing
/// to dump.
async fn final_dump(ctx: &Context, database_id: i64) -> JobResult<()> {
    if ctx.store.dump_complete_for(database_id).await?.is_some() {
        return Ok(());
    }
    let Some(target) = EngineTarget::of(ctx, database_id).await? else {
        return Ok(());
    };
    let host = ctx.docker.get(&target.detail.environment.docker_endpoint).await?;
    let container = target.detail.database.container_name();
    if !host.is_running(&container).await? {
        tracing::warn!(database_id, "the engine is not running: no final dump");
        return Ok(());
    }
    let command = target
        .engine
        .dump_command(&target.endpoint, &target.admin_password, target.database_name());
    let dump = ctx.store.dump_begin(database_id, command.format).await?;
    let mut buffer: Vec<u8> = Vec::with_capacity(DUMP_CHUNK_BYTES);
    let (mut seq, mut written) = (0i32, 0i64);
    host.exec_streaming(&container, command.cmd, command.env, |bytes| {
        buffer.extend_from_slice(&bytes);
        let full = if buffer.len() >= DUMP_CHUNK_BYTES {
            Some(std::mem::take(&mut buffer))
        } else {
            None
        };
        let store = ctx.store.clone();
        let (this_seq, offset) = (seq, written);
        if let Some(chunk) = &full {
            seq += 1;
            written += chunk.len() as i64;
        }
        async move {
            if let Some(chunk) = full {
                store
                    .dump_append(dump.id, this_seq, offset, &chunk)
                    .await
                    .map_err(|e| dbaas_provisioner::ProvisionError::Engine(format!("storing the dump: {e}")))?;
            }
            Ok(())
        }
    })
    .await?;
    if !buffer.is_empty() {
        ctx.store.dump_append(dump.id, seq, written, &buffer).await?;
        written += buffer.len() as i64;
    }
    ctx.store.dump_finish(dump.id, written).await?;
    tracing::info!(database_id, bytes = written, "final dump taken");
    Ok(())
}
