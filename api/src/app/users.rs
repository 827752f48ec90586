//! API user operations: admins manage users and, through each user's `teams`, team
//! membership. A non-admin sees only themself (anyone else answers 404). Passwords are kept
//! as argon2 hashes only, and a change takes effect on the next request (see `http::auth`).

use dbaas_core::model::{NewUser, UserChanges, UserDetail};
use dbaas_core::secrets;
use dbaas_core::store::{Caller, Page, PageRequest};
use poem_openapi::types::Password;

use super::{admin_only, validate, App, AppError, AppResult};
use crate::params::{Reference, UserCreate, UserUpdate};

const ADMINS_ONLY: &str = "only admins change users";

/// Refuses, as absent, another user to a non-admin.
fn visible(caller: &Caller, id: i64) -> AppResult<()> {
    if !caller.is_admin && caller.user_id != id {
        return Err(AppError::NotFound("user"));
    }
    Ok(())
}

/// Argon2 is deliberately slow: it runs off the async workers.
async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(format!("password hashing stopped: {e}")))?
        .map_err(|e| AppError::Internal(e.to_string()))
}

impl App {
    pub async fn user_list(&self, caller: &Caller, page: PageRequest) -> AppResult<Page<UserDetail>> {
        let only = (!caller.is_admin).then_some(caller.user_id);
        Ok(self.store.user_list(only, page).await?)
    }

    pub async fn user_get(&self, caller: &Caller, id: i64) -> AppResult<UserDetail> {
        visible(caller, id)?;
        Ok(self.store.user_get(id).await?)
    }

    pub async fn user_create(&self, caller: &Caller, params: UserCreate) -> AppResult<UserDetail> {
        admin_only(caller, ADMINS_ONLY)?;
        validate::username(&params.username)?;
        validate::password(params.password.as_str())?;
        let team_ids = self.teams_resolve(params.teams.as_deref().unwrap_or_default()).await?;
        let new = NewUser {
            username: params.username.into(),
            password_hash: hash(params.password.0).await?,
            is_admin: params.is_admin.unwrap_or(false),
            is_operator: params.is_operator.unwrap_or(false),
            team_ids,
        };
        Ok(self.store.user_create(new).await?)
    }

    /// Changes a user. The last admin cannot stop being one; no one takes their own admin
    /// rights away, and changing one's own password asks for the current one.
    pub async fn user_update(&self, caller: &Caller, id: i64, params: UserUpdate) -> AppResult<UserDetail> {
        visible(caller, id)?;
        admin_only(caller, ADMINS_ONLY)?;
        validate::each(params.password.as_ref().map(|p| p.as_str()), validate::password)?;
        if id == caller.user_id {
            if params.is_admin == Some(false) {
                return Err(AppError::Conflict(
                    "you cannot take away your own admin rights; another admin can".into(),
                ));
            }
            if params.password.is_some() {
                self.check_current_password(id, params.current_password.as_ref())
                    .await?;
            }
        }
        let team_ids = match &params.teams {
            Some(teams) => Some(self.teams_resolve(teams).await?),
            None => None,
        };
        let password_hash = match params.password {
            Some(password) => Some(hash(password.0).await?),
            None => None,
        };
        let changes = UserChanges {
            password_hash,
            is_admin: params.is_admin,
            is_operator: params.is_operator,
            team_ids,
        };
        Ok(self.store.user_update(id, changes).await?)
    }

    /// Deletes a user; their logins stop working at once. The last admin cannot be deleted,
    /// and no one deletes themself.
    pub async fn user_delete(&self, caller: &Caller, id: i64) -> AppResult<()> {
        visible(caller, id)?;
        admin_only(caller, ADMINS_ONLY)?;
        if id == caller.user_id {
            return Err(AppError::Conflict(
                "you cannot delete yourself; another admin can".into(),
            ));
        }
        Ok(self.store.user_delete(id).await?)
    }

    /// Refuses a change of one's own password without the current one.
    async fn check_current_password(&self, id: i64, current: Option<&Password>) -> AppResult<()> {
        let Some(current) = current else {
            return Err(AppError::Unprocessable {
                field: Some("current_password"),
                message: "changing your own password needs your current one in current_password".into(),
            });
        };
        let stored = self.store.user_get(id).await?.user.password_hash;
        let given = current.as_str().to_owned();
        let matches = tokio::task::spawn_blocking(move || secrets::verify_password(&given, &stored))
            .await
            .map_err(|e| AppError::Internal(format!("password check stopped: {e}")))?;
        if !matches {
            return Err(AppError::Unprocessable {
                field: Some("current_password"),
                message: "current_password is not your current password".into(),
            });
        }
        Ok(())
    }

    /// The ids of the teams `refs` name, each once.
    async fn teams_resolve(&self, refs: &[Reference]) -> AppResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(refs.len());
        for raw in refs {
            ids.push(self.team_resolve("teams", raw.as_text(), None).await?);
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}
