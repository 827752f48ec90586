//! Tasks as the API shows them.

use chrono::{DateTime, Utc};
use dbaas_core::model::Task;
use poem_openapi::Object;

use super::super::links::Links;
use super::super::responses::Located;
use super::ListLinks;

/// Links of a task.
#[derive(Debug, Clone, Object)]
pub struct TaskLinksView {
    #[oai(rename = "self")]
    pub self_: String,
    #[oai(skip_serializing_if_is_none)]
    pub database: Option<String>,
    /// The engine an engine task works on.
    #[oai(skip_serializing_if_is_none)]
    pub engine: Option<String>,
}

/// Work asked of the workers.
#[derive(Debug, Clone, Object)]
pub struct TaskView {
    #[oai(rename = "_links")]
    pub links: TaskLinksView,
    pub id: i64,
    /// `provision_database`, ...
    pub kind: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    #[oai(nullable)]
    pub database: Option<String>,
    pub attempts: i32,
    #[oai(nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    #[oai(nullable)]
    pub started_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl TaskView {
    pub fn new(links: &Links, task: Task) -> Self {
        let database = task.database_id.map(|id| links.database(id));
        Self {
            links: TaskLinksView {
                self_: links.task(task.id),
                database: database.clone(),
                engine: task.engine_id.map(|id| format!("{}/api/engine/{id}/", links.base())),
            },
            id: task.id,
            kind: task.kind.to_string(),
            status: task.status.to_string(),
            database,
            attempts: task.attempts,
            last_error: task.last_error,
            created_at: task.created_at,
            started_at: task.started_at,
            finished_at: task.finished_at,
            updated_at: task.updated_at,
        }
    }
}

impl Located for TaskView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}

/// The tasks.
#[derive(Debug, Clone, Object)]
pub struct TaskList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub task: Vec<TaskView>,
}
