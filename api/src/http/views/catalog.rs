//! Requests that change plans and environments (admins only); their views are in `views`.

use dbaas_core::model::{EnvironmentChanges, NewEnvironment};
use poem_openapi::Object;

use super::super::responses::Located;
use super::{EnvironmentView, PlanView};
use crate::app::{PlanPatch, PlanRequest};

/// A new plan.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PlanCreate {
    /// Unique among plans: letters, digits, `_`, `.` and `-`, up to 64.
    pub name: String,
    /// `postgres` or `mongodb`.
    pub engine: String,
    /// The engine's container image: `dbaas/postgres:15`, `postgres:16`, ...
    pub image: String,
    /// Memory limit of the engine's container; at least 67108864 (64 MiB).
    pub memory_bytes: i64,
    /// CPU limit in cores (0.5, 1, 2...), kept to the thousandth.
    pub cpus: f64,
    /// The storage a database of this plan gets; more than 0.
    pub size_bytes: i64,
    #[oai(nullable)]
    pub description: Option<String>,
}

impl From<PlanCreate> for PlanRequest {
    fn from(body: PlanCreate) -> Self {
        PlanRequest {
            name: body.name,
            engine: body.engine,
            image: body.image,
            memory_bytes: body.memory_bytes,
            cpus: body.cpus,
            size_bytes: body.size_bytes,
            description: body.description,
        }
    }
}

/// Changes to a plan: only the fields given change. The engine cannot change while live
/// databases use the plan; databases created already keep the resources they were given.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PlanUpdate {
    #[oai(nullable)]
    pub name: Option<String>,
    #[oai(nullable)]
    pub engine: Option<String>,
    #[oai(nullable)]
    pub image: Option<String>,
    #[oai(nullable)]
    pub memory_bytes: Option<i64>,
    #[oai(nullable)]
    pub cpus: Option<f64>,
    #[oai(nullable)]
    pub size_bytes: Option<i64>,
    #[oai(nullable)]
    pub description: Option<String>,
}

impl From<PlanUpdate> for PlanPatch {
    fn from(body: PlanUpdate) -> Self {
        PlanPatch {
            name: body.name,
            engine: body.engine,
            image: body.image,
            memory_bytes: body.memory_bytes,
            cpus: body.cpus,
            size_bytes: body.size_bytes,
            description: body.description,
        }
    }
}

/// A new environment: a Docker engine and the ports databases may take on its host.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct EnvironmentCreate {
    /// Unique among environments: letters, digits, `_`, `.` and `-`, up to 64.
    pub name: String,
    /// Where the control plane reaches the Docker engine: `unix://...`, `tcp://...`,
    /// `http://...` or `https://...`. Shown to admins only.
    pub docker_endpoint: String,
    /// The address clients connect to: a host name or an IP address.
    pub host_address: String,
    /// The lowest port databases may listen on (1 to 65535).
    pub port_min: i32,
    /// The highest port databases may listen on; not below `port_min`.
    pub port_max: i32,
    /// Days a deleted database stays in quarantine before it is destroyed: 0 to 3650,
    /// 7 by default.
    #[oai(nullable)]
    pub quarantine_days: Option<i32>,
}

impl From<EnvironmentCreate> for NewEnvironment {
    fn from(body: EnvironmentCreate) -> Self {
        NewEnvironment {
            name: body.name,
            docker_endpoint: body.docker_endpoint,
            host_address: body.host_address,
            port_min: body.port_min,
            port_max: body.port_max,
            quarantine_days: body.quarantine_days,
        }
    }
}

/// Changes to an environment: only the fields given change. Databases placed already keep
/// their port, even outside a new range.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct EnvironmentUpdate {
    #[oai(nullable)]
    pub name: Option<String>,
    #[oai(nullable)]
    pub docker_endpoint: Option<String>,
    #[oai(nullable)]
    pub host_address: Option<String>,
    #[oai(nullable)]
    pub port_min: Option<i32>,
    #[oai(nullable)]
    pub port_max: Option<i32>,
    #[oai(nullable)]
    pub quarantine_days: Option<i32>,
}

impl From<EnvironmentUpdate> for EnvironmentChanges {
    fn from(body: EnvironmentUpdate) -> Self {
        EnvironmentChanges {
            name: body.name,
            docker_endpoint: body.docker_endpoint,
            host_address: body.host_address,
            port_min: body.port_min,
            port_max: body.port_max,
            quarantine_days: body.quarantine_days,
        }
    }
}

impl Located for PlanView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}

impl Located for EnvironmentView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}
