//! Requests that create and change teams (admins only).

use poem_openapi::Object;

use super::Text;

/// A new team, with no members yet: give users the team through their `teams`.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TeamCreate {
    /// Unique among teams (a name in use: 409): 1 to 64 letters, digits, `_`, `.` and `-`,
    /// not only digits.
    #[oai(validator(max_length = 64, pattern = r"^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$"))]
    pub name: Text,
    /// Live databases (quarantined ones count) the team may have in one environment: 0 or
    /// more, 20 by default.
    #[oai(nullable, validator(minimum(value = "0")))]
    pub database_limit: Option<i32>,
}

/// Changes to a team: only the fields given change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TeamUpdate {
    /// As in `TeamCreate`.
    #[oai(
        nullable,
        validator(max_length = 64, pattern = r"^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$")
    )]
    pub name: Option<Text>,
    #[oai(nullable, validator(minimum(value = "0")))]
    pub database_limit: Option<i32>,
}
