//! Extra Docker engines on this one machine, to stand for several Docker hosts: each is a
//! `dockerd` of its own (own socket, data root, exec root and containerd), started by the
//! test and removed with everything it ran when the test lets go of it.
//!
//! An extra engine has no bridge network and touches no iptables rules, so it leaves the
//! main engine alone: its containers use the host network, as the provisioner's do, and all
//! traffic stays on loopback. There is no registry: images are copied from the main engine
//! (`docker save | docker load`, 11 to 13 s for the Postgres image), never pulled.
//!
//! Stopping an engine stops its containers (there is no live restore), as a host going down
//! would; starting it again brings back those with a restart policy that says so.
//!
//! Files, per name: the socket `/run/dbaas-test-NAME.sock`; the pid file
//! `/var/tmp/dbaas-dockerd/NAME.pid` and `/var/tmp/dbaas-dockerd/NAME.dir` (which directory the
//! engine of that name uses), in fixed places so that a rerun after a crash finds what the
//! crashed run left and removes it first; the engine's own directory
//! `/var/tmp/dbaas-dockerd/NAME-<random>` with `data/`, `exec/`, `tls/` and `dockerd.log`.
//!
//! Names must be unique among the tests that run at the same time: starting an engine
//! removes any other engine of that name first.
//!
//! Everything here blocks (processes, pipes, files); the async functions run it on tokio's
//! blocking pool, and `Drop` runs it in place.

use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use bollard::{ClientVersion, Docker, API_DEFAULT_VERSION};
use rand::distr::{Alphanumeric, SampleString};

/// Where engines keep their directories, pid files and directory records.
const BASE: &str = "/var/tmp/dbaas-dockerd";
/// How long an engine may take to answer `/_ping` after it was started.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a stale engine may take to come up only to be cleaned.
const REVIVE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an engine may take to stop after SIGTERM before it gets SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(20);
/// How long a `docker` command against an engine may run in cleanup before it is given up.
const CLEANUP_COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// How many free ports a TLS engine tries before it gives up on "address already in use".
const PORT_ATTEMPTS: usize = 4;

/// The TLS materials of a client of a TLS engine ([`ExtraDockerd::start_tls`]), as PEM.
#[derive(Clone, Debug)]
pub struct DockerTlsFiles {
    /// The CA that signed the engine's certificate (and the client's).
    pub ca_pem: String,
    /// The client certificate, which the engine verifies against the same CA.
    pub cert_pem: String,
    /// The client certificate's key (PKCS#8).
    pub key_pem: String,
}

/// A Docker engine of the test's own, removed with all its containers and images when dropped.
pub struct ExtraDockerd {
    launch: Launch,
    /// The running `dockerd`, `None` once stopped.
    child: Option<Child>,
    /// The API version the engine speaks, at most bollard's own.
    api_version: ClientVersion,
}

impl ExtraDockerd {
    /// Starts an engine named `name` (letters, digits, `-` and `_`), waits until it answers
    /// `/_ping` (60 s at most) and copies `images` into it from the main engine (those it has
    /// already are skipped). An engine of the same name left by a crashed run is stopped and
    /// removed first.
    pub async fn start(name: &str, images: &[&str]) -> ExtraDockerd {
        let (name, images) = owned(name, images);
        blocking(move || Self::start_blocking(&name, &images, false).0).await
    }

    /// As [`ExtraDockerd::start`], and the engine also listens on `tcp://127.0.0.1:PORT` (a
    /// free port) with TLS, verifying clients: a CA, a server certificate for `127.0.0.1` and
    /// `localhost`, and a client certificate are made for it. Returns the client's materials.
    pub async fn start_tls(name: &str, images: &[&str]) -> (ExtraDockerd, DockerTlsFiles) {
        let (name, images) = owned(name, images);
        blocking(move || {
            let (engine, files) = Self::start_blocking(&name, &images, true);
            (engine, files.expect("TLS files of a TLS engine"))
        })
        .await
    }

    /// The engine's socket, as `unix:///run/dbaas-test-NAME.sock`.
    pub fn endpoint(&self) -> String {
        self.launch.endpoint()
    }

    /// The engine's TLS address, as `tcp://127.0.0.1:PORT`, if it was started with TLS.
    pub fn tls_endpoint(&self) -> Option<String> {
        self.launch.tls_port.map(|port| format!("tcp://127.0.0.1:{port}"))
    }

    /// The engine's name.
    pub fn name(&self) -> &str {
        &self.launch.name
    }

    /// The engine's own directory (`data/`, `exec/`, `tls/`, `dockerd.log`), removed when it
    /// is dropped.
    pub fn dir(&self) -> &Path {
        &self.launch.dir
    }

