//! A database moved to another plan of its engine (`resize_database` tasks): the task started
//! alone on the database and its engine, and the new plan and limits recorded together.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::tx::{insert_task_on, lock_idle_database, refuse_busy_engine, TaskOn, TxError};
use super::{Store, StoreError, StoreResult};
use crate::model::{DatabaseStatus, Plan, Task, TaskKind};
use crate::schema::{databases, engines};

impl Store {
    /// Records a resize of a `ready` database to `plan_id` on the engine that serves it, a
    /// task on both (so that no operator's action runs on the engine meanwhile): the task.
    pub async fn database_resize_start(
        &self,
        database_id: i64,
        engine_id: i64,
        plan_id: i64,
        allow_restart: bool,
    ) -> StoreResult<Task> {
        let (allowed, _) = TaskKind::ResizeDatabase.starts_from();
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError, _>(async |conn| {
                let database = lock_idle_database(conn, database_id).await?;
                if !allowed.contains(&database.status) {
                    return Err(TxError::Refused(StoreError::Conflict(format!(
                        "the database is {}: only a ready database can be resized",
                        database.status
                    ))));
                }
                if database.engine_id != Some(engine_id) {
                    return Err(TxError::Refused(StoreError::Conflict(
                        "the database moved to another engine meanwhile; ask again".into(),
                    )));
                }
                refuse_busy_engine(conn, engine_id).await?;
                let on = TaskOn {
                    engine_id: Some(engine_id),
                    target_plan_id: Some(plan_id),
                    allow_restart,
                    ..TaskOn::default()
                };
                insert_task_on(conn, TaskKind::ResizeDatabase, database_id, on).await
            })
            .await;
        result.map_err(|e| e.into_store(String::new))
    }

    /// Records that a database's engine now runs with `plan`'s limits, and the database is on
    /// `plan`; with `sized`, the engine's container was made again, its settings sized for
    /// them too.
    pub async fn database_resized(
        &self,
        database_id: i64,
        engine_id: i64,
        plan: &Plan,
        sized: bool,
    ) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            diesel::update(engines::table.find(engine_id))
                .set((
                    engines::plan_id.eq(plan.id),
                    engines::memory_bytes.eq(plan.memory_bytes),
                    engines::cpu_millis.eq(plan.cpu_millis),
                    engines::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
            if sized {
                diesel::update(engines::table.find(engine_id))
                    .set(engines::sized_memory_bytes.eq(plan.memory_bytes))
                    .execute(conn)
                    .await?;
            }
            diesel::update(
                databases::table
                    .find(database_id)
                    .filter(databases::status.ne(DatabaseStatus::Deleted)),
            )
            .set((
                databases::plan_id.eq(plan.id),
                databases::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
            Ok(())
        })
        .await
    }

    /// Records the memory an engine's new container was sized for (its settings fixed at
    /// start follow the limit it was made with).
    pub async fn engine_sized(&self, engine_id: i64, memory_bytes: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(engines::table.find(engine_id))
            .set(engines::sized_memory_bytes.eq(memory_bytes))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}
