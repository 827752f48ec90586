//! API users and the teams they act for.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::page::{load_page, Page, PageRequest};
use super::{Conn, Store, StoreError, StoreResult};
use crate::model::{ApiUser, NewUser, UserChanges, UserDetail};
use crate::schema::{api_users, team_members, teams};

/// Who is calling, as far as authorization cares: the one place tenant scope is decided.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    pub is_admin: bool,
    /// Runs the engines: sees and acts on every engine, reads every team's databases, but
    /// never a tenant's password (see [`Caller::can_read_team`]).
    pub is_operator: bool,
    pub team_ids: Vec<i64>,
}

impl Caller {
    /// Whether the caller may see and act on what belongs to `team_id` (passwords included).
    pub fn can_access_team(&self, team_id: i64) -> bool {
        self.is_admin || self.team_ids.contains(&team_id)
    }

    /// Whether the caller may read what belongs to `team_id`: as [`Self::can_access_team`],
    /// and operators read every team's (without its passwords).
    pub fn can_read_team(&self, team_id: i64) -> bool {
        self.is_operator || self.can_access_team(team_id)
    }

    /// Whether the caller reads every team's resources (admins and operators).
    pub fn reads_every_team(&self) -> bool {
        self.is_admin || self.is_operator
    }

    /// Whether the caller may see and act on the engine fleet (admins and operators).
    pub fn runs_fleet(&self) -> bool {
        self.is_admin || self.is_operator
    }

    /// The team new databases go to when the request names none.
    pub fn default_team(&self) -> Option<i64> {
        <[i64]>::first(&self.team_ids).copied()
    }
}

/// What a login is checked against: the stored hash, and who the user is if it matches.
#[derive(Debug, Clone)]
pub struct Login {
    pub password_hash: String,
    pub caller: Caller,
}

/// The teams of each of `user_ids`, in id order.
async fn teams_of(conn: &mut Conn, user_ids: &[i64]) -> StoreResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = team_members::table
        .filter(team_members::user_id.eq_any(user_ids))
        .select((team_members::user_id, team_members::team_id))
        .order((team_members::user_id, team_members::team_id))
        .load(conn)
        .await?;
    let mut teams: HashMap<i64, Vec<i64>> = HashMap::new();
    for (user_id, team_id) in rows {
        teams.entry(user_id).or_default().push(team_id);
    }
    Ok(teams)
}

async fn detail(conn: &mut Conn, user: ApiUser) -> StoreResult<UserDetail> {
    let team_ids = teams_of(conn, &[user.id]).await?.remove(&user.id).unwrap_or_default();
    Ok(UserDetail { user, team_ids })
}