    /// The process id of the running `dockerd`, `None` once stopped.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// A client over the engine's socket, speaking the engine's API version. Panics while the
    /// engine is stopped (bollard wants the socket to exist); a client made before keeps
    /// working over a restart.
    pub fn client(&self) -> Docker {
        Docker::connect_with_unix(&self.endpoint(), 120, &self.api_version)
            .unwrap_or_else(|e| panic!("a client of dockerd {} (is it stopped?): {e}", self.launch.name))
    }

    /// Stops the engine: SIGTERM, which stops its containers, and SIGKILL if it is still there
    /// after 20 s. Returns once the process is gone. Stopping a stopped engine does nothing.
    pub async fn stop(&mut self) {
        let Some(child) = self.child.take() else { return };
        blocking(move || stop_daemon(child.id(), Some(child))).await;
    }

    /// Starts the engine again (stopping it first if it runs) with the same directories,
    /// socket and TLS port, so it has the images and containers it had; waits until it answers.
    pub async fn restart(&mut self) {
        self.stop().await;
        let launch = self.launch.clone();
        let (child, api_version) = blocking(move || launch.run(READY_TIMEOUT))
            .await
            .unwrap_or_else(|why| panic!("{why}"));
        self.child = Some(child);
        self.api_version = api_version;
    }

    fn start_blocking(name: &str, images: &[String], tls: bool) -> (ExtraDockerd, Option<DockerTlsFiles>) {
        assert!(
            !name.is_empty()
                && name.len() <= 32
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "an extra dockerd's name is 1 to 32 letters, digits, '-' or '_': {name:?}"
        );
        std::fs::create_dir_all(BASE).unwrap_or_else(|e| panic!("create {BASE}: {e}"));
        clean_stale(name);

        let suffix = Alphanumeric.sample_string(&mut rand::rng(), 8).to_lowercase();
        let dir = Path::new(BASE).join(format!("{name}-{suffix}"));
        // The record first, so that a crash from here on leaves nothing a rerun cannot find.
        std::fs::write(dir_record(name), dir.as_os_str().as_encoded_bytes())
            .unwrap_or_else(|e| panic!("record the directory of dockerd {name}: {e}"));
        for sub in ["data", "exec"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        }
        // A configuration of its own: nothing of /etc/docker/daemon.json, should one appear.
        std::fs::write(dir.join("daemon.json"), "{}\n").unwrap_or_else(|e| panic!("write daemon.json: {e}"));
        let client_files = tls.then(|| write_tls_files(name, &dir));

        let mut engine = ExtraDockerd {
            launch: Launch {
                name: name.to_owned(),
                dir,
                tls_port: tls.then(crate::free_port),
            },
            child: None,
            api_version: *API_DEFAULT_VERSION,
        };
        let mut attempts = 0;
        let (child, api_version) = loop {
            attempts += 1;
            match engine.launch.run(READY_TIMEOUT) {
                Ok(up) => break up,
                // Someone took the free port between the probe and dockerd's bind.
                Err(why) if tls && attempts < PORT_ATTEMPTS && why.contains("address already in use") => {
                    engine.launch.tls_port = Some(crate::free_port());
                }
                Err(why) => panic!("{why}"),
            }
        };
        engine.child = Some(child);
        engine.api_version = api_version;

        let endpoint = engine.endpoint();
        let main = main_endpoint();
        for image in images {
            if !has_image(&endpoint, image) {
                copy_image(&main, &endpoint, image).unwrap_or_else(|why| panic!("{why}"));
            }
        }
        (engine, client_files)
    }
}

impl Drop for ExtraDockerd {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            remove_containers(&self.endpoint());
            stop_daemon(child.id(), Some(child));
        }
        purge(&self.launch.name, &self.launch.dir);
        let record = dir_record(&self.launch.name);
        if std::fs::read(&record).is_ok_and(|r| r == self.launch.dir.as_os_str().as_encoded_bytes()) {
            let _ = std::fs::remove_file(record);
        }
    }
}

/// How to run the engine of a name on its directory.
#[derive(Clone)]
struct Launch {
    name: String,
    dir: PathBuf,
    tls_port: Option<u16>,
}

impl Launch {
    fn endpoint(&self) -> String {
        format!("unix://{}", socket_path(&self.name).display())
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("dockerd.log")
    }

