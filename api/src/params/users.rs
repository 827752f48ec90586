//! Requests that create and change API users (admins only). Passwords are never shown back.

use poem_openapi::types::Password;
use poem_openapi::Object;

use super::{Reference, Text};

/// A new API user.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct UserCreate {
    /// Unique (a name in use: 409): 1 to 64 letters, digits, `_`, `.`, `@` and `-`.
    #[oai(validator(max_length = 64, pattern = r"^[A-Za-z0-9_.@-]+$"))]
    pub username: Text,
    /// 12 to 1024 characters. Stored as an argon2 hash, never shown.
    #[oai(validator(min_length = 12, max_length = 1024, pattern = r"^[^\x00]*$"))]
    pub password: Password,
    /// False by default.
    #[oai(nullable)]
    pub is_admin: Option<bool>,
    /// An operator sees and acts on every engine (`/api/engine/`) and reads every team's
    /// databases, but never a tenant's password. False by default.
    #[oai(nullable)]
    pub is_operator: Option<bool>,
    /// The teams the user acts for: `/api/team/1/`, `1` or a name (one that does not exist
    /// answers 422). This is where team membership is set.
    #[oai(nullable)]
    pub teams: Option<Vec<Reference>>,
}

/// Changes to a user: only the fields given change. A new password works, and the old one
/// stops working, from the next request on.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct UserUpdate {
    /// 12 to 1024 characters.
    #[oai(nullable, validator(min_length = 12, max_length = 1024, pattern = r"^[^\x00]*$"))]
    pub password: Option<Password>,
    /// Your current password: needed when you change your own `password`, so that a session
    /// left open cannot lock you out. Missing or wrong then: 422.
    #[oai(nullable, validator(max_length = 1024, pattern = r"^[^\x00]*$"))]
    pub current_password: Option<Password>,
    /// The last admin stays one, and no one takes their own admin rights away (409).
    #[oai(nullable)]
    pub is_admin: Option<bool>,
    /// Whether the user is an operator (see `UserCreate`).
    #[oai(nullable)]
    pub is_operator: Option<bool>,
    /// Replaces the user's teams: `[]` takes the user out of every team. One that does not
    /// exist answers 422.
    #[oai(nullable)]
    pub teams: Option<Vec<Reference>>,
}
