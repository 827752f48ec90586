//! The engine fleet: every engine of the deployment as the catalog has it and a worker last
//! saw it, for operators and admins (members: 403).

use dbaas_core::model::{FleetEngine, Ref};
use dbaas_core::store::{Caller, FleetFilter, Page, PageRequest};

use super::{parse_reference, validate, App, AppError, AppResult, ResourceKind};

const FLEET_ONLY: &str = "the engine fleet is for operators and admins";

/// Refuses the fleet to anyone who does not run it (403).
pub(super) fn fleet_only(caller: &Caller) -> AppResult<()> {
    if !caller.runs_fleet() {
        return Err(AppError::Forbidden(FLEET_ONLY.to_owned()));
    }
    Ok(())
}

/// Filters of the fleet list, as written.
#[derive(Debug, Clone, Default)]
pub struct EngineListQuery {
    pub environment: Option<String>,
    pub host: Option<String>,
    pub engine: Option<String>,
    pub health: Option<String>,
    pub drift: Option<String>,
}

impl App {
    pub async fn engine_list(
        &self,
        caller: &Caller,
        query: EngineListQuery,
        page: PageRequest,
    ) -> AppResult<Page<FleetEngine>> {
        fleet_only(caller)?;
        let kind = query.engine.as_deref().map(validate::engine).transpose()?;
        let health = query.health.as_deref().map(validate::health).transpose()?;
        let drift = query.drift.as_deref().map(validate::drift).transpose()?;
        // An environment that does not exist matches nothing, as in the database list.
        let environment_id = match query.environment.as_deref() {
            None => None,
            Some(raw) => Some(match parse_reference(ResourceKind::Environment, "environment", raw) {
                Ok(Ref::Id(id)) => id,
                Ok(by_name) => self.store.environment_find(&by_name).await.map_or(-1, |e| e.id),
                Err(_) => -1,
            }),
        };
        let filter = FleetFilter {
            environment_id,
            host: query.host,
            kind,
            health,
            drift,
        };
        Ok(self.store.fleet_list(filter, page).await?)
    }

    pub async fn engine_get(&self, caller: &Caller, id: i64) -> AppResult<FleetEngine> {
        fleet_only(caller)?;
        Ok(self.store.fleet_get(id).await?)
    }
}