    /// Starts `dockerd` and waits until it answers (and, with TLS, listens on its port). On
    /// failure the process is stopped and the error carries the end of its log.
    fn run(&self, timeout: Duration) -> Result<(Child, ClientVersion), String> {
        clear_stale_containerd(&self.dir);
        let log_path = self.log_path();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| format!("open {}: {e}", log_path.display()))?;
        let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
        let stderr = log
            .try_clone()
            .map_err(|e| format!("open {}: {e}", log_path.display()))?;
        let dir = &self.dir;
        let mut command = Command::new("dockerd");
        command
            .arg("--host")
            .arg(self.endpoint())
            .arg("--config-file")
            .arg(dir.join("daemon.json"))
            .arg("--data-root")
            .arg(dir.join("data"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(pid_file(&self.name))
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false"]);
        if let Some(port) = self.tls_port {
            let tls = dir.join("tls");
            command
                .arg("--host")
                .arg(format!("tcp://127.0.0.1:{port}"))
                .arg("--tlsverify")
                .arg("--tlscacert")
                .arg(tls.join("ca.pem"))
                .arg("--tlscert")
                .arg(tls.join("server-cert.pem"))
                .arg("--tlskey")
                .arg(tls.join("server-key.pem"));
        }
        let started = Instant::now();
        let mut child = command
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("start dockerd for {}: {e}", self.name))?;

        let failure = loop {
            match child.try_wait() {
                Ok(Some(status)) => break format!("exited ({status})"),
                Ok(None) => {}
                Err(e) => break format!("could not be waited for: {e}"),
            }
            if let Some(version) = ping(&socket_path(&self.name)) {
                let listening = self
                    .tls_port
                    .is_none_or(|port| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
                if listening {
                    return Ok((child, version));
                }
            }
            if started.elapsed() > timeout {
                break format!("did not answer /_ping within {} s", timeout.as_secs());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        stop_daemon(child.id(), Some(child));
        Err(format!(
            "dockerd {} {failure}; the end of {}:\n{}",
            self.name,
            log_path.display(),
            log_tail(&log_path, log_start, 40)
        ))
    }
}

/// The endpoint of the main engine, which images are copied from.
fn main_endpoint() -> String {
    std::env::var("DBAAS_DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_owned())
}

fn socket_path(name: &str) -> PathBuf {
    PathBuf::from(format!("/run/dbaas-test-{name}.sock"))
}

fn pid_file(name: &str) -> PathBuf {
    Path::new(BASE).join(format!("{name}.pid"))
}

/// The file naming the directory the engine of `name` uses.
fn dir_record(name: &str) -> PathBuf {
    Path::new(BASE).join(format!("{name}.dir"))
}

fn owned(name: &str, images: &[&str]) -> (String, Vec<String>) {
    (name.to_owned(), images.iter().map(|i| (*i).to_owned()).collect())
}

/// Runs `work` on tokio's blocking pool; its panic is the caller's.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("an extra dockerd's work was cancelled: {e}"),
    }
}

/// `GET /_ping` on the socket: the engine's API version (at most bollard's own) if it
/// answers 200.
fn ping(socket: &Path) -> Option<ClientVersion> {
    let mut stream = UnixStream::connect(socket).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream.set_write_timeout(Some(Duration::from_secs(2))).ok()?;
    // HTTP/1.0: the engine closes the connection after its answer.
    stream.write_all(b"GET /_ping HTTP/1.0\r\nHost: dockerd\r\n\r\n").ok()?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).ok()?;
    let reply = String::from_utf8_lossy(&reply);
    let mut lines = reply.lines();
    if lines.next()?.split_whitespace().nth(1)? != "200" {
        return None;
    }
    let served = lines
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case("api-version")
                .then(|| value.trim().to_owned())
        })
        .and_then(|v| {
            let (major, minor) = v.split_once('.')?;
            Some(ClientVersion {
                major_version: major.parse().ok()?,
                minor_version: minor.parse().ok()?,
            })
        });
    let ours = *API_DEFAULT_VERSION;
    Some(match served {
        Some(v) if (v.major_version, v.minor_version) < (ours.major_version, ours.minor_version) => v,
        _ => ours,
    })
}

