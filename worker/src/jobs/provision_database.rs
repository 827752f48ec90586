//! Provisioning a database: a port, a volume and a running engine container, then the database
//! and its owner role with a generated password, then `ready`.
//!
//! Each step finds what an earlier run did and keeps it: the port and passwords are stored
//! before they are used, containers and volumes are named after the database, and roles are
//! created or updated. Running the job twice leaves one container, not two.

use std::collections::HashMap;
use std::sync::Arc;

use apalis::prelude::{BoxDynError, Data};
use dbaas_core::jobs::ProvisionDatabase;
use dbaas_core::model::{owner_username, Database, DatabaseDetail, DatabaseStatus, TaskStatus};
use dbaas_core::secrets::{self, SecretError};
use dbaas_core::StoreError;
use dbaas_provisioner::docker::label;
use dbaas_provisioner::{engine_for, ContainerSpec, Endpoint, ProvisionError, RoleSpec};

use super::retry::{with_retries, Retryable};
use crate::Context;

#[derive(Debug, thiserror::Error)]
pub enum ProvisionJobError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Provision(#[from] ProvisionError),
    #[error("{0}")]
    Secret(#[from] SecretError),
    #[error("{0}")]
    Invalid(String),
}

impl Retryable for ProvisionJobError {
    fn is_permanent(&self) -> bool {
        match self {
            ProvisionJobError::Store(e) => {
                matches!(e, StoreError::NotFound(_) | StoreError::Conflict(_))
            }
            ProvisionJobError::Provision(e) => e.is_permanent(),
            ProvisionJobError::Secret(_) | ProvisionJobError::Invalid(_) => true,
        }
    }
}

/// The container and volume names of a database: unique across catalogs sharing a host.
pub fn container_name(database: &Database) -> String {
    format!("dbaas-{}-{}", database.name, database.uid)
}

pub fn volume_name(database: &Database) -> String {
    format!("{}-data", container_name(database))
}

pub async fn run(job: ProvisionDatabase, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let ctx: Arc<Context> = (*ctx).clone();
    let task = ctx.store.task_get(job.task_id).await?;
    if task.status == TaskStatus::Succeeded.as_str() || task.status == TaskStatus::Failed.as_str() {
        tracing::info!(task_id = task.id, status = %task.status, "task already ended; nothing to do");
        return Ok(());
    }
    let span = tracing::info_span!(
        "provision_database",
        task_id = job.task_id,
        database_id = job.database_id
    );
    let _guard = span.enter();
    let started = std::time::Instant::now();
    let result = with_retries(
        &ctx,
        job.task_id,
        || provision(&ctx, job.database_id),
        |_reason| async {
            if let Err(e) = ctx
                .store
                .database_set_status(job.database_id, DatabaseStatus::Failed)
                .await
            {
                tracing::error!(error = %e, "could not mark the database failed");
            }
        },
    )
    .await;
    if result.is_ok() {
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "database ready"
        );
    }
    result
}

async fn provision(ctx: &Context, database_id: i64) -> Result<(), ProvisionJobError> {
    let DatabaseDetail {
        database,
        plan,
        environment,
        credentials,
        ..
    } = ctx.store.database_detail(database_id).await?;
    if database.status() != DatabaseStatus::Creating {
        // Deleted or otherwise moved on while queued: not ours to bring up.
        return Ok(());
    }
    let engine = engine_for(&plan.engine).ok_or_else(|| {
        ProvisionJobError::Invalid(format!("this worker cannot run '{}' engines", plan.engine))
    })?;
    let secrets = &ctx.config.secrets;

    let port = ctx.store.database_allocate_port(database.id).await?;
    let sealed = ctx
        .store
        .database_admin_password(database.id, secrets.seal(&secrets::generate_password()))
        .await?;
    let admin_password = secrets.open(&sealed)?;
    let endpoint = Endpoint {
        host: environment.host_address.clone(),
        port: u16::try_from(port)
            .map_err(|_| ProvisionJobError::Invalid(format!("port {port} is out of range")))?,
    };

    let launch = engine.launch(&endpoint, &admin_password);
    let labels = HashMap::from([
        (label::MANAGED.to_string(), "true".to_string()),
        (label::DEPLOYMENT.to_string(), ctx.config.deployment.clone()),
        (label::DATABASE_ID.to_string(), database.id.to_string()),
        (label::DATABASE_UID.to_string(), database.uid.clone()),
        (label::DATABASE_NAME.to_string(), database.name.clone()),
        (label::TEAM.to_string(), database.team_id.to_string()),
        (label::ENGINE.to_string(), engine.name().to_string()),
    ]);
    let spec = ContainerSpec {
        name: container_name(&database),
        image: plan.image.clone(),
        env: launch.env,
        cmd: launch.cmd,
        labels,
        memory_bytes: plan.memory_bytes,
        nano_cpus: i64::from(plan.cpu_millis) * 1_000_000,
        volume: volume_name(&database),
        data_path: launch.data_path.to_string(),
    };
    let host = ctx.docker.get(&environment.docker_endpoint).await?;
    host.ensure_running(&spec).await?;
    engine
        .wait_ready(&endpoint, &admin_password, ctx.config.engine_ready_timeout)
        .await?;

    let owner = owner_username(&database.name);
    let credential = credentials
        .iter()
        .find(|c| c.username == owner)
        .ok_or_else(|| {
            ProvisionJobError::Invalid(format!("the owner credential {owner} is missing"))
        })?;
    let sealed = ctx
        .store
        .credential_initial_password(credential.id, secrets.seal(&secrets::generate_password()))
        .await?;
    let password = secrets.open(&sealed)?;
    engine
        .ensure_database(
            &endpoint,
            &admin_password,
            &database.name,
            &RoleSpec {
                username: &owner,
                password: &password,
            },
        )
        .await?;

    ctx.store
        .database_set_status(database.id, DatabaseStatus::Ready)
        .await?;
    Ok(())
}
