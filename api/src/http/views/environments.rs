//! Environments as the API shows them: the Docker endpoint to admins only.

use poem_openapi::Object;

use super::super::links::Links;
use super::super::responses::Located;
use super::{ListLinks, SelfLink};
use crate::app::EnvironmentDetail;

/// An environment: where databases run.
#[derive(Debug, Clone, Object)]
pub struct EnvironmentView {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub name: String,
    /// The address clients connect to.
    pub host_address: String,
    pub port_min: i32,
    pub port_max: i32,
    /// Days a deleted database stays in quarantine before it is destroyed.
    pub quarantine_days: i32,
    /// Where the control plane reaches the environment's Docker engine
    /// (`unix:///var/run/docker.sock`, `tcp://127.0.0.1:2376`, ...). Shown to admins only.
    #[oai(skip_serializing_if_is_none)]
    pub docker_endpoint: Option<String>,
}

impl EnvironmentView {
    pub fn new(links: &Links, detail: EnvironmentDetail) -> Self {
        let EnvironmentDetail {
            environment,
            docker_endpoint,
        } = detail;
        Self {
            links: SelfLink {
                self_: links.environment(environment.id),
            },
            id: environment.id,
            name: environment.name,
            docker_endpoint,
            host_address: environment.host_address,
            port_min: environment.port_min,
            port_max: environment.port_max,
            quarantine_days: environment.quarantine_days,
        }
    }
}

impl Located for EnvironmentView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}

/// The environments.
#[derive(Debug, Clone, Object)]
pub struct EnvironmentList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub environment: Vec<EnvironmentView>,
}
