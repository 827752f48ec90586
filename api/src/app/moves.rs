//! Moving databases between hosts, and draining a host (operators and admins): a move is a
//! `move_database` task; a drain marks the host `draining` and starts a move for each engine
//! on it whose database is idle, the reconciler starting the rest as their databases free up.

use dbaas_core::model::{DatabaseMove, Host, Task};
use dbaas_core::store::{Caller, DrainStep};

use super::fleet::fleet_only;
use super::hosts::HostDetail;
use super::{admin_only, App, AppError, AppResult};
use crate::params::DatabaseMoveRequest;

/// What a drain's first step did.
#[derive(Debug)]
pub struct Drain {
    pub host: HostDetail,
    /// The moves started.
    pub moves: Vec<Task>,
    /// Engines left for a later step, each with why.
    pub waiting: Vec<String>,
}

impl App {
    /// Starts a move of a database's engine to another host (`params.host`, else the one
    /// placement chooses): the task.
    pub async fn database_move(&self, caller: &Caller, id: i64, params: DatabaseMoveRequest) -> AppResult<Task> {
        // Absent (404) to those who may not read it, as every database path is; refused
        // (403) to its tenants, who see it but do not run the engines.
        let detail = self.database_get(caller, id).await?;
        fleet_only(caller)?;
        let to = match params.host {
            None => None,
            Some(reference) => Some(
                self.host_of(detail.database.environment_id, reference.as_text())
                    .await?,
            ),
        };
        let task = self.store.database_move_start(id, to.map(|h| h.id)).await?;
        self.queue.enqueue(&task).await;
        Ok(task)
    }

    /// A database's moves, oldest first, for whoever may read the database.
    pub async fn database_move_list(&self, caller: &Caller, id: i64) -> AppResult<Vec<DatabaseMove>> {
        self.database_get(caller, id).await?;
        Ok(self.store.database_moves(id).await?)
    }

    /// Drains a host (admins): it takes no new engines, its pooled engines are removed, and
    /// its other engines move to other hosts of the environment, a task each.
    pub async fn host_drain(&self, caller: &Caller, environment_id: i64, id: i64) -> AppResult<Drain> {
        admin_only(caller, "only admins drain hosts")?;
        self.store.host_in_environment(environment_id, id).await?;
        let DrainStep {
            host,
            moves,
            removals,
            waiting,
            ..
        } = self.store.host_drain(id).await?;
        for task in moves.iter().chain(&removals) {
            self.queue.enqueue(task).await;
        }
        tracing::info!(host_id = id, host = %host.name, moves = moves.len(), waiting = waiting.len(), "host draining");
        Ok(Drain {
            host: self.host_detail(host).await?,
            moves,
            waiting,
        })
    }

    /// The host a move request names, in the database's environment: by id or by name.
    async fn host_of(&self, environment_id: i64, raw: &str) -> AppResult<Host> {
        let found = match raw.parse::<i64>() {
            Ok(id) => self.store.host_in_environment(environment_id, id).await,
            Err(_) => self.store.host_named(environment_id, raw).await,
        };
        found.map_err(|_| AppError::Unprocessable {
            field: Some("host"),
            message: format!("no host '{raw}' in the database's environment"),
        })
    }
}
