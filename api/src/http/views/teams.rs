//! Teams as the API shows them, with their members.

use chrono::{DateTime, Utc};
use dbaas_core::model::{Member, TeamDetail};
use poem_openapi::Object;

use super::super::links::Links;
use super::super::responses::Located;
use super::{ListLinks, SelfLink};

/// A member of a team.
#[derive(Debug, Clone, Object)]
pub struct MemberSummary {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub username: String,
}

/// A team: it owns databases and projects, and its members act for it.
#[derive(Debug, Clone, Object)]
pub struct TeamView {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub name: String,
    /// Live databases (quarantined ones count) the team may have in one environment.
    pub database_limit: i32,
    /// The plans the team's databases may use; empty, every plan.
    pub allowed_plans: Vec<String>,
    /// Read-only here: membership is set through each user's `teams`
    /// (`POST /api/user`, `PATCH /api/user/{id}`).
    pub members: Vec<MemberSummary>,
    pub created_at: DateTime<Utc>,
}

impl TeamView {
    pub fn new(links: &Links, detail: TeamDetail) -> Self {
        let TeamDetail { team, members } = detail;
        Self {
            links: SelfLink {
                self_: links.team(team.id),
            },
            id: team.id,
            name: team.name,
            database_limit: team.database_limit,
            allowed_plans: team.allowed_plans.iter().map(|&id| links.plan(id)).collect(),
            members: members
                .into_iter()
                .map(|Member { user_id, username }| MemberSummary {
                    links: SelfLink {
                        self_: links.user(user_id),
                    },
                    id: user_id,
                    username,
                })
                .collect(),
            created_at: team.created_at,
        }
    }
}

impl Located for TeamView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}

/// The teams the caller may see.
#[derive(Debug, Clone, Object)]
pub struct TeamList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub team: Vec<TeamView>,
}
