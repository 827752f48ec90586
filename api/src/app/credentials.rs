//! Credential operations.

use dbaas_core::model::{Credential, Database, Engine, Environment, Plan};
use dbaas_core::store::Caller;

use super::{App, AppError, AppResult};

/// A credential with what it takes to use it. The password is present once the worker has set
/// it in the engine, and only while the database is usable.
#[derive(Debug, Clone)]
pub struct CredentialDetail {
    pub credential: Credential,
    pub database: Database,
    pub password: Option<String>,
    pub connection_uri: Option<String>,
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
    Some(engine.connection_uri(
        &environment.host_address,
        port,
        user,
        password,
        &database.name,
    ))
}

impl App {
    pub async fn credential_get(&self, caller: &Caller, id: i64) -> AppResult<CredentialDetail> {
        let (credential, database) = self.store.credential_get(id).await?;
        if !caller.can_access_team(database.team_id) {
            return Err(AppError::NotFound("credential"));
        }
        let detail = self.store.database_detail(database.id).await?;
        let password = match (&credential.password_enc, detail.database.status()) {
            (Some(sealed), dbaas_core::model::DatabaseStatus::Ready) => Some(
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
        Ok(CredentialDetail {
            credential,
            database: detail.database,
            password,
            connection_uri,
        })
    }
}
