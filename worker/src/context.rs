//! What every job and periodic duty can reach, and the one way to reach a host: through the
//! allow-list, checked again before every dial, so that a row written before a rule existed
//! (or by hand) never sends the workers off the deployment's networks.

use dbaas_core::model::{Engine, Host};
use dbaas_core::queue::JobQueue;
use dbaas_core::{Config, Store};
use dbaas_provisioner::{DockerClientTls, DockerHost, DockerHosts, Endpoint};

use crate::error::{JobError, JobResult};

#[derive(Clone, Debug)]
pub struct Context {
    /// This worker process, as it signs its claims on tasks: unique per process (a host may
    /// run several workers, and a restarted one is a new holder).
    pub worker_id: String,
    pub store: Store,
    pub queue: JobQueue,
    pub docker: DockerHosts,
    pub config: Config,
    /// The verifying client engines are talked to with ([`Context::client_tls`]).
    pub client_tls: crate::tls::ClientTlsCache,
    /// What this worker process counts ([`crate::metrics`]).
    pub metrics: std::sync::Arc<crate::metrics::WorkerMetrics>,
}

impl Context {
    /// The Docker engine of `host`, once the allow-list lets both its endpoint and its
    /// address be used.
    pub async fn docker_host(&self, host: &Host) -> JobResult<DockerHost> {
        self.check_address(host)?;
        let (endpoint, tls) = host
            .docker_access::<DockerClientTls>(&self.config.allow, &self.config.secrets)
            .map_err(|e| JobError::Invalid(format!("host '{}': {e}", host.name)))?;
        Ok(self.docker.get(endpoint, tls.as_ref()).await?)
    }

    /// The Docker engine of the host an engine runs on.
    pub async fn docker_of(&self, engine: &Engine) -> JobResult<DockerHost> {
        let host = self.store.host_get(engine.host_id).await?;
        self.docker_host(&host).await
    }

    /// Where an engine on `host` listens, once the allow-list lets its address be used.
    pub fn engine_endpoint(&self, host: &Host, port: i32) -> JobResult<Endpoint> {
        self.check_address(host)?;
        let port = u16::try_from(port).map_err(|_| JobError::Invalid(format!("port {port} is out of range")))?;
        Ok(Endpoint {
            host: host.address.clone(),
            port,
        })
    }

    fn check_address(&self, host: &Host) -> JobResult<()> {
        self.config
            .allow
            .check_host(&host.address)
            .map_err(|e| JobError::Invalid(format!("host '{}': its address is refused: {e}", host.name)))
    }
}
