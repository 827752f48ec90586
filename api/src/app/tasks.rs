//! Task operations.

use dbaas_core::model::{Task, TaskStatus};
use dbaas_core::store::{Caller, Page, PageRequest, TaskFilter};

use super::{App, AppError, AppResult};

/// Filters of a task list.
#[derive(Debug, Clone, Default)]
pub struct TaskListQuery {
    pub database: Option<i64>,
    pub status: Option<String>,
}

impl App {
    /// A task the caller may see: tasks are scoped by the team of their database.
    pub async fn task_get(&self, caller: &Caller, id: i64) -> AppResult<Task> {
        let task = self.store.task_get(id).await?;
        let visible = match task.database_id {
            Some(database_id) => caller.can_access_team(self.store.database_get(database_id).await?.team_id),
            None => caller.is_admin,
        };
        if !visible {
            return Err(AppError::NotFound("task"));
        }
        Ok(task)
    }

    pub async fn task_list(&self, caller: &Caller, query: TaskListQuery, page: PageRequest) -> AppResult<Page<Task>> {
        let status = match query.status.as_deref() {
            None => None,
            Some(raw) => Some(TaskStatus::parse(raw).ok_or_else(|| AppError::Invalid {
                field: Some("status"),
                message: format!("'{raw}' is not one of queued, running, succeeded, failed"),
            })?),
        };
        let filter = TaskFilter {
            teams_in: (!caller.is_admin).then(|| caller.team_ids.clone()),
            database_id: query.database,
            status,
        };
        Ok(self.store.task_list(filter, page).await?)
    }
}
