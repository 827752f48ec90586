//! Requests that create credentials.

use poem_openapi::Object;

use super::{Reference, Text};

/// A request for a new credential. Its password is always generated.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct CredentialCreate {
    /// The engine user: a lowercase letter, then lowercase letters, digits and underscores.
    #[oai(validator(max_length = 63))]
    pub user: Text,
    /// The database: `/api/database/1/` or `1`.
    pub database: Reference,
    /// `owner`, `read-write` (the default) or `read-only`.
    #[oai(nullable)]
    pub privileges: Option<Text>,
    /// Concurrent sessions allowed; -1 or absent for no limit.
    #[oai(nullable)]
    pub connection_limit: Option<i32>,
}
