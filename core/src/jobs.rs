//! The jobs the api enqueues and the worker runs: typed payloads with stable queue names.
//!
//! The catalog's `tasks` row is the record a tenant sees; the job only carries its id, so a
//! job run twice reads the same task and ends in the same state.

use apalis::prelude::TaskSink;
use apalis_redis::{ConnectionManager, RedisStorage};
use serde::{Deserialize, Serialize};

/// Provisions a database recorded by the api: container, database, owner role, password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProvisionDatabase {
    pub task_id: i64,
    pub database_id: i64,
}

impl ProvisionDatabase {
    pub const QUEUE: &'static str = "provision-database";
}

#[derive(Debug, thiserror::Error)]
#[error("the job queue is unavailable: {0}")]
pub struct QueueError(String);

/// Full queue name: the deployment's prefix keeps deployments sharing a Redis apart.
pub fn queue_name(prefix: &str, queue: &str) -> String {
    format!("{prefix}:{queue}")
}

/// A connection to the queues, shared by everything that enqueues.
#[derive(Clone)]
pub struct JobQueue {
    provision: RedisStorage<ProvisionDatabase>,
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JobQueue(..)")
    }
}

impl JobQueue {
    pub async fn connect(redis_url: &str, prefix: &str) -> Result<Self, QueueError> {
        let conn = apalis_redis::connect(redis_url)
            .await
            .map_err(|e| QueueError(e.to_string()))?;
        Ok(Self {
            provision: provision_storage(conn, prefix),
        })
    }

    pub async fn push_provision(&self, job: ProvisionDatabase) -> Result<(), QueueError> {
        self.provision
            .clone()
            .push(job)
            .await
            .map_err(|e| QueueError(e.to_string()))
    }
}

/// The storage behind the provisioning queue, for pushing and for consuming.
pub fn provision_storage(conn: ConnectionManager, prefix: &str) -> RedisStorage<ProvisionDatabase> {
    let config =
        apalis_redis::Config::default().queue(queue_name(prefix, ProvisionDatabase::QUEUE));
    RedisStorage::new(conn).with_config(config)
}
