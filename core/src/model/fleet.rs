//! The engine fleet as the people who run it see it: what a worker last saw of each engine's
//! container ([`EngineObservation`]), and what that means ([`assess`]): the engine's health
//! and its drift, what differs between the catalog and Docker. The rules are pure, here, so
//! that the worker that writes them and the tests agree.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::{Database, DatabaseStatus, Engine, EngineState, Environment, Health, Plan};
use crate::schema;

text_enum!(
    /// A container's state as Docker has it, or `missing` when the host has no container of
    /// the engine's name.
    ContainerState {
        Created => "created",
        Running => "running",
        Paused => "paused",
        Restarting => "restarting",
        Removing => "removing",
        Stopping => "stopping",
        Exited => "exited",
        Dead => "dead",
        Missing => "missing",
    }
);

text_enum!(
    /// A difference between the catalog and Docker.
    Drift {
        /// The engine should run, and its host has no container of its name.
        Missing => "missing",
        /// The engine should run, and its container does not.
        Stopped => "stopped",
        /// The container runs another image than the catalog's.
        WrongImage => "wrong_image",
        /// The container's memory or CPU limit is not the catalog's.
        WrongLimits => "wrong_limits",
        /// Its data takes more than its plan's size.
        OverSize => "over_size",
    }
);

/// What a worker last saw of an engine's container, and made of it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::engine_observations)]
pub struct EngineObservation {
    pub engine_id: i64,
    /// The Docker endpoint it was seen on.
    pub host: String,
    pub container_id: Option<String>,
    pub container_state: ContainerState,
    pub docker_health: Option<String>,
    pub image: Option<String>,
    pub image_id: Option<String>,
    pub restart_count: Option<i32>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub memory_limit_bytes: Option<i64>,
    pub nano_cpus: Option<i64>,
    pub observed_at: DateTime<Utc>,
    pub health: Health,
    pub health_detail: Option<String>,
    /// [`Drift`] values as stored.
    pub drift: Vec<String>,
    pub memory_used_bytes: Option<i64>,
    pub cpu_percent: Option<f64>,
    pub stats_at: Option<DateTime<Utc>>,
    pub volume_size_bytes: Option<i64>,
    pub volume_at: Option<DateTime<Utc>>,
}

impl EngineObservation {
    /// The drift, as values (a stored text this build does not know is left out).
    pub fn drifts(&self) -> Vec<Drift> {
        self.drift.iter().filter_map(|d| Drift::parse(d)).collect()
    }
}

/// An engine of the fleet with what it serves and what was seen of it.
#[derive(Debug, Clone)]
pub struct FleetEngine {
    pub engine: Engine,
    pub environment: Environment,
    /// The host it runs on.
    pub host: super::Host,
    pub plan: Plan,
    /// The databases it serves (deleted ones left out).
    pub databases: Vec<Database>,
    /// `None` until a worker has looked.
    pub observation: Option<EngineObservation>,
    /// The latest task on the engine (an operator's action, or the pool's), if any.
    pub latest_task: Option<super::Task>,
}

/// What one look at a container found: the figures the assessment compares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seen {
    pub state: Option<ContainerState>,
    pub docker_health: Option<String>,
    pub image: Option<String>,
    pub memory_limit_bytes: Option<i64>,
    pub nano_cpus: Option<i64>,
    /// From the last background measurement, if any.
    pub volume_size_bytes: Option<i64>,
}

/// What an observation means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub health: Health,
    /// Why it is unhealthy, in words.
    pub detail: Option<String>,
    pub drift: Vec<Drift>,
}

/// Whether the catalog wants the engine's container running: a pooled engine, or one that
/// serves a database in a status that has a running engine. An engine still being started,
/// being retired, a move's incoming engine (its move runs it), or serving only a database
/// on its way in or out has no such claim.
/// An engine an operator stopped has no such claim either.
pub fn should_run(engine: &Engine, databases: &[Database]) -> bool {
    engine.was_provisioned()
        && !engine.stopped_by_operator()
        && match engine.state {
            EngineState::Pooled => true,
            EngineState::Assigned => databases.iter().any(|d| DatabaseStatus::RUNNING.contains(&d.status)),
            EngineState::Starting | EngineState::Incoming | EngineState::Retiring | EngineState::Removed => false,
        }
}

