//! Moves: a database's engine moved, with its data, to another host (`move_database` tasks).
//! One row per move that switched its database: where clients connected before and after.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema;

/// A move as the catalog records it once its database switched.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::database_moves)]
pub struct DatabaseMove {
    pub id: i64,
    pub database_id: i64,
    pub task_id: i64,
    pub from_engine_id: i64,
    pub to_engine_id: i64,
    pub from_host_id: i64,
    pub to_host_id: i64,
    /// `address:port` before the move.
    pub from_endpoint: String,
    /// `address:port` after it.
    pub to_endpoint: String,
    /// What was streamed from the old host to the new one (0: not known, a resumed move).
    pub bytes: i64,
    /// From the old engine's stop to the new one accepting.
    pub downtime_ms: i64,
    pub moved_at: DateTime<Utc>,
}

/// A move to record: [`crate::store::Store::database_move_switch`].
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::database_moves)]
pub struct NewDatabaseMove {
    pub database_id: i64,
    pub task_id: i64,
    pub from_engine_id: i64,
    pub to_engine_id: i64,
    pub from_host_id: i64,
    pub to_host_id: i64,
    pub from_endpoint: String,
    pub to_endpoint: String,
    pub bytes: i64,
    pub downtime_ms: i64,
}
