//! Waiting briefly for a quick task, so that calls such as a password reset can answer with
//! the result, as the reference API does, while the work itself stays in the worker.

use std::time::{Duration, Instant};

use dbaas_core::model::{Task, TaskStatus};

use super::{App, AppResult};

const POLL: Duration = Duration::from_millis(20);

impl App {
    /// The task once it has ended, or as it is when `self.config.request_wait` has passed.
    pub async fn task_wait(&self, task_id: i64) -> AppResult<Task> {
        let deadline = Instant::now() + self.config.request_wait;
        loop {
            let task = self.store.task_get(task_id).await?;
            let ended = task.status == TaskStatus::Succeeded.as_str() || task.status == TaskStatus::Failed.as_str();
            if ended || Instant::now() >= deadline {
                return Ok(task);
            }
            tokio::time::sleep(POLL).await;
        }
    }
}
