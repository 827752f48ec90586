//! The domain model: rows of the catalog and the states they move through.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::schema;

/// Declares a string-backed enum stored as `TEXT` (with a `CHECK` in the migration).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored text; the migration's `CHECK` keeps anything else out.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// Where a database is in its life.
    DatabaseStatus {
        Creating => "creating",
        Ready => "ready",
        Failed => "failed",
        Quarantined => "quarantined",
        Deleted => "deleted",
    }
);

text_enum!(
    /// Where a task is: the API creates it `queued`, a worker moves it on.
    TaskStatus {
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
    }
);

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

text_enum!(
    /// The database engines a plan can run.
    Engine {
        Postgres => "postgres",
        MongoDb => "mongodb",
    }
);

text_enum!(
    /// What a credential may do in its database.
    Privileges {
        Owner => "owner",
        ReadWrite => "read_write",
        ReadOnly => "read_only",
    }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::api_users)]
pub struct ApiUser {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::teams)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Live databases (quarantined ones count) the team may have in one environment.
    pub database_limit: i32,
}

/// A member of a team, as a team lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: i64,
    pub username: String,
}

/// A team with its members.
#[derive(Debug, Clone)]
pub struct TeamDetail {
    pub team: Team,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::teams)]
pub struct NewTeam {
    pub name: String,
    /// `None`: the catalog's default.
    pub database_limit: Option<i32>,
}

/// A team's fields to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = schema::teams)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub database_limit: Option<i32>,
}

/// An API user with the teams they act for.
#[derive(Debug, Clone)]
pub struct UserDetail {
    pub user: ApiUser,
    pub team_ids: Vec<i64>,
}

/// An API user to record, with a password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub team_ids: Vec<i64>,
}

/// A user's fields to change; `None` leaves one as it is. `team_ids` replaces the memberships.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub password_hash: Option<String>,
    pub is_admin: Option<bool>,
    pub team_ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::environments)]
pub struct Environment {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub name: String,
    /// Where the environment's Docker engine answers: `unix:///var/run/docker.sock`,
    /// `tcp://host:2376`, ...
    pub docker_endpoint: String,
    /// The address clients use to reach engines of this environment.
    pub host_address: String,
    pub port_min: i32,
    pub port_max: i32,
    pub quarantine_days: i32,
    #[diesel(skip_insertion)]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::environments)]
pub struct NewEnvironment {
    pub name: String,
    pub docker_endpoint: String,
    pub host_address: String,
    pub port_min: i32,
    pub port_max: i32,
    /// `None`: the catalog's default.
    pub quarantine_days: Option<i32>,
}

/// An environment's fields to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = schema::environments)]
pub struct EnvironmentChanges {
    pub name: Option<String>,
    pub docker_endpoint: Option<String>,
    pub host_address: Option<String>,
    pub port_min: Option<i32>,
    pub port_max: Option<i32>,
    pub quarantine_days: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::plans)]
pub struct Plan {
    pub id: i64,
    pub name: String,
    pub engine: String,
    pub image: String,
    pub memory_bytes: i64,
    pub cpu_millis: i32,
    pub size_bytes: i64,
    pub description: String,
    pub created_at: DateTime<Utc>,
    /// Restart an engine container that stopped or vanished.
    pub auto_recover: bool,
}

impl Plan {
    pub fn engine(&self) -> Option<Engine> {
        Engine::parse(&self.engine)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::plans)]
pub struct NewPlan {
    pub name: String,
    pub engine: String,
    pub image: String,
    pub memory_bytes: i64,
    pub cpu_millis: i32,
    pub size_bytes: i64,
    pub description: String,
}

/// A plan's fields to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = schema::plans)]
pub struct PlanChanges {
    pub name: Option<String>,
    pub engine: Option<String>,
    pub image: Option<String>,
    pub memory_bytes: Option<i64>,
    pub cpu_millis: Option<i32>,
    pub size_bytes: Option<i64>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::projects)]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    /// The team that owns it; `None` for a project every team may use.
    pub team_id: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::projects)]
pub struct NewProject {
    pub name: String,
    pub description: String,
    pub team_id: Option<i64>,
}

