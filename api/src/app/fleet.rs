//! The engine fleet: every engine of the deployment as the catalog has it and a worker last
//! saw it, for operators and admins (members: 403).

use dbaas_core::model::{upgrade_refusal, FleetEngine, Ref, Task, TaskKind};
use dbaas_core::store::{Caller, FleetFilter, Page, PageRequest};
use dbaas_provisioner::{DockerClientTls, ProvisionError};

use super::{parse_reference, validate, App, AppError, AppResult, ResourceKind};

const FLEET_ONLY: &str = "the engine fleet is for operators and admins";

/// Refuses the fleet to anyone who does not run it (403).
pub(super) fn fleet_only(caller: &Caller) -> AppResult<()> {
    if !caller.runs_fleet() {
        return Err(AppError::Forbidden(FLEET_ONLY.to_owned()));
    }
    Ok(())
}

/// Filters of the fleet list, as written.
#[derive(Debug, Clone, Default)]
pub struct EngineListQuery {
    pub environment: Option<String>,
    pub host: Option<String>,
    pub engine: Option<String>,
    pub health: Option<String>,
    pub drift: Option<String>,
}

impl App {
    pub async fn engine_list(
        &self,
        caller: &Caller,
        query: EngineListQuery,
        page: PageRequest,
    ) -> AppResult<Page<FleetEngine>> {
        fleet_only(caller)?;
        let kind = query.engine.as_deref().map(validate::engine).transpose()?;
        let health = query.health.as_deref().map(validate::health).transpose()?;
        let drift = query.drift.as_deref().map(validate::drift).transpose()?;
        // An environment that does not exist matches nothing, as in the database list.
        let environment_id = match query.environment.as_deref() {
            None => None,
            Some(raw) => Some(match parse_reference(ResourceKind::Environment, "environment", raw) {
                Ok(Ref::Id(id)) => id,
                Ok(by_name) => self.store.environment_find(&by_name).await.map_or(-1, |e| e.id),
                Err(_) => -1,
            }),
        };
        let filter = FleetFilter {
            environment_id,
            host: query.host,
            kind,
            health,
            drift,
        };
        Ok(self.store.fleet_list(filter, page).await?)
    }

    pub async fn engine_get(&self, caller: &Caller, id: i64) -> AppResult<FleetEngine> {
        fleet_only(caller)?;
        Ok(self.store.fleet_get(id).await?)
    }
}

/// What an operator asks of an engine.
#[derive(Debug, Clone)]
pub enum EngineAction {
    Restart,
    Stop,
    Start,
    /// To another image of the same engine and major version (required: `None` is 422).
    Upgrade {
        image: Option<String>,
    },
}

/// The most lines a log read returns.
pub const MAX_TAIL: i64 = 10_000;

/// What part of an engine's log to read, as written.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub tail: Option<i64>,
    /// RFC 3339, or Unix seconds.
    pub since: Option<String>,
    pub follow: bool,
}

/// An engine's log lines as they come, each with Docker's timestamp in front.
pub type LogStream = futures_util::stream::BoxStream<'static, AppResult<String>>;

/// What a failed read of engine `id`'s log means to its caller: an engine without a
/// container has no log to read (409); anything else is its Docker host failing while it
/// answers (503).
fn log_error(id: i64, error: ProvisionError) -> AppError {
    match error {
        ProvisionError::NoContainer(_) => AppError::Conflict(format!(
            "engine {id} has no container, so it has no log (starting the engine makes one)"
        )),
        e => AppError::Unavailable(format!("cannot read the engine's log: {e}")),
    }
}

fn parse_since(raw: &str) -> AppResult<i64> {
    let unprocessable = || AppError::Unprocessable {
        field: Some("since"),
        message: format!("since must be an RFC 3339 time (2026-12-01T00:00:00Z) or Unix seconds, not '{raw}'"),
    };
    if let Ok(seconds) = raw.parse::<i64>() {
        return (0..=i64::from(i32::MAX))
            .contains(&seconds)
            .then_some(seconds)
            .ok_or_else(unprocessable);
    }
    let at = chrono::DateTime::parse_from_rfc3339(raw).map_err(|_| unprocessable())?;
    Ok(at.timestamp().max(0))
}

fn image_name(raw: &str) -> AppResult<()> {
    let ok = !raw.is_empty()
        && raw.len() <= 255
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | ':' | '@'));
    if !ok {
        return Err(AppError::Invalid {
            field: Some("image"),
            message: "image must be an image reference such as 'dbaas/postgres:15.4' (up to 255 characters)".into(),
        });
    }
    Ok(())
}

