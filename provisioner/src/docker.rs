//! Containers and volumes on Docker hosts, created idempotently: every call can be repeated
//! and finds what an earlier call made instead of making a second one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, ContainerUpdateBody, HostConfig, RestartPolicy, RestartPolicyNameEnum, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
    RemoveVolumeOptionsBuilder,
};
use bollard::Docker;

use crate::docker_tls::DockerClientTls;
use crate::engine::{ByteSink, ContainerFile, FileOwner};

/// How long a call to Docker may take (Docker's client's own default).
const DOCKER_TIMEOUT_SECS: u64 = 120;
use crate::error::{ProvisionError, ProvisionResult};

/// Label keys written on everything the control plane creates.
pub mod label {
    pub const MANAGED: &str = "dbaas.managed";
    pub const DEPLOYMENT: &str = "dbaas.deployment";
    pub const DATABASE_ID: &str = "dbaas.database.id";
    pub const DATABASE_UID: &str = "dbaas.database.uid";
    pub const DATABASE_NAME: &str = "dbaas.database.name";
    pub const TEAM: &str = "dbaas.team";
    pub const ENGINE: &str = "dbaas.engine";
    /// The catalog's engine uid: what claims a container. Containers made before engines
    /// were catalog rows have none; their database uid is their engine's uid.
    pub const ENGINE_UID: &str = "dbaas.engine.uid";
}

pub type Labels = HashMap<String, String>;

/// What a container should be. The same spec always names the same container and volume.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    pub labels: Labels,
    pub memory_bytes: i64,
    pub nano_cpus: i64,
    pub volume: String,
    /// Where the volume is mounted in the container.
    pub data_path: String,
    /// Written into the container before each start.
    pub files: Vec<ContainerFile>,
    /// The user the engine runs as, who owns its secrets ([`FileOwner::EngineUser`]).
    pub user: String,
}

/// A container of ours as the engine lists it.
#[derive(Debug, Clone)]
pub struct ManagedContainer {
    pub id: String,
    pub name: String,
    /// The `dbaas.engine.uid` label, else (on containers made before it) `dbaas.database.uid`.
    pub engine_uid: Option<String>,
    /// The `dbaas.database.uid` label: set on an engine started for one database.
    pub database_uid: Option<String>,
    pub running: bool,
    /// Docker's state: `running`, `exited`, `created`, ...
    pub state: String,
    /// Docker's own words: "Exited (0) 3 seconds ago", ...
    pub status: String,
}

/// How long a followed log waits before it looks again for a container that stopped.
const REATTACH: std::time::Duration = std::time::Duration::from_millis(500);

/// One of Docker's events of a container ([`DockerHost::container_downs`]).
#[derive(Debug, Clone)]
pub struct ContainerEvent {
    /// `die`, `stop`, `kill`, `oom` or `destroy`.
    pub action: String,
    pub container_name: Option<String>,
    /// When it happened, as Docker's `since` takes it (`seconds.nanoseconds`); empty when
    /// Docker did not say.
    pub at: String,
}

/// A user's uid and gid, by image id and user name.
type UserIds = HashMap<(String, String), (u64, u64)>;

/// One Docker engine.
#[derive(Clone, Debug)]
pub struct DockerHost {
    docker: Docker,
    /// The uid and gid of a user in an image, by image id (a digest of its contents, so an
    /// answer never goes stale) and user name: reading `/etc/passwd` out of a container takes
    /// Docker tens of milliseconds (it mounts the container's filesystem), on every cold start.
    user_ids: Arc<Mutex<UserIds>>,
}

/// The swap limit that goes with a memory limit: Docker's own default at creation on cgroup
/// v1 (as much swap as memory), written out so that an update keeps it in step.
fn memory_swap(memory_bytes: i64) -> i64 {
    memory_bytes.saturating_mul(2)
}

