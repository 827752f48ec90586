//! What a stack removes when it goes away, and only that: the containers and volumes labelled
//! with its own `dbaas.deployment` (never everything `dbaas.managed`: `make up` shares the
//! engine), its catalog database, and the Redis keys under its own queue prefix (never a
//! FLUSHDB: the Redis is shared too).
//!
//! [`TestStack::cleanup`] runs it on the test's runtime. A stack dropped without it (a failed
//! assertion, an early return) runs it from `Drop`, which is synchronous: blocking on the test's
//! runtime there panics, so it runs on a thread of its own with a small runtime of its own, and
//! the drop waits for it. What cannot be removed fails the test in `cleanup`; from `Drop` it is
//! only reported on stderr (a panic while a failed test unwinds would abort the whole test
//! binary), and `scripts/test.sh` reaps containers left for over an hour.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder, RemoveVolumeOptions,
};
use tokio::task::JoinHandle;

use crate::services::{pg_connect, redis_keys};
use crate::waiting::retry;
use crate::TestStack;

/// How long a removal is tried again, so that a backing service that is down or hangs does
/// not hang the test run.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

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

    /// Removes everything; each part is tried even when another fails, and tried again for
    /// a while when it fails (a DROP DATABASE ... WITH (FORCE) is refused while autovacuum,
    /// which our role may not terminate, works on a catalog just migrated). Returns what could
    /// not be removed, and why.
    pub(crate) async fn remove(&self) -> Vec<String> {
        let every = Duration::from_millis(500);
        let steps = [
            ("containers and volumes", {
                let removal = retry(STEP_TIMEOUT, every, || self.remove_docker());
                tokio::time::timeout(STEP_TIMEOUT * 2, removal).await
            }),
            ("catalog database", {
                let removal = retry(STEP_TIMEOUT, every, || self.drop_catalog());
                tokio::time::timeout(STEP_TIMEOUT * 2, removal).await
            }),
            ("queue keys", {
                let removal = retry(STEP_TIMEOUT, every, || self.remove_queue_keys());
                tokio::time::timeout(STEP_TIMEOUT * 2, removal).await
            }),
        ];
        let mut left = Vec::new();
        for (what, outcome) in steps {
            let error = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e,
                Err(_) => format!("no answer in {:?}", STEP_TIMEOUT * 2),
            };
            left.push(format!("teardown of {}: {what} not removed: {error}", self.deployment));
        }
        left
    }

    /// [`Self::remove`] from synchronous code, after [`stop_tasks`], on a thread and runtime
    /// of its own; returns when it is done.
    pub(crate) fn remove_blocking(self, tasks: Vec<JoinHandle<()>>, grace: Duration) {
        let deployment = self.deployment.clone();
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the teardown");
            runtime.block_on(async {
                stop_tasks(tasks, grace).await;
                for failure in self.remove().await {
                    eprintln!("{failure}");
                }
            });
        })
        .join();
        if done.is_err() {
            eprintln!("teardown of {deployment}: the teardown thread panicked");
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
