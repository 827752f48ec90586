//! Requests that create and change projects.

use poem_openapi::types::MaybeUndefined;
use poem_openapi::Object;

use super::{Reference, Text};

/// A new project.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ProjectCreate {
    /// Unique among projects: letters, digits, `_`, `.` and `-`, up to 64.
    pub name: Text,
    #[oai(nullable)]
    pub description: Option<Text>,
    /// The owning team: `/api/team/1/`, `1` or a name; one of the caller's teams unless the
    /// caller is an admin. Absent: the caller's first team, or global when an admin asks.
    #[oai(nullable)]
    pub team: Option<Reference>,
}

/// Changes to a project: only the fields given change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ProjectUpdate {
    #[oai(nullable)]
    pub name: Option<Text>,
    #[oai(nullable)]
    pub description: Option<Text>,
    /// Hands the project to another team (one of the caller's unless an admin asks); null
    /// makes it global (admins only).
    pub team: MaybeUndefined<Reference>,
}
