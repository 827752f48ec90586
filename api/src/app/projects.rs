//! Project operations. A project is global (made by an admin, `team` null) or a team's.
//! Everyone sees the global ones and their teams' (another team's answers 404); admins change
//! any, members change their teams' but not global ones (403).

use dbaas_core::model::{NewProject, Project, ProjectChanges, Ref};
use dbaas_core::store::{Caller, Page, PageRequest};

use super::{validate, App, AppError, AppResult};
use crate::params::{ProjectCreate, ProjectUpdate};

fn visible(caller: &Caller, project: &Project) -> bool {
    project.team_id.is_none_or(|team| caller.can_access_team(team))
}

fn global_is_for_admins(caller: &Caller) -> AppResult<()> {
    if !caller.is_admin {
        return Err(AppError::Forbidden(
            "only admins change global projects (those without a team)".into(),
        ));
    }
    Ok(())
}

impl App {
    pub async fn project_list(&self, caller: &Caller, page: PageRequest) -> AppResult<Page<Project>> {
        let teams = (!caller.is_admin).then_some(caller.team_ids.as_slice());
        Ok(self.store.project_list(teams, page).await?)
    }

    pub async fn project_get(&self, caller: &Caller, id: i64) -> AppResult<Project> {
        let project = self.store.project_find(&Ref::Id(id)).await?;
        if !visible(caller, &project) {
            return Err(AppError::NotFound("project"));
        }
        Ok(project)
    }

    pub async fn project_create(&self, caller: &Caller, params: ProjectCreate) -> AppResult<Project> {
        validate::name(&params.name)?;
        let description = params.description.unwrap_or_default();
        validate::description(&description)?;
        let team_id = match (&params.team, caller.is_admin) {
            (Some(raw), _) => Some(self.project_team(caller, raw.as_text()).await?),
            (None, true) => None,
            (None, false) => Some(caller.default_team().ok_or_else(|| AppError::Unprocessable {
                field: Some("team"),
                message: format!(
                    "user '{}' belongs to no team, and only admins make global projects",
                    caller.username
                ),
            })?),
        };
        let new = NewProject {
            name: params.name.into(),
            description: description.into(),
            team_id,
        };
        Ok(self.store.project_create(new).await?)
    }

    /// Changes a project; `team: null` makes it global (admins only).
    pub async fn project_update(&self, caller: &Caller, id: i64, params: ProjectUpdate) -> AppResult<Project> {
        let project = self.project_get(caller, id).await?;
        if project.team_id.is_none() {
            global_is_for_admins(caller)?;
        }
        validate::each(params.name.as_deref(), validate::name)?;
        validate::each(params.description.as_deref(), validate::description)?;
        let team_id = match params.team.as_opt_ref() {
            None => None,
            Some(None) => {
                global_is_for_admins(caller)?;
                Some(None)
            }
            Some(Some(raw)) => Some(Some(self.project_team(caller, raw.as_text()).await?)),
        };
        let changes = ProjectChanges {
            name: params.name.map(String::from),
            description: params.description.map(String::from),
            team_id,
        };
        Ok(self.store.project_update(id, changes).await?)
    }

    /// Deletes a project no live database is in.
    pub async fn project_delete(&self, caller: &Caller, id: i64) -> AppResult<()> {
        let project = self.project_get(caller, id).await?;
        if project.team_id.is_none() {
            global_is_for_admins(caller)?;
        }
        Ok(self.store.project_delete(id).await?)
    }

    /// The team a project is given to: any team for an admin, one of theirs for anyone else.
    async fn project_team(&self, caller: &Caller, raw: &str) -> AppResult<i64> {
        let member = (!caller.is_admin).then_some(caller);
        self.team_resolve("team", raw, member).await
    }
}
