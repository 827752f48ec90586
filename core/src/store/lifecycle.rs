//! A database's lifecycle: tasks started on it one at a time, its status, quarantine and
//! deletion.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::tx::{insert_task, lock_idle_database, TxError};
use super::{Store, StoreError, StoreResult};
use crate::model::{Database, DatabaseStatus, Task, TaskKind};
use crate::schema::{credentials, databases, environments};

impl Store {
    /// Starts a task on an idle database, optionally moving it to a new status in the same
    /// transaction (quarantine takes effect the moment DELETE answers).
    pub async fn database_task_start(
        &self,
        database_id: i64,
        kind: TaskKind,
        allowed: &[DatabaseStatus],
        new_status: Option<DatabaseStatus>,
    ) -> StoreResult<(Database, Task)> {
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
                    None => database,
                    Some(status) => {
                        let quarantine_dt = match status {
                            DatabaseStatus::Quarantined => Some(Utc::now()),
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
                };
                Ok((database, task))
            })
            .await;
        result.map_err(|e| e.into_store(String::new))
    }

    /// Stores the engine's sealed superuser password unless one is stored already, and returns
    /// the one that is: a resumed job must keep using the password the engine was set up with.
    pub async fn database_admin_password(&self, id: i64, candidate: Vec<u8>) -> StoreResult<Vec<u8>> {
        let mut conn = self.conn().await?;
        diesel::update(
            databases::table
                .find(id)
                .filter(databases::admin_password_enc.is_null()),
        )
        .set(databases::admin_password_enc.eq(&candidate))
        .execute(&mut conn)
        .await?;
        let stored: Option<Vec<u8>> = databases::table
            .find(id)
            .select(databases::admin_password_enc)
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("database"))?;
        stored.ok_or(StoreError::NotFound("database"))
    }

    pub async fn database_set_status(&self, id: i64, status: DatabaseStatus) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(databases::table.find(id))
            .set((databases::status.eq(status), databases::updated_at.eq(diesel::dsl::now)))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Marks a destroyed database `deleted` and its credentials gone; its row and history stay.
    pub async fn database_mark_deleted(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            diesel::update(databases::table.find(id))
                .set((
                    databases::status.eq(DatabaseStatus::Deleted),
                    databases::deleted_at.eq(Some(Utc::now())),
                    databases::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
            diesel::update(credentials::table.filter(credentials::database_id.eq(id)))
                .filter(credentials::deleted_at.is_null())
                .set((
                    credentials::deleted_at.eq(Some(Utc::now())),
                    credentials::password_enc.eq(None::<Vec<u8>>),
                    credentials::pending_password_enc.eq(None::<Vec<u8>>),
                ))
                .execute(conn)
                .await?;
            Ok(())
        })
        .await?;
        Ok(())
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

    /// A restored database is ready again and out of quarantine.
    pub async fn database_restored(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(
            databases::table
                .find(id)
                .filter(databases::status.eq(DatabaseStatus::Quarantined)),
        )
        .set((
            databases::status.eq(DatabaseStatus::Ready),
            databases::quarantine_dt.eq(None::<chrono::DateTime<Utc>>),
            databases::updated_at.eq(diesel::dsl::now),
        ))
        .execute(&mut conn)
        .await?;
        Ok(())
    }
}
