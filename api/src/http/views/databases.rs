//! Databases as the API shows them.

use chrono::{DateTime, Utc};
use dbaas_core::model::{CredentialName, DatabaseDetail, DatabaseSummary};
use poem_openapi::Object;
use serde::Serialize;

use super::super::links::Links;
use super::super::responses::Located;
use super::super::serialized::rfc3339;
use super::{ListLinks, SelfLink, TaskLinks};

/// A credential as listed with its database: never a password.
#[derive(Debug, Clone, Object, Serialize)]
pub struct CredentialSummary {
    #[oai(rename = "_links")]
    #[serde(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub user: String,
}

impl CredentialSummary {
    fn new(links: &Links, credential: &CredentialName) -> Self {
        Self {
            links: SelfLink {
                self_: links.credential(credential.id),
            },
            id: credential.id,
            user: credential.username.clone(),
        }
    }
}

/// A database.
#[derive(Debug, Clone, Object, Serialize)]
pub struct DatabaseView {
    #[oai(rename = "_links")]
    #[serde(rename = "_links")]
    pub links: TaskLinks,
    pub id: i64,
    pub name: String,
    /// `creating`, `ready`, `failed`, `quarantining`, `quarantined`, `restoring`, `deleting`
    /// or `deleted`. An end state (`ready`, `quarantined`, `deleted`, `failed`) is reached
    /// with its task's end and can be acted on at once; while a task works the database shows
    /// the state it is moving through (`creating`, `quarantining`, `restoring`, `deleting`).
    pub status: String,
    pub engine: String,
    /// Where to connect, with placeholders for the credential:
    /// `postgresql://<user>:<password>@127.0.0.1:15432/orders`. Empty until a port is assigned.
    #[oai(nullable)]
    pub endpoint: Option<String>,
    pub plan: String,
    pub environment: String,
    /// The name of the host its engine runs on; null until placed.
    #[oai(nullable)]
    pub host: Option<String>,
    #[oai(nullable)]
    pub project: Option<String>,
    pub team: i64,
    pub description: String,
    pub tags: Vec<String>,
    /// While true, DELETE is refused.
    pub is_protected: bool,
    /// When the database entered quarantine (the first DELETE); null otherwise.
    #[oai(nullable)]
    #[serde(with = "rfc3339::option")]
    pub quarantine_dt: Option<DateTime<Utc>>,
    /// This database's quarantine period in days; null: the environment's.
    #[oai(nullable)]
    pub quarantine_days: Option<i32>,
    /// When a quarantined database will be destroyed; null otherwise.
    #[oai(nullable)]
    #[serde(with = "rfc3339::option")]
    pub quarantine_ends_at: Option<DateTime<Utc>>,
    /// What the reconciler last found: `unknown`, `healthy` or `unhealthy` (with the reason in
    /// `health_detail`).
    pub health: String,
    #[oai(nullable)]
    pub health_detail: Option<String>,
    /// The plan's size.
    pub total_size_in_bytes: i64,
    /// Space in use, as last collected from the engine (not real time); null until collected.
    #[oai(nullable)]
    pub used_size_in_bytes: Option<i64>,
    pub credentials: Vec<CredentialSummary>,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// When the database was destroyed; null while it exists.
    #[oai(nullable)]
    #[serde(with = "rfc3339::option")]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl DatabaseView {
    pub fn new(links: &Links, summary: &DatabaseSummary) -> Self {
        let database = &summary.row;
        Self {
            links: TaskLinks {
                self_: links.database(database.id),
                task: database.latest_task_id.map(|id| links.task(id)),
            },
            id: database.id,
            name: database.name.clone(),
            status: database.status.to_string(),
            engine: database.plan.engine.to_string(),
            endpoint: summary.endpoint(links.engine_tls()),
            plan: links.plan(database.plan_id),
            environment: links.environment(database.environment_id),
            host: database.host.as_ref().map(|h| h.name.clone()),
            project: database.project_id.map(|id| links.project(id)),
            team: database.team_id,
            description: database.description.clone(),
            tags: database.tags.clone(),
            is_protected: database.is_protected,
            quarantine_dt: database.quarantine_dt,
            quarantine_days: database.quarantine_days,
            quarantine_ends_at: summary.quarantine_ends_at(),
            health: database.health.to_string(),
            health_detail: database.health_detail.clone(),
            total_size_in_bytes: database.plan.size_bytes,
            used_size_in_bytes: database.used_size_bytes,
            credentials: summary
                .credentials
                .iter()
                .map(|c| CredentialSummary::new(links, c))
                .collect(),
            created_at: database.created_at,
            updated_at: database.updated_at,
            deleted_at: database.deleted_at,
        }
    }

