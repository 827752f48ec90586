//! Orphan containers: for admins, who run the engines.

use dbaas_core::model::Orphan;
use dbaas_core::store::{Caller, Page, PageRequest};

use super::{App, AppError, AppResult};

fn admins_only(caller: &Caller) -> AppResult<()> {
    if caller.is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("orphan containers are for admins".into()))
    }
}

impl App {
    pub async fn orphan_list(&self, caller: &Caller, page: PageRequest) -> AppResult<Page<Orphan>> {
        admins_only(caller)?;
        Ok(self.store.orphan_list(page).await?)
    }

    /// Asks the reconciler to remove the container and its volume.
    pub async fn orphan_delete(&self, caller: &Caller, id: i64) -> AppResult<Orphan> {
        admins_only(caller)?;
        Ok(self.store.orphan_request_removal(id).await?)
    }
}
