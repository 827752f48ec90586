//! Docker over TLS: the CA, client certificate and key a host's endpoint is reached with.
//! Docker's client takes them as files, so they are written where only this process's user
//! reads them (a directory of mode 0700, files of mode 0600), named after their content, and
//! never through `DOCKER_TLS_VERIFY` or `DOCKER_CERT_PATH`, which would change every `tcp://`
//! endpoint of the process.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::error::{ProvisionError, ProvisionResult};

/// A Docker endpoint's client TLS material, in PEM (read as the catalog seals it).
#[derive(Clone, PartialEq, Eq, Hash, serde::Deserialize)]
pub struct DockerClientTls {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for DockerClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DockerClientTls { .. }")
    }
}

/// The files Docker's client reads the material from.
pub(crate) struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl DockerClientTls {
    /// A short tag of the material, for cache keys and file names (not a secret's digest:
    /// the files are private anyway).
    pub(crate) fn tag(&self) -> String {
        let mut hasher = DefaultHasher::new();
        self.hash(&mut hasher);
        format!("{:016x}", hasher.finish())
    }

    /// Writes the material into this process's private directory (once per content).
    pub(crate) fn write_files(&self) -> ProvisionResult<TlsFiles> {
        let dir = private_dir()?.join(self.tag());
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| io_error(&dir, e))?;
        let files = TlsFiles {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        for (path, pem) in [
            (&files.ca, &self.ca_pem),
            (&files.cert, &self.cert_pem),
            (&files.key, &self.key_pem),
        ] {
            write_private(path, pem)?;
        }
        Ok(files)
    }
}

/// `$TMPDIR/dbaas-docker-tls-<uid>`, made with mode 0700 (and refused when another user owns
/// it).
fn private_dir() -> ProvisionResult<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    // The owner of /proc/self is this process's user.
    let uid = std::fs::metadata("/proc/self")
        .map_err(|e| io_error(Path::new("/proc/self"), e))?
        .uid();
    let dir = std::env::temp_dir().join(format!("dbaas-docker-tls-{uid}"));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| io_error(&dir, e))?;
    let meta = std::fs::metadata(&dir).map_err(|e| io_error(&dir, e))?;
    if meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(ProvisionError::Invalid(format!(
            "{} must belong to this user and be private (mode 0700)",
            dir.display()
        )));
    }
    Ok(dir)
}

fn write_private(path: &Path, content: &str) -> ProvisionResult<()> {
    if std::fs::read_to_string(path).is_ok_and(|existing| existing == content) {
        return Ok(());
    }
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| io_error(&tmp, e))?;
    file.write_all(content.as_bytes()).map_err(|e| io_error(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_error(path, e))
}

fn io_error(path: &Path, e: std::io::Error) -> ProvisionError {
    ProvisionError::Invalid(format!("cannot write Docker's TLS files in {}: {e}", path.display()))
}
