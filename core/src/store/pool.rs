//! The pool: engines a plan keeps started and unassigned in each environment, so that a new
//! database takes one at once instead of waiting for a container to start and initialise.
//!
//! Filling and retiring are tasks on engines (`start_engine`, `remove_engine`): claimed,
//! leased and requeued like every task, so a worker killed while starting a pooled engine
//! leaves the work to another, never a half-started engine that nobody owns.

use std::time::Duration;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::engines::{new_uid, NewEngine};
use super::hosts::{choose_host, Among};
use super::{Store, StoreResult};
use crate::model::{EngineNames, EngineState, Plan, Task, TaskKind, TaskStatus};
use crate::schema::{engines, environments, plans, tasks};

/// Failed `start_engine` tasks of one plan and environment within [`FAILURE_WINDOW`] after
/// which the pool stops refilling there until the window passes: a broken image must not
/// start engines in a loop.
const MAX_RECENT_FAILURES: i64 = 3;
const FAILURE_WINDOW: Duration = Duration::from_secs(300);

/// Engines one pool starts at once: a large pool fills a few at a time, so that its starts
/// never crowd out the tenants' own work on the queue and the Docker host.
const MAX_STARTING: i64 = 2;

/// A plan's pool in one environment, as admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStatus {
    pub environment_id: i64,
    pub environment: String,
    /// Engines the plan keeps ready here.
    pub size: i32,
    /// Started and unassigned: a database takes one at once.
    pub ready: i64,
    /// Being started.
    pub filling: i64,
}

impl Store {
    /// Records `start_engine` tasks (and their engine rows) for what a plan's pool in an
    /// environment lacks: its size less the engines ready or starting, [`MAX_STARTING`] at a
    /// time. Under a lock on the plan, so that replicas filling at once do not overfill.
    /// Returns the tasks to enqueue.
    pub async fn pool_fill(&self, plan_id: i64, environment_id: i64) -> StoreResult<Vec<Task>> {
        let mut conn = self.conn().await?;
        Ok(conn
            .transaction::<_, diesel::result::Error, _>(async |conn| {
                let plan: Plan = plans::table
                    .find(plan_id)
                    .filter(plans::deleted_at.is_null())
                    .select(Plan::as_select())
                    .for_update()
                    .first(conn)
                    .await?;
                let live_environment: bool = diesel::select(diesel::dsl::exists(
                    environments::table
                        .find(environment_id)
                        .filter(environments::deleted_at.is_null()),
                ))
                .get_result(conn)
                .await?;
                if !live_environment {
                    return Ok(Vec::new());
                }
                let counts: Vec<(EngineState, i64)> = engines::table
                    .filter(engines::plan_id.eq(plan_id))
                    .filter(engines::environment_id.eq(environment_id))
                    .filter(engines::state.eq_any([EngineState::Starting, EngineState::Pooled]))
                    .group_by(engines::state)
                    .select((engines::state, count_star()))
                    .load(conn)
                    .await?;
                let count = |state| counts.iter().filter(|(s, _)| *s == state).map(|(_, n)| n).sum::<i64>();
                let (starting, pooled) = (count(EngineState::Starting), count(EngineState::Pooled));
                let missing = (i64::from(plan.pool_size) - starting - pooled).min(MAX_STARTING - starting);
                if missing <= 0 || recent_failures(conn, plan_id, environment_id).await? >= MAX_RECENT_FAILURES {
                    return Ok(Vec::new());
                }
                let mut started = Vec::new();
                for _ in 0..missing {
                    // Placed as a database's engine is: where there is room, else not at all.
                    let host = match choose_host(conn, environment_id, &plan, Among::All).await? {
                        Ok(host) => host,
                        Err(why) => {
                            tracing::debug!(plan_id, environment_id, %why, "the pool is not filled: no room");
                            break;
                        }
                    };
                    let uid = new_uid();
                    let names = EngineNames::pooled(&uid);
                    let engine_id: i64 = diesel::insert_into(engines::table)
                        .values(NewEngine::new(&plan, &host, &uid, names, EngineState::Starting))
                        .returning(engines::id)
                        .get_result(conn)
                        .await?;
                    started.push(insert_engine_task(conn, TaskKind::StartEngine, engine_id).await?);
                }
                Ok(started)
            })
            .await?)
    }

