//! Hosts: an environment's Docker engines, and placement: which host a new engine goes to.
//!
//! Placement picks, among the environment's active hosts that are not known unreachable and
//! have the plan's image (or were not looked at yet), the one with the most free memory that
//! fits the plan; ties go to the fewest engines, then the oldest host. What a host's engines
//! take is counted from the engine rows themselves (every engine not removed, pooled ones
//! included), under a lock on the chosen host's row: two placements at once on one host
//! serialise there, and the second counts the first's engine.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::page::{load_page, Page, PageRequest};
use super::{Store, StoreError, StoreResult};
use crate::model::{
    does_not_fit, free_memory, EngineState, Host, HostChanges, HostHealth, HostState, HostUse, NewHost, Plan,
};
use crate::schema::{engines, environments, hosts};

impl Store {
    /// A host by id, deleted ones included: work on what ran there goes on.
    pub async fn host_get(&self, id: i64) -> StoreResult<Host> {
        let mut conn = self.conn().await?;
        hosts::table
            .find(id)
            .select(Host::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("host"))
    }

    /// A live host of an environment.
    pub async fn host_in_environment(&self, environment_id: i64, id: i64) -> StoreResult<Host> {
        let mut conn = self.conn().await?;
        hosts::table
            .find(id)
            .filter(hosts::environment_id.eq(environment_id))
            .filter(hosts::deleted_at.is_null())
            .select(Host::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("host"))
    }

    /// A live host of an environment, by name.
    pub async fn host_named(&self, environment_id: i64, name: &str) -> StoreResult<Host> {
        let mut conn = self.conn().await?;
        hosts::table
            .filter(hosts::name.eq(name))
            .filter(hosts::environment_id.eq(environment_id))
            .filter(hosts::deleted_at.is_null())
            .select(Host::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("host"))
    }

    /// A page of an environment's live hosts.
    pub async fn host_page(&self, environment_id: i64, request: PageRequest) -> StoreResult<Page<Host>> {
        let mut conn = self.conn().await?;
        Ok(load_page!(
            &mut conn,
            || hosts::table
                .filter(hosts::environment_id.eq(environment_id))
                .filter(hosts::deleted_at.is_null())
                .into_boxed(),
            hosts::id,
            Host::as_select(),
            request,
            |h: &Host| h.id
        ))
    }

    /// Every live host of every live environment: what the fleet and the reconciler look at.
    pub async fn hosts_live(&self) -> StoreResult<Vec<Host>> {
        let mut conn = self.conn().await?;
        Ok(hosts::table
            .inner_join(environments::table)
            .filter(hosts::deleted_at.is_null())
            .filter(environments::deleted_at.is_null())
            .order(hosts::id)
            .select(Host::as_select())
            .load(&mut conn)
            .await?)
    }

    /// What each of these hosts' engines take (hosts with none are left out).
    pub async fn host_uses(&self, ids: &[i64]) -> StoreResult<HashMap<i64, HostUse>> {
        let mut conn = self.conn().await?;
        Ok(host_uses(&mut conn, ids).await?)
    }

    pub async fn host_create(&self, new: NewHost) -> StoreResult<Host> {
        let mut conn = self.conn().await?;
        diesel::insert_into(hosts::table)
            .values(&new)
            .returning(Host::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::write("host", Some(&new.name)))
    }

    pub async fn host_update(&self, id: i64, changes: HostChanges) -> StoreResult<Host> {
        let mut conn = self.conn().await?;
        if changes == HostChanges::default() {
            return self.host_get(id).await;
        }
        diesel::update(hosts::table.find(id).filter(hosts::deleted_at.is_null()))
            .set((&changes, hosts::updated_at.eq(diesel::dsl::now)))
            .returning(Host::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::write("host", changes.name.as_deref()))
    }

    /// Deletes a host no engine is on (under its row lock, so that no placement lands on it
    /// meanwhile); else 409.
    pub async fn host_delete(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            let name: String = hosts::table
                .find(id)
                .filter(hosts::deleted_at.is_null())
                .select(hosts::name)
                .for_update()
                .first(conn)
                .await
                .map_err(StoreError::lookup("host"))?;
            let on_it: i64 = engines::table
                .filter(engines::host_id.eq(id))
                .filter(engines::state.ne(EngineState::Removed))
                .count()
                .get_result(conn)
                .await?;
            if on_it > 0 {
                return Err(StoreError::Conflict(format!(
                    "host '{name}' still has {on_it} engine(s); delete or move their databases first \
                     (cordon it so that it takes no new ones)"
                )));
            }
            diesel::update(hosts::table.find(id))
                .set(hosts::deleted_at.eq(diesel::dsl::now))
                .execute(conn)
                .await?;
            Ok(())
        })
        .await
    }

    /// Records what the fleet found of a host's Docker engine. What it could not find out (an
    /// unreachable host's images, say) stays as last found.
    pub async fn host_record_health(&self, id: i64, health: &HostHealth) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        if health.reachable {
            diesel::update(hosts::table.find(id))
                .set((
                    hosts::reachable.eq(Some(true)),
                    hosts::health_detail.eq(None::<String>),
                    hosts::docker_version.eq(&health.docker_version),
                    hosts::reported_memory_bytes.eq(health.memory_bytes),
                    hosts::reported_cpus.eq(health.cpus),
                    hosts::engines_running.eq(health.engines_running),
                    hosts::images.eq(&health.images),
                    hosts::checked_at.eq(Some(chrono::Utc::now())),
                ))
                .execute(&mut conn)
                .await?;
        } else {
            diesel::update(hosts::table.find(id))
                .set((
                    hosts::reachable.eq(Some(false)),
                    hosts::health_detail.eq(&health.detail),
                    hosts::checked_at.eq(Some(chrono::Utc::now())),
                ))
                .execute(&mut conn)
                .await?;
        }
        Ok(())
    }

    /// The environment's live hosts, for an environment's view.
    pub async fn host_count(&self, environment_id: i64) -> StoreResult<i64> {
        let mut conn = self.conn().await?;
        Ok(hosts::table
            .filter(hosts::environment_id.eq(environment_id))
            .filter(hosts::deleted_at.is_null())
            .select(count_star())
            .get_result(&mut conn)
            .await?)
    }
}

