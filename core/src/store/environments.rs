//! Environments: where databases run (their hosts). Deleting
//! one retires it (`deleted_at`): databases that ran there still name it.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::page::{load_page, Page, PageRequest};
use super::{live_databases, Store, StoreError, StoreResult};
use crate::model::{is_plain_network_endpoint, Environment, EnvironmentChanges, NewEnvironment, NewHost, Ref};
use crate::schema::{databases, environments, hosts};

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

    /// Records an environment with its first host, if one is given (its `environment_id` is
    /// the new environment's).
    pub async fn environment_create(
        &self,
        new: NewEnvironment,
        first_host: Option<NewHost>,
    ) -> StoreResult<Environment> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let environment: Environment = diesel::insert_into(environments::table)
                .values(&new)
                .returning(Environment::as_returning())
                .get_result(conn)
                .await?;
            if let Some(host) = first_host {
                diesel::insert_into(hosts::table)
                    .values(&NewHost {
                        environment_id: environment.id,
                        ..host
                    })
                    .execute(conn)
                    .await?;
            }
            Ok(environment)
        })
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
        conn.transaction::<_, StoreError, _>(async |conn| {
            let environment: Environment =
                diesel::update(environments::table.find(id).filter(environments::deleted_at.is_null()))
                    .set(&changes)
                    .returning(Environment::as_returning())
                    .get_result(conn)
                    .await
                    .map_err(StoreError::write("environment", changes.name.as_deref()))?;
            if !environment.development {
                let plain: Vec<(String, String, Option<Vec<u8>>)> = hosts::table
                    .filter(hosts::environment_id.eq(id))
                    .filter(hosts::deleted_at.is_null())
                    .select((hosts::name, hosts::docker_endpoint, hosts::tls_enc))
                    .load(conn)
                    .await?;
                if let Some((name, endpoint, _)) = plain
                    .iter()
                    .find(|(_, endpoint, tls)| is_plain_network_endpoint(endpoint, tls.is_some()))
                {
                    return Err(StoreError::Conflict(format!(
                        "host '{name}' is reached over plain {endpoint}, which only an environment marked for \
                         local development may use; give it TLS or delete it first"
                    )));
                }
            }
            Ok(environment)
        })
        .await
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
