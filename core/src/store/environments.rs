//! Environments: where databases run (a Docker endpoint, an address, a port range).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::page::{load_page, Page, PageRequest};
use super::{Store, StoreError, StoreResult};
use crate::model::{Environment, Ref};
use crate::schema::environments;

impl Store {
    pub async fn environment_list(&self, request: PageRequest) -> StoreResult<Page<Environment>> {
        let mut conn = self.conn().await?;
        Ok(load_page!(
            &mut conn,
            || environments::table.into_boxed(),
            environments::id,
            Environment::as_select(),
            request,
            |e: &Environment| e.id
        ))
    }

    pub async fn environment_find(&self, by: &Ref) -> StoreResult<Environment> {
        let mut conn = self.conn().await?;
        let query = environments::table.select(Environment::as_select()).into_boxed();
        let query = match by {
            Ref::Id(id) => query.filter(environments::id.eq(*id)),
            Ref::Name(name) => query.filter(environments::name.eq(name)),
        };
        query.first(&mut conn).await.map_err(StoreError::lookup("environment"))
    }
}
