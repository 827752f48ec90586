//! Tasks: the record of work asked of the workers, visible to tenants.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Store, StoreError, StoreResult};
use crate::model::{Task, TaskStatus};
use crate::schema::tasks;

/// Longest error text kept on a task.
const MAX_ERROR_LEN: usize = 2000;

fn clip(error: &str) -> String {
    error.chars().take(MAX_ERROR_LEN).collect()
}

impl Store {
    pub async fn task_get(&self, id: i64) -> StoreResult<Task> {
        let mut conn = self.conn().await?;
        tasks::table
            .find(id)
            .select(Task::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("task"))
    }

    /// Marks an attempt as started and returns the task as it now is.
    pub async fn task_attempt_started(&self, id: i64) -> StoreResult<Task> {
        let mut conn = self.conn().await?;
        diesel::update(tasks::table.find(id))
            .set((
                tasks::status.eq(TaskStatus::Running.as_str()),
                tasks::attempts.eq(tasks::attempts + 1),
                tasks::started_at.eq(Some(chrono::Utc::now())),
                tasks::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Task::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::lookup("task"))
    }

    /// Records an attempt's error while the task goes on (it will be tried again).
    pub async fn task_attempt_failed(&self, id: i64, error: &str) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(tasks::table.find(id))
            .set((
                tasks::last_error.eq(clip(error)),
                tasks::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Ends a task for good; a failure's reason is recorded first with [`Self::task_attempt_failed`].
    pub async fn task_finish(&self, id: i64, status: TaskStatus) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(tasks::table.find(id))
            .set((
                tasks::status.eq(status.as_str()),
                tasks::finished_at.eq(Some(chrono::Utc::now())),
                tasks::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}
