//! Moves and drains: a database's engine moved, with its data, to another host of its
//! environment (a `move_database` task on the database and on its engine, with the incoming
//! engine recorded on the new host before the task starts), the switch that makes the new
//! engine the database's, and a host drained of its engines.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::hosts::{choose_host, Among};
use super::pool::insert_engine_task;
use super::tx::{
    first_database_of, insert_task_on, lock_database, lock_idle_database, refuse_busy_engine, TaskOn, TxError,
};
use super::{live_databases, Store, StoreError, StoreResult};
use crate::model::{
    Database, DatabaseMove, DatabaseStatus, Engine, EngineState, Host, HostState, NewAuditRecord, NewDatabaseMove,
    Plan, Task, TaskKind, TaskStatus,
};
use crate::schema::{audit_records, database_moves, databases, engines, hosts, plans, tasks};

use super::engines::{new_uid, NewEngine};

/// How long a drain leaves an engine alone after a move of it failed, before it tries again.
const RETRY_FAILED_MOVE_AFTER: &str = "5 minutes";

/// What one step of a drain did.
#[derive(Debug)]
pub struct DrainStep {
    /// The host, draining (or, once empty, cordoned).
    pub host: Host,
    /// The moves started now, to enqueue.
    pub moves: Vec<Task>,
    /// The removals of pooled engines started now, to enqueue.
    pub removals: Vec<Task>,
    /// Engines that stay for now, each with why (a task at work on its database, no room
    /// elsewhere, a move that failed lately).
    pub waiting: Vec<String>,
    /// Engines still on the host (removed ones not counted).
    pub remaining: i64,
}

