//! Team operations: admins manage teams; a member sees their own teams and no other (another
//! team answers 404, as if it did not exist). Members are set through each user's `teams`.

use dbaas_core::model::{NewTeam, TeamChanges, TeamDetail};
use dbaas_core::store::{Caller, Page, PageRequest};

use super::databases::unknown;
use super::{admin_only, parse_reference, validate, App, AppError, AppResult, ResourceKind};
use crate::params::{Reference, TeamCreate, TeamUpdate};

const ADMINS_ONLY: &str = "only admins change teams";

/// Refuses, as absent, a team the caller is not in.
fn visible(caller: &Caller, id: i64) -> AppResult<()> {
    if !caller.can_access_team(id) {
        return Err(AppError::NotFound("team"));
    }
    Ok(())
}

impl App {
    /// The plans a team may be restricted to, each named as a reference; one that does not
    /// exist answers 422 naming `allowed_plans`.
    async fn plan_ids(&self, plans: &[Reference]) -> AppResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(plans.len());
        for raw in plans {
            let reference = parse_reference(ResourceKind::Plan, "allowed_plans", raw.as_text())?;
            let plan = self
                .store
                .plan_find(&reference)
                .await
                .map_err(AppError::from)
                .map_err(unknown("allowed_plans", raw.as_text()))?;
            if !ids.contains(&plan.id) {
                ids.push(plan.id);
            }
        }
        Ok(ids)
    }

    pub async fn team_list(&self, caller: &Caller, page: PageRequest) -> AppResult<Page<TeamDetail>> {
        let only = (!caller.is_admin).then_some(caller.team_ids.as_slice());
        Ok(self.store.team_list(only, page).await?)
    }

    pub async fn team_get(&self, caller: &Caller, id: i64) -> AppResult<TeamDetail> {
        visible(caller, id)?;
        Ok(self.store.team_get(id).await?)
    }

    pub async fn team_create(&self, caller: &Caller, params: TeamCreate) -> AppResult<TeamDetail> {
        admin_only(caller, ADMINS_ONLY)?;
        validate::name(&params.name)?;
        validate::each(params.database_limit.as_ref(), validate::database_limit)?;
        let allowed_plans = match params.allowed_plans {
            Some(plans) => Some(self.plan_ids(&plans).await?),
            None => None,
        };
        let new = NewTeam {
            name: params.name.into(),
            database_limit: params.database_limit,
            allowed_plans,
        };
        Ok(self.store.team_create(new).await?)
    }

    pub async fn team_update(&self, caller: &Caller, id: i64, params: TeamUpdate) -> AppResult<TeamDetail> {
        visible(caller, id)?;
        admin_only(caller, ADMINS_ONLY)?;
        validate::each(params.name.as_deref(), validate::name)?;
        validate::each(params.database_limit.as_ref(), validate::database_limit)?;
        let allowed_plans = match params.allowed_plans {
            Some(plans) => Some(self.plan_ids(&plans).await?),
            None => None,
        };
        let changes = TeamChanges {
            name: params.name.map(String::from),
            database_limit: params.database_limit,
            allowed_plans,
        };
        Ok(self.store.team_update(id, changes).await?)
    }

    /// Deletes a team that owns no live database and no project, and ends its memberships.
    pub async fn team_delete(&self, caller: &Caller, id: i64) -> AppResult<()> {
        visible(caller, id)?;
        admin_only(caller, ADMINS_ONLY)?;
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
