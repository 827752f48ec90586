//! What a reader of a database sees of it: the read model of `GET /api/database/…`.
//!
//! A [`DatabaseDetail`](super::DatabaseDetail) holds whole rows (the database, its plan,
//! environment, engine, host and latest task: over a hundred columns, sealed passwords
//! included), which the operations that change a database need. A reader needs some twenty
//! of them, and each column costs the catalog (its executor sets up every output column of
//! every execution) and the api (decoding) on every read, so reads select only these: a
//! [`DatabaseSummary`] is one narrow row, and the live credentials' names beside it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::{DatabaseDetail, DatabaseStatus, EngineKind, EngineState, Health};
use crate::schema;

/// A database as its readers see it.
#[derive(Debug, Clone)]
pub struct DatabaseSummary {
    pub row: SummaryRow,
    /// Its live credentials, oldest first.
    pub credentials: Vec<CredentialName>,
    /// What a reader's layer made of it once, for reuse while it is remembered: its JSON,
    /// with the key of what else the JSON depends on (the api's base URL).
    pub rendered: std::sync::OnceLock<(u64, std::sync::Arc<str>)>,
}

/// The columns of a database and of what it references that its readers see.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::databases, check_for_backend(diesel::pg::Pg))]
pub struct SummaryRow {
    pub id: i64,
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
    pub is_protected: bool,
    pub used_size_bytes: Option<i64>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub quarantine_days: Option<i32>,
    pub health: Health,
    pub health_detail: Option<String>,
    pub latest_task_id: Option<i64>,
    #[diesel(embed)]
    pub plan: PlanBrief,
    #[diesel(embed)]
    pub environment: EnvironmentBrief,
    #[diesel(embed)]
    pub engine: Option<EngineBrief>,
    #[diesel(embed)]
    pub host: Option<HostBrief>,
}

/// Of the plan: its engine and size.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::plans, check_for_backend(diesel::pg::Pg))]
pub struct PlanBrief {
    pub engine: EngineKind,
    pub size_bytes: i64,
}

/// Of the environment: its quarantine period.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::environments, check_for_backend(diesel::pg::Pg))]
pub struct EnvironmentBrief {
    pub quarantine_days: i32,
}

/// Of the engine serving it: where it listens.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::engines, check_for_backend(diesel::pg::Pg))]
pub struct EngineBrief {
    pub port: Option<i32>,
    pub state: EngineState,
}

/// Of the engine's host: its name and address.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::hosts, check_for_backend(diesel::pg::Pg))]
pub struct HostBrief {
    pub name: String,
    pub address: String,
}

/// A live credential, by its id and user name.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::credentials, check_for_backend(diesel::pg::Pg))]
pub struct CredentialName {
    pub id: i64,
    pub database_id: i64,
    pub username: String,
}

impl DatabaseSummary {
    /// The port its engine listens on, once it has one (and while the engine is there).
    pub fn port(&self) -> Option<i32> {
        self.row
            .engine
            .as_ref()
            .filter(|e| e.state != EngineState::Removed)
            .and_then(|e| e.port)
    }

    /// When a quarantined database's period runs out: its own period, else its environment's.
    pub fn quarantine_ends_at(&self) -> Option<DateTime<Utc>> {
        let days = self.row.quarantine_days.unwrap_or(self.row.environment.quarantine_days);
        Some(self.row.quarantine_dt? + chrono::Duration::days(i64::from(days)))
    }

    /// Where clients connect, with placeholders for the credential; `None` until a port is
    /// assigned. `tls`: whether the deployment's engines speak TLS.
    pub fn endpoint(&self, tls: bool) -> Option<String> {
        let port = self.port()?;
        let host = self.row.host.as_ref()?;
        Some(self.row.plan.engine.endpoint(&host.address, port, &self.row.name, tls))
    }
}

/// The summary of a detail an operation already holds (after a create or an update).
impl From<&DatabaseDetail> for DatabaseSummary {
    fn from(detail: &DatabaseDetail) -> Self {
        let d = &detail.database;
        Self {
            row: SummaryRow {
                id: d.id,
                name: d.name.clone(),
                team_id: d.team_id,
                plan_id: d.plan_id,
                environment_id: d.environment_id,
                project_id: d.project_id,
                status: d.status,
                description: d.description.clone(),
                quarantine_dt: d.quarantine_dt,
                created_at: d.created_at,
                updated_at: d.updated_at,
                tags: d.tags.clone(),
                is_protected: d.is_protected,
                used_size_bytes: d.used_size_bytes,
                deleted_at: d.deleted_at,
                quarantine_days: d.quarantine_days,
                health: d.health,
                health_detail: d.health_detail.clone(),
                latest_task_id: detail.latest_task.as_ref().map(|t| t.id),
                plan: PlanBrief {
                    engine: detail.plan.engine,
                    size_bytes: detail.plan.size_bytes,
                },
                environment: EnvironmentBrief {
                    quarantine_days: detail.environment.quarantine_days,
                },
                engine: detail.engine.as_ref().map(|e| EngineBrief {
                    port: e.port,
                    state: e.state,
                }),
                host: detail.host.as_ref().map(|h| HostBrief {
                    name: h.name.clone(),
                    address: h.address.clone(),
                }),
            },
            credentials: detail
                .credentials
                .iter()
                .map(|c| CredentialName {
                    id: c.id,
                    database_id: c.database_id,
                    username: c.username.clone(),
                })
                .collect(),
            rendered: std::sync::OnceLock::new(),
        }
    }
}
