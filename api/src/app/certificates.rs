//! The deployment's CA bundle, for clients that verify the engines. Certificates are public:
//! every logged-in user may read it, whichever team they are in.

use chrono::Utc;
use dbaas_core::store::Caller;
use dbaas_core::tls;

use super::{App, AppError, AppResult};

impl App {
    /// Every CA still valid, PEM, oldest first: during a rotation the successor is in it for a
    /// month before it signs anything.
    pub async fn ca_bundle_get(&self, _caller: &Caller) -> AppResult<String> {
        let authorities = self.store.certificate_authorities().await?;
        let bundle = tls::bundle(&authorities, Utc::now());
        if bundle.is_empty() {
            return Err(AppError::NotFound("certificate authority"));
        }
        Ok(bundle)
    }
}