impl Store {
    /// Records a move of a database's engine to another host of its environment, on
    /// another Docker engine: `to`, where an admin named one, else the host placement
    /// chooses for an engine of the same image and limits. The incoming engine is recorded
    /// on that host (its room taken from now on), with the `move_database` task on the
    /// database and its engine, so that nothing else works on either meanwhile.
    pub async fn database_move_start(&self, database_id: i64, to: Option<i64>) -> StoreResult<Task> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError, _>(async |conn| start_move(conn, database_id, to, false).await)
            .await;
        result.map_err(|e| e.into_store(|| "the incoming engine's uid is taken".into()))
    }

    /// Records a move of a shared engine as a whole (a drain's), with every live database in
    /// it: all must be idle and ready or quarantined. The task is on the first of them and on
    /// the engine, which holds every database of the engine until it ends.
    pub async fn engine_move_start(&self, engine_id: i64) -> StoreResult<Task> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError, _>(async |conn| {
                let first =
                    first_database_of(conn, engine_id, || format!("engine {engine_id} serves no database")).await?;
                start_move(conn, first, None, true).await
            })
            .await;
        result.map_err(|e| e.into_store(|| "the incoming engine's uid is taken".into()))
    }

    /// Makes the verified incoming engine the database's, in one transaction: the database
    /// references it, it is `assigned`, the old engine is `retiring` with a `remove_engine`
    /// task (returned, to enqueue), the move is recorded, and the audit trail says so. Found
    /// done (an earlier run switched), it does nothing.
    pub async fn database_move_switch(&self, record: NewDatabaseMove) -> StoreResult<Vec<Task>> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, diesel::result::Error, _>(async |conn| {
                let database = lock_database(conn, record.database_id).await?;
                if database.engine_id == Some(record.to_engine_id) {
                    return Ok(Vec::new());
                }
                // A shared engine's databases all move with it.
                let live_on_from = databases::table
                    .filter(databases::engine_id.eq(record.from_engine_id))
                    .filter(databases::status.ne(DatabaseStatus::Deleted));
                let moved: Vec<(i64, i64)> = diesel::update(live_on_from)
                    .set((
                        databases::engine_id.eq(record.to_engine_id),
                        databases::updated_at.eq(diesel::dsl::now),
                    ))
                    .returning((databases::id, databases::team_id))
                    .get_results(conn)
                    .await?;
                diesel::update(engines::table.find(record.to_engine_id))
                    .set((
                        engines::state.eq(EngineState::Assigned),
                        engines::assigned_at.eq(Some(chrono::Utc::now())),
                        engines::updated_at.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await?;
                diesel::update(engines::table.find(record.from_engine_id))
                    .set((
                        engines::state.eq(EngineState::Retiring),
                        engines::updated_at.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await?;
                for (database_id, team_id) in moved {
                    diesel::insert_into(audit_records::table)
                        .values(NewAuditRecord {
                            actor_id: None,
                            actor_name: "dbaas-worker".into(),
                            client_address: String::new(),
                            operation: "database_moved".into(),
                            method: "TASK".into(),
                            resource: format!("/api/database/{database_id}"),
                            team_id: Some(team_id),
                            status: Some(200),
                        })
                        .execute(conn)
                        .await?;
                    diesel::insert_into(database_moves::table)
                        .values(&NewDatabaseMove {
                            database_id,
                            ..record.clone()
                        })
                        .execute(conn)
                        .await?;
                }
                Ok(vec![
                    insert_engine_task(conn, TaskKind::RemoveEngine, record.from_engine_id).await?,
                ])
            })
            .await;
        Ok(result?)
    }

    /// A database's moves, oldest first.
    pub async fn database_moves(&self, database_id: i64) -> StoreResult<Vec<DatabaseMove>> {
        let mut conn = self.conn().await?;
        Ok(database_moves::table
            .filter(database_moves::database_id.eq(database_id))
            .order(database_moves::id)
            .select(DatabaseMove::as_select())
            .load(&mut conn)
            .await?)
    }

    /// One step of draining a host: it is `draining` (placement skips it), its pooled engines
    /// are retired, and a move starts for each engine whose database is idle; the others wait
    /// for the next step (the reconciler takes one per pass). Once no engine is left, the host
    /// is `cordoned`.
    pub async fn host_drain(&self, host_id: i64) -> StoreResult<DrainStep> {
        let mut conn = self.conn().await?;
        let host: Host = diesel::update(hosts::table.find(host_id).filter(hosts::deleted_at.is_null()))
            .set((
                hosts::state.eq(HostState::Draining),
                hosts::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Host::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::lookup("host"))?;
        drop(conn);
        let on_it = self.engines_on(host_id).await?;
        let mut step = DrainStep {
            host,
            moves: Vec::new(),
            removals: Vec::new(),
            waiting: Vec::new(),
            // Moves and retirements remove nothing yet: what was on the host is still there.
            remaining: i64::try_from(
                on_it
                    .iter()
                    .map(|(e, _)| e.id)
                    .collect::<std::collections::HashSet<_>>()
                    .len(),
            )
            .unwrap_or(i64::MAX),
        };
        let pooled: Vec<i64> = on_it
            .iter()
            .filter(|(e, _)| e.state == EngineState::Pooled)
            .map(|(e, _)| e.id)
            .collect();
        if !pooled.is_empty() {
            step.removals = self.pool_retire(&pooled).await?;
        }
        let failed_lately = self.engines_with_failed_move(host_id).await?;
        let mut shared_seen = Vec::new();
        for (engine, database) in &on_it {
            match (engine.state, database) {
                (EngineState::Assigned, Some(_)) if failed_lately.contains(&engine.id) => step
                    .waiting
                    .push(format!("engine {}: its last move failed; tried again later", engine.id)),
                // A shared engine moves as a whole, once.
                (EngineState::Assigned, Some(_)) if engine.is_shared() => {
                    if shared_seen.contains(&engine.id) {
                        continue;
                    }
                    shared_seen.push(engine.id);
                    match self.engine_move_start(engine.id).await {
                        Ok(task) => step.moves.push(task),
                        Err(e) => step.waiting.push(format!("shared engine {}: {e}", engine.id)),
                    }
                }
                (EngineState::Assigned, Some(database_id)) => {
                    match self.database_move_start(*database_id, None).await {
                        Ok(task) => step.moves.push(task),
                        Err(e) => step.waiting.push(format!("database {database_id}: {e}")),
                    }
                }
                (EngineState::Assigned, None) => step
                    .waiting
                    .push(format!("engine {}: it serves no database", engine.id)),
                _ => {}
            }
        }
        if step.remaining == 0 {
            let mut conn = self.conn().await?;
            let cordoned = diesel::update(hosts::table.find(host_id).filter(hosts::state.eq(HostState::Draining)))
                .set((
                    hosts::state.eq(HostState::Cordoned),
                    hosts::updated_at.eq(diesel::dsl::now),
                ))
                .returning(Host::as_returning())
                .get_result(&mut conn)
                .await
                .optional()?;
            if let Some(host) = cordoned {
                step.host = host;
            }
        }
        Ok(step)
    }

    /// A host's engines that are not removed, each with the live database it serves.
    async fn engines_on(&self, host_id: i64) -> StoreResult<Vec<(Engine, Option<i64>)>> {
        let mut conn = self.conn().await?;
        Ok(engines::table
            .left_join(
                databases::table.on(databases::engine_id
                    .eq(engines::id.nullable())
                    .and(databases::status.ne(DatabaseStatus::Deleted))),
            )
            .filter(engines::host_id.eq(host_id))
            .filter(engines::state.ne(EngineState::Removed))
            .order(engines::id)
            .select((Engine::as_select(), databases::id.nullable()))
            .load(&mut conn)
            .await?)
    }

    /// A host's engines a move of which failed lately.
    async fn engines_with_failed_move(&self, host_id: i64) -> StoreResult<Vec<i64>> {
        let mut conn = self.conn().await?;
        Ok(tasks::table
            .inner_join(engines::table.on(tasks::engine_id.eq(engines::id.nullable())))
            .filter(engines::host_id.eq(host_id))
            .filter(tasks::kind.eq(TaskKind::MoveDatabase))
            .filter(tasks::status.eq(TaskStatus::Failed))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                "tasks.finished_at > now() - interval '{RETRY_FAILED_MOVE_AFTER}'"
            )))
            .select(engines::id)
            .distinct()
            .load(&mut conn)
            .await?)
    }
}

