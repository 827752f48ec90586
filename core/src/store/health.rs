//! What periodic work records of a database's engine: its health and the space it uses.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Store, StoreResult};
use crate::model::{Database, DatabaseDetail, DatabaseStatus, Health};
use crate::schema::{databases, engines};

impl Store {
    /// Records what the reconciler found.
    pub async fn database_record_health(&self, id: i64, healthy: bool, detail: Option<&str>) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(databases::table.find(id))
            .set((
                databases::health.eq(if healthy { Health::Healthy } else { Health::Unhealthy }),
                databases::health_detail.eq(detail),
                databases::health_checked_at.eq(Some(Utc::now())),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Records the space a database uses, as just measured.
    pub async fn database_record_size(&self, id: i64, bytes: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(databases::table.find(id))
            .set((
                databases::used_size_bytes.eq(Some(bytes)),
                databases::size_collected_at.eq(Some(Utc::now())),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// The ready and quarantined databases of a host's engines: those that should have a
    /// running engine there.
    pub async fn database_list_running(&self, host_id: i64) -> StoreResult<Vec<DatabaseDetail>> {
        let mut conn = self.conn().await?;
        let running = databases::table
            .filter(
                databases::engine_id.eq_any(
                    engines::table
                        .filter(engines::host_id.eq(host_id))
                        .select(engines::id.nullable()),
                ),
            )
            .filter(databases::status.eq_any(DatabaseStatus::RUNNING))
            .order(databases::id)
            .select(Database::as_select())
            .load(&mut conn)
            .await?;
        drop(conn);
        self.database_details(running).await
    }

    /// Ready databases, for periodic work such as size collection.
    pub async fn database_list_ready(&self) -> StoreResult<Vec<DatabaseDetail>> {
        let mut conn = self.conn().await?;
        let ready = databases::table
            .filter(databases::status.eq(DatabaseStatus::Ready))
            .order(databases::id)
            .select(Database::as_select())
            .load(&mut conn)
            .await?;
        drop(conn);
        self.database_details(ready).await
    }
}
