//! A whole dbaas stack for one test: a fresh catalog database, its own Redis queue prefix, its
//! own Docker label and port block, the real api on a free port and a real worker, all against
//! the real Postgres, Redis and Docker engine of the machine. Stacks do not see each other, so
//! tests run in parallel.
//!
//! [`processes`] runs the same stack as real processes, for tests that kill them.
//!
//! Configuration: `DBAAS_TEST_ADMIN_URL` (a Postgres role that may create databases),
//! `DBAAS_REDIS_URL`, `DBAAS_POSTGRES_IMAGE`, `DBAAS_DOCKER_HOST`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::query_parameters::{ListContainersOptionsBuilder, ListVolumesOptionsBuilder};
use dbaas_core::config::{Config, Defaults};
use dbaas_core::secrets::SecretBox;
use rand::distr::{Alphanumeric, SampleString};
use rand::RngExt as _;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub mod processes;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Connects to Postgres and drives the connection in the background.
pub async fn pg_connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

pub struct TestStack {
    pub id: String,
    pub base_url: String,
    pub admin_user: String,
    pub admin_password: String,
    pub config: Config,
    pub http: reqwest::Client,
    admin_url: String,
    catalog_db: String,
    /// The base64 key behind `config.secrets`, for processes started with it.
    secret_key: String,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    processes: processes::Processes,
}

/// Backing services of a stack's own, instead of the shared ones.
#[derive(Debug, Clone, Default)]
pub struct Services {
    pub redis_url: Option<String>,
    /// A Postgres role that may create databases, as `DBAAS_TEST_ADMIN_URL`.
    pub postgres_admin_url: Option<String>,
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
        // The worker starts once the api has migrated the catalog.
        let worker = tokio::spawn({
            let config = stack.config.clone();
            let signal = shutdown_signal(&stack.shutdown.subscribe());
            async move {
                if let Err(e) = dbaas_worker::run(config, signal).await {
                    panic!("worker stopped: {e}");
                }
            }
        });
        stack.tasks = vec![api, worker];
        stack
    }

    /// A fresh catalog database and the configuration of a stack around it; nothing runs yet.
    /// `services` overrides the shared Redis and Postgres (for tests that stop their own).
    pub(crate) async fn prepare(services: Services) -> TestStack {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
            .with_test_writer()
            .try_init();
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
                host_address: "127.0.0.1".into(),
                port_min,
                port_max: port_min + 19,
                postgres_image: env_or("DBAAS_POSTGRES_IMAGE", "dbaas/postgres:15"),
                mongodb_image: env_or("DBAAS_MONGODB_IMAGE", "dbaas/mongo:7"),
            },
            worker_concurrency: 4,
            poll_interval: Duration::from_millis(50),
            engine_ready_timeout: Duration::from_secs(60),
            size_interval: Duration::from_secs(1),
            requeue_after: Duration::from_secs(5),
            lifecycle_interval: Duration::from_secs(1),
            task_lease: Duration::from_secs(6),
            request_wait: Duration::from_secs(20),
            inject_fault: None,
            pause_at: None,
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
            processes: processes::Processes::default(),
        }
    }

    /// Waits until the api answers `/health`; `stopped` says whether it died meanwhile.
    pub(crate) async fn wait_for_api(&self, stopped: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let health = self.http.get(format!("{}/health", self.base_url)).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(Instant::now() < deadline, "the api did not come up");
            assert!(!stopped(), "the api stopped during start-up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path))
            .basic_auth(&self.admin_user, Some(&self.admin_password))
            .send()
            .await
            .expect("GET");
        split(response).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(path))
            .basic_auth(&self.admin_user, Some(&self.admin_password))
            .json(body)
            .send()
            .await
            .expect("POST");
        split(response).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .patch(self.url(path))
            .basic_auth(&self.admin_user, Some(&self.admin_password))
            .json(body)
            .send()
            .await
            .expect("PATCH");
        split(response).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .delete(self.url(path))
            .basic_auth(&self.admin_user, Some(&self.admin_password))
            .send()
            .await
            .expect("DELETE");
        split(response).await
    }

    /// Creates a database and waits until it is ready; returns it and its owner's URI.
    pub async fn ready_database(&self, name: &str) -> (Value, String) {
        let (status, created) = self
            .post(
                "/api/database/",
                &serde_json::json!({"name": name, "plan": 1, "environment": 1}),
            )
            .await;
        assert_eq!(status, 202, "{created}");
        let id = created["id"].as_i64().expect("id");
        let ready = self.wait_for_status(id, "ready", Duration::from_secs(120)).await;
        let credential = id_of(
            ready["credentials"][0]["_links"]["self"]
                .as_str()
                .expect("credential link"),
        );
        let (_, credential) = self.get(&format!("/api/credential/{credential}/")).await;
        let uri = credential["connection_uri"]
            .as_str()
            .expect("connection_uri")
            .to_owned();
        (ready, uri)
    }

    /// Polls a task until it has ended; returns it.
    pub async fn wait_for_task(&self, task_id: i64, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let (status, task) = self.get(&format!("/api/task/{task_id}/")).await;
            assert_eq!(status, 200, "{task}");
            if task["status"] == "succeeded" || task["status"] == "failed" {
                return task;
            }
            assert!(Instant::now() < deadline, "task {task_id} did not end: {task}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls a database until its status is `want` (or a final status that is not).
    pub async fn wait_for_status(&self, database_id: i64, want: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let (status, body) = self.get(&format!("/api/database/{database_id}/")).await;
            assert_eq!(status, 200, "{body}");
            let current = body["status"].as_str().unwrap_or_default().to_owned();
            if current == want {
                return body;
            }
            if (current == "failed" && want != "failed") || Instant::now() >= deadline {
                let (_, task) = self.get(&format!("/api/task/{}/", task_id(&body))).await;
                panic!("database {database_id} is '{current}', not '{want}'; task: {task}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A connection to the catalog, for checks and for setting up odd states.
    pub async fn catalog(&self) -> tokio_postgres::Client {
        pg_connect(&self.config.database_url).await.expect("catalog connection")
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

    /// Stops the api and worker and removes everything the stack made: containers, volumes,
    /// the catalog database and the queue keys.
    pub async fn cleanup(mut self) {
        let _ = self.shutdown.send(true);
        self.processes.kill_all();
        self.processes.remove_logs();
        for task in self.tasks.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(15), task).await;
        }
        let docker = self.docker().await;
        let label = format!("dbaas.deployment={}", self.config.deployment);
        let filters = HashMap::from([("label".to_string(), vec![label])]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        for container in docker.list_containers(Some(options)).await.unwrap_or_default() {
            if let Some(id) = container.id {
                let options = bollard::query_parameters::RemoveContainerOptionsBuilder::default()
                    .force(true)
                    .v(true)
                    .build();
                let _ = docker.remove_container(&id, Some(options)).await;
            }
        }
        let options = ListVolumesOptionsBuilder::default().filters(&filters).build();
        if let Ok(volumes) = docker.list_volumes(Some(options)).await {
            for volume in volumes.volumes.unwrap_or_default() {
                let _ = docker
                    .remove_volume(&volume.name, None::<bollard::query_parameters::RemoveVolumeOptions>)
                    .await;
            }
        }
        if let Ok(admin) = pg_connect(&self.admin_url).await {
            let _ = admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.catalog_db))
                .await;
        }
        if let Ok(client) = redis::Client::open(self.config.redis_url.as_str()) {
            if let Ok(mut conn) = client.get_multiplexed_async_connection().await {
                let keys: Vec<String> = redis::cmd("KEYS")
                    .arg(format!("*{}*", self.config.queue_prefix))
                    .query_async(&mut conn)
                    .await
                    .unwrap_or_default();
                if !keys.is_empty() {
                    let _: Result<(), _> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
                }
                // apalis lists every queue it has seen in one shared set.
                let queues: Vec<String> = redis::cmd("ZRANGE")
                    .arg("core:apalis:queues:list")
                    .arg(0)
                    .arg(-1)
                    .query_async(&mut conn)
                    .await
                    .unwrap_or_default();
                let ours: Vec<&String> = queues
                    .iter()
                    .filter(|q| q.starts_with(&self.config.queue_prefix))
                    .collect();
                if !ours.is_empty() {
                    let _: Result<(), _> = redis::cmd("ZREM")
                        .arg("core:apalis:queues:list")
                        .arg(ours)
                        .query_async(&mut conn)
                        .await;
                }
            }
        }
    }
}

/// An answer: its status, its JSON body (or its text as a JSON string) and its `Location`.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub location: Option<String>,
}

/// Calls the stack's API as one API user, or as nobody.
pub struct ApiClient<'a> {
    stack: &'a TestStack,
    login: Option<(String, String)>,
}

