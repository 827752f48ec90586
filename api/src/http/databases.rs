//! `/api/database/`

use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::paging::{list_links, page_request};
use super::responses::Located;
use super::serialized::{Serialized, Written};
use super::views::{DatabaseList, DatabaseOrTask, DatabaseView, TaskView};
use super::Tag;
use crate::app::{App, DatabaseListQuery, Waited};
use crate::params::{DatabaseCreate, DatabaseUpdate};
use crate::params::{DatabaseStatusFilter, NoNul, QueryText};

#[derive(Default)]
pub struct Api;

#[derive(ApiResponse)]
pub enum Accepted {
    /// Recorded; a worker is on it. Follow `_links.task`, or poll the database's `status`.
    #[oai(status = 202)]
    Accepted(Serialized<DatabaseView>, #[oai(header = "Location")] String),
}

fn accepted(view: DatabaseView) -> Accepted {
    let location = view.location();
    Accepted::Accepted(Serialized(view), location)
}

#[derive(ApiResponse)]
pub enum Updated {
    /// Changed (a resize included, when it finished within the request).
    #[oai(status = 200)]
    Done(Serialized<DatabaseView>),
    /// A resize is under way, the other changes made: the database as it is, and in
    /// `Location` its task to follow.
    #[oai(status = 202)]
    Resizing(Serialized<DatabaseView>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum Restored {
    /// Ready again; every credential has a new password.
    #[oai(status = 200)]
    Done(Json<DatabaseOrTask>),
    /// The worker has not finished yet. Follow the task.
    #[oai(status = 202)]
    Accepted(Json<DatabaseOrTask>, #[oai(header = "Location")] String),
}

#[OpenApi(tag = "Tag::Database")]
impl Api {
    /// Create a database
    ///
    /// Records the database with its owner credential `u_<name>` and starts provisioning it.
    /// A client that did not get the answer may send the same request again with the same
    /// `Idempotency-Key`: it gets the database the first one made, never a second one.
    #[oai(path = "/api/database", method = "post", operation_id = "database_create")]
    async fn database_create(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        /// A key of your choosing (1 to 255 visible ASCII characters, such as a UUID), unique
        /// per request: a retry with the same key and the same body answers the database the
        /// first request made; the key with another body answers 422. Keys are yours alone.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = r"^[!-~]+$")
        )]
        idempotency_key: Header<Option<String>>,
        body: Json<DatabaseCreate>,
    ) -> ApiResult<Accepted> {
        let detail = app.database_create(&auth.0, body.0, idempotency_key.0).await?;
        Ok(accepted(DatabaseView::of_detail(
            &Links::for_request(app, req),
            &detail,
        )))
    }

    /// List databases
    ///
    /// The databases of your teams (all of them for admins), oldest first.
    #[oai(path = "/api/database", method = "get", operation_id = "database_list")]
    // One argument per query parameter: that is how the spec learns of them.
    #[allow(clippy::too_many_arguments)]
    async fn database_list(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        /// Only the database of this name.
        name: Query<Option<QueryText<NoNul>>>,
        /// Only databases of this project: `/api/project/1/`, `1` or its name. One that
        /// names no project matches nothing.
        project: Query<Option<QueryText<NoNul>>>,
        /// Only databases of this environment: `/api/environment/1/`, `1` or its name. One
        /// that names no environment matches nothing.
        environment: Query<Option<QueryText<NoNul>>>,
        /// Only databases in this status.
        status: Query<Option<QueryText<DatabaseStatusFilter>>>,
        /// Only databases of this team (by id).
        team: Query<Option<i64>>,
        /// Include destroyed databases.
        #[oai(name = "showDeleted")]
        show_deleted: Query<Option<bool>>,
        /// Items per page: 1 to 1000, 100 by default.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        page_size: Query<Option<i64>>,
        /// Where the page starts: take it from a `next` or `previous` link. One this API did
        /// not give out answers 422.
        cursor: Query<Option<QueryText<NoNul>>>,
    ) -> ApiResult<Written<DatabaseList>> {
        let query = DatabaseListQuery {
            name: name.0.map(String::from),
            project: project.0.map(String::from),
            environment: environment.0.map(String::from),
            status: status.0.map(String::from),
            team: team.0,
            show_deleted: show_deleted.0.unwrap_or(false),
        };
        let page = app
            .database_list(&auth.0, query, page_request(page_size.0, cursor.0.as_deref())?)
            .await?;
        let links = Links::for_request(app, req);
        let items: Vec<_> = page.items.iter().map(|d| DatabaseView::rendered(&links, d)).collect();
        let json = DatabaseList::written(&list_links(links.base(), req, &page), &items);
        Ok(Written::new(json))
    }

    /// Get a database
    #[oai(path = "/api/database/:id", method = "get", operation_id = "database_get")]
    async fn database_get(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Serialized<DatabaseView>> {
        let summary = app.database_read(&auth.0, id.0).await?;
        Ok(Serialized(DatabaseView::new(&Links::for_request(app, req), &summary)))
    }

    /// Update a database
    ///
    /// Changes its project, description, tags or protection, or resizes it to another plan
    /// of its engine and image (`plan`: limits changed on the running engine, sessions kept);
    /// name and environment are fixed at creation.
    #[oai(path = "/api/database/:id", method = "patch", operation_id = "database_update")]
    async fn database_update(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        body: Json<DatabaseUpdate>,
    ) -> ApiResult<Updated> {
        let links = Links::for_request(app, req);
        Ok(match app.database_update(&auth.0, id.0, body.0).await? {
            Waited::Done(detail) => Updated::Done(Serialized(DatabaseView::of_detail(&links, &detail))),
            Waited::Pending(task) => {
                let summary = app.database_read(&auth.0, id.0).await?;
                Updated::Resizing(Serialized(DatabaseView::new(&links, &summary)), links.task(task.id))
            }
        })
    }

    /// Restore a quarantined database
    ///
    /// Within the quarantine period, brings the database back to `ready`; every credential
    /// gets a new generated password (the old ones are gone for good).
    #[oai(
        path = "/api/database/:id/restore",
        method = "post",
        operation_id = "database_restore"
    )]
    async fn database_restore(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Restored> {
        let links = Links::for_request(app, req);
        Ok(match app.database_restore(&auth.0, id.0).await? {
            Waited::Done(detail) => {
                Restored::Done(Json(DatabaseOrTask::Database(DatabaseView::of_detail(&links, &detail))))
            }
            Waited::Pending(task) => {
                let view = TaskView::new(&links, *task);
                let location = view.location();
                Restored::Accepted(Json(DatabaseOrTask::Task(view)), location)
            }
        })
    }

    /// Delete a database
    ///
    /// The first DELETE quarantines it: every credential's password is replaced by an unknown
    /// one and sessions are cut; the data stays. A DELETE of a quarantined database destroys
    /// it. Refused while `is_protected` is true.
    #[oai(path = "/api/database/:id", method = "delete", operation_id = "database_delete")]
    async fn database_delete(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Accepted> {
        let detail = app.database_delete(&auth.0, id.0).await?;
        Ok(accepted(DatabaseView::of_detail(
            &Links::for_request(app, req),
            &detail,
        )))
    }
}
