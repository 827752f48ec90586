//! `/api/engine/`: the engine fleet, for operators and admins.

use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::paging::{list_links, page_request};
use super::views::{EngineList, EngineView};
use super::Tag;
use crate::app::{App, EngineListQuery};

#[derive(Default)]
pub struct Api;

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
        #[oai(validator(pattern = r"^[^\x00]*$"))]
        cursor: Query<Option<String>>,
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
}
