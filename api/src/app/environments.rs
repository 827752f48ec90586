//! Environment operations: everyone reads the environments, admins change them. The Docker
//! endpoint shows to admins only: it is how the control plane drives the host, and tenants
//! have no use for it.

use dbaas_core::model::{Environment, EnvironmentChanges, NewEnvironment, Ref};
use dbaas_core::store::{Caller, Page, PageRequest};

use super::validate::{self, invalid};
use super::{admin_only, App, AppResult};

/// Longer than anyone keeps a deleted database; also keeps date arithmetic far from overflow.
pub const MAX_QUARANTINE_DAYS: i32 = 3650;
const MAX_ENDPOINT_LEN: usize = 1000;
const MAX_HOST_LEN: usize = 255;
const DOCKER_SCHEMES: &[&str] = &["unix://", "tcp://", "http://", "https://"];

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

fn docker_endpoint(raw: &str) -> AppResult<()> {
    let scheme = DOCKER_SCHEMES.iter().find(|s| raw.starts_with(**s));
    if scheme.is_none_or(|s| raw.len() == s.len())
        || raw.len() > MAX_ENDPOINT_LEN
        || raw.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            "docker_endpoint",
            format!(
                "docker_endpoint must be a URL starting with one of {}",
                DOCKER_SCHEMES.join(", ")
            ),
        ));
    }
    Ok(())
}

/// A host name or an IP address (IPv6 in brackets, as it goes into connection URIs).
fn host_address(raw: &str) -> AppResult<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".-:[]".contains(c);
    if raw.is_empty() || raw.len() > MAX_HOST_LEN || !raw.chars().all(allowed) {
        return Err(invalid(
            "host_address",
            "host_address must be a host name or an IP address",
        ));
    }
    Ok(())
}

fn port(field: &'static str, value: &i32) -> AppResult<()> {
    if !(1..=65535).contains(value) {
        return Err(invalid(field, format!("{field} must be between 1 and 65535")));
    }
    Ok(())
}

fn port_range(min: i32, max: i32) -> AppResult<()> {
    if min > max {
        return Err(invalid(
            "port_min",
            format!("port_min ({min}) must not be above port_max ({max})"),
        ));
    }
    Ok(())
}

fn quarantine_days(value: &i32) -> AppResult<()> {
    if !(0..=MAX_QUARANTINE_DAYS).contains(value) {
        return Err(invalid(
            "quarantine_days",
            format!("quarantine_days must be between 0 and {MAX_QUARANTINE_DAYS}"),
        ));
    }
    Ok(())
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

    pub async fn environment_create(&self, caller: &Caller, new: NewEnvironment) -> AppResult<EnvironmentDetail> {
        admin_only(caller, "environments")?;
        validate::name("name", &new.name)?;
        docker_endpoint(&new.docker_endpoint)?;
        host_address(&new.host_address)?;
        port("port_min", &new.port_min)?;
        port("port_max", &new.port_max)?;
        port_range(new.port_min, new.port_max)?;
        validate::each(new.quarantine_days.as_ref(), quarantine_days)?;
        let environment = self.store.environment_create(new).await?;
        Ok(EnvironmentDetail::for_caller(caller, environment))
    }

    /// Changes an environment. Databases placed already keep their port, even outside a new
    /// range.
    pub async fn environment_update(
        &self,
        caller: &Caller,
        id: i64,
        changes: EnvironmentChanges,
    ) -> AppResult<EnvironmentDetail> {
        admin_only(caller, "environments")?;
        validate::each(changes.name.as_deref(), |n| validate::name("name", n))?;
        validate::each(changes.docker_endpoint.as_deref(), docker_endpoint)?;
        validate::each(changes.host_address.as_deref(), host_address)?;
        validate::each(changes.port_min.as_ref(), |p| port("port_min", p))?;
        validate::each(changes.port_max.as_ref(), |p| port("port_max", p))?;
        validate::each(changes.quarantine_days.as_ref(), quarantine_days)?;
        if changes.port_min.is_some() || changes.port_max.is_some() {
            // One bound may change alone: check the range it makes with the other.
            let current = self.store.environment_find(&Ref::Id(id)).await?;
            port_range(
                changes.port_min.unwrap_or(current.port_min),
                changes.port_max.unwrap_or(current.port_max),
            )?;
        }
        let environment = self.store.environment_update(id, changes).await?;
        Ok(EnvironmentDetail::for_caller(caller, environment))
    }

    /// Deletes an environment no live database uses.
    pub async fn environment_delete(&self, caller: &Caller, id: i64) -> AppResult<()> {
        admin_only(caller, "environments")?;
        Ok(self.store.environment_delete(id).await?)
    }
}
