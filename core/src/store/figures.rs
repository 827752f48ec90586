//! The deployment's figures for the workers' metrics: the queue as the catalog has it, the
//! engines by health and drift, and the plans' pools. Three grouped counts, read at scrape
//! time; every label they give is a bounded value of the catalog (a task kind, a health, a
//! drift, a plan's or environment's name that an admin chose).

use diesel::sql_types::{BigInt, Double, Integer, Text};
use diesel_async::RunQueryDsl;

use super::{Store, StoreResult};

/// Tasks that are queued or running, by kind and status.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct QueueCount {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = BigInt)]
    pub tasks: i64,
}

/// Engines that are not removed, by kind, health (`unknown` before any worker looked) and
/// drift (`none` for an engine without; one with two drifts counts in both).
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct EngineCount {
    #[diesel(sql_type = Text)]
    pub engine: String,
    #[diesel(sql_type = Text)]
    pub health: String,
    #[diesel(sql_type = Text)]
    pub drift: String,
    #[diesel(sql_type = BigInt)]
    pub engines: i64,
}

/// A live plan's pool in a live environment.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct PoolCount {
    #[diesel(sql_type = Text)]
    pub plan: String,
    #[diesel(sql_type = Text)]
    pub environment: String,
    #[diesel(sql_type = Integer)]
    pub size: i32,
    #[diesel(sql_type = BigInt)]
    pub ready: i64,
    #[diesel(sql_type = BigInt)]
    pub filling: i64,
}

#[derive(diesel::QueryableByName)]
struct Oldest {
    #[diesel(sql_type = Double)]
    seconds: f64,
}

/// The figures of one scrape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetFigures {
    pub queue: Vec<QueueCount>,
    /// Age of the oldest queued task, in seconds (0 when none waits).
    pub oldest_queued_seconds: f64,
    pub engines: Vec<EngineCount>,
    pub pools: Vec<PoolCount>,
}

impl Store {
    /// The figures as of now (four small grouped queries on one connection).
    pub async fn fleet_figures(&self) -> StoreResult<FleetFigures> {
        let mut conn = self.conn().await?;
        let queue = diesel::sql_query(
            "SELECT kind, status, count(*) AS tasks FROM tasks
             WHERE status IN ('queued', 'running') GROUP BY kind, status",
        )
        .load::<QueueCount>(&mut conn)
        .await?;
        let oldest = diesel::sql_query(
            "SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS seconds
             FROM tasks WHERE status = 'queued'",
        )
        .get_result::<Oldest>(&mut conn)
        .await?;
        let engines = diesel::sql_query(
            "SELECT e.kind AS engine, COALESCE(o.health, 'unknown') AS health,
                    COALESCE(d.drift, 'none') AS drift, count(*) AS engines
             FROM engines e
             LEFT JOIN engine_observations o ON o.engine_id = e.id
             LEFT JOIN LATERAL unnest(o.drift) AS d(drift) ON true
             WHERE e.state <> 'removed'
             GROUP BY 1, 2, 3",
        )
        .load::<EngineCount>(&mut conn)
        .await?;
        let pools = diesel::sql_query(
            "SELECT p.name AS plan, v.name AS environment, p.pool_size AS size,
                    count(e.id) FILTER (WHERE e.state = 'pooled') AS ready,
                    count(e.id) FILTER (WHERE e.state = 'starting') AS filling
             FROM plans p
             CROSS JOIN environments v
             LEFT JOIN engines e ON e.plan_id = p.id AND e.environment_id = v.id
                                AND e.state IN ('pooled', 'starting')
             WHERE p.deleted_at IS NULL AND v.deleted_at IS NULL
             GROUP BY p.id, p.name, v.id, v.name, p.pool_size",
        )
        .load::<PoolCount>(&mut conn)
        .await?;
        Ok(FleetFigures {
            queue,
            oldest_queued_seconds: oldest.seconds,
            engines,
            pools,
        })
    }
}
