//! The JSON shapes of responses and requests, following the reference API's fields and
//! HAL-style `_links`.

mod catalog;
mod projects;
mod teams;
mod users;

pub use catalog::{EnvironmentCreate, EnvironmentUpdate, PlanCreate, PlanUpdate};
pub use projects::{ProjectCreate, ProjectList, ProjectUpdate, ProjectView};
pub use teams::{TeamCreate, TeamList, TeamUpdate, TeamView};
pub use users::{UserCreate, UserList, UserUpdate, UserView};

use chrono::{DateTime, Utc};
use dbaas_core::model::{Credential, DatabaseDetail, Engine, Plan, Task};
use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{MaybeUndefined, ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::Object;
use serde_json::Value;

use super::links::Links;
use crate::app::{CredentialDetail, EnvironmentDetail};

/// A link to the object itself.
#[derive(Debug, Clone, Object)]
pub struct SelfLink {
    #[oai(rename = "self")]
    pub self_: String,
}

/// Links of an object that has a latest task.
#[derive(Debug, Clone, Object)]
pub struct TaskLinks {
    #[oai(rename = "self")]
    pub self_: String,
    /// The latest task working on the object.
    #[oai(skip_serializing_if_is_none)]
    pub task: Option<String>,
}

/// Links of a list: its size and its pages.
#[derive(Debug, Clone, Object)]
pub struct ListLinks {
    pub count: i64,
    #[oai(rename = "self")]
    pub self_: String,
    #[oai(nullable)]
    pub previous: Option<String>,
    #[oai(nullable)]
    pub next: Option<String>,
}

/// A reference to another resource: its URL (`/api/plan/1/`), its id, or its name. In JSON
/// either a string or an integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference(pub String);

impl Reference {
    pub fn into_text(self) -> String {
        self.0
    }
}

impl Type for Reference {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "Reference".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            description: Some("A URL such as /api/plan/1/, an id, or a name"),
            one_of: vec![
                MetaSchemaRef::Inline(Box::new(MetaSchema::new("string"))),
                MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("integer", "int64"))),
            ],
            ..MetaSchema::ANY
        }))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Reference {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(text)) => Ok(Reference(text)),
            Some(Value::Number(n)) if n.is_i64() => Ok(Reference(n.to_string())),
            other => Err(ParseError::custom(format!(
                "expected a URL such as /api/plan/1/, an id or a name, found {}",
                other.unwrap_or_default()
            ))),
        }
    }
}

impl ToJSON for Reference {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

/// A request for a new database.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct DatabaseCreate {
    /// The database's name. Spaces and dashes become underscores: "test database2" is
    /// created as `test_database2`.
    #[oai(validator(max_length = 200))]
    pub name: String,
    /// The plan: `/api/plan/1/`, `1` or its name.
    pub plan: Reference,
    /// The environment: `/api/environment/1/`, `1` or its name.
    pub environment: Reference,
    /// The project, if any: `/api/project/1/`, `1` or its name.
    #[oai(nullable)]
    pub project: Option<Reference>,
    /// Free text for the tenant.
    #[oai(validator(max_length = 1000))]
    #[oai(nullable)]
    pub description: Option<String>,
    /// Labels for the tenant's own use.
    #[oai(nullable)]
    pub tags: Option<Vec<String>>,
}

/// Changes to a database. `name`, `plan` and `environment` cannot change after creation.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct DatabasePatch {
    /// The project: `/api/project/1/`, `1` or its name; null takes the database out of it.
    pub project: MaybeUndefined<Reference>,
    #[oai(validator(max_length = 1000))]
    #[oai(nullable)]
    pub description: Option<String>,
    #[oai(nullable)]
    pub tags: Option<Vec<String>>,
    /// While true, DELETE is refused.
    #[oai(nullable)]
    pub is_protected: Option<bool>,
    /// Days the database stays in quarantine before it is destroyed; null goes back to the
    /// environment's period.
    pub quarantine_days: MaybeUndefined<i32>,
}

/// A credential as listed with its database: never a password.
#[derive(Debug, Clone, Object)]
pub struct CredentialSummary {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub user: String,
}

