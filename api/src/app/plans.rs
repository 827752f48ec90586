//! Plan operations: everyone reads the plans, admins change them.

use dbaas_core::model::{NewPlan, Plan, PlanChanges, Ref};
use dbaas_core::store::{Caller, Page, PageRequest};

use super::{admin_only, validate, App, AppResult};
use crate::params::{PlanCreate, PlanUpdate};

const ADMINS_ONLY: &str = "only admins change plans";

impl App {
    pub async fn plan_list(&self, page: PageRequest) -> AppResult<Page<Plan>> {
        Ok(self.store.plan_list(page).await?)
    }

    pub async fn plan_get(&self, id: i64) -> AppResult<Plan> {
        Ok(self.store.plan_find(&Ref::Id(id)).await?)
    }

    pub async fn plan_create(&self, caller: &Caller, params: PlanCreate) -> AppResult<Plan> {
        admin_only(caller, ADMINS_ONLY)?;
        let description = params.description.unwrap_or_default();
        validate::name(&params.name)?;
        let engine = validate::engine(&params.engine)?;
        validate::image(&params.image)?;
        validate::memory_bytes(&params.memory_bytes)?;
        validate::size_bytes(&params.size_bytes)?;
        validate::description(&description)?;
        let new = NewPlan {
            cpu_millis: validate::cpus(params.cpus)?,
            name: params.name.into(),
            engine,
            image: params.image.into(),
            memory_bytes: params.memory_bytes,
            size_bytes: params.size_bytes,
            description: description.into(),
        };
        Ok(self.store.plan_create(new).await?)
    }

    /// Changes a plan. Databases created already keep the resources they were given.
    pub async fn plan_update(&self, caller: &Caller, id: i64, params: PlanUpdate) -> AppResult<Plan> {
        admin_only(caller, ADMINS_ONLY)?;
        validate::each(params.name.as_deref(), validate::name)?;
        let engine = params.engine.as_deref().map(validate::engine).transpose()?;
        validate::each(params.image.as_deref(), validate::image)?;
        validate::each(params.memory_bytes.as_ref(), validate::memory_bytes)?;
        validate::each(params.size_bytes.as_ref(), validate::size_bytes)?;
        validate::each(params.description.as_deref(), validate::description)?;
        let changes = PlanChanges {
            cpu_millis: params.cpus.map(validate::cpus).transpose()?,
            name: params.name.map(String::from),
            engine,
            image: params.image.map(String::from),
            memory_bytes: params.memory_bytes,
            size_bytes: params.size_bytes,
            description: params.description.map(String::from),
        };
        Ok(self.store.plan_update(id, changes).await?)
    }

    /// Deletes a plan no live database uses.
    pub async fn plan_delete(&self, caller: &Caller, id: i64) -> AppResult<()> {
        admin_only(caller, ADMINS_ONLY)?;
        Ok(self.store.plan_delete(id).await?)
    }
}
