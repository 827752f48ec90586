//! Host operations (admins): an environment's Docker hosts, with what placement has put on
//! each. Every endpoint and address passes the deployment's allow-list; plain network Docker
//! only in an environment marked for local development; TLS material is checked, then kept
//! sealed and never shown.

use dbaas_core::model::{DockerTls, Environment, Host, HostChanges, HostState, HostUse, NewHost, Ref};
use dbaas_core::store::{Caller, Page, PageRequest};

use super::{admin_only, validate, App, AppError, AppResult};
use crate::params::{HostCreate, HostUpdate, Text};

const ADMINS_ONLY: &str = "only admins see and change hosts";

/// A host with what its engines take of it.
#[derive(Debug, Clone)]
pub struct HostDetail {
    pub host: Host,
    pub used: HostUse,
}

/// The TLS material of a request: all three fields or none.
fn tls_of(ca: Option<Text>, cert: Option<Text>, key: Option<Text>) -> AppResult<Option<DockerTls>> {
    match (ca, cert, key) {
        (None, None, None) => Ok(None),
        (Some(ca), Some(cert), Some(key)) => {
            let tls = DockerTls {
                ca_pem: ca.into(),
                cert_pem: cert.into(),
                key_pem: key.into(),
            };
            tls.check()
                .map_err(|(field, message)| validate::unprocessable(field, message))?;
            Ok(Some(tls))
        }
        (ca, cert, _) => {
            let missing = if ca.is_none() {
                "tls_ca"
            } else if cert.is_none() {
                "tls_cert"
            } else {
                "tls_key"
            };
            Err(validate::unprocessable(
                missing,
                "tls_ca, tls_cert and tls_key are given together",
            ))
        }
    }
}

fn state_of(raw: Option<&str>) -> AppResult<Option<HostState>> {
    raw.map(|s| HostState::parse(s).ok_or_else(|| validate::invalid("state", "state must be 'active' or 'cordoned'")))
        .transpose()
}

impl App {
    async fn environment_for_hosts(&self, caller: &Caller, environment_id: i64) -> AppResult<Environment> {
        admin_only(caller, ADMINS_ONLY)?;
        Ok(self.store.environment_find(&Ref::Id(environment_id)).await?)
    }

    pub(super) async fn host_detail(&self, host: Host) -> AppResult<HostDetail> {
        let used = self
            .store
            .host_uses(&[host.id])
            .await?
            .remove(&host.id)
            .unwrap_or_default();
        Ok(HostDetail { host, used })
    }

    pub async fn host_list(
        &self,
        caller: &Caller,
        environment_id: i64,
        page: PageRequest,
    ) -> AppResult<Page<HostDetail>> {
        self.environment_for_hosts(caller, environment_id).await?;
        let page = self.store.host_page(environment_id, page).await?;
        let ids: Vec<i64> = page.items.iter().map(|h| h.id).collect();
        let mut used = self.store.host_uses(&ids).await?;
        Ok(page.map(|host| HostDetail {
            used: used.remove(&host.id).unwrap_or_default(),
            host,
        }))
    }

    pub async fn host_get(&self, caller: &Caller, environment_id: i64, id: i64) -> AppResult<HostDetail> {
        self.environment_for_hosts(caller, environment_id).await?;
        let host = self.store.host_in_environment(environment_id, id).await?;
        self.host_detail(host).await
    }

