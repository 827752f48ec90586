//! Engines: the database servers the control plane runs, one container each, as catalog rows
//! of their own that databases reference. An engine started for a database is named after
//! it; a pooled one is started before any database asks, and the catalog (not its name or
//! labels, which cannot change) says which database it serves once one takes it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema;

text_enum!(
    /// The database engines a plan can run.
    EngineKind {
        Postgres => "postgres",
        MongoDb => "mongodb",
    }
);

text_enum!(
    /// Where an engine is in its life.
    EngineState {
        /// Being started for the pool (a `start_engine` task).
        Starting => "starting",
        /// Started, initialised and unassigned: a database may take it.
        Pooled => "pooled",
        /// Serving a database (or, started for one, on its way to).
        Assigned => "assigned",
        /// A move's target: made on another host with a copy of a database's data, serving it
        /// once verified (then `assigned`), removed if the move fails.
        Incoming => "incoming",
        /// To be removed (a `remove_engine` task): a pooled engine whose plan changed, or
        /// whose container stopped.
        Retiring => "retiring",
        /// Its container and volume are gone; the row stays for the history.
        Removed => "removed",
    }
);

text_enum!(
    /// What the people who run an engine want of it.
    EngineDesired {
        /// Running whenever the catalog's databases want it (the default).
        Running => "running",
        /// Stopped by an operator: it stays stopped, and nothing recovers it, until an
        /// operator starts it.
        Stopped => "stopped",
    }
);

/// Why the databases of an engine an operator stopped are unhealthy.
pub const STOPPED_BY_OPERATOR: &str = "the engine was stopped by an operator";

/// An engine as the catalog records it.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = schema::engines)]
pub struct Engine {
    pub id: i64,
    pub uid: String,
    pub environment_id: i64,
    /// The plan it was made for.
    pub plan_id: i64,
    pub kind: EngineKind,
    /// What it was made with: a plan changed later does not change a running engine.
    pub image: String,
    pub memory_bytes: i64,
    pub cpu_millis: i32,
    pub container_name: String,
    pub volume_name: String,
    pub port: Option<i32>,
    /// The superuser's password, sealed.
    pub admin_password_enc: Option<Vec<u8>>,
    /// A new superuser password on its way to the engine, sealed.
    pub pending_admin_password_enc: Option<Vec<u8>>,
    pub state: EngineState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it joined its plan's pool: `None` for an engine started for its database.
    pub pooled_at: Option<DateTime<Utc>>,
    /// When a database took it.
    pub assigned_at: Option<DateTime<Utc>>,
    /// What an operator wants of it.
    pub desired: EngineDesired,
    /// The memory its container's settings were sized for when the container was made
    /// (`None`: not made yet, or made before this was recorded: its `memory_bytes`).
    pub sized_memory_bytes: Option<i64>,
    /// The host it runs on.
    pub host_id: i64,
    /// One database's, or many of a shared plan's.
    pub placement: super::Placement,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("id", &self.id)
            .field("uid", &self.uid)
            .field("kind", &self.kind)
            .field("container_name", &self.container_name)
            .field("port", &self.port)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Engine {
    pub fn names(&self) -> EngineNames {
        EngineNames {
            container: self.container_name.clone(),
            volume: self.volume_name.clone(),
        }
    }

    /// Whether it got as far as a port and a superuser password and was not removed since:
    /// only then can anything be in it.
    pub fn was_provisioned(&self) -> bool {
        self.state != EngineState::Removed && self.port.is_some() && self.admin_password_enc.is_some()
    }

    /// Whether it holds many databases of a shared plan.
    pub fn is_shared(&self) -> bool {
        self.placement == super::Placement::Shared
    }

    /// Whether an operator stopped it: nothing starts or recovers it then.
    pub fn stopped_by_operator(&self) -> bool {
        self.desired == EngineDesired::Stopped
    }

    /// Whether a pooled engine was made as `plan` now says (image and limits): one that was
    /// not is replaced rather than given to a database.
    pub fn matches_plan(&self, plan: &super::Plan) -> bool {
        self.kind == plan.engine
            && self.image == plan.image
            && self.memory_bytes == plan.memory_bytes
            && self.cpu_millis == plan.cpu_millis
    }
}

impl EngineKind {
    fn scheme(self) -> &'static str {
        match self {
            EngineKind::Postgres => "postgresql",
            EngineKind::MongoDb => "mongodb",
        }
    }

    /// A ready-to-use URI. Users and generated passwords are plain alphanumerics and
    /// underscores, so nothing needs escaping. A MongoDB user lives in its database
    /// (`authSource`), and the engine is one server, not a replica set (`directConnection`).
    ///
    /// With `tls`, the URI asks for it: `sslmode=require` (libpq then also verifies against
    /// `~/.postgresql/root.crt` where that exists; `sslmode=verify-full&sslrootcert=ca.pem`
    /// insists), `tls=true` (drivers verify the server; `tlsCAFile=ca.pem` names our CA).
    pub fn connection_uri(
        self,
        host: &str,
        port: i32,
        user: &str,
        password: &str,
        database: &str,
        tls: bool,
    ) -> String {
        let base = format!("{}://{user}:{password}@{host}:{port}/{database}", self.scheme());
        match (self, tls) {
            (EngineKind::Postgres, false) => base,
            (EngineKind::Postgres, true) => format!("{base}?sslmode=require"),
            (EngineKind::MongoDb, false) => format!("{base}?authSource={database}&directConnection=true"),
            (EngineKind::MongoDb, true) => format!("{base}?authSource={database}&directConnection=true&tls=true"),
        }
    }

    /// Whether the engine can cap one user's concurrent connections (Postgres' `CONNECTION
    /// LIMIT`; MongoDB has no such thing).
    pub fn limits_connections_per_user(self) -> bool {
        matches!(self, EngineKind::Postgres)
    }

    /// The endpoint as the reference shows it, with placeholders for the credential.
    pub fn endpoint(self, host: &str, port: i32, database: &str, tls: bool) -> String {
        self.connection_uri(host, port, "<user>", "<password>", database, tls)
    }
}

/// The Docker names of an engine: its container and its data volume. Built here and nowhere
/// else, so the worker, the reconciler and the tests agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineNames {
    pub container: String,
    pub volume: String,
}

impl EngineNames {
    /// The engine of one database: unique across catalogs sharing a Docker host.
    pub fn of_database(database_name: &str, database_uid: &str) -> Self {
        Self::of_container(&format!("dbaas-{database_name}-{database_uid}"))
    }

    /// A pooled engine, before any database takes it.
    pub fn pooled(engine_uid: &str) -> Self {
        Self::of_container(&format!("dbaas-pool-{engine_uid}"))
    }

    /// An engine of a shared plan, serving many databases.
    pub fn shared(engine_uid: &str) -> Self {
        Self::of_container(&format!("dbaas-shared-{engine_uid}"))
    }

    /// The names that go with a container's name.
    pub fn of_container(container: &str) -> Self {
        Self {
            container: container.to_owned(),
            volume: format!("{container}-data"),
        }
    }
}
