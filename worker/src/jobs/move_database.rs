//! A move of a database's engine, with its data, to another host (an operator's move, or a
//! drain's): the incoming engine was recorded on the new host with the task
//! (`Task::target_engine_id`).
//!
//! Steps, each found done by a resumed run (fault points in brackets):
//! 1. the incoming engine gets a port on its host and the superuser password the data holds
//!    [`move.prepared`];
//! 2. the old engine writes out what it holds (Postgres: `CHECKPOINT`) and stops cleanly
//!    (Postgres' fast shutdown) [`move.stopped`];
//! 3. a fresh container and volume are made on the new host, and the data directory is
//!    streamed from the old container into it through both Docker APIs, never held in memory
//!    [`move.copied`]; a copy an earlier run left half done is made again;
//! 4. the new container starts with its own certificate; the superuser logs in and every role
//!    of the database is there [`move.verified`];
//! 5. the catalog switches the database to the new engine in one transaction (the move and
//!    an audit record written with it), and the old engine is left to a `remove_engine` task.
//!
//! A move that fails for good before the switch removes what it made on the new host and
//! starts the old engine again: the database works where it was, with its data. Nothing else
//! works on the database or its engine while the task holds them (one task at a time), so
//! recovery leaves the stopped old engine alone.

use std::sync::Arc;

use chrono::Utc;
use dbaas_core::model::{DatabaseDetail, NewDatabaseMove, Task};
use dbaas_provisioner::{ContainerSpec, DockerHost};

use super::{database_of, engine_of};
use crate::engine::{EngineHandle, EngineTarget, STOP_GRACE};
use crate::error::{JobError, JobResult};
use crate::fault::fault_point;
use crate::Context;

fn incoming_of(task: &Task) -> JobResult<i64> {
    task.target_engine_id
        .ok_or_else(|| JobError::Invalid(format!("task {} names no incoming engine", task.id)))
}

/// The incoming engine, once it has a port and the superuser's password.
async fn incoming(ctx: &Context, id: i64) -> JobResult<EngineHandle> {
    EngineHandle::open(ctx, ctx.store.engine_get(id).await?)
        .await?
        .ok_or_else(|| JobError::Invalid(format!("the incoming engine {id} has no port or superuser password")))
}

fn endpoint_text(handle: &EngineHandle) -> String {
    format!("{}:{}", handle.endpoint.host, handle.endpoint.port)
}

pub async fn attempt(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    Box::pin(run(ctx, task)).await
}

async fn run(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let database_id = database_of(&task)?;
    let to_id = incoming_of(&task)?;
    let from = EngineTarget::require(&ctx, database_id).await?;
    if from.row.id == to_id {
        // Switched by an earlier run: what is left is the old engine's removal, a task of
        // its own.
        return Ok(());
    }
    if from.row.id != engine_of(&task)? {
        return Err(JobError::Invalid(
            "the database moved to another engine meanwhile".into(),
        ));
    }
    let sealed_admin = from
        .row
        .admin_password_enc
        .clone()
        .ok_or_else(|| JobError::Invalid("the engine has no superuser password".into()))?;

    // 1. A port on the new host, and the superuser password the data directory holds.
    ctx.store.engine_allocate_port(to_id).await?;
    ctx.store.engine_admin_password(to_id, sealed_admin).await?;
    let to = incoming(&ctx, to_id).await?;
    fault_point(&ctx, "move.prepared").await?;

    let from_docker = from.docker(&ctx).await?;
    let to_docker = to.docker(&ctx).await?;
    let server_tls = crate::tls::server_tls(&ctx, to.row.id, &to.endpoint.host).await?;
    let spec = to.container_spec(&ctx, server_tls.as_ref(), Some(&from.detail.database));
    let copied = if to_docker.is_running(&spec.name).await? {
        // Copied and started by an earlier run.
        0
    } else {
        // Boxed: the steps' futures are large, and a worker thread's stack is not.
        Box::pin(stop_and_copy(&ctx, &from, &from_docker, &to, &to_docker, &spec)).await?
    };

    // 4. The superuser logs in, and every role of the database is there.
    Box::pin(to.engine.wait_ready(to.admin(), ctx.config.engine_ready_timeout)).await?;
    Box::pin(verify_roles(&to, &from.detail)).await?;
    fault_point(&ctx, "move.verified").await?;

    // 5. The switch.
    let stopped_at = from_docker
        .container_facts(&from.row.container_name)
        .await?
        .and_then(|facts| facts.finished_at);
    let downtime_ms = stopped_at.map_or(0, |at| (Utc::now() - at).num_milliseconds().max(0));
    let record = NewDatabaseMove {
        database_id,
        task_id: task.id,
        from_engine_id: from.row.id,
        to_engine_id: to.row.id,
        from_host_id: from.host.id,
        to_host_id: to.host.id,
        from_endpoint: endpoint_text(&from),
        to_endpoint: endpoint_text(&to),
        bytes: i64::try_from(copied).unwrap_or(i64::MAX),
        downtime_ms,
    };
    let removals = ctx.store.database_move_switch(record).await?;
    for removal in &removals {
        ctx.queue.enqueue(removal).await;
    }
    ctx.store.database_record_health(database_id, true, None).await?;
    tracing::info!(
        database_id,
        from_host = %from.host.name,
        to_host = %to.host.name,
        from_endpoint = %endpoint_text(&from),
        to_endpoint = %endpoint_text(&to),
        bytes = copied,
        downtime_ms,
        "database moved"
    );
    Ok(())
}