/// `whole_engine`: a shared engine moves with every database in it (a drain); else a
/// database of a shared engine does not move alone.
async fn start_move(
    conn: &mut AsyncPgConnection,
    database_id: i64,
    to: Option<i64>,
    whole_engine: bool,
) -> Result<Task, TxError> {
    let refuse = |why: String| TxError::Refused(StoreError::Conflict(why));
    let (allowed, _) = TaskKind::MoveDatabase.starts_from();
    let database: Database = lock_idle_database(conn, database_id).await?;
    if !allowed.contains(&database.status) {
        return Err(refuse(format!(
            "the database is {}: only a ready or quarantined database can be moved",
            database.status
        )));
    }
    let engine_id = database
        .engine_id
        .ok_or_else(|| refuse("the database has no engine to move".into()))?;
    let engine: Engine = engines::table
        .find(engine_id)
        .select(Engine::as_select())
        .for_update()
        .first(conn)
        .await?;
    if engine.state != EngineState::Assigned || !engine.was_provisioned() {
        return Err(refuse(format!("its engine is {}, so it cannot be moved", engine.state)));
    }
    if engine.stopped_by_operator() {
        return Err(refuse(
            "its engine was stopped by an operator: start it before moving it".into(),
        ));
    }
    if engine.is_shared() && !whole_engine {
        return Err(refuse(
            "the database shares its engine with others: a database of a shared plan does not move alone \
             (draining its host moves its engine with every database in it)"
                .into(),
        ));
    }
    if engine.is_shared() {
        // Every database of the engine moves with it: each idle, each movable.
        let others: Vec<i64> = live_databases()
            .filter(databases::engine_id.eq(engine_id))
            .filter(databases::id.ne(database_id))
            .select(databases::id)
            .order(databases::id)
            .load(conn)
            .await?;
        for other in others {
            let other = lock_idle_database(conn, other).await?;
            if !allowed.contains(&other.status) {
                return Err(refuse(format!(
                    "database {} of the shared engine is {}: the engine moves once each is ready or quarantined",
                    other.id, other.status
                )));
            }
        }
    }
    refuse_busy_engine(conn, engine_id).await?;
    let from: Host = hosts::table
        .find(engine.host_id)
        .select(Host::as_select())
        .first(conn)
        .await?;
    // An engine of the same image and limits as the one it replaces, whatever its plan says
    // now: a move changes where, not what.
    let mut plan: Plan = plans::table
        .find(engine.plan_id)
        .select(Plan::as_select())
        .first(conn)
        .await?;
    plan.image.clone_from(&engine.image);
    plan.memory_bytes = engine.memory_bytes;
    plan.cpu_millis = engine.cpu_millis;
    let among = match to {
        Some(id) if id == from.id => {
            return Err(refuse(format!(
                "the database's engine is on host '{}' already",
                from.name
            )));
        }
        Some(id) => Among::Only(id),
        None => Among::AllBut(&from),
    };
    let host = choose_host(conn, database.environment_id, &plan, among)
        .await?
        .map_err(refuse)?;
    if host.docker_endpoint == from.docker_endpoint {
        return Err(refuse(format!(
            "host '{}' shares its Docker engine with host '{}': a move goes to another Docker engine",
            host.name, from.name
        )));
    }
    let incoming: Engine = diesel::insert_into(engines::table)
        .values(
            NewEngine::new(&plan, &host, &new_uid(), engine.names(), EngineState::Incoming).placed(engine.placement),
        )
        .returning(Engine::as_returning())
        .get_result(conn)
        .await?;
    let on = TaskOn {
        engine_id: Some(engine.id),
        target_engine_id: Some(incoming.id),
        ..TaskOn::default()
    };
    insert_task_on(conn, TaskKind::MoveDatabase, database_id, on).await
}