impl TestStack {
    /// Requests with `username`'s credentials.
    pub fn as_user(&self, username: &str, password: &str) -> ApiClient<'_> {
        ApiClient {
            stack: self,
            login: Some((username.to_owned(), password.to_owned())),
        }
    }

    /// Requests as the stack's admin.
    pub fn as_admin(&self) -> ApiClient<'_> {
        self.as_user(&self.admin_user, &self.admin_password)
    }

    /// Requests without credentials.
    pub fn anonymous(&self) -> ApiClient<'_> {
        ApiClient {
            stack: self,
            login: None,
        }
    }
}

impl ApiClient<'_> {
    /// Sends `method` to `path` (or to an absolute URL, such as a `next` link) with an
    /// optional JSON body.
    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            self.stack.url(path)
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.stack.http.request(method.clone(), url);
        if let Some((user, password)) = &self.login {
            request = request.basic_auth(user, Some(password));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request");
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (status, body) = split(response).await;
        Reply { status, body, location }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let reply = self.send("GET", path, None).await;
        (reply.status, reply.body)
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let reply = self.send("POST", path, Some(body)).await;
        (reply.status, reply.body)
    }

    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        let reply = self.send("PATCH", path, Some(body)).await;
        (reply.status, reply.body)
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let reply = self.send("DELETE", path, None).await;
        (reply.status, reply.body)
    }
}

async fn split(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// The id at the end of a link such as `http://host/api/task/3/`.
pub fn id_of(link: &str) -> i64 {
    link.trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {link}"))
}

/// The id of a database's latest task.
pub fn task_id(database: &Value) -> i64 {
    id_of(database["_links"]["task"].as_str().expect("_links.task"))
}