/// Steps 2 and 3: the old engine stops cleanly, a fresh container on the new host gets its
/// data, then its files, and starts. Returns the bytes streamed.
async fn stop_and_copy(
    ctx: &Context,
    from: &EngineTarget,
    from_docker: &DockerHost,
    to: &EngineHandle,
    to_docker: &DockerHost,
    spec: &ContainerSpec,
) -> JobResult<u64> {
    let old = &from.row.container_name;
    if from_docker.is_running(old).await? {
        from.engine.checkpoint(from.admin()).await?;
        from_docker.stop(old, STOP_GRACE).await?;
    }
    fault_point(ctx, "move.stopped").await?;
    to_docker.remove(&spec.name, &spec.volume).await?;
    to_docker.ensure_created(spec).await?;
    let bytes = from_docker
        .copy_directory(old, &spec.data_path, to_docker, &spec.name)
        .await?;
    fault_point(ctx, "move.copied").await?;
    to_docker.ensure_running(spec).await?;
    ctx.store.engine_sized(to.row.id, spec.memory_bytes).await?;
    Ok(bytes)
}

/// Every role the catalog has for the database exists in the incoming engine.
async fn verify_roles(to: &EngineHandle, detail: &DatabaseDetail) -> JobResult<()> {
    let users = to.engine.list_users(to.admin(), &detail.database.name).await?;
    let missing: Vec<&str> = detail
        .credentials
        .iter()
        .map(|c| c.username.as_str())
        .filter(|name| !users.iter().any(|u| u == name))
        .collect();
    if !missing.is_empty() {
        return Err(JobError::Invalid(format!(
            "the moved engine lacks the database's roles {missing:?}"
        )));
    }
    Ok(())
}

/// After a move that failed for good: unless the database switched, what was made on the
/// new host goes (the incoming engine is then `removed`) and the old engine runs again.
pub async fn on_failure(ctx: Arc<Context>, task: Task) -> JobResult<()> {
    let database_id = database_of(&task)?;
    let to_id = incoming_of(&task)?;
    let detail = ctx.store.database_detail(database_id).await?;
    if detail.database.engine_id == Some(to_id) {
        return Ok(());
    }
    let row = ctx.store.engine_get(to_id).await?;
    let names = row.names();
    ctx.docker_of(&row)
        .await?
        .remove(&names.container, &names.volume)
        .await?;
    ctx.store.engine_removed(to_id).await?;
    if let Some(from) = EngineTarget::of(&ctx, database_id).await? {
        Box::pin(from.run_container(&ctx, None)).await?;
        Box::pin(from.accepting(&ctx)).await?;
    }
    Ok(())
}
