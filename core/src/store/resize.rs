//! A database moved to another plan of its engine (`resize_database` tasks): the task started
//! alone on the database and its engine, and the new plan and limits recorded together.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::hosts::host_uses;
use super::tx::{insert_task_on, lock_idle_database, refuse_busy_engine, TaskOn, TxError};
use super::{Store, StoreError, StoreResult};
use crate::model::{does_not_fit, DatabaseStatus, Engine, Host, Placement, Plan, Task, TaskKind};
use crate::schema::{databases, engines, hosts, plans};

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
                let placement: Placement = engines::table
                    .find(engine_id)
                    .select(engines::placement)
                    .first(conn)
                    .await?;
                if placement == Placement::Shared {
                    return Err(TxError::Refused(StoreError::Conflict(
                        "the database shares its engine with others: a database of a shared plan is not resized alone"
                            .into(),
                    )));
                }
                refuse_busy_engine(conn, engine_id).await?;
                refuse_over_capacity(conn, engine_id, plan_id).await?;
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

/// Refuses a resize its engine's host has no room for: the host's use with this engine at the
/// new plan's limits instead of its own, under the host's row lock (as placement takes it).
async fn refuse_over_capacity(conn: &mut AsyncPgConnection, engine_id: i64, plan_id: i64) -> Result<(), TxError> {
    let engine: Engine = engines::table
        .find(engine_id)
        .select(Engine::as_select())
        .first(conn)
        .await?;
    let plan: Plan = plans::table.find(plan_id).select(Plan::as_select()).first(conn).await?;
    let host: Host = hosts::table
        .find(engine.host_id)
        .select(Host::as_select())
        .for_update()
        .first(conn)
        .await?;
    let mut used = host_uses(conn, &[host.id]).await?.remove(&host.id).unwrap_or_default();
    // This engine counts at its new limits, not its old ones; it is no new engine.
    used.engines -= 1;
    used.memory_bytes -= engine.memory_bytes;
    used.cpu_millis -= i64::from(engine.cpu_millis);
    if let Some(why) = does_not_fit(&host, used, plan.memory_bytes, i64::from(plan.cpu_millis)) {
        return Err(TxError::Refused(StoreError::Conflict(format!(
            "host '{}' has no room for this engine at plan '{}' ({} MiB, {} millicpus): {why}",
            host.name,
            plan.name,
            plan.memory_bytes >> 20,
            plan.cpu_millis
        ))));
    }
    Ok(())
}
