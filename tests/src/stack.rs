//! [`TestStack`]: one test's whole dbaas, its configuration, its start-up, and checks on what it
//! made (its catalog, its containers). What it made is removed when it goes away
//! ([`crate::teardown`]).

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::{ListContainersOptionsBuilder, LogsOptionsBuilder};
use dbaas_core::config::{Config, Defaults};
use dbaas_core::secrets::SecretBox;
use rand::distr::{Alphanumeric, SampleString};
use rand::RngExt as _;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::processes::Processes;
use crate::services::pg_connect;
use crate::teardown::{self, Teardown};
use crate::waiting::retry;

/// How long the api and worker get to stop on their own before they are aborted.
const STOP_GRACE: Duration = Duration::from_secs(15);

pub struct TestStack {
    pub id: String,
    pub base_url: String,
    pub admin_user: String,
    pub admin_password: String,
    pub config: Config,
    pub http: reqwest::Client,
    pub(crate) admin_url: String,
    pub(crate) catalog_db: String,
    /// The base64 key behind `config.secrets`, for processes started with it.
    pub(crate) secret_key: String,
    shutdown: watch::Sender<bool>,
    /// The api and worker when they run in this process.
    tasks: Vec<JoinHandle<()>>,
    pub(crate) processes: Processes,
    /// Set once [`Self::cleanup`] has removed everything, so that dropping has nothing to do.
    torn_down: bool,
}

/// Backing services of a stack's own, instead of the shared ones.
#[derive(Debug, Clone, Default)]
pub struct Services {
    pub redis_url: Option<String>,
    /// A Postgres role that may create databases, as `DBAAS_TEST_ADMIN_URL`.
    pub postgres_admin_url: Option<String>,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// A listener on a free loopback port, and its base URL.
pub(crate) async fn free_listener() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base_url = format!("http://{}", listener.local_addr().expect("addr"));
    (listener, base_url)
}

