//! Hosts: the Docker engines of an environment, where its engines run. Each has its Docker
//! endpoint, the address its engines listen on and clients connect to, a port range, a
//! capacity placement fills, a state admins set (a cordoned host takes no new engines) and a
//! health the fleet finds.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema;

text_enum!(
    /// What admins want of a host.
    HostState {
        /// Takes new engines.
        Active => "active",
        /// Takes no new engines; those on it keep running.
        Cordoned => "cordoned",
        /// Takes no new engines, and the workers move those on it to other hosts (a
        /// `move_database` task each); cordoned once empty.
        Draining => "draining",
    }
);

/// A host as the catalog records it.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = schema::hosts)]
pub struct Host {
    pub id: i64,
    pub environment_id: i64,
    pub name: String,
    /// Where its Docker engine answers: `unix:///var/run/docker.sock`, `tcp://host:2376`, ...
    pub docker_endpoint: String,
    /// The address its engines listen on and clients connect to.
    pub address: String,
    pub port_min: i32,
    pub port_max: i32,
    /// What placement may put on it; `None`: what Docker reports.
    pub memory_bytes: Option<i64>,
    /// `None`: no limit (CPU limits are caps engines share).
    pub cpu_millis: Option<i32>,
    /// `None`: no limit.
    pub max_engines: Option<i32>,
    pub state: HostState,
    /// The CA, client certificate and key its Docker endpoint is reached with, sealed
    /// ([`DockerTls`] as JSON).
    pub tls_enc: Option<Vec<u8>>,
    /// Whether the fleet reached its Docker engine last time (`None`: not looked at yet).
    pub reachable: Option<bool>,
    pub health_detail: Option<String>,
    pub docker_version: Option<String>,
    pub reported_memory_bytes: Option<i64>,
    pub reported_cpus: Option<i32>,
    pub engines_running: Option<i32>,
    /// The images it has (`None`: not looked at yet).
    pub images: Option<Vec<String>>,
    pub checked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("docker_endpoint", &self.docker_endpoint)
            .field("address", &self.address)
            .field("state", &self.state)
            .field("tls", &self.tls_enc.is_some())
            .finish_non_exhaustive()
    }
}

impl Host {
    /// How this deployment may reach the host's Docker: its endpoint, once the allow-list
    /// takes it, and its TLS material opened as `T` (the Docker client's own type, of the
    /// same fields as [`DockerTls`]), `None` when it is reached without TLS. `Err` says why
    /// it may not be used.
    pub fn docker_access<T: serde::de::DeserializeOwned>(
        &self,
        allow: &crate::allowlist::AllowList,
        secrets: &crate::secrets::SecretBox,
    ) -> Result<(&str, Option<T>), String> {
        allow
            .check_docker_endpoint(&self.docker_endpoint)
            .map_err(|e| format!("its docker_endpoint is refused: {e}"))?;
        let Some(sealed) = &self.tls_enc else {
            return Ok((&self.docker_endpoint, None));
        };
        let json = secrets.open(sealed).map_err(|e| e.to_string())?;
        let tls = serde_json::from_str(&json).map_err(|e| format!("its TLS material is unreadable: {e}"))?;
        Ok((&self.docker_endpoint, Some(tls)))
    }

    /// The memory placement may fill: the admins' figure, else Docker's.
    pub fn memory_capacity(&self) -> Option<i64> {
        self.memory_bytes.or(self.reported_memory_bytes)
    }

    /// The CPU (thousandths of a CPU) placement may fill: the admins' figure only. A CPU
    /// limit is a cap engines share, not a reservation, so a host is not full of CPUs
    /// unless its admins say how far to overcommit.
    pub fn cpu_capacity(&self) -> Option<i64> {
        self.cpu_millis.map(i64::from)
    }
}

