//! Requests that create and change environments (admins only).

use poem_openapi::Object;

use super::Text;

/// A new environment, with its first host: a Docker engine and the ports databases may take
/// on it (more hosts are added under `/api/environment/{id}/host/`).
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct EnvironmentCreate {
    /// Unique among environments (a name in use: 409): 1 to 64 letters, digits, `_`, `.`
    /// and `-`, not only digits.
    #[oai(validator(max_length = 64, pattern = r"^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$"))]
    pub name: Text,
    /// Where the control plane reaches the first host's Docker engine:
    /// `unix:///var/run/docker.sock`, or plain `tcp://` or `http://` with a host and a port
    /// (`tcp://127.0.0.1:2375`) in an environment marked for local development only (Docker
    /// over TLS: add the host under `/api/environment/{id}/host/`); up to 1000 printable
    /// ASCII characters, no spaces. The host must be in the deployment's allow-list (by
    /// default loopback addresses and local sockets; `DBAAS_ALLOWED_NETWORKS`), in canonical
    /// form; else 422.
    #[oai(validator(max_length = 1000, pattern = r"^(unix|tcp|http|https)://[!-~]+$"))]
    pub docker_endpoint: Text,
    /// The address the first host's engines listen on and clients connect to: up to 255 letters, digits, `.`,
    /// `-`, `:`, `[` and `]`. An IP address in canonical form (IPv6 in brackets) within the
    /// allow-list, or a host name the deployment allows; else 422.
    #[oai(validator(max_length = 255, pattern = r"^[A-Za-z0-9.:\[\]-]+$"))]
    pub host_address: Text,
    /// The lowest port databases may listen on (1 to 65535).
    #[oai(validator(minimum(value = "1"), maximum(value = "65535")))]
    pub port_min: i32,
    /// The highest port databases may listen on (1 to 65535); below `port_min`, 422.
    #[oai(validator(minimum(value = "1"), maximum(value = "65535")))]
    pub port_max: i32,
    /// Days a deleted database stays in quarantine before it is destroyed: 0 to 3650,
    /// 7 by default.
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "3650")))]
    pub quarantine_days: Option<i32>,
    /// Marked for local development: its hosts may be reached over plain `tcp://`. False
    /// by default.
    #[oai(nullable)]
    pub development: Option<bool>,
}

/// Changes to an environment: only the fields given change, each as in `EnvironmentCreate`.
/// Its hosts change under `/api/environment/{id}/host/`. Unmarking one for local
/// development while a host is reached over plain `tcp://` answers 409.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct EnvironmentUpdate {
    #[oai(
        nullable,
        validator(max_length = 64, pattern = r"^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$")
    )]
    pub name: Option<Text>,
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "3650")))]
    pub quarantine_days: Option<i32>,
    #[oai(nullable)]
    pub development: Option<bool>,
}