fn shutdown_signal(rx: &watch::Receiver<bool>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut rx = rx.clone();
    async move {
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

impl TestStack {
    /// Starts a stack, api and worker in this process, and waits until its api answers.
    pub async fn start() -> TestStack {
        Self::start_with(|_| {}).await
    }

    /// Like [`Self::start`], with the configuration changed by `adjust` first.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestStack {
        let mut stack = Self::start_api_only(adjust).await;
        // The worker starts once the api has migrated the catalog.
        stack.start_worker_task();
        stack
    }

    /// Only the api (configured by `adjust`), no worker: for tests of what the api refuses,
    /// where nothing may act on what slipped through. [`Self::start_worker_task`] adds the
    /// worker later.
    pub async fn start_api_only(adjust: impl FnOnce(&mut Config)) -> TestStack {
        let mut stack = Self::prepare(Services::default()).await;
        adjust(&mut stack.config);
        let (listener, base_url) = free_listener().await;
        stack.base_url = base_url;
        let api = tokio::spawn({
            let config = stack.config.clone();
            let signal = shutdown_signal(&stack.shutdown.subscribe());
            async move {
                if let Err(e) = dbaas_api::serve(config, listener, signal).await {
                    panic!("api stopped: {e}");
                }
            }
        });
        stack.wait_for_api(|| api.is_finished()).await;
        stack.tasks = vec![api];
        stack
    }

    /// Starts another api in this process on the stack's catalog and Redis (a second replica,
    /// stopped with the stack), and answers its base URL once it answers.
    pub async fn start_another_api(&mut self) -> String {
        let (listener, base_url) = free_listener().await;
        let api = tokio::spawn({
            let config = self.config.clone();
            let signal = shutdown_signal(&self.shutdown.subscribe());
            async move {
                if let Err(e) = dbaas_api::serve(config, listener, signal).await {
                    panic!("the other api stopped: {e}");
                }
            }
        });
        self.wait_for_api_at(&base_url, || api.is_finished()).await;
        self.tasks.push(api);
        base_url
    }

    /// Starts a worker in this process, with the stack's configuration.
    pub fn start_worker_task(&mut self) {
        let worker = tokio::spawn({
            let config = self.config.clone();
            let signal = shutdown_signal(&self.shutdown.subscribe());
            async move {
                if let Err(e) = dbaas_worker::run(config, signal).await {
                    panic!("worker stopped: {e}");
                }
            }
        });
        self.tasks.push(worker);
    }

    /// A fresh catalog database and the configuration of a stack around it; nothing runs yet.
    /// `services` overrides the shared Redis and Postgres (for tests that stop their own).
    pub(crate) async fn prepare(services: Services) -> TestStack {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
            .with_test_writer()
            .try_init();
        // Always 8 characters: no stack's prefix or label is the start of another's.
        let id = Alphanumeric.sample_string(&mut rand::rng(), 8).to_lowercase();
        let admin_url = services
            .postgres_admin_url
            .unwrap_or_else(|| env_or("DBAAS_TEST_ADMIN_URL", "postgres://dbaas:dbaas@127.0.0.1:5432/postgres"));
        let catalog_db = format!("dbaas_test_{id}");
        let admin = pg_connect(&admin_url)
            .await
            .expect("DBAAS_TEST_ADMIN_URL: cannot connect to Postgres");
        admin
            .batch_execute(&format!("CREATE DATABASE {catalog_db}"))
            .await
            .expect("cannot create the test catalog database");
        let database_url = {
            let (head, _) = admin_url
                .rsplit_once('/')
                .expect("DBAAS_TEST_ADMIN_URL has no database");
            format!("{head}/{catalog_db}")
        };
        // A block of ports below the kernel's ephemeral range, picked at random per stack.
        let port_min: i32 = 20_000 + rand::rng().random_range(0..500) * 20;
        let admin_password = Alphanumeric.sample_string(&mut rand::rng(), 24);
        let secret_key = SecretBox::generate_key();
        let config = Config {
            database_url,
            redis_url: services
                .redis_url
                .unwrap_or_else(|| env_or("DBAAS_REDIS_URL", "redis://127.0.0.1:6379/")),
            queue_prefix: format!("dbaas-test-{id}"),
            deployment: format!("dbaas-test-{id}"),
            listen: "127.0.0.1:0".parse().expect("address"),
            public_url: None,
            secrets: SecretBox::from_base64(&secret_key).expect("key"),
            admin_user: "admin".into(),
            admin_password: Some(admin_password.clone()),
            defaults: Defaults {
                docker_endpoint: env_or("DBAAS_DOCKER_HOST", "unix:///var/run/docker.sock"),
                docker_tls: None,
                host_address: "127.0.0.1".into(),
                port_min,
                port_max: port_min + 19,
                postgres_image: env_or("DBAAS_POSTGRES_IMAGE", "dbaas/postgres:15"),
                mongodb_image: env_or("DBAAS_MONGODB_IMAGE", "dbaas/mongo:7"),
                // No pool unless a test asks for one.
                pool_size: 0,
            },
            worker_concurrency: 4,
            poll_interval: Duration::from_millis(50),
            engine_ready_timeout: Duration::from_secs(60),
            size_interval: Duration::from_secs(1),
            requeue_after: Duration::from_secs(5),
            lifecycle_interval: Duration::from_secs(1),
            task_lease: Duration::from_secs(6),
            pool_interval: Duration::from_secs(1),
            request_wait: Duration::from_secs(20),
            inject_fault: None,
            pause_at: None,
            allow: dbaas_core::allowlist::AllowList::default(),
            trusted_proxies: Vec::new(),
            development: false,
            engine_tls: dbaas_core::config::EngineTls::On,
            audit_retention_days: 365,
            fleet_interval: Duration::from_millis(500),
            fleet_stats_interval: Duration::from_secs(2),
            log_follow_max: Duration::from_secs(300),
            // Any free port: several stacks share this process. Process stacks pick one
            // they can find ([`Self::start_processes`]).
            worker_metrics_listen: "127.0.0.1:0".parse().expect("address"),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        TestStack {
            id,
            base_url: String::new(),
            admin_user: "admin".into(),
            admin_password,
            config,
            http,
            admin_url,
            catalog_db,
            secret_key,
            shutdown: watch::channel(false).0,
            tasks: Vec::new(),
            processes: Processes::default(),
            torn_down: false,
        }
    }

    /// Waits until the api answers `/health`; `stopped` says whether it died meanwhile.
    pub(crate) async fn wait_for_api(&self, stopped: impl Fn() -> bool) {
        self.wait_for_api_at(&self.base_url, stopped).await;
    }

    /// [`Self::wait_for_api`] for the api at `base_url`.
    pub(crate) async fn wait_for_api_at(&self, base_url: &str, stopped: impl Fn() -> bool) {
        let (health, stopped) = (&format!("{base_url}/health"), &stopped);
        retry(Duration::from_secs(30), Duration::from_millis(50), || async {
            assert!(!stopped(), "the api stopped during start-up");
            match self.http.get(health).send().await {
                Ok(r) if r.status().is_success() => Ok(()),
                Ok(r) => Err(format!("/health answers {}", r.status())),
                Err(e) => Err(e.to_string()),
            }
        })
        .await
        .unwrap_or_else(|e| panic!("the api did not come up: {e}"));
        // The stack's CA, made at start-up: test clients verify its engines with it.
        match self.ca_bundle().await {
            Ok(bundle) => crate::tls::trust(&bundle),
            Err(e) => eprintln!("no CA bundle from the api: {e}"),
        }
    }

    /// The base64 key the stack's secrets are sealed with, for tests that look for it where
    /// it must not be.
    pub fn secret_key_for_checks(&self) -> &str {
        &self.secret_key
    }

    /// The CA bundle the api serves (`GET /api/ca.pem`, as the admin).
    pub async fn ca_bundle(&self) -> Result<String, String> {
        let reply = self
            .http
            .get(self.url("/api/ca.pem"))
            .basic_auth(&self.admin_user, Some(&self.admin_password))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !reply.status().is_success() {
            return Err(format!("GET /api/ca.pem answers {}", reply.status()));
        }
        reply.text().await.map_err(|e| e.to_string())
    }

    /// The stack's `DBAAS_SECRET_KEY` (base64), for tests that look for it where it must not be.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A connection to the catalog, for checks and for setting up odd states.
    pub async fn catalog(&self) -> tokio_postgres::Client {
        pg_connect(&self.config.database_url).await.expect("catalog connection")
    }

    /// What a query of one `count(*)` (or another `bigint`) answers in the catalog.
    pub async fn count(&self, sql: &str) -> i64 {
        self.catalog()
            .await
            .query_one(sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .get(0)
    }

    /// A database row in `status` `ready`, recorded straight in the catalog (no engine): what
    /// makes a team, plan, environment or project "in use". `refs` are their ids, in that
    /// order; the default team, plan and environment, and no project, where `None`.
    pub async fn database_row(&self, name: &str, refs: [Option<i64>; 4]) -> i64 {
        let [team, plan, environment, project] = refs;
        let row = self
            .catalog()
            .await
            .query_one(
                "INSERT INTO databases (uid, name, team_id, plan_id, environment_id, project_id, status)
                 VALUES ($1, $2, $3, $4, $5, $6, 'ready') RETURNING id",
                &[
                    &format!("{}{name}", self.id),
                    &name,
                    &team.unwrap_or(1),
                    &plan.unwrap_or(1),
                    &environment.unwrap_or(1),
                    &project,
                ],
            )
            .await
            .expect("insert a database row");
        row.get(0)
    }

    /// Sets a database row's status straight in the catalog.
    pub async fn set_database_status(&self, database_id: i64, status: &str) {
        self.catalog()
            .await
            .execute(
                "UPDATE databases SET status = $2 WHERE id = $1",
                &[&database_id, &status],
            )
            .await
            .expect("update a database row");
    }

    /// Docker, for checks.
    pub async fn docker(&self) -> bollard::Docker {
        bollard::Docker::connect_with_host(&self.config.defaults.docker_endpoint)
            .expect("docker")
            .negotiate_version()
            .await
            .expect("docker version")
    }

    /// Names of this stack's containers that carry `label=value` too.
    pub async fn containers_with(&self, label: &str, value: &str) -> Vec<String> {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![
                format!("dbaas.deployment={}", self.config.deployment),
                format!("{label}={value}"),
            ],
        )]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        self.docker()
            .await
            .list_containers(Some(options))
            .await
            .expect("list containers")
            .into_iter()
            .flat_map(|c| c.names.unwrap_or_default())
            .collect()
    }

    /// The log of the container that serves database `database_id`: stdout and stderr, as
    /// the engine wrote them so far.
    pub async fn engine_log(&self, database_id: i64) -> String {
        let container = self
            .containers_with("dbaas.database.id", &database_id.to_string())
            .await[0]
            .trim_start_matches('/')
            .to_owned();
        let options = LogsOptionsBuilder::default().stdout(true).stderr(true).build();
        let lines: Vec<_> = futures_util::StreamExt::collect(self.docker().await.logs(&container, Some(options))).await;
        lines
            .into_iter()
            .filter_map(Result::ok)
            .map(|l| l.to_string())
            .collect()
    }

    /// Stops the api and worker (letting them finish on their own first) and removes
    /// everything the stack made: containers, volumes, the catalog database and the queue
    /// keys; fails the test if something cannot be removed. Dropping a stack does the same
    /// (only reporting what it cannot remove); this does it without blocking the runtime.
    pub async fn cleanup(mut self) {
        let _ = self.shutdown.send(true);
        self.processes.kill_all();
        teardown::stop_tasks(std::mem::take(&mut self.tasks), STOP_GRACE).await;
        let left = Teardown::of(&self).remove().await;
        self.torn_down = true;
        assert!(left.is_empty(), "the stack left things behind:\n{}", left.join("\n"));
    }
}

impl Drop for TestStack {
    /// Removes what the stack made when it was not cleaned up: a test that failed, or returned
    /// early. The api and worker get their grace to stop first when they can have it (on a
    /// multi-threaded runtime; on a single-threaded one nothing runs while this blocks).
    fn drop(&mut self) {
        if self.torn_down {
            return;
        }
        let _ = self.shutdown.send(true);
        self.processes.kill_all();
        let grace = match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => STOP_GRACE,
            _ => Duration::ZERO,
        };
        Teardown::of(self).remove_blocking(std::mem::take(&mut self.tasks), grace);
    }
}