/// A new host of an environment.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::hosts)]
pub struct NewHost {
    pub environment_id: i64,
    pub name: String,
    pub docker_endpoint: String,
    pub address: String,
    pub port_min: i32,
    pub port_max: i32,
    pub memory_bytes: Option<i64>,
    pub cpu_millis: Option<i32>,
    pub max_engines: Option<i32>,
    pub state: HostState,
    pub tls_enc: Option<Vec<u8>>,
}

/// A host's fields to change; `None` leaves one as it is (capacity figures: `Some(None)`
/// clears one).
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = schema::hosts)]
pub struct HostChanges {
    pub name: Option<String>,
    pub docker_endpoint: Option<String>,
    pub address: Option<String>,
    pub port_min: Option<i32>,
    pub port_max: Option<i32>,
    pub memory_bytes: Option<Option<i64>>,
    pub cpu_millis: Option<Option<i32>>,
    pub max_engines: Option<Option<i32>>,
    pub state: Option<HostState>,
    pub tls_enc: Option<Option<Vec<u8>>>,
}

/// What the fleet found of a host's Docker engine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostHealth {
    pub reachable: bool,
    /// Why it is not reachable.
    pub detail: Option<String>,
    pub docker_version: Option<String>,
    pub memory_bytes: Option<i64>,
    pub cpus: Option<i32>,
    pub engines_running: Option<i32>,
    pub images: Option<Vec<String>>,
}

/// What a host's engines take of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostUse {
    pub engines: i64,
    pub memory_bytes: i64,
    pub cpu_millis: i64,
}

/// The CA, client certificate and key a Docker endpoint over TLS is reached with, in PEM.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DockerTls {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl DockerTls {
    /// Refuses material that is not what each field says: `Err((field, why))`. The CA and
    /// the certificate are PEM certificates, the key a private key of a kind Docker's
    /// client can use.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        for (field, pem) in [("tls_ca", &self.ca_pem), ("tls_cert", &self.cert_pem)] {
            if !pem_blocks(pem).is_some_and(|labels| !labels.is_empty() && labels.iter().all(|l| l == "CERTIFICATE")) {
                return Err((field, format!("{field} must be one or more PEM certificates")));
            }
        }
        rcgen::KeyPair::from_pem(&self.key_pem)
            .map_err(|e| ("tls_key", format!("tls_key must be a PEM private key: {e}")))?;
        Ok(())
    }

    /// Sealed, as the catalog keeps it.
    pub fn seal(&self, secrets: &crate::secrets::SecretBox) -> Vec<u8> {
        secrets.seal(&serde_json::to_string(self).expect("PEM strings serialise"))
    }
}

impl std::fmt::Debug for DockerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DockerTls { .. }")
    }
}

/// The labels of the PEM blocks of `text` (`CERTIFICATE`, ...), each with a body that is
/// base64; `None` when anything else is there.
fn pem_blocks(text: &str) -> Option<Vec<String>> {
    use base64::Engine as _;
    let mut labels = Vec::new();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    while let Some(begin) = lines.next() {
        let label = begin.strip_prefix("-----BEGIN ")?.strip_suffix("-----")?;
        let mut body = String::new();
        loop {
            let line = lines.next()?;
            if line == format!("-----END {label}-----") {
                break;
            }
            body.push_str(line);
        }
        base64::engine::general_purpose::STANDARD.decode(&body).ok()?;
        labels.push(label.to_owned());
    }
    Some(labels)
}

/// Whether an endpoint speaks to Docker in the clear over a network (`tcp://` or `http://`
/// without TLS): for environments marked for local development only.
pub fn is_plain_network_endpoint(endpoint: &str, tls: bool) -> bool {
    endpoint.starts_with("http://") || (endpoint.starts_with("tcp://") && !tls)
}

