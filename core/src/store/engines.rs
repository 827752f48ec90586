//! Engines: placing a database on one (a pooled engine taken at once, else one started for
//! it), the superuser's password, and the end of an engine.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::distr::{Alphanumeric, SampleString};

use super::hosts::{choose_host, Among};
use super::tx::{lock_database, TxError};
use super::{Store, StoreError, StoreResult};
use crate::model::{
    Database, Engine, EngineDesired, EngineKind, EngineNames, EngineState, Host, HostState, Placement, Plan, TaskKind,
};
use crate::schema::{databases, engines, hosts, plans};

/// A new engine's uid: short, lowercase, unique in practice (and by the unique index).
pub(crate) fn new_uid() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 12).to_lowercase()
}

/// A new engine row, made for `plan` in an environment, with what the plan now says.
#[derive(Insertable)]
#[diesel(table_name = engines)]
pub(crate) struct NewEngine {
    uid: String,
    environment_id: i64,
    host_id: i64,
    plan_id: i64,
    kind: EngineKind,
    image: String,
    memory_bytes: i64,
    cpu_millis: i32,
    container_name: String,
    volume_name: String,
    state: EngineState,
    placement: Placement,
}

impl NewEngine {
    /// The same engine, made for `placement` (a shared engine's or its move's target).
    pub(crate) fn placed(mut self, placement: Placement) -> Self {
        self.placement = placement;
        self
    }

    /// A dedicated engine (one database's, or a pooled one a database will take).
    pub(crate) fn new(plan: &Plan, host: &Host, uid: &str, names: EngineNames, state: EngineState) -> Self {
        Self {
            placement: Placement::Dedicated,
            uid: uid.to_owned(),
            environment_id: host.environment_id,
            host_id: host.id,
            plan_id: plan.id,
            kind: plan.engine,
            image: plan.image.clone(),
            memory_bytes: plan.memory_bytes,
            cpu_millis: plan.cpu_millis,
            container_name: names.container,
            volume_name: names.volume,
            state,
        }
    }
}

impl Store {
    pub async fn engine_get(&self, id: i64) -> StoreResult<Engine> {
        let mut conn = self.conn().await?;
        engines::table
            .find(id)
            .select(Engine::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("engine"))
    }

    /// The engine a database being provisioned runs on, found or chosen once (see [`place`]).
    pub async fn engine_place(&self, database: &Database, plan: &Plan) -> StoreResult<Engine> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError, _>(async |conn| place(conn, database.id, plan).await)
            .await;
        result.map_err(|e| e.into_store(|| "the engine's uid is taken".into()))
    }

    /// Stores the engine's sealed superuser password unless one is stored already, and returns
    /// the one that is: a resumed job must keep using the password the engine was set up with.
    pub async fn engine_admin_password(&self, id: i64, candidate: Vec<u8>) -> StoreResult<Vec<u8>> {
        let mut conn = self.conn().await?;
        diesel::update(engines::table.find(id).filter(engines::admin_password_enc.is_null()))
            .set(engines::admin_password_enc.eq(&candidate))
            .execute(&mut conn)
            .await?;
        let stored: Option<Vec<u8>> = engines::table
            .find(id)
            .select(engines::admin_password_enc)
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("engine"))?;
        stored.ok_or(StoreError::NotFound("engine"))
    }

    /// Stores a new superuser password as pending unless one is pending already, and returns
    /// the pending one: applied to the engine, then committed ([`Self::engine_admin_commit`]).
    pub async fn engine_admin_pending(&self, id: i64, candidate: Vec<u8>) -> StoreResult<Vec<u8>> {
        let mut conn = self.conn().await?;
        diesel::update(
            engines::table
                .find(id)
                .filter(engines::pending_admin_password_enc.is_null()),
        )
        .set(engines::pending_admin_password_enc.eq(&candidate))
        .execute(&mut conn)
        .await?;
        let pending: Option<Vec<u8>> = engines::table
            .find(id)
            .select(engines::pending_admin_password_enc)
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("engine"))?;
        pending.ok_or(StoreError::NotFound("engine"))
    }

    /// Makes the pending superuser password the engine's, once the engine has it.
    pub async fn engine_admin_commit(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(
            engines::table
                .find(id)
                .filter(engines::pending_admin_password_enc.is_not_null()),
        )
        .set((
            engines::admin_password_enc.eq(engines::pending_admin_password_enc),
            engines::pending_admin_password_enc.eq(None::<Vec<u8>>),
            engines::updated_at.eq(diesel::dsl::now),
        ))
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    /// Records that an engine's container and volume are gone: its port is free again.
    pub async fn engine_removed(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        set_state(&mut conn, id, EngineState::Removed).await?;
        Ok(())
    }

    /// The uids of the engines not removed on every host reached at `docker_endpoint` (hosts
    /// of several environments may share one Docker engine): their containers are claimed
    /// (pooled ones included).
    pub async fn engine_uids_claimed(&self, docker_endpoint: &str) -> StoreResult<Vec<String>> {
        let mut conn = self.conn().await?;
        Ok(engines::table
            .inner_join(hosts::table)
            .filter(hosts::docker_endpoint.eq(docker_endpoint))
            .filter(engines::state.ne(EngineState::Removed))
            .select(engines::uid)
            .load(&mut conn)
            .await?)
    }

    /// A host's engines in `state`, oldest first.
    pub async fn engine_list_in_state(&self, host_id: i64, state: EngineState) -> StoreResult<Vec<Engine>> {
        let mut conn = self.conn().await?;
        Ok(engines::table
            .filter(engines::host_id.eq(host_id))
            .filter(engines::state.eq(state))
            .order(engines::id)
            .select(Engine::as_select())
            .load(&mut conn)
            .await?)
    }
}

