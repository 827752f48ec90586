//! Errors of the provisioner, sorted into those worth retrying and those that will not heal.

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The Docker engine refused or failed a request.
    #[error("docker: {0}")]
    Docker(#[from] bollard::errors::Error),
    /// The plan's image is not on the Docker host; retrying will not bring it.
    #[error("the image '{0}' is not present on the Docker host (build it, or pull it on a connected site)")]
    ImageMissing(String),
    /// The engine did not accept connections in time.
    #[error("the engine did not accept connections within {0} s")]
    NotReady(u64),
    /// The engine refused a command.
    #[error("engine: {0}")]
    Engine(String),
    /// The request can never succeed as asked (unsupported engine, bad endpoint, ...).
    #[error("{0}")]
    Invalid(String),

    /// The named container does not exist on the Docker host.
    #[error("the container '{0}' does not exist")]
    NoContainer(String),
}

impl ProvisionError {
    /// Whether trying again cannot help: a missing image, a request that can never work, or
    /// one Docker refused as malformed (400: a CPU limit beyond the host's, say).
    pub fn is_permanent(&self) -> bool {
        match self {
            ProvisionError::ImageMissing(_) | ProvisionError::Invalid(_) => true,
            ProvisionError::Docker(bollard::errors::Error::DockerResponseServerError { status_code, .. }) => {
                *status_code == 400
            }
            _ => false,
        }
    }
}

pub type ProvisionResult<T> = Result<T, ProvisionError>;