/// A database.
#[derive(Debug, Clone, Object)]
pub struct DatabaseView {
    #[oai(rename = "_links")]
    pub links: TaskLinks,
    pub id: i64,
    pub name: String,
    /// `creating`, `ready`, `failed`, `quarantined` or `deleted`.
    pub status: String,
    pub engine: String,
    /// Where to connect, with placeholders for the credential:
    /// `postgresql://<user>:<password>@127.0.0.1:15432/orders`. Empty until a port is assigned.
    #[oai(nullable)]
    pub endpoint: Option<String>,
    pub plan: String,
    pub environment: String,
    #[oai(nullable)]
    pub project: Option<String>,
    pub team: i64,
    pub description: String,
    pub tags: Vec<String>,
    /// While true, DELETE is refused.
    pub is_protected: bool,
    /// When the database entered quarantine (the first DELETE); null otherwise.
    #[oai(nullable)]
    pub quarantine_dt: Option<DateTime<Utc>>,
    /// This database's quarantine period in days; null: the environment's.
    #[oai(nullable)]
    pub quarantine_days: Option<i32>,
    /// When a quarantined database will be destroyed; null otherwise.
    #[oai(nullable)]
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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the database was destroyed; null while it exists.
    #[oai(nullable)]
    pub deleted_at: Option<DateTime<Utc>>,
}

fn credential_summary(links: &Links, credential: &Credential) -> CredentialSummary {
    CredentialSummary {
        links: SelfLink {
            self_: links.credential(credential.id),
        },
        id: credential.id,
        user: credential.username.clone(),
    }
}

impl DatabaseView {
    pub fn new(links: &Links, detail: &DatabaseDetail) -> Self {
        let DatabaseDetail {
            database,
            plan,
            environment,
            credentials,
            latest_task,
        } = detail;
        let endpoint = match (Engine::parse(&plan.engine), database.port) {
            (Some(engine), Some(port)) => Some(engine.endpoint(&environment.host_address, port, &database.name)),
            _ => None,
        };
        Self {
            links: TaskLinks {
                self_: links.database(database.id),
                task: latest_task.as_ref().map(|t| links.task(t.id)),
            },
            id: database.id,
            name: database.name.clone(),
            status: database.status.clone(),
            engine: plan.engine.clone(),
            endpoint,
            plan: links.plan(plan.id),
            environment: links.environment(environment.id),
            project: database.project_id.map(|id| links.project(id)),
            team: database.team_id,
            description: database.description.clone(),
            tags: database.tags.clone(),
            is_protected: database.is_protected,
            quarantine_dt: database.quarantine_dt,
            quarantine_days: database.quarantine_days,
            quarantine_ends_at: crate::app::quarantine_ends_at(detail),
            health: database.health.clone(),
            health_detail: database.health_detail.clone(),
            total_size_in_bytes: plan.size_bytes,
            used_size_in_bytes: database.used_size_bytes,
            credentials: credentials.iter().map(|c| credential_summary(links, c)).collect(),
            created_at: database.created_at,
            updated_at: database.updated_at,
            deleted_at: database.deleted_at,
        }
    }
}

/// Links of a credential.
#[derive(Debug, Clone, Object)]
pub struct CredentialLinks {
    #[oai(rename = "self")]
    pub self_: String,
    pub database: String,
    /// The latest task that worked on the credential.
    #[oai(skip_serializing_if_is_none)]
    pub task: Option<String>,
}

/// A credential with its password.
#[derive(Debug, Clone, Object)]
pub struct CredentialView {
    #[oai(rename = "_links")]
    pub links: CredentialLinks,
    pub id: i64,
    pub user: String,
    pub database: String,
    /// `owner`, `read_write` or `read_only`.
    pub privileges: String,
    /// Concurrent sessions allowed; null for no limit.
    #[oai(nullable)]
    pub connection_limit: Option<i32>,
    /// Null until the database is ready, and while it is quarantined.
    #[oai(nullable)]
    pub password: Option<String>,
    /// A ready-to-use URI with user and password; null when the password is.
    #[oai(nullable)]
    pub connection_uri: Option<String>,
}

impl CredentialView {
    pub fn new(links: &Links, detail: CredentialDetail) -> Self {
        let CredentialDetail {
            credential,
            database,
            password,
            connection_uri,
            latest_task,
        } = detail;
        Self {
            links: CredentialLinks {
                self_: links.credential(credential.id),
                database: links.database(database.id),
                task: latest_task.map(|t| links.task(t.id)),
            },
            id: credential.id,
            user: credential.username,
            database: links.database(database.id),
            privileges: credential.privileges,
            connection_limit: credential.connection_limit.filter(|l| *l >= 0),
            password,
            connection_uri,
        }
    }
}

