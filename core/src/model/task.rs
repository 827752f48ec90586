//! Tasks: the record of work asked of the workers, visible to tenants.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::DatabaseStatus;
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
        /// Starts an engine for a plan's pool.
        StartEngine => "start_engine",
        /// Removes an engine that serves no database (a pooled one being replaced).
        RemoveEngine => "remove_engine",
        /// An operator's restart of an engine (stopped cleanly, started again).
        RestartEngine => "restart_engine",
        /// An operator's stop: the engine stays stopped until an operator starts it.
        StopEngine => "stop_engine",
        /// An operator's start of an engine (one an operator stopped, or any that is down).
        ResumeEngine => "resume_engine",
        /// An operator's move of an engine to another image of the same major version, on
        /// the same volume (`Task::target_image`).
        UpgradeEngine => "upgrade_engine",
        /// A reconciler round asked for now (`POST /api/reconcile/`).
        Reconcile => "reconcile",
        /// A move of a database to another plan of its engine and image: its engine's memory
        /// and CPU limits changed on the running container (`Task::target_plan_id`).
        ResizeDatabase => "resize_database",
        /// A move of a database's engine, with its data, to another host: its engine stopped
        /// cleanly, its data streamed to a new engine there (`Task::target_engine_id`), which
        /// serves the database once verified.
        MoveDatabase => "move_database",
    }
);

impl TaskKind {
    /// The statuses a database may be in for this task to start on it, and the status it
    /// moves to when the task is accepted (`None`: it keeps its own). Work on a database
    /// starts only through these (`Store::database_task_start`).
    pub fn starts_from(self) -> (&'static [DatabaseStatus], Option<DatabaseStatus>) {
        use DatabaseStatus::*;
        match self {
            // Recorded with the database itself, in `creating`.
            TaskKind::ProvisionDatabase => (&[Creating], None),
            TaskKind::CreateCredential | TaskKind::ResetPassword | TaskKind::DeleteCredential => (&[Ready], None),
            // Again from `quarantining` when a quarantine failed, and from `restoring` when a
            // restore did: the passwords are replaced once more.
            TaskKind::QuarantineDatabase => (&[Ready, Failed, Quarantining, Restoring], Some(Quarantining)),
            TaskKind::RestoreDatabase => (&[Quarantined, Restoring], Some(Restoring)),
            TaskKind::DestroyDatabase => (&[Quarantined, Deleting], Some(Deleting)),
            TaskKind::RecoverDatabase => (DatabaseStatus::RUNNING, None),
            // An operator's action on the engine of a database (recorded on both, so that it
            // runs alone on the database like any other task): the database keeps its status.
            TaskKind::RestartEngine | TaskKind::StopEngine | TaskKind::ResumeEngine | TaskKind::UpgradeEngine => {
                (DatabaseStatus::RUNNING, None)
            }
            // A tenant's resize, of a database in use: it stays `ready` throughout.
            TaskKind::ResizeDatabase => (&[Ready], None),
            // An operator's move, or a drain's: a database whose engine holds its data.
            TaskKind::MoveDatabase => (&[Ready, Quarantined], None),
            // Work on an engine that serves no database, or on none.
            TaskKind::StartEngine | TaskKind::RemoveEngine | TaskKind::Reconcile => (&[], None),
        }
    }

    /// The status the task's end gives its database, written in the same transaction as the
    /// end (`None`: the database keeps its status). A transitional status stays when its
    /// task fails: the work is half done, and asking again finishes it.
    pub fn ends_in(self, succeeded: bool) -> Option<DatabaseStatus> {
        match (self, succeeded) {
            (TaskKind::ProvisionDatabase, true) => Some(DatabaseStatus::Ready),
            (TaskKind::ProvisionDatabase, false) => Some(DatabaseStatus::Failed),
            (TaskKind::QuarantineDatabase, true) => Some(DatabaseStatus::Quarantined),
            (TaskKind::RestoreDatabase, true) => Some(DatabaseStatus::Ready),
            (TaskKind::DestroyDatabase, true) => Some(DatabaseStatus::Deleted),
            _ => None,
        }
    }
}

/// A worker's hold on a running task: every write of the task names its token, and is
/// refused once another worker has taken the task over (the lease ran out) or it has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub task_id: i64,
    pub token: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::tasks)]
pub struct Task {
    pub id: i64,
    pub kind: TaskKind,
    pub status: TaskStatus,
    pub database_id: Option<i64>,
    pub credential_id: Option<i64>,
    /// The engine an engine task works on.
    pub engine_id: Option<i64>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The worker holding the task while it runs.
    pub claimed_by: Option<String>,
    /// When the holder's lease runs out, on the catalog's clock.
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// The image an `upgrade_engine` task moves its engine to.
    pub target_image: Option<String>,
    /// The plan a `resize_database` task moves its database to.
    pub target_plan_id: Option<i64>,
    /// Whether a `resize_database` task may restart the engine (asked explicitly).
    pub allow_restart: bool,
    /// The engine a `move_database` task moves its database to.
    pub target_engine_id: Option<i64>,
}
