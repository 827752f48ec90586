//! Who uses the API: API users, the teams they act for, and the teams' projects.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::api_users)]
pub struct ApiUser {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
    /// Sees and acts on every engine, reads no tenant's password.
    pub is_operator: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::teams)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Live databases (quarantined ones count) the team may have in one environment.
    pub database_limit: i32,
    /// The plans its databases may use, as an admin restricted them: empty, every plan.
    pub allowed_plans: Vec<i64>,
}

impl Team {
    /// Whether its databases may use the plan.
    pub fn may_use_plan(&self, plan_id: i64) -> bool {
        self.allowed_plans.is_empty() || self.allowed_plans.contains(&plan_id)
    }
}

/// A member of a team, as a team lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: i64,
    pub username: String,
}

/// A team with its members.
#[derive(Debug, Clone)]
pub struct TeamDetail {
    pub team: Team,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::teams)]
pub struct NewTeam {
    pub name: String,
    /// `None`: the catalog's default.
    pub database_limit: Option<i32>,
    /// `None`: every plan.
    pub allowed_plans: Option<Vec<i64>>,
}

/// A team's fields to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = schema::teams)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub database_limit: Option<i32>,
    /// Replaces the plans its databases may use (empty: every plan).
    pub allowed_plans: Option<Vec<i64>>,
}

/// An API user with the teams they act for.
#[derive(Debug, Clone)]
pub struct UserDetail {
    pub user: ApiUser,
    pub team_ids: Vec<i64>,
}

/// An API user to record, with a password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub is_operator: bool,
    pub team_ids: Vec<i64>,
}

/// A user's fields to change; `None` leaves one as it is. `team_ids` replaces the memberships.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub password_hash: Option<String>,
    pub is_admin: Option<bool>,
    pub is_operator: Option<bool>,
    pub team_ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::projects)]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    /// The team that owns it; `None` for a project every team may use.
    pub team_id: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::projects)]
pub struct NewProject {
    pub name: String,
    pub description: String,
    pub team_id: Option<i64>,
}

/// A project's fields to change; `None` leaves one as it is, `team_id: Some(None)` makes the
/// project global.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = schema::projects)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub team_id: Option<Option<i64>>,
}