/// The health and drift of an engine, from what was seen of its container (`state: None` or
/// `Missing`: there is none).
pub fn assess(engine: &Engine, plan: &Plan, databases: &[Database], seen: &Seen) -> Assessment {
    let state = seen.state.unwrap_or(ContainerState::Missing);
    let wanted = should_run(engine, databases);
    let mut drift = Vec::new();
    let mut detail = None;
    match state {
        ContainerState::Missing => {
            if wanted {
                drift.push(Drift::Missing);
                detail = Some("the engine container vanished".to_string());
            }
        }
        ContainerState::Running => {}
        other => {
            if wanted {
                drift.push(Drift::Stopped);
                detail = Some(format!("the engine container is {other}"));
            }
        }
    }
    if state != ContainerState::Missing {
        if seen.image.as_deref().is_some_and(|image| image != engine.image) {
            drift.push(Drift::WrongImage);
        }
        let nano_cpus = i64::from(engine.cpu_millis) * 1_000_000;
        if seen.memory_limit_bytes != Some(engine.memory_bytes) || seen.nano_cpus != Some(nano_cpus) {
            drift.push(Drift::WrongLimits);
        }
    }
    let used: i64 = databases.iter().filter_map(|d| d.used_size_bytes).sum();
    if seen.volume_size_bytes.unwrap_or(0).max(used) > plan.size_bytes {
        drift.push(Drift::OverSize);
    }
    let health = match (state, wanted) {
        (ContainerState::Running, _) if seen.docker_health.as_deref() == Some("unhealthy") => {
            detail = Some("Docker's health check fails".to_string());
            Health::Unhealthy
        }
        (ContainerState::Running, _) => Health::Healthy,
        (_, true) => Health::Unhealthy,
        // Down because an operator wants it so: it serves nothing, but nothing is to be
        // recovered either (no drift).
        (_, false) if engine.stopped_by_operator() && engine.was_provisioned() => {
            detail = Some(super::STOPPED_BY_OPERATOR.to_string());
            Health::Unhealthy
        }
        // Not running, and nothing wants it to: neither good nor bad.
        (_, false) => Health::Unknown,
    };
    Assessment { health, detail, drift }
}

/// The version in an image's tag (`dbaas/postgres:15` → `15`), if it has one.
pub fn image_version(image: &str) -> Option<&str> {
    let (name, tag) = image.rsplit_once(':')?;
    // A colon before the last slash is a registry's port, not a tag.
    (!tag.contains('/') && !name.is_empty()).then_some(tag)
}

