//! `/api/task/`

use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::paging::{list_links, page_request};
use super::views::{TaskList, TaskView};
use super::Tag;
use crate::app::{App, TaskListQuery};
use crate::params::{NoNul, QueryText};

#[derive(Default)]
pub struct Api;

#[OpenApi(tag = "Tag::Task")]
impl Api {
    /// List tasks
    ///
    /// The tasks on your teams' databases (all of them for admins), oldest first.
    #[oai(path = "/api/task", method = "get", operation_id = "task_list")]
    // One argument per query parameter: that is how the spec learns of them.
    #[allow(clippy::too_many_arguments)]
    async fn task_list(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        /// Only the tasks of this database (by id).
        database: Query<Option<i64>>,
        /// Only tasks in this status: queued, running, succeeded or failed.
        #[oai(validator(pattern = r"^(queued|running|succeeded|failed)$"))]
        status: Query<Option<String>>,
        /// Items per page: 1 to 1000, 100 by default.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        page_size: Query<Option<i64>>,
        /// Where the page starts: take it from a `next` or `previous` link. One this API did
        /// not give out answers 422.
        cursor: Query<Option<QueryText<NoNul>>>,
    ) -> ApiResult<Json<TaskList>> {
        let query = TaskListQuery {
            database: database.0,
            status: status.0,
        };
        let page = app
            .task_list(&auth.0, query, page_request(page_size.0, cursor.0.as_deref())?)
            .await?;
        let links = Links::for_request(app, req);
        Ok(Json(TaskList {
            links: list_links(links.base(), req, &page),
            task: page.items.into_iter().map(|t| TaskView::new(&links, t)).collect(),
        }))
    }

    /// Get a task
    #[oai(path = "/api/task/:id", method = "get", operation_id = "task_get")]
    async fn task_get(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<TaskView>> {
        let task = app.task_get(&auth.0, id.0).await?;
        Ok(Json(TaskView::new(&Links::for_request(app, req), task)))
    }
}