    /// The JSON of `summary`'s view: written once per base URL for as long as the summary is
    /// remembered (it does not change; a change of the database makes a new summary).
    pub fn rendered(links: &Links, summary: &DatabaseSummary) -> std::sync::Arc<str> {
        let key = links.key();
        if let Some((written_for, json)) = summary.rendered.get() {
            if *written_for == key {
                return json.clone();
            }
        }
        let json: std::sync::Arc<str> = serde_json::to_string(&Self::new(links, summary))
            .expect("a view is written as JSON")
            .into();
        let _ = summary.rendered.set((key, json.clone()));
        json
    }

    /// The view of a detail an operation holds (after a create or an update).
    pub fn of_detail(links: &Links, detail: &DatabaseDetail) -> Self {
        Self::new(links, &DatabaseSummary::from(detail))
    }
}

impl Located for DatabaseView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}

/// The databases.
#[derive(Debug, Clone, Object, Serialize)]
pub struct DatabaseList {
    #[oai(rename = "_links")]
    #[serde(rename = "_links")]
    pub links: ListLinks,
    pub database: Vec<DatabaseView>,
}

impl DatabaseList {
    /// The JSON `DatabaseList` writes, from its items' JSON (each [written once](DatabaseView::rendered)).
    pub fn written(links: &ListLinks, items: &[std::sync::Arc<str>]) -> String {
        let links = serde_json::to_string(links).expect("links are written as JSON");
        let mut json = String::with_capacity(32 + links.len() + items.iter().map(|i| i.len() + 1).sum::<usize>());
        json.push_str("{\"_links\":");
        json.push_str(&links);
        json.push_str(",\"database\":[");
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                json.push(',');
            }
            json.push_str(item);
        }
        json.push_str("]}");
        json
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::http::serialized::assert_same_json;

    fn view(full: bool) -> DatabaseView {
        let at = Utc.timestamp_opt(1_765_000_000, 123_456_000).unwrap();
        fn some<T>(full: bool, v: T) -> Option<T> {
            full.then_some(v)
        }
        DatabaseView {
            links: TaskLinks {
                self_: "http://h/api/database/7/".into(),
                task: some(full, "http://h/api/task/9/".into()),
            },
            id: 7,
            name: "orders \"eu\" ünï".into(),
            status: "ready".into(),
            engine: "postgres".into(),
            endpoint: some(full, "postgresql://<user>:<password>@127.0.0.1:15432/orders".into()),
            plan: "http://h/api/plan/1/".into(),
            environment: "http://h/api/environment/1/".into(),
            host: some(full, "local".into()),
            project: some(full, "http://h/api/project/2/".into()),
            team: 3,
            description: "line\nbreak".into(),
            tags: vec!["a".into(), "b".into()],
            is_protected: full,
            quarantine_dt: some(full, at),
            quarantine_days: some(full, 7),
            quarantine_ends_at: some(full, at + chrono::Duration::days(7)),
            health: "healthy".into(),
            health_detail: some(full, "fine".into()),
            total_size_in_bytes: 1 << 30,
            used_size_in_bytes: some(full, -1),
            credentials: vec![CredentialSummary {
                links: SelfLink {
                    self_: "http://h/api/credential/4/".into(),
                },
                id: 4,
                user: "u_orders".into(),
            }],
            created_at: at,
            updated_at: Utc.timestamp_opt(1_765_000_001, 0).unwrap(),
            deleted_at: some(full, at),
        }
    }

    #[test]
    fn a_view_serializes_as_its_to_json_does() {
        assert_same_json(&view(true));
        assert_same_json(&view(false));
        assert_same_json(&DatabaseList {
            links: ListLinks {
                count: 2,
                self_: "http://h/api/database/".into(),
                previous: None,
                next: Some("http://h/api/database/?cursor=YTI".into()),
            },
            database: vec![view(true), view(false)],
        });
    }

    #[test]
    fn a_page_written_from_its_items_json_is_the_list_serde_writes() {
        let links = ListLinks {
            count: 2,
            self_: "http://h/api/database/".into(),
            previous: Some("http://h/api/database/?cursor=YjE".into()),
            next: None,
        };
        let items = [view(true), view(false)];
        let written: Vec<std::sync::Arc<str>> =
            items.iter().map(|v| serde_json::to_string(v).unwrap().into()).collect();
        let list = DatabaseList {
            links: links.clone(),
            database: items.to_vec(),
        };
        assert_eq!(
            DatabaseList::written(&links, &written),
            serde_json::to_string(&list).unwrap()
        );
        let empty = DatabaseList {
            links: links.clone(),
            database: vec![],
        };
        assert_eq!(
            DatabaseList::written(&links, &[]),
            serde_json::to_string(&empty).unwrap()
        );
    }
}