impl App {
    /// Starts an operator's action on an engine: a task on the engine and its database,
    /// refused (409 naming the task) while another task works there.
    pub async fn engine_act(&self, caller: &Caller, id: i64, action: EngineAction) -> AppResult<Task> {
        fleet_only(caller)?;
        let (kind, image) = match &action {
            EngineAction::Restart => (TaskKind::RestartEngine, None),
            EngineAction::Stop => (TaskKind::StopEngine, None),
            EngineAction::Start => (TaskKind::ResumeEngine, None),
            EngineAction::Upgrade { image } => {
                let image = image.as_deref().ok_or_else(|| AppError::Unprocessable {
                    field: Some("image"),
                    message: "image is required: the image to upgrade the engine to".into(),
                })?;
                image_name(image)?;
                let engine = self.store.engine_get(id).await?;
                if let Some(refusal) = upgrade_refusal(&engine.image, image) {
                    return Err(AppError::Unprocessable {
                        field: Some("image"),
                        message: format!("engine {id} cannot be upgraded from '{}': {refusal}", engine.image),
                    });
                }
                if engine.image == image {
                    return Err(AppError::Unprocessable {
                        field: Some("image"),
                        message: format!("engine {id} already runs '{image}'"),
                    });
                }
                (TaskKind::UpgradeEngine, Some(image))
            }
        };
        let task = self.store.engine_action_start(id, kind, image).await?;
        self.queue.enqueue(&task).await;
        Ok(task)
    }

    /// Asks for a reconciler round now; the task to follow.
    pub async fn reconcile(&self, caller: &Caller) -> AppResult<Task> {
        fleet_only(caller)?;
        let (task, new) = self.store.reconcile_task_start().await?;
        if new {
            self.queue.enqueue(&task).await;
        }
        Ok(task)
    }

    /// An engine's log, read from its Docker host (through the allow-list, as the workers
    /// dial it). A log that is followed ends after `DBAAS_LOG_FOLLOW_MAX_S`.
    pub async fn engine_logs(&self, caller: &Caller, id: i64, query: LogQuery) -> AppResult<LogStream> {
        use futures_util::StreamExt;
        fleet_only(caller)?;
        let tail = match query.tail {
            None => None,
            Some(n @ 0..=MAX_TAIL) => Some(u32::try_from(n).unwrap_or(0)),
            Some(n) => {
                return Err(AppError::Unprocessable {
                    field: Some("tail"),
                    message: format!("tail must be from 0 to {MAX_TAIL} lines, not {n}"),
                })
            }
        };
        let since = query.since.as_deref().map(parse_since).transpose()?;
        let engine = self.store.engine_get(id).await?;
        let host = self.store.host_get(engine.host_id).await?;
        // A host this deployment may not use, or one that does not answer, is the state of the
        // engine's host (an admin's to mend; the fleet shows it), not a failure of this
        // service: 409, as for an engine with no container.
        let endpoint = &host.docker_endpoint;
        let host_conflict = |why: String| {
            AppError::Conflict(format!(
                "engine {id}'s Docker host {endpoint} {why}, so its log cannot be read now"
            ))
        };
        let (_, tls) = host
            .docker_access::<DockerClientTls>(&self.config.allow, &self.config.secrets)
            .map_err(|e| host_conflict(format!("cannot be used ({e})")))?;
        let docker = self
            .docker
            .get(endpoint, tls.as_ref())
            .await
            .map_err(|e| host_conflict(format!("cannot be reached ({e})")))?;
        if !query.follow {
            let lines = docker
                .logs(&engine.container_name, tail, since, false)
                .map(move |line| line.map_err(|e| log_error(id, e)));
            return Ok(lines.boxed());
        }
        // A followed log rides out the engine's restarts, so an engine with no container to
        // follow is answered now (409, as without `follow`), not held open until the cap.
        let container = docker
            .container_facts(&engine.container_name)
            .await
            .map_err(|e| log_error(id, e))?;
        if container.is_none() {
            return Err(log_error(id, ProvisionError::NoContainer(engine.container_name)));
        }
        let cap = tokio::time::sleep(self.config.log_follow_max);
        let lines = docker
            .follow_logs(engine.container_name, tail, since)
            .map(move |line| line.map_err(|e| log_error(id, e)));
        Ok(lines.take_until(cap).boxed())
    }
}
