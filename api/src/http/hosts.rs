//! `/api/environment/{id}/host/`: an environment's Docker hosts (admins).

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
use super::views::{HostList, HostView};
use super::Tag;
use crate::app::App;
use crate::params::{HostCreate, HostUpdate};
use crate::params::{NoNul, QueryText};

#[derive(Default)]
pub struct Api;

#[OpenApi(tag = "Tag::Operations")]
impl Api {
    /// List an environment's hosts (admins)
    #[oai(path = "/api/environment/:id/host", method = "get", operation_id = "host_list")]
    async fn host_list(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        /// Items per page: 1 to 1000, 100 by default.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        page_size: Query<Option<i64>>,
        /// Where the page starts: take it from a `next` or `previous` link. One this API did
        /// not give out answers 422.
        cursor: Query<Option<QueryText<NoNul>>>,
    ) -> ApiResult<Json<HostList>> {
        let links = Links::for_request(app, req);
        let page = app
            .host_list(&auth.0, id.0, page_request(page_size.0, cursor.0.as_deref())?)
            .await?;
        Ok(Json(HostList {
            links: list_links(links.base(), req, &page),
            host: page.items.into_iter().map(|h| HostView::new(&links, h)).collect(),
        }))
    }

    /// Get a host (admins)
    #[oai(
        path = "/api/environment/:id/host/:host_id",
        method = "get",
        operation_id = "host_get"
    )]
    async fn host_get(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        host_id: Path<i64>,
    ) -> ApiResult<Json<HostView>> {
        let host = app.host_get(&auth.0, id.0, host_id.0).await?;
        Ok(Json(HostView::new(&Links::for_request(app, req), host)))
    }

    /// Add a host to an environment (admins)
    #[oai(path = "/api/environment/:id/host", method = "post", operation_id = "host_create")]
    async fn host_create(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        body: Json<HostCreate>,
    ) -> ApiResult<Created<HostView>> {
        let host = app.host_create(&auth.0, id.0, body.0).await?;
        Ok(created(HostView::new(&Links::for_request(app, req), host)))
    }

    /// Change a host, or cordon it (admins)
    #[oai(
        path = "/api/environment/:id/host/:host_id",
        method = "patch",
        operation_id = "host_update"
    )]
    async fn host_update(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        host_id: Path<i64>,
        body: Json<HostUpdate>,
    ) -> ApiResult<Json<HostView>> {
        let host = app.host_update(&auth.0, id.0, host_id.0, body.0).await?;
        Ok(Json(HostView::new(&Links::for_request(app, req), host)))
    }

    /// Delete a host no engine is on (admins)
    #[oai(
        path = "/api/environment/:id/host/:host_id",
        method = "delete",
        operation_id = "host_delete"
    )]
    async fn host_delete(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        id: Path<i64>,
        host_id: Path<i64>,
    ) -> ApiResult<Deleted> {
        app.host_delete(&auth.0, id.0, host_id.0).await?;
        Ok(Deleted::Deleted)
    }
}
