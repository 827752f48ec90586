//! Plan operations: everyone reads the plans, admins change them.

use dbaas_core::model::{NewPlan, Placement, Plan, PlanChanges, Ref};
use dbaas_core::store::{Caller, Page, PageRequest, PoolStatus};

use super::{admin_only, validate, App, AppResult};
use crate::params::{PlanCreate, PlanUpdate};

const ADMINS_ONLY: &str = "only admins change plans";

/// How many databases one engine of a shared plan holds unless the plan says.
const DEFAULT_DATABASES_PER_ENGINE: i32 = 100;

/// A plan, with its pool where the caller may see it.
#[derive(Debug, Clone)]
pub struct PlanDetail {
    pub plan: Plan,
    /// Admins only: each environment's pool.
    pub pool: Option<Vec<PoolStatus>>,
}

impl App {
    pub async fn plan_list(&self, page: PageRequest) -> AppResult<Page<Plan>> {
        Ok(self.store.plan_list(page).await?)
    }

    pub async fn plan_get(&self, caller: &Caller, id: i64) -> AppResult<PlanDetail> {
        let plan = self.store.plan_find(&Ref::Id(id)).await?;
        self.plan_detail(caller, plan).await
    }

    /// A plan with, for admins, its pool in each environment.
    async fn plan_detail(&self, caller: &Caller, plan: Plan) -> AppResult<PlanDetail> {
        let pool = match caller.is_admin {
            true => Some(self.store.pool_status(&plan).await?),
            false => None,
        };
        Ok(PlanDetail { plan, pool })
    }

    pub async fn plan_create(&self, caller: &Caller, params: PlanCreate) -> AppResult<PlanDetail> {
        admin_only(caller, ADMINS_ONLY)?;
        let description = params.description.unwrap_or_default();
        validate::name(&params.name)?;
        let engine = validate::engine(&params.engine)?;
        validate::image(&params.image)?;
        validate::memory_bytes(&params.memory_bytes)?;
        validate::size_bytes(&params.size_bytes)?;
        validate::description(&description)?;
        let pool_size = params.pool_size.unwrap_or(0);
        validate::pool_size(&pool_size)?;
        let placement = params
            .placement
            .as_deref()
            .map(validate::placement)
            .transpose()?
            .unwrap_or(Placement::Dedicated);
        let databases_per_engine = params.databases_per_engine.unwrap_or(DEFAULT_DATABASES_PER_ENGINE);
        validate::databases_per_engine(&databases_per_engine)?;
        validate::shared_plan(placement, engine, pool_size)?;
        let new = NewPlan {
            pool_size,
            placement,
            databases_per_engine,
            cpu_millis: validate::cpus(params.cpus)?,
            name: params.name.into(),
            engine,
            image: params.image.into(),
            memory_bytes: params.memory_bytes,
            size_bytes: params.size_bytes,
            description: description.into(),
        };
        let plan = self.store.plan_create(new).await?;
        self.plan_detail(caller, plan).await
    }

    /// Changes a plan. Databases created already keep the resources they were given.
    pub async fn plan_update(&self, caller: &Caller, id: i64, params: PlanUpdate) -> AppResult<PlanDetail> {
        admin_only(caller, ADMINS_ONLY)?;
        validate::each(params.name.as_deref(), validate::name)?;
        let engine = params.engine.as_deref().map(validate::engine).transpose()?;
        validate::each(params.image.as_deref(), validate::image)?;
        validate::each(params.memory_bytes.as_ref(), validate::memory_bytes)?;
        validate::each(params.size_bytes.as_ref(), validate::size_bytes)?;
        validate::each(params.description.as_deref(), validate::description)?;
        validate::each(params.pool_size.as_ref(), validate::pool_size)?;
        let placement = params.placement.as_deref().map(validate::placement).transpose()?;
        validate::each(params.databases_per_engine.as_ref(), validate::databases_per_engine)?;
        let changes = PlanChanges {
            pool_size: params.pool_size,
            placement,
            databases_per_engine: params.databases_per_engine,
            cpu_millis: params.cpus.map(validate::cpus).transpose()?,
            name: params.name.map(String::from),
            engine,
            image: params.image.map(String::from),
            memory_bytes: params.memory_bytes,
            size_bytes: params.size_bytes,
            description: params.description.map(String::from),
        };
        let plan = self.store.plan_update(id, changes).await?;
        self.plan_detail(caller, plan).await
    }

    /// Deletes a plan no live database uses.
    pub async fn plan_delete(&self, caller: &Caller, id: i64) -> AppResult<()> {
        admin_only(caller, ADMINS_ONLY)?;
        Ok(self.store.plan_delete(id).await?)
    }
}
