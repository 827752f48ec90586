//! Project operations. A project is global (made by an admin, `team` null) or a team's.
//! Everyone sees the global ones and their teams' (another team's answers 404); admins change
//! any, members change their teams' but not global ones (403).

use dbaas_core::model::{NewProject, Project, ProjectChanges, Ref};
use dbaas_core::store::{Caller, Page, PageRequest};

use super::validate;
use super::{App, AppError, AppResult};

/// A project as it is asked for.
#[derive(Debug, Clone)]
pub struct ProjectRequest {
    pub name: String,
    pub description: Option<String>,
    /// A reference to the owning team. Absent: global for an admin, the caller's first team
    /// for anyone else.
    pub team: Option<String>,
}

/// A project's fields to change; `None` leaves one as it is. `team: Some(None)` makes the
/// project global (admins only).
#[derive(Debug, Clone, Default)]
pub struct ProjectPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub team: Option<Option<String>>,
}

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

    pub async fn project_create(&self, caller: &Caller, request: ProjectRequest) -> AppResult<Project> {
        validate::name("name", &request.name)?;
        let description = request.description.unwrap_or_default();
        validate::description(&description)?;
        let team_id = match (&request.team, caller.is_admin) {
            (Some(raw), _) => Some(self.project_team(caller, raw).await?),
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
            name: request.name,
            description,
            team_id,
        };
        Ok(self.store.project_create(new).await?)
    }

    pub async fn project_update(&self, caller: &Caller, id: i64, patch: ProjectPatch) -> AppResult<Project> {
        let project = self.project_get(caller, id).await?;
        if project.team_id.is_none() {
            global_is_for_admins(caller)?;
        }
        validate::each(patch.name.as_deref(), |n| validate::name("name", n))?;
        validate::each(patch.description.as_deref(), validate::description)?;
        let team_id = match &patch.team {
            None => None,
            Some(None) => {
                global_is_for_admins(caller)?;
                Some(None)
            }
            Some(Some(raw)) => Some(Some(self.project_team(caller, raw).await?)),
        };
        let changes = ProjectChanges {
            name: patch.name,
            description: patch.description,
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
