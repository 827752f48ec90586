//! What a Docker host says of one container, for the people who run the engines: its state
//! and limits (quick: one inspect), its memory and CPU use (slow: Docker samples stats over a
//! second or two) and the size of its data (an exec of `du`). Nothing here writes anything.

use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use crate::docker::DockerHost;
use crate::engine::ByteSink;
use crate::error::ProvisionResult;

/// A container as one inspect shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerFacts {
    pub id: String,
    /// Docker's state: `running`, `exited`, `created`, `restarting`, `paused`, `dead`, ...
    pub state: String,
    /// Docker's health check, where the image has one (`healthy`, `unhealthy`, `starting`).
    pub health: Option<String>,
    /// The image as named at creation, and as resolved (its id).
    pub image: Option<String>,
    pub image_id: Option<String>,
    pub restart_count: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub memory_limit_bytes: Option<i64>,
    pub nano_cpus: Option<i64>,
    /// Where each named volume is mounted: (volume, path in the container).
    pub volumes: Vec<(String, String)>,
}

impl ContainerFacts {
    pub fn running(&self) -> bool {
        self.state == "running"
    }

    /// Where `volume` is mounted in the container, if it is.
    pub fn mount_of(&self, volume: &str) -> Option<&str> {
        self.volumes
            .iter()
            .find(|(name, _)| name == volume)
            .map(|(_, path)| path.as_str())
    }
}

/// What a container uses, sampled by Docker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContainerUsage {
    /// Memory in use, page cache excluded (as `docker stats` shows it).
    pub memory_used_bytes: i64,
    /// CPU over the sampling interval, 100 for one core fully used.
    pub cpu_percent: f64,
}

/// Docker writes "0001-01-01T00:00:00Z" for a time that never was.
fn docker_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    let at = DateTime::parse_from_rfc3339(text?).ok()?.with_timezone(&Utc);
    (at.timestamp() > 0).then_some(at)
}

/// A command's output, kept whole (it is a line).
#[derive(Default)]
struct Collected(Vec<u8>);

#[async_trait::async_trait]
impl ByteSink for Collected {
    async fn write(&mut self, bytes: Vec<u8>) -> ProvisionResult<()> {
        self.0.extend_from_slice(&bytes);
        Ok(())
    }
}

impl DockerHost {
    /// The container named `name`, or `None` when the host has no such container.
    pub async fn container_facts(&self, name: &str) -> ProvisionResult<Option<ContainerFacts>> {
        let inspected = match self.client().inspect_container(name, None).await {
            Ok(inspected) => inspected,
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let state = inspected.state.unwrap_or_default();
        let host = inspected.host_config.unwrap_or_default();
        Ok(Some(ContainerFacts {
            id: inspected.id.unwrap_or_default(),
            state: state.status.map_or_else(|| "unknown".into(), |s| s.to_string()),
            health: state.health.and_then(|h| h.status).map(|s| s.to_string()),
            image: inspected.config.and_then(|c| c.image),
            image_id: inspected.image,
            restart_count: inspected.restart_count,
            started_at: docker_time(state.started_at.as_deref()),
            finished_at: docker_time(state.finished_at.as_deref()),
            exit_code: state.exit_code,
            oom_killed: state.oom_killed.unwrap_or(false),
            memory_limit_bytes: host.memory.filter(|m| *m > 0),
            nano_cpus: host.nano_cpus.filter(|n| *n > 0),
            volumes: inspected
                .mounts
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| Some((m.name?, m.destination?)))
                .collect(),
        }))
    }

    /// The container's memory and CPU use, sampled by Docker (which takes a second or two):
    /// `None` when it does not run.
    pub async fn container_usage(&self, name: &str) -> ProvisionResult<Option<ContainerUsage>> {
        let options = bollard::query_parameters::StatsOptionsBuilder::default()
            .stream(false)
            .one_shot(false)
            .build();
        let mut stats = self.client().stats(name, Some(options));
        let sample = match stats.next().await {
            None => return Ok(None),
            Some(Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })) => return Ok(None),
            Some(sample) => sample?,
        };
        let memory = sample.memory_stats.unwrap_or_default();
        let Some(usage) = memory.usage else {
            return Ok(None);
        };
        let cache = memory
            .stats
            .as_ref()
            .and_then(|s| s.get("total_inactive_file").or_else(|| s.get("inactive_file")).copied())
            .unwrap_or(0);
        let (cpu, pre) = (
            sample.cpu_stats.unwrap_or_default(),
            sample.precpu_stats.unwrap_or_default(),
        );
        let total =
            |s: &bollard::models::ContainerCpuStats| s.cpu_usage.as_ref().and_then(|u| u.total_usage).unwrap_or(0);
        let cpu_delta = total(&cpu).saturating_sub(total(&pre)) as f64;
        let system_delta = cpu
            .system_cpu_usage
            .unwrap_or(0)
            .saturating_sub(pre.system_cpu_usage.unwrap_or(0)) as f64;
        let cpus = f64::from(cpu.online_cpus.unwrap_or(1).max(1));
        let cpu_percent = if system_delta > 0.0 {
            cpu_delta / system_delta * cpus * 100.0
        } else {
            0.0
        };
        Ok(Some(ContainerUsage {
            memory_used_bytes: i64::try_from(usage.saturating_sub(cache)).unwrap_or(i64::MAX),
            cpu_percent,
        }))
    }

    /// The bytes under `path` in a running container (`du -sk`, which Debian's coreutils and
    /// busybox both have).
    pub async fn path_size(&self, container: &str, path: &str) -> ProvisionResult<i64> {
        let mut out = Collected::default();
        self.exec_streaming(
            container,
            vec!["du".into(), "-sk".into(), path.into()],
            Vec::new(),
            &mut out,
        )
        .await?;
        let text = String::from_utf8_lossy(&out.0);
        let kib: i64 = text
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| crate::ProvisionError::Engine(format!("du printed {:?}", text.trim())))?;
        Ok(kib.saturating_mul(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::docker_time;

    #[test]
    fn docker_zero_times_are_none() {
        assert_eq!(docker_time(Some("0001-01-01T00:00:00Z")), None);
        assert_eq!(docker_time(None), None);
        assert!(docker_time(Some("2026-12-04T10:00:00.123456789Z")).is_some());
    }
}

/// What a Docker engine says of itself: its version, its machine, and the images it has.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DockerFacts {
    pub version: Option<String>,
    pub memory_bytes: Option<i64>,
    pub cpus: Option<i32>,
    /// Every `repository:tag` it has.
    pub images: Vec<String>,
}

impl DockerHost {
    /// Asks the engine for its version, machine and images (three quick calls).
    pub async fn facts(&self) -> ProvisionResult<DockerFacts> {
        let docker = self.client();
        let info = docker.info().await?;
        let version = docker.version().await?;
        let images = docker
            .list_images(None::<bollard::query_parameters::ListImagesOptions>)
            .await?
            .into_iter()
            .flat_map(|image| image.repo_tags)
            .filter(|tag| tag != "<none>:<none>")
            .collect();
        Ok(DockerFacts {
            version: version.version,
            memory_bytes: info.mem_total,
            cpus: info.ncpu.and_then(|n| i32::try_from(n).ok()),
            images,
        })
    }
}
