//! Environment operations: everyone reads the environments, admins change them. The Docker
//! endpoint shows to admins only: it is how the control plane drives the host, and tenants
//! have no use for it.

use dbaas_core::model::{Environment, EnvironmentChanges, NewEnvironment, Ref};
use dbaas_core::store::{Caller, Page, PageRequest};

use super::{admin_only, validate, App, AppResult};
use crate::params::{EnvironmentCreate, EnvironmentUpdate};

const ADMINS_ONLY: &str = "only admins change environments";

/// An environment as the caller may see it.
#[derive(Debug, Clone)]
pub struct EnvironmentDetail {
    pub environment: Environment,
    /// For admins only.
    pub docker_endpoint: Option<String>,
}

impl EnvironmentDetail {
    fn for_caller(caller: &Caller, environment: Environment) -> Self {
        let docker_endpoint = caller.is_admin.then(|| environment.docker_endpoint.clone());
        Self {
            environment,
            docker_endpoint,
        }
    }
}

impl App {
    pub async fn environment_list(&self, caller: &Caller, page: PageRequest) -> AppResult<Page<EnvironmentDetail>> {
        let page = self.store.environment_list(page).await?;
        Ok(page.map(|e| EnvironmentDetail::for_caller(caller, e)))
    }

    pub async fn environment_get(&self, caller: &Caller, id: i64) -> AppResult<EnvironmentDetail> {
        let environment = self.store.environment_find(&Ref::Id(id)).await?;
        Ok(EnvironmentDetail::for_caller(caller, environment))
    }

    pub async fn environment_create(&self, caller: &Caller, params: EnvironmentCreate) -> AppResult<EnvironmentDetail> {
        admin_only(caller, ADMINS_ONLY)?;
        validate::name(&params.name)?;
        validate::docker_endpoint(&params.docker_endpoint)?;
        validate::host_address(&params.host_address)?;
        validate::allowed_docker_endpoint(&self.config.allow, &params.docker_endpoint)?;
        validate::allowed_host_address(&self.config.allow, &params.host_address)?;
        validate::port("port_min", &params.port_min)?;
        validate::port("port_max", &params.port_max)?;
        validate::port_range(params.port_min, params.port_max)?;
        validate::each(params.quarantine_days.as_ref(), validate::quarantine_days)?;
        let new = NewEnvironment {
            name: params.name.into(),
            docker_endpoint: params.docker_endpoint.into(),
            host_address: params.host_address.into(),
            port_min: params.port_min,
            port_max: params.port_max,
            quarantine_days: params.quarantine_days,
        };
        let environment = self.store.environment_create(new).await?;
        Ok(EnvironmentDetail::for_caller(caller, environment))
    }

    /// Changes an environment. Databases placed already keep their port, even outside a new
    /// range.
    pub async fn environment_update(
        &self,
        caller: &Caller,
        id: i64,
        params: EnvironmentUpdate,
    ) -> AppResult<EnvironmentDetail> {
        admin_only(caller, ADMINS_ONLY)?;
        validate::each(params.name.as_deref(), validate::name)?;
        validate::each(params.docker_endpoint.as_deref(), validate::docker_endpoint)?;
        validate::each(params.host_address.as_deref(), validate::host_address)?;
        let allow = &self.config.allow;
        validate::each(params.docker_endpoint.as_deref(), |e| {
            validate::allowed_docker_endpoint(allow, e)
        })?;
        validate::each(params.host_address.as_deref(), |h| {
            validate::allowed_host_address(allow, h)
        })?;
        validate::each(params.port_min.as_ref(), |p| validate::port("port_min", p))?;
        validate::each(params.port_max.as_ref(), |p| validate::port("port_max", p))?;
        validate::each(params.quarantine_days.as_ref(), validate::quarantine_days)?;
        if params.port_min.is_some() || params.port_max.is_some() {
            // One bound may change alone: check the range it makes with the other.
            let current = self.store.environment_find(&Ref::Id(id)).await?;
            validate::port_range(
                params.port_min.unwrap_or(current.port_min),
                params.port_max.unwrap_or(current.port_max),
            )?;
        }
        let changes = EnvironmentChanges {
            name: params.name.map(String::from),
            docker_endpoint: params.docker_endpoint.map(String::from),
            host_address: params.host_address.map(String::from),
            port_min: params.port_min,
            port_max: params.port_max,
            quarantine_days: params.quarantine_days,
        };
        let environment = self.store.environment_update(id, changes).await?;
        Ok(EnvironmentDetail::for_caller(caller, environment))
    }

    /// Deletes an environment no live database uses.
    pub async fn environment_delete(&self, caller: &Caller, id: i64) -> AppResult<()> {
        admin_only(caller, ADMINS_ONLY)?;
        Ok(self.store.environment_delete(id).await?)
    }
}