/// The last `lines` lines of the file from byte `from` on.
fn log_tail(path: &Path, from: u64, lines: usize) -> String {
    let Ok(bytes) = std::fs::read(path) else {
        return "(no log)".to_owned();
    };
    let text = String::from_utf8_lossy(bytes.get(from as usize..).unwrap_or_default()).into_owned();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Makes the engine's CA, server certificate and a client certificate, writes the engine's
/// part to `dir/tls`, and returns the client's.
fn write_tls_files(name: &str, dir: &Path) -> DockerTlsFiles {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
        SanType,
    };

    let params = |common_name: &str, sans: Vec<String>| {
        let mut params = CertificateParams::new(sans).expect("certificate parameters");
        params.distinguished_name.push(DnType::CommonName, common_name);
        params
    };
    let ca_key = KeyPair::generate().expect("a CA key");
    let mut ca_params = params(&format!("dbaas test dockerd {name} CA"), Vec::new());
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).expect("the CA certificate");
    let ca = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().expect("a server key");
    let mut server_params = params("localhost", vec!["localhost".to_owned()]);
    server_params
        .subject_alt_names
        .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
    server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server_params.use_authority_key_identifier_extension = true;
    let server_cert = server_params
        .signed_by(&server_key, &ca)
        .expect("the server certificate");

    let client_key = KeyPair::generate().expect("a client key");
    let mut client_params = params(&format!("dbaas test dockerd {name} client"), Vec::new());
    client_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    client_params.use_authority_key_identifier_extension = true;
    let client_cert = client_params
        .signed_by(&client_key, &ca)
        .expect("the client certificate");

    let tls = dir.join("tls");
    std::fs::create_dir_all(&tls).unwrap_or_else(|e| panic!("create {}: {e}", tls.display()));
    for (file, pem) in [
        ("ca.pem", ca_cert.pem()),
        ("server-cert.pem", server_cert.pem()),
        ("server-key.pem", server_key.serialize_pem()),
    ] {
        std::fs::write(tls.join(file), pem).unwrap_or_else(|e| panic!("write {file}: {e}"));
    }
    DockerTlsFiles {
        ca_pem: ca_cert.pem(),
        cert_pem: client_cert.pem(),
        key_pem: client_key.serialize_pem(),
    }
}

fn has_image(endpoint: &str, image: &str) -> bool {
    Command::new("docker")
        .args(["-H", endpoint, "image", "inspect", "--format", "{{.Id}}", image])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `docker save` from `from` piped into `docker load` on `to`.
fn copy_image(from: &str, to: &str, image: &str) -> Result<(), String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("copy {image} from {from} to {to}: {what}: {e}");
    let mut save = Command::new("docker")
        .args(["-H", from, "save", image])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail("docker save", &e))?;
    let archive = save.stdout.take().expect("the stdout of docker save");
    let loaded = Command::new("docker")
        .args(["-H", to, "load", "--quiet"])
        .stdin(archive)
        .output()
        .map_err(|e| fail("docker load", &e));
    let saved = save.wait_with_output().map_err(|e| fail("docker save", &e))?;
    let loaded = loaded?;
    if !saved.status.success() {
        return Err(fail("docker save", &String::from_utf8_lossy(&saved.stderr).trim()));
    }
    if !loaded.status.success() {
        return Err(fail("docker load", &String::from_utf8_lossy(&loaded.stderr).trim()));
    }
    if !has_image(to, image) {
        return Err(fail("docker load", &"the image is not there after loading"));
    }
    Ok(())
}

/// Runs `command` with its output captured, killing it after `timeout`. For commands with
/// little output (it is read once they exit).
fn output_within(command: &mut Command, timeout: Duration) -> Option<Output> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().ok(),
            Ok(None) if started.elapsed() < timeout => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// Removes every container of the engine, running or not, with its anonymous volumes.
fn remove_containers(endpoint: &str) {
    let Some(listed) = output_within(
        Command::new("docker").args(["-H", endpoint, "ps", "--all", "--quiet"]),
        CLEANUP_COMMAND_TIMEOUT,
    ) else {
        return;
    };
    let ids: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if !ids.is_empty() {
        let _ = output_within(
            Command::new("docker")
                .args(["-H", endpoint, "rm", "--force", "--volumes"])
                .args(&ids),
            CLEANUP_COMMAND_TIMEOUT,
        );
    }
}

/// Whether process `pid` exists and is not a zombie.
fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may hold anything.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

