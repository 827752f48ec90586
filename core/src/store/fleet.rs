//! The engine fleet: every engine of the catalog that is not removed, with what it serves and
//! what a worker last saw of its container; and the observer's writes.

use std::collections::HashMap;

use chrono::Utc;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::RunQueryDsl;

use super::page::{load_page, Page, PageRequest};
use super::{Conn, Store, StoreError, StoreResult};
use crate::model::{
    Assessment, ContainerState, Database, DatabaseStatus, Drift, Engine, EngineKind, EngineObservation, EngineState,
    Environment, FleetEngine, Health, Host, Plan,
};
use crate::schema::{databases, engine_observations, engines, environments, hosts, plans};

/// Which engines a fleet list shows.
#[derive(Debug, Clone, Default)]
pub struct FleetFilter {
    pub environment_id: Option<i64>,
    /// The host the engines run on: its name or its address.
    pub host: Option<String>,
    pub kind: Option<EngineKind>,
    /// `unknown` also matches engines no worker has looked at yet.
    pub health: Option<Health>,
    pub drift: Option<Drift>,
}

/// What one inspect of an engine's container found, with what it means.
#[derive(Debug, Clone)]
pub struct ObservedContainer {
    pub engine_id: i64,
    pub host: String,
    pub container_id: Option<String>,
    pub state: ContainerState,
    pub docker_health: Option<String>,
    pub image: Option<String>,
    pub image_id: Option<String>,
    pub restart_count: Option<i32>,
    pub started_at: Option<chrono::DateTime<Utc>>,
    pub finished_at: Option<chrono::DateTime<Utc>>,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub memory_limit_bytes: Option<i64>,
    pub nano_cpus: Option<i64>,
    pub assessment: Assessment,
}

/// Completes engine rows with their environments, plans, databases and observations.
async fn complete(conn: &mut Conn, rows: Vec<(Engine, Option<EngineObservation>)>) -> StoreResult<Vec<FleetEngine>> {
    let ids: Vec<i64> = rows.iter().map(|(e, _)| e.id).collect();
    let plan_ids: Vec<i64> = rows.iter().map(|(e, _)| e.plan_id).collect();
    let environment_ids: Vec<i64> = rows.iter().map(|(e, _)| e.environment_id).collect();
    let host_ids: Vec<i64> = rows.iter().map(|(e, _)| e.host_id).collect();
    let hosts: HashMap<i64, Host> = hosts::table
        .filter(hosts::id.eq_any(&host_ids))
        .select(Host::as_select())
        .load(conn)
        .await?
        .into_iter()
        .map(|h: Host| (h.id, h))
        .collect();
    let plans: HashMap<i64, Plan> = plans::table
        .filter(plans::id.eq_any(&plan_ids))
        .select(Plan::as_select())
        .load(conn)
        .await?
        .into_iter()
        .map(|p: Plan| (p.id, p))
        .collect();
    let environments: HashMap<i64, Environment> = environments::table
        .filter(environments::id.eq_any(&environment_ids))
        .select(Environment::as_select())
        .load(conn)
        .await?
        .into_iter()
        .map(|e: Environment| (e.id, e))
        .collect();
    let mut served: HashMap<i64, Vec<Database>> = HashMap::new();
    for database in databases::table
        .filter(databases::engine_id.eq_any(&ids))
        .filter(databases::status.ne(DatabaseStatus::Deleted))
        .order(databases::id)
        .select(Database::as_select())
        .load::<Database>(conn)
        .await?
    {
        if let Some(engine_id) = database.engine_id {
            served.entry(engine_id).or_default().push(database);
        }
    }
    let mut latest: HashMap<i64, crate::model::Task> = super::actions::latest_tasks(conn, &ids)
        .await?
        .into_iter()
        .filter_map(|t| Some((t.engine_id?, t)))
        .collect();
    rows.into_iter()
        .map(|(engine, observation)| {
            Ok(FleetEngine {
                plan: plans
                    .get(&engine.plan_id)
                    .cloned()
                    .ok_or(StoreError::NotFound("plan"))?,
                environment: environments
                    .get(&engine.environment_id)
                    .cloned()
                    .ok_or(StoreError::NotFound("environment"))?,
                host: hosts
                    .get(&engine.host_id)
                    .cloned()
                    .ok_or(StoreError::NotFound("host"))?,
                databases: served.remove(&engine.id).unwrap_or_default(),
                latest_task: latest.remove(&engine.id),
                engine,
                observation,
            })
        })
        .collect()
}

