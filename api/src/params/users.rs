//! Requests that create and change API users (admins only). Passwords are never shown back.

use poem_openapi::types::Password;
use poem_openapi::Object;

use super::{Reference, Text};

/// A new API user.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct UserCreate {
    /// Unique: 1 to 64 letters, digits, `_`, `.`, `@` and `-`.
    pub username: Text,
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

/// Changes to a user: only the fields given change. A new password works, and the old one
/// stops working, from the next request on.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct UserUpdate {
    #[oai(nullable)]
    pub password: Option<Password>,
    /// Your current password: asked for when you change your own `password`, so that a
    /// session left open cannot lock you out.
    #[oai(nullable)]
    pub current_password: Option<Password>,
    /// The last admin stays one.
    #[oai(nullable)]
    pub is_admin: Option<bool>,
    /// Replaces the user's teams: `[]` takes the user out of every team.
    #[oai(nullable)]
    pub teams: Option<Vec<Reference>>,
}
