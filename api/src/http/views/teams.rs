//! Teams as the API shows and takes them.

use chrono::{DateTime, Utc};
use dbaas_core::model::{Member, NewTeam, TeamChanges, TeamDetail};
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

/// A new team, with no members yet: give users the team through their `teams`.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TeamCreate {
    /// Unique among teams: letters, digits, `_`, `.` and `-`, up to 64.
    pub name: String,
    /// Live databases (quarantined ones count) the team may have in one environment: 0 or
    /// more, 20 by default.
    #[oai(nullable)]
    pub database_limit: Option<i32>,
}

impl From<TeamCreate> for NewTeam {
    fn from(body: TeamCreate) -> Self {
        NewTeam {
            name: body.name,
            database_limit: body.database_limit,
        }
    }
}

/// Changes to a team: only the fields given change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TeamUpdate {
    #[oai(nullable)]
    pub name: Option<String>,
    #[oai(nullable)]
    pub database_limit: Option<i32>,
}

impl From<TeamUpdate> for TeamChanges {
    fn from(body: TeamUpdate) -> Self {
        TeamChanges {
            name: body.name,
            database_limit: body.database_limit,
        }
    }
}
