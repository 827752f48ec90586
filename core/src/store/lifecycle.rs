//! A database's lifecycle: tasks started on it one at a time, its status, quarantine and
//! deletion.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::tx::{insert_task, lock_idle_database, TxError};
use super::{Store, StoreError, StoreResult};
use crate::model::{Database, DatabaseStatus, EngineState, Placement, Task, TaskKind};
use crate::schema::{credentials, databases, engines, environments};

impl Store {
    /// Starts a task of `kind` on an idle database in one of the statuses the kind starts
    /// from, moving it to the kind's transitional status in the same transaction
    /// ([`TaskKind::starts_from`]): from the moment a DELETE is accepted, the database is
    /// `quarantining` and shows no password.
    pub async fn database_task_start(&self, database_id: i64, kind: TaskKind) -> StoreResult<(Database, Task)> {
        let (allowed, new_status) = kind.starts_from();
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError, _>(async |conn| {
                let database = lock_idle_database(conn, database_id).await?;
                if !allowed.contains(&database.status) {
                    return Err(TxError::Refused(StoreError::Conflict(format!(
                        "the database is {}, so it cannot be asked to {}",
                        database.status,
                        kind.as_str().replace('_', " ")
                    ))));
                }
                let task = insert_task(conn, kind, database_id, None).await?;
                let database = match new_status {
                    Some(status) if status != database.status => {
                        // The quarantine period runs from the first DELETE accepted.
                        let quarantine_dt = match status {
                            DatabaseStatus::Quarantining => database.quarantine_dt.or(Some(Utc::now())),
                            _ => database.quarantine_dt,
                        };
                        diesel::update(databases::table.find(database_id))
                            .set((
                                databases::status.eq(status),
                                databases::quarantine_dt.eq(quarantine_dt),
                                databases::updated_at.eq(diesel::dsl::now),
                            ))
                            .returning(Database::as_returning())
                            .get_result(conn)
                            .await?
                    }
                    _ => database,
                };
                Ok((database, task))
            })
            .await;
        result.map_err(|e| e.into_store(String::new))
    }

    /// Quarantined databases whose period (their own, else their environment's) has run out.
    pub async fn database_list_expired_quarantines(&self) -> StoreResult<Vec<i64>> {
        let mut conn = self.conn().await?;
        Ok(databases::table
            .inner_join(environments::table)
            .filter(databases::status.eq(DatabaseStatus::Quarantined))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "databases.quarantine_dt + make_interval(days => \
                 coalesce(databases.quarantine_days, environments.quarantine_days)) <= now()",
            ))
            .select(databases::id)
            .order(databases::id)
            .load(&mut conn)
            .await?)
    }
}

/// Moves a database to the end state of its task, inside the transaction that ends the task
/// (`Store::task_end`), with what that state means for its credentials.
pub(crate) async fn settle_database(
    conn: &mut AsyncPgConnection,
    id: i64,
    status: DatabaseStatus,
) -> Result<(), diesel::result::Error> {
    let now = Utc::now();
    let database = databases::table.find(id);
    match status {
        DatabaseStatus::Ready => {
            // Provisioned, or restored: out of quarantine.
            diesel::update(database)
                .set((
                    databases::status.eq(status),
                    databases::quarantine_dt.eq(None::<chrono::DateTime<Utc>>),
                    databases::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
        }
        DatabaseStatus::Quarantined | DatabaseStatus::Deleted => {
            // Quarantine replaced every password by an unknown one: the stored ones are void.
            // Destruction ends the credentials too; the database's row and history stay.
            let deleted = status == DatabaseStatus::Deleted;
            diesel::update(database)
                .set((
                    databases::status.eq(status),
                    databases::deleted_at.eq(deleted.then_some(now)),
                    databases::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
            if deleted {
                // The destroy removed its engine: the engine's port is free again. A shared
                // engine stays, serving the others (the destroy dropped only this database).
                let engine = databases::table.find(id).select(databases::engine_id);
                let dedicated = engines::table
                    .filter(engines::id.nullable().eq_any(engine))
                    .filter(engines::placement.eq(Placement::Dedicated));
                diesel::update(dedicated)
                    .set((
                        engines::state.eq(EngineState::Removed),
                        engines::updated_at.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await?;
            }
            let live = credentials::table
                .filter(credentials::database_id.eq(id))
                .filter(credentials::deleted_at.is_null());
            diesel::update(live)
                .set((
                    credentials::deleted_at.eq(deleted.then_some(now)),
                    credentials::password_enc.eq(None::<Vec<u8>>),
                    credentials::pending_password_enc.eq(None::<Vec<u8>>),
                    credentials::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
        }
        _ => {
            diesel::update(database)
                .set((databases::status.eq(status), databases::updated_at.eq(diesel::dsl::now)))
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}
