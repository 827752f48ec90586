//! Operators' actions on engines (restart, stop, start, upgrade) and reconciler rounds asked
//! for now. An action on an engine is a task on the engine and on the database it serves, so
//! that it runs alone on that database, like every task: nothing else (a recovery, a destroy,
//! a quarantine) starts there while it works, and it does not start while another does.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::tx::{first_database_of, insert_task_on, lock_idle_database, refuse_busy_engine, TaskOn, TxError};
use super::{Store, StoreError, StoreResult};
use crate::model::{Database, Engine, EngineDesired, EngineState, Task, TaskKind, TaskStatus};
use crate::schema::{engines, tasks};

impl Store {
    /// Records an operator's action of `kind` on an engine serving a database, with the
    /// engine's new desired state where the action sets one (a stop from the moment it is
    /// accepted, so that nothing recovers the engine meanwhile; a start likewise).
    pub async fn engine_action_start(
        &self,
        engine_id: i64,
        kind: TaskKind,
        target_image: Option<&str>,
    ) -> StoreResult<Task> {
        let (allowed, _) = kind.starts_from();
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError, _>(async |conn| {
                let engine: Engine = engines::table
                    .find(engine_id)
                    .select(Engine::as_select())
                    .for_update()
                    .first(conn)
                    .await
                    .optional()?
                    .ok_or(TxError::Refused(StoreError::NotFound("engine")))?;
                let action = kind.as_str().replace('_', " ");
                if engine.state != EngineState::Assigned || !engine.was_provisioned() {
                    return Err(TxError::Refused(StoreError::Conflict(format!(
                        "the engine is {}: only an engine serving a database can be asked to {action}",
                        engine.state
                    ))));
                }
                refuse_busy_engine(conn, engine_id).await?;
                let database_id = first_database_of(conn, engine_id, || {
                    format!("the engine serves no database, so it cannot be asked to {action}")
                })
                .await?;
                let database: Database = lock_idle_database(conn, database_id).await?;
                if !allowed.contains(&database.status) {
                    return Err(TxError::Refused(StoreError::Conflict(format!(
                        "its database is {}, so the engine cannot be asked to {action}",
                        database.status
                    ))));
                }
                if engine.stopped_by_operator() && matches!(kind, TaskKind::RestartEngine | TaskKind::UpgradeEngine) {
                    return Err(TxError::Refused(StoreError::Conflict(format!(
                        "the engine was stopped by an operator: start it before asking it to {action}"
                    ))));
                }
                let on = TaskOn {
                    engine_id: Some(engine_id),
                    target_image,
                    ..TaskOn::default()
                };
                let task = insert_task_on(conn, kind, database_id, on).await?;
                let desired = match kind {
                    TaskKind::StopEngine => Some(EngineDesired::Stopped),
                    TaskKind::ResumeEngine => Some(EngineDesired::Running),
                    _ => None,
                };
                if let Some(desired) = desired {
                    diesel::update(engines::table.find(engine_id))
                        .set((engines::desired.eq(desired), engines::updated_at.eq(diesel::dsl::now)))
                        .execute(conn)
                        .await?;
                }
                Ok(task)
            })
            .await;
        result.map_err(|e| e.into_store(String::new))
    }

    /// Records that an upgrade moved an engine to `image`.
    pub async fn engine_set_image(&self, engine_id: i64, image: &str) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(engines::table.find(engine_id))
            .set((engines::image.eq(image), engines::updated_at.eq(diesel::dsl::now)))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// A reconciler round to run now: the one already asked for and not yet started, else a
    /// new one (asking many times while one waits asks for one round).
    pub async fn reconcile_task_start(&self) -> StoreResult<(Task, bool)> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError, _>(async |conn| {
                // One asker at a time, so that two never both find none waiting.
                diesel::sql_query("SELECT pg_advisory_xact_lock(4216001)")
                    .execute(conn)
                    .await?;
                let waiting: Option<Task> = tasks::table
                    .filter(tasks::kind.eq(TaskKind::Reconcile))
                    .filter(tasks::status.eq(TaskStatus::Queued))
                    .select(Task::as_select())
                    .first(conn)
                    .await
                    .optional()?;
                if let Some(task) = waiting {
                    return Ok((task, false));
                }
                let task = diesel::insert_into(tasks::table)
                    .values((
                        tasks::kind.eq(TaskKind::Reconcile),
                        tasks::status.eq(TaskStatus::Queued),
                    ))
                    .returning(Task::as_returning())
                    .get_result(conn)
                    .await?;
                Ok((task, true))
            })
            .await;
        result.map_err(|e| e.into_store(String::new))
    }
}

pub(crate) async fn latest_tasks(conn: &mut super::Conn, engine_ids: &[i64]) -> StoreResult<Vec<Task>> {
    Ok(tasks::table
        .filter(tasks::engine_id.eq_any(engine_ids))
        .distinct_on(tasks::engine_id)
        .order((tasks::engine_id, tasks::id.desc()))
        .select(Task::as_select())
        .load(conn)
        .await?)
}
