//! Tasks: the record of work asked of the workers, visible to tenants.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::engines::settle_engine;
use super::lifecycle::settle_database;
use super::page::{load_page, Page, PageRequest};
use super::tx::TxError;
use super::{Store, StoreError, StoreResult};
use crate::model::{Claim, Task, TaskStatus};
use crate::schema::{databases, tasks};
use crate::secrets;

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

    /// Tasks queued for longer than `queued_for` (their job may have been lost on the way) and
    /// running tasks whose lease has run out (their worker died), on the catalog's clock.
    pub async fn task_list_stale(&self, queued_for: std::time::Duration) -> StoreResult<Vec<Task>> {
        let mut conn = self.conn().await?;
        let queued_before = catalog_now() - interval(queued_for);
        Ok(tasks::table
            .filter(
                (tasks::status
                    .eq(TaskStatus::Queued)
                    .and(tasks::updated_at.lt(queued_before)))
                .or(tasks::status.eq(TaskStatus::Running).and(lease_over())),
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

    /// Takes a task for the worker `holder`: a queued task, or a running one whose lease ran
    /// out (its worker died). `None`: another worker holds it, or it has ended. The lease is
    /// counted on the catalog's clock, from now.
    pub async fn task_claim(
        &self,
        id: i64,
        holder: &str,
        lease: std::time::Duration,
    ) -> StoreResult<Option<(Task, Claim)>> {
        let mut conn = self.conn().await?;
        let token = secrets::generate_token();
        let task = diesel::update(
            tasks::table.find(id).filter(
                tasks::status
                    .eq(TaskStatus::Queued)
                    .or(tasks::status.eq(TaskStatus::Running).and(lease_over())),
            ),
        )
        .set((
            tasks::status.eq(TaskStatus::Running),
            tasks::attempts.eq(tasks::attempts + 1),
            tasks::started_at.eq(catalog_now().nullable()),
            tasks::updated_at.eq(diesel::dsl::now),
            tasks::claim_token.eq(&token),
            tasks::claimed_by.eq(holder),
            tasks::lease_expires_at.eq((catalog_now() + interval(lease)).nullable()),
        ))
        .returning(Task::as_returning())
        .get_result(&mut conn)
        .await
        .optional()?;
        Ok(task.map(|task| {
            let claim = Claim {
                task_id: task.id,
                token,
            };
            (task, claim)
        }))
    }

    /// Renews the lease of a claim. `false`: the claim is gone (taken over, or the task ended).
    pub async fn task_renew(&self, claim: &Claim, lease: std::time::Duration) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let renewed = diesel::update(held(claim))
            .set((
                tasks::updated_at.eq(diesel::dsl::now),
                tasks::lease_expires_at.eq((catalog_now() + interval(lease)).nullable()),
            ))
            .execute(&mut conn)
            .await?;
        Ok(renewed == 1)
    }

    /// Marks a further attempt as started and returns the task as it now is.
    pub async fn task_attempt_started(&self, claim: &Claim) -> StoreResult<Task> {
        let mut conn = self.conn().await?;
        diesel::update(held(claim))
            .set((
                tasks::attempts.eq(tasks::attempts + 1),
                tasks::started_at.eq(catalog_now().nullable()),
                tasks::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Task::as_returning())
            .get_result(&mut conn)
            .await
            .optional()?
            .ok_or(StoreError::ClaimLost(claim.task_id))
    }

    /// Records an attempt's error while the task goes on (it will be tried again).
    pub async fn task_attempt_failed(&self, claim: &Claim, error: &str) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let updated = diesel::update(held(claim))
            .set((
                tasks::last_error.eq(clip(error)),
                tasks::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await?;
        if updated == 0 {
            return Err(StoreError::ClaimLost(claim.task_id));
        }
        Ok(())
    }

    /// Ends a task for good (with `error` as its last error when it failed) and, in the same
    /// transaction, moves its database to the status its kind ends in
    /// ([`TaskKind::ends_in`]): a client that sees the end state can act on it at once.
    pub async fn task_end(&self, claim: &Claim, succeeded: bool, error: Option<&str>) -> StoreResult<Task> {
        let mut conn = self.conn().await?;
        let status = if succeeded {
            TaskStatus::Succeeded
        } else {
            TaskStatus::Failed
        };
        let result = conn
            .transaction::<_, TxError, _>(async |conn| {
                let task = diesel::update(held(claim))
                    .set((
                        tasks::status.eq(status),
                        tasks::finished_at.eq(catalog_now().nullable()),
                        tasks::updated_at.eq(diesel::dsl::now),
                        tasks::claim_token.eq(None::<String>),
                        tasks::lease_expires_at.eq(None::<chrono::DateTime<chrono::Utc>>),
                    ))
                    .returning(Task::as_returning())
                    .get_result(conn)
                    .await
                    .optional()?
                    .ok_or(TxError::Refused(StoreError::ClaimLost(claim.task_id)))?;
                let task = match error {
                    Some(error) => {
                        diesel::update(tasks::table.find(task.id))
                            .set(tasks::last_error.eq(clip(error)))
                            .returning(Task::as_returning())
                            .get_result(conn)
                            .await?
                    }
                    None => task,
                };
                if let (Some(database_id), Some(end)) = (task.database_id, task.kind.ends_in(succeeded)) {
                    settle_database(conn, database_id, end).await?;
                }
                if let Some(engine_id) = task.engine_id {
                    settle_engine(conn, engine_id, task.kind, succeeded).await?;
                }
                Ok(task)
            })
            .await;
        result.map_err(|e| e.into_store(String::new))
    }

    /// Fails a task no worker can run (a kind from a newer release), without a claim.
    pub async fn task_fail_unclaimed(&self, id: i64, error: &str) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(tasks::table.find(id).filter(tasks::status.eq(TaskStatus::Queued)))
            .set((
                tasks::status.eq(TaskStatus::Failed),
                tasks::last_error.eq(clip(error)),
                tasks::finished_at.eq(catalog_now().nullable()),
                tasks::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}

/// The row of a task while a given claim holds it.
type Held = diesel::dsl::Filter<
    diesel::dsl::Find<tasks::table, i64>,
    diesel::dsl::And<diesel::dsl::Eq<tasks::status, TaskStatus>, diesel::dsl::Eq<tasks::claim_token, String>>,
>;

/// The task row while `claim` holds it.
fn held(claim: &Claim) -> Held {
    tasks::table.find(claim.task_id).filter(
        tasks::status
            .eq(TaskStatus::Running)
            .and(tasks::claim_token.eq(claim.token.clone())),
    )
}

/// A running task's lease has run out (or it was claimed before leases were recorded).
fn lease_over() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql("(tasks.lease_expires_at IS NULL OR tasks.lease_expires_at < now())")
}

/// The catalog's clock, the one clock leases are measured on.
fn catalog_now() -> diesel::expression::SqlLiteral<diesel::sql_types::Timestamptz> {
    diesel::dsl::sql("now()")
}

/// A duration as a SQL interval, for arithmetic on the catalog's clock.
fn interval(d: std::time::Duration) -> diesel::data_types::PgInterval {
    diesel::data_types::PgInterval::from_microseconds(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}
