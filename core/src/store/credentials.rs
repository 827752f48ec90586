//! Credentials: engine roles and their sealed passwords.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Store, StoreError, StoreResult};
use crate::model::{Credential, Database};
use crate::schema::{credentials, databases};

impl Store {
    /// A credential with the database it belongs to.
    pub async fn credential_get(&self, id: i64) -> StoreResult<(Credential, Database)> {
        let mut conn = self.conn().await?;
        credentials::table
            .inner_join(databases::table)
            .filter(credentials::id.eq(id))
            .select((Credential::as_select(), Database::as_select()))
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("credential"))
    }

    /// Stores a sealed password unless one is stored already, and returns the stored one.
    /// Generating before applying, and keeping the first, makes a resumed job idempotent.
    pub async fn credential_initial_password(
        &self,
        id: i64,
        candidate: Vec<u8>,
    ) -> StoreResult<Vec<u8>> {
        let mut conn = self.conn().await?;
        diesel::update(
            credentials::table
                .find(id)
                .filter(credentials::password_enc.is_null()),
        )
        .set((
            credentials::password_enc.eq(&candidate),
            credentials::updated_at.eq(diesel::dsl::now),
        ))
        .execute(&mut conn)
        .await?;
        let stored: Option<Vec<u8>> = credentials::table
            .find(id)
            .select(credentials::password_enc)
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("credential"))?;
        stored.ok_or(StoreError::NotFound("credential"))
    }
}
