//! `/api/team/`: admins manage teams, members see their own.

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
use super::views::{TeamList, TeamView};
use super::Tag;
use crate::app::App;
use crate::params::{NoNul, QueryText};
use crate::params::{TeamCreate, TeamUpdate};

#[derive(Default)]
pub struct Api;

#[OpenApi(tag = "Tag::Team")]
impl Api {
    /// List teams (admins: all; others: their own)
    #[oai(path = "/api/team", method = "get", operation_id = "team_list")]
    async fn team_list(
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
    ) -> ApiResult<Json<TeamList>> {
        let links = Links::for_request(app, req);
        let page = app
            .team_list(&auth.0, page_request(page_size.0, cursor.0.as_deref())?)
            .await?;
        Ok(Json(TeamList {
            links: list_links(links.base(), req, &page),
            team: page.items.into_iter().map(|item| TeamView::new(&links, item)).collect(),
        }))
    }

    /// Get a team
    #[oai(path = "/api/team/:id", method = "get", operation_id = "team_get")]
    async fn team_get(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<TeamView>> {
        let team = app.team_get(&auth.0, id.0).await?;
        Ok(Json(TeamView::new(&Links::for_request(app, req), team)))
    }

    /// Create a team (admins)
    #[oai(path = "/api/team", method = "post", operation_id = "team_create")]
    async fn team_create(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        body: Json<TeamCreate>,
    ) -> ApiResult<Created<TeamView>> {
        let team = app.team_create(&auth.0, body.0).await?;
        Ok(created(TeamView::new(&Links::for_request(app, req), team)))
    }

    /// Change a team (admins)
    #[oai(path = "/api/team/:id", method = "patch", operation_id = "team_update")]
    async fn team_update(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        body: Json<TeamUpdate>,
    ) -> ApiResult<Json<TeamView>> {
        let team = app.team_update(&auth.0, id.0, body.0).await?;
        Ok(Json(TeamView::new(&Links::for_request(app, req), team)))
    }

    /// Delete a team that owns no live database and no project (admins)
    #[oai(path = "/api/team/:id", method = "delete", operation_id = "team_delete")]
    async fn team_delete(&self, auth: BasicAuth, Data(app): Data<&App>, id: Path<i64>) -> ApiResult<Deleted> {
        app.team_delete(&auth.0, id.0).await?;
        Ok(Deleted::Deleted)
    }
}
