//! Tasks: the record of work asked of the workers, visible to tenants.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema;

text_enum!(
    /// Where a task is: the API creates it `queued`, a worker moves it on.
    TaskStatus {
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
    }
);

impl TaskStatus {
    pub fn has_ended(self) -> bool {
        matches!(self, TaskStatus::Succeeded | TaskStatus::Failed)
    }
}

text_enum!(
    /// The kinds of work a worker does.
    TaskKind {
        ProvisionDatabase => "provision_database",
        CreateCredential => "create_credential",
        ResetPassword => "reset_password",
        DeleteCredential => "delete_credential",
        QuarantineDatabase => "quarantine_database",
        DestroyDatabase => "destroy_database",
        RestoreDatabase => "restore_database",
        RecoverDatabase => "recover_database",
    }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::tasks)]
pub struct Task {
    pub id: i64,
    pub kind: TaskKind,
    pub status: TaskStatus,
    pub database_id: Option<i64>,
    pub credential_id: Option<i64>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}
