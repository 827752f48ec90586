//! Environment operations: everyone reads the environments, admins change them. Their hosts
//! (Docker endpoints, addresses, capacity) are the admins' alone: [`super::hosts`].

use dbaas_core::model::{Environment, EnvironmentChanges, HostState, NewEnvironment, NewHost, Ref};
use dbaas_core::store::{Caller, Page, PageRequest, DEFAULT_HOST};

use super::{admin_only, validate, App, AppResult};
use crate::params::{EnvironmentCreate, EnvironmentUpdate};

const ADMINS_ONLY: &str = "only admins change environments";

impl App {
    pub async fn environment_list(&self, _caller: &Caller, page: PageRequest) -> AppResult<Page<Environment>> {
        Ok(self.store.environment_list(page).await?)
    }

    pub async fn environment_get(&self, _caller: &Caller, id: i64) -> AppResult<Environment> {
        Ok(self.store.environment_find(&Ref::Id(id)).await?)
    }

    /// Records an environment with its first host.
    pub async fn environment_create(&self, caller: &Caller, params: EnvironmentCreate) -> AppResult<Environment> {
        admin_only(caller, ADMINS_ONLY)?;
        validate::name(&params.name)?;
        validate::docker_endpoint(&params.docker_endpoint)?;
        validate::host_address(&params.host_address)?;
        validate::allowed_docker_endpoint(&self.config.allow, &params.docker_endpoint)?;
        validate::allowed_address(&self.config.allow, "host_address", &params.host_address)?;
        validate::port("port_min", &params.port_min)?;
        validate::port("port_max", &params.port_max)?;
        validate::port_range(params.port_min, params.port_max)?;
        validate::each(params.quarantine_days.as_ref(), validate::quarantine_days)?;
        let development = params.development.unwrap_or(false);
        validate::endpoint_security(&params.docker_endpoint, false, development)?;
        let new = NewEnvironment {
            name: params.name.into(),
            quarantine_days: params.quarantine_days,
            development,
        };
        let first_host = NewHost {
            environment_id: 0,
            name: DEFAULT_HOST.into(),
            docker_endpoint: params.docker_endpoint.into(),
            address: params.host_address.into(),
            port_min: params.port_min,
            port_max: params.port_max,
            memory_bytes: None,
            cpu_millis: None,
            max_engines: None,
            state: HostState::Active,
            tls_enc: None,
        };
        Ok(self.store.environment_create(new, Some(first_host)).await?)
    }

    pub async fn environment_update(
        &self,
        caller: &Caller,
        id: i64,
        params: EnvironmentUpdate,
    ) -> AppResult<Environment> {
        admin_only(caller, ADMINS_ONLY)?;
        validate::each(params.name.as_deref(), validate::name)?;
        validate::each(params.quarantine_days.as_ref(), validate::quarantine_days)?;
        let changes = EnvironmentChanges {
            name: params.name.map(String::from),
            quarantine_days: params.quarantine_days,
            development: params.development,
        };
        Ok(self.store.environment_update(id, changes).await?)
    }

    /// Deletes an environment no live database uses.
    pub async fn environment_delete(&self, caller: &Caller, id: i64) -> AppResult<()> {
        admin_only(caller, ADMINS_ONLY)?;
        Ok(self.store.environment_delete(id).await?)
    }
}
