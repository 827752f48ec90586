//! `/api/audit/`: the audit trail (see [`super::audit_trail`] for what is recorded).

use poem::web::Data;
use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::paging::{list_links, page_request};
use super::views::{AuditList, AuditRecordView};
use super::Tag;
use crate::app::{App, AuditListQuery};
use crate::params::{NoNul, QueryText};

#[derive(Default)]
pub struct Api;

#[OpenApi(tag = "Tag::Audit")]
impl Api {
    /// List audit records (admins: all; others: their teams' resources and their own calls)
    ///
    /// Every state-changing call, every read of a credential's password and every failed
    /// login, oldest first. Records say who, when, from which address, which operation on
    /// which resource and the status answered; never a request body or a secret.
    #[oai(path = "/api/audit", method = "get", operation_id = "audit_list")]
    // One argument per query parameter: that is how the spec learns of them.
    #[allow(clippy::too_many_arguments)]
    async fn audit_list(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        /// Only the calls made as this username (failed logins included).
        #[oai(validator(min_length = 1, max_length = 256, pattern = r"^[^\x00]*$"))]
        user: Query<Option<String>>,
        /// Only the records about this resource (`/api/database/1/`, or its absolute URL) and
        /// what lies under it (`/api/database/1/restore`). One that is no path of this API
        /// answers 422.
        #[oai(validator(max_length = 1000, pattern = r"^[^\x00]*$"))]
        resource: Query<Option<String>>,
        /// Only this operation: an `operationId` of this document (`database_delete`), or
        /// `login_failed`. One that is no operation matches nothing.
        #[oai(validator(pattern = r"^[a-z_]{1,64}$"))]
        operation: Query<Option<String>>,
        /// Only the records from this time on (RFC 3339).
        since: Query<Option<chrono::DateTime<chrono::Utc>>>,
        /// Only the records before this time (RFC 3339); before `since` answers 422.
        until: Query<Option<chrono::DateTime<chrono::Utc>>>,
        /// Items per page: 1 to 1000, 100 by default.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        page_size: Query<Option<i64>>,
        /// Where the page starts: take it from a `next` or `previous` link. One this API did
        /// not give out answers 422.
        cursor: Query<Option<QueryText<NoNul>>>,
    ) -> ApiResult<Json<AuditList>> {
        let query = AuditListQuery {
            user: user.0,
            resource: resource.0,
            operation: operation.0,
            since: since.0,
            until: until.0,
        };
        let page = app
            .audit_list(&auth.0, query, page_request(page_size.0, cursor.0.as_deref())?)
            .await?;
        let links = Links::for_request(app, req);
        Ok(Json(AuditList {
            links: list_links(links.base(), req, &page),
            audit: page
                .items
                .into_iter()
                .map(|r| AuditRecordView::new(&links, r))
                .collect(),
        }))
    }
}
