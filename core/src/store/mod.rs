//! The metadata store: every query the api and the worker make against the catalog.
//!
//! One submodule per resource; each maps diesel's errors where the query runs, while it still
//! knows which resource it was looking for.

mod actions;
mod audit;
mod bootstrap;
mod certificates;
mod credentials;
pub mod database_memory;
mod databases;
mod dumps;
mod engines;
mod environments;
mod figures;
mod fleet;
mod health;
mod hosts;
mod idempotency;
mod lifecycle;
mod listen;
pub mod login_memory;
mod memory;
mod moves;
mod orphans;
pub mod page;
mod plans;
mod pool;
mod ports;
mod projects;
mod reseal;
mod resize;
mod tasks;
mod teams;
mod tx;
mod users;

use std::sync::Arc;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::metrics::{Backend, BackendErrors};

pub use audit::{AuditFilter, AuditViewer};
pub use bootstrap::{Bootstrap, DEFAULT_ENVIRONMENT, DEFAULT_HOST, DEFAULT_PLAN};
pub use credentials::{CredentialFilter, NewCredential};
pub use databases::{CreatedDatabase, Creation, DatabaseChanges, DatabaseFilter};
pub use dumps::DUMP_CHUNK_BYTES;
pub use figures::FleetFigures;
pub use fleet::{FleetFilter, ObservedContainer};
pub use idempotency::{EarlierRequest, IdempotencyKey, DATABASE_CREATE};
pub use listen::Heard;
pub use moves::DrainStep;
pub use orphans::SeenContainer;
pub use page::{Cursor, Page, PageRequest};
pub use pool::PoolStatus;
pub use reseal::{ResealedColumn, SEALED_COLUMNS};
pub use tasks::TaskFilter;
pub use users::{Caller, Login};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Errors of the store. They know nothing of HTTP: the api maps them once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// Another task holds the database.
    #[error("task {task_id} ({kind}) is still working on this database; try again when it has ended")]
    Busy { task_id: i64, kind: String },
    /// The worker's claim on a task is gone: another worker took it over, or it ended.
    #[error("task {0} is no longer held by this worker")]
    ClaimLost(i64),
    /// A limit of the team would be exceeded.
    #[error("{0}")]
    OverQuota(String),
    #[error("the metadata store is unavailable: {0}")]
    Unavailable(String),
    #[error("metadata query failed: {0}")]
    Query(DieselError),
}

impl From<DieselError> for StoreError {
    /// A query that could not reach the catalog (its connection broke: a restart, say) means
    /// the catalog is unavailable, not that the query was wrong. The broken connection is
    /// dropped when it goes back to the pool.
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::DatabaseError(
                DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
                info,
            ) => StoreError::Unavailable(format!("lost the connection to the catalog: {}", info.message())),
            e => StoreError::Query(e),
        }
    }
}

impl StoreError {
    /// Maps "no rows" to a not-found of the resource the query was after.
    pub(crate) fn lookup(resource: &'static str) -> impl FnOnce(DieselError) -> StoreError {
        move |e| match e {
            DieselError::NotFound => StoreError::NotFound(resource),
            e => StoreError::from(e),
        }
    }

    /// Whether the error is a unique-constraint violation.
    pub(crate) fn is_unique_violation(e: &DieselError) -> bool {
        matches!(e, DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
    }

    /// Maps the errors of writing a named row: "no rows" is a not-found, a unique violation
    /// means the name is taken.
    pub(crate) fn write<'a>(
        resource: &'static str,
        name: Option<&'a str>,
    ) -> impl FnOnce(DieselError) -> StoreError + 'a {
        move |e| match (e, name) {
            (e, Some(name)) if Self::is_unique_violation(&e) => {
                StoreError::Conflict(format!("{resource} name '{name}' is already taken"))
            }
            (e, _) => Self::lookup(resource)(e),
        }
    }

    /// Whether a row was found but holds a value this build cannot read (a task kind added
    /// by a newer release, say).
    pub fn is_unreadable_row(&self) -> bool {
        matches!(self, StoreError::Query(DieselError::DeserializationError(_)))
    }

    /// Refuses to delete what live databases (any status but `deleted`) still use.
    pub(crate) fn in_use(resource: &str, name: &str, live_databases: i64) -> StoreError {
        let s = if live_databases == 1 { "" } else { "s" };
        StoreError::Conflict(format!(
            "{resource} '{name}' is used by {live_databases} live database{s}: delete them first"
        ))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Databases that still hold, or may again hold, a container: every status but `deleted`.
/// Plans, environments, projects and teams they use cannot be deleted.
pub(crate) fn live_databases() -> crate::schema::databases::BoxedQuery<'static, diesel::pg::Pg> {
    use crate::schema::databases;
    use diesel::prelude::*;
    databases::table
        .filter(databases::status.ne(crate::model::DatabaseStatus::Deleted))
        .into_boxed()
}
pub(crate) type Conn = Object<AsyncPgConnection>;

