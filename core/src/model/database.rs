//! Databases: what a tenant asked for, and where it is in its life.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::{Credential, Engine, EngineNames, Environment, Host, Plan, Task};
use crate::schema;

text_enum!(
    /// Where a database is in its life. A status a client reads can be acted on at once: the
    /// end state of a task (`ready`, `quarantined`, `deleted`, `failed`) is written in the
    /// same transaction as the task's end, and while the task runs the database shows the
    /// transitional state it is moving through (`creating`, `quarantining`, `restoring`,
    /// `deleting`). A transitional state whose task failed stays, with the failed task as
    /// the database's latest; asking again (DELETE, restore) starts a new task.
    DatabaseStatus {
        Creating => "creating",
        Ready => "ready",
        Failed => "failed",
        Quarantining => "quarantining",
        Quarantined => "quarantined",
        Restoring => "restoring",
        Deleting => "deleting",
        Deleted => "deleted",
    }
);

impl DatabaseStatus {
    /// Statuses of a database whose engine should be running (a destroy may have removed it
    /// already, so `deleting` is not one).
    pub const RUNNING: &'static [DatabaseStatus] = &[
        DatabaseStatus::Ready,
        DatabaseStatus::Quarantining,
        DatabaseStatus::Quarantined,
        DatabaseStatus::Restoring,
    ];

    /// Statuses in which tenants' passwords are shown and work: from the moment a DELETE is
    /// accepted, none is shown.
    pub fn serves_tenants(self) -> bool {
        self == DatabaseStatus::Ready
    }
}

text_enum!(
    /// What the reconciler last found of a database's engine.
    Health {
        Unknown => "unknown",
        Healthy => "healthy",
        Unhealthy => "unhealthy",
    }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::databases)]
pub struct Database {
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub team_id: i64,
    pub plan_id: i64,
    pub environment_id: i64,
    pub project_id: Option<i64>,
    pub status: DatabaseStatus,
    pub description: String,
    pub quarantine_dt: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub tags: Vec<String>,
    /// While set, DELETE is refused.
    pub is_protected: bool,
    /// Space in use, as last collected from the engine.
    pub used_size_bytes: Option<i64>,
    pub size_collected_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Overrides the environment's quarantine period.
    pub quarantine_days: Option<i32>,
    pub health: Health,
    pub health_detail: Option<String>,
    pub health_checked_at: Option<DateTime<Utc>>,
    /// The engine that serves it; `None` until provisioning picks or starts one.
    pub engine_id: Option<i64>,
}

impl Database {
    /// The names of an engine started for this database alone (a cold start).
    pub fn dedicated_engine_names(&self) -> EngineNames {
        EngineNames::of_database(&self.name, &self.uid)
    }
}

/// What the API records when a tenant asks for a database.
#[derive(Debug, Clone)]
pub struct NewDatabase {
    pub name: String,
    pub team_id: i64,
    pub plan_id: i64,
    pub environment_id: i64,
    pub project_id: Option<i64>,
    pub description: String,
    pub tags: Vec<String>,
}

/// A database with everything needed to run or describe it.
#[derive(Debug, Clone)]
pub struct DatabaseDetail {
    pub database: Database,
    pub plan: Plan,
    pub environment: Environment,
    /// The engine that serves it, once provisioning picked or started one.
    pub engine: Option<Engine>,
    /// The host its engine runs on.
    pub host: Option<Host>,
    pub credentials: Vec<Credential>,
    pub latest_task: Option<Task>,
}

impl DatabaseDetail {
    /// Whether provisioning got as far as an engine with a port and a superuser password:
    /// only then does an engine hold anything of this database.
    pub fn was_provisioned(&self) -> bool {
        self.engine.as_ref().is_some_and(Engine::was_provisioned)
    }

    /// The port its engine listens on, once it has one (and while the engine is there).
    pub fn port(&self) -> Option<i32> {
        self.engine
            .as_ref()
            .filter(|e| e.state != super::EngineState::Removed)
            .and_then(|e| e.port)
    }

    /// When a quarantined database's period runs out: its own period, else its environment's.
    pub fn quarantine_ends_at(&self) -> Option<DateTime<Utc>> {
        let days = self
            .database
            .quarantine_days
            .unwrap_or(self.environment.quarantine_days);
        Some(self.database.quarantine_dt? + chrono::Duration::days(i64::from(days)))
    }
}
