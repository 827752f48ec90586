//! Requests that create and change environments (admins only).

use poem_openapi::Object;

use super::Text;

/// A new environment: a Docker engine and the ports databases may take on its host.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct EnvironmentCreate {
    /// Unique among environments (a name in use: 409): 1 to 64 letters, digits, `_`, `.`
    /// and `-`, not only digits.
    #[oai(validator(max_length = 64, pattern = r"^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$"))]
    pub name: Text,
    /// Where the control plane reaches the Docker engine: `unix:///var/run/docker.sock`,
    /// or `tcp://`, `http://` or `https://` with a host and a port (`tcp://127.0.0.1:2376`);
    /// up to 1000 printable ASCII characters, no spaces. The host must be in the deployment's
    /// allow-list (by default loopback addresses and local sockets; `DBAAS_ALLOWED_NETWORKS`),
    /// in canonical form; else 422. Shown to admins only.
    #[oai(validator(max_length = 1000, pattern = r"^(unix|tcp|http|https)://[!-~]+$"))]
    pub docker_endpoint: Text,
    /// The address engines listen on and clients connect to: up to 255 letters, digits, `.`,
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
}

/// Changes to an environment: only the fields given change, each as in `EnvironmentCreate`.
/// Databases placed already keep their port, even outside a new range. A range whose
/// `port_min` ends up above its `port_max` answers 422.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct EnvironmentUpdate {
    #[oai(
        nullable,
        validator(max_length = 64, pattern = r"^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$")
    )]
    pub name: Option<Text>,
    #[oai(
        nullable,
        validator(max_length = 1000, pattern = r"^(unix|tcp|http|https)://[!-~]+$")
    )]
    pub docker_endpoint: Option<Text>,
    #[oai(nullable, validator(max_length = 255, pattern = r"^[A-Za-z0-9.:\[\]-]+$"))]
    pub host_address: Option<Text>,
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "65535")))]
    pub port_min: Option<i32>,
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "65535")))]
    pub port_max: Option<i32>,
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "3650")))]
    pub quarantine_days: Option<i32>,
}
