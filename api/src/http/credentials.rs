//! `/api/credential/`

use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::paging::{list_links, page_request};
use super::responses::Located;
use super::views::{CredentialList, CredentialListItem, CredentialOrTask, CredentialView, TaskView};
use super::Tag;
use crate::app::{App, CredentialDetail, Waited};
use crate::params::CredentialCreate;
use crate::params::{NoNul, QueryText};

#[derive(Default)]
pub struct Api;

#[derive(ApiResponse)]
pub enum Created {
    /// Created; the password works.
    #[oai(status = 201)]
    Created(Json<CredentialOrTask>, #[oai(header = "Location")] String),
    /// Recorded; the worker has not finished yet. Follow the task.
    #[oai(status = 202)]
    Accepted(Json<CredentialOrTask>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum Reset {
    /// The new password works, and the old one no longer does.
    #[oai(status = 200)]
    Done(Json<CredentialOrTask>),
    /// The worker has not finished yet. Follow the task.
    #[oai(status = 202)]
    Accepted(Json<CredentialOrTask>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum Deleted {
    /// The user is gone from the engine.
    #[oai(status = 204)]
    Done,
    /// The worker has not finished yet. Follow the task.
    #[oai(status = 202)]
    Accepted(Json<TaskView>, #[oai(header = "Location")] String),
}

fn pending(links: &Links, task: dbaas_core::model::Task) -> (TaskView, String) {
    let view = TaskView::new(links, task);
    let location = view.location();
    (view, location)
}

fn done(links: &Links, detail: CredentialDetail) -> (CredentialView, String) {
    let view = CredentialView::new(links, detail);
    let location = view.location();
    (view, location)
}

#[OpenApi(tag = "Tag::Credential")]
impl Api {
    /// Create a credential
    ///
    /// A new engine user for a database, with a generated password and exactly the privileges
    /// asked for.
    #[oai(path = "/api/credential", method = "post", operation_id = "credential_create")]
    async fn credential_create(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        body: Json<CredentialCreate>,
    ) -> ApiResult<Created> {
        let links = Links::for_request(app, req);
        Ok(match app.credential_create(&auth.0, body.0).await? {
            Waited::Done(detail) => {
                let (view, location) = done(&links, detail);
                Created::Created(Json(CredentialOrTask::Credential(view)), location)
            }
            Waited::Pending(task) => {
                let (view, location) = pending(&links, *task);
                Created::Accepted(Json(CredentialOrTask::Task(view)), location)
            }
        })
    }

    /// List credentials
    ///
    /// Passwords are never listed: get a credential to see its password.
    #[oai(path = "/api/credential", method = "get", operation_id = "credential_list")]
    async fn credential_list(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        /// Only the credentials of this database: `/api/database/1/` or `1`. One that names
        /// no database (a name, say) matches nothing.
        database: Query<Option<QueryText<NoNul>>>,
        /// Items per page: 1 to 1000, 100 by default.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        page_size: Query<Option<i64>>,
        /// Where the page starts: take it from a `next` or `previous` link. One this API did
        /// not give out answers 422.
        cursor: Query<Option<QueryText<NoNul>>>,
    ) -> ApiResult<Json<CredentialList>> {
        let page = app
            .credential_list(
                &auth.0,
                database.0.map(String::from),
                page_request(page_size.0, cursor.0.as_deref())?,
            )
            .await?;
        let links = Links::for_request(app, req);
        Ok(Json(CredentialList {
            links: list_links(links.base(), req, &page),
            credential: page
                .items
                .into_iter()
                .map(|c| CredentialListItem::new(&links, c))
                .collect(),
        }))
    }

    /// Get a credential, with its password
    #[oai(path = "/api/credential/:id", method = "get", operation_id = "credential_get")]
    async fn credential_get(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<CredentialView>> {
        let detail = app.credential_get(&auth.0, id.0).await?;
        Ok(Json(CredentialView::new(&Links::for_request(app, req), detail)))
    }

    /// Reset a credential's password
    ///
    /// Generates a new password; once this answers 200 the old password is refused.
    #[oai(
        path = "/api/credential/:id/reset_password",
        method = "post",
        operation_id = "credential_reset_password"
    )]
    async fn credential_reset_password(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Reset> {
        let links = Links::for_request(app, req);
        Ok(match app.credential_reset_password(&auth.0, id.0).await? {
            Waited::Done(detail) => {
                Reset::Done(Json(CredentialOrTask::Credential(CredentialView::new(&links, detail))))
            }
            Waited::Pending(task) => {
                let (view, location) = pending(&links, *task);
                Reset::Accepted(Json(CredentialOrTask::Task(view)), location)
            }
        })
    }

    /// Delete a credential
    ///
    /// Drops the engine user and cuts its sessions. The owner credential goes with its
    /// database.
    #[oai(path = "/api/credential/:id", method = "delete", operation_id = "credential_delete")]
    async fn credential_delete(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Deleted> {
        Ok(match app.credential_delete(&auth.0, id.0).await? {
            Waited::Done(()) => Deleted::Done,
            Waited::Pending(task) => {
                let (view, location) = pending(&Links::for_request(app, req), *task);
                Deleted::Accepted(Json(view), location)
            }
        })
    }
}