/// The engine a database runs on, found or chosen once: the one it has, else for a shared
/// plan a running engine of the plan with room ([`place_shared`]), else a pooled engine
/// of its plan and environment made as the plan now says, on a host that takes engines
/// (taken atomically: two databases never get the same engine), else a new engine row for a
/// cold start on the host placement chooses ([`choose_host`]), named after the database. In
/// the caller's transaction with the database's reference to it, so that a process killed at
/// any point leaves either no choice or one. No host with room: refused (409), nothing
/// recorded.
pub(crate) async fn place(conn: &mut AsyncPgConnection, database_id: i64, plan: &Plan) -> Result<Engine, TxError> {
    let database = lock_database(conn, database_id).await?;
    if let Some(id) = database.engine_id {
        return Ok(engines::table.find(id).select(Engine::as_select()).first(conn).await?);
    }
    let engine = if plan.is_shared() {
        place_shared(conn, database.environment_id, plan).await?
    } else if let Some(engine) = take_pooled(conn, database.environment_id, plan).await? {
        engine
    } else {
        let host = choose_host(conn, database.environment_id, plan, Among::All)
            .await?
            .map_err(|why| TxError::Refused(StoreError::Conflict(why)))?;
        diesel::insert_into(engines::table)
            .values(NewEngine::new(
                plan,
                &host,
                &database.uid,
                database.dedicated_engine_names(),
                EngineState::Assigned,
            ))
            .returning(Engine::as_returning())
            .get_result(conn)
            .await?
    };
    diesel::update(databases::table.find(database.id))
        .set((
            databases::engine_id.eq(engine.id),
            databases::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(engine)
}

/// The engines of `plan` in an environment made as the plan now says (engine, image and
/// limits), on a host that takes engines (active, not deleted, not found unreachable).
fn made_as_planned(
    plan: &Plan,
    environment_id: i64,
) -> Box<dyn BoxableExpression<engines::table, diesel::pg::Pg, SqlType = diesel::sql_types::Bool> + '_> {
    Box::new(
        engines::host_id
            .eq_any(
                hosts::table
                    .filter(hosts::state.eq(HostState::Active))
                    .filter(hosts::deleted_at.is_null())
                    .filter(hosts::reachable.is_distinct_from(Some(false)))
                    .select(hosts::id),
            )
            .and(engines::plan_id.eq(plan.id))
            .and(engines::environment_id.eq(environment_id))
            .and(engines::kind.eq(plan.engine))
            .and(engines::image.eq(&plan.image))
            .and(engines::memory_bytes.eq(plan.memory_bytes))
            .and(engines::cpu_millis.eq(plan.cpu_millis)),
    )
}

/// The engine of a shared plan a new database goes into: the oldest running one of the plan
/// in the environment, made as the plan now says, on a host that takes engines, holding
/// fewer live databases than the plan allows; else a new one, on the host placement chooses.
/// Under a lock on the plan, so that databases placed at once count each other: an engine
/// never holds more than the plan allows.
async fn place_shared(conn: &mut AsyncPgConnection, environment_id: i64, plan: &Plan) -> Result<Engine, TxError> {
    plans::table
        .find(plan.id)
        .select(plans::id)
        .for_update()
        .first::<i64>(conn)
        .await?;
    let live = diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM databases d WHERE d.engine_id = engines.id AND d.status <> 'deleted')",
    );
    let with_room: Option<i64> = engines::table
        .filter(made_as_planned(plan, environment_id))
        .filter(engines::placement.eq(Placement::Shared))
        .filter(engines::state.eq(EngineState::Assigned))
        .filter(engines::desired.eq(EngineDesired::Running))
        .filter(live.lt(i64::from(plan.databases_per_engine)))
        .order(engines::id)
        .select(engines::id)
        .first(conn)
        .await
        .optional()?;
    if let Some(id) = with_room {
        return Ok(engines::table.find(id).select(Engine::as_select()).first(conn).await?);
    }
    let host = choose_host(conn, environment_id, plan, Among::All)
        .await?
        .map_err(|why| TxError::Refused(StoreError::Conflict(why)))?;
    let uid = new_uid();
    let new = NewEngine::new(plan, &host, &uid, EngineNames::shared(&uid), EngineState::Assigned);
    Ok(diesel::insert_into(engines::table)
        .values(new.placed(Placement::Shared))
        .returning(Engine::as_returning())
        .get_result(conn)
        .await?)
}

