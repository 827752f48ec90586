//! Engines: the database servers the control plane runs, one container each. Today an engine
//! serves one database and is named after it; the pool and shared plans make engines catalog
//! rows of their own that databases reference.

text_enum!(
    /// The database engines a plan can run.
    EngineKind {
        Postgres => "postgres",
        MongoDb => "mongodb",
    }
);

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

    /// The names that go with a container's name.
    pub fn of_container(container: &str) -> Self {
        Self {
            container: container.to_owned(),
            volume: format!("{container}-data"),
        }
    }
}
