//! The catalog admins keep: plans (what a database's engine gets) and environments (where it
//! runs).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::EngineKind;
use crate::schema;

text_enum!(
    /// Where a plan's databases go.
    Placement {
        /// Every database gets an engine of its own: a pooled one, or one started for it.
        Dedicated => "dedicated",
        /// Databases go into a running engine of the plan with room (up to the plan's
        /// `databases_per_engine`), a new engine starting when all are full. Postgres only.
        Shared => "shared",
    }
);

/// Concurrent sessions one database of a shared engine may hold, whatever its roles' own
/// limits: with Postgres' default `max_connections` (100, three of them kept for the
/// superuser), no tenant can take all the engine's connections.
pub const SHARED_DATABASE_CONNECTION_LIMIT: i32 = 20;

/// The longest role name Postgres keeps (`NAMEDATALEN` - 1): a longer one is cut, so two
/// long names could become one role.
pub const MAX_ROLE_NAME_LEN: usize = 63;

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
    pub placement: Placement,
    /// The most live databases one of its engines holds, where it is shared.
    pub databases_per_engine: i32,
}

impl Plan {
    pub fn is_shared(&self) -> bool {
        self.placement == Placement::Shared
    }
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
    pub placement: Placement,
    pub databases_per_engine: i32,
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
    pub placement: Option<Placement>,
    pub databases_per_engine: Option<i32>,
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
