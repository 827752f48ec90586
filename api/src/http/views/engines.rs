//! Engines as the people who run them see them: the catalog's row, what a worker last saw of
//! its container (with how old that is), its health and its drift. Never a password.

use chrono::{DateTime, Utc};
use dbaas_core::model::{image_version, Database, EngineObservation, EngineState, FleetEngine, Health};
use poem_openapi::Object;

use super::super::links::Links;
use super::{ListLinks, TaskView};

/// Links of an engine.
#[derive(Debug, Clone, Object)]
pub struct EngineLinks {
    #[oai(rename = "self")]
    pub self_: String,
    pub environment: String,
    pub plan: String,
    pub logs: String,
}

/// A database an engine serves.
#[derive(Debug, Clone, Object)]
pub struct ServedDatabase {
    /// The database (`/api/database/1/`).
    pub database: String,
    pub id: i64,
    pub name: String,
    pub status: String,
    /// Its team (`/api/team/1/`).
    pub team: String,
}

impl ServedDatabase {
    fn new(links: &Links, database: &Database) -> Self {
        Self {
            database: links.database(database.id),
            id: database.id,
            name: database.name.clone(),
            status: database.status.to_string(),
            team: links.team(database.team_id),
        }
    }
}

/// Memory and CPU limits.
#[derive(Debug, Clone, Object)]
pub struct Limits {
    #[oai(nullable)]
    pub memory_bytes: Option<i64>,
    /// Thousandths of a core.
    #[oai(nullable)]
    pub cpu_millis: Option<i64>,
}

/// Memory and CPU use, sampled by Docker in the background.
#[derive(Debug, Clone, Object)]
pub struct Usage {
    /// Memory in use, page cache excluded (as `docker stats` shows it).
    #[oai(nullable)]
    pub memory_bytes: Option<i64>,
    /// CPU over Docker's sampling interval: 100 is one core fully used.
    #[oai(nullable)]
    pub cpu_percent: Option<f64>,
    /// When it was sampled; null until it was.
    #[oai(nullable)]
    pub sampled_at: Option<DateTime<Utc>>,
    /// How old the sample is, in seconds.
    #[oai(nullable)]
    pub age_seconds: Option<f64>,
}

/// The size of the engine's data volume, measured in the background.
#[derive(Debug, Clone, Object)]
pub struct VolumeSize {
    #[oai(nullable)]
    pub bytes: Option<i64>,
    #[oai(nullable)]
    pub measured_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub age_seconds: Option<f64>,
}

/// An engine: one container and its volume on a Docker host.
#[derive(Debug, Clone, Object)]
pub struct EngineView {
    #[oai(rename = "_links")]
    pub links: EngineLinks,
    /// The catalog's id: stable across a re-create of the container.
    pub id: i64,
    pub uid: String,
    /// `postgres` or `mongodb`.
    pub engine: String,
    /// The image the catalog says it runs (what it was made or last upgraded with).
    pub image: String,
    /// The engine's version, from the image's tag.
    #[oai(nullable)]
    pub engine_version: Option<String>,
    pub environment: String,
    /// The name of the host it runs on.
    pub host: String,
    /// The address of that host (clients connect to it).
    pub host_address: String,
    /// `starting`, `pooled`, `assigned`, `retiring` or `removed`.
    pub state: String,
    /// Whether it waits in its plan's pool for a database.
    pub pooled: bool,
    /// What operators want of it: `running`, or `stopped` (an operator stopped it; nothing
    /// recovers it until one starts it).
    pub desired: String,
    /// The latest task on the engine (an operator's action, or the pool's): the one running
    /// while one does.
    #[oai(nullable)]
    pub latest_task: Option<TaskView>,
    #[oai(nullable)]
    pub port: Option<i32>,
    /// The databases it serves, with their teams.
    pub databases: Vec<ServedDatabase>,
    pub container_name: String,
    /// Docker's id of the container; null while none was seen.
    #[oai(nullable)]
    pub container_id: Option<String>,
    /// Docker's state of the container (`running`, `exited`, ...), `missing` when the host has
    /// no container of its name; null until a worker has looked.
    #[oai(nullable)]
    pub container_state: Option<String>,
    /// `healthy`, `unhealthy`, or `unknown` (not looked at yet, or not meant to run).
    pub health: String,
    /// Why it is unhealthy.
    #[oai(nullable)]
    pub health_detail: Option<String>,
    /// What differs between the catalog and Docker: `missing`, `stopped`, `wrong_image`,
    /// `wrong_limits`, `over_size`. Empty when nothing does.
    pub drift: Vec<String>,
    /// The image the container runs, as Docker has it.
    #[oai(nullable)]
    pub container_image: Option<String>,
    #[oai(nullable)]
    pub restart_count: Option<i32>,
    #[oai(nullable)]
    pub started_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub finished_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub exit_code: Option<i64>,
    /// Whether the kernel killed it for lack of memory when it last stopped.
    pub oom_killed: bool,
    /// The limits the catalog gives it.
    pub limits: Limits,
    /// The limits its container runs with.
    pub container_limits: Limits,
    pub usage: Usage,
    pub volume: VolumeSize,
    /// When a worker last looked at the container, and how many seconds ago.
    #[oai(nullable)]
    pub observed_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub observed_age_seconds: Option<f64>,
    pub created_at: DateTime<Utc>,
}

