//! `/api/ca.pem`: the certificate authorities engines' certificates are signed by.

use poem::web::Data;
use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, OpenApi};

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::Tag;
use crate::app::App;

#[derive(Default)]
pub struct Api;

#[derive(ApiResponse)]
pub enum CaBundle {
    /// One or more PEM certificates (text): give it to clients as `sslrootcert` (libpq) or
    /// `tlsCAFile` (MongoDB drivers).
    #[oai(status = 200)]
    Pem(PlainText<String>),
}

#[OpenApi(tag = "Tag::Tls")]
impl Api {
    /// Get the CA bundle engines are verified with
    ///
    /// Every certificate authority of the deployment that is still valid. During a rotation
    /// the new one is here a month before it signs anything: fetch the bundle again now and
    /// then.
    #[oai(path = "/api/ca.pem", method = "get", operation_id = "ca_bundle_get")]
    async fn ca_bundle_get(&self, auth: BasicAuth, Data(app): Data<&App>) -> ApiResult<CaBundle> {
        Ok(CaBundle::Pem(PlainText(app.ca_bundle_get(&auth.0).await?)))
    }
}
