//! Hosts: a Docker endpoint where engines run, and the address their clients use. Today each
//! environment is one host; several hosts per environment come with their own table.

/// Where an environment's engines run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// Where the Docker engine answers: `unix:///var/run/docker.sock`, `tcp://host:2376`, ...
    pub docker_endpoint: String,
    /// The address the engines listen on and clients connect to.
    pub address: String,
}
