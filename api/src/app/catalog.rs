//! Plans and environments: readable by every authenticated caller.

use dbaas_core::model::{Environment, Plan, Ref};

use super::{App, AppResult};

impl App {
    pub async fn plan_list(&self) -> AppResult<Vec<Plan>> {
        Ok(self.store.plan_list().await?)
    }

    pub async fn plan_get(&self, id: i64) -> AppResult<Plan> {
        Ok(self.store.plan_find(&Ref::Id(id)).await?)
    }

    pub async fn environment_list(&self) -> AppResult<Vec<Environment>> {
        Ok(self.store.environment_list().await?)
    }

    pub async fn environment_get(&self, id: i64) -> AppResult<Environment> {
        Ok(self.store.environment_find(&Ref::Id(id)).await?)
    }
}