/// A pool of connections to the catalog.
#[derive(Clone)]
pub struct Store {
    pool: Pool<AsyncPgConnection>,
    database_url: Arc<str>,
    logins: Arc<login_memory::LoginMemory>,
    databases: Arc<database_memory::DatabaseMemory>,
    /// Where failures to reach the catalog are counted (the process's metrics).
    errors: BackendErrors,
}

/// A catalog connection pool's connections, as of now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    pub in_use: usize,
    pub idle: usize,
    pub max: usize,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("status", &self.pool.status()).finish()
    }
}

impl Store {
    /// Opens a pool; connections are made lazily.
    pub fn connect(database_url: &str, max_size: usize) -> StoreResult<Self> {
        // No test query when a connection is taken from the pool: one whose socket closed
        // (a catalog restart) is dropped when it goes back, and a query on a connection that
        // broke unnoticed says the catalog is unavailable (503), never a failed query.
        let mut config = ManagerConfig::default();
        config.recycling_method = RecyclingMethod::Fast;
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
        let pool = Pool::builder(manager)
            .max_size(max_size)
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Self {
            pool,
            database_url: database_url.into(),
            logins: Arc::default(),
            databases: Arc::default(),
            errors: BackendErrors::default(),
        })
    }

    /// Counts failures to reach the catalog into `errors` (the process's metrics), rather than
    /// a family of the store's own. Call it before the store is cloned.
    pub fn counting_errors(mut self, errors: BackendErrors) -> Self {
        self.errors = errors;
        self
    }

    /// Where this store counts failures to reach the catalog.
    pub fn backend_errors(&self) -> BackendErrors {
        self.errors.clone()
    }

    /// The pool's connections, as of now.
    pub fn pool_usage(&self) -> PoolUsage {
        let status = self.pool.status();
        PoolUsage {
            in_use: status.size.saturating_sub(status.available),
            idle: status.available,
            max: status.max_size,
        }
    }

    /// Whether the catalog answers a query now (readiness).
    pub async fn ping(&self) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await.map_err(|e| {
            self.errors.count(Backend::Catalog);
            StoreError::from(e)
        })?;
        Ok(())
    }

    /// Listens for the catalog's changes of logins and of databases for as long as the
    /// returned tasks run, so that logins (see [`login_memory`]) and reads of databases (see
    /// [`database_memory`]) may be answered from memory. A process that never calls this reads
    /// them all from the catalog.
    pub fn watch_changes(&self) -> [tokio::task::JoinHandle<()>; 2] {
        let url = self.database_url.to_string();
        let logins = self.logins.clone();
        let databases = self.databases.clone();
        [
            tokio::spawn(listen::listen(url.clone(), login_memory::CHANNEL, move |heard| {
                logins.heard(heard)
            })),
            tokio::spawn(listen::listen(url, database_memory::CHANNEL, move |heard| {
                databases.heard(heard)
            })),
        ]
    }

    /// Forgets what this process remembers of databases: it changed something (a request
    /// that changes state has ended). Other processes hear of the change from the catalog.
    pub fn forget_databases(&self) {
        self.databases.forget();
    }

    pub(crate) async fn conn(&self) -> StoreResult<Conn> {
        self.pool.get().await.map_err(|e| {
            self.errors.count(Backend::Catalog);
            StoreError::Unavailable(e.to_string())
        })
    }

    /// Applies pending migrations. Safe to run from several replicas at once: they queue on an
    /// advisory lock, and the later ones find nothing left to apply.
    pub async fn migrate(&self) -> StoreResult<Vec<String>> {
        let mut conn = self.conn().await?;
        diesel::sql_query("SELECT pg_advisory_lock(727274)")
            .execute(&mut conn)
            .await?;
        let (applied, mut conn) = tokio::task::block_in_place(|| {
            let mut harness = AsyncMigrationHarness::new(conn);
            let applied = harness
                .run_pending_migrations(MIGRATIONS)
                .map(|versions| versions.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")));
            (applied, harness.into_inner())
        });
        diesel::sql_query("SELECT pg_advisory_unlock(727274)")
            .execute(&mut conn)
            .await?;
        applied
    }
}
