//! `/api/plan/` and `/api/environment/`

use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::paging::{list_links, page_request};
use super::views::{EnvironmentList, EnvironmentView, PlanList, PlanView};
use super::Tag;
use crate::app::App;

pub struct Api;

#[OpenApi(tag = "Tag::Catalog")]
impl Api {
    /// List plans
    #[oai(path = "/api/plan", method = "get", operation_id = "plan_list")]
    async fn plan_list(
        &self,
        _auth: BasicAuth,
        req: &Request,
        /// Items per page: 1 to 1000, 100 by default.
        page_size: Query<Option<i64>>,
        /// Where the page starts: take it from a `next` or `previous` link.
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<PlanList>> {
        let app = req.data::<App>().expect("app");
        let links = Links::for_request(app, req);
        let page = app.plan_list(page_request(page_size.0, cursor.0.as_deref())?).await?;
        Ok(Json(PlanList {
            links: list_links(links.base(), req, &page),
            plan: page.items.into_iter().map(|p| PlanView::new(&links, p)).collect(),
        }))
    }

    /// Get a plan
    #[oai(path = "/api/plan/:id", method = "get", operation_id = "plan_get")]
    async fn plan_get(&self, _auth: BasicAuth, req: &Request, id: Path<i64>) -> ApiResult<Json<PlanView>> {
        let app = req.data::<App>().expect("app");
        let plan = app.plan_get(id.0).await?;
        Ok(Json(PlanView::new(&Links::for_request(app, req), plan)))
    }

    /// List environments
    #[oai(path = "/api/environment", method = "get", operation_id = "environment_list")]
    async fn environment_list(
        &self,
        _auth: BasicAuth,
        req: &Request,
        /// Items per page: 1 to 1000, 100 by default.
        page_size: Query<Option<i64>>,
        /// Where the page starts: take it from a `next` or `previous` link.
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<EnvironmentList>> {
        let app = req.data::<App>().expect("app");
        let links = Links::for_request(app, req);
        let page = app
            .environment_list(page_request(page_size.0, cursor.0.as_deref())?)
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
        _auth: BasicAuth,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<EnvironmentView>> {
        let app = req.data::<App>().expect("app");
        let environment = app.environment_get(id.0).await?;
        Ok(Json(EnvironmentView::new(&Links::for_request(app, req), environment)))
    }
}
