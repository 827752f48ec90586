//! Orphan containers: for admins, who run the engines.

use dbaas_core::model::Orphan;
use dbaas_core::store::{Caller, Page, PageRequest};

use super::{admin_only, App, AppResult};

const ADMINS_ONLY: &str = "orphan containers are for admins";

impl App {
    pub async fn orphan_list(&self, caller: &Caller, page: PageRequest) -> AppResult<Page<Orphan>> {
        admin_only(caller, ADMINS_ONLY)?;
        Ok(self.store.orphan_list(page).await?)
    }

    /// Asks the reconciler to remove the container and its volume.
    pub async fn orphan_delete(&self, caller: &Caller, id: i64) -> AppResult<Orphan> {
        admin_only(caller, ADMINS_ONLY)?;
        Ok(self.store.orphan_request_removal(id).await?)
    }
}
