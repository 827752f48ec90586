//! The stack as real processes: the `dbaas-api` and `dbaas-worker` binaries, with their logs
//! in files, so that fault tests can SIGKILL a worker mid-job, at a named step, and read every
//! log line. A failed test keeps the logs (their directory is printed).
//!
//! The binaries come from `DBAAS_BIN_DIR`, else the workspace's `target/debug` (`make test`
//! builds them first).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::stack::free_listener;
use crate::waiting::retry;
use crate::{Services, TestStack};

/// The worker's pause hook: at the fault point named by this variable it logs (at WARN)
/// `paused at fault point <step>`, then waits until it is killed.
pub const PAUSE_AT: &str = "DBAAS_PAUSE_AT";

/// The processes of a stack, with where each one logs.
#[derive(Default)]
pub struct Processes {
    /// Variables every process of the stack gets on top of the stack's own
    /// ([`TestStack::start_processes_with`]).
    env: Vec<(String, String)>,
    /// More api and worker processes beside the first of each ([`TestStack::start_replica`]).
    replicas: Vec<Child>,
    /// Containers of the control-plane image ([`TestStack::start_containers`]), removed on drop.
    containers: Vec<String>,
    api: Option<Child>,
    worker: Option<Child>,
    /// The log of the worker that runs now.
    worker_log: Option<PathBuf>,
    logs: Vec<PathBuf>,
    log_dir: Option<PathBuf>,
}

