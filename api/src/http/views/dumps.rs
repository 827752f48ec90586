//! Final dumps as the API shows them; their bytes are downloaded from `self`.

use chrono::{DateTime, Utc};
use dbaas_core::model::Dump;
use poem_openapi::Object;

use super::super::links::Links;

/// Links of a dump.
#[derive(Debug, Clone, Object)]
pub struct DumpLinks {
    #[oai(rename = "self")]
    pub self_: String,
    pub database: String,
}

/// A final dump of a database, kept until `expires_at`.
#[derive(Debug, Clone, Object)]
pub struct DumpView {
    #[oai(rename = "_links")]
    pub links: DumpLinks,
    pub id: i64,
    /// `pg_dump-custom` (Postgres: restore with `pg_restore`) or `mongodump-tar` (MongoDB:
    /// unpack, then `mongorestore DIR`).
    pub format: String,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl DumpView {
    pub fn new(links: &Links, dump: Dump) -> Self {
        Self {
            links: DumpLinks {
                self_: format!("{}dumps/{}/", links.database(dump.database_id), dump.id),
                database: links.database(dump.database_id),
            },
            id: dump.id,
            format: dump.format.to_string(),
            size_bytes: dump.size_bytes,
            created_at: dump.created_at,
            expires_at: dump.expires_at,
        }
    }
}

/// The dumps of a database.
#[derive(Debug, Clone, Object)]
pub struct DumpList {
    pub dump: Vec<DumpView>,
}
