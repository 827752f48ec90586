//! Orphans: containers of this deployment that no live engine claims are recorded, and
//! removed (with their volume) once an admin asks.

use dbaas_core::model::Host;
use dbaas_core::store::SeenContainer;
use dbaas_provisioner::{DockerHost, ManagedContainer};

use crate::error::JobResult;
use crate::Context;

pub async fn reconcile(
    ctx: &Context,
    host: &Host,
    docker: &DockerHost,
    containers: &[ManagedContainer],
) -> JobResult<()> {
    let claimed = ctx.store.engine_uids_claimed(&host.docker_endpoint).await?;
    let orphans: Vec<SeenContainer> = containers
        .iter()
        .filter(|c| c.engine_uid.as_ref().is_none_or(|uid| !claimed.contains(uid)))
        .map(|c| SeenContainer {
            name: c.name.clone(),
            id: c.id.clone(),
            database_uid: c.database_uid.clone(),
        })
        .collect();
    ctx.store.orphans_seen(host, &orphans).await?;
    for orphan in ctx.store.orphans_to_remove(host.id).await? {
        docker
            .remove(&orphan.container_id, &orphan.engine_names().volume)
            .await?;
        ctx.store.orphan_forget(orphan.id).await?;
        tracing::info!(container = %orphan.container_name, "removed an orphan container and its volume");
    }
    Ok(())
}
