//! Configuration, read once from `DBAAS_*` environment variables and checked at load.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use ipnet::IpNet;

use crate::allowlist::AllowList;
use crate::model::DockerTls;
use crate::secrets::SecretBox;

#[derive(Debug, thiserror::Error)]
#[error("configuration: {name}: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: String,
}

/// Everything the api and the worker need to find each other and their backing services.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DBAAS_DATABASE_URL`: the metadata store.
    pub database_url: String,
    /// `DBAAS_REDIS_URL`: the job queue.
    pub redis_url: String,
    /// `DBAAS_QUEUE_PREFIX`: namespaces queue keys, so several deployments can share a Redis.
    pub queue_prefix: String,
    /// `DBAAS_DEPLOYMENT`: written on every container and volume as a label, so each
    /// deployment (or test run) knows its own among others on a shared Docker engine.
    pub deployment: String,
    /// `DBAAS_LISTEN`: where the api listens.
    pub listen: SocketAddr,
    /// `DBAAS_PUBLIC_URL`: the base of links in responses; by default taken from each
    /// request's `Host` header.
    pub public_url: Option<String>,
    /// `DBAAS_SECRET_KEY`: `ID:BASE64` (or `BASE64`, id `default`) of 32 bytes; seals
    /// generated passwords. `DBAAS_SECRET_KEYS_OLD`: keys that only open, during a rotation.
    pub secrets: SecretBox,
    /// `DBAAS_ADMIN_USER` / `DBAAS_ADMIN_PASSWORD`: the first admin, created on first start.
    pub admin_user: String,
    pub admin_password: Option<String>,
    /// Defaults for the environment and plan created on first start.
    pub defaults: Defaults,
    /// `DBAAS_WORKER_CONCURRENCY`: jobs one worker runs at once.
    pub worker_concurrency: usize,
    /// `DBAAS_POLL_INTERVAL_MS`: how often an idle worker looks for new jobs.
    pub poll_interval: Duration,
    /// `DBAAS_ENGINE_READY_TIMEOUT_S`: how long a new engine may take to accept connections.
    pub engine_ready_timeout: Duration,
    /// `DBAAS_SIZE_INTERVAL_S`: how often workers measure the databases' sizes.
    pub size_interval: Duration,
    /// `DBAAS_LIFECYCLE_INTERVAL_S`: how often workers look for expired quarantines, drift
    /// between the catalog and the engines, and expired dumps.
    pub lifecycle_interval: Duration,
    /// `DBAAS_POOL_INTERVAL_S`: how often workers fill the plans' pools and replace pooled
    /// engines their plan no longer describes (a pool is also refilled the moment a database
    /// takes one of its engines).
    pub pool_interval: Duration,
    /// `DBAAS_TASK_LEASE_S`: a running task whose worker has not renewed its claim for this
    /// long is taken over by another worker. Workers renew three times per lease, and stop
    /// working on a task whose claim they could not renew within a lease (so that two runs
    /// of one task never overlap); a dead worker's tasks are resumed about a lease after it
    /// died.
    pub task_lease: Duration,
    /// `DBAAS_REQUEUE_AFTER_S`: a task still queued after this long is enqueued again.
    pub requeue_after: Duration,
    /// `DBAAS_INJECT_FAULT`: makes the worker fail for good at the named step (see the worker's
    /// `jobs::fault_point`), to prove that every step's undo leaves nothing behind. Unset in
    /// production.
    pub inject_fault: Option<String>,
    /// `DBAAS_PAUSE_AT`: makes the worker stop at the named step and wait there for ever
    /// (logging `paused at fault point <step>`), so that a test can kill it exactly there.
    /// Unset in production.
    pub pause_at: Option<String>,
    /// Where Docker endpoints and engine addresses may point (`DBAAS_ALLOWED_NETWORKS`,
    /// `DBAAS_ALLOW_UNIX_SOCKETS`, `DBAAS_ALLOWED_HOSTNAMES`; see [`AllowList`]).
    pub allow: AllowList,
    /// `DBAAS_REQUEST_WAIT_MS`: how long the api waits for a quick task (a new credential, a
    /// password reset) before answering 202 with the task instead of the result; well under
    /// the 10 s or so after which common clients give up.
    pub request_wait: Duration,
    /// `DBAAS_TRUSTED_PROXIES`: CIDRs (or single addresses) of the reverse proxies in front of
    /// the api. Only a peer in one of them is believed when its `Forwarded` or
    /// `X-Forwarded-For` header names the client; failed logins are slowed per client
    /// address (`api/src/http/throttle.rs`). None by default: the TCP peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// `DBAAS_DEVELOPMENT`: the deployment is for local development, the one place where
    /// weaker settings are allowed (engines without TLS, today).
    pub development: bool,
    /// `DBAAS_ENGINE_TLS`: whether engines speak TLS (see [`EngineTls`]).
    pub engine_tls: EngineTls,
    /// `DBAAS_AUDIT_RETENTION_DAYS`: audit records older than this are dropped by the workers
    /// (1 to 36500; 365 by default).
    pub audit_retention_days: u32,
    /// `DBAAS_FLEET_INTERVAL_MS`: how often the worker that follows a Docker host looks at
    /// every engine container on it (one inspect each), records what it saw and marks drift.
    pub fleet_interval: Duration,
    /// `DBAAS_FLEET_STATS_INTERVAL_S`: how often it samples the engines' memory and CPU use
    /// and their data volumes' sizes (slow: Docker takes a second or two per container).
    pub fleet_stats_interval: Duration,
    /// `DBAAS_WORKER_METRICS_LISTEN`: where the worker's own small listener answers
    /// `/metrics`, `/health` and `/ready`; loopback by default (`127.0.0.1:9187`), so that
    /// nothing outside the host reads it unless it is set (the Helm chart sets `0.0.0.0:9187`).
    pub worker_metrics_listen: SocketAddr,
    /// `DBAAS_LOG_FOLLOW_MAX_S`: how long the api streams an engine's log to one
    /// `follow=true` request before it ends the stream (the caller asks again to go on).
    pub log_follow_max: Duration,
}

