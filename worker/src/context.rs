//! What every job and periodic duty can reach.

use dbaas_core::queue::JobQueue;
use dbaas_core::{Config, Store};
use dbaas_provisioner::DockerHosts;

#[derive(Clone, Debug)]
pub struct Context {
    pub store: Store,
    pub queue: JobQueue,
    pub docker: DockerHosts,
    pub config: Config,
}
