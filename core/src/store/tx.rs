//! Pieces shared by transactions that start work on a database.

use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::StoreError;
use crate::model::{Database, Task, TaskKind, TaskStatus};
use crate::schema::{databases, tasks};

/// Why a transaction gave up, beyond diesel's own errors.
#[derive(Debug)]
pub(crate) enum TxError {
    Diesel(DieselError),
    Refused(StoreError),
}

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        TxError::Diesel(e)
    }
}

impl TxError {
    /// Maps to a store error, with `unique` saying what a unique violation means here.
    pub(crate) fn into_store(self, unique: impl FnOnce() -> String) -> StoreError {
        match self {
            TxError::Refused(e) => e,
            TxError::Diesel(e) if StoreError::is_unique_violation(&e) => StoreError::Conflict(unique()),
            TxError::Diesel(DieselError::NotFound) => StoreError::NotFound("database"),
            TxError::Diesel(e) => StoreError::from(e),
        }
    }
}

/// Locks a database row for the rest of the transaction.
pub(crate) async fn lock_database(conn: &mut AsyncPgConnection, database_id: i64) -> Result<Database, DieselError> {
    databases::table
        .find(database_id)
        .select(Database::as_select())
        .for_update()
        .first(conn)
        .await
}

/// Locks a database row for the rest of the transaction and makes sure no other task is
/// queued or running on it, nor on its engine for another database: one task at a time per
/// database, and an engine-wide task holds every database of a shared engine.
pub(crate) async fn lock_idle_database(conn: &mut AsyncPgConnection, database_id: i64) -> Result<Database, TxError> {
    let database = lock_database(conn, database_id).await?;
    let active: Option<(i64, String)> = tasks::table
        .filter(tasks::database_id.eq(database_id))
        .filter(tasks::status.eq_any([TaskStatus::Queued, TaskStatus::Running]))
        .select((tasks::id, tasks::kind))
        .first(conn)
        .await
        .optional()?;
    if let Some((id, kind)) = active {
        return Err(TxError::Refused(StoreError::Busy { task_id: id, kind }));
    }
    // A task of another database on its engine holds the whole engine (a shared engine's
    // move, an operator's restart): nothing starts on any database of it meanwhile.
    if let Some(engine_id) = database.engine_id {
        let holding: Option<(i64, String)> = tasks::table
            .filter(tasks::engine_id.eq(engine_id))
            .filter(tasks::database_id.ne(database_id))
            .filter(tasks::status.eq_any([TaskStatus::Queued, TaskStatus::Running]))
            .select((tasks::id, tasks::kind))
            .first(conn)
            .await
            .optional()?;
        if let Some((id, kind)) = holding {
            return Err(TxError::Refused(StoreError::Busy { task_id: id, kind }));
        }
    }
    Ok(database)
}

/// The first live database an engine serves (a shared engine's tasks are recorded on it), or
/// `refusal` where it serves none.
pub(crate) async fn first_database_of(
    conn: &mut AsyncPgConnection,
    engine_id: i64,
    refusal: impl FnOnce() -> String,
) -> Result<i64, TxError> {
    super::live_databases()
        .filter(databases::engine_id.eq(engine_id))
        .select(databases::id)
        .order(databases::id)
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| TxError::Refused(StoreError::Conflict(refusal())))
}

/// Refuses work on an engine while another task on it is queued or running: one task at a
/// time per engine, as per database.
pub(crate) async fn refuse_busy_engine(conn: &mut AsyncPgConnection, engine_id: i64) -> Result<(), TxError> {
    let busy: Option<(i64, String)> = tasks::table
        .filter(tasks::engine_id.eq(engine_id))
        .filter(tasks::status.eq_any([TaskStatus::Queued, TaskStatus::Running]))
        .select((tasks::id, tasks::kind))
        .first(conn)
        .await
        .optional()?;
    match busy {
        Some((task_id, kind)) => Err(TxError::Refused(StoreError::Busy { task_id, kind })),
        None => Ok(()),
    }
}

/// Records a queued task of a database (on one of its credentials, where given).
pub(crate) async fn insert_task(
    conn: &mut AsyncPgConnection,
    kind: TaskKind,
    database_id: i64,
    credential_id: Option<i64>,
) -> Result<Task, TxError> {
    insert_task_on(
        conn,
        kind,
        database_id,
        TaskOn {
            credential_id,
            ..TaskOn::default()
        },
    )
    .await
}

/// What a task works on beside its database.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TaskOn<'a> {
    pub credential_id: Option<i64>,
    pub engine_id: Option<i64>,
    /// An upgrade's image.
    pub target_image: Option<&'a str>,
    /// A resize's plan, and whether it may restart the engine.
    pub target_plan_id: Option<i64>,
    pub allow_restart: bool,
    /// A move's incoming engine.
    pub target_engine_id: Option<i64>,
}

/// Records a queued task of a database, on what `on` names.
pub(crate) async fn insert_task_on(
    conn: &mut AsyncPgConnection,
    kind: TaskKind,
    database_id: i64,
    on: TaskOn<'_>,
) -> Result<Task, TxError> {
    let task: Task = diesel::insert_into(tasks::table)
        .values((
            tasks::kind.eq(kind),
            tasks::status.eq(TaskStatus::Queued),
            tasks::database_id.eq(database_id),
            tasks::credential_id.eq(on.credential_id),
            tasks::engine_id.eq(on.engine_id),
            tasks::target_image.eq(on.target_image),
            tasks::target_plan_id.eq(on.target_plan_id),
            tasks::allow_restart.eq(on.allow_restart),
            tasks::target_engine_id.eq(on.target_engine_id),
        ))
        .returning(Task::as_returning())
        .get_result(conn)
        .await?;
    // The database names its latest task, so that reads join it instead of searching tasks.
    diesel::update(databases::table.find(database_id))
        .set(databases::latest_task_id.eq(task.id))
        .execute(conn)
        .await?;
    Ok(task)
}
