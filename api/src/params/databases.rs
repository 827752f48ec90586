//! Requests that create and change databases.

use poem_openapi::types::MaybeUndefined;
use poem_openapi::Object;

use super::{Reference, Text};

/// A request for a new database.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct DatabaseCreate {
    /// The database's name. Spaces and dashes become underscores and letters are lowered:
    /// "test database2" is created as `test_database2`. Spaces and tabs at either end are
    /// dropped; the rest must be a letter, then up to 49 letters, digits, `_`, `-`, spaces or
    /// tabs. A name the engines keep for themselves (`postgres`, `template0`, `template1`,
    /// `admin`, `local`, `config`, `root`, `public`, `information_schema`, any `pg_...`)
    /// answers 422; one in use in the environment, 409.
    #[oai(validator(max_length = 200, pattern = r"^[ \t]*[A-Za-z][A-Za-z0-9_ \t-]{0,49}[ \t]*$"))]
    pub name: Text,
    /// The plan: `/api/plan/1/`, `1` or its name; one that does not exist answers 422.
    pub plan: Reference,
    /// The environment: `/api/environment/1/`, `1` or its name; one that does not exist
    /// answers 422.
    pub environment: Reference,
    /// The project, if any: `/api/project/1/`, `1` or its name; one that does not exist or
    /// is another team's answers 422.
    #[oai(nullable)]
    pub project: Option<Reference>,
    /// Free text for the tenant: up to 1000 characters.
    #[oai(nullable, validator(max_length = 1000, pattern = r"^[^\x00]*$"))]
    pub description: Option<Text>,
    /// Labels for the tenant's own use: up to 50, each of 1 to 64 characters and no control
    /// characters.
    #[oai(
        nullable,
        validator(max_items = 50, max_length = 64, pattern = r"^[^\x00-\x1f\x7f-\x9f]+$")
    )]
    pub tags: Option<Vec<Text>>,
}

/// Changes to a database. `name` and `environment` cannot change after creation; `plan` can,
/// to another plan of the same engine and image (a resize).
// The spec has called it `DatabasePatch` since the first release; generated clients use it.
#[derive(Debug, Clone, Object)]
#[oai(rename = "DatabasePatch", deny_unknown_fields)]
pub struct DatabaseUpdate {
    /// The project: `/api/project/1/`, `1` or its name (one that does not exist or is another
    /// team's answers 422); null takes the database out of it.
    #[oai(nullable)]
    pub project: MaybeUndefined<Reference>,
    /// Up to 1000 characters.
    #[oai(nullable, validator(max_length = 1000, pattern = r"^[^\x00]*$"))]
    pub description: Option<Text>,
    /// As in `DatabaseCreate`: up to 50, each of 1 to 64 characters and no control characters.
    #[oai(
        nullable,
        validator(max_items = 50, max_length = 64, pattern = r"^[^\x00-\x1f\x7f-\x9f]+$")
    )]
    pub tags: Option<Vec<Text>>,
    /// While true, DELETE is refused.
    #[oai(nullable)]
    pub is_protected: Option<bool>,
    /// Days the database stays in quarantine before it is destroyed: 0 to 3650; null goes
    /// back to the environment's period.
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "3650")))]
    pub quarantine_days: MaybeUndefined<i32>,
    /// Resize to this plan (`/api/plan/1/`, `1` or its name): one of the same engine and
    /// image that the team may use. Memory and CPU limits change on the running engine and
    /// sessions stay connected. Refused with 409, saying why, when it cannot be done live: a
    /// size or memory under what the database uses, another image (an upgrade), a shared
    /// engine, or a shrink under the memory the engine set aside at start (which needs
    /// `restart`); 422 for another engine or a plan that does not exist. Answers 202 while
    /// the resize is under way.
    #[oai(nullable)]
    pub plan: Option<Reference>,
    /// With `plan`: allow the restart a resize needs when the new memory is under what the
    /// engine set aside at start (every session ends). Without it, such a resize is refused.
    #[oai(nullable)]
    pub restart: Option<bool>,
}

/// A move of a database's engine, with its data, to another host of its environment.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct DatabaseMoveRequest {
    /// The host to move to: its id or its name, in the database's environment, on another
    /// Docker engine. Absent or null: the host placement chooses (the one with the most
    /// free memory among those that take engines).
    #[oai(nullable)]
    pub host: Option<Reference>,
}
