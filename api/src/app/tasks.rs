//! Tasks: reading them, and the one place operations hand work to the workers and wait for
//! it. A recorded task goes to the queue with `JobQueue::enqueue`, or with
//! `JobQueue::start_task` when it is work on an existing database; a call that answers with
//! the result (a password reset, ...) then waits briefly with [`App::task_settle`], while the
//! work itself stays in the worker.

use std::time::{Duration, Instant};

use dbaas_core::model::{Task, TaskStatus};
use dbaas_core::store::{Caller, Page, PageRequest, TaskFilter};

use super::{validate, App, AppError, AppResult};

const POLL: Duration = Duration::from_millis(20);

/// Filters of a task list.
#[derive(Debug, Clone, Default)]
pub struct TaskListQuery {
    pub database: Option<i64>,
    pub status: Option<String>,
}

/// The outcome of a call that waits for its task: done, or still under way.
#[derive(Debug, Clone)]
pub enum Waited<T> {
    Done(T),
    // Boxed: a task is large beside most answers.
    Pending(Box<Task>),
}

fn task_failed(task: &Task) -> AppError {
    AppError::Unavailable(format!(
        "task {} failed: {}",
        task.id,
        task.last_error.as_deref().unwrap_or("no reason recorded")
    ))
}

impl App {
    /// A task the caller may see: tasks are scoped by the team of their database.
    pub async fn task_get(&self, caller: &Caller, id: i64) -> AppResult<Task> {
        let task = self.store.task_get(id).await?;
        let visible = match task.database_id {
            Some(database_id) => caller.can_read_team(self.store.database_get(database_id).await?.team_id),
            // Work on an engine: for those who run them.
            None => caller.runs_fleet(),
        };
        if !visible {
            return Err(AppError::NotFound("task"));
        }
        Ok(task)
    }

    pub async fn task_list(&self, caller: &Caller, query: TaskListQuery, page: PageRequest) -> AppResult<Page<Task>> {
        let status = query.status.as_deref().map(validate::task_status).transpose()?;
        let filter = TaskFilter {
            teams_in: (!caller.reads_every_team()).then(|| caller.team_ids.clone()),
            database_id: query.database,
            status,
        };
        Ok(self.store.task_list(filter, page).await?)
    }

    /// The task once it has ended, or as it is when `self.config.request_wait` has passed.
    pub async fn task_wait(&self, task_id: i64) -> AppResult<Task> {
        let deadline = Instant::now() + self.config.request_wait;
        loop {
            let task = self.store.task_get(task_id).await?;
            if task.status.has_ended() || Instant::now() >= deadline {
                return Ok(task);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits briefly for an enqueued task: done once it succeeded, pending while it is still
    /// under way; a failed task is the call's failure.
    pub(super) async fn task_settle(&self, task: &Task) -> AppResult<Waited<()>> {
        let task = self.task_wait(task.id).await?;
        match task.status {
            TaskStatus::Succeeded => Ok(Waited::Done(())),
            TaskStatus::Failed => Err(task_failed(&task)),
            TaskStatus::Queued | TaskStatus::Running => Ok(Waited::Pending(Box::new(task))),
        }
    }
}
