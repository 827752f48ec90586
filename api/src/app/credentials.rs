//! Credential operations: engine users of a tenant's databases. The worker creates, resets
//! and drops the roles; these calls record the task and wait briefly for it, so that they can
//! answer with the password.

use dbaas_core::model::{
    credential_username, owner_username, Credential, Database, DatabaseStatus, Privileges, Ref, Task, TaskKind,
};
use dbaas_core::store::{Caller, CredentialFilter, NewCredential, Page, PageRequest};

use super::{parse_reference, validate, App, AppError, AppResult, ResourceKind, Waited};
use crate::params::CredentialCreate;

/// A credential with what it takes to use it. The password is present once the worker has set
/// it in the engine, and only while the database is ready.
#[derive(Debug, Clone)]
pub struct CredentialDetail {
    pub credential: Credential,
    pub database: Database,
    pub password: Option<String>,
    pub connection_uri: Option<String>,
    pub latest_task: Option<Task>,
}

impl App {
    /// A live credential of a database the caller may see.
    async fn credential_visible(&self, caller: &Caller, id: i64) -> AppResult<(Credential, Database)> {
        let (credential, database) = self.store.credential_get(id).await?;
        if !caller.can_access_team(database.team_id) {
            return Err(AppError::NotFound("credential"));
        }
        Ok((credential, database))
    }

    /// A credential the caller may read: operators read every team's, but its password and
    /// connection URI only its team's members and admins.
    pub async fn credential_get(&self, caller: &Caller, id: i64) -> AppResult<CredentialDetail> {
        let (credential, database) = self.store.credential_get(id).await?;
        if !caller.can_read_team(database.team_id) {
            return Err(AppError::NotFound("credential"));
        }
        let detail = self.store.database_detail(database.id).await?;
        let reads_password = caller.can_access_team(database.team_id);
        let password = match (&credential.password_enc, detail.database.status) {
            (Some(sealed), DatabaseStatus::Ready) if reads_password => Some(
                self.config
                    .secrets
                    .open(sealed)
                    .map_err(|e| AppError::Internal(format!("credential {id}: {e}")))?,
            ),
            _ => None,
        };
        let connection_uri = password.as_deref().and_then(|password| {
            let port = detail.port()?;
            Some(detail.plan.engine.connection_uri(
                &detail.host.as_ref()?.address,
                port,
                &credential.username,
                password,
                &detail.database.name,
                self.config.engine_tls.is_on(),
            ))
        });
        let latest_task = self.store.task_latest_for_credential(id).await?;
        Ok(CredentialDetail {
            credential,
            database: detail.database,
            password,
            connection_uri,
            latest_task,
        })
    }

    pub async fn credential_list(
        &self,
        caller: &Caller,
        database: Option<String>,
        page: PageRequest,
    ) -> AppResult<Page<Credential>> {
        // A filter that names no database (by its name, or not at all) matches nothing.
        let database_id = database.as_deref().map(|raw| database_ref(raw).unwrap_or(-1));
        let filter = CredentialFilter {
            teams_in: (!caller.reads_every_team()).then(|| caller.team_ids.clone()),
            database_id,
        };
        Ok(self.store.credential_list(filter, page).await?)
    }

    /// Records a credential and has the worker create its role; answers with the password
    /// when the worker is done within the request's wait.
    pub async fn credential_create(
        &self,
        caller: &Caller,
        params: CredentialCreate,
    ) -> AppResult<Waited<CredentialDetail>> {
        validate::user(&params.user)?;
        let privileges = match params.privileges.as_deref() {
            None => Privileges::ReadWrite,
            Some(raw) => validate::privileges(raw)?,
        };
        validate::each(params.connection_limit.as_ref(), validate::connection_limit)?;
        let database_id = database_ref(params.database.as_text())?;
        let absent = || AppError::Unprocessable {
            field: Some("database"),
            message: format!("database '{}' does not exist", params.database.as_text()),
        };
        let detail = self
            .store
            .database_detail(database_id)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::NotFound(_) => absent(),
                e => e,
            })?;
        if !caller.can_access_team(detail.database.team_id) {
            return Err(absent());
        }
        validate::connection_limit_on(detail.plan.engine, params.connection_limit)?;
        let username = credential_username(detail.plan.placement, &detail.database.name, &params.user);
        validate::role_name(&username)?;
        let (credential, task) = self
            .store
            .credential_create(NewCredential {
                database_id,
                username,
                privileges,
                connection_limit: params.connection_limit,
            })
            .await?;
        self.queue.enqueue(&task).await;
        self.credential_settle(caller, credential.id, &task).await
    }

    /// Has the worker give the credential a new generated password.
    pub async fn credential_reset_password(&self, caller: &Caller, id: i64) -> AppResult<Waited<CredentialDetail>> {
        self.credential_visible(caller, id).await?;
        let task = self.store.credential_task_start(id, TaskKind::ResetPassword).await?;
        self.queue.enqueue(&task).await;
        self.credential_settle(caller, id, &task).await
    }

    /// Has the worker drop the credential's role. The owner credential goes only with its
    /// database.
    pub async fn credential_delete(&self, caller: &Caller, id: i64) -> AppResult<Waited<()>> {
        let (credential, database) = self.credential_visible(caller, id).await?;
        if credential.username == owner_username(&database.name) {
            return Err(AppError::Conflict(
                "this is the database's owner credential; it goes when the database is deleted".into(),
            ));
        }
        let task = self.store.credential_task_start(id, TaskKind::DeleteCredential).await?;
        self.queue.enqueue(&task).await;
        self.task_settle(&task).await
    }

    /// The credential as its task left it, once the task is done.
    async fn credential_settle(
        &self,
        caller: &Caller,
        credential_id: i64,
        task: &Task,
    ) -> AppResult<Waited<CredentialDetail>> {
        Ok(match self.task_settle(task).await? {
            Waited::Done(()) => Waited::Done(self.credential_get(caller, credential_id).await?),
            Waited::Pending(task) => Waited::Pending(task),
        })
    }
}

/// A database as a credential request names it: by URL or id, never by name (names are
/// unique only within an environment).
fn database_ref(raw: &str) -> AppResult<i64> {
    match parse_reference(ResourceKind::Database, "database", raw)? {
        Ref::Id(id) => Ok(id),
        Ref::Name(_) => Err(AppError::Unprocessable {
            field: Some("database"),
            message: "name the database by its URL (/api/database/1/) or its id".into(),
        }),
    }
}
