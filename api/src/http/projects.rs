//! `/api/project/`: everyone sees global projects and their teams'; members change their teams'.

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
use super::views::{ProjectList, ProjectView};
use super::Tag;
use crate::app::App;
use crate::params::{NoNul, QueryText};
use crate::params::{ProjectCreate, ProjectUpdate};

#[derive(Default)]
pub struct Api;

#[OpenApi(tag = "Tag::Project")]
impl Api {
    /// List projects (global ones and the caller's teams')
    #[oai(path = "/api/project", method = "get", operation_id = "project_list")]
    async fn project_list(
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
    ) -> ApiResult<Json<ProjectList>> {
        let links = Links::for_request(app, req);
        let page = app
            .project_list(&auth.0, page_request(page_size.0, cursor.0.as_deref())?)
            .await?;
        Ok(Json(ProjectList {
            links: list_links(links.base(), req, &page),
            project: page
                .items
                .into_iter()
                .map(|item| ProjectView::new(&links, item))
                .collect(),
        }))
    }

    /// Get a project
    #[oai(path = "/api/project/:id", method = "get", operation_id = "project_get")]
    async fn project_get(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<ProjectView>> {
        let project = app.project_get(&auth.0, id.0).await?;
        Ok(Json(ProjectView::new(&Links::for_request(app, req), project)))
    }

    /// Create a project
    #[oai(path = "/api/project", method = "post", operation_id = "project_create")]
    async fn project_create(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        body: Json<ProjectCreate>,
    ) -> ApiResult<Created<ProjectView>> {
        let project = app.project_create(&auth.0, body.0).await?;
        Ok(created(ProjectView::new(&Links::for_request(app, req), project)))
    }

    /// Change a project
    #[oai(path = "/api/project/:id", method = "patch", operation_id = "project_update")]
    async fn project_update(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        body: Json<ProjectUpdate>,
    ) -> ApiResult<Json<ProjectView>> {
        let project = app.project_update(&auth.0, id.0, body.0).await?;
        Ok(Json(ProjectView::new(&Links::for_request(app, req), project)))
    }

    /// Delete a project no live database is in
    #[oai(path = "/api/project/:id", method = "delete", operation_id = "project_delete")]
    async fn project_delete(&self, auth: BasicAuth, Data(app): Data<&App>, id: Path<i64>) -> ApiResult<Deleted> {
        app.project_delete(&auth.0, id.0).await?;
        Ok(Deleted::Deleted)
    }
}
