//! Orphans: containers labelled as ours that no live database claims.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::EngineNames;
use crate::schema;

/// A container labelled as ours that no live database claims.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::orphans)]
pub struct Orphan {
    pub id: i64,
    pub environment_id: i64,
    pub container_name: String,
    pub container_id: String,
    pub database_uid: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub remove_requested_at: Option<DateTime<Utc>>,
    /// The host it was found on.
    pub host_id: i64,
}

impl Orphan {
    /// The names of the container and of the volume that goes with it.
    pub fn engine_names(&self) -> EngineNames {
        EngineNames::of_container(&self.container_name)
    }
}
