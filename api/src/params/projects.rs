//! Requests that create and change projects.

use poem_openapi::types::MaybeUndefined;
use poem_openapi::Object;

use super::{Reference, Text};

/// A new project.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ProjectCreate {
    /// Unique among projects (a name in use: 409): 1 to 64 letters, digits, `_`, `.` and
    /// `-`, not only digits.
    #[oai(validator(max_length = 64, pattern = r"^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$"))]
    pub name: Text,
    /// Up to 1000 characters.
    #[oai(nullable, validator(max_length = 1000, pattern = r"^[^\x00]*$"))]
    pub description: Option<Text>,
    /// The owning team: `/api/team/1/`, `1` or a name; one of the caller's teams unless the
    /// caller is an admin (any other answers 422). Absent: the caller's first team, or global
    /// when an admin asks.
    #[oai(nullable)]
    pub team: Option<Reference>,
}

/// Changes to a project: only the fields given change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ProjectUpdate {
    /// As in `ProjectCreate`.
    #[oai(
        nullable,
        validator(max_length = 64, pattern = r"^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$")
    )]
    pub name: Option<Text>,
    #[oai(nullable, validator(max_length = 1000, pattern = r"^[^\x00]*$"))]
    pub description: Option<Text>,
    /// Hands the project to another team (one of the caller's unless an admin asks; any other
    /// answers 422); null makes it global (admins only).
    #[oai(nullable)]
    pub team: MaybeUndefined<Reference>,
}
