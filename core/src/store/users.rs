//! API users and the teams they act for.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Store, StoreError, StoreResult};
use crate::model::ApiUser;
use crate::schema::{api_users, team_members};

/// Who is calling, as far as authorization cares: the one place tenant scope is decided.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    pub is_admin: bool,
    pub team_ids: Vec<i64>,
}

impl Caller {
    /// Whether the caller may see and act on what belongs to `team_id`.
    pub fn can_access_team(&self, team_id: i64) -> bool {
        self.is_admin || self.team_ids.contains(&team_id)
    }

    /// The team new databases go to when the request names none.
    pub fn default_team(&self) -> Option<i64> {
        <[i64]>::first(&self.team_ids).copied()
    }
}

impl Store {
    /// The user and the password hash to check a login against.
    pub async fn user_by_name(&self, username: &str) -> StoreResult<Option<ApiUser>> {
        let mut conn = self.conn().await?;
        Ok(api_users::table
            .filter(api_users::username.eq(username))
            .select(ApiUser::as_select())
            .first(&mut conn)
            .await
            .optional()?)
    }

    /// The caller behind an authenticated user.
    pub async fn caller_for(&self, user: &ApiUser) -> StoreResult<Caller> {
        let mut conn = self.conn().await?;
        let team_ids = team_members::table
            .filter(team_members::user_id.eq(user.id))
            .select(team_members::team_id)
            .order(team_members::team_id)
            .load(&mut conn)
            .await
            .map_err(StoreError::Query)?;
        Ok(Caller {
            user_id: user.id,
            username: user.username.clone(),
            is_admin: user.is_admin,
            team_ids,
        })
    }
}
