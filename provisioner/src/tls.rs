//! TLS between the control plane and the engines: what an engine serves ([`ServerTls`]) and
//! how the control plane's own clients verify it ([`ClientTls`]: the deployment's CA bundle,
//! the engine's address checked against its certificate).

use std::io::Write as _;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::error::{ProvisionError, ProvisionResult};

/// The certificate, key and CA bundle an engine serves TLS with. The key is a secret: never
/// logged.
#[derive(Clone)]
pub struct ServerTls {
    pub cert_pem: String,
    pub key_pem: String,
    /// Every CA clients may verify with (the engine's dump tool verifies with it too).
    pub ca_pem: String,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").finish_non_exhaustive()
    }
}

/// How the control plane verifies engines: a rustls configuration trusting only the
/// deployment's CAs, and the same bundle as a file for the MongoDB driver, which reads its
/// CA from a path. The file is private to this process (a fresh name, mode 0600) and removed
/// when the last clone goes.
#[derive(Clone)]
pub struct ClientTls {
    ca_pem: Arc<str>,
    config: Arc<rustls::ClientConfig>,
    ca_file: Arc<tempfile::NamedTempFile>,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls")
            .field("ca_file", &self.ca_file.path())
            .finish_non_exhaustive()
    }
}

fn invalid(what: &str, e: impl std::fmt::Display) -> ProvisionError {
    ProvisionError::Invalid(format!("{what}: {e}"))
}

impl ClientTls {
    /// Trusts the CAs of `ca_pem` (one or more PEM certificates) and nothing else.
    pub fn new(ca_pem: &str) -> ProvisionResult<Self> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots
                .add(cert.map_err(|e| invalid("the CA bundle", e))?)
                .map_err(|e| invalid("a CA of the bundle", e))?;
        }
        if roots.is_empty() {
            return Err(ProvisionError::Invalid("the CA bundle holds no certificate".into()));
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid("TLS versions", e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut ca_file = tempfile::Builder::new()
            .prefix("dbaas-ca-")
            .suffix(".pem")
            .tempfile()
            .map_err(|e| invalid("writing the CA bundle", e))?;
        ca_file
            .write_all(ca_pem.as_bytes())
            .and_then(|()| ca_file.flush())
            .map_err(|e| invalid("writing the CA bundle", e))?;
        Ok(Self {
            ca_pem: ca_pem.into(),
            config: Arc::new(config),
            ca_file: Arc::new(ca_file),
        })
    }

    /// The PEM bundle this trusts.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A connector for tokio-postgres that verifies the server's certificate and name.
    pub fn postgres(&self) -> tokio_postgres_rustls::MakeRustlsConnect {
        tokio_postgres_rustls::MakeRustlsConnect::new((*self.config).clone())
    }

    /// Whether `endpoint` completes a verified TLS handshake within `timeout`: a server that
    /// is up but does not speak TLS (such as an image's temporary first-init server on the
    /// same port) is told apart at once, where a driver would wait on it.
    pub async fn handshake(&self, endpoint: &crate::Endpoint, timeout: std::time::Duration) -> ProvisionResult<()> {
        let name = rustls::pki_types::ServerName::try_from(endpoint.host.clone())
            .map_err(|e| invalid("the engine's address", e))?;
        let connector = tokio_rustls::TlsConnector::from(self.config.clone());
        let attempt = async {
            let tcp = tokio::net::TcpStream::connect((endpoint.host.as_str(), endpoint.port)).await?;
            connector.connect(name, tcp).await.map(drop)
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ProvisionError::Engine(format!("TLS handshake: {e}"))),
            Err(_) => Err(ProvisionError::Engine(format!(
                "no TLS handshake within {} ms",
                timeout.as_millis()
            ))),
        }
    }

    /// The MongoDB driver's TLS options: verify against the bundle, names included.
    pub fn mongodb(&self) -> mongodb::options::Tls {
        mongodb::options::Tls::Enabled(
            mongodb::options::TlsOptions::builder()
                .ca_file_path(self.ca_file.path().to_path_buf())
                .allow_invalid_certificates(false)
                .build(),
        )
    }
}
