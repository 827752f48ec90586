//! Environments and their hosts as the API shows them: hosts (Docker endpoints, capacity,
//! health) to admins only.

use chrono::{DateTime, Utc};
use dbaas_core::model::Environment;
use poem_openapi::Object;

use super::super::links::Links;
use super::super::responses::Located;
use super::{ListLinks, SelfLink};
use crate::app::HostDetail;

/// An environment: where databases run.
#[derive(Debug, Clone, Object)]
pub struct EnvironmentView {
    #[oai(rename = "_links")]
    pub links: EnvironmentLinks,
    pub id: i64,
    pub name: String,
    /// Days a deleted database stays in quarantine before it is destroyed.
    pub quarantine_days: i32,
    /// Marked for local development: its hosts may be reached over plain `tcp://`.
    pub development: bool,
}

#[derive(Debug, Clone, Object)]
pub struct EnvironmentLinks {
    #[oai(rename = "self")]
    pub self_: String,
    /// Its hosts (admins).
    pub hosts: String,
}

impl EnvironmentView {
    pub fn new(links: &Links, environment: Environment) -> Self {
        let self_ = links.environment(environment.id);
        Self {
            links: EnvironmentLinks {
                hosts: format!("{self_}host/"),
                self_,
            },
            id: environment.id,
            name: environment.name,
            quarantine_days: environment.quarantine_days,
            development: environment.development,
        }
    }
}

impl Located for EnvironmentView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}

/// The environments.
#[derive(Debug, Clone, Object)]
pub struct EnvironmentList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub environment: Vec<EnvironmentView>,
}

/// A Docker host of an environment (admins).
#[derive(Debug, Clone, Object)]
pub struct HostView {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub name: String,
    pub environment: String,
    /// Where the control plane reaches its Docker engine.
    pub docker_endpoint: String,
    /// Whether Docker is reached over TLS (the material itself is never shown).
    pub tls: bool,
    /// The address its engines listen on and clients connect to.
    pub address: String,
    pub port_min: i32,
    pub port_max: i32,
    /// `active` (takes new databases), `cordoned` (takes none; its engines keep running) or
    /// `draining` (takes none; its engines move to other hosts, and it is cordoned once
    /// empty).
    pub state: String,
    /// What placement may put on it, as admins set it and else as Docker reports it.
    pub capacity: HostCapacity,
    /// What its engines (pooled ones included) take of it.
    pub used: HostUsed,
    pub health: HostHealthView,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A host's capacity; null: no limit (memory: or Docker has not been asked yet).
#[derive(Debug, Clone, Object)]
pub struct HostCapacity {
    #[oai(nullable)]
    pub memory_bytes: Option<i64>,
    #[oai(nullable)]
    pub cpus: Option<f64>,
    #[oai(nullable)]
    pub engines: Option<i32>,
    /// Whether the memory is the admins' figure (else Docker's).
    pub memory_set: bool,
}

/// What a host's engines take.
#[derive(Debug, Clone, Object)]
pub struct HostUsed {
    pub memory_bytes: i64,
    pub cpus: f64,
    pub engines: i64,
}

/// A host's health, as the fleet last found it.
#[derive(Debug, Clone, Object)]
pub struct HostHealthView {
    /// `unknown` (not looked at yet), `healthy` (Docker answers) or `unreachable`.
    pub status: String,
    /// Why it is unreachable.
    #[oai(nullable)]
    pub detail: Option<String>,
    #[oai(nullable)]
    pub docker_version: Option<String>,
    /// The machine as Docker reports it.
    #[oai(nullable)]
    pub memory_bytes: Option<i64>,
    #[oai(nullable)]
    pub cpus: Option<i32>,
    /// This deployment's engine containers running on it, as Docker lists them.
    #[oai(nullable)]
    pub engines_running: Option<i32>,
    /// The images it has.
    pub images: Vec<String>,
    #[oai(nullable)]
    pub checked_at: Option<DateTime<Utc>>,
}

fn cpus(millis: i64) -> f64 {
    millis as f64 / 1000.0
}

impl HostView {
    pub fn new(links: &Links, detail: HostDetail) -> Self {
        let HostDetail { host, used } = detail;
        let self_ = format!("{}host/{}/", links.environment(host.environment_id), host.id);
        Self {
            links: SelfLink { self_ },
            id: host.id,
            environment: links.environment(host.environment_id),
            docker_endpoint: host.docker_endpoint.clone(),
            tls: host.tls_enc.is_some(),
            address: host.address.clone(),
            port_min: host.port_min,
            port_max: host.port_max,
            state: host.state.to_string(),
            capacity: HostCapacity {
                memory_bytes: host.memory_capacity(),
                cpus: host.cpu_capacity().map(cpus),
                engines: host.max_engines,
                memory_set: host.memory_bytes.is_some(),
            },
            used: HostUsed {
                memory_bytes: used.memory_bytes,
                cpus: cpus(used.cpu_millis),
                engines: used.engines,
            },
            health: HostHealthView {
                status: match host.reachable {
                    None => "unknown",
                    Some(true) => "healthy",
                    Some(false) => "unreachable",
                }
                .into(),
                detail: host.health_detail.clone(),
                docker_version: host.docker_version.clone(),
                memory_bytes: host.reported_memory_bytes,
                cpus: host.reported_cpus,
                engines_running: host.engines_running,
                images: host.images.clone().unwrap_or_default(),
                checked_at: host.checked_at,
            },
            created_at: host.created_at,
            updated_at: host.updated_at,
            name: host.name,
        }
    }
}

impl Located for HostView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}

/// An environment's hosts.
#[derive(Debug, Clone, Object)]
pub struct HostList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub host: Vec<HostView>,
}
