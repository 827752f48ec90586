//! Tasks: the record of work asked of the workers, visible to tenants.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::page::{load_page, Page, PageRequest};
use super::{Store, StoreError, StoreResult};
use crate::model::{Task, TaskStatus};
use crate::schema::{databases, tasks};

/// Longest error text kept on a task.
const MAX_ERROR_LEN: usize = 2000;

fn clip(error: &str) -> String {
    error.chars().take(MAX_ERROR_LEN).collect()
}

/// Which tasks a list shows.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// `Some`: only tasks on these teams' databases.
    pub teams_in: Option<Vec<i64>>,
    pub database_id: Option<i64>,
    pub status: Option<TaskStatus>,
}

impl Store {
    pub async fn task_list(&self, filter: TaskFilter, request: PageRequest) -> StoreResult<Page<Task>> {
        let mut conn = self.conn().await?;
        let query = || {
            let mut query = tasks::table.into_boxed();
            if let Some(teams) = &filter.teams_in {
                query = query.filter(
                    tasks::database_id.eq_any(
                        databases::table
                            .filter(databases::team_id.eq_any(teams.clone()))
                            .select(databases::id)
                            .into_boxed()
                            .nullable(),
                    ),
                );
            }
            if let Some(id) = filter.database_id {
                query = query.filter(tasks::database_id.eq(id));
            }
            if let Some(status) = filter.status {
                query = query.filter(tasks::status.eq(status));
            }
            query
        };
        Ok(load_page!(
            &mut conn,
            query,
            tasks::id,
            Task::as_select(),
            request,
            |t: &Task| t.id
        ))
    }

    /// Tasks queued before `queued_before` (their job may have been lost on the way) and
    /// tasks running but untouched since `running_before` (their worker died).
    pub async fn task_list_stale(
        &self,
        queued_before: chrono::DateTime<chrono::Utc>,
        running_before: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Vec<Task>> {
        let mut conn = self.conn().await?;
        Ok(tasks::table
            .filter(
                (tasks::status
                    .eq(TaskStatus::Queued)
                    .and(tasks::updated_at.lt(queued_before)))
                .or(tasks::status
                    .eq(TaskStatus::Running)
                    .and(tasks::updated_at.lt(running_before))),
            )
            .order(tasks::id)
            .select(Task::as_select())
            .load(&mut conn)
            .await?)
    }

    pub async fn task_get(&self, id: i64) -> StoreResult<Task> {
        let mut conn = self.conn().await?;
        tasks::table
            .find(id)
            .select(Task::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("task"))
    }

    /// The latest task that worked on a credential.
    pub async fn task_latest_for_credential(&self, credential_id: i64) -> StoreResult<Option<Task>> {
        let mut conn = self.conn().await?;
        Ok(tasks::table
            .filter(tasks::credential_id.eq(credential_id))
            .order(tasks::id.desc())
            .select(Task::as_select())
            .first(&mut conn)
            .await
            .optional()?)
    }

    /// Takes a task for one worker: a queued task, or a running one whose worker has not been
    /// heard of for `lease` (it died). `None`: another worker has it, or it has ended.
    pub async fn task_claim(&self, id: i64, lease: std::time::Duration) -> StoreResult<Option<Task>> {
        let mut conn = self.conn().await?;
        let expired = chrono::Utc::now() - chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        Ok(diesel::update(
            tasks::table.find(id).filter(
                tasks::status
                    .eq(TaskStatus::Queued)
                    .or(tasks::status.eq(TaskStatus::Running).and(tasks::updated_at.lt(expired))),
            ),
        )
        .set((
            tasks::status.eq(TaskStatus::Running),
            tasks::attempts.eq(tasks::attempts + 1),
            tasks::started_at.eq(Some(chrono::Utc::now())),
            tasks::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Task::as_returning())
        .get_result(&mut conn)
        .await
        .optional()?)
    }

    /// A running task's heartbeat: its worker is alive, so no other worker takes it over.
    pub async fn task_touch(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(tasks::table.find(id).filter(tasks::status.eq(TaskStatus::Running)))
            .set(tasks::updated_at.eq(diesel::dsl::now))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Marks an attempt as started and returns the task as it now is.
    pub async fn task_attempt_started(&self, id: i64) -> StoreResult<Task> {
        let mut conn = self.conn().await?;
        diesel::update(tasks::table.find(id))
            .set((
                tasks::status.eq(TaskStatus::Running),
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
                tasks::status.eq(status),
                tasks::finished_at.eq(Some(chrono::Utc::now())),
                tasks::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}
