//! API user operations: admins manage users and, through each user's `teams`, team
//! membership. A non-admin sees only themself (anyone else answers 404). Passwords are kept
//! as argon2 hashes only, and a change takes effect on the next request (see `http::auth`).

use dbaas_core::model::{NewUser, UserChanges, UserDetail};
use dbaas_core::secrets;
use dbaas_core::store::{Caller, Page, PageRequest};

use super::validate;
use super::{admin_only, App, AppError, AppResult};

/// A user as an admin writes it.
#[derive(Debug, Clone)]
pub struct UserRequest {
    pub username: String,
    pub password: String,
    pub is_admin: bool,
    /// References to the teams the user acts for.
    pub teams: Vec<String>,
}

/// A user's fields to change; `None` leaves one as it is. `teams` replaces the memberships.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub password: Option<String>,
    pub is_admin: Option<bool>,
    pub teams: Option<Vec<String>>,
}

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

    pub async fn user_create(&self, caller: &Caller, request: UserRequest) -> AppResult<UserDetail> {
        admin_only(caller, "users")?;
        validate::username(&request.username)?;
        validate::password(&request.password)?;
        let team_ids = self.teams_resolve(&request.teams).await?;
        let new = NewUser {
            username: request.username,
            password_hash: hash(request.password).await?,
            is_admin: request.is_admin,
            team_ids,
        };
        Ok(self.store.user_create(new).await?)
    }

    /// Changes a user. The last admin cannot stop being one.
    pub async fn user_update(&self, caller: &Caller, id: i64, patch: UserPatch) -> AppResult<UserDetail> {
        visible(caller, id)?;
        admin_only(caller, "users")?;
        validate::each(patch.password.as_deref(), validate::password)?;
        let team_ids = match &patch.teams {
            Some(teams) => Some(self.teams_resolve(teams).await?),
            None => None,
        };
        let password_hash = match patch.password {
            Some(password) => Some(hash(password).await?),
            None => None,
        };
        let changes = UserChanges {
            password_hash,
            is_admin: patch.is_admin,
            team_ids,
        };
        Ok(self.store.user_update(id, changes).await?)
    }

    /// Deletes a user; their logins stop working at once. The last admin cannot be deleted.
    pub async fn user_delete(&self, caller: &Caller, id: i64) -> AppResult<()> {
        visible(caller, id)?;
        admin_only(caller, "users")?;
        Ok(self.store.user_delete(id).await?)
    }

    /// The ids of the teams `refs` name, each once.
    async fn teams_resolve(&self, refs: &[String]) -> AppResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(refs.len());
        for raw in refs {
            ids.push(self.team_resolve("teams", raw, None).await?);
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}
