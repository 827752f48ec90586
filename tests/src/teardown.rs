//! What a stack removes when it goes away, and only that: the containers and volumes labelled
//! with its own `dbaas.deployment` (never everything `dbaas.managed`: `make up` shares the
//! engine), its catalog database, and the Redis keys under its own queue prefix (never a
//! FLUSHDB: the Redis is shared too).
//!
//! [`TestStack::cleanup`] runs it. Nothing here panics: what cannot be removed is reported
//! on stderr, and `scripts/test.sh` reaps containers left for over an hour.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder, RemoveVolumeOptions,
};
use tokio::task::JoinHandle;

use crate::services::{pg_connect, redis_keys};
use crate::TestStack;

/// The longest any one removal may take, so that a backing service that hangs does not hang
/// the test run.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// The shared Redis set where apalis lists every queue it has seen; our entries go, the set
/// stays.
pub const APALIS_QUEUES: &str = "core:apalis:queues:list";

/// Everything needed to find what one stack made, after the stack itself is gone.
#[derive(Debug, Clone)]
pub(crate) struct Teardown {
    deployment: String,
    docker_endpoint: String,
    admin_url: String,
    catalog_db: String,
    redis_url: String,
    queue_prefix: String,
}

/// Lets the api and worker tasks stop on their own for up to `grace`, then aborts the rest and
/// waits (briefly) until they are gone, so that nothing recreates what is about to be removed.
pub(crate) async fn stop_tasks(tasks: Vec<JoinHandle<()>>, grace: Duration) {
    let deadline = Instant::now() + grace;
    let mut running = Vec::new();
    for mut task in tasks {
        let left = deadline.saturating_duration_since(Instant::now());
        if tokio::time::timeout(left, &mut task).await.is_err() {
            running.push(task);
        }
    }
    for task in &running {
        task.abort();
    }
    if !grace.is_zero() {
        for task in running {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Teardown {
    pub(crate) fn of(stack: &TestStack) -> Teardown {
        Teardown {
            deployment: stack.config.deployment.clone(),
            docker_endpoint: stack.config.defaults.docker_endpoint.clone(),
            admin_url: stack.admin_url.clone(),
            catalog_db: stack.catalog_db.clone(),
            redis_url: stack.config.redis_url.clone(),
            queue_prefix: stack.config.queue_prefix.clone(),
        }
    }

    /// Removes everything; each part is tried even when another fails.
    pub(crate) async fn remove(&self) {
        let steps = [
            (
                "containers and volumes",
                tokio::time::timeout(STEP_TIMEOUT, self.remove_docker()).await,
            ),
            (
                "catalog database",
                tokio::time::timeout(STEP_TIMEOUT, self.drop_catalog()).await,
            ),
            (
                "queue keys",
                tokio::time::timeout(STEP_TIMEOUT, self.remove_queue_keys()).await,
            ),
        ];
        for (what, outcome) in steps {
            let error = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e,
                Err(_) => format!("no answer in {STEP_TIMEOUT:?}"),
            };
            eprintln!("teardown of {}: {what} not removed: {error}", self.deployment);
        }
    }

    fn label_filter(&self) -> HashMap<String, Vec<String>> {
        HashMap::from([(
            "label".to_string(),
            vec![format!("dbaas.deployment={}", self.deployment)],
        )])
    }

    async fn remove_docker(&self) -> Result<(), String> {
        let docker = bollard::Docker::connect_with_host(&self.docker_endpoint)
            .map_err(|e| e.to_string())?
            .negotiate_version()
            .await
            .map_err(|e| e.to_string())?;
        let filters = self.label_filter();
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let containers = docker.list_containers(Some(options)).await.map_err(|e| e.to_string())?;
        let mut errors = Vec::new();
        for id in containers.into_iter().filter_map(|c| c.id) {
            let options = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
            if let Err(e) = docker.remove_container(&id, Some(options)).await {
                errors.push(format!("container {id}: {e}"));
            }
        }
        let options = ListVolumesOptionsBuilder::default().filters(&filters).build();
        let volumes = docker.list_volumes(Some(options)).await.map_err(|e| e.to_string())?;
        for volume in volumes.volumes.unwrap_or_default() {
            if let Err(e) = docker.remove_volume(&volume.name, None::<RemoveVolumeOptions>).await {
                errors.push(format!("volume {}: {e}", volume.name));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    async fn drop_catalog(&self) -> Result<(), String> {
        let admin = pg_connect(&self.admin_url).await.map_err(|e| e.to_string())?;
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.catalog_db))
            .await
            .map_err(|e| e.to_string())
    }

    async fn remove_queue_keys(&self) -> Result<(), String> {
        let client = redis::Client::open(self.redis_url.as_str()).map_err(|e| e.to_string())?;
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| e.to_string())?;
        let keys = redis_keys(&mut conn, &self.queue_prefix)
            .await
            .map_err(|e| e.to_string())?;
        for batch in keys.chunks(500) {
            redis::cmd("UNLINK")
                .arg(batch)
                .query_async::<()>(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
        }
        let queues: Vec<String> = redis::cmd("ZRANGE")
            .arg(APALIS_QUEUES)
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        let ours: Vec<&String> = queues.iter().filter(|q| q.starts_with(&self.queue_prefix)).collect();
        if !ours.is_empty() {
            redis::cmd("ZREM")
                .arg(APALIS_QUEUES)
                .arg(ours)
                .query_async::<()>(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
