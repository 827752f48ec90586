//! The reconciler: compares the catalog with the Docker engines and acts on the difference.
//!
//! - A ready or quarantined database whose container stopped or vanished is marked
//!   `unhealthy` with the reason, and recovered (a `recover_database` task) when its plan says
//!   so.
//! - A container labelled as this deployment's that no live database claims is recorded as an
//!   orphan; an admin can ask for its removal through the API, and the next pass removes it.
//!
//! Each pass is idempotent; recovery goes through a task, so it never runs beside another task
//! on the same database (a destroy, say).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use dbaas_core::jobs::JobQueue;
use dbaas_core::model::{DatabaseStatus, Environment, TaskKind};
use dbaas_core::store::{Cursor, PageRequest, SeenContainer};

use crate::jobs::JobError;
use crate::Context;

pub async fn run(ctx: Arc<Context>, queue: JobQueue, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        let environments = match ctx
            .store
            .environment_list(PageRequest {
                cursor: Cursor::Start,
                size: 1000,
            })
            .await
        {
            Ok(page) => page.items,
            Err(e) => {
                tracing::warn!(error = %e, "reconciler: cannot list environments");
                continue;
            }
        };
        for environment in environments {
            if let Err(e) = reconcile(&ctx, &queue, &environment).await {
                tracing::warn!(environment = %environment.name, error = %e, "reconciler pass failed");
            }
        }
    }
}

async fn reconcile(ctx: &Context, queue: &JobQueue, environment: &Environment) -> Result<(), JobError> {
    let host = ctx.docker.get(&environment.docker_endpoint).await?;
    let containers = host.managed_containers(&ctx.config.deployment).await?;
    let by_uid: HashMap<&str, _> = containers
        .iter()
        .filter_map(|c| c.database_uid.as_deref().map(|uid| (uid, c)))
        .collect();

    for detail in ctx.store.database_list_running(environment.id).await? {
        let database = &detail.database;
        let problem = match by_uid.get(database.uid.as_str()) {
            None => Some("the engine container vanished".to_string()),
            Some(c) if !c.running => Some(format!("the engine container stopped ({})", c.status)),
            Some(_) => None,
        };
        let Some(problem) = problem else {
            if database.health != "healthy" {
                ctx.store.database_record_health(database.id, true, None).await?;
            }
            continue;
        };
        tracing::warn!(database_id = database.id, %problem, "unhealthy database");
        ctx.store
            .database_record_health(database.id, false, Some(&problem))
            .await?;
        if detail.plan.auto_recover {
            // Busy databases (a destroy under way, say) are left to that task.
            let started = ctx
                .store
                .database_task_start(
                    database.id,
                    TaskKind::RecoverDatabase,
                    &[DatabaseStatus::Ready, DatabaseStatus::Quarantined],
                    None,
                )
                .await;
            if let Ok((_, task)) = started {
                tracing::info!(database_id = database.id, task_id = task.id, "recovering");
                if let Err(e) = queue.push(task.id).await {
                    tracing::warn!(task_id = task.id, error = %e, "cannot enqueue; it will be requeued");
                }
            }
        }
    }

    let claimed = ctx.store.database_uids_claimed(environment.id).await?;
    let orphans: Vec<SeenContainer> = containers
        .iter()
        .filter(|c| c.database_uid.as_ref().is_none_or(|uid| !claimed.contains(uid)))
        .map(|c| SeenContainer {
            name: c.name.clone(),
            id: c.id.clone(),
            database_uid: c.database_uid.clone(),
        })
        .collect();
    ctx.store.orphans_seen(environment.id, &orphans).await?;
    for orphan in ctx.store.orphans_to_remove(environment.id).await? {
        host.remove(&orphan.container_id, &format!("{}-data", orphan.container_name))
            .await?;
        ctx.store.orphan_forget(orphan.id).await?;
        tracing::info!(container = %orphan.container_name, "removed an orphan container and its volume");
    }
    Ok(())
}
