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

/// The engine's role name for a further credential `user` of a database: `user` itself on an
/// engine of the database's own; `<database>.<user>` on a shared engine, whose roles are the
/// whole engine's, so that two databases there may each have a user `app` (a `.` is in no
/// database or user name, so no two databases' names meet, and none meets an owner's).
pub fn credential_username(placement: super::Placement, database_name: &str, user: &str) -> String {
    match placement {
        super::Placement::Dedicated => user.to_owned(),
        super::Placement::Shared => format!("{database_name}.{user}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Placement;

    #[test]
    fn shared_engines_namespace_role_names() {
        assert_eq!(credential_username(Placement::Dedicated, "orders", "app"), "app");
        assert_eq!(credential_username(Placement::Shared, "orders", "app"), "orders.app");
        // Database `a_b` with user `c` and database `a` with user `b_c` stay apart.
        assert_ne!(
            credential_username(Placement::Shared, "a_b", "c"),
            credential_username(Placement::Shared, "a", "b_c")
        );
        assert_ne!(
            credential_username(Placement::Shared, "orders", "u_x"),
            owner_username("x")
        );
    }
}
