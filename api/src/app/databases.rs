//! Database operations.

use dbaas_core::jobs::ProvisionDatabase;
use dbaas_core::model::{DatabaseDetail, DatabaseStatus, NewDatabase, Ref, TaskStatus};
use dbaas_core::names::normalize_database_name;
use dbaas_core::store::Caller;

use super::{parse_reference, App, AppError, AppResult, ResourceKind};

/// A request for a new database, as the tenant wrote it.
#[derive(Debug, Clone)]
pub struct DatabaseRequest {
    pub name: String,
    pub plan: String,
    pub environment: String,
    pub project: Option<String>,
    pub description: Option<String>,
}

const MAX_DESCRIPTION_LEN: usize = 1000;

fn unknown<'a>(field: &'static str, raw: &'a str) -> impl FnOnce(AppError) -> AppError + 'a {
    move |e| match e {
        AppError::NotFound(what) => AppError::Unprocessable {
            field: Some(field),
            message: format!("{what} '{raw}' does not exist"),
        },
        e => e,
    }
}

impl App {
    /// Records the database and enqueues its provisioning; the worker does the rest.
    pub async fn database_create(
        &self,
        caller: &Caller,
        request: DatabaseRequest,
    ) -> AppResult<DatabaseDetail> {
        let name = normalize_database_name(&request.name).map_err(|e| AppError::Invalid {
            field: Some("name"),
            message: e.to_string(),
        })?;
        let description = request.description.unwrap_or_default();
        if description.chars().count() > MAX_DESCRIPTION_LEN {
            return Err(AppError::Invalid {
                field: Some("description"),
                message: format!("description is longer than {MAX_DESCRIPTION_LEN} characters"),
            });
        }
        let plan_ref = parse_reference(ResourceKind::Plan, "plan", &request.plan)?;
        let environment_ref = parse_reference(
            ResourceKind::Environment,
            "environment",
            &request.environment,
        )?;
        let project_ref: Option<Ref> = request
            .project
            .as_deref()
            .map(|raw| parse_reference(ResourceKind::Project, "project", raw))
            .transpose()?;

        let plan = self
            .store
            .plan_find(&plan_ref)
            .await
            .map_err(AppError::from)
            .map_err(unknown("plan", &request.plan))?;
        let environment = self
            .store
            .environment_find(&environment_ref)
            .await
            .map_err(AppError::from)
            .map_err(unknown("environment", &request.environment))?;
        let project_id = match (&project_ref, request.project.as_deref()) {
            (Some(r), Some(raw)) => Some(
                self.store
                    .project_find(r)
                    .await
                    .map_err(AppError::from)
                    .map_err(unknown("project", raw))?
                    .id,
            ),
            _ => None,
        };
        let team_id = caller
            .default_team()
            .ok_or_else(|| AppError::Unprocessable {
                field: None,
                message: format!(
                    "user '{}' belongs to no team, and databases belong to teams",
                    caller.username
                ),
            })?;

        let created = self
            .store
            .database_create(NewDatabase {
                name,
                team_id,
                plan_id: plan.id,
                environment_id: environment.id,
                project_id,
                description,
            })
            .await?;
        let job = ProvisionDatabase {
            task_id: created.task.id,
            database_id: created.database.id,
        };
        if let Err(e) = self.queue.push_provision(job).await {
            // Leave a visible, final record instead of a database that waits forever.
            let message = e.to_string();
            tracing::error!(database_id = created.database.id, error = %message, "could not enqueue provisioning");
            self.store
                .task_attempt_failed(created.task.id, &message)
                .await?;
            self.store
                .task_finish(created.task.id, TaskStatus::Failed)
                .await?;
            self.store
                .database_set_status(created.database.id, DatabaseStatus::Failed)
                .await?;
            return Err(AppError::Unavailable(format!(
                "{message}; the database was not provisioned"
            )));
        }
        tracing::info!(
            database_id = created.database.id,
            task_id = created.task.id,
            "database requested"
        );
        Ok(self.store.database_detail(created.database.id).await?)
    }

    /// A database the caller may see.
    pub async fn database_get(&self, caller: &Caller, id: i64) -> AppResult<DatabaseDetail> {
        let detail = self.store.database_detail(id).await?;
        if !caller.can_access_team(detail.database.team_id) {
            return Err(AppError::NotFound("database"));
        }
        Ok(detail)
    }
}
