//! Health: whether each database that should have a running engine has one, and whether
//! each pooled engine still runs.

use std::collections::HashMap;

use dbaas_core::model::{DatabaseDetail, Engine, Health, STOPPED_BY_OPERATOR};
use dbaas_provisioner::ManagedContainer;

use crate::error::JobResult;
use crate::Context;

/// Records each database's health; returns those found unhealthy.
pub async fn check<'a>(
    ctx: &Context,
    running: &'a [DatabaseDetail],
    containers: &[ManagedContainer],
) -> JobResult<Vec<&'a DatabaseDetail>> {
    let by_uid = by_engine_uid(containers);
    let mut unhealthy = Vec::new();
    for detail in running {
        let database = &detail.database;
        let Some(engine) = &detail.engine else {
            continue;
        };
        let problem = match by_uid.get(engine.uid.as_str()) {
            Some(c) if !c.running && engine.stopped_by_operator() => Some(STOPPED_BY_OPERATOR.to_string()),
            None => Some("the engine container vanished".to_string()),
            Some(c) if !c.running => Some(format!("the engine container stopped ({})", c.status)),
            Some(_) => None,
        };
        match problem {
            None if database.health != Health::Healthy => {
                ctx.store.database_record_health(database.id, true, None).await?;
            }
            None => {}
            Some(problem) => {
                tracing::warn!(database_id = database.id, %problem, "unhealthy database");
                ctx.store
                    .database_record_health(database.id, false, Some(&problem))
                    .await?;
                unhealthy.push(detail);
            }
        }
    }
    Ok(unhealthy)
}

/// The pooled engines whose container stopped or vanished: no database should take them.
pub fn pooled_not_running(pooled: &[Engine], containers: &[ManagedContainer]) -> Vec<i64> {
    let by_uid = by_engine_uid(containers);
    pooled
        .iter()
        .filter(|e| by_uid.get(e.uid.as_str()).is_none_or(|c| !c.running))
        .map(|e| e.id)
        .collect()
}

fn by_engine_uid(containers: &[ManagedContainer]) -> HashMap<&str, &ManagedContainer> {
    containers
        .iter()
        .filter_map(|c| c.engine_uid.as_deref().map(|uid| (uid, c)))
        .collect()
}