/// Whether engines speak TLS. Always, except in a deployment marked for local development
/// (`DBAAS_DEVELOPMENT=true`), where `DBAAS_ENGINE_TLS=false` may turn it off; anywhere else
/// that setting is refused at start-up. Never a per-request choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineTls {
    On,
    /// Plain TCP: only in development.
    Off,
}

impl EngineTls {
    pub fn is_on(self) -> bool {
        self == EngineTls::On
    }

    /// From `DBAAS_DEVELOPMENT` and `DBAAS_ENGINE_TLS`.
    pub fn from_settings(development: bool, tls: bool) -> Result<Self, ConfigError> {
        match (tls, development) {
            (true, _) => Ok(EngineTls::On),
            (false, true) => Ok(EngineTls::Off),
            (false, false) => Err(ConfigError {
                name: "DBAAS_ENGINE_TLS",
                reason: "may be false only where DBAAS_DEVELOPMENT=true (local development)".into(),
            }),
        }
    }
}

/// What the first start puts in an empty catalog so the README's walk-through works as is.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// `DBAAS_DOCKER_HOST` (else `DOCKER_HOST`, else the local socket).
    pub docker_endpoint: String,
    /// `DBAAS_DOCKER_TLS_DIR`: a directory with Docker's client files `ca.pem`, `cert.pem`
    /// and `key.pem` (a mounted Secret), for a `tcp://` or `https://` endpoint over TLS.
    pub docker_tls: Option<DockerTls>,
    /// `DBAAS_HOST_ADDRESS`: the address engines listen on and clients connect to.
    pub host_address: String,
    /// `DBAAS_PORT_RANGE`: `first-last`.
    pub port_min: i32,
    pub port_max: i32,
    /// `DBAAS_POSTGRES_IMAGE`: the default Postgres plan's image.
    pub postgres_image: String,
    /// `DBAAS_MONGODB_IMAGE`: the default MongoDB plan's image.
    pub mongodb_image: String,
    /// `DBAAS_DEFAULT_POOL_SIZE`: engines the default plans keep started in the default
    /// environment (0 by default; `make up` keeps 2).
    pub pool_size: i32,
}

/// Docker's client files in `dir` (`ca.pem`, `cert.pem`, `key.pem`), each checked.
fn docker_tls_from(dir: &str) -> Result<DockerTls, ConfigError> {
    let refused = |reason: String| ConfigError {
        name: "DBAAS_DOCKER_TLS_DIR",
        reason,
    };
    let read = |file: &str| {
        let path = std::path::Path::new(dir).join(file);
        std::fs::read_to_string(&path).map_err(|e| refused(format!("{}: {e}", path.display())))
    };
    let tls = DockerTls {
        ca_pem: read("ca.pem")?,
        cert_pem: read("cert.pem")?,
        key_pem: read("key.pem")?,
    };
    tls.check().map_err(|(field, why)| {
        let file = match field {
            "tls_ca" => "ca.pem",
            "tls_cert" => "cert.pem",
            _ => "key.pem",
        };
        refused(format!("{dir}/{file}: {why}"))
    })?;
    Ok(tls)
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parsed<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|e: T::Err| ConfigError {
            name,
            reason: e.to_string(),
        }),
    }
}