    /// Marks for removal the pooled engines no database should take: made with another image
    /// or other limits than their plan now has, of a retired plan or environment, beyond the
    /// pool's size, or (`not_running`) whose container the reconciler found stopped or gone.
    /// A pooled engine taken by a database meanwhile is left alone (the same row lock
    /// decides). Returns the `remove_engine` tasks to enqueue.
    pub async fn pool_retire(&self, not_running: &[i64]) -> StoreResult<Vec<Task>> {
        let mut conn = self.conn().await?;
        Ok(conn
            .transaction::<_, diesel::result::Error, _>(async |conn| {
                let ids: Vec<i64> = diesel::sql_query(
                    "WITH ranked AS (
                         SELECT e.id, e.plan_id, e.environment_id, e.image, e.memory_bytes, e.cpu_millis, e.kind,
                                row_number() OVER (PARTITION BY e.plan_id, e.environment_id ORDER BY e.id) AS n
                         FROM engines e WHERE e.state = 'pooled'
                     )
                     UPDATE engines SET state = 'retiring', updated_at = now()
                     FROM ranked r JOIN plans p ON p.id = r.plan_id JOIN environments v ON v.id = r.environment_id
                     WHERE engines.id = r.id AND engines.state = 'pooled'
                       AND (r.image <> p.image OR r.memory_bytes <> p.memory_bytes OR r.cpu_millis <> p.cpu_millis
                            OR r.kind <> p.engine OR p.deleted_at IS NOT NULL OR v.deleted_at IS NOT NULL
                            OR r.n > p.pool_size OR r.id = ANY($1))
                     RETURNING engines.id",
                )
                .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(not_running)
                .load::<RetiredId>(conn)
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect();
                let mut removals = Vec::new();
                for id in ids {
                    removals.push(insert_engine_task(conn, TaskKind::RemoveEngine, id).await?);
                }
                Ok(removals)
            })
            .await?)
    }

    /// Plans that keep a pool, with every live environment: where [`Self::pool_fill`] looks.
    pub async fn pool_targets(&self) -> StoreResult<Vec<(i64, i64)>> {
        let mut conn = self.conn().await?;
        Ok(plans::table
            .inner_join(environments::table.on(environments::deleted_at.is_null()))
            .filter(plans::deleted_at.is_null())
            .filter(plans::pool_size.gt(0))
            .order((plans::id, environments::id))
            .select((plans::id, environments::id))
            .load(&mut conn)
            .await?)
    }

    /// Each live environment's view of a plan's pool.
    pub async fn pool_status(&self, plan: &Plan) -> StoreResult<Vec<PoolStatus>> {
        let mut conn = self.conn().await?;
        let environments: Vec<(i64, String)> = environments::table
            .filter(environments::deleted_at.is_null())
            .order(environments::id)
            .select((environments::id, environments::name))
            .load(&mut conn)
            .await?;
        let counts: Vec<(i64, EngineState, i64)> = engines::table
            .filter(engines::plan_id.eq(plan.id))
            .filter(engines::state.eq_any([EngineState::Starting, EngineState::Pooled]))
            .group_by((engines::environment_id, engines::state))
            .select((engines::environment_id, engines::state, count_star()))
            .load(&mut conn)
            .await?;
        let count = |environment_id: i64, state: EngineState| {
            counts
                .iter()
                .filter(|(e, s, _)| *e == environment_id && *s == state)
                .map(|(_, _, n)| *n)
                .sum()
        };
        Ok(environments
            .into_iter()
            .map(|(environment_id, environment)| PoolStatus {
                environment_id,
                environment,
                size: plan.pool_size,
                ready: count(environment_id, EngineState::Pooled),
                filling: count(environment_id, EngineState::Starting),
            })
            .collect())
    }
}

#[derive(QueryableByName)]
struct RetiredId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// `start_engine` tasks of the plan's engines in the environment that failed recently.
async fn recent_failures(
    conn: &mut AsyncPgConnection,
    plan_id: i64,
    environment_id: i64,
) -> Result<i64, diesel::result::Error> {
    let since = chrono::Utc::now() - chrono::Duration::from_std(FAILURE_WINDOW).unwrap_or_default();
    tasks::table
        .inner_join(engines::table)
        .filter(engines::plan_id.eq(plan_id))
        .filter(engines::environment_id.eq(environment_id))
        .filter(tasks::kind.eq(TaskKind::StartEngine))
        .filter(tasks::status.eq(TaskStatus::Failed))
        .filter(tasks::finished_at.gt(since))
        .select(count_star())
        .get_result(conn)
        .await
}

/// Records a queued task on an engine.
pub(crate) async fn insert_engine_task(
    conn: &mut AsyncPgConnection,
    kind: TaskKind,
    engine_id: i64,
) -> Result<Task, diesel::result::Error> {
    diesel::insert_into(tasks::table)
        .values((
            tasks::kind.eq(kind),
            tasks::status.eq(TaskStatus::Queued),
            tasks::engine_id.eq(engine_id),
        ))
        .returning(Task::as_returning())
        .get_result(conn)
        .await
}
