//! `/api/database/`

use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::views::{DatabaseCreate, DatabaseView};
use super::Tag;
use crate::app::{App, DatabaseRequest};

pub struct Api;

#[derive(ApiResponse)]
pub enum Accepted {
    /// Recorded; a worker is provisioning it. Follow `_links.task`, or poll the database until
    /// `status` is `ready`.
    #[oai(status = 202)]
    Accepted(Json<DatabaseView>, #[oai(header = "Location")] String),
}

#[OpenApi(tag = "Tag::Database")]
impl Api {
    /// Create a database
    ///
    /// Records the database with its owner credential `u_<name>` and starts provisioning it.
    #[oai(
        path = "/api/database",
        method = "post",
        operation_id = "database_create"
    )]
    async fn database_create(
        &self,
        auth: BasicAuth,
        req: &Request,
        body: Json<DatabaseCreate>,
    ) -> ApiResult<Accepted> {
        let app = req.data::<App>().expect("app");
        let Json(body) = body;
        let request = DatabaseRequest {
            name: body.name,
            plan: body.plan.into_text(),
            environment: body.environment.into_text(),
            project: body.project.map(|p| p.into_text()),
            description: body.description,
        };
        let detail = app.database_create(&auth.0, request).await?;
        let view = DatabaseView::new(&Links::for_request(app, req), &detail);
        let location = view.links.self_.clone();
        Ok(Accepted::Accepted(Json(view), location))
    }

    /// Get a database
    #[oai(
        path = "/api/database/:id",
        method = "get",
        operation_id = "database_get"
    )]
    async fn database_get(
        &self,
        auth: BasicAuth,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<DatabaseView>> {
        let app = req.data::<App>().expect("app");
        let detail = app.database_get(&auth.0, id.0).await?;
        Ok(Json(DatabaseView::new(
            &Links::for_request(app, req),
            &detail,
        )))
    }
}
