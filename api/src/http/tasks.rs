//! `/api/task/`

use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::views::TaskView;
use super::Tag;
use crate::app::App;

pub struct Api;

#[OpenApi(tag = "Tag::Task")]
impl Api {
    /// Get a task
    #[oai(path = "/api/task/:id", method = "get", operation_id = "task_get")]
    async fn task_get(
        &self,
        auth: BasicAuth,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<TaskView>> {
        let app = req.data::<App>().expect("app");
        let task = app.task_get(&auth.0, id.0).await?;
        Ok(Json(TaskView::new(&Links::for_request(app, req), task)))
    }
}