fn age(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<f64> {
    at.map(|at| ((now - at).num_milliseconds().max(0) as f64) / 1000.0)
}

impl EngineView {
    pub fn new(links: &Links, entry: FleetEngine) -> Self {
        let now = Utc::now();
        let FleetEngine {
            engine,
            environment,
            host,
            plan: _,
            databases,
            observation,
            latest_task,
        } = entry;
        let o: Option<&EngineObservation> = observation.as_ref();
        let self_ = format!("{}/api/engine/{}/", links.base(), engine.id);
        Self {
            links: EngineLinks {
                logs: format!("{self_}logs"),
                self_,
                environment: links.environment(engine.environment_id),
                plan: links.plan(engine.plan_id),
            },
            id: engine.id,
            uid: engine.uid.clone(),
            engine: engine.kind.to_string(),
            engine_version: image_version(&engine.image).map(str::to_owned),
            image: engine.image.clone(),
            environment: links.environment(environment.id),
            host: host.name,
            host_address: host.address,
            state: engine.state.to_string(),
            pooled: engine.state == EngineState::Pooled,
            desired: engine.desired.to_string(),
            latest_task: latest_task.map(|t| TaskView::new(links, t)),
            port: engine.port,
            databases: databases.iter().map(|d| ServedDatabase::new(links, d)).collect(),
            container_name: engine.container_name.clone(),
            container_id: o.and_then(|o| o.container_id.clone()),
            container_state: o.map(|o| o.container_state.to_string()),
            health: o.map_or(Health::Unknown, |o| o.health).to_string(),
            health_detail: o.and_then(|o| o.health_detail.clone()),
            drift: o
                .map(|o| o.drifts().iter().map(|d| d.to_string()).collect())
                .unwrap_or_default(),
            container_image: o.and_then(|o| o.image.clone()),
            restart_count: o.and_then(|o| o.restart_count),
            started_at: o.and_then(|o| o.started_at),
            finished_at: o.and_then(|o| o.finished_at),
            exit_code: o.and_then(|o| o.exit_code),
            oom_killed: o.is_some_and(|o| o.oom_killed),
            limits: Limits {
                memory_bytes: Some(engine.memory_bytes),
                cpu_millis: Some(i64::from(engine.cpu_millis)),
            },
            container_limits: Limits {
                memory_bytes: o.and_then(|o| o.memory_limit_bytes),
                cpu_millis: o.and_then(|o| o.nano_cpus).map(|n| n / 1_000_000),
            },
            usage: Usage {
                memory_bytes: o.and_then(|o| o.memory_used_bytes),
                cpu_percent: o.and_then(|o| o.cpu_percent),
                sampled_at: o.and_then(|o| o.stats_at),
                age_seconds: age(o.and_then(|o| o.stats_at), now),
            },
            volume: VolumeSize {
                bytes: o.and_then(|o| o.volume_size_bytes),
                measured_at: o.and_then(|o| o.volume_at),
                age_seconds: age(o.and_then(|o| o.volume_at), now),
            },
            observed_at: o.map(|o| o.observed_at),
            observed_age_seconds: age(o.map(|o| o.observed_at), now),
            created_at: engine.created_at,
        }
    }
}

/// The engines of the fleet.
#[derive(Debug, Clone, Object)]
pub struct EngineList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub engine: Vec<EngineView>,
}
