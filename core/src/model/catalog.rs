//! The catalog admins keep: plans (what a database's engine gets) and environments (where it
//! runs).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::EngineKind;
use crate::schema;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::plans)]
pub struct Plan {
    pub id: i64,
    pub name: String,
    pub engine: EngineKind,
    pub image: String,
    pub memory_bytes: i64,
    pub cpu_millis: i32,
    pub size_bytes: i64,
    pub description: String,
    pub created_at: DateTime<Utc>,
    /// Restart an engine container that stopped or vanished.
    pub auto_recover: bool,
    /// Engines kept started and unassigned in each environment, for databases to take at
    /// once (0: none, every database starts its own).
    pub pool_size: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::plans)]
pub struct NewPlan {
    pub name: String,
    pub engine: EngineKind,
    pub image: String,
    pub memory_bytes: i64,
    pub cpu_millis: i32,
    pub size_bytes: i64,
    pub description: String,
    pub pool_size: i32,
}

/// A plan's fields to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = schema::plans)]
pub struct PlanChanges {
    pub name: Option<String>,
    pub engine: Option<EngineKind>,
    pub image: Option<String>,
    pub memory_bytes: Option<i64>,
    pub cpu_millis: Option<i32>,
    pub size_bytes: Option<i64>,
    pub description: Option<String>,
    pub pool_size: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::environments)]
pub struct Environment {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub name: String,
    pub quarantine_days: i32,
    #[diesel(skip_insertion)]
    pub created_at: DateTime<Utc>,
    /// Marked for local development: its hosts may be reached over plain `tcp://`.
    pub development: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::environments)]
pub struct NewEnvironment {
    pub name: String,
    /// `None`: the catalog's default.
    pub quarantine_days: Option<i32>,
    pub development: bool,
}

/// An environment's fields to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = schema::environments)]
pub struct EnvironmentChanges {
    pub name: Option<String>,
    pub quarantine_days: Option<i32>,
    pub development: Option<bool>,
}