/// The arguments process `pid` was started with.
fn cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            raw.split(|b| *b == 0)
                .filter(|arg| !arg.is_empty())
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// SIGTERM to `pid`, SIGKILL after [`STOP_GRACE`]; returns once it is gone (reaped, if it
/// is our `child`), or 10 s after SIGKILL at the latest.
fn stop_daemon(pid: u32, mut child: Option<Child>) {
    let mut gone = || match child.as_mut() {
        Some(child) => !matches!(child.try_wait(), Ok(None)),
        None => !alive(pid),
    };
    if gone() {
        return;
    }
    signal(pid, "TERM");
    let started = Instant::now();
    let mut killed = false;
    while !gone() {
        if !killed && started.elapsed() > STOP_GRACE {
            signal(pid, "KILL");
            killed = true;
        }
        if started.elapsed() > STOP_GRACE + Duration::from_secs(10) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stops and removes what a crashed run left of the engine `name`: its `dockerd` (found by
/// the pid file, and only if that process is a `dockerd` on the engine's socket), and its
/// directory with whatever still runs from it.
fn clean_stale(name: &str) {
    let pid_path = pid_file(name);
    if let Some(pid) = std::fs::read_to_string(&pid_path)
        .ok()
        .and_then(|p| p.trim().parse::<u32>().ok())
    {
        let args = cmdline(pid);
        let socket = format!("unix://{}", socket_path(name).display());
        let ours = args.first().is_some_and(|a| a.ends_with("dockerd")) && args.iter().any(|a| a.contains(&socket));
        if ours && alive(pid) {
            stop_daemon(pid, None);
        }
    }
    // A live process of that number that is not our engine must not stop dockerd starting.
    let _ = std::fs::remove_file(&pid_path);
    if let Ok(recorded) = std::fs::read_to_string(dir_record(name)) {
        let dir = PathBuf::from(recorded.trim());
        let expected = format!("{BASE}/{name}-");
        if dir
            .to_str()
            .is_some_and(|d| d.starts_with(&expected) && !d[expected.len()..].contains('/'))
        {
            purge(name, &dir);
        }
        let _ = std::fs::remove_file(dir_record(name));
    }
}

/// Makes sure the `dockerd` about to start on `dir` starts a containerd of its own: one its
/// predecessor left running is stopped, and the pid file of one that is gone is removed. A
/// SIGKILLed `dockerd`'s containerd dies with it but may stay a zombie for a while, which
/// `dockerd` takes for a running containerd and waits for in vain ("timeout waiting for
/// containerd to start").
fn clear_stale_containerd(dir: &Path) {
    let pid_path = dir.join("exec/containerd/containerd.pid");
    let Some(pid) = std::fs::read_to_string(&pid_path)
        .ok()
        .and_then(|p| p.trim().parse::<u32>().ok())
    else {
        return;
    };
    let args = cmdline(pid);
    let needle = dir.to_string_lossy();
    let ours = args.first().is_some_and(|a| a.ends_with("containerd")) && args.iter().any(|a| a.contains(&*needle));
    if ours && alive(pid) {
        stop_daemon(pid, None);
    }
    let _ = std::fs::remove_file(pid_path);
}

/// Removes an engine's directory once its `dockerd` is gone. Containers still running from it
/// (their shims outlive a SIGKILLed `dockerd`) are removed first by the engine itself, started
/// once more on the directory; then what is mounted under it is unmounted.
fn purge(name: &str, dir: &Path) {
    if !dir.exists() {
        return;
    }
    if !processes_mentioning(dir).is_empty() {
        let revived = Launch {
            name: name.to_owned(),
            dir: dir.to_owned(),
            tls_port: None,
        };
        if let Ok((child, _)) = revived.run(REVIVE_TIMEOUT) {
            remove_containers(&revived.endpoint());
            stop_daemon(child.id(), Some(child));
        }
    }
    unmount_under(dir);
    let _ = std::fs::remove_dir_all(dir);
    if !socket_path(name).exists() || ping(&socket_path(name)).is_none() {
        let _ = std::fs::remove_file(socket_path(name));
    }
}

/// Live processes (other than this one) with `dir` in their arguments.
fn processes_mentioning(dir: &Path) -> Vec<u32> {
    let needle = dir.to_string_lossy().into_owned();
    let own = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != own && cmdline(*pid).iter().any(|arg| arg.contains(&needle)) && alive(*pid))
        .collect()
}

/// Unmounts (lazily) every mount at or under `dir`, deepest first.
fn unmount_under(dir: &Path) {
    let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let root = dir.to_string_lossy().into_owned();
    let mut points: Vec<String> = mountinfo
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(unescape_mount_point)
        .filter(|point| *point == root || point.starts_with(&format!("{root}/")))
        .collect();
    points.sort_by_key(|point| std::cmp::Reverse(point.len()));
    points.dedup();
    for point in points {
        let _ = Command::new("umount")
            .args(["--lazy", &point])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A mount point as `/proc/self/mountinfo` escapes it (`\040` for a space, and so on).
fn unescape_mount_point(escaped: &str) -> String {
    let bytes = escaped.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .and_then(|o| u8::from_str_radix(std::str::from_utf8(o).ok()?, 8).ok());
        match (bytes[i], octal) {
            (b'\\', Some(byte)) => {
                out.push(byte);
                i += 4;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