/// Makes `team_ids` the user's teams. Teams retired meanwhile are left out, so that no
/// membership outlives its team.
async fn set_teams(conn: &mut Conn, user_id: i64, team_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(team_members::table.filter(team_members::user_id.eq(user_id)))
        .execute(conn)
        .await?;
    diesel::insert_into(team_members::table)
        .values(
            teams::table
                .filter(teams::id.eq_any(team_ids))
                .filter(teams::deleted_at.is_null())
                .select((teams::id, user_id.into_sql::<BigInt>())),
        )
        .into_columns((team_members::team_id, team_members::user_id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Refuses to leave the catalog without an admin: nobody could manage it any more. Locks
/// every admin first, in id order, so that two admins removing each other at once queue up
/// (the second then sees it is the last) instead of both succeeding or deadlocking.
async fn keep_an_admin(conn: &mut Conn, leaving: i64) -> StoreResult<()> {
    let admins: Vec<(i64, String)> = api_users::table
        .filter(api_users::is_admin)
        .select((api_users::id, api_users::username))
        .order(api_users::id)
        .for_update()
        .load(conn)
        .await?;
    match admins.as_slice() {
        [(id, username)] if *id == leaving => Err(StoreError::Conflict(format!(
            "'{username}' is the last admin: make another user admin first"
        ))),
        _ => Ok(()),
    }
}

impl Store {
    /// Who `username` is and the hash to check their password against; `None` if nobody.
    /// Answered from memory while this process hears the catalog's changes of logins (see
    /// [`super::login_memory`]), else one query.
    pub async fn user_login(&self, username: &str) -> StoreResult<Option<Login>> {
        if let Some(login) = self.logins.recall(username) {
            return Ok(Some(login));
        }
        let generation = self.logins.generation();
        let login = self.user_login_read(username).await?;
        if let Some(login) = &login {
            self.logins.remember(generation, username, login);
        }
        Ok(login)
    }

    async fn user_login_read(&self, username: &str) -> StoreResult<Option<Login>> {
        let mut conn = self.conn().await?;
        let rows: Vec<(ApiUser, Option<i64>)> = api_users::table
            .left_join(team_members::table)
            .filter(api_users::username.eq(username))
            .select((ApiUser::as_select(), team_members::team_id.nullable()))
            .order(team_members::team_id)
            .load(&mut conn)
            .await?;
        let team_ids = rows.iter().filter_map(|(_, team)| *team).collect();
        Ok(rows.into_iter().next().map(|(user, _)| Login {
            password_hash: user.password_hash,
            caller: Caller {
                user_id: user.id,
                username: user.username,
                is_admin: user.is_admin,
                is_operator: user.is_operator,
                team_ids,
            },
        }))
    }

    /// One page of users; with `only`, just that one (a non-admin sees themself).
    pub async fn user_list(&self, only: Option<i64>, request: PageRequest) -> StoreResult<Page<UserDetail>> {
        let mut conn = self.conn().await?;
        let page = load_page!(
            &mut conn,
            || {
                let query = api_users::table.into_boxed();
                match only {
                    Some(id) => query.filter(api_users::id.eq(id)),
                    None => query,
                }
            },
            api_users::id,
            ApiUser::as_select(),
            request,
            |u: &ApiUser| u.id
        );
        let ids: Vec<i64> = page.items.iter().map(|u| u.id).collect();
        let mut teams = teams_of(&mut conn, &ids).await?;
        Ok(page.map(|user| UserDetail {
            team_ids: teams.remove(&user.id).unwrap_or_default(),
            user,
        }))
    }

    pub async fn user_get(&self, id: i64) -> StoreResult<UserDetail> {
        let mut conn = self.conn().await?;
        let user = api_users::table
            .find(id)
            .select(ApiUser::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("user"))?;
        detail(&mut conn, user).await
    }

    /// Records a user and their memberships, all or nothing.
    pub async fn user_create(&self, new: NewUser) -> StoreResult<UserDetail> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            let user: ApiUser = diesel::insert_into(api_users::table)
                .values((
                    api_users::username.eq(&new.username),
                    api_users::password_hash.eq(&new.password_hash),
                    api_users::is_admin.eq(new.is_admin),
                    api_users::is_operator.eq(new.is_operator),
                ))
                .returning(ApiUser::as_returning())
                .get_result(conn)
                .await
                .map_err(StoreError::write("user", Some(&new.username)))?;
            set_teams(conn, user.id, &new.team_ids).await?;
            detail(conn, user).await
        })
        .await
    }

    /// Changes a user; the last admin stays one.
    pub async fn user_update(&self, id: i64, changes: UserChanges) -> StoreResult<UserDetail> {
        let mut conn = self.conn().await?;
        // This process forgets the logins it remembers at once; the others when the catalog
        // tells them.
        let result = conn
            .transaction::<_, StoreError, _>(async |conn| {
                if changes.is_admin == Some(false) {
                    keep_an_admin(conn, id).await?;
                }
                let mut user: ApiUser = api_users::table
                    .find(id)
                    .select(ApiUser::as_select())
                    .for_update()
                    .first(conn)
                    .await
                    .map_err(StoreError::lookup("user"))?;
                if changes.password_hash.is_some() || changes.is_admin.is_some() || changes.is_operator.is_some() {
                    user = diesel::update(api_users::table.find(id))
                        .set((
                            changes.password_hash.as_ref().map(|h| api_users::password_hash.eq(h)),
                            changes.is_admin.map(|a| api_users::is_admin.eq(a)),
                            changes.is_operator.map(|o| api_users::is_operator.eq(o)),
                        ))
                        .returning(ApiUser::as_returning())
                        .get_result(conn)
                        .await?;
                }
                if let Some(team_ids) = &changes.team_ids {
                    set_teams(conn, id, team_ids).await?;
                }
                detail(conn, user).await
            })
            .await;
        self.logins.forget();
        result
    }

    /// Deletes a user and their memberships; the last admin stays.
    pub async fn user_delete(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, StoreError, _>(async |conn| {
                keep_an_admin(conn, id).await?;
                let deleted = diesel::delete(api_users::table.find(id)).execute(conn).await?;
                if deleted == 0 {
                    return Err(StoreError::NotFound("user"));
                }
                Ok(())
            })
            .await;
        self.logins.forget();
        result
    }
}
