//! Requests that create and change teams (admins only).

use poem_openapi::Object;

use super::Text;

/// A new team, with no members yet: give users the team through their `teams`.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TeamCreate {
    /// Unique among teams: letters, digits, `_`, `.` and `-`, up to 64.
    pub name: Text,
    /// Live databases (quarantined ones count) the team may have in one environment: 0 or
    /// more, 20 by default.
    #[oai(nullable)]
    pub database_limit: Option<i32>,
}

/// Changes to a team: only the fields given change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TeamUpdate {
    #[oai(nullable)]
    pub name: Option<Text>,
    #[oai(nullable)]
    pub database_limit: Option<i32>,
}
