//! The container a database's engine runs in: its spec and its labels, built here only, so
//! that provisioning and recovery make the same container.

use std::collections::HashMap;

use dbaas_core::model::{Database, Plan};
use dbaas_provisioner::docker::label;
use dbaas_provisioner::{ContainerSpec, Endpoint, Engine, ServerTls};

use crate::Context;

/// The same database always gives the same container and volume. `tls`: what the engine
/// serves TLS with (from [`crate::tls::server_tls`]).
pub fn container_spec(
    ctx: &Context,
    database: &Database,
    plan: &Plan,
    engine: &dyn Engine,
    endpoint: &Endpoint,
    admin_password: &str,
    tls: Option<&ServerTls>,
) -> ContainerSpec {
    let launch = engine.launch(endpoint, admin_password, tls);
    let names = database.engine_names();
    let labels = HashMap::from([
        (label::MANAGED.to_string(), "true".to_string()),
        (label::DEPLOYMENT.to_string(), ctx.config.deployment.clone()),
        (label::DATABASE_ID.to_string(), database.id.to_string()),
        (label::DATABASE_UID.to_string(), database.uid.clone()),
        (label::DATABASE_NAME.to_string(), database.name.clone()),
        (label::TEAM.to_string(), database.team_id.to_string()),
        (label::ENGINE.to_string(), engine.name().to_string()),
    ]);
    ContainerSpec {
        name: names.container,
        image: plan.image.clone(),
        env: launch.env,
        cmd: launch.cmd,
        labels,
        memory_bytes: plan.memory_bytes,
        nano_cpus: i64::from(plan.cpu_millis) * 1_000_000,
        volume: names.volume,
        data_path: launch.data_path.to_string(),
        files: launch.files,
        user: launch.user.to_string(),
    }
}