/// What the engines of these hosts take, per host.
pub(crate) async fn host_uses(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> Result<HashMap<i64, HostUse>, diesel::result::Error> {
    let rows: Vec<UseRow> = diesel::sql_query(
        "SELECT host_id, count(*) AS engines,
                least(sum(memory_bytes), 9223372036854775807)::int8 AS memory_bytes,
                least(sum(cpu_millis), 9223372036854775807)::int8 AS cpu_millis
         FROM engines WHERE host_id = ANY($1) AND state <> 'removed' GROUP BY host_id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.host_id,
                HostUse {
                    engines: r.engines,
                    memory_bytes: r.memory_bytes,
                    cpu_millis: r.cpu_millis,
                },
            )
        })
        .collect())
}

#[derive(QueryableByName)]
struct UseRow {
    #[diesel(sql_type = BigInt)]
    host_id: i64,
    #[diesel(sql_type = BigInt)]
    engines: i64,
    #[diesel(sql_type = BigInt)]
    memory_bytes: i64,
    #[diesel(sql_type = BigInt)]
    cpu_millis: i64,
}

/// Which hosts of an environment placement may choose from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Among<'a> {
    /// Any.
    All,
    /// Any but this one and the hosts that share its Docker engine: a move's target.
    AllBut(&'a Host),
    /// Only this one (an admin named it).
    Only(i64),
}

impl Among<'_> {
    fn admits(&self, host: &Host) -> bool {
        match self {
            Among::All => true,
            Among::AllBut(away) => host.id != away.id && host.docker_endpoint != away.docker_endpoint,
            Among::Only(id) => host.id == *id,
        }
    }
}

/// Chooses the host a new engine of `plan` goes to in an environment, among `among`, and
/// locks its row for the rest of the transaction; `Err` says why no host can take it.
pub(crate) async fn choose_host(
    conn: &mut AsyncPgConnection,
    environment_id: i64,
    plan: &Plan,
    among: Among<'_>,
) -> Result<Result<Host, String>, diesel::result::Error> {
    let all: Vec<Host> = hosts::table
        .filter(hosts::environment_id.eq(environment_id))
        .filter(hosts::deleted_at.is_null())
        .order(hosts::id)
        .select(Host::as_select())
        .load(conn)
        .await?
        .into_iter()
        .filter(|host| among.admits(host))
        .collect();
    if all.is_empty() {
        return Ok(Err(match among {
            Among::All => "the environment has no host; an admin adds one".into(),
            Among::AllBut(_) => {
                "the environment has no other host (on another Docker engine); an admin adds one".into()
            }
            Among::Only(_) => "no such host in the database's environment (on another Docker engine)".into(),
        }));
    }
    let ids: Vec<i64> = all.iter().map(|h| h.id).collect();
    let used = host_uses(conn, &ids).await?;
    let cpu = i64::from(plan.cpu_millis);
    let mut reasons = Vec::new();
    let mut candidates = Vec::new();
    for host in &all {
        let use_ = used.get(&host.id).copied().unwrap_or_default();
        match unplaceable(host, plan).or_else(|| does_not_fit(host, use_, plan.memory_bytes, cpu)) {
            Some(why) => reasons.push(format!("{}: {why}", host.name)),
            None => candidates.push((host, use_)),
        }
    }
    candidates.sort_by_key(|(host, use_)| (std::cmp::Reverse(free_memory(host, *use_)), use_.engines, host.id));
    for (host, _) in candidates {
        // Locked, then counted again: a placement that got here first is counted.
        let locked: Host = hosts::table
            .find(host.id)
            .select(Host::as_select())
            .for_update()
            .first(conn)
            .await?;
        let use_ = host_uses(conn, &[locked.id])
            .await?
            .remove(&locked.id)
            .unwrap_or_default();
        match unplaceable(&locked, plan).or_else(|| does_not_fit(&locked, use_, plan.memory_bytes, cpu)) {
            Some(why) => reasons.push(format!("{}: {why}", locked.name)),
            None => return Ok(Ok(locked)),
        }
    }
    Ok(Err(format!(
        "no host can take another engine of plan '{}' ({} MiB, {} millicpus): {}",
        plan.name,
        plan.memory_bytes >> 20,
        plan.cpu_millis,
        reasons.join("; ")
    )))
}

/// Why a host takes no engine of `plan` whatever its room, if so.
fn unplaceable(host: &Host, plan: &Plan) -> Option<String> {
    if host.deleted_at.is_some() {
        return Some("deleted".into());
    }
    if host.state != HostState::Active {
        return Some(host.state.to_string());
    }
    if host.reachable == Some(false) {
        return Some(format!(
            "unreachable ({})",
            host.health_detail.as_deref().unwrap_or("no answer")
        ));
    }
    if host.images.as_ref().is_some_and(|images| !images.contains(&plan.image)) {
        return Some(format!("lacks the image {}", plan.image));
    }
    None
}
