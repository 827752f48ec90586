//! Resizing a database: `PATCH /api/database/{id}` with another `plan`. Tenants may move their
//! own databases to plans their team may use; the engine's limits change on the running
//! container ([`dbaas_core::model::resize_mode`] says whether they can, and refuses what
//! cannot be done live unless a restart was asked for).

use dbaas_core::model::{resize_mode, DatabaseDetail, Ref, ResizeRefusal, Task, TaskStatus};

use super::databases::{plan_refused, unknown};
use super::{parse_reference, App, AppError, AppResult, ResourceKind};

impl App {
    /// Starts moving `current` to the plan `raw` names (nothing when it is on that plan
    /// already) and waits briefly for the move: answers its task while it is still under way,
    /// `None` once done. A move that failed is refused with the worker's reason: the database
    /// keeps its plan.
    pub(super) async fn database_resize(
        &self,
        current: &DatabaseDetail,
        raw: &str,
        allow_restart: bool,
    ) -> AppResult<Option<Task>> {
        let reference = parse_reference(ResourceKind::Plan, "plan", raw)?;
        let plan = self
            .store
            .plan_find(&reference)
            .await
            .map_err(AppError::from)
            .map_err(unknown("plan", raw))?;
        if plan.id == current.plan.id {
            return Ok(None);
        }
        let team = self.store.team_find(&Ref::Id(current.database.team_id)).await?;
        if !team.may_use_plan(plan.id) {
            return Err(plan_refused(&team, &plan));
        }
        let Some(engine) = current.engine.as_ref().filter(|e| e.was_provisioned()) else {
            return Err(AppError::Conflict(format!(
                "the database is {} and has no engine yet: only a ready database can be resized",
                current.database.status
            )));
        };
        let fleet = self.store.fleet_get(engine.id).await?;
        resize_mode(engine, &plan, fleet.databases.len(), fleet.in_use(), allow_restart).map_err(|refusal| {
            match refusal {
                ResizeRefusal::Unprocessable(message) => AppError::Unprocessable {
                    field: Some("plan"),
                    message,
                },
                ResizeRefusal::Conflict(message) => AppError::Conflict(message),
            }
        })?;
        let task = self
            .store
            .database_resize_start(current.database.id, engine.id, plan.id, allow_restart)
            .await?;
        self.queue.enqueue(&task).await;
        let task = self.task_wait(task.id).await?;
        match task.status {
            TaskStatus::Succeeded => Ok(None),
            TaskStatus::Failed => Err(AppError::Conflict(format!(
                "the resize to plan '{}' failed, and the database keeps plan '{}': {}",
                plan.name,
                current.plan.name,
                task.last_error.as_deref().unwrap_or("no reason recorded")
            ))),
            TaskStatus::Queued | TaskStatus::Running => Ok(Some(task)),
        }
    }
}
