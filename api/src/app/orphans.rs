//! Orphan containers: for operators and admins, who run the engines.

use dbaas_core::model::Orphan;
use dbaas_core::store::{Caller, Page, PageRequest};

use super::fleet::fleet_only;
use super::{App, AppResult};

impl App {
    pub async fn orphan_list(&self, caller: &Caller, page: PageRequest) -> AppResult<Page<Orphan>> {
        fleet_only(caller)?;
        Ok(self.store.orphan_list(page).await?)
    }

    /// Asks the reconciler to remove the container and its volume.
    pub async fn orphan_delete(&self, caller: &Caller, id: i64) -> AppResult<Orphan> {
        fleet_only(caller)?;
        Ok(self.store.orphan_request_removal(id).await?)
    }
}
