//! Projects as the API shows and takes them.

use chrono::{DateTime, Utc};
use dbaas_core::model::Project;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::Object;

use super::super::links::Links;
use super::super::responses::Located;
use super::{ListLinks, Reference, SelfLink};
use crate::app::{ProjectPatch, ProjectRequest};

/// A grouping of databases: a team's, or global (every team may use it).
#[derive(Debug, Clone, Object)]
pub struct ProjectView {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub name: String,
    pub description: String,
    /// The owning team (`/api/team/1/`); null for a global project.
    #[oai(nullable)]
    pub team: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl ProjectView {
    pub fn new(links: &Links, project: Project) -> Self {
        Self {
            links: SelfLink {
                self_: links.project(project.id),
            },
            id: project.id,
            name: project.name,
            description: project.description,
            team: project.team_id.map(|id| links.team(id)),
            created_at: project.created_at,
        }
    }
}

impl Located for ProjectView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}

/// The projects the caller may see: global ones and their teams'.
#[derive(Debug, Clone, Object)]
pub struct ProjectList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub project: Vec<ProjectView>,
}

/// A new project.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ProjectCreate {
    /// Unique among projects: letters, digits, `_`, `.` and `-`, up to 64.
    pub name: String,
    #[oai(nullable)]
    pub description: Option<String>,
    /// The owning team: `/api/team/1/`, `1` or a name; one of the caller's teams unless the
    /// caller is an admin. Absent: the caller's first team, or global when an admin asks.
    #[oai(nullable)]
    pub team: Option<Reference>,
}

impl From<ProjectCreate> for ProjectRequest {
    fn from(body: ProjectCreate) -> Self {
        ProjectRequest {
            name: body.name,
            description: body.description,
            team: body.team.map(Reference::into_text),
        }
    }
}

/// Changes to a project: only the fields given change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ProjectUpdate {
    #[oai(nullable)]
    pub name: Option<String>,
    #[oai(nullable)]
    pub description: Option<String>,
    /// Hands the project to another team (one of the caller's unless an admin asks); null
    /// makes it global (admins only).
    pub team: MaybeUndefined<Reference>,
}

impl From<ProjectUpdate> for ProjectPatch {
    fn from(body: ProjectUpdate) -> Self {
        ProjectPatch {
            name: body.name,
            description: body.description,
            team: Option::<Option<Reference>>::from(body.team).map(|team| team.map(Reference::into_text)),
        }
    }
}
