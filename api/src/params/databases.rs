//! Requests that create and change databases.

use poem_openapi::types::MaybeUndefined;
use poem_openapi::Object;

use super::{Reference, Text};

/// A request for a new database.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct DatabaseCreate {
    /// The database's name. Spaces and dashes become underscores: "test database2" is
    /// created as `test_database2`.
    #[oai(validator(max_length = 200))]
    pub name: Text,
    /// The plan: `/api/plan/1/`, `1` or its name.
    pub plan: Reference,
    /// The environment: `/api/environment/1/`, `1` or its name.
    pub environment: Reference,
    /// The project, if any: `/api/project/1/`, `1` or its name.
    #[oai(nullable)]
    pub project: Option<Reference>,
    /// Free text for the tenant.
    #[oai(validator(max_length = 1000))]
    #[oai(nullable)]
    pub description: Option<Text>,
    /// Labels for the tenant's own use.
    #[oai(nullable)]
    pub tags: Option<Vec<Text>>,
}

/// Changes to a database. `name`, `plan` and `environment` cannot change after creation.
// The spec has called it `DatabasePatch` since the first release; generated clients use it.
#[derive(Debug, Clone, Object)]
#[oai(rename = "DatabasePatch", deny_unknown_fields)]
pub struct DatabaseUpdate {
    /// The project: `/api/project/1/`, `1` or its name; null takes the database out of it.
    pub project: MaybeUndefined<Reference>,
    #[oai(validator(max_length = 1000))]
    #[oai(nullable)]
    pub description: Option<Text>,
    #[oai(nullable)]
    pub tags: Option<Vec<Text>>,
    /// While true, DELETE is refused.
    #[oai(nullable)]
    pub is_protected: Option<bool>,
    /// Days the database stays in quarantine before it is destroyed; null goes back to the
    /// environment's period.
    pub quarantine_days: MaybeUndefined<i32>,
}
