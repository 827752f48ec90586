//! Plans: what an engine container gets (image, memory, CPU, size).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::page::{load_page, Page, PageRequest};
use super::{Store, StoreError, StoreResult};
use crate::model::{Plan, Ref};
use crate::schema::plans;

impl Store {
    pub async fn plan_list(&self, request: PageRequest) -> StoreResult<Page<Plan>> {
        let mut conn = self.conn().await?;
        Ok(load_page!(
            &mut conn,
            || plans::table.into_boxed(),
            plans::id,
            Plan::as_select(),
            request,
            |p: &Plan| p.id
        ))
    }

    pub async fn plan_find(&self, by: &Ref) -> StoreResult<Plan> {
        let mut conn = self.conn().await?;
        let query = plans::table.select(Plan::as_select()).into_boxed();
        let query = match by {
            Ref::Id(id) => query.filter(plans::id.eq(*id)),
            Ref::Name(name) => query.filter(plans::name.eq(name)),
        };
        query.first(&mut conn).await.map_err(StoreError::lookup("plan"))
    }
}
