//! Ports: each database's engine listens on a port of its environment's range, given once
//! and given back when provisioning fails.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable};
use diesel_async::RunQueryDsl;

use super::{Store, StoreError, StoreResult};
use crate::schema::databases;

#[derive(QueryableByName)]
struct AllocatedPort {
    #[diesel(sql_type = Nullable<Integer>)]
    port: Option<i32>,
}

impl Store {
    /// Gives the database the lowest free port of its environment's range, once: a database
    /// that has a port keeps it. Two workers racing for one port meet the unique index; the
    /// loser tries the next free one.
    pub async fn database_allocate_port(&self, id: i64) -> StoreResult<i32> {
        let mut conn = self.conn().await?;
        for _ in 0..16 {
            let allocated = diesel::sql_query(
                "UPDATE databases d SET port = (
                     SELECT min(p)::int4 FROM environments e, generate_series(e.port_min, e.port_max) p
                     WHERE e.id = d.environment_id
                       AND p NOT IN (SELECT port FROM databases o
                                     WHERE o.environment_id = d.environment_id
                                       AND o.status <> 'deleted' AND o.port IS NOT NULL)),
                     updated_at = now()
                 WHERE d.id = $1 AND d.port IS NULL
                 RETURNING d.port",
            )
            .bind::<BigInt, _>(id)
            .get_result::<AllocatedPort>(&mut conn)
            .await
            .optional();
            match allocated {
                Ok(Some(AllocatedPort { port: Some(port) })) => return Ok(port),
                Ok(Some(AllocatedPort { port: None })) => {
                    return Err(StoreError::Conflict(
                        "no free port is left in the environment's range".into(),
                    ))
                }
                // Already allocated earlier (a retried or resumed job): keep it.
                Ok(None) => {
                    let db = self.database_get(id).await?;
                    return db.port.ok_or(StoreError::NotFound("database"));
                }
                Err(e) if StoreError::is_unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict(
            "could not allocate a port: too much contention".into(),
        ))
    }

    /// Gives a failed database's port back to its environment.
    pub async fn database_release_port(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(databases::table.find(id))
            .set((
                databases::port.eq(None::<i32>),
                databases::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}
