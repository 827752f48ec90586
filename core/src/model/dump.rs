//! Final dumps: what is kept of a destroyed database, for its retention period.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema;

text_enum!(
    /// What a dump is, for the people who restore it.
    DumpFormat {
        /// `pg_dump --format=custom`, for `pg_restore`.
        PgDumpCustom => "pg_dump-custom",
        /// mongodump's directory layout in a tar archive: unpack it, then `mongorestore DIR`.
        MongodumpTar => "mongodump-tar",
    }
);

/// A final dump of a destroyed database.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::dumps)]
pub struct Dump {
    pub id: i64,
    pub database_id: i64,
    pub format: DumpFormat,
    pub size_bytes: i64,
    /// False while the dump is being written.
    pub complete: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}
