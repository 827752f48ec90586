//! `/api/plan/`: everyone reads plans, admins change them.

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
use super::views::{PlanList, PlanView};
use super::Tag;
use crate::app::App;
use crate::params::{NoNul, QueryText};
use crate::params::{PlanCreate, PlanUpdate};

#[derive(Default)]
pub struct Api;

#[OpenApi(tag = "Tag::Catalog")]
impl Api {
    /// List plans
    #[oai(path = "/api/plan", method = "get", operation_id = "plan_list")]
    async fn plan_list(
        &self,
        _auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        /// Items per page: 1 to 1000, 100 by default.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        page_size: Query<Option<i64>>,
        /// Where the page starts: take it from a `next` or `previous` link. One this API did
        /// not give out answers 422.
        cursor: Query<Option<QueryText<NoNul>>>,
    ) -> ApiResult<Json<PlanList>> {
        let links = Links::for_request(app, req);
        let page = app.plan_list(page_request(page_size.0, cursor.0.as_deref())?).await?;
        Ok(Json(PlanList {
            links: list_links(links.base(), req, &page),
            plan: page.items.into_iter().map(|p| PlanView::new(&links, p)).collect(),
        }))
    }

    /// Get a plan
    #[oai(path = "/api/plan/:id", method = "get", operation_id = "plan_get")]
    async fn plan_get(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<PlanView>> {
        let plan = app.plan_get(&auth.0, id.0).await?;
        Ok(Json(PlanView::detail(&Links::for_request(app, req), plan)))
    }

    /// Create a plan (admins)
    #[oai(path = "/api/plan", method = "post", operation_id = "plan_create")]
    async fn plan_create(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        body: Json<PlanCreate>,
    ) -> ApiResult<Created<PlanView>> {
        let plan = app.plan_create(&auth.0, body.0).await?;
        Ok(created(PlanView::detail(&Links::for_request(app, req), plan)))
    }

    /// Change a plan (admins)
    #[oai(path = "/api/plan/:id", method = "patch", operation_id = "plan_update")]
    async fn plan_update(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        body: Json<PlanUpdate>,
    ) -> ApiResult<Json<PlanView>> {
        let plan = app.plan_update(&auth.0, id.0, body.0).await?;
        Ok(Json(PlanView::detail(&Links::for_request(app, req), plan)))
    }

    /// Delete a plan no live database uses (admins)
    #[oai(path = "/api/plan/:id", method = "delete", operation_id = "plan_delete")]
    async fn plan_delete(&self, auth: BasicAuth, Data(app): Data<&App>, id: Path<i64>) -> ApiResult<Deleted> {
        app.plan_delete(&auth.0, id.0).await?;
        Ok(Deleted::Deleted)
    }
}
