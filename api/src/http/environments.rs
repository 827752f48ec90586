//! `/api/environment/`: everyone reads environments, admins change them.

use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::paging::{list_links, page_request};
use super::responses::{created, Created, Deleted};
use super::views::{EnvironmentList, EnvironmentView};
use super::Tag;
use crate::app::App;
use crate::params::{EnvironmentCreate, EnvironmentUpdate};
use crate::params::{NoNul, QueryText};

#[derive(Default)]
pub struct Api;

#[OpenApi(tag = "Tag::Catalog")]
impl Api {
    /// List environments
    #[oai(path = "/api/environment", method = "get", operation_id = "environment_list")]
    async fn environment_list(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        /// Items per page: 1 to 1000, 100 by default.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        page_size: Query<Option<i64>>,
        /// Where the page starts: take it from a `next` or `previous` link. One this API did
        /// not give out answers 422.
        cursor: Query<Option<QueryText<NoNul>>>,
    ) -> ApiResult<Json<EnvironmentList>> {
        let links = Links::for_request(app, req);
        let page = app
            .environment_list(&auth.0, page_request(page_size.0, cursor.0.as_deref())?)
            .await?;
        Ok(Json(EnvironmentList {
            links: list_links(links.base(), req, &page),
            environment: page
                .items
                .into_iter()
                .map(|e| EnvironmentView::new(&links, e))
                .collect(),
        }))
    }

    /// Get an environment
    #[oai(path = "/api/environment/:id", method = "get", operation_id = "environment_get")]
    async fn environment_get(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<EnvironmentView>> {
        let environment = app.environment_get(&auth.0, id.0).await?;
        Ok(Json(EnvironmentView::new(&Links::for_request(app, req), environment)))
    }

    /// Create an environment (admins)
    #[oai(path = "/api/environment", method = "post", operation_id = "environment_create")]
    async fn environment_create(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        body: Json<EnvironmentCreate>,
    ) -> ApiResult<Created<EnvironmentView>> {
        let environment = app.environment_create(&auth.0, body.0).await?;
        let links = Links::for_request(app, req);
        Ok(created(EnvironmentView::new(&links, environment)))
    }

    /// Change an environment (admins)
    #[oai(path = "/api/environment/:id", method = "patch", operation_id = "environment_update")]
    async fn environment_update(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        body: Json<EnvironmentUpdate>,
    ) -> ApiResult<Json<EnvironmentView>> {
        let environment = app.environment_update(&auth.0, id.0, body.0).await?;
        let links = Links::for_request(app, req);
        Ok(Json(EnvironmentView::new(&links, environment)))
    }

    /// Delete an environment no live database uses (admins)
    #[oai(
        path = "/api/environment/:id",
        method = "delete",
        operation_id = "environment_delete"
    )]
    async fn environment_delete(&self, auth: BasicAuth, Data(app): Data<&App>, id: Path<i64>) -> ApiResult<Deleted> {
        app.environment_delete(&auth.0, id.0).await?;
        Ok(Deleted::Deleted)
    }
}
