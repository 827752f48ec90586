//! API users as the API shows and takes them: never with a password.

use chrono::{DateTime, Utc};
use dbaas_core::model::UserDetail;
use poem_openapi::types::Password;
use poem_openapi::Object;

use super::super::links::Links;
use super::super::responses::Located;
use super::{ListLinks, Reference, SelfLink};
use crate::app::{UserPatch, UserRequest};

/// Someone who may call the API.
#[derive(Debug, Clone, Object)]
pub struct UserView {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub username: String,
    /// Admins manage teams, users, plans and environments, and see every team's resources.
    pub is_admin: bool,
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

/// A new API user.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct UserCreate {
    /// Unique: 1 to 64 letters, digits, `_`, `.`, `@` and `-`.
    pub username: String,
    /// At least 12 characters. Stored as an argon2 hash, never shown.
    pub password: Password,
    /// False by default.
    #[oai(nullable)]
    pub is_admin: Option<bool>,
    /// The teams the user acts for: `/api/team/1/`, `1` or a name. This is where team
    /// membership is set.
    #[oai(nullable)]
    pub teams: Option<Vec<Reference>>,
}

impl From<UserCreate> for UserRequest {
    fn from(body: UserCreate) -> Self {
        UserRequest {
            username: body.username,
            password: body.password.0,
            is_admin: body.is_admin.unwrap_or(false),
            teams: body
                .teams
                .unwrap_or_default()
                .into_iter()
                .map(Reference::into_text)
                .collect(),
        }
    }
}

/// Changes to a user: only the fields given change. A new password works, and the old one
/// stops working, from the next request on.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct UserUpdate {
    #[oai(nullable)]
    pub password: Option<Password>,
    /// The last admin stays one.
    #[oai(nullable)]
    pub is_admin: Option<bool>,
    /// Replaces the user's teams: `[]` takes the user out of every team.
    #[oai(nullable)]
    pub teams: Option<Vec<Reference>>,
}

impl From<UserUpdate> for UserPatch {
    fn from(body: UserUpdate) -> Self {
        UserPatch {
            password: body.password.map(|p| p.0),
            is_admin: body.is_admin,
            teams: body
                .teams
                .map(|teams| teams.into_iter().map(Reference::into_text).collect()),
        }
    }
}
