//! Credential operations.

use dbaas_core::model::{
    Credential, Database, DatabaseStatus, Engine, Environment, Plan, Privileges, Ref, Task, TaskKind, TaskStatus,
};
use dbaas_core::store::{Caller, CredentialFilter, NewCredential, Page, PageRequest};

use super::{parse_reference, App, AppError, AppResult, ResourceKind};

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

/// A request for a new credential, as the tenant wrote it.
#[derive(Debug, Clone)]
pub struct CredentialRequest {
    pub user: String,
    pub database: String,
    pub privileges: Option<String>,
    pub connection_limit: Option<i32>,
}

/// The outcome of a call that waits for its task: done, or still under way.
#[derive(Debug, Clone)]
pub enum Waited<T> {
    Done(T),
    Pending(Task),
}

const MAX_USER_LEN: usize = 63;

/// Engine role names: a letter, then letters, digits and underscores; none of the engine's own.
fn check_username(user: &str) -> AppResult<()> {
    let invalid = |message: String| {
        Err(AppError::Invalid {
            field: Some("user"),
            message,
        })
    };
    let mut chars = user.chars();
    if user.is_empty() || user.len() > MAX_USER_LEN {
        return invalid(format!("user must be 1 to {MAX_USER_LEN} characters"));
    }
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase())
        || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return invalid(
            "user must start with a lowercase letter and hold only lowercase letters, digits and underscores".into(),
        );
    }
    if user.starts_with("pg_") || ["postgres", "public", "admin", "root"].contains(&user) {
        return invalid(format!("'{user}' is reserved by the engine"));
    }
    Ok(())
}

fn connection_uri(
    plan: &Plan,
    environment: &Environment,
    database: &Database,
    user: &str,
    password: &str,
) -> Option<String> {
    let engine = Engine::parse(&plan.engine)?;
    let port = database.port?;
    Some(engine.connection_uri(&environment.host_address, port, user, password, &database.name))
}

fn task_failed(task: &Task) -> AppError {
    AppError::Unavailable(format!(
        "task {} failed: {}",
        task.id,
        task.last_error.as_deref().unwrap_or("no reason recorded")
    ))
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

    pub async fn credential_get(&self, caller: &Caller, id: i64) -> AppResult<CredentialDetail> {
        let (credential, database) = self.credential_visible(caller, id).await?;
        let detail = self.store.database_detail(database.id).await?;
        let password = match (&credential.password_enc, detail.database.status()) {
            (Some(sealed), DatabaseStatus::Ready) => Some(
                self.config
                    .secrets
                    .open(sealed)
                    .map_err(|e| AppError::Internal(format!("credential {id}: {e}")))?,
            ),
            _ => None,
        };
        let connection_uri = password.as_deref().and_then(|p| {
            connection_uri(
                &detail.plan,
                &detail.environment,
                &detail.database,
                &credential.username,
                p,
            )
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
        let database_id = match database.as_deref() {
            None => None,
            Some(raw) => Some(self.database_ref(raw)?),
        };
        let filter = CredentialFilter {
            teams_in: (!caller.is_admin).then(|| caller.team_ids.clone()),
            database_id,
        };
        Ok(self.store.credential_list(filter, page).await?)
    }

    fn database_ref(&self, raw: &str) -> AppResult<i64> {
        match parse_reference(ResourceKind::Database, "database", raw)? {
            Ref::Id(id) => Ok(id),
            Ref::Name(_) => Err(AppError::Invalid {
                field: Some("database"),
                message: "name the database by its URL (/api/database/1/) or its id".into(),
            }),
        }
    }

    /// Records a credential and has the worker create its role; answers with the password
    /// when the worker is done within the request's wait.
    pub async fn credential_create(
        &self,
        caller: &Caller,
        request: CredentialRequest,
    ) -> AppResult<Waited<CredentialDetail>> {
        check_username(&request.user)?;
        let privileges = match request.privileges.as_deref() {
            None => Privileges::ReadWrite,
            Some(raw) => Privileges::parse(&raw.replace('-', "_")).ok_or_else(|| AppError::Invalid {
                field: Some("privileges"),
                message: format!("'{raw}' is not one of owner, read-write, read-only"),
            })?,
        };
        if request.connection_limit.is_some_and(|l| !(-1..=10_000).contains(&l)) {
            return Err(AppError::Invalid {
                field: Some("connection_limit"),
                message: "connection_limit must be between 0 and 10000 (or -1 for no limit)".into(),
            });
        }
        let database_id = self.database_ref(&request.database)?;
        let database = self
            .store
            .database_get(database_id)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::NotFound(_) => AppError::Unprocessable {
                    field: Some("database"),
                    message: format!("database '{}' does not exist", request.database),
                },
                e => e,
            })?;
        if !caller.can_access_team(database.team_id) {
            return Err(AppError::Unprocessable {
                field: Some("database"),
                message: format!("database '{}' does not exist", request.database),
            });
        }
        let (credential, task) = self
            .store
            .credential_create(NewCredential {
                database_id,
                username: request.user,
                privileges,
                connection_limit: request.connection_limit,
            })
            .await?;
        self.enqueue(&task).await;
        self.after_task(caller, credential.id, task).await
    }

    /// Has the worker give the credential a new generated password.
    pub async fn credential_reset_password(&self, caller: &Caller, id: i64) -> AppResult<Waited<CredentialDetail>> {
        self.credential_visible(caller, id).await?;
        let task = self.store.credential_task_start(id, TaskKind::ResetPassword).await?;
        self.enqueue(&task).await;
        self.after_task(caller, id, task).await
    }

    /// Has the worker drop the credential's role. The owner credential goes only with its
    /// database.
    pub async fn credential_delete(&self, caller: &Caller, id: i64) -> AppResult<Waited<()>> {
        let (credential, database) = self.credential_visible(caller, id).await?;
        if credential.username == dbaas_core::model::owner_username(&database.name) {
            return Err(AppError::Conflict(
                "this is the database's owner credential; it goes when the database is deleted".into(),
            ));
        }
        let task = self.store.credential_task_start(id, TaskKind::DeleteCredential).await?;
        self.enqueue(&task).await;
        let task = self.task_wait(task.id).await?;
        match TaskStatus::parse(&task.status) {
            Some(TaskStatus::Succeeded) => Ok(Waited::Done(())),
            Some(TaskStatus::Failed) => Err(task_failed(&task)),
            _ => Ok(Waited::Pending(task)),
        }
    }

    async fn after_task(&self, caller: &Caller, credential_id: i64, task: Task) -> AppResult<Waited<CredentialDetail>> {
        let task = self.task_wait(task.id).await?;
        match TaskStatus::parse(&task.status) {
            Some(TaskStatus::Succeeded) => Ok(Waited::Done(self.credential_get(caller, credential_id).await?)),
            Some(TaskStatus::Failed) => Err(task_failed(&task)),
            _ => Ok(Waited::Pending(task)),
        }
    }
}
