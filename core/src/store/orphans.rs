//! Orphans: containers labelled as this deployment's that no live engine claims.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::page::{load_page, Page, PageRequest};
use super::{Store, StoreError, StoreResult};
use crate::model::{Host, Orphan};
use crate::schema::orphans;

/// A container seen on an engine.
#[derive(Debug, Clone)]
pub struct SeenContainer {
    pub name: String,
    pub id: String,
    pub database_uid: Option<String>,
}

impl Store {
    /// Records this pass's orphans on a host and forgets those no longer there.
    pub async fn orphans_seen(&self, host: &Host, seen: &[SeenContainer]) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        for container in seen {
            diesel::insert_into(orphans::table)
                .values((
                    orphans::environment_id.eq(host.environment_id),
                    orphans::host_id.eq(host.id),
                    orphans::container_name.eq(&container.name),
                    orphans::container_id.eq(&container.id),
                    orphans::database_uid.eq(&container.database_uid),
                ))
                .on_conflict((orphans::host_id, orphans::container_id))
                .do_update()
                .set(orphans::last_seen.eq(Utc::now()))
                .execute(&mut conn)
                .await?;
        }
        let ids: Vec<&str> = seen.iter().map(|c| c.id.as_str()).collect();
        diesel::delete(
            orphans::table
                .filter(orphans::host_id.eq(host.id))
                .filter(orphans::container_id.ne_all(ids)),
        )
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    pub async fn orphan_list(&self, request: PageRequest) -> StoreResult<Page<Orphan>> {
        let mut conn = self.conn().await?;
        Ok(load_page!(
            &mut conn,
            || orphans::table.into_boxed(),
            orphans::id,
            Orphan::as_select(),
            request,
            |o: &Orphan| o.id
        ))
    }

    pub async fn orphan_get(&self, id: i64) -> StoreResult<Orphan> {
        let mut conn = self.conn().await?;
        orphans::table
            .find(id)
            .select(Orphan::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("orphan"))
    }

    /// Asks the reconciler to remove an orphan's container and volume.
    pub async fn orphan_request_removal(&self, id: i64) -> StoreResult<Orphan> {
        let mut conn = self.conn().await?;
        diesel::update(orphans::table.find(id))
            .set(orphans::remove_requested_at.eq(Some(Utc::now())))
            .returning(Orphan::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::lookup("orphan"))
    }

    /// Orphans of an environment an admin asked to remove.
    pub async fn orphans_to_remove(&self, host_id: i64) -> StoreResult<Vec<Orphan>> {
        let mut conn = self.conn().await?;
        Ok(orphans::table
            .filter(orphans::host_id.eq(host_id))
            .filter(orphans::remove_requested_at.is_not_null())
            .select(Orphan::as_select())
            .load(&mut conn)
            .await?)
    }

    pub async fn orphan_forget(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::delete(orphans::table.find(id)).execute(&mut conn).await?;
        Ok(())
    }
}
