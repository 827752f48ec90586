//! `/api/orphan/`: containers labelled as ours that no database claims.

use chrono::{DateTime, Utc};
use dbaas_core::model::Orphan;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::paging::{list_links, page_request};
use super::views::{ListLinks, SelfLink};
use super::Tag;
use crate::app::App;

#[derive(Default)]
pub struct Api;

/// A container labelled as this deployment's that no live database claims.
#[derive(Debug, Clone, Object)]
pub struct OrphanView {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub environment: String,
    pub container_name: String,
    pub container_id: String,
    /// The `dbaas.database.uid` label, if it has one.
    #[oai(nullable)]
    pub database_uid: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Set once an admin asked for its removal.
    #[oai(nullable)]
    pub remove_requested_at: Option<DateTime<Utc>>,
}

impl OrphanView {
    fn new(links: &Links, orphan: Orphan) -> Self {
        Self {
            links: SelfLink {
                self_: format!("{}/api/orphan/{}/", links.base(), orphan.id),
            },
            id: orphan.id,
            environment: links.environment(orphan.environment_id),
            container_name: orphan.container_name,
            container_id: orphan.container_id,
            database_uid: orphan.database_uid,
            first_seen: orphan.first_seen,
            last_seen: orphan.last_seen,
            remove_requested_at: orphan.remove_requested_at,
        }
    }
}

/// The orphan containers.
#[derive(Debug, Clone, Object)]
pub struct OrphanList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub orphan: Vec<OrphanView>,
}

#[derive(ApiResponse)]
pub enum Removing {
    /// The reconciler will remove the container and its volume on its next pass.
    #[oai(status = 202)]
    Accepted(Json<OrphanView>),
}

#[OpenApi(tag = "Tag::Operations")]
impl Api {
    /// List orphan containers (admins)
    #[oai(path = "/api/orphan", method = "get", operation_id = "orphan_list")]
    async fn orphan_list(
        &self,
        auth: BasicAuth,
        req: &Request,
        /// Items per page: 1 to 1000, 100 by default.
        page_size: Query<Option<i64>>,
        /// Where the page starts: take it from a `next` or `previous` link.
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<OrphanList>> {
        let app = req.data::<App>().expect("app");
        let page = app
            .orphan_list(&auth.0, page_request(page_size.0, cursor.0.as_deref())?)
            .await?;
        let links = Links::for_request(app, req);
        Ok(Json(OrphanList {
            links: list_links(links.base(), req, &page),
            orphan: page.items.into_iter().map(|o| OrphanView::new(&links, o)).collect(),
        }))
    }

    /// Remove an orphan container and its volume (admins)
    #[oai(path = "/api/orphan/:id", method = "delete", operation_id = "orphan_delete")]
    async fn orphan_delete(&self, auth: BasicAuth, req: &Request, id: Path<i64>) -> ApiResult<Removing> {
        let app = req.data::<App>().expect("app");
        let orphan = app.orphan_delete(&auth.0, id.0).await?;
        Ok(Removing::Accepted(Json(OrphanView::new(
            &Links::for_request(app, req),
            orphan,
        ))))
    }
}
