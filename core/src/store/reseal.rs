//! Moving every secret of the catalog to the current key, after a key rotation: each sealed
//! column, row by row, in batches. A row changed meanwhile (a password reset sealed a new
//! one) is left as it is: whoever changed it sealed it with the current key.

use diesel::sql_types::{BigInt, Bytea};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

use super::{Store, StoreResult};
use crate::secrets::SecretBox;

/// Every column of the catalog that holds a sealed secret: table, key column, sealed column.
pub const SEALED_COLUMNS: &[(&str, &str, &str)] = &[
    ("credentials", "id", "password_enc"),
    ("credentials", "id", "pending_password_enc"),
    ("engines", "id", "admin_password_enc"),
    ("engines", "id", "pending_admin_password_enc"),
    ("hosts", "id", "tls_enc"),
    ("certificate_authorities", "id", "key_enc"),
    ("engine_certificates", "engine_id", "key_enc"),
];

const BATCH: i64 = 500;

/// What a reseal did to one column.
#[derive(Debug, Default, Clone)]
pub struct ResealedColumn {
    /// `table.column`.
    pub column: String,
    /// Sealed again with the current key.
    pub resealed: u64,
    /// Already sealed with it.
    pub current: u64,
    /// Changed by someone else between the read and the write (so sealed anew by them).
    pub changed: u64,
    /// Rows whose secret no key of this process opens, by key id where the secret names one.
    pub unreadable: Vec<(i64, String)>,
}

#[derive(QueryableByName)]
struct SealedRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Bytea)]
    sealed: Vec<u8>,
}

impl Store {
    /// Seals every secret of the catalog with `secrets`' current key; what it did, per column.
    pub async fn reseal_all(&self, secrets: &SecretBox) -> StoreResult<Vec<ResealedColumn>> {
        let mut report = Vec::new();
        for &(table, key, column) in SEALED_COLUMNS {
            report.push(self.reseal_column(secrets, table, key, column).await?);
        }
        Ok(report)
    }

    async fn reseal_column(
        &self,
        secrets: &SecretBox,
        table: &str,
        key: &str,
        column: &str,
    ) -> StoreResult<ResealedColumn> {
        let mut done = ResealedColumn {
            column: format!("{table}.{column}"),
            ..ResealedColumn::default()
        };
        // The names come from SEALED_COLUMNS above, never from input.
        let select = format!(
            "SELECT {key} AS id, {column} AS sealed FROM {table} \
             WHERE {column} IS NOT NULL AND {key} > $1 ORDER BY {key} LIMIT {BATCH}"
        );
        let update = format!("UPDATE {table} SET {column} = $1 WHERE {key} = $2 AND {column} = $3");
        let mut conn = self.conn().await?;
        let mut after = i64::MIN;
        loop {
            let rows: Vec<SealedRow> = diesel::sql_query(&select)
                .bind::<BigInt, _>(after)
                .load(&mut conn)
                .await?;
            let Some(last) = rows.last() else {
                return Ok(done);
            };
            after = last.id;
            for row in rows {
                match secrets.reseal(&row.sealed) {
                    Ok(None) => done.current += 1,
                    Ok(Some(resealed)) => {
                        let written = diesel::sql_query(&update)
                            .bind::<Bytea, _>(resealed)
                            .bind::<BigInt, _>(row.id)
                            .bind::<Bytea, _>(row.sealed)
                            .execute(&mut conn)
                            .await?;
                        if written == 1 {
                            done.resealed += 1;
                        } else {
                            done.changed += 1;
                        }
                    }
                    Err(e) => done.unreadable.push((row.id, e.to_string())),
                }
            }
        }
    }
}