impl Processes {
    pub(crate) fn kill_all(&mut self) {
        for child in &mut self.replicas {
            let _ = child.kill();
            let _ = child.wait();
        }
        for name in self.containers.drain(..) {
            let _ = Command::new("docker").args(["rm", "-f", &name]).output();
        }
        for child in [self.api.as_mut(), self.worker.as_mut()].into_iter().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        self.kill_all();
        if let Some(dir) = self.log_dir.take() {
            if std::thread::panicking() {
                eprintln!("the stack's process logs are kept in {}", dir.display());
            } else {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
}

/// The last lines of a log, for a failure message.
fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A binary of the workspace (`dbaas-api`, `dbaas-worker`, `dbaas`), from `DBAAS_BIN_DIR` or
/// `target/debug`.
pub fn binary(name: &str) -> PathBuf {
    let dir = std::env::var_os("DBAAS_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug"));
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --bins` first (make test does)",
        path.display()
    );
    path
}

impl TestStack {
    /// Starts a stack whose api and worker are processes, on the shared services or its own.
    pub async fn start_processes(services: Services) -> TestStack {
        Self::start_processes_with(services, &[]).await
    }

    /// [`Self::start_processes`], every process with `env` on top of the stack's variables
    /// (such as another first host: the stack's own cleanup still looks at its own).
    pub async fn start_processes_with(services: Services, env: &[(&str, &str)]) -> TestStack {
        let mut stack = Self::prepare(services).await;
        stack.processes.env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let (listener, base_url) = free_listener().await;
        let listen = listener.local_addr().expect("addr").to_string();
        drop(listener);
        stack.base_url = base_url;
        // A port the test can find the worker's metrics listener on (`worker_url`).
        stack.config.worker_metrics_listen = ([127, 0, 0, 1], crate::free_port()).into();
        let dir = std::env::temp_dir().join(format!("dbaas-test-{}", stack.id));
        std::fs::create_dir_all(&dir).expect("log directory");
        stack.processes.log_dir = Some(dir);
        let api = stack.spawn("dbaas-api", &[("DBAAS_LISTEN", listen.as_str())]);
        stack.processes.api = Some(api);
        let api_exited = || false;
        stack.wait_for_api(api_exited).await;
        stack.start_worker();
        stack.wait_for_worker().await;
        stack
    }

    /// Starts a stack whose api and worker run in containers of the control-plane `image`, as
    /// its user (not root), on host networking (the default bridge is off-limits), the worker
    /// with the Docker socket of `DBAAS_DOCKER_HOST` and that socket's group.
    pub async fn start_containers(services: Services, image: &str) -> TestStack {
        let mut stack = Self::prepare(services).await;
        let (listener, base_url) = free_listener().await;
        let listen = listener.local_addr().expect("addr").to_string();
        drop(listener);
        stack.base_url = base_url;
        stack.config.worker_metrics_listen = ([127, 0, 0, 1], crate::free_port()).into();
        let socket = stack
            .config
            .defaults
            .docker_endpoint
            .strip_prefix("unix://")
            .expect("the stack's Docker endpoint is a local socket")
            .to_owned();
        let group = std::os::unix::fs::MetadataExt::gid(&std::fs::metadata(&socket).expect("the Docker socket"));
        let run = |stack: &TestStack, name: &str, command: &str, extra: Vec<String>| {
            let mut args: Vec<String> = ["run", "-d", "--name", name, "--network", "host"]
                .map(String::from)
                .to_vec();
            for (key, value) in stack.environment() {
                args.extend(["-e".into(), format!("{key}={value}")]);
            }
            args.extend(extra);
            args.extend([image.to_owned(), command.to_owned()]);
            let output = Command::new("docker").args(&args).output().expect("docker run");
            assert!(
                output.status.success(),
                "docker run {command}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        let api = format!("dbaas-test-api-{}", stack.id);
        stack.processes.containers.push(api.clone());
        run(
            &stack,
            &api,
            "dbaas-api",
            vec!["-e".into(), format!("DBAAS_LISTEN={listen}")],
        );
        stack.wait_for_api(|| false).await;
        let worker = format!("dbaas-test-worker-{}", stack.id);
        stack.processes.containers.push(worker.clone());
        let mount = format!("{socket}:{socket}");
        run(
            &stack,
            &worker,
            "dbaas-worker",
            vec!["-v".into(), mount, "--group-add".into(), group.to_string()],
        );
        stack.wait_for_worker().await;
        stack
    }

    /// The names of the stack's containers ([`Self::start_containers`]): api, then worker.
    pub fn containers(&self) -> &[String] {
        &self.processes.containers
    }

    /// Waits until the worker process's own listener answers `/health`.
    pub async fn wait_for_worker(&self) {
        let health = &self.worker_url("/health");
        retry(Duration::from_secs(30), Duration::from_millis(50), || async {
            match self.http.get(health).send().await {
                Ok(r) if r.status().is_success() => Ok(()),
                Ok(r) => Err(format!("{health} answers {}", r.status())),
                Err(e) => Err(format!("{health}: {e}")),
            }
        })
        .await
        .unwrap_or_else(|e| panic!("the worker did not come up: {e}\n{}", tail(&self.logs())));
    }

    /// The environment the binaries read, from this stack's configuration.
    fn environment(&self) -> Vec<(&'static str, String)> {
        let c = &self.config;
        let secs = |d: std::time::Duration| d.as_secs().to_string();
        vec![
            ("DBAAS_DATABASE_URL", c.database_url.clone()),
            ("DBAAS_REDIS_URL", c.redis_url.clone()),
            ("DBAAS_QUEUE_PREFIX", c.queue_prefix.clone()),
            ("DBAAS_DEPLOYMENT", c.deployment.clone()),
            ("DBAAS_SECRET_KEY", self.secret_key.clone()),
            ("DBAAS_ADMIN_USER", c.admin_user.clone()),
            ("DBAAS_ADMIN_PASSWORD", self.admin_password.clone()),
            ("DBAAS_DOCKER_HOST", c.defaults.docker_endpoint.clone()),
            ("DBAAS_HOST_ADDRESS", c.defaults.host_address.clone()),
            (
                "DBAAS_PORT_RANGE",
                format!("{}-{}", c.defaults.port_min, c.defaults.port_max),
            ),
            ("DBAAS_POSTGRES_IMAGE", c.defaults.postgres_image.clone()),
            ("DBAAS_MONGODB_IMAGE", c.defaults.mongodb_image.clone()),
            ("DBAAS_WORKER_CONCURRENCY", c.worker_concurrency.to_string()),
            ("DBAAS_POLL_INTERVAL_MS", c.poll_interval.as_millis().to_string()),
            ("DBAAS_SIZE_INTERVAL_S", secs(c.size_interval)),
            ("DBAAS_REQUEUE_AFTER_S", secs(c.requeue_after)),
            ("DBAAS_LIFECYCLE_INTERVAL_S", secs(c.lifecycle_interval)),
            ("DBAAS_TASK_LEASE_S", secs(c.task_lease)),
            ("DBAAS_POOL_INTERVAL_S", secs(c.pool_interval)),
            ("DBAAS_DEFAULT_POOL_SIZE", c.defaults.pool_size.to_string()),
            ("DBAAS_REQUEST_WAIT_MS", c.request_wait.as_millis().to_string()),
            (
                "DBAAS_TRUSTED_PROXIES",
                c.trusted_proxies
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("DBAAS_DEVELOPMENT", c.development.to_string()),
            ("DBAAS_ENGINE_TLS", c.engine_tls.is_on().to_string()),
            ("DBAAS_WORKER_METRICS_LISTEN", c.worker_metrics_listen.to_string()),
            // Everything, so that a test can check no secret is ever logged.
            ("RUST_LOG", "debug".into()),
        ]
    }

    fn spawn(&mut self, name: &str, extra: &[(&str, &str)]) -> Child {
        let dir = self.processes.log_dir.clone().expect("a process stack");
        let log = dir.join(format!("{name}-{}.log", self.processes.logs.len()));
        let file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(binary(name));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.environment())
            .envs(self.processes.env.iter().map(|(k, v)| (k, v)))
            .envs(extra.iter().copied())
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file);
        self.processes.logs.push(log);
        command.spawn().unwrap_or_else(|e| panic!("cannot start {name}: {e}"))
    }

    /// Replaces the api process with a new one, on the same address, with `extra` variables
    /// on top of the stack's.
    pub async fn restart_api_with(&mut self, extra: &[(&str, &str)]) {
        let mut api = self.processes.api.take().expect("a running api");
        api.kill().expect("stop the api");
        api.wait().expect("reap the api");
        let listen = self.base_url.trim_start_matches("http://").to_owned();
        let mut env = vec![("DBAAS_LISTEN", listen.as_str())];
        env.extend_from_slice(extra);
        let api = self.spawn("dbaas-api", &env);
        self.processes.api = Some(api);
        self.wait_for_api(|| false).await;
    }

    /// Runs a binary of the workspace with `args` to its end, with the stack's variables and
    /// `extra` on top: its exit status and what it printed.
    pub fn run_binary(&self, name: &str, args: &[&str], extra: &[(&str, &str)]) -> (std::process::ExitStatus, String) {
        let output = Command::new(binary(name))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.environment())
            .envs(extra.iter().copied())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status, printed)
    }

    /// Starts one more api process (on a free port) or worker process beside the stack's:
    /// its index for [`Self::kill_replica`], and for an api, its base URL.
    pub async fn start_replica(&mut self, binary: &str) -> (usize, Option<String>) {
        let (listener, base_url) = free_listener().await;
        let listen = listener.local_addr().expect("addr").to_string();
        drop(listener);
        let metrics = std::net::SocketAddr::from(([127, 0, 0, 1], crate::free_port())).to_string();
        let child = match binary {
            "dbaas-api" => self.spawn(binary, &[("DBAAS_LISTEN", listen.as_str())]),
            "dbaas-worker" => self.spawn(binary, &[("DBAAS_WORKER_METRICS_LISTEN", metrics.as_str())]),
            other => panic!("no replicas of {other}"),
        };
        self.processes.replicas.push(child);
        let index = self.processes.replicas.len() - 1;
        if binary == "dbaas-api" {
            self.wait_for_api_at(&base_url, || false).await;
            (index, Some(base_url))
        } else {
            (index, None)
        }
    }

    /// SIGKILLs a process [`Self::start_replica`] started.
    pub fn kill_replica(&mut self, index: usize) {
        let child = &mut self.processes.replicas[index];
        child.kill().expect("SIGKILL the replica");
        child.wait().expect("reap the replica");
    }

    /// Starts a (new) worker process.
    pub fn start_worker(&mut self) {
        self.start_worker_with(&[]);
    }

    /// Starts a (new) worker process with `extra` variables on top of the stack's, such as
    /// `[(PAUSE_AT, "provision.ready")]`.
    pub fn start_worker_with(&mut self, extra: &[(&str, &str)]) {
        assert!(self.processes.worker.is_none(), "a worker is running already");
        let worker = self.spawn("dbaas-worker", extra);
        self.processes.worker_log = self.processes.logs.last().cloned();
        self.processes.worker = Some(worker);
    }

    /// Kills the worker process with SIGKILL: no cleanup, no goodbye.
    pub fn kill_worker(&mut self) {
        let mut worker = self.processes.worker.take().expect("a running worker");
        worker.kill().expect("SIGKILL the worker");
        worker.wait().expect("reap the worker");
    }

    /// Waits until the worker (started with [`PAUSE_AT`] `step`) has paused at the fault point
    /// `step`, and SIGKILLs it there. Fails if it exits first or does not get there within
    /// `timeout`. Returns what the killed worker logged.
    pub async fn kill_worker_at(&mut self, step: &str, timeout: Duration) -> String {
        let needle = &format!("paused at fault point {step}");
        let log = &self.processes.worker_log.clone().expect("a running worker");
        let read = || std::fs::read_to_string(log).unwrap_or_default();
        // Behind a lock: each attempt is a future of its own, and asks whether it exited.
        let worker = &std::sync::Mutex::new(self.processes.worker.as_mut().expect("a running worker"));
        let paused = retry(timeout, Duration::from_millis(50), || async {
            let logged = read();
            if logged.lines().any(|l| l.contains(needle)) {
                return Ok(());
            }
            let exited = worker.lock().expect("the worker").try_wait();
            if let Ok(Some(exit)) = exited {
                panic!(
                    "the worker exited ({exit}) before fault point {step}:\n{}",
                    tail(&read())
                );
            }
            Err(logged)
        })
        .await;
        if let Err(logged) = paused {
            panic!(
                "the worker did not pause at fault point {step} within {timeout:?} ({PAUSE_AT}); \
                 its last lines:\n{}",
                tail(&logged)
            );
        }
        self.kill_worker();
        let logged = read();
        assert!(
            logged.lines().any(|l| l.contains(needle) && l.contains("WARN")),
            "the killed worker had paused at fault point {step} (a WARN line): {}",
            tail(&logged)
        );
        logged
    }

    /// A URL of the worker process's own listener (`/metrics`, `/health`, `/ready`).
    pub fn worker_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.config.worker_metrics_listen)
    }

    /// Every line the processes logged so far.
    pub fn logs(&self) -> String {
        self.processes
            .logs
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect()
    }
}