fn status_of(e: &BollardError) -> Option<u16> {
    match e {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

impl DockerHost {
    /// Connects to `unix://`, `tcp://` or `http://` endpoints and settles the API version.
    pub async fn connect(endpoint: &str) -> ProvisionResult<Self> {
        let docker = Docker::connect_with_host(endpoint)
            .map_err(|e| ProvisionError::Invalid(format!("docker endpoint '{endpoint}': {e}")))?;
        let docker = docker.negotiate_version().await?;
        Ok(Self::new(docker))
    }

    /// Connects to a `tcp://` or `https://` endpoint over TLS, verifying the daemon with the
    /// CA and showing the client certificate.
    pub async fn connect_tls(endpoint: &str, tls: &DockerClientTls) -> ProvisionResult<Self> {
        let files = tls.write_files()?;
        let docker = Docker::connect_with_ssl(
            endpoint,
            &files.key,
            &files.cert,
            &files.ca,
            DOCKER_TIMEOUT_SECS,
            bollard::API_DEFAULT_VERSION,
        )
        .map_err(|e| ProvisionError::Invalid(format!("docker endpoint '{endpoint}' over TLS: {e}")))?;
        let docker = docker.negotiate_version().await?;
        Ok(Self::new(docker))
    }

    fn new(docker: Docker) -> Self {
        Self {
            docker,
            user_ids: Arc::default(),
        }
    }

    pub fn client(&self) -> &Docker {
        &self.docker
    }

    /// Creates the volume, the container and starts it, each only if missing or stopped.
    /// Returns the container's id, and whether it was made now (from `spec`) rather than
    /// found.
    pub async fn ensure_running(&self, spec: &ContainerSpec) -> ProvisionResult<(String, bool)> {
        let (id, made) = self.ensure_created(spec).await?;
        // A container made now is not running; one found may be.
        if !spec.files.is_empty() && (made || !self.is_running(&spec.name).await?) {
            self.put_files(&spec.name, &spec.user, &spec.files).await?;
        }
        match self.docker.start_container(&spec.name, None).await {
            // 304: already running.
            Err(e) if status_of(&e) == Some(304) => {}
            other => other?,
        }
        Ok((id, made))
    }

    /// Creates the volume and the container, each only if missing, without starting it or
    /// writing its files. Returns the container's id, and whether it was made now.
    pub async fn ensure_created(&self, spec: &ContainerSpec) -> ProvisionResult<(String, bool)> {
        self.docker
            .create_volume(VolumeCreateRequest {
                name: Some(spec.volume.clone()),
                labels: Some(spec.labels.clone()),
                ..Default::default()
            })
            .await?;
        match self.docker.inspect_container(&spec.name, None).await {
            Ok(existing) => Ok((existing.id.unwrap_or_else(|| spec.name.clone()), false)),
            Err(e) if status_of(&e) == Some(404) => Ok((self.create(spec).await?, true)),
            Err(e) => Err(e.into()),
        }
    }

    /// Streams the directory `path` of a container (stopped, or running) into the same path
    /// of a container of another host (created, not started), through both Docker APIs as a
    /// tar archive: never held in memory, owners and modes kept. Returns the bytes streamed.
    /// A read that fails midway fails the write: the target then holds a partial copy, to be
    /// made again.
    pub async fn copy_directory(&self, from: &str, path: &str, to: &DockerHost, into: &str) -> ProvisionResult<u64> {
        use futures_util::StreamExt;
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::Arc;
        let parent = std::path::Path::new(path)
            .parent()
            .and_then(|p| p.to_str())
            .filter(|p| !p.is_empty())
            .ok_or_else(|| ProvisionError::Invalid(format!("cannot copy '{path}': it has no parent directory")))?;
        let options = bollard::query_parameters::DownloadFromContainerOptionsBuilder::default()
            .path(path)
            .build();
        let bytes = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&bytes);
        let archive = self
            .docker
            .download_from_container(from, Some(options))
            .map(move |chunk| {
                let chunk = chunk.map_err(std::io::Error::other)?;
                counted.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                Ok(chunk)
            });
        let options = bollard::query_parameters::UploadToContainerOptionsBuilder::default()
            .path(parent)
            .build();
        to.docker
            .upload_to_container(into, Some(options), bollard::body_try_stream(archive))
            .await?;
        Ok(bytes.load(Ordering::Relaxed))
    }

    async fn create(&self, spec: &ContainerSpec) -> ProvisionResult<String> {
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            env: Some(spec.env.clone()),
            cmd: Some(spec.cmd.clone()),
            labels: Some(spec.labels.clone()),
            host_config: Some(HostConfig {
                // Engines bind the environment's host address on their allocated port; no
                // Docker bridge address is ever used.
                network_mode: Some("host".into()),
                memory: Some(spec.memory_bytes),
                memory_swap: Some(memory_swap(spec.memory_bytes)),
                nano_cpus: Some(spec.nano_cpus),
                binds: Some(vec![format!("{}:{}", spec.volume, spec.data_path)]),
                restart_policy: Some(RestartPolicy {
                    name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                    maximum_retry_count: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default().name(&spec.name).build();
        match self.docker.create_container(Some(options), body).await {
            Ok(created) => Ok(created.id),
            // Someone else created it in the meantime: theirs is ours.
            Err(e) if status_of(&e) == Some(409) => {
                let existing = self.docker.inspect_container(&spec.name, None).await?;
                Ok(existing.id.unwrap_or_else(|| spec.name.clone()))
            }
            Err(e) if status_of(&e) == Some(404) => Err(ProvisionError::ImageMissing(spec.image.clone())),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes files into a container (created, stopped or running) through the Docker API, as
    /// a tar archive extracted at `/`: nothing of them shows in the container's configuration.
    /// Files of [`FileOwner::EngineUser`] belong to `user` as the container's own
    /// `/etc/passwd` has it, whichever image it runs.
    pub async fn put_files(&self, container: &str, user: &str, files: &[ContainerFile]) -> ProvisionResult<()> {
        let engine_user = if files.iter().any(|f| f.owner == FileOwner::EngineUser) {
            Some(self.user_ids(container, user).await?)
        } else {
            None
        };
        let mut archive = tar::Builder::new(Vec::new());
        for file in files {
            let path = file.path.trim_start_matches('/');
            let (uid, gid) = match file.owner {
                FileOwner::Root => (0, 0),
                FileOwner::EngineUser => engine_user.unwrap_or_default(),
            };
            let mut header = tar::Header::new_gnu();
            header.set_size(file.contents.len() as u64);
            header.set_mode(file.mode);
            header.set_uid(uid);
            header.set_gid(gid);
            header.set_mtime(0);
            header.set_entry_type(tar::EntryType::Regular);
            archive
                .append_data(&mut header, path, file.contents.as_slice())
                .map_err(|e| ProvisionError::Invalid(format!("cannot archive {}: {e}", file.path)))?;
        }
        let archive = archive
            .into_inner()
            .map_err(|e| ProvisionError::Invalid(format!("cannot archive the container's files: {e}")))?;
        let options = bollard::query_parameters::UploadToContainerOptionsBuilder::default()
            .path("/")
            .build();
        self.docker
            .upload_to_container(container, Some(options), bollard::body_full(archive.into()))
            .await?;
        Ok(())
    }

    /// The uid and gid of `user` in a container's `/etc/passwd`, read through the Docker API
    /// (the container need not run), once per image.
    async fn user_ids(&self, container: &str, user: &str) -> ProvisionResult<(u64, u64)> {
        let image = self.docker.inspect_container(container, None).await?.image;
        let key = image.map(|image| (image, user.to_owned()));
        if let Some(ids) = key.as_ref().and_then(|key| self.known_user_ids().get(key).copied()) {
            return Ok(ids);
        }
        let ids = self.read_user_ids(container, user).await?;
        if let Some(key) = key {
            self.known_user_ids().insert(key, ids);
        }
        Ok(ids)
    }

    fn known_user_ids(&self) -> std::sync::MutexGuard<'_, UserIds> {
        self.user_ids.lock().expect("user id cache poisoned")
    }

    /// [`Self::user_ids`], read out of the container.
    async fn read_user_ids(&self, container: &str, user: &str) -> ProvisionResult<(u64, u64)> {
        use futures_util::TryStreamExt;
        use std::io::Read;
        let options = bollard::query_parameters::DownloadFromContainerOptionsBuilder::default()
            .path("/etc/passwd")
            .build();
        let chunks: Vec<_> = self
            .docker
            .download_from_container(container, Some(options))
            .try_collect()
            .await?;
        let archive = chunks.concat();
        let unreadable =
            |e: std::io::Error| ProvisionError::Invalid(format!("cannot read the image's /etc/passwd: {e}"));
        let mut passwd = String::new();
        let mut archive = tar::Archive::new(archive.as_slice());
        if let Some(entry) = archive.entries().map_err(unreadable)?.next() {
            entry
                .map_err(unreadable)?
                .read_to_string(&mut passwd)
                .map_err(unreadable)?;
        }
        passwd_ids(&passwd, user)
            .ok_or_else(|| ProvisionError::Invalid(format!("the image has no user '{user}' in /etc/passwd")))
    }

    /// Removes a container (forcibly) and its volume; what is already gone is not an error.
    pub async fn remove(&self, container: &str, volume: &str) -> ProvisionResult<()> {
        let options = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
        match self.docker.remove_container(container, Some(options)).await {
            Err(e) if status_of(&e) != Some(404) => return Err(e.into()),
            _ => {}
        }
        let options = RemoveVolumeOptionsBuilder::default().force(true).build();
        match self.docker.remove_volume(volume, Some(options)).await {
            Err(e) if status_of(&e) != Some(404) => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// Runs a command in a running container and hands its standard output to `sink` chunk
    /// by chunk, as it comes. A non-zero exit is an error carrying the end of stderr.
    pub async fn exec_streaming(
        &self,
        container: &str,
        cmd: Vec<String>,
        env: Vec<String>,
        sink: &mut dyn ByteSink,
    ) -> ProvisionResult<()> {
        use futures_util::StreamExt;
        let program = cmd.first().cloned().unwrap_or_default();
        let exec = self
            .docker
            .create_exec(
                container,
                bollard::models::ExecConfig {
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    cmd: Some(cmd),
                    env: Some(env),
                    ..Default::default()
                },
            )
            .await?;
        let mut stderr = Vec::new();
        if let bollard::exec::StartExecResults::Attached { mut output, .. } =
            self.docker.start_exec(&exec.id, None).await?
        {
            while let Some(item) = output.next().await {
                match item? {
                    bollard::container::LogOutput::StdOut { message } => sink.write(message.to_vec()).await?,
                    bollard::container::LogOutput::StdErr { message } => {
                        stderr.extend_from_slice(&message);
                        let keep = stderr.len().saturating_sub(4096);
                        stderr.drain(..keep);
                    }
                    _ => {}
                }
            }
        }
        let inspected = self.docker.inspect_exec(&exec.id).await?;
        match inspected.exit_code {
            Some(0) => Ok(()),
            code => Err(ProvisionError::Engine(format!(
                "{program} exited with {}: {}",
                code.map_or("no code".to_string(), |c| c.to_string()),
                String::from_utf8_lossy(&stderr).trim()
            ))),
        }
    }

    /// Stops a running container cleanly (SIGTERM, then SIGKILL after `grace`) and starts it
    /// again: every connection to its engine ends.
    pub async fn restart(&self, container: &str, grace: std::time::Duration) -> ProvisionResult<()> {
        let options = bollard::query_parameters::RestartContainerOptionsBuilder::default()
            .t(i32::try_from(grace.as_secs()).unwrap_or(i32::MAX))
            .build();
        self.docker.restart_container(container, Some(options)).await?;
        Ok(())
    }

    /// Stops a container cleanly (SIGTERM, then SIGKILL after `grace`); one already stopped
    /// or gone is not an error.
    pub async fn stop(&self, container: &str, grace: std::time::Duration) -> ProvisionResult<()> {
        let options = bollard::query_parameters::StopContainerOptionsBuilder::default()
            .t(i32::try_from(grace.as_secs()).unwrap_or(i32::MAX))
            .build();
        match self.docker.stop_container(container, Some(options)).await {
            Err(e) if !matches!(status_of(&e), Some(304 | 404)) => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// Changes a container's memory and CPU limits in place, running or not: nothing restarts.
    /// The swap limit moves with the memory (on cgroup v1 a memory limit above the swap limit
    /// is refused), and CPUs are set as `NanoCpus`, as at creation (Docker refuses them mixed
    /// with a quota and period). A limit under what the container uses is refused by Docker.
    pub async fn update_limits(&self, container: &str, memory_bytes: i64, nano_cpus: i64) -> ProvisionResult<()> {
        let body = ContainerUpdateBody {
            memory: Some(memory_bytes),
            memory_swap: Some(memory_swap(memory_bytes)),
            nano_cpus: Some(nano_cpus),
            ..Default::default()
        };
        match self.docker.update_container(container, body).await {
            Err(e) if status_of(&e) == Some(404) => Err(ProvisionError::NoContainer(container.to_owned())),
            other => Ok(other?),
        }
    }

    /// Removes a container (forcibly), keeping its volume; one already gone is not an error.
    pub async fn remove_container(&self, container: &str) -> ProvisionResult<()> {
        let options = RemoveContainerOptionsBuilder::default().force(true).build();
        match self.docker.remove_container(container, Some(options)).await {
            Err(e) if status_of(&e) != Some(404) => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// Whether the host has the image (no registry is asked).
    pub async fn has_image(&self, image: &str) -> ProvisionResult<bool> {
        match self.docker.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(e) if status_of(&e) == Some(404) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// A container's log, stdout and stderr interleaved, each line with Docker's RFC 3339
    /// timestamp in front: the last `tail` lines (all without), from `since` (Unix seconds)
    /// on, and, with `follow`, what it writes next for as long as the stream is read.
    pub fn logs(
        &self,
        container: &str,
        tail: Option<u32>,
        since: Option<i64>,
        follow: bool,
    ) -> impl futures_util::Stream<Item = ProvisionResult<String>> + Send + 'static {
        use futures_util::StreamExt;
        let mut options = bollard::query_parameters::LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .timestamps(true)
            .follow(follow)
            .tail(&tail.map_or_else(|| "all".to_string(), |n| n.to_string()));
        if let Some(since) = since {
            options = options.since(i32::try_from(since).unwrap_or(i32::MAX));
        }
        let name = container.to_owned();
        self.docker
            .logs(container, Some(options.build()))
            .map(move |item| match item {
                Ok(output) => Ok(String::from_utf8_lossy(&output.into_bytes()).into_owned()),
                Err(e) if status_of(&e) == Some(404) => Err(ProvisionError::NoContainer(name.clone())),
                Err(e) => Err(e.into()),
            })
    }

    /// A container's log followed through its restarts: Docker ends a followed log when its
    /// container stops (a restart, an upgrade), and this attaches again, from the last line
    /// seen on, for as long as the stream is read.
    pub fn follow_logs(
        &self,
        container: String,
        tail: Option<u32>,
        since: Option<i64>,
    ) -> futures_util::stream::BoxStream<'static, ProvisionResult<String>> {
        use futures_util::StreamExt;
        struct State {
            docker: DockerHost,
            container: String,
            current: Option<futures_util::stream::BoxStream<'static, ProvisionResult<String>>>,
            tail: Option<u32>,
            since: Option<i64>,
            /// Docker's timestamp of the last chunk handed on (fixed width: they sort as text).
            last: Option<String>,
        }
        let state = State {
            docker: self.clone(),
            container,
            current: None,
            tail,
            since,
            last: None,
        };
        futures_util::stream::unfold(state, |mut st| async move {
            loop {
                let current = match &mut st.current {
                    Some(current) => current,
                    None => {
                        let opened = st.docker.logs(&st.container, st.tail.take(), st.since, true).boxed();
                        st.current.insert(opened)
                    }
                };
                match current.next().await {
                    Some(Ok(chunk)) => {
                        let stamp = chunk.split_whitespace().next().map(str::to_owned);
                        if let (Some(last), Some(stamp)) = (&st.last, &stamp) {
                            if stamp <= last {
                                // Seen before this attach.
                                continue;
                            }
                        }
                        st.last = stamp.or(st.last);
                        return Some((Ok(chunk), st));
                    }
                    Some(Err(_)) | None => {
                        st.current = None;
                        st.since = Some(
                            st.last
                                .as_deref()
                                .and_then(|l| chrono::DateTime::parse_from_rfc3339(l).ok())
                                .map_or_else(|| chrono::Utc::now().timestamp(), |at| at.timestamp()),
                        );
                        tokio::time::sleep(REATTACH).await;
                    }
                }
            }
        })
        .boxed()
    }

    /// Whether the named container exists and is running.
    pub async fn is_running(&self, container: &str) -> ProvisionResult<bool> {
        match self.docker.inspect_container(container, None).await {
            Ok(c) => Ok(c.state.and_then(|s| s.running).unwrap_or(false)),
            Err(e) if status_of(&e) == Some(404) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Docker's events of a deployment's containers that can leave an engine down (`die`,
    /// `stop`, `kill`, `oom`, `destroy`), from `since` (Docker's `seconds.nanoseconds`; from now
    /// when `None`) on, as they happen. The stream ends when Docker ends it (a restart of
    /// dockerd, say): follow it again from the last event's [`ContainerEvent::at`].
    pub fn container_downs(
        &self,
        deployment: &str,
        since: Option<&str>,
    ) -> impl futures_util::Stream<Item = ProvisionResult<ContainerEvent>> + use<> {
        use futures_util::StreamExt;
        let filters = HashMap::from([
            ("type".to_string(), vec!["container".to_string()]),
            (
                "event".to_string(),
                ["die", "stop", "kill", "oom", "destroy"].map(String::from).to_vec(),
            ),
            (
                "label".to_string(),
                vec![
                    format!("{}=true", label::MANAGED),
                    format!("{}={deployment}", label::DEPLOYMENT),
                ],
            ),
        ]);
        let mut options = bollard::query_parameters::EventsOptionsBuilder::default().filters(&filters);
        if let Some(since) = since {
            options = options.since(since);
        }
        self.docker.events(Some(options.build())).map(|event| {
            let event = event?;
            let at = match (event.time_nano, event.time) {
                (Some(nanos), _) => format!("{}.{:09}", nanos / 1_000_000_000, nanos % 1_000_000_000),
                (None, Some(seconds)) => seconds.to_string(),
                (None, None) => String::new(),
            };
            let name = event
                .actor
                .and_then(|actor| actor.attributes)
                .and_then(|attributes| attributes.get("name").cloned());
            Ok(ContainerEvent {
                action: event.action.unwrap_or_default(),
                container_name: name,
                at,
            })
        })
    }

    /// The containers of a deployment, stopped ones included.
    pub async fn managed_containers(&self, deployment: &str) -> ProvisionResult<Vec<ManagedContainer>> {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![
                format!("{}=true", label::MANAGED),
                format!("{}={deployment}", label::DEPLOYMENT),
            ],
        )]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let containers = self.docker.list_containers(Some(options)).await?;
        Ok(containers
            .into_iter()
            .filter_map(|c| {
                let name = c.names.as_ref()?.first()?.trim_start_matches('/').to_owned();
                Some(ManagedContainer {
                    id: c.id.clone()?,
                    name,
                    engine_uid: c
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(label::ENGINE_UID).or_else(|| l.get(label::DATABASE_UID)).cloned()),
                    database_uid: c.labels.as_ref().and_then(|l| l.get(label::DATABASE_UID).cloned()),
                    running: c.state == Some(bollard::models::ContainerSummaryStateEnum::RUNNING),
                    state: c.state.map_or_else(String::new, |s| s.to_string()),
                    status: c.status.clone().unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Names of the containers carrying all the given labels, stopped ones included.
    pub async fn containers_labelled(&self, labels: &[(&str, &str)]) -> ProvisionResult<Vec<String>> {
        let filter: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let filters = HashMap::from([("label".to_string(), filter)]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let containers = self.docker.list_containers(Some(options)).await?;
        Ok(containers
            .into_iter()
            .filter_map(|c| c.names.and_then(|n| n.into_iter().next()))
            .map(|n| n.trim_start_matches('/').to_owned())
            .collect())
    }
}

/// The uid and gid of `user` in the text of an `/etc/passwd`.
fn passwd_ids(passwd: &str, user: &str) -> Option<(u64, u64)> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != user {
            return None;
        }
        let (_, uid, gid) = (fields.next()?, fields.next()?, fields.next()?);
        Some((uid.parse().ok()?, gid.parse().ok()?))
    })
}

/// Connections to the Docker hosts of all environments, made once per endpoint (and TLS
/// material).
#[derive(Clone, Default, Debug)]
pub struct DockerHosts {
    hosts: Arc<Mutex<HashMap<String, DockerHost>>>,
}

impl DockerHosts {
    /// The Docker host at `endpoint`, over TLS with `tls` where given.
    pub async fn get(&self, endpoint: &str, tls: Option<&DockerClientTls>) -> ProvisionResult<DockerHost> {
        let key = match tls {
            Some(tls) => format!("{endpoint}#{}", tls.tag()),
            None => endpoint.to_owned(),
        };
        if let Some(host) = self.hosts.lock().expect("docker host map poisoned").get(&key) {
            return Ok(host.clone());
        }
        let host = match tls {
            Some(tls) => DockerHost::connect_tls(endpoint, tls).await?,
            None => DockerHost::connect(endpoint).await?,
        };
        self.hosts
            .lock()
            .expect("docker host map poisoned")
            .insert(key, host.clone());
        Ok(host)
    }
}

#[cfg(test)]
mod tests {
    use super::passwd_ids;

    #[test]
    fn users_are_found_in_passwd_as_each_image_has_them() {
        let debian = "root:x:0:0:root:/root:/bin/bash\npostgres:x:100:102:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n";
        let official = "root:x:0:0:root:/root:/bin/bash\npostgres:x:999:999::/var/lib/postgresql:/bin/bash\n";
        assert_eq!(passwd_ids(debian, "postgres"), Some((100, 102)));
        assert_eq!(passwd_ids(official, "postgres"), Some((999, 999)));
        assert_eq!(passwd_ids(official, "mongodb"), None);
        assert_eq!(passwd_ids("postgresql:x:5:5::/:/bin/sh", "postgres"), None);
    }
}
