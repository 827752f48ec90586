//! Final dumps: what is kept of a destroyed database, readable by whoever may see the
//! database.

use dbaas_core::model::Dump;
use dbaas_core::store::Caller;

use super::{App, AppResult};

impl App {
    /// The final dumps of a database the caller may see (destroyed ones included).
    pub async fn dump_list(&self, caller: &Caller, database_id: i64) -> AppResult<Vec<Dump>> {
        self.database_owned(caller, database_id).await?;
        Ok(self.store.dump_list(database_id).await?)
    }

    pub async fn dump_get(&self, caller: &Caller, database_id: i64, dump_id: i64) -> AppResult<Dump> {
        self.database_owned(caller, database_id).await?;
        Ok(self.store.dump_get(database_id, dump_id).await?)
    }

    /// Bytes `start..end` of a dump got with [`Self::dump_get`].
    pub async fn dump_read(&self, dump: &Dump, start: i64, end: i64) -> AppResult<Vec<u8>> {
        Ok(self.store.dump_read(dump.id, start, end).await?)
    }
}
