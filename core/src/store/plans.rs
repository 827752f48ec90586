//! Plans: what an engine container gets (image, memory, CPU, size). Deleting one retires it
//! (`deleted_at`): databases that used it still name it.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::page::{load_page, Page, PageRequest};
use super::{live_databases, Store, StoreError, StoreResult};
use crate::model::{EngineKind, NewPlan, Placement, Plan, PlanChanges, Ref};
use crate::schema::{databases, plans};

impl Store {
    pub async fn plan_list(&self, request: PageRequest) -> StoreResult<Page<Plan>> {
        let mut conn = self.conn().await?;
        Ok(load_page!(
            &mut conn,
            || plans::table.filter(plans::deleted_at.is_null()).into_boxed(),
            plans::id,
            Plan::as_select(),
            request,
            |p: &Plan| p.id
        ))
    }

    pub async fn plan_find(&self, by: &Ref) -> StoreResult<Plan> {
        let mut conn = self.conn().await?;
        let query = plans::table
            .filter(plans::deleted_at.is_null())
            .select(Plan::as_select())
            .into_boxed();
        let query = match by {
            Ref::Id(id) => query.filter(plans::id.eq(*id)),
            Ref::Name(name) => query.filter(plans::name.eq(name)),
        };
        query.first(&mut conn).await.map_err(StoreError::lookup("plan"))
    }

    pub async fn plan_create(&self, new: NewPlan) -> StoreResult<Plan> {
        let mut conn = self.conn().await?;
        diesel::insert_into(plans::table)
            .values(&new)
            .returning(Plan::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::write("plan", Some(&new.name)))
    }

    /// Changes a plan. Its engine cannot change while live databases run it: they would be
    /// described, and recreated, as another engine than the one holding their data.
    pub async fn plan_update(&self, id: i64, changes: PlanChanges) -> StoreResult<Plan> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            let current: Plan = plans::table
                .find(id)
                .filter(plans::deleted_at.is_null())
                .select(Plan::as_select())
                .for_update()
                .first(conn)
                .await
                .map_err(StoreError::lookup("plan"))?;
            if changes == PlanChanges::default() {
                return Ok(current);
            }
            let engine_changes = changes.engine.is_some_and(|e| e != current.engine);
            let placement_changes = changes.placement.is_some_and(|p| p != current.placement);
            if engine_changes || placement_changes {
                let live: i64 = live_databases()
                    .filter(databases::plan_id.eq(id))
                    .count()
                    .get_result(conn)
                    .await?;
                if live > 0 {
                    let s = if live == 1 { "" } else { "s" };
                    let what = if engine_changes { "engine" } else { "placement" };
                    return Err(StoreError::Conflict(format!(
                        "plan '{}' runs {live} live database{s} on {} ({}): its {what} cannot change",
                        current.name, current.engine, current.placement
                    )));
                }
            }
            let shared = changes.placement.unwrap_or(current.placement) == Placement::Shared;
            if shared && changes.engine.unwrap_or(current.engine) != EngineKind::Postgres {
                return Err(StoreError::Conflict(
                    "a shared plan runs postgres: only Postgres databases share an engine".into(),
                ));
            }
            if shared && changes.pool_size.unwrap_or(current.pool_size) > 0 {
                return Err(StoreError::Conflict(
                    "a shared plan keeps no pool (pool_size 0): its running engines with room are its pool".into(),
                ));
            }
            diesel::update(plans::table.find(id))
                .set(&changes)
                .returning(Plan::as_returning())
                .get_result(conn)
                .await
                .map_err(StoreError::write("plan", changes.name.as_deref()))
        })
        .await
    }

    /// Retires a plan no live database uses.
    pub async fn plan_delete(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            // The row lock waits for databases being recorded with this plan, so they count.
            let name: String = plans::table
                .find(id)
                .filter(plans::deleted_at.is_null())
                .select(plans::name)
                .for_update()
                .first(conn)
                .await
                .map_err(StoreError::lookup("plan"))?;
            let live: i64 = live_databases()
                .filter(databases::plan_id.eq(id))
                .count()
                .get_result(conn)
                .await?;
            if live > 0 {
                return Err(StoreError::in_use("plan", &name, live));
            }
            diesel::update(plans::table.find(id))
                .set(plans::deleted_at.eq(diesel::dsl::now))
                .execute(conn)
                .await?;
            Ok(())
        })
        .await
    }
}
