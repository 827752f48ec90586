//! `/api/engine/`: the engine fleet, for operators and admins.

use futures_util::StreamExt;
use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{EventStream, Json, PlainText};
use poem_openapi::{ApiResponse, OpenApi};

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::paging::{list_links, page_request};
use super::responses::Located;
use super::views::{EngineList, EngineView, TaskView};
use super::Tag;
use crate::app::{App, EngineAction, EngineListQuery, LogQuery};
use crate::params::EngineUpgrade;
use crate::params::{NoNul, QueryText};

#[derive(Default)]
pub struct Api;

#[derive(ApiResponse)]
pub enum Accepted {
    /// Recorded: follow the task (also the engine's `latest_task`).
    #[oai(status = 202)]
    Accepted(Json<TaskView>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum Logs {
    /// The log's lines (stdout and stderr as they came), each starting with Docker's RFC 3339
    /// timestamp; with `follow=true`, `text/event-stream`: one `log` event per line as the
    /// engine writes it, ended by the server after `DBAAS_LOG_FOLLOW_MAX_S` (an `end` event).
    #[oai(status = 200)]
    Lines(PlainText<String>),
    #[oai(status = 200)]
    Follow(EventStream<futures_util::stream::BoxStream<'static, String>>),
}

fn accepted(app: &App, req: &Request, task: dbaas_core::model::Task) -> Accepted {
    let view = TaskView::new(&Links::for_request(app, req), task);
    let location = view.location();
    Accepted::Accepted(Json(view), location)
}

#[OpenApi(tag = "Tag::Operations")]
impl Api {
    /// List the engines (operators and admins)
    ///
    /// Every engine of this deployment that is not removed, in id order: what the catalog
    /// says, what a worker last saw of its container (and how long ago), its health and its
    /// drift. Memory, CPU and volume sizes are sampled in the background and carry their age.
    #[oai(path = "/api/engine", method = "get", operation_id = "engine_list")]
    // One argument per query parameter: that is how the spec learns of them.
    #[allow(clippy::too_many_arguments)]
    async fn engine_list(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        /// Only the engines of this environment: `/api/environment/1/`, `1` or a name.
        #[oai(validator(max_length = 200, pattern = r"^[^\x00]*$"))]
        environment: Query<Option<String>>,
        /// Only the engines on the host of this address.
        #[oai(validator(max_length = 200, pattern = r"^[^\x00]*$"))]
        host: Query<Option<String>>,
        /// Only engines of this kind: postgres or mongodb.
        #[oai(validator(pattern = r"^(postgres|mongodb)$"))]
        engine: Query<Option<String>>,
        /// Only engines of this health: healthy, unhealthy or unknown.
        #[oai(validator(pattern = r"^(unknown|healthy|unhealthy)$"))]
        health: Query<Option<String>>,
        /// Only engines with this drift: missing, stopped, wrong_image, wrong_limits or
        /// over_size.
        #[oai(validator(pattern = r"^(missing|stopped|wrong_image|wrong_limits|over_size)$"))]
        drift: Query<Option<String>>,
        /// Items per page: 1 to 1000, 100 by default.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        page_size: Query<Option<i64>>,
        /// Where the page starts: take it from a `next` or `previous` link. One this API did
        /// not give out answers 422.
        cursor: Query<Option<QueryText<NoNul>>>,
    ) -> ApiResult<Json<EngineList>> {
        let query = EngineListQuery {
            environment: environment.0,
            host: host.0,
            engine: engine.0,
            health: health.0,
            drift: drift.0,
        };
        let page = app
            .engine_list(&auth.0, query, page_request(page_size.0, cursor.0.as_deref())?)
            .await?;
        let links = Links::for_request(app, req);
        Ok(Json(EngineList {
            links: list_links(links.base(), req, &page),
            engine: page.items.into_iter().map(|e| EngineView::new(&links, e)).collect(),
        }))
    }

    /// Inspect an engine (operators and admins)
    #[oai(path = "/api/engine/:id", method = "get", operation_id = "engine_get")]
    async fn engine_get(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<EngineView>> {
        let engine = app.engine_get(&auth.0, id.0).await?;
        Ok(Json(EngineView::new(&Links::for_request(app, req), engine)))
    }

    /// Restart an engine (operators and admins)
    ///
    /// Stopped cleanly and started again on its container and volume: every connection ends.
    /// A task on the engine and its database: 409 naming the task while another works there.
    #[oai(path = "/api/engine/:id/restart", method = "post", operation_id = "engine_restart")]
    async fn engine_restart(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Accepted> {
        let task = app.engine_act(&auth.0, id.0, EngineAction::Restart).await?;
        Ok(accepted(app, req, task))
    }

    /// Stop an engine (operators and admins)
    ///
    /// It stays stopped, and nothing recovers it, until an operator starts it; its database
    /// shows unhealthy meanwhile.
    #[oai(path = "/api/engine/:id/stop", method = "post", operation_id = "engine_stop")]
    async fn engine_stop(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Accepted> {
        let task = app.engine_act(&auth.0, id.0, EngineAction::Stop).await?;
        Ok(accepted(app, req, task))
    }

    /// Start an engine (operators and admins)
    ///
    /// One an operator stopped, or one that is down; re-created on its volume if its
    /// container vanished.
    #[oai(path = "/api/engine/:id/start", method = "post", operation_id = "engine_start")]
    async fn engine_start(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Accepted> {
        let task = app.engine_act(&auth.0, id.0, EngineAction::Start).await?;
        Ok(accepted(app, req, task))
    }

    /// Upgrade an engine to another image (operators and admins)
    ///
    /// A restart on the same volume with the new image, of the same engine and major version
    /// (another answers 422). An image its Docker host does not have fails the task, and the
    /// engine runs on with its old image.
    #[oai(path = "/api/engine/:id/upgrade", method = "post", operation_id = "engine_upgrade")]
    async fn engine_upgrade(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        body: Json<EngineUpgrade>,
    ) -> ApiResult<Accepted> {
        let action = EngineAction::Upgrade { image: body.0.image };
        let task = app.engine_act(&auth.0, id.0, action).await?;
        Ok(accepted(app, req, task))
    }

    /// Run a reconciler round now (operators and admins)
    ///
    /// The round the workers make every `DBAAS_LIFECYCLE_INTERVAL_S`: health, recovery,
    /// pooled engines, orphans. Answers the task to follow; asked again while one waits to
    /// start, the same task.
    #[oai(path = "/api/reconcile", method = "post", operation_id = "reconcile")]
    async fn reconcile(&self, auth: BasicAuth, Data(app): Data<&App>, req: &Request) -> ApiResult<Accepted> {
        let task = app.reconcile(&auth.0).await?;
        Ok(accepted(app, req, task))
    }

    /// Read an engine's log (operators and admins)
    ///
    /// From its Docker host. Plain text by default; `follow=true` streams it as
    /// `text/event-stream` until `DBAAS_LOG_FOLLOW_MAX_S` (300 s by default) have passed.
    #[oai(path = "/api/engine/:id/logs", method = "get", operation_id = "engine_logs")]
    async fn engine_logs(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        id: Path<i64>,
        /// The last lines only: 0 to 10000 (422 beyond); all by default.
        tail: Query<Option<i64>>,
        /// Only lines from this time on: RFC 3339 (`2026-12-01T00:00:00Z`) or Unix seconds.
        #[oai(validator(max_length = 64, pattern = r"^[^\x00]*$"))]
        since: Query<Option<String>>,
        /// Stream what the engine writes next, as server-sent events.
        follow: Query<Option<bool>>,
    ) -> ApiResult<Logs> {
        let follow = follow.0.unwrap_or(false);
        let query = LogQuery {
            tail: tail.0,
            since: since.0,
            follow,
        };
        let mut lines = app.engine_logs(&auth.0, id.0, query).await?;
        if !follow {
            let mut text = String::new();
            while let Some(line) = lines.next().await {
                text.push_str(&line?);
            }
            return Ok(Logs::Lines(PlainText(text)));
        }
        // One event per line (a chunk may hold several, or a part of one), then `end`.
        let events = lines
            .flat_map(|chunk| {
                let lines: Vec<String> = match chunk {
                    Ok(chunk) => chunk.lines().map(str::to_owned).collect(),
                    Err(e) => vec![format!("error: {e}")],
                };
                futures_util::stream::iter(lines.into_iter().filter(|l| !l.is_empty()))
            })
            .chain(futures_util::stream::once(async { String::new() }))
            .boxed();
        Ok(Logs::Follow(EventStream::new(events).to_event(|line| {
            if line.is_empty() {
                poem::web::sse::Event::message("the server's limit on following a log was reached").event_type("end")
            } else {
                poem::web::sse::Event::message(line).event_type("log")
            }
        })))
    }
}
