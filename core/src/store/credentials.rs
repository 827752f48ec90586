//! Credentials: engine roles and their sealed passwords.
//!
//! A password is stored before it is applied, so a job that stops half-way finds it and applies
//! the same one again. A new password waits in `pending_password_enc` until the engine has it;
//! then it replaces the old one.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::page::{load_page, Page, PageRequest};
use super::tx::{insert_task, lock_idle_database, TxError};
use super::{Store, StoreError, StoreResult};
use crate::model::{Credential, Database, DatabaseStatus, Privileges, Task, TaskKind};
use crate::schema::{credentials, databases};

/// Which credentials a list shows.
#[derive(Debug, Clone, Default)]
pub struct CredentialFilter {
    /// `Some`: only credentials of these teams' databases.
    pub teams_in: Option<Vec<i64>>,
    pub database_id: Option<i64>,
}

/// A credential asked for by a tenant.
#[derive(Debug, Clone)]
pub struct NewCredential {
    pub database_id: i64,
    pub username: String,
    pub privileges: Privileges,
    pub connection_limit: Option<i32>,
}

impl Store {
    /// A live credential with the database it belongs to.
    pub async fn credential_get(&self, id: i64) -> StoreResult<(Credential, Database)> {
        let mut conn = self.conn().await?;
        credentials::table
            .inner_join(databases::table)
            .filter(credentials::id.eq(id))
            .filter(credentials::deleted_at.is_null())
            .select((Credential::as_select(), Database::as_select()))
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("credential"))
    }

    pub async fn credential_list(
        &self,
        filter: CredentialFilter,
        request: PageRequest,
    ) -> StoreResult<Page<Credential>> {
        let mut conn = self.conn().await?;
        let query = || {
            let mut query = credentials::table
                .filter(credentials::deleted_at.is_null())
                .into_boxed();
            if let Some(teams) = &filter.teams_in {
                query = query.filter(
                    credentials::database_id.eq_any(
                        databases::table
                            .filter(databases::team_id.eq_any(teams.clone()))
                            .select(databases::id),
                    ),
                );
            }
            if let Some(id) = filter.database_id {
                query = query.filter(credentials::database_id.eq(id));
            }
            query
        };
        Ok(load_page!(
            &mut conn,
            query,
            credentials::id,
            Credential::as_select(),
            request,
            |c: &Credential| c.id
        ))
    }

    /// Records a credential (no password yet) and the task that creates its role. The database
    /// must be ready and idle.
    pub async fn credential_create(&self, new: NewCredential) -> StoreResult<(Credential, Task)> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError, _>(async |conn| {
                let database = lock_idle_database(conn, new.database_id).await?;
                if database.status != DatabaseStatus::Ready {
                    return Err(TxError::Refused(StoreError::Conflict(format!(
                        "the database is {}; credentials can be added once it is ready",
                        database.status
                    ))));
                }
                let credential: Credential = diesel::insert_into(credentials::table)
                    .values((
                        credentials::database_id.eq(new.database_id),
                        credentials::username.eq(&new.username),
                        credentials::privileges.eq(new.privileges),
                        credentials::connection_limit.eq(new.connection_limit),
                    ))
                    .returning(Credential::as_returning())
                    .get_result(conn)
                    .await?;
                let task = insert_task(conn, TaskKind::CreateCredential, new.database_id, Some(credential.id)).await?;
                Ok((credential, task))
            })
            .await;
        result.map_err(|e| e.into_store(|| format!("the database already has a user named '{}'", new.username)))
    }

    /// Starts a task on a credential (reset its password, delete it) once its database is
    /// ready and idle.
    pub async fn credential_task_start(&self, credential_id: i64, kind: TaskKind) -> StoreResult<Task> {
        let (credential, _) = self.credential_get(credential_id).await?;
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError, _>(async |conn| {
                let database = lock_idle_database(conn, credential.database_id).await?;
                if database.status != DatabaseStatus::Ready {
                    return Err(TxError::Refused(StoreError::Conflict(format!(
                        "the database is {}; its credentials can be changed once it is ready",
                        database.status
                    ))));
                }
                insert_task(conn, kind, credential.database_id, Some(credential_id)).await
            })
            .await;
        result.map_err(|e| e.into_store(String::new))
    }

    /// A credential by id, deleted or not: jobs resume on what they started.
    pub async fn credential_any(&self, id: i64) -> StoreResult<Credential> {
        let mut conn = self.conn().await?;
        credentials::table
            .find(id)
            .select(Credential::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("credential"))
    }

    /// Stores a sealed password unless one is stored already, and returns the stored one.
    pub async fn credential_initial_password(&self, id: i64, candidate: Vec<u8>) -> StoreResult<Vec<u8>> {
        let mut conn = self.conn().await?;
        diesel::update(credentials::table.find(id).filter(credentials::password_enc.is_null()))
            .set((
                credentials::password_enc.eq(&candidate),
                credentials::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await?;
        let stored: Option<Vec<u8>> = credentials::table
            .find(id)
            .select(credentials::password_enc)
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("credential"))?;
        stored.ok_or(StoreError::NotFound("credential"))
    }

    /// Stores a sealed new password as pending unless one is pending already, and returns the
    /// pending one.
    pub async fn credential_pending_password(&self, id: i64, candidate: Vec<u8>) -> StoreResult<Vec<u8>> {
        let mut conn = self.conn().await?;
        diesel::update(
            credentials::table
                .find(id)
                .filter(credentials::pending_password_enc.is_null()),
        )
        .set(credentials::pending_password_enc.eq(&candidate))
        .execute(&mut conn)
        .await?;
        let stored: Option<Vec<u8>> = credentials::table
            .find(id)
            .select(credentials::pending_password_enc)
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("credential"))?;
        stored.ok_or(StoreError::NotFound("credential"))
    }

    /// The engine has the pending password: it becomes the password.
    pub async fn credential_commit_pending(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(
            credentials::table
                .find(id)
                .filter(credentials::pending_password_enc.is_not_null()),
        )
        .set((
            credentials::password_enc.eq(credentials::pending_password_enc),
            credentials::pending_password_enc.eq(None::<Vec<u8>>),
            credentials::updated_at.eq(diesel::dsl::now),
        ))
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    /// Forgets a credential's passwords: the engine now has one nobody knows.
    pub async fn credential_forget_password(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(credentials::table.find(id))
            .set((
                credentials::password_enc.eq(None::<Vec<u8>>),
                credentials::pending_password_enc.eq(None::<Vec<u8>>),
                credentials::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    pub async fn credential_mark_deleted(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(credentials::table.find(id).filter(credentials::deleted_at.is_null()))
            .set((
                credentials::deleted_at.eq(Some(Utc::now())),
                credentials::password_enc.eq(None::<Vec<u8>>),
                credentials::pending_password_enc.eq(None::<Vec<u8>>),
                credentials::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}
