//! Final dumps, kept in the catalog in chunks so every api replica can serve them, and
//! dropped when their retention period is over.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::{Store, StoreError, StoreResult};
use crate::model::{Dump, DumpFormat};
use crate::schema::{databases, dump_chunks, dumps, environments};

/// Bytes a chunk holds.
pub const DUMP_CHUNK_BYTES: usize = 1024 * 1024;

impl Store {
    /// The database's complete dump, if one was taken.
    pub async fn dump_complete_for(&self, database_id: i64) -> StoreResult<Option<Dump>> {
        let mut conn = self.conn().await?;
        Ok(dumps::table
            .filter(dumps::database_id.eq(database_id))
            .filter(dumps::complete.eq(true))
            .select(Dump::as_select())
            .first(&mut conn)
            .await
            .optional()?)
    }

    /// Starts a dump, dropping what an interrupted one left; it expires after its
    /// environment's retention period.
    pub async fn dump_begin(&self, database_id: i64, format: DumpFormat) -> StoreResult<Dump> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, diesel::result::Error, _>(async |conn| {
                diesel::delete(
                    dumps::table
                        .filter(dumps::database_id.eq(database_id))
                        .filter(dumps::complete.eq(false)),
                )
                .execute(conn)
                .await?;
                let days: i32 = databases::table
                    .inner_join(environments::table)
                    .filter(databases::id.eq(database_id))
                    .select(environments::dump_retention_days)
                    .first(conn)
                    .await?;
                diesel::insert_into(dumps::table)
                    .values((
                        dumps::database_id.eq(database_id),
                        dumps::format.eq(format),
                        dumps::expires_at.eq(Utc::now() + chrono::Duration::days(i64::from(days))),
                    ))
                    .returning(Dump::as_returning())
                    .get_result(conn)
                    .await
            })
            .await;
        result.map_err(StoreError::lookup("database"))
    }

    pub async fn dump_append(&self, dump_id: i64, seq: i32, offset: i64, data: &[u8]) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::insert_into(dump_chunks::table)
            .values((
                dump_chunks::dump_id.eq(dump_id),
                dump_chunks::seq.eq(seq),
                dump_chunks::offset_bytes.eq(offset),
                dump_chunks::data.eq(data),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    pub async fn dump_finish(&self, dump_id: i64, size: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(dumps::table.find(dump_id))
            .set((dumps::complete.eq(true), dumps::size_bytes.eq(size)))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// A database's complete, unexpired dumps, newest first.
    pub async fn dump_list(&self, database_id: i64) -> StoreResult<Vec<Dump>> {
        let mut conn = self.conn().await?;
        Ok(dumps::table
            .filter(dumps::database_id.eq(database_id))
            .filter(dumps::complete.eq(true))
            .filter(dumps::expires_at.gt(Utc::now()))
            .order(dumps::id.desc())
            .select(Dump::as_select())
            .load(&mut conn)
            .await?)
    }

    pub async fn dump_get(&self, database_id: i64, dump_id: i64) -> StoreResult<Dump> {
        let mut conn = self.conn().await?;
        dumps::table
            .find(dump_id)
            .filter(dumps::database_id.eq(database_id))
            .filter(dumps::complete.eq(true))
            .filter(dumps::expires_at.gt(Utc::now()))
            .select(Dump::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("dump"))
    }

    /// Bytes `start..end` of a dump, reading only the chunks that hold them.
    pub async fn dump_read(&self, dump_id: i64, start: i64, end: i64) -> StoreResult<Vec<u8>> {
        let mut conn = self.conn().await?;
        let chunks: Vec<(i64, Vec<u8>)> = dump_chunks::table
            .filter(dump_chunks::dump_id.eq(dump_id))
            .filter(dump_chunks::offset_bytes.lt(end))
            .filter(dump_chunks::offset_bytes.gt(start - DUMP_CHUNK_BYTES as i64))
            .order(dump_chunks::seq)
            .select((dump_chunks::offset_bytes, dump_chunks::data))
            .load(&mut conn)
            .await?;
        let mut out = Vec::with_capacity(usize::try_from(end - start).unwrap_or(0));
        for (offset, data) in chunks {
            let from = usize::try_from((start - offset).max(0)).unwrap_or(0);
            let to = usize::try_from((end - offset).min(data.len() as i64)).unwrap_or(0);
            if from < to {
                out.extend_from_slice(&data[from..to]);
            }
        }
        Ok(out)
    }

    /// Drops the dumps whose retention period is over; returns how many.
    pub async fn dumps_expire(&self) -> StoreResult<usize> {
        let mut conn = self.conn().await?;
        Ok(diesel::delete(dumps::table.filter(dumps::expires_at.le(Utc::now())))
            .execute(&mut conn)
            .await?)
    }
}
