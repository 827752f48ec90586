//! Requests that create and change environments (admins only).

use poem_openapi::Object;

use super::Text;

/// A new environment: a Docker engine and the ports databases may take on its host.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct EnvironmentCreate {
    /// Unique among environments: letters, digits, `_`, `.` and `-`, up to 64.
    pub name: Text,
    /// Where the control plane reaches the Docker engine: `unix:///var/run/docker.sock`,
    /// or `tcp://`, `http://` or `https://` with a host and a port (`tcp://127.0.0.1:2376`).
    /// The host must be in the deployment's allow-list (by default loopback addresses and
    /// local sockets; `DBAAS_ALLOWED_NETWORKS`), in canonical form; else 422. Shown to admins
    /// only.
    pub docker_endpoint: Text,
    /// The address engines listen on and clients connect to: an IP address in canonical form
    /// (IPv6 in brackets) within the allow-list, or a host name the deployment allows; else
    /// 422.
    pub host_address: Text,
    /// The lowest port databases may listen on (1 to 65535).
    pub port_min: i32,
    /// The highest port databases may listen on; not below `port_min`.
    pub port_max: i32,
    /// Days a deleted database stays in quarantine before it is destroyed: 0 to 3650,
    /// 7 by default.
    #[oai(nullable)]
    pub quarantine_days: Option<i32>,
}

/// Changes to an environment: only the fields given change. Databases placed already keep
/// their port, even outside a new range.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct EnvironmentUpdate {
    #[oai(nullable)]
    pub name: Option<Text>,
    #[oai(nullable)]
    pub docker_endpoint: Option<Text>,
    #[oai(nullable)]
    pub host_address: Option<Text>,
    #[oai(nullable)]
    pub port_min: Option<i32>,
    #[oai(nullable)]
    pub port_max: Option<i32>,
    #[oai(nullable)]
    pub quarantine_days: Option<i32>,
}
