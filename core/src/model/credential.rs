//! Credentials: engine users of a database, with sealed generated passwords.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema;

text_enum!(
    /// What a credential may do in its database.
    Privileges {
        Owner => "owner",
        ReadWrite => "read_write",
        ReadOnly => "read_only",
    }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::credentials)]
pub struct Credential {
    pub id: i64,
    pub database_id: i64,
    pub username: String,
    pub privileges: Privileges,
    pub password_enc: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Concurrent sessions allowed; `None` or -1 for no limit.
    pub connection_limit: Option<i32>,
    /// A new password on its way to the engine (see the rotation job).
    pub pending_password_enc: Option<Vec<u8>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The engine's role name for a database's default owner credential: `u_<name>`.
pub fn owner_username(database_name: &str) -> String {
    format!("u_{database_name}")
}