/// The major version in an image's tag: its leading digits (`15.4-bookworm` → 15).
pub fn image_major(image: &str) -> Option<u32> {
    let version = image_version(image)?;
    let digits: String = version.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// The image's repository without its registry and path (`dbaas/postgres:15` → `postgres`):
/// what says which engine it is.
pub fn image_family(image: &str) -> &str {
    let name = match image_version(image) {
        Some(tag) => &image[..image.len() - tag.len() - 1],
        None => image,
    };
    let name = name.split('@').next().unwrap_or(name);
    name.rsplit('/').next().unwrap_or(name)
}

/// Why an engine running `from` may not be moved to `to`, if it may not: an upgrade is a
/// restart on the same volume, so it stays within one engine and one major version (the
/// data files of another major version are not the same format).
pub fn upgrade_refusal(from: &str, to: &str) -> Option<String> {
    if image_family(from) != image_family(to) {
        return Some(format!(
            "'{to}' is not an image of the engine's kind: its repository is '{}', the engine's '{}'",
            image_family(to),
            image_family(from)
        ));
    }
    match (image_major(from), image_major(to)) {
        (Some(a), Some(b)) if a == b => None,
        (Some(a), Some(b)) => Some(format!(
            "'{to}' is major version {b} and the engine runs {a}: an upgrade keeps the major version (its data files are not {b}'s)"
        )),
        (None, _) => Some(format!("the engine's image '{from}' names no major version in its tag")),
        (_, None) => Some(format!("'{to}' names no major version in its tag (as in 'postgres:15.4')")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EngineKind, Placement};

    fn engine(state: EngineState) -> Engine {
        Engine {
            id: 1,
            uid: "u1".into(),
            environment_id: 1,
            plan_id: 1,
            kind: EngineKind::Postgres,
            image: "dbaas/postgres:15".into(),
            memory_bytes: 512 << 20,
            cpu_millis: 1000,
            container_name: "dbaas-pool-u1".into(),
            volume_name: "dbaas-pool-u1-data".into(),
            port: Some(20000),
            admin_password_enc: Some(vec![1]),
            pending_admin_password_enc: None,
            state,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            pooled_at: None,
            assigned_at: None,
            desired: crate::model::EngineDesired::Running,
            sized_memory_bytes: None,
            host_id: 1,
            placement: Placement::Dedicated,
        }
    }

    fn plan() -> Plan {
        Plan {
            id: 1,
            name: "small".into(),
            engine: EngineKind::Postgres,
            image: "dbaas/postgres:15".into(),
            memory_bytes: 512 << 20,
            cpu_millis: 1000,
            size_bytes: 1 << 30,
            description: String::new(),
            created_at: Utc::now(),
            auto_recover: true,
            pool_size: 0,
            placement: Placement::Dedicated,
            databases_per_engine: 100,
        }
    }

    fn running() -> Seen {
        Seen {
            state: Some(ContainerState::Running),
            docker_health: None,
            image: Some("dbaas/postgres:15".into()),
            memory_limit_bytes: Some(512 << 20),
            nano_cpus: Some(1_000_000_000),
            volume_size_bytes: Some(50 << 20),
        }
    }

    #[test]
    fn a_running_engine_as_made_is_healthy_without_drift() {
        let a = assess(&engine(EngineState::Pooled), &plan(), &[], &running());
        assert_eq!(a.health, Health::Healthy);
        assert!(a.drift.is_empty(), "{a:?}");
    }

    #[test]
    fn stopped_and_missing_engines_that_should_run_are_unhealthy_drift() {
        let stopped = Seen {
            state: Some(ContainerState::Exited),
            ..running()
        };
        let a = assess(&engine(EngineState::Pooled), &plan(), &[], &stopped);
        assert_eq!((a.health, a.drift), (Health::Unhealthy, vec![Drift::Stopped]));
        let a = assess(&engine(EngineState::Pooled), &plan(), &[], &Seen::default());
        assert_eq!((a.health, a.drift), (Health::Unhealthy, vec![Drift::Missing]));
        // An engine still starting has no container yet: no drift.
        let a = assess(&engine(EngineState::Starting), &plan(), &[], &Seen::default());
        assert_eq!((a.health, a.drift), (Health::Unknown, vec![]));
    }

    #[test]
    fn other_images_limits_and_sizes_are_drift() {
        let seen = Seen {
            image: Some("dbaas/postgres:16".into()),
            memory_limit_bytes: Some(256 << 20),
            volume_size_bytes: Some(2 << 30),
            ..running()
        };
        let a = assess(&engine(EngineState::Pooled), &plan(), &[], &seen);
        assert_eq!(a.health, Health::Healthy);
        assert_eq!(a.drift, vec![Drift::WrongImage, Drift::WrongLimits, Drift::OverSize]);
    }

    #[test]
    fn an_engine_an_operator_stopped_is_down_without_drift() {
        let mut e = engine(EngineState::Pooled);
        e.desired = crate::model::EngineDesired::Stopped;
        let stopped = Seen {
            state: Some(ContainerState::Exited),
            ..running()
        };
        let a = assess(&e, &plan(), &[], &stopped);
        assert_eq!((a.health, a.drift.clone()), (Health::Unhealthy, vec![]));
        assert_eq!(a.detail.as_deref(), Some(crate::model::STOPPED_BY_OPERATOR));
        assert!(!should_run(&e, &[]));
    }

    #[test]
    fn upgrades_stay_within_an_engine_and_a_major_version() {
        assert_eq!(image_major("dbaas/postgres:15.99"), Some(15));
        assert_eq!(image_major("mongo:7.0-jammy"), Some(7));
        assert_eq!(image_major("postgres:latest"), None);
        assert_eq!(image_family("registry:5000/dbaas/postgres:15"), "postgres");
        assert_eq!(upgrade_refusal("dbaas/postgres:15", "dbaas/postgres:15.99"), None);
        assert_eq!(upgrade_refusal("dbaas/postgres:15", "postgres:15.4"), None);
        assert!(upgrade_refusal("dbaas/postgres:15", "dbaas/postgres:16")
            .unwrap()
            .contains("major version 16"));
        assert!(upgrade_refusal("dbaas/postgres:15", "dbaas/mongo:15").is_some());
        assert!(upgrade_refusal("dbaas/postgres:15", "dbaas/postgres").is_some());
    }

    #[test]
    fn versions_come_from_the_tag() {
        assert_eq!(image_version("dbaas/postgres:15"), Some("15"));
        assert_eq!(image_version("registry:5000/mongo"), None);
        assert_eq!(image_version("registry:5000/mongo:7.0"), Some("7.0"));
        assert_eq!(image_version("postgres"), None);
    }
}
