//! `/api/orphan/`: containers labelled as ours that no database claims.

use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::paging::{list_links, page_request};
use super::views::{OrphanList, OrphanView};
use super::Tag;
use crate::app::App;
use crate::params::{NoNul, QueryText};

#[derive(Default)]
pub struct Api;

#[derive(ApiResponse)]
pub enum Removing {
    /// The reconciler will remove the container and its volume on its next pass.
    #[oai(status = 202)]
    Accepted(Json<OrphanView>),
}

#[OpenApi(tag = "Tag::Operations")]
impl Api {
    /// List orphan containers (operators and admins)
    #[oai(path = "/api/orphan", method = "get", operation_id = "orphan_list")]
    async fn orphan_list(
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
    ) -> ApiResult<Json<OrphanList>> {
        let page = app
            .orphan_list(&auth.0, page_request(page_size.0, cursor.0.as_deref())?)
            .await?;
        let links = Links::for_request(app, req);
        Ok(Json(OrphanList {
            links: list_links(links.base(), req, &page),
            orphan: page.items.into_iter().map(|o| OrphanView::new(&links, o)).collect(),
        }))
    }

    /// Remove an orphan container and its volume (operators and admins)
    #[oai(path = "/api/orphan/:id", method = "delete", operation_id = "orphan_delete")]
    async fn orphan_delete(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Removing> {
        let orphan = app.orphan_delete(&auth.0, id.0).await?;
        Ok(Removing::Accepted(Json(OrphanView::new(
            &Links::for_request(app, req),
            orphan,
        ))))
    }
}
