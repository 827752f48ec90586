//! API users as the API shows them: never with a password.

use chrono::{DateTime, Utc};
use dbaas_core::model::UserDetail;
use poem_openapi::Object;

use super::super::links::Links;
use super::super::responses::Located;
use super::{ListLinks, SelfLink};

/// Someone who may call the API.
#[derive(Debug, Clone, Object)]
pub struct UserView {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub username: String,
    /// Admins manage teams, users, plans and environments, and see every team's resources.
    pub is_admin: bool,
    /// Operators see and act on every engine and read every team's databases, never a
    /// tenant's password.
    pub is_operator: bool,
    /// The teams the user acts for (`/api/team/1/`): their databases and projects are theirs.
    pub teams: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl UserView {
    pub fn new(links: &Links, detail: UserDetail) -> Self {
        let UserDetail { user, team_ids } = detail;
        Self {
            links: SelfLink {
                self_: links.user(user.id),
            },
            id: user.id,
            username: user.username,
            is_admin: user.is_admin,
            is_operator: user.is_operator,
            teams: team_ids.into_iter().map(|id| links.team(id)).collect(),
            created_at: user.created_at,
        }
    }
}

impl Located for UserView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}

/// The users the caller may see: all for an admin, themself for anyone else.
#[derive(Debug, Clone, Object)]
pub struct UserList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub user: Vec<UserView>,
}
