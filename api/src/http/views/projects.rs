//! Projects as the API shows them.

use chrono::{DateTime, Utc};
use dbaas_core::model::Project;
use poem_openapi::Object;

use super::super::links::Links;
use super::super::responses::Located;
use super::{ListLinks, SelfLink};

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
