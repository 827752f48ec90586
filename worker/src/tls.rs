//! TLS as jobs see it: the certificate an engine's container is (re)created with, issued or
//! re-issued here when [`dbaas_core::tls::needs_new_certificate`] says so, and the verifying
//! client the control plane talks to engines with. With `DBAAS_ENGINE_TLS=false` (local
//! development only) there is neither.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use dbaas_core::model::{CertificateAuthority, EngineCertificate};
use dbaas_core::tls::{self, TlsError};
use dbaas_provisioner::{ClientTls, ServerTls};

use crate::error::{JobError, JobResult};
use crate::Context;

impl From<TlsError> for JobError {
    fn from(e: TlsError) -> Self {
        match e {
            TlsError::Store(e) => JobError::Store(e),
            e => JobError::Invalid(e.to_string()),
        }
    }
}

/// The last verifying client made, kept while the CA bundle stays the same.
#[derive(Clone, Default, Debug)]
pub struct ClientTlsCache {
    current: Arc<Mutex<Option<ClientTls>>>,
}

impl ClientTlsCache {
    fn for_bundle(&self, bundle: &str) -> JobResult<ClientTls> {
        let mut current = self.current.lock().expect("client TLS cache poisoned");
        if let Some(tls) = current.as_ref().filter(|tls| tls.ca_pem() == bundle) {
            return Ok(tls.clone());
        }
        let tls = ClientTls::new(bundle)?;
        *current = Some(tls.clone());
        Ok(tls)
    }
}

impl Context {
    /// The deployment's CAs, made where there are none yet (or a successor is due).
    pub async fn certificate_authorities(&self) -> JobResult<Vec<CertificateAuthority>> {
        Ok(tls::ensure_authorities(&self.store, &self.config.secrets, &self.config.deployment).await?)
    }

    /// How the control plane verifies engines; `None` where engines run without TLS.
    pub async fn client_tls(&self) -> JobResult<Option<ClientTls>> {
        if !self.config.engine_tls.is_on() {
            return Ok(None);
        }
        let authorities = self.certificate_authorities().await?;
        self.client_tls
            .for_bundle(&tls::bundle(&authorities, Utc::now()))
            .map(Some)
    }
}

/// A certificate for an engine: the one stored for it, or a new one not yet stored.
pub struct Prepared {
    pub tls: ServerTls,
    /// Set when the certificate is new: [`save`] it once the engine has it, or before.
    pub new: Option<EngineCertificate>,
}

/// What an engine serves TLS with at `address`: its stored certificate, or a new
/// one when that is missing, due for renewal, for another address or from a CA that no longer
/// signs. `None` where engines run without TLS.
pub async fn prepare(ctx: &Context, engine_id: i64, address: &str) -> JobResult<Option<Prepared>> {
    if !ctx.config.engine_tls.is_on() {
        return Ok(None);
    }
    let secrets = &ctx.config.secrets;
    let now = Utc::now();
    let authorities = ctx.certificate_authorities().await?;
    let issuing = tls::issuing_authority(&authorities, now)
        .ok_or_else(|| JobError::Invalid("the deployment has no valid certificate authority".into()))?;
    let ca_pem = tls::bundle(&authorities, now);
    match ctx.store.engine_certificate(engine_id).await? {
        Some(stored) if !tls::needs_new_certificate(&stored, issuing, address, now) => Ok(Some(Prepared {
            tls: ServerTls {
                key_pem: secrets.open(&stored.key_enc)?,
                cert_pem: stored.cert_pem,
                ca_pem,
            },
            new: None,
        })),
        _ => {
            let ca_key = secrets.open(&issuing.key_enc)?;
            let issued = tls::issue_server_certificate(&issuing.subject, &ca_key, address, now)?;
            let new = EngineCertificate {
                engine_id,
                authority_id: issuing.id,
                address: address.to_owned(),
                cert_pem: issued.cert_pem.clone(),
                key_enc: secrets.seal(&issued.key_pem),
                not_after: issued.not_after,
                created_at: now,
            };
            Ok(Some(Prepared {
                tls: ServerTls {
                    cert_pem: issued.cert_pem,
                    key_pem: issued.key_pem,
                    ca_pem,
                },
                new: Some(new),
            }))
        }
    }
}

/// Records a new certificate as the engine's.
pub async fn save(ctx: &Context, prepared: &Prepared) -> JobResult<()> {
    if let Some(new) = &prepared.new {
        ctx.store.engine_certificate_save(new).await?;
        tracing::info!(engine_id = new.engine_id, not_after = %new.not_after, "engine certificate issued");
    }
    Ok(())
}

/// [`prepare`] and [`save`] at once, for a container about to be (re)created: a retry finds
/// the same certificate.
pub async fn server_tls(ctx: &Context, engine_id: i64, address: &str) -> JobResult<Option<ServerTls>> {
    let Some(prepared) = prepare(ctx, engine_id, address).await? else {
        return Ok(None);
    };
    save(ctx, &prepared).await?;
    Ok(Some(prepared.tls))
}