/// A project's fields to change; `None` leaves one as it is, `team_id: Some(None)` makes the
/// project global.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = schema::projects)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub team_id: Option<Option<i64>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::databases)]
pub struct Database {
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub team_id: i64,
    pub plan_id: i64,
    pub environment_id: i64,
    pub project_id: Option<i64>,
    pub status: String,
    pub port: Option<i32>,
    pub admin_password_enc: Option<Vec<u8>>,
    pub description: String,
    pub quarantine_dt: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub tags: Vec<String>,
    /// While set, DELETE is refused.
    pub is_protected: bool,
    /// Space in use, as last collected from the engine.
    pub used_size_bytes: Option<i64>,
    pub size_collected_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Overrides the environment's quarantine period.
    pub quarantine_days: Option<i32>,
    /// What the reconciler last found: `unknown`, `healthy` or `unhealthy`.
    pub health: String,
    pub health_detail: Option<String>,
    pub health_checked_at: Option<DateTime<Utc>>,
}

impl Database {
    pub fn status(&self) -> DatabaseStatus {
        DatabaseStatus::parse(&self.status).unwrap_or(DatabaseStatus::Failed)
    }

    /// The engine container's name: unique across catalogs sharing a Docker host.
    pub fn container_name(&self) -> String {
        format!("dbaas-{}-{}", self.name, self.uid)
    }

    /// The data volume's name.
    pub fn volume_name(&self) -> String {
        format!("{}-data", self.container_name())
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::credentials)]
pub struct Credential {
    pub id: i64,
    pub database_id: i64,
    pub username: String,
    pub privileges: String,
    pub password_enc: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Concurrent sessions allowed; `None` or -1 for no limit.
    pub connection_limit: Option<i32>,
    /// A new password on its way to the engine (see the rotation job).
    pub pending_password_enc: Option<Vec<u8>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Credential {
    pub fn privileges(&self) -> Privileges {
        Privileges::parse(&self.privileges).unwrap_or(Privileges::ReadOnly)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::tasks)]
pub struct Task {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub database_id: Option<i64>,
    pub credential_id: Option<i64>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// What the API records when a tenant asks for a database.
#[derive(Debug, Clone)]
pub struct NewDatabase {
    pub name: String,
    pub team_id: i64,
    pub plan_id: i64,
    pub environment_id: i64,
    pub project_id: Option<i64>,
    pub description: String,
    pub tags: Vec<String>,
}

/// A database with everything needed to run or describe it.
#[derive(Debug, Clone)]
pub struct DatabaseDetail {
    pub database: Database,
    pub plan: Plan,
    pub environment: Environment,
    pub credentials: Vec<Credential>,
    pub latest_task: Option<Task>,
}

/// The engine's role name for a database's default owner credential: `u_<name>`.
pub fn owner_username(database_name: &str) -> String {
    format!("u_{database_name}")
}

/// How a request names another resource: by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    Id(i64),
    Name(String),
}

impl Engine {
    fn scheme(self) -> &'static str {
        match self {
            Engine::Postgres => "postgresql",
            Engine::MongoDb => "mongodb",
        }
    }

    /// A ready-to-use URI. Users and generated passwords are plain alphanumerics and
    /// underscores, so nothing needs escaping.
    pub fn connection_uri(self, host: &str, port: i32, user: &str, password: &str, database: &str) -> String {
        format!("{}://{user}:{password}@{host}:{port}/{database}", self.scheme())
    }

    /// The endpoint as the reference shows it, with placeholders for the credential.
    pub fn endpoint(self, host: &str, port: i32, database: &str) -> String {
        self.connection_uri(host, port, "<user>", "<password>", database)
    }
}

/// A final dump of a destroyed database.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::dumps)]
pub struct Dump {
    pub id: i64,
    pub database_id: i64,
    /// `pg_dump-custom` for Postgres.
    pub format: String,
    pub size_bytes: i64,
    /// False while the dump is being written.
    pub complete: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A container labelled as ours that no live database claims.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::orphans)]
pub struct Orphan {
    pub id: i64,
    pub environment_id: i64,
    pub container_name: String,
    pub container_id: String,
    pub database_uid: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub remove_requested_at: Option<DateTime<Utc>>,
}