/// Parses a comma-separated list of CIDRs; a bare address is its own network (`/32`, `/128`).
pub fn parse_networks(raw: &str) -> Result<Vec<IpNet>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| {
            IpNet::from_str(n)
                .or_else(|_| n.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|e| format!("'{n}' is not a CIDR or an address: {e}"))
        })
        .collect()
}

/// Parses `first-last` into an inclusive port range.
pub fn parse_port_range(raw: &str) -> Option<(i32, i32)> {
    let (a, b) = raw.trim().split_once('-')?;
    let (a, b): (u16, u16) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a > 0 && a <= b).then_some((a.into(), b.into()))
}

/// The port of the worker's metrics listener unless `DBAAS_WORKER_METRICS_LISTEN` says.
pub const DEFAULT_WORKER_METRICS_PORT: u16 = 9187;

/// The longest retention of audit records: a hundred years, far from any date arithmetic's limit.
pub const MAX_AUDIT_RETENTION_DAYS: u32 = 36_500;

fn retention_days(days: u32) -> Result<u32, ConfigError> {
    if !(1..=MAX_AUDIT_RETENTION_DAYS).contains(&days) {
        return Err(ConfigError {
            name: "DBAAS_AUDIT_RETENTION_DAYS",
            reason: format!("must be 1 to {MAX_AUDIT_RETENTION_DAYS} days, not {days}"),
        });
    }
    Ok(days)
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let secret = var("DBAAS_SECRET_KEY").ok_or(ConfigError {
            name: "DBAAS_SECRET_KEY",
            reason: "is required (base64 of 32 random bytes, e.g. `head -c32 /dev/urandom | base64`)".into(),
        })?;
        let older = var("DBAAS_SECRET_KEYS_OLD").unwrap_or_default();
        let secrets = SecretBox::from_config(&secret, &older).map_err(|e| ConfigError {
            // The one at fault: the current key alone, else the older ones.
            name: if SecretBox::from_config(&secret, "").is_err() {
                "DBAAS_SECRET_KEY"
            } else {
                "DBAAS_SECRET_KEYS_OLD"
            },
            reason: e.to_string(),
        })?;
        let allow = AllowList::parse(
            &var("DBAAS_ALLOWED_NETWORKS").unwrap_or_else(|| "127.0.0.0/8,::1/128".into()),
            parsed("DBAAS_ALLOW_UNIX_SOCKETS", true)?,
            &var("DBAAS_ALLOWED_HOSTNAMES").unwrap_or_default(),
        )
        .map_err(|reason| ConfigError {
            name: "DBAAS_ALLOWED_NETWORKS",
            reason,
        })?;
        let development = parsed("DBAAS_DEVELOPMENT", false)?;
        let range = var("DBAAS_PORT_RANGE").unwrap_or_else(|| "15432-15999".into());
        let (port_min, port_max) = parse_port_range(&range).ok_or(ConfigError {
            name: "DBAAS_PORT_RANGE",
            reason: format!("'{range}' is not a range like 15432-15999"),
        })?;
        let trusted_proxies =
            parse_networks(&var("DBAAS_TRUSTED_PROXIES").unwrap_or_default()).map_err(|reason| ConfigError {
                name: "DBAAS_TRUSTED_PROXIES",
                reason,
            })?;
        Ok(Self {
            database_url: var("DBAAS_DATABASE_URL")
                .unwrap_or_else(|| "postgres://dbaas:dbaas@127.0.0.1:5432/dbaas".into()),
            redis_url: var("DBAAS_REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379/".into()),
            queue_prefix: var("DBAAS_QUEUE_PREFIX").unwrap_or_else(|| "dbaas".into()),
            deployment: var("DBAAS_DEPLOYMENT").unwrap_or_else(|| "dbaas".into()),
            listen: parsed("DBAAS_LISTEN", SocketAddr::from(([127, 0, 0, 1], 8000)))?,
            public_url: var("DBAAS_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned()),
            secrets,
            admin_user: var("DBAAS_ADMIN_USER").unwrap_or_else(|| "admin".into()),
            admin_password: var("DBAAS_ADMIN_PASSWORD"),
            defaults: Defaults {
                docker_endpoint: var("DBAAS_DOCKER_HOST")
                    .or_else(|| var("DOCKER_HOST"))
                    .unwrap_or_else(|| "unix:///var/run/docker.sock".into()),
                docker_tls: var("DBAAS_DOCKER_TLS_DIR")
                    .map(|dir| docker_tls_from(&dir))
                    .transpose()?,
                host_address: var("DBAAS_HOST_ADDRESS").unwrap_or_else(|| "127.0.0.1".into()),
                port_min,
                port_max,
                postgres_image: var("DBAAS_POSTGRES_IMAGE").unwrap_or_else(|| "dbaas/postgres:15".into()),
                mongodb_image: var("DBAAS_MONGODB_IMAGE").unwrap_or_else(|| "dbaas/mongo:7".into()),
                pool_size: parsed("DBAAS_DEFAULT_POOL_SIZE", 0)?,
            },
            worker_concurrency: parsed("DBAAS_WORKER_CONCURRENCY", 8)?,
            poll_interval: Duration::from_millis(parsed("DBAAS_POLL_INTERVAL_MS", 100)?),
            engine_ready_timeout: Duration::from_secs(parsed("DBAAS_ENGINE_READY_TIMEOUT_S", 60)?),
            size_interval: Duration::from_secs(parsed("DBAAS_SIZE_INTERVAL_S", 300)?.max(1)),
            lifecycle_interval: Duration::from_secs(parsed("DBAAS_LIFECYCLE_INTERVAL_S", 60)?.max(1)),
            pool_interval: Duration::from_secs(parsed("DBAAS_POOL_INTERVAL_S", 10)?.max(1)),
            task_lease: Duration::from_secs(parsed("DBAAS_TASK_LEASE_S", 6)?.max(2)),
            requeue_after: Duration::from_secs(parsed("DBAAS_REQUEUE_AFTER_S", 30)?.max(1)),
            inject_fault: var("DBAAS_INJECT_FAULT"),
            pause_at: var("DBAAS_PAUSE_AT"),
            allow,
            request_wait: Duration::from_millis(parsed("DBAAS_REQUEST_WAIT_MS", 3_000)?),
            trusted_proxies,
            development,
            engine_tls: EngineTls::from_settings(development, parsed("DBAAS_ENGINE_TLS", true)?)?,
            audit_retention_days: retention_days(parsed("DBAAS_AUDIT_RETENTION_DAYS", 365)?)?,
            fleet_interval: Duration::from_millis(parsed("DBAAS_FLEET_INTERVAL_MS", 2_000)?.max(200)),
            fleet_stats_interval: Duration::from_secs(parsed("DBAAS_FLEET_STATS_INTERVAL_S", 30)?.max(1)),
            log_follow_max: Duration::from_secs(parsed("DBAAS_LOG_FOLLOW_MAX_S", 300)?.max(1)),
            worker_metrics_listen: parsed(
                "DBAAS_WORKER_METRICS_LISTEN",
                SocketAddr::from(([127, 0, 0, 1], DEFAULT_WORKER_METRICS_PORT)),
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        assert_eq!(parse_port_range("15432-15999"), Some((15432, 15999)));
        assert_eq!(parse_port_range(" 1 - 1 "), Some((1, 1)));
        assert_eq!(parse_port_range("2-1"), None);
        assert_eq!(parse_port_range("0-10"), None);
        assert_eq!(parse_port_range("1-70000"), None);
        assert_eq!(parse_port_range("15432"), None);
    }

    #[test]
    fn audit_retention() {
        assert_eq!(retention_days(365).unwrap(), 365);
        assert!(retention_days(0).is_err());
        assert!(retention_days(MAX_AUDIT_RETENTION_DAYS + 1).is_err());
    }

    #[test]
    fn trusted_proxy_networks() {
        let nets = parse_networks(" 10.0.0.0/8, 192.0.2.7 ,fd00::/64,").unwrap();
        let shown: Vec<String> = nets.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.0/8", "192.0.2.7/32", "fd00::/64"]);
        assert_eq!(parse_networks("").unwrap(), []);
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(parse_networks("proxy.example").is_err());
    }

    #[test]
    fn tls_is_off_only_in_development() {
        assert_eq!(EngineTls::from_settings(false, true).unwrap(), EngineTls::On);
        assert_eq!(EngineTls::from_settings(true, true).unwrap(), EngineTls::On);
        assert_eq!(EngineTls::from_settings(true, false).unwrap(), EngineTls::Off);
        let refused = EngineTls::from_settings(false, false).unwrap_err();
        assert_eq!(refused.name, "DBAAS_ENGINE_TLS");
    }
}