/// The oldest pooled engine of `plan` in an environment that was made as the plan now says,
/// locked and marked assigned; `None` when the pool is empty. `SKIP LOCKED`: a concurrent
/// claim takes the next one instead of waiting for this one.
async fn take_pooled(
    conn: &mut AsyncPgConnection,
    environment_id: i64,
    plan: &Plan,
) -> Result<Option<Engine>, diesel::result::Error> {
    let candidate: Option<i64> = engines::table
        .filter(made_as_planned(plan, environment_id))
        .filter(engines::state.eq(EngineState::Pooled))
        .order(engines::id)
        .select(engines::id)
        .for_update()
        .skip_locked()
        .first(conn)
        .await
        .optional()?;
    let Some(id) = candidate else {
        return Ok(None);
    };
    diesel::update(engines::table.find(id))
        .set((
            engines::state.eq(EngineState::Assigned),
            engines::assigned_at.eq(Some(Utc::now())),
            engines::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Engine::as_returning())
        .get_result(conn)
        .await
        .map(Some)
}

async fn set_state(conn: &mut AsyncPgConnection, id: i64, state: EngineState) -> Result<(), diesel::result::Error> {
    diesel::update(engines::table.find(id))
        .set((engines::state.eq(state), engines::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves an engine to the end state of an engine task, inside the transaction that ends the
/// task (`Store::task_end`): a started engine joins the pool (unless it was retired
/// meanwhile), one that would not start is gone, and so is a removed one.
pub(crate) async fn settle_engine(
    conn: &mut AsyncPgConnection,
    id: i64,
    kind: TaskKind,
    succeeded: bool,
) -> Result<(), diesel::result::Error> {
    match (kind, succeeded) {
        (TaskKind::StartEngine, true) => {
            diesel::update(engines::table.find(id).filter(engines::state.eq(EngineState::Starting)))
                .set((
                    engines::state.eq(EngineState::Pooled),
                    engines::pooled_at.eq(Some(Utc::now())),
                    engines::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
        }
        // Its undo removed what it left (or the reconciler reports it).
        (TaskKind::StartEngine, false) | (TaskKind::RemoveEngine, true) => {
            set_state(conn, id, EngineState::Removed).await?;
        }
        _ => {}
    }
    Ok(())
}
