//! Environments: where databases run (a Docker endpoint, an address, a port range).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Store, StoreError, StoreResult};
use crate::model::{Environment, Ref};
use crate::schema::environments;

impl Store {
    pub async fn environment_list(&self) -> StoreResult<Vec<Environment>> {
        let mut conn = self.conn().await?;
        Ok(environments::table
            .order(environments::id)
            .select(Environment::as_select())
            .load(&mut conn)
            .await?)
    }

    pub async fn environment_find(&self, by: &Ref) -> StoreResult<Environment> {
        let mut conn = self.conn().await?;
        let query = environments::table
            .select(Environment::as_select())
            .into_boxed();
        let query = match by {
            Ref::Id(id) => query.filter(environments::id.eq(*id)),
            Ref::Name(name) => query.filter(environments::name.eq(name)),
        };
        query
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("environment"))
    }
}