/// A credential as lists show it: never a password.
#[derive(Debug, Clone, Object)]
pub struct CredentialListItem {
    #[oai(rename = "_links")]
    pub links: CredentialLinks,
    pub id: i64,
    pub user: String,
    pub database: String,
    pub privileges: String,
    #[oai(nullable)]
    pub connection_limit: Option<i32>,
}

impl CredentialListItem {
    pub fn new(links: &Links, credential: Credential) -> Self {
        Self {
            links: CredentialLinks {
                self_: links.credential(credential.id),
                database: links.database(credential.database_id),
                task: None,
            },
            id: credential.id,
            user: credential.username,
            database: links.database(credential.database_id),
            privileges: credential.privileges,
            connection_limit: credential.connection_limit.filter(|l| *l >= 0),
        }
    }
}

/// A request for a new credential. Its password is always generated.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct CredentialCreate {
    /// The engine user: a lowercase letter, then lowercase letters, digits and underscores.
    #[oai(validator(max_length = 63))]
    pub user: String,
    /// The database: `/api/database/1/` or `1`.
    pub database: Reference,
    /// `owner`, `read-write` (the default) or `read-only`.
    #[oai(nullable)]
    pub privileges: Option<String>,
    /// Concurrent sessions allowed; -1 or absent for no limit.
    #[oai(nullable)]
    pub connection_limit: Option<i32>,
}

/// The databases.
#[derive(Debug, Clone, Object)]
pub struct DatabaseList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub database: Vec<DatabaseView>,
}

/// The credentials (without passwords).
#[derive(Debug, Clone, Object)]
pub struct CredentialList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub credential: Vec<CredentialListItem>,
}

/// The tasks.
#[derive(Debug, Clone, Object)]
pub struct TaskList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub task: Vec<TaskView>,
}

/// Links of a task.
#[derive(Debug, Clone, Object)]
pub struct TaskLinksView {
    #[oai(rename = "self")]
    pub self_: String,
    #[oai(skip_serializing_if_is_none)]
    pub database: Option<String>,
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
            },
            id: task.id,
            kind: task.kind,
            status: task.status,
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

/// A plan: what a database's engine container gets.
#[derive(Debug, Clone, Object)]
pub struct PlanView {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub name: String,
    pub engine: String,
    pub image: String,
    pub memory_bytes: i64,
    /// CPU limit in cores.
    pub cpus: f64,
    pub size_bytes: i64,
    pub description: String,
}

impl PlanView {
    pub fn new(links: &Links, plan: Plan) -> Self {
        Self {
            links: SelfLink {
                self_: links.plan(plan.id),
            },
            id: plan.id,
            name: plan.name,
            engine: plan.engine,
            image: plan.image,
            memory_bytes: plan.memory_bytes,
            cpus: f64::from(plan.cpu_millis) / 1000.0,
            size_bytes: plan.size_bytes,
            description: plan.description,
        }
    }
}

/// An environment: where databases run.
#[derive(Debug, Clone, Object)]
pub struct EnvironmentView {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub name: String,
    /// The address clients connect to.
    pub host_address: String,
    pub port_min: i32,
    pub port_max: i32,
    /// Days a deleted database stays in quarantine before it is destroyed.
    pub quarantine_days: i32,
    /// Where the control plane reaches the environment's Docker engine
    /// (`unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`, ...). Shown to admins only.
    #[oai(skip_serializing_if_is_none)]
    pub docker_endpoint: Option<String>,
}

impl EnvironmentView {
    pub fn new(links: &Links, detail: EnvironmentDetail) -> Self {
        let EnvironmentDetail {
            environment,
            docker_endpoint,
        } = detail;
        Self {
            links: SelfLink {
                self_: links.environment(environment.id),
            },
            id: environment.id,
            name: environment.name,
            docker_endpoint,
            host_address: environment.host_address,
            port_min: environment.port_min,
            port_max: environment.port_max,
            quarantine_days: environment.quarantine_days,
        }
    }
}

/// The plans.
#[derive(Debug, Clone, Object)]
pub struct PlanList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub plan: Vec<PlanView>,
}

/// The environments.
#[derive(Debug, Clone, Object)]
pub struct EnvironmentList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub environment: Vec<EnvironmentView>,
}
