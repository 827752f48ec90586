//! Audit records as the API shows them.

use chrono::{DateTime, Utc};
use dbaas_core::model::AuditRecord;
use poem_openapi::Object;

use super::super::links::Links;
use super::ListLinks;

/// Links of an audit record.
#[derive(Debug, Clone, Object)]
pub struct AuditRecordLinks {
    /// The resource the call was about (`/api/database/7/`).
    pub resource: String,
    /// The API user who called, when the call was authenticated.
    #[oai(skip_serializing_if_is_none)]
    pub user: Option<String>,
    /// The team owning the resource, when the caller acts for it.
    #[oai(skip_serializing_if_is_none)]
    pub team: Option<String>,
}

/// One call recorded in the audit trail: who, when, from where, what, and how it ended.
#[derive(Debug, Clone, Object)]
pub struct AuditRecordView {
    #[oai(rename = "_links")]
    pub links: AuditRecordLinks,
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The username, as the call gave it (for a failed login, whatever was sent).
    pub user: String,
    /// The client's address, as the login throttle sees it (`DBAAS_TRUSTED_PROXIES`).
    pub client_address: String,
    /// The operation's `operationId` in this document (`database_delete`), or
    /// `login_failed`.
    pub operation: String,
    pub method: String,
    /// The resource's path (`/api/database/7`); for a create, the created resource's.
    pub resource: String,
    /// The HTTP status answered; null while the call runs, or if its outcome was lost.
    #[oai(nullable)]
    pub status: Option<i32>,
}

impl AuditRecordView {
    pub fn new(links: &Links, record: AuditRecord) -> Self {
        Self {
            links: AuditRecordLinks {
                resource: format!("{}{}/", links.base(), record.resource),
                user: record.actor_id.map(|id| links.user(id)),
                team: record.team_id.map(|id| links.team(id)),
            },
            id: record.id,
            at: record.at,
            user: record.actor_name,
            client_address: record.client_address,
            operation: record.operation,
            method: record.method,
            resource: record.resource,
            status: record.status,
        }
    }
}

/// The audit trail, oldest first.
#[derive(Debug, Clone, Object)]
pub struct AuditList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub audit: Vec<AuditRecordView>,
}
