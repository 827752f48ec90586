//! `/api/plan/` and `/api/environment/`

use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::views::{single_page, EnvironmentList, EnvironmentView, PlanList, PlanView};
use super::Tag;
use crate::app::App;

pub struct Api;

#[OpenApi(tag = "Tag::Catalog")]
impl Api {
    /// List plans
    #[oai(path = "/api/plan", method = "get", operation_id = "plan_list")]
    async fn plan_list(&self, _auth: BasicAuth, req: &Request) -> ApiResult<Json<PlanList>> {
        let app = req.data::<App>().expect("app");
        let links = Links::for_request(app, req);
        let plans = app.plan_list().await?;
        Ok(Json(PlanList {
            links: single_page(&links, "plan", plans.len()),
            plan: plans
                .into_iter()
                .map(|p| PlanView::new(&links, p))
                .collect(),
        }))
    }

    /// Get a plan
    #[oai(path = "/api/plan/:id", method = "get", operation_id = "plan_get")]
    async fn plan_get(
        &self,
        _auth: BasicAuth,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<PlanView>> {
        let app = req.data::<App>().expect("app");
        let plan = app.plan_get(id.0).await?;
        Ok(Json(PlanView::new(&Links::for_request(app, req), plan)))
    }

    /// List environments
    #[oai(
        path = "/api/environment",
        method = "get",
        operation_id = "environment_list"
    )]
    async fn environment_list(
        &self,
        _auth: BasicAuth,
        req: &Request,
    ) -> ApiResult<Json<EnvironmentList>> {
        let app = req.data::<App>().expect("app");
        let links = Links::for_request(app, req);
        let environments = app.environment_list().await?;
        Ok(Json(EnvironmentList {
            links: single_page(&links, "environment", environments.len()),
            environment: environments
                .into_iter()
                .map(|e| EnvironmentView::new(&links, e))
                .collect(),
        }))
    }

    /// Get an environment
    #[oai(
        path = "/api/environment/:id",
        method = "get",
        operation_id = "environment_get"
    )]
    async fn environment_get(
        &self,
        _auth: BasicAuth,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<EnvironmentView>> {
        let app = req.data::<App>().expect("app");
        let environment = app.environment_get(id.0).await?;
        Ok(Json(EnvironmentView::new(
            &Links::for_request(app, req),
            environment,
        )))
    }
}
