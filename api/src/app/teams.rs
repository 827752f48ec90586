//! Team operations: admins manage teams; a member sees their own teams and no other (another
//! team answers 404, as if it did not exist). Members are set through each user's `teams`.

use dbaas_core::model::{NewTeam, TeamChanges, TeamDetail};
use dbaas_core::store::{Caller, Page, PageRequest};

use super::references::{parse_reference, ResourceKind};
use super::validate::{self, invalid};
use super::{admin_only, App, AppError, AppResult};

fn database_limit(value: &i32) -> AppResult<()> {
    if *value < 0 {
        return Err(invalid("database_limit", "database_limit must be 0 or more"));
    }
    Ok(())
}

/// Refuses, as absent, a team the caller is not in.
fn visible(caller: &Caller, id: i64) -> AppResult<()> {
    if !caller.can_access_team(id) {
        return Err(AppError::NotFound("team"));
    }
    Ok(())
}

impl App {
    pub async fn team_list(&self, caller: &Caller, page: PageRequest) -> AppResult<Page<TeamDetail>> {
        let only = (!caller.is_admin).then_some(caller.team_ids.as_slice());
        Ok(self.store.team_list(only, page).await?)
    }

    pub async fn team_get(&self, caller: &Caller, id: i64) -> AppResult<TeamDetail> {
        visible(caller, id)?;
        Ok(self.store.team_get(id).await?)
    }

    pub async fn team_create(&self, caller: &Caller, new: NewTeam) -> AppResult<TeamDetail> {
        admin_only(caller, "teams")?;
        validate::name("name", &new.name)?;
        validate::each(new.database_limit.as_ref(), database_limit)?;
        Ok(self.store.team_create(new).await?)
    }

    pub async fn team_update(&self, caller: &Caller, id: i64, changes: TeamChanges) -> AppResult<TeamDetail> {
        visible(caller, id)?;
        admin_only(caller, "teams")?;
        validate::each(changes.name.as_deref(), |n| validate::name("name", n))?;
        validate::each(changes.database_limit.as_ref(), database_limit)?;
        Ok(self.store.team_update(id, changes).await?)
    }

    /// Deletes a team that owns no live database and no project, and ends its memberships.
    pub async fn team_delete(&self, caller: &Caller, id: i64) -> AppResult<()> {
        visible(caller, id)?;
        admin_only(caller, "teams")?;
        Ok(self.store.team_delete(id).await?)
    }

    /// Resolves a team reference written in `field`: an unknown team is unprocessable (422).
    /// With `member`, teams `member` is not in count as unknown.
    pub(crate) async fn team_resolve(&self, field: &'static str, raw: &str, member: Option<&Caller>) -> AppResult<i64> {
        let unknown = || AppError::Unprocessable {
            field: Some(field),
            message: format!("team '{raw}' does not exist"),
        };
        let team = match self
            .store
            .team_find(&parse_reference(ResourceKind::Team, field, raw)?)
            .await
        {
            Err(dbaas_core::StoreError::NotFound(_)) => return Err(unknown()),
            other => other?,
        };
        if member.is_some_and(|caller| !caller.can_access_team(team.id)) {
            return Err(unknown());
        }
        Ok(team.id)
    }
}
