//! Teams: who owns databases and projects, with their quota. Deleting one retires it
//! (`deleted_at`) and ends its memberships: its deleted databases still name it.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::page::{load_page, Page, PageRequest};
use super::{live_databases, Conn, Store, StoreError, StoreResult};
use crate::model::{Member, NewTeam, Ref, Team, TeamChanges, TeamDetail};
use crate::schema::{api_users, databases, projects, team_members, teams};

/// The members of each of `team_ids`, by username.
async fn members_of(conn: &mut Conn, team_ids: &[i64]) -> StoreResult<HashMap<i64, Vec<Member>>> {
    let rows: Vec<(i64, i64, String)> = team_members::table
        .inner_join(api_users::table)
        .filter(team_members::team_id.eq_any(team_ids))
        .select((team_members::team_id, api_users::id, api_users::username))
        .order((team_members::team_id, api_users::username))
        .load(conn)
        .await?;
    let mut members: HashMap<i64, Vec<Member>> = HashMap::new();
    for (team_id, user_id, username) in rows {
        members.entry(team_id).or_default().push(Member { user_id, username });
    }
    Ok(members)
}

async fn detail(conn: &mut Conn, team: Team) -> StoreResult<TeamDetail> {
    let members = members_of(conn, &[team.id]).await?.remove(&team.id).unwrap_or_default();
    Ok(TeamDetail { team, members })
}

impl Store {
    /// One page of live teams; with `only`, just those of these ids (a member's teams).
    pub async fn team_list(&self, only: Option<&[i64]>, request: PageRequest) -> StoreResult<Page<TeamDetail>> {
        let mut conn = self.conn().await?;
        let page = load_page!(
            &mut conn,
            || {
                let query = teams::table.filter(teams::deleted_at.is_null()).into_boxed();
                match only {
                    Some(ids) => query.filter(teams::id.eq_any(ids.to_vec())),
                    None => query,
                }
            },
            teams::id,
            Team::as_select(),
            request,
            |t: &Team| t.id
        );
        let ids: Vec<i64> = page.items.iter().map(|t| t.id).collect();
        let mut members = members_of(&mut conn, &ids).await?;
        Ok(page.map(|team| TeamDetail {
            members: members.remove(&team.id).unwrap_or_default(),
            team,
        }))
    }

    pub async fn team_find(&self, by: &Ref) -> StoreResult<Team> {
        let mut conn = self.conn().await?;
        let query = teams::table
            .filter(teams::deleted_at.is_null())
            .select(Team::as_select())
            .into_boxed();
        let query = match by {
            Ref::Id(id) => query.filter(teams::id.eq(*id)),
            Ref::Name(name) => query.filter(teams::name.eq(name)),
        };
        query.first(&mut conn).await.map_err(StoreError::lookup("team"))
    }

    pub async fn team_get(&self, id: i64) -> StoreResult<TeamDetail> {
        let team = self.team_find(&Ref::Id(id)).await?;
        let mut conn = self.conn().await?;
        detail(&mut conn, team).await
    }

    pub async fn team_create(&self, new: NewTeam) -> StoreResult<TeamDetail> {
        let mut conn = self.conn().await?;
        let team = diesel::insert_into(teams::table)
            .values(&new)
            .returning(Team::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::write("team", Some(&new.name)))?;
        Ok(TeamDetail {
            team,
            members: Vec::new(),
        })
    }

    pub async fn team_update(&self, id: i64, changes: TeamChanges) -> StoreResult<TeamDetail> {
        if changes == TeamChanges::default() {
            return self.team_get(id).await;
        }
        let mut conn = self.conn().await?;
        let team = diesel::update(teams::table.find(id).filter(teams::deleted_at.is_null()))
            .set(&changes)
            .returning(Team::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::write("team", changes.name.as_deref()))?;
        detail(&mut conn, team).await
    }

    /// Retires a team that has no live database and no project left, and ends its
    /// memberships. Projects are not taken along silently: they are the team's to delete or
    /// hand over.
    pub async fn team_delete(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, StoreError, _>(async |conn| {
                // The row lock waits for databases and projects being recorded for this team.
                let name: String = teams::table
                    .find(id)
                    .filter(teams::deleted_at.is_null())
                    .select(teams::name)
                    .for_update()
                    .first(conn)
                    .await
                    .map_err(StoreError::lookup("team"))?;
                let live: i64 = live_databases()
                    .filter(databases::team_id.eq(id))
                    .count()
                    .get_result(conn)
                    .await?;
                if live > 0 {
                    let s = if live == 1 { "" } else { "s" };
                    return Err(StoreError::Conflict(format!(
                        "team '{name}' still owns {live} live database{s}: delete them first"
                    )));
                }
                let owned: i64 = projects::table
                    .filter(projects::team_id.eq(id))
                    .filter(projects::deleted_at.is_null())
                    .count()
                    .get_result(conn)
                    .await?;
                if owned > 0 {
                    let s = if owned == 1 { "" } else { "s" };
                    return Err(StoreError::Conflict(format!(
                        "team '{name}' still owns {owned} project{s}: delete them or give them to \
                     another team first"
                    )));
                }
                diesel::delete(team_members::table.filter(team_members::team_id.eq(id)))
                    .execute(conn)
                    .await?;
                diesel::update(teams::table.find(id))
                    .set(teams::deleted_at.eq(diesel::dsl::now))
                    .execute(conn)
                    .await?;
                Ok(())
            })
            .await;
        // Its members' logins no longer carry it.
        self.logins.forget();
        result
    }
}
