//! `/api/user/`: admins manage API users; everyone sees themself.

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
use super::views::{UserList, UserView};
use super::Tag;
use crate::app::App;
use crate::params::{NoNul, QueryText};
use crate::params::{UserCreate, UserUpdate};

#[derive(Default)]
pub struct Api;

#[OpenApi(tag = "Tag::User")]
impl Api {
    /// List users (admins: all; others: themself)
    #[oai(path = "/api/user", method = "get", operation_id = "user_list")]
    async fn user_list(
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
    ) -> ApiResult<Json<UserList>> {
        let links = Links::for_request(app, req);
        let page = app
            .user_list(&auth.0, page_request(page_size.0, cursor.0.as_deref())?)
            .await?;
        Ok(Json(UserList {
            links: list_links(links.base(), req, &page),
            user: page.items.into_iter().map(|item| UserView::new(&links, item)).collect(),
        }))
    }

    /// Get a user
    #[oai(path = "/api/user/:id", method = "get", operation_id = "user_get")]
    async fn user_get(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<UserView>> {
        let user = app.user_get(&auth.0, id.0).await?;
        Ok(Json(UserView::new(&Links::for_request(app, req), user)))
    }

    /// Create a user (admins)
    #[oai(path = "/api/user", method = "post", operation_id = "user_create")]
    async fn user_create(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        body: Json<UserCreate>,
    ) -> ApiResult<Created<UserView>> {
        let user = app.user_create(&auth.0, body.0).await?;
        Ok(created(UserView::new(&Links::for_request(app, req), user)))
    }

    /// Change a user (admins)
    #[oai(path = "/api/user/:id", method = "patch", operation_id = "user_update")]
    async fn user_update(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        body: Json<UserUpdate>,
    ) -> ApiResult<Json<UserView>> {
        let user = app.user_update(&auth.0, id.0, body.0).await?;
        Ok(Json(UserView::new(&Links::for_request(app, req), user)))
    }

    /// Delete a user (admins)
    #[oai(path = "/api/user/:id", method = "delete", operation_id = "user_delete")]
    async fn user_delete(&self, auth: BasicAuth, Data(app): Data<&App>, id: Path<i64>) -> ApiResult<Deleted> {
        app.user_delete(&auth.0, id.0).await?;
        Ok(Deleted::Deleted)
    }
}
