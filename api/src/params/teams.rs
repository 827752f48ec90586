//! Requests that create and change teams (admins only).

use poem_openapi::Object;

use super::{Reference, Text};

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
    /// The plans the team's databases may use (created with, or resized to), each as
    /// `/api/plan/1/`, `1` or its name (one that does not exist answers 422); empty or absent,
    /// every plan.
    #[oai(nullable, validator(max_items = 100))]
    pub allowed_plans: Option<Vec<Reference>>,
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
    /// As in `TeamCreate`: replaces the list (empty: every plan). Databases already on a plan
    /// left out keep it.
    #[oai(nullable, validator(max_items = 100))]
    pub allowed_plans: Option<Vec<Reference>>,
}
