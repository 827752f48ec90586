//! Plans and environments: readable by every authenticated caller.

use dbaas_core::model::{Environment, Plan, Ref};
use dbaas_core::store::{Page, PageRequest};

use super::{App, AppResult};

impl App {
    pub async fn plan_list(&self, page: PageRequest) -> AppResult<Page<Plan>> {
        Ok(self.store.plan_list(page).await?)
    }

    pub async fn plan_get(&self, id: i64) -> AppResult<Plan> {
        Ok(self.store.plan_find(&Ref::Id(id)).await?)
    }

    pub async fn environment_list(&self, page: PageRequest) -> AppResult<Page<Environment>> {
        Ok(self.store.environment_list(page).await?)
    }

    pub async fn environment_get(&self, id: i64) -> AppResult<Environment> {
        Ok(self.store.environment_find(&Ref::Id(id)).await?)
    }
}
