//! Requests that add and change an environment's hosts (admins only).

use poem_openapi::Object;

use super::Text;

/// A new host of an environment: a Docker engine, the address its engines listen on, the
/// ports they may take there and what placement may put on it.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct HostCreate {
    /// Unique among the environment's hosts (a name in use: 409): 1 to 64 letters, digits,
    /// `_`, `.` and `-`, not only digits.
    #[oai(validator(max_length = 64, pattern = r"^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$"))]
    pub name: Text,
    /// Where the control plane reaches the Docker engine: `unix:///var/run/docker.sock`,
    /// `tcp://host:2376` with `tls_ca`, `tls_cert` and `tls_key` (Docker over TLS), or plain
    /// `tcp://` / `http://` in an environment marked for local development only (else 422).
    /// Up to 1000 printable ASCII characters, no spaces; the host must be in the
    /// deployment's allow-list (`DBAAS_ALLOWED_NETWORKS`), else 422.
    #[oai(validator(max_length = 1000, pattern = r"^(unix|tcp|http|https)://[!-~]+$"))]
    pub docker_endpoint: Text,
    /// The address its engines listen on and clients connect to: an IP address in canonical
    /// form (IPv6 in brackets) within the allow-list, or a host name the deployment allows;
    /// up to 255 letters, digits, `.`, `-`, `:`, `[` and `]`.
    #[oai(validator(max_length = 255, pattern = r"^[A-Za-z0-9.:\[\]-]+$"))]
    pub address: Text,
    /// The lowest port its engines may listen on (1 to 65535).
    #[oai(validator(minimum(value = "1"), maximum(value = "65535")))]
    pub port_min: i32,
    /// The highest port its engines may listen on (1 to 65535); below `port_min`, 422.
    #[oai(validator(minimum(value = "1"), maximum(value = "65535")))]
    pub port_max: i32,
    /// The memory placement may give its engines, in bytes (at least 64 MiB); absent or
    /// null: the memory Docker reports.
    #[oai(nullable, validator(minimum(value = "67108864")))]
    pub memory_bytes: Option<i64>,
    /// The CPUs placement may give its engines' limits, overcommit included (0.001 to
    /// 1024); absent or null: no limit (a CPU limit is a cap engines share).
    #[oai(nullable, validator(minimum(value = "0.001"), maximum(value = "1024")))]
    pub cpus: Option<f64>,
    /// The most engines it runs (0 to 100000); absent or null: no limit.
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "100000")))]
    pub max_engines: Option<i32>,
    /// `active` (the default: it takes new databases) or `cordoned` (it takes none; its
    /// engines keep running).
    #[oai(nullable, validator(pattern = r"^(active|cordoned)$"))]
    pub state: Option<Text>,
    /// Docker over TLS: the CA certificate(s) the Docker engine's certificate is checked
    /// against, in PEM (ASCII, up to 8192 characters). With `tls_cert` and `tls_key`; never
    /// shown again.
    #[oai(nullable, validator(max_length = 8192, pattern = r"^[\t\n\r -~]*$"))]
    pub tls_ca: Option<Text>,
    /// The client certificate the control plane shows Docker, in PEM.
    #[oai(nullable, validator(max_length = 8192, pattern = r"^[\t\n\r -~]*$"))]
    pub tls_cert: Option<Text>,
    /// The client certificate's private key, in PEM; kept sealed.
    #[oai(nullable, validator(max_length = 8192, pattern = r"^[\t\n\r -~]*$"))]
    pub tls_key: Option<Text>,
}

/// Changes to a host: only the fields given change, each as in `HostCreate`. Engines on it
/// keep their port, even outside a new range. The three `tls_` fields change together.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct HostUpdate {
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
    pub address: Option<Text>,
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "65535")))]
    pub port_min: Option<i32>,
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "65535")))]
    pub port_max: Option<i32>,
    #[oai(nullable, validator(minimum(value = "67108864")))]
    pub memory_bytes: Option<i64>,
    #[oai(nullable, validator(minimum(value = "0.001"), maximum(value = "1024")))]
    pub cpus: Option<f64>,
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "100000")))]
    pub max_engines: Option<i32>,
    /// `cordoned` stops placement on it; `active` opens it again.
    #[oai(nullable, validator(pattern = r"^(active|cordoned)$"))]
    pub state: Option<Text>,
    #[oai(nullable, validator(max_length = 8192, pattern = r"^[\t\n\r -~]*$"))]
    pub tls_ca: Option<Text>,
    #[oai(nullable, validator(max_length = 8192, pattern = r"^[\t\n\r -~]*$"))]
    pub tls_cert: Option<Text>,
    #[oai(nullable, validator(max_length = 8192, pattern = r"^[\t\n\r -~]*$"))]
    pub tls_key: Option<Text>,
}
