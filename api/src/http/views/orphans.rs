//! Orphan containers as admins see them.

use chrono::{DateTime, Utc};
use dbaas_core::model::Orphan;
use poem_openapi::Object;

use super::super::links::Links;
use super::{ListLinks, SelfLink};

/// A container labelled as this deployment's that no live database claims.
#[derive(Debug, Clone, Object)]
pub struct OrphanView {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub environment: String,
    pub container_name: String,
    pub container_id: String,
    /// The `dbaas.database.uid` label, if it has one.
    #[oai(nullable)]
    pub database_uid: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Set once an admin asked for its removal.
    #[oai(nullable)]
    pub remove_requested_at: Option<DateTime<Utc>>,
}

impl OrphanView {
    pub fn new(links: &Links, orphan: Orphan) -> Self {
        Self {
            links: SelfLink {
                self_: format!("{}/api/orphan/{}/", links.base(), orphan.id),
            },
            id: orphan.id,
            environment: links.environment(orphan.environment_id),
            container_name: orphan.container_name,
            container_id: orphan.container_id,
            database_uid: orphan.database_uid,
            first_seen: orphan.first_seen,
            last_seen: orphan.last_seen,
            remove_requested_at: orphan.remove_requested_at,
        }
    }
}

/// The orphan containers.
#[derive(Debug, Clone, Object)]
pub struct OrphanList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub orphan: Vec<OrphanView>,
}
