//! The CAs test clients verify engines with. Every stack has a catalog, hence a CA, of its
//! own; each one's bundle is added here when its api comes up ([`trust`]), and the clients of
//! [`crate::Engine::connect`] and [`crate::pg_connect`] verify the engine's certificate and
//! address against all of them, as `sslmode=verify-full` and a MongoDB driver do. Tests that
//! must verify with one stack's CA alone build their client from that bundle.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

#[derive(Default)]
struct Trusted {
    pems: Vec<String>,
    /// The bundle of `pems` as a file, for the MongoDB driver (it reads CAs from a path).
    file: Option<Arc<tempfile::NamedTempFile>>,
}

static TRUSTED: Mutex<Option<Trusted>> = Mutex::new(None);

/// Trusts the CAs of a PEM bundle from now on.
pub fn trust(bundle: &str) {
    let mut guard = TRUSTED.lock().expect("trusted CAs");
    let trusted = guard.get_or_insert_with(Trusted::default);
    if trusted.pems.iter().any(|p| p == bundle) {
        return;
    }
    trusted.pems.push(bundle.to_owned());
    trusted.file = Some(Arc::new(bundle_file(&trusted.pems.concat())));
}

/// A file holding `pem`, removed when dropped.
pub fn bundle_file(pem: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .prefix("dbaas-test-ca-")
        .suffix(".pem")
        .tempfile()
        .expect("CA bundle file");
    file.write_all(pem.as_bytes()).expect("write the CA bundle");
    file.flush().expect("write the CA bundle");
    file
}

/// Every trusted CA, as one PEM bundle.
pub fn trusted_bundle() -> String {
    TRUSTED
        .lock()
        .expect("trusted CAs")
        .as_ref()
        .map(|t| t.pems.concat())
        .unwrap_or_default()
}

/// The trusted bundle as a file (kept while the returned handle lives), if any CA is trusted.
pub fn trusted_file() -> Option<(Arc<tempfile::NamedTempFile>, PathBuf)> {
    let guard = TRUSTED.lock().expect("trusted CAs");
    let file = guard.as_ref()?.file.clone()?;
    let path = file.path().to_path_buf();
    Some((file, path))
}

/// A rustls client configuration trusting the CAs of `bundle` and nothing else.
pub fn client_config(bundle: &str) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(bundle.as_bytes()) {
        roots.add(cert.expect("a PEM certificate")).expect("a CA certificate");
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}
