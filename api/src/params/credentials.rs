//! Requests that create credentials.

use poem_openapi::Object;

use super::{Reference, Text};

/// A request for a new credential. Its password is always generated.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct CredentialCreate {
    /// The engine user: 1 to 63 characters, a lowercase letter, then lowercase letters, digits
    /// and underscores. Names the engine keeps for itself (`postgres`, `public`, `admin`,
    /// `root`, any `pg_...`) answer 422; a user the database has already, 409.
    #[oai(validator(max_length = 63, pattern = r"^[a-z][a-z0-9_]*$"))]
    pub user: Text,
    /// The database: `/api/database/1/` or `1`. One that does not exist, is not yours, or is
    /// named otherwise (by its name) answers 422.
    pub database: Reference,
    /// `owner`, `read-write` (the default) or `read-only`; `read_write` and `read_only` too.
    #[oai(nullable, validator(pattern = r"^(owner|read[-_]write|read[-_]only)$"))]
    pub privileges: Option<Text>,
    /// Concurrent sessions allowed: 0 to 10000; -1 or absent for no limit. A limit on an
    /// engine that cannot enforce one (MongoDB) answers 422.
    #[oai(nullable, validator(minimum(value = "-1"), maximum(value = "10000")))]
    pub connection_limit: Option<i32>,
}