    pub async fn host_create(&self, caller: &Caller, environment_id: i64, params: HostCreate) -> AppResult<HostDetail> {
        let environment = self.environment_for_hosts(caller, environment_id).await?;
        validate::name(&params.name)?;
        validate::docker_endpoint(&params.docker_endpoint)?;
        validate::address("address", &params.address)?;
        validate::allowed_docker_endpoint(&self.config.allow, &params.docker_endpoint)?;
        validate::allowed_address(&self.config.allow, "address", &params.address)?;
        validate::port("port_min", &params.port_min)?;
        validate::port("port_max", &params.port_max)?;
        validate::port_range(params.port_min, params.port_max)?;
        let cpu_millis = params.cpus.map(validate::cpus).transpose()?;
        let state = state_of(params.state.as_deref())?.unwrap_or(HostState::Active);
        let tls = tls_of(params.tls_ca, params.tls_cert, params.tls_key)?;
        validate::endpoint_security(&params.docker_endpoint, tls.is_some(), environment.development)?;
        let new = NewHost {
            environment_id,
            name: params.name.into(),
            docker_endpoint: params.docker_endpoint.into(),
            address: params.address.into(),
            port_min: params.port_min,
            port_max: params.port_max,
            memory_bytes: params.memory_bytes,
            cpu_millis,
            max_engines: params.max_engines,
            state,
            tls_enc: tls.map(|t| t.seal(&self.config.secrets)),
        };
        let host = self.store.host_create(new).await?;
        tracing::info!(host_id = host.id, host = %host.name, environment_id, "host added");
        self.host_detail(host).await
    }

    /// Changes a host. Cordoning one stops placement on it at once; its engines keep running.
    pub async fn host_update(
        &self,
        caller: &Caller,
        environment_id: i64,
        id: i64,
        params: HostUpdate,
    ) -> AppResult<HostDetail> {
        let environment = self.environment_for_hosts(caller, environment_id).await?;
        let current = self.store.host_in_environment(environment_id, id).await?;
        validate::each(params.name.as_deref(), validate::name)?;
        validate::each(params.docker_endpoint.as_deref(), validate::docker_endpoint)?;
        validate::each(params.address.as_deref(), |a| validate::address("address", a))?;
        let allow = &self.config.allow;
        validate::each(params.docker_endpoint.as_deref(), |e| {
            validate::allowed_docker_endpoint(allow, e)
        })?;
        validate::each(params.address.as_deref(), |a| {
            validate::allowed_address(allow, "address", a)
        })?;
        validate::each(params.port_min.as_ref(), |p| validate::port("port_min", p))?;
        validate::each(params.port_max.as_ref(), |p| validate::port("port_max", p))?;
        validate::port_range(
            params.port_min.unwrap_or(current.port_min),
            params.port_max.unwrap_or(current.port_max),
        )?;
        let cpu_millis = params.cpus.map(validate::cpus).transpose()?;
        let state = state_of(params.state.as_deref())?;
        let tls = tls_of(params.tls_ca, params.tls_cert, params.tls_key)?;
        let endpoint = params.docker_endpoint.as_deref().unwrap_or(&current.docker_endpoint);
        let has_tls = tls.is_some() || current.tls_enc.is_some();
        validate::endpoint_security(endpoint, has_tls, environment.development)?;
        let changes = HostChanges {
            name: params.name.map(String::from),
            docker_endpoint: params.docker_endpoint.map(String::from),
            address: params.address.map(String::from),
            port_min: params.port_min,
            port_max: params.port_max,
            memory_bytes: params.memory_bytes.map(Some),
            cpu_millis: cpu_millis.map(Some),
            max_engines: params.max_engines.map(Some),
            state,
            tls_enc: tls.map(|t| Some(t.seal(&self.config.secrets))),
        };
        if changes.address.is_some() || changes.docker_endpoint.is_some() {
            let used = self.store.host_uses(&[id]).await?.remove(&id).unwrap_or_default();
            if used.engines > 0 {
                return Err(AppError::Conflict(format!(
                    "host '{}' has {} engine(s): its docker_endpoint and address stay while engines run on it",
                    current.name, used.engines
                )));
            }
        }
        let host = self.store.host_update(id, changes).await?;
        if let Some(state) = state {
            tracing::info!(host_id = id, host = %host.name, %state, "host state changed");
        }
        self.host_detail(host).await
    }

    /// Deletes a host no engine is on.
    pub async fn host_delete(&self, caller: &Caller, environment_id: i64, id: i64) -> AppResult<()> {
        self.environment_for_hosts(caller, environment_id).await?;
        self.store.host_in_environment(environment_id, id).await?;
        Ok(self.store.host_delete(id).await?)
    }
}
