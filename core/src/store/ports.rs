//! Ports: each engine listens on a port of its host's range, given once and free again
//! when the engine is removed. Several databases of one engine share its port.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable};
use diesel_async::RunQueryDsl;

use super::{Store, StoreError, StoreResult};

#[derive(QueryableByName)]
struct AllocatedPort {
    #[diesel(sql_type = Nullable<Integer>)]
    port: Option<i32>,
}

impl Store {
    /// Gives the engine the lowest free port of its host's range, once: an engine that
    /// has a port keeps it. Two workers racing for one port meet the unique index; the loser
    /// tries the next free one.
    pub async fn engine_allocate_port(&self, id: i64) -> StoreResult<i32> {
        let mut conn = self.conn().await?;
        for _ in 0..16 {
            let allocated = diesel::sql_query(
                "UPDATE engines e SET port = (
                     SELECT min(p)::int4 FROM hosts h, generate_series(h.port_min, h.port_max) p
                     WHERE h.id = e.host_id
                       AND p NOT IN (SELECT port FROM engines o
                                     WHERE o.host_id = e.host_id
                                       AND o.state <> 'removed' AND o.port IS NOT NULL)),
                     updated_at = now()
                 WHERE e.id = $1 AND e.port IS NULL
                 RETURNING e.port",
            )
            .bind::<BigInt, _>(id)
            .get_result::<AllocatedPort>(&mut conn)
            .await
            .optional();
            match allocated {
                Ok(Some(AllocatedPort { port: Some(port) })) => return Ok(port),
                Ok(Some(AllocatedPort { port: None })) => {
                    return Err(StoreError::Conflict("no free port is left in the host's range".into()))
                }
                // Already allocated earlier (a retried or resumed job): keep it.
                Ok(None) => {
                    let engine = self.engine_get(id).await?;
                    return engine.port.ok_or(StoreError::NotFound("engine"));
                }
                Err(e) if StoreError::is_unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict(
            "could not allocate a port: too much contention".into(),
        ))
    }
}