impl Store {
    /// One page of the fleet, in engine id order.
    pub async fn fleet_list(&self, filter: FleetFilter, request: PageRequest) -> StoreResult<Page<FleetEngine>> {
        let mut conn = self.conn().await?;
        let query = || {
            let mut query = engines::table
                .left_join(engine_observations::table)
                .filter(engines::state.ne(EngineState::Removed))
                .into_boxed();
            if let Some(id) = filter.environment_id {
                query = query.filter(engines::environment_id.eq(id));
            }
            if let Some(host) = &filter.host {
                query = query.filter(
                    engines::host_id.eq_any(
                        hosts::table
                            .filter(hosts::name.eq(host.clone()).or(hosts::address.eq(host.clone())))
                            .select(hosts::id),
                    ),
                );
            }
            if let Some(kind) = filter.kind {
                query = query.filter(engines::kind.eq(kind));
            }
            match filter.health {
                Some(Health::Unknown) => {
                    query = query.filter(
                        engine_observations::health
                            .nullable()
                            .eq(Health::Unknown)
                            .or(engine_observations::engine_id.nullable().is_null()),
                    );
                }
                Some(health) => query = query.filter(engine_observations::health.nullable().eq(health)),
                None => {}
            }
            if let Some(drift) = filter.drift {
                // The drift column holds only known values: bind it as text.
                query = query.filter(
                    sql::<Bool>("engine_observations.drift @> ARRAY[")
                        .bind::<diesel::sql_types::Text, _>(drift.as_str())
                        .sql("]::text[]"),
                );
            }
            query
        };
        let page = load_page!(
            &mut conn,
            query,
            engines::id,
            (Engine::as_select(), Option::<EngineObservation>::as_select()),
            request,
            |(e, _): &(Engine, Option<EngineObservation>)| e.id
        );
        let Page {
            items,
            total,
            next,
            previous,
        } = page;
        Ok(Page {
            items: complete(&mut conn, items).await?,
            total,
            next,
            previous,
        })
    }

    /// One engine of the fleet (removed ones too: their history stays).
    pub async fn fleet_get(&self, engine_id: i64) -> StoreResult<FleetEngine> {
        let mut conn = self.conn().await?;
        let row: (Engine, Option<EngineObservation>) = engines::table
            .left_join(engine_observations::table)
            .filter(engines::id.eq(engine_id))
            .select((Engine::as_select(), Option::<EngineObservation>::as_select()))
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("engine"))?;
        complete(&mut conn, vec![row])
            .await?
            .pop()
            .ok_or(StoreError::NotFound("engine"))
    }

    /// A host's engines that are not removed, for the observer.
    pub async fn fleet_of_host(&self, host_id: i64) -> StoreResult<Vec<FleetEngine>> {
        let mut conn = self.conn().await?;
        let rows = engines::table
            .left_join(engine_observations::table)
            .filter(engines::host_id.eq(host_id))
            .filter(engines::state.ne(EngineState::Removed))
            .order(engines::id)
            .select((Engine::as_select(), Option::<EngineObservation>::as_select()))
            .load(&mut conn)
            .await?;
        complete(&mut conn, rows).await
    }

    /// Records what one look at an engine's container found; its stats and volume size stay
    /// as they were measured (each with its own time).
    pub async fn engine_observed(&self, seen: &ObservedContainer) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let drift: Vec<&str> = seen.assessment.drift.iter().map(|d| d.as_str()).collect();
        let values = (
            engine_observations::host.eq(&seen.host),
            engine_observations::container_id.eq(&seen.container_id),
            engine_observations::container_state.eq(seen.state),
            engine_observations::docker_health.eq(&seen.docker_health),
            engine_observations::image.eq(&seen.image),
            engine_observations::image_id.eq(&seen.image_id),
            engine_observations::restart_count.eq(seen.restart_count),
            engine_observations::started_at.eq(seen.started_at),
            engine_observations::finished_at.eq(seen.finished_at),
            engine_observations::exit_code.eq(seen.exit_code),
            engine_observations::oom_killed.eq(seen.oom_killed),
            engine_observations::memory_limit_bytes.eq(seen.memory_limit_bytes),
            engine_observations::nano_cpus.eq(seen.nano_cpus),
            engine_observations::observed_at.eq(Utc::now()),
            engine_observations::health.eq(seen.assessment.health),
            engine_observations::health_detail.eq(&seen.assessment.detail),
            engine_observations::drift.eq(&drift),
        );
        diesel::insert_into(engine_observations::table)
            .values((engine_observations::engine_id.eq(seen.engine_id), values))
            .on_conflict(engine_observations::engine_id)
            .do_update()
            .set(values)
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Records a new assessment of what was last seen (the catalog changed, not Docker).
    pub async fn engine_assessed(&self, engine_id: i64, assessment: &Assessment) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let drift: Vec<&str> = assessment.drift.iter().map(|d| d.as_str()).collect();
        diesel::update(engine_observations::table.find(engine_id))
            .set((
                engine_observations::health.eq(assessment.health),
                engine_observations::health_detail.eq(&assessment.detail),
                engine_observations::drift.eq(&drift),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Records an engine's memory and CPU use as just sampled (`None`: it does not run).
    pub async fn engine_usage_observed(&self, engine_id: i64, usage: Option<(i64, f64)>) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(engine_observations::table.find(engine_id))
            .set((
                engine_observations::memory_used_bytes.eq(usage.map(|u| u.0)),
                engine_observations::cpu_percent.eq(usage.map(|u| u.1)),
                engine_observations::stats_at.eq(Some(Utc::now())),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Records the size of an engine's data volume as just measured.
    pub async fn engine_volume_observed(&self, engine_id: i64, bytes: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(engine_observations::table.find(engine_id))
            .set((
                engine_observations::volume_size_bytes.eq(Some(bytes)),
                engine_observations::volume_at.eq(Some(Utc::now())),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}
