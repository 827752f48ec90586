//! Task operations.

use dbaas_core::model::Task;
use dbaas_core::store::Caller;

use super::{App, AppError, AppResult};

impl App {
    /// A task the caller may see: tasks are scoped by the team of their database.
    pub async fn task_get(&self, caller: &Caller, id: i64) -> AppResult<Task> {
        let task = self.store.task_get(id).await?;
        let visible = match task.database_id {
            Some(database_id) => {
                caller.can_access_team(self.store.database_get(database_id).await?.team_id)
            }
            None => caller.is_admin,
        };
        if !visible {
            return Err(AppError::NotFound("task"));
        }
        Ok(task)
    }
}
