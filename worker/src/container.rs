//! The container an engine runs in: its spec and its labels, built here only, so that
//! provisioning, the pool and recovery make the same container.

use std::collections::HashMap;

use dbaas_core::model::{Database, Engine};
use dbaas_provisioner::docker::label;
use dbaas_provisioner::{ContainerSpec, Endpoint, Engine as Driver, ServerTls};

use crate::Context;

/// The same engine always gives the same container and volume, with the image and limits it
/// was made with. Labels cannot change once a container exists, so the database ones are
/// there only where the container was made for its database (a cold start, or a recovery
/// that made it again); the catalog says which database a pooled engine serves. `tls`: what
/// the engine serves TLS with (from [`crate::tls::server_tls`]). A shared engine's container
/// carries no database's labels.
pub fn container_spec(
    ctx: &Context,
    engine: &Engine,
    database: Option<&Database>,
    driver: &dyn Driver,
    endpoint: &Endpoint,
    admin_password: &str,
    tls: Option<&ServerTls>,
) -> ContainerSpec {
    let launch = driver.launch(
        endpoint,
        admin_password,
        tls,
        engine.kind.fixed_memory(engine.memory_bytes),
    );
    let names = engine.names();
    let mut labels = HashMap::from([
        (label::MANAGED.to_string(), "true".to_string()),
        (label::DEPLOYMENT.to_string(), ctx.config.deployment.clone()),
        (label::ENGINE.to_string(), driver.name().to_string()),
        (label::ENGINE_UID.to_string(), engine.uid.clone()),
    ]);
    // A shared engine's container serves many databases: it names none of them.
    if let Some(database) = database.filter(|_| !engine.is_shared()) {
        labels.extend([
            (label::DATABASE_ID.to_string(), database.id.to_string()),
            (label::DATABASE_UID.to_string(), database.uid.clone()),
            (label::DATABASE_NAME.to_string(), database.name.clone()),
            (label::TEAM.to_string(), database.team_id.to_string()),
        ]);
    }
    ContainerSpec {
        name: names.container,
        image: engine.image.clone(),
        env: launch.env,
        cmd: launch.cmd,
        labels,
        memory_bytes: engine.memory_bytes,
        nano_cpus: i64::from(engine.cpu_millis) * 1_000_000,
        volume: names.volume,
        data_path: launch.data_path.to_string(),
        files: launch.files,
        user: launch.user.to_string(),
    }
}
