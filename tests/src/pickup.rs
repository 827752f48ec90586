//! Push → start: how long a job waits in the queue before a worker's handler begins it.
//!
//! "Begins" is the handler's claim of the task, its first step, which the catalog records as
//! the task's `started_at` (on the catalog's clock; the catalog runs on this machine, so that
//! is the clock the push instant is read from). The task is one whose job starts and then
//! fails at once (a credential deletion naming no credential), so the runs measure the queue
//! and not the work.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dbaas_core::queue::JobQueue;

use crate::{retry, TestStack};

/// How long a run may wait for its job to start before the measurement gives up.
const GIVE_UP: Duration = Duration::from_secs(60);

/// A connection to `stack`'s queue, as the api has.
pub async fn queue_of(stack: &TestStack) -> JobQueue {
    JobQueue::connect(&stack.config.redis_url, &stack.config.queue_prefix)
        .await
        .expect("the stack's queue")
}

/// Records a task, pushes its job, and answers the time from the push to its start.
pub async fn push_to_start(stack: &TestStack, queue: &JobQueue) -> Duration {
    let catalog = stack.catalog().await;
    let task: i64 = catalog
        .query_one(
            "INSERT INTO tasks (kind, status) VALUES ('delete_credential', 'queued') RETURNING id",
            &[],
        )
        .await
        .expect("a task")
        .get(0);
    let pushed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    queue.push(task).await.expect("push");
    let started: f64 = retry(GIVE_UP, Duration::from_millis(2), || async {
        let row = catalog
            .query_one(
                "SELECT extract(epoch FROM started_at)::float8 FROM tasks WHERE id = $1",
                &[&task],
            )
            .await
            .expect("the task");
        row.get::<_, Option<f64>>(0).ok_or(())
    })
    .await
    .unwrap_or_else(|()| panic!("task {task} did not start within {GIVE_UP:?}"));
    Duration::from_secs_f64((started - pushed).max(0.0))
}

/// How many clients of the stack's Redis are subscribed to `stack`'s job wake-ups.
pub async fn wake_subscribers(stack: &TestStack) -> i64 {
    let client = redis::Client::open(stack.config.redis_url.as_str()).expect("redis url");
    let mut conn = client.get_multiplexed_async_connection().await.expect("redis");
    let channel = dbaas_core::queue::wake_channel(&stack.config.queue_prefix);
    let (_, count): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(&channel)
        .query_async(&mut conn)
        .await
        .expect("PUBSUB NUMSUB");
    count
}
