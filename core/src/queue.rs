//! The job queue between the api and the workers.
//!
//! A job carries only the id of its task: the catalog's `tasks` row says what to do (its
//! kind) and records how it went, so a job delivered twice reads the same task and ends in the
//! same state, and a task can be enqueued again from the catalog alone.
//!
//! Every push is announced on the deployment's [`wake_channel`], so that idle workers fetch at
//! once instead of on their next poll (`worker/src/wake.rs` listens). The announcement is a
//! hint, never the job: the job is in the queue before it is sent, and a worker that misses it
//! still finds the job on its next poll.

use apalis::prelude::TaskSink;
use apalis_redis::{ConnectionManager, RedisStorage};
use serde::{Deserialize, Serialize};

use crate::metrics::{Backend, BackendErrors};
use crate::model::{Database, Task, TaskKind};
use crate::store::{Store, StoreResult};

/// Run the task with this id.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Job {
    pub task_id: i64,
}

/// The queue's name under a deployment's prefix, so deployments can share a Redis.
pub fn queue_name(prefix: &str) -> String {
    format!("{prefix}:jobs")
}

/// The Redis channel on which each push is announced to the deployment's workers.
pub fn wake_channel(prefix: &str) -> String {
    format!("{prefix}:jobs:wake")
}

#[derive(Debug, thiserror::Error)]
#[error("the job queue is unavailable: {0}")]
pub struct QueueError(String);

/// A connection to the queue, shared by everything that enqueues.
#[derive(Clone)]
pub struct JobQueue {
    storage: RedisStorage<Job>,
    /// For announcing pushes; the storage's own connection is not reachable through `&self`.
    conn: ConnectionManager,
    wake_channel: String,
    /// Where failures to reach Redis are counted (the process's metrics).
    errors: BackendErrors,
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
            storage: storage(conn.clone(), prefix),
            conn,
            wake_channel: wake_channel(prefix),
            errors: BackendErrors::default(),
        })
    }

    /// Counts failures to reach Redis into `errors` (the process's metrics, shared with its
    /// [`Store`]). Call it before the queue is cloned.
    pub fn counting_errors(mut self, errors: BackendErrors) -> Self {
        self.errors = errors;
        self
    }

    /// Whether Redis answers now (readiness).
    pub async fn ping(&self) -> Result<(), QueueError> {
        let answer: Result<String, _> = redis::cmd("PING").query_async(&mut self.conn.clone()).await;
        answer.map(drop).map_err(|e| {
            self.errors.count(Backend::Redis);
            QueueError(e.to_string())
        })
    }

    /// Queues the job, then wakes the idle workers. A failed wake-up only costs latency (the
    /// job waits for a worker's next poll), so it is logged, not returned.
    pub async fn push(&self, task_id: i64) -> Result<(), QueueError> {
        self.storage.clone().push(Job { task_id }).await.map_err(|e| {
            self.errors.count(Backend::Redis);
            QueueError(e.to_string())
        })?;
        let woken: Result<u32, _> = redis::cmd("PUBLISH")
            .arg(&self.wake_channel)
            .arg(task_id)
            .query_async(&mut self.conn.clone())
            .await;
        if let Err(e) = woken {
            self.errors.count(Backend::Redis);
            tracing::warn!(task_id, error = %e, "queued, but could not wake the workers; they find it on their next poll");
        }
        Ok(())
    }

    /// Hands a recorded task to the workers. A failed push is not the caller's failure: the
    /// task is in the catalog, and the workers enqueue again what stays queued.
    pub async fn enqueue(&self, task: &Task) {
        if let Err(e) = self.push(task.id).await {
            tracing::warn!(task_id = task.id, error = %e, "could not enqueue; the task will be requeued");
        }
    }

    /// Records a task on an idle database in a status its kind starts from (moving it to the
    /// kind's transitional status in the same transaction, [`TaskKind::starts_from`]) and
    /// hands it to the workers: the one way work on an existing database starts, from the api
    /// and from periodic work alike.
    pub async fn start_task(&self, store: &Store, database_id: i64, kind: TaskKind) -> StoreResult<(Database, Task)> {
        let (database, task) = store.database_task_start(database_id, kind).await?;
        self.enqueue(&task).await;
        Ok((database, task))
    }
}

/// How often a worker tells Redis it is alive; a worker silent for `MISSED_HEARTBEATS` of
/// these is dead, and its jobs go back to the queue.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(5);
const MISSED_HEARTBEATS: usize = 6;

/// The storage behind the queue, for pushing and for consuming.
pub fn storage(conn: ConnectionManager, prefix: &str) -> RedisStorage<Job> {
    let config = apalis_redis::Config::default()
        .queue(queue_name(prefix))
        .heartbeat_interval(HEARTBEAT)
        .missed_heartbeats(MISSED_HEARTBEATS);
    RedisStorage::new(conn).with_config(config)
}
