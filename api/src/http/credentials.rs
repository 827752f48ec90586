//! `/api/credential/`

use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::views::CredentialView;
use super::Tag;
use crate::app::App;

pub struct Api;

#[OpenApi(tag = "Tag::Credential")]
impl Api {
    /// Get a credential, with its password
    #[oai(
        path = "/api/credential/:id",
        method = "get",
        operation_id = "credential_get"
    )]
    async fn credential_get(
        &self,
        auth: BasicAuth,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<CredentialView>> {
        let app = req.data::<App>().expect("app");
        let detail = app.credential_get(&auth.0, id.0).await?;
        Ok(Json(CredentialView::new(
            &Links::for_request(app, req),
            detail,
        )))
    }
}
