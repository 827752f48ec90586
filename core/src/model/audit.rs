//! The audit trail: one record per state-changing call, password read and failed login, saying
//! who (the API user, or the username a failed login gave), when, from which client address,
//! which operation on which resource, and how it ended (the HTTP status). A record never holds
//! a request body or a secret: only the fields below, none of them taken from a body.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema;

/// A record as the catalog keeps it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::audit_records)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The API user who called, while known; `None` for a failed login.
    pub actor_id: Option<i64>,
    /// The username as given.
    pub actor_name: String,
    pub client_address: String,
    /// The OpenAPI operationId (`database_delete`), or `login_failed`.
    pub operation: String,
    pub method: String,
    /// The resource's path, `/api/database/7` (for a create, the created resource's).
    pub resource: String,
    /// The team owning the resource, where the caller may act for it.
    pub team_id: Option<i64>,
    /// The HTTP status answered; `None` while the call runs, or if its outcome was lost.
    pub status: Option<i32>,
}

/// A record to write.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::audit_records)]
pub struct NewAuditRecord {
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub client_address: String,
    pub operation: String,
    pub method: String,
    pub resource: String,
    pub team_id: Option<i64>,
    pub status: Option<i32>,
}

/// How a call recorded before it ran ended.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = schema::audit_records, treat_none_as_null = true)]
pub struct AuditOutcome {
    pub status: Option<i32>,
    pub resource: String,
    pub team_id: Option<i64>,
}

/// A resource a team owns, as a record's path names it: the team is looked up through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditSubject {
    Database(i64),
    Credential(i64),
    Task(i64),
    Team(i64),
    Project(i64),
}
