//! Environments: where databases run (a Docker endpoint, an address, a port range). Deleting
//! one retires it (`deleted_at`): databases that ran there still name it.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::page::{load_page, Page, PageRequest};
use super::{live_databases, Store, StoreError, StoreResult};
use crate::model::{Environment, EnvironmentChanges, NewEnvironment, Ref};
use crate::schema::{databases, environments};

impl Store {
    pub async fn environment_list(&self, request: PageRequest) -> StoreResult<Page<Environment>> {
        let mut conn = self.conn().await?;
        Ok(load_page!(
            &mut conn,
            || environments::table
                .filter(environments::deleted_at.is_null())
                .into_boxed(),
            environments::id,
            Environment::as_select(),
            request,
            |e: &Environment| e.id
        ))
    }

    /// An environment by id, retired ones included: work on what is already in it goes on.
    pub async fn environment_get(&self, id: i64) -> StoreResult<Environment> {
        let mut conn = self.conn().await?;
        environments::table
            .find(id)
            .select(Environment::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("environment"))
    }

    pub async fn environment_find(&self, by: &Ref) -> StoreResult<Environment> {
        let mut conn = self.conn().await?;
        let query = environments::table
            .filter(environments::deleted_at.is_null())
            .select(Environment::as_select())
            .into_boxed();
        let query = match by {
            Ref::Id(id) => query.filter(environments::id.eq(*id)),
            Ref::Name(name) => query.filter(environments::name.eq(name)),
        };
        query.first(&mut conn).await.map_err(StoreError::lookup("environment"))
    }

    pub async fn environment_create(&self, new: NewEnvironment) -> StoreResult<Environment> {
        let mut conn = self.conn().await?;
        diesel::insert_into(environments::table)
            .values(&new)
            .returning(Environment::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::write("environment", Some(&new.name)))
    }

    /// Changes an environment. Databases placed already keep their port, even outside a new
    /// range.
    pub async fn environment_update(&self, id: i64, changes: EnvironmentChanges) -> StoreResult<Environment> {
        if changes == EnvironmentChanges::default() {
            return self.environment_find(&Ref::Id(id)).await;
        }
        let mut conn = self.conn().await?;
        diesel::update(environments::table.find(id).filter(environments::deleted_at.is_null()))
            .set(&changes)
            .returning(Environment::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::write("environment", changes.name.as_deref()))
    }

    /// Retires an environment no live database uses.
    pub async fn environment_delete(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            // The row lock waits for databases being recorded here, so they count.
            let name: String = environments::table
                .find(id)
                .filter(environments::deleted_at.is_null())
                .select(environments::name)
                .for_update()
                .first(conn)
                .await
                .map_err(StoreError::lookup("environment"))?;
            let live: i64 = live_databases()
                .filter(databases::environment_id.eq(id))
                .count()
                .get_result(conn)
                .await?;
            if live > 0 {
                return Err(StoreError::in_use("environment", &name, live));
            }
            diesel::update(environments::table.find(id))
                .set(environments::deleted_at.eq(diesel::dsl::now))
                .execute(conn)
                .await?;
            Ok(())
        })
        .await
    }
}