/// Why a host cannot take an engine of these limits, if it cannot.
pub fn does_not_fit(host: &Host, used: HostUse, memory_bytes: i64, cpu_millis: i64) -> Option<String> {
    if let Some(max) = host.max_engines {
        if used.engines.saturating_add(1) > i64::from(max) {
            return Some(format!("{} of its {max} engines run", used.engines));
        }
    }
    if let Some(capacity) = host.memory_capacity() {
        if used.memory_bytes.saturating_add(memory_bytes) > capacity {
            return Some(format!(
                "{} MiB of its {} MiB are taken",
                used.memory_bytes >> 20,
                capacity >> 20
            ));
        }
    }
    if let Some(capacity) = host.cpu_capacity() {
        if used.cpu_millis.saturating_add(cpu_millis) > capacity {
            return Some(format!("{} of its {} millicpus are taken", used.cpu_millis, capacity));
        }
    }
    None
}

/// Placement's order among hosts that fit: the most free memory first, then the fewest
/// engines, then the oldest host. Hosts with no memory limit count as having all free.
pub fn free_memory(host: &Host, used: HostUse) -> i64 {
    host.memory_capacity()
        .map_or(i64::MAX, |c| c.saturating_sub(used.memory_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(memory: Option<i64>, cpus: Option<i32>, engines: Option<i32>) -> Host {
        Host {
            id: 1,
            environment_id: 1,
            name: "h".into(),
            docker_endpoint: "unix:///var/run/docker.sock".into(),
            address: "127.0.0.1".into(),
            port_min: 1,
            port_max: 2,
            memory_bytes: memory,
            cpu_millis: cpus,
            max_engines: engines,
            state: HostState::Active,
            tls_enc: None,
            reachable: None,
            health_detail: None,
            docker_version: None,
            reported_memory_bytes: Some(8 << 30),
            reported_cpus: Some(2),
            engines_running: None,
            images: None,
            checked_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            deleted_at: None,
        }
    }

    #[test]
    fn a_host_fits_within_each_limit() {
        let used = HostUse {
            engines: 1,
            memory_bytes: 512 << 20,
            cpu_millis: 500,
        };
        assert_eq!(
            does_not_fit(&host(Some(1 << 30), None, None), used, 512 << 20, 500),
            None
        );
        assert!(does_not_fit(&host(Some(1 << 30), None, None), used, 513 << 20, 500).is_some());
        assert!(does_not_fit(&host(None, Some(900), None), used, 1, 500).is_some());
        assert!(does_not_fit(&host(None, None, Some(1)), used, 1, 1).is_some());
        // Docker's memory stands in for the admins' where they set none (8 GiB here); its
        // CPUs do not: CPU limits are shared caps.
        assert!(does_not_fit(&host(None, None, None), used, 8 << 30, 1).is_some());
        assert_eq!(does_not_fit(&host(None, None, None), used, 1, 64_000), None);
    }

    #[test]
    fn docker_tls_material_is_checked_field_by_field() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let good = DockerTls {
            ca_pem: cert.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        };
        assert_eq!(good.check(), Ok(()));
        let field = |tls: DockerTls| tls.check().unwrap_err().0;
        assert_eq!(
            field(DockerTls {
                ca_pem: "x".into(),
                ..good.clone()
            }),
            "tls_ca"
        );
        assert_eq!(
            field(DockerTls {
                cert_pem: key.serialize_pem(),
                ..good.clone()
            }),
            "tls_cert"
        );
        assert_eq!(
            field(DockerTls {
                key_pem: cert.pem(),
                ..good.clone()
            }),
            "tls_key"
        );
        assert_eq!(
            field(DockerTls {
                ca_pem: String::new(),
                ..good
            }),
            "tls_ca"
        );
    }

    #[test]
    fn plain_endpoints_are_network_ones_without_tls() {
        assert!(is_plain_network_endpoint("tcp://127.0.0.1:2375", false));
        assert!(!is_plain_network_endpoint("tcp://127.0.0.1:2376", true));
        assert!(is_plain_network_endpoint("http://127.0.0.1:2375", true));
        assert!(!is_plain_network_endpoint("unix:///var/run/docker.sock", false));
        assert!(!is_plain_network_endpoint("https://127.0.0.1:2376", true));
    }
}
