//! Database operations.

use dbaas_core::model::{DatabaseDetail, DatabaseStatus, Dump, NewDatabase, Ref, Task, TaskKind, TaskStatus};
use dbaas_core::names::normalize_database_name;
use dbaas_core::store::{Caller, DatabaseChanges, DatabaseFilter, Page, PageRequest};

use super::{parse_reference, App, AppError, AppResult, ResourceKind, Waited};

/// A request for a new database, as the tenant wrote it.
#[derive(Debug, Clone, Default)]
pub struct DatabaseRequest {
    pub name: String,
    pub plan: String,
    pub environment: String,
    pub project: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// Changes a tenant asks for; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct DatabaseUpdate {
    /// `Some(None)` takes the database out of its project.
    pub project: Option<Option<String>>,
    /// `Some(None)` goes back to the environment's quarantine period.
    pub quarantine_days: Option<Option<i32>>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    pub is_protected: Option<bool>,
}

/// Filters of a database list, as the tenant wrote them.
#[derive(Debug, Clone, Default)]
pub struct DatabaseListQuery {
    pub name: Option<String>,
    pub project: Option<String>,
    pub environment: Option<String>,
    pub status: Option<String>,
    pub team: Option<i64>,
    pub show_deleted: bool,
}

/// When a quarantined database's period runs out: its own period, else its environment's.
pub fn quarantine_ends_at(detail: &DatabaseDetail) -> Option<chrono::DateTime<chrono::Utc>> {
    let days = detail
        .database
        .quarantine_days
        .unwrap_or(detail.environment.quarantine_days);
    Some(detail.database.quarantine_dt? + chrono::Duration::days(i64::from(days)))
}

const MAX_DESCRIPTION_LEN: usize = 1000;
const MAX_TAGS: usize = 50;
const MAX_TAG_LEN: usize = 64;

/// Turns a store's not-found of a referenced resource into "the field names nothing".
fn unknown<'a>(field: &'static str, raw: &'a str) -> impl FnOnce(AppError) -> AppError + 'a {
    move |e| match e {
        AppError::NotFound(what) => AppError::Unprocessable {
            field: Some(field),
            message: format!("{what} '{raw}' does not exist"),
        },
        e => e,
    }
}

fn check_description(description: &str) -> AppResult<()> {
    if description.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(AppError::Invalid {
            field: Some("description"),
            message: format!("description is longer than {MAX_DESCRIPTION_LEN} characters"),
        });
    }
    Ok(())
}

fn check_tags(tags: &[String]) -> AppResult<()> {
    let invalid = |message: String| {
        Err(AppError::Invalid {
            field: Some("tags"),
            message,
        })
    };
    if tags.len() > MAX_TAGS {
        return invalid(format!("at most {MAX_TAGS} tags"));
    }
    for tag in tags {
        if tag.is_empty() || tag.chars().count() > MAX_TAG_LEN || tag.chars().any(char::is_control) {
            return invalid(format!("'{tag}' is not a tag: 1 to {MAX_TAG_LEN} printable characters"));
        }
    }
    Ok(())
}

impl App {
    /// A project the caller may put databases in.
    async fn project_for(&self, caller: &Caller, raw: &str) -> AppResult<i64> {
        let reference = parse_reference(ResourceKind::Project, "project", raw)?;
        let project = self
            .store
            .project_find(&reference)
            .await
            .map_err(AppError::from)
            .map_err(unknown("project", raw))?;
        match project.team_id {
            Some(team) if !caller.can_access_team(team) => Err(unknown("project", raw)(AppError::NotFound("project"))),
            _ => Ok(project.id),
        }
    }

    /// Records the database and enqueues its provisioning; the worker does the rest.
    pub async fn database_create(&self, caller: &Caller, request: DatabaseRequest) -> AppResult<DatabaseDetail> {
        let name = normalize_database_name(&request.name).map_err(|e| AppError::Invalid {
            field: Some("name"),
            message: e.to_string(),
        })?;
        let description = request.description.unwrap_or_default();
        check_description(&description)?;
        let tags = request.tags.unwrap_or_default();
        check_tags(&tags)?;
        let plan_ref = parse_reference(ResourceKind::Plan, "plan", &request.plan)?;
        let environment_ref = parse_reference(ResourceKind::Environment, "environment", &request.environment)?;

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
        let project_id = match request.project.as_deref() {
            Some(raw) => Some(self.project_for(caller, raw).await?),
            None => None,
        };
        let team_id = caller.default_team().ok_or_else(|| AppError::Unprocessable {
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
                tags,
            })
            .await?;
        self.enqueue(&created.task).await;
        tracing::info!(
            database_id = created.database.id,
            task_id = created.task.id,
            "database requested"
        );
        Ok(self.store.database_detail(created.database.id).await?)
    }

    /// Hands a recorded task to the workers. A failure is not the caller's: the task is in
    /// the catalog, and workers enqueue again what stays queued.
    pub(super) async fn enqueue(&self, task: &Task) {
        if let Err(e) = self.queue.push(task.id).await {
            tracing::warn!(task_id = task.id, error = %e, "could not enqueue; a worker will pick the task up later");
        }
    }

    /// A database the caller may see.
    pub async fn database_get(&self, caller: &Caller, id: i64) -> AppResult<DatabaseDetail> {
        let detail = self.store.database_detail(id).await?;
        if !caller.can_access_team(detail.database.team_id) {
            return Err(AppError::NotFound("database"));
        }
        Ok(detail)
    }

    pub async fn database_list(
        &self,
        caller: &Caller,
        query: DatabaseListQuery,
        page: PageRequest,
    ) -> AppResult<Page<DatabaseDetail>> {
        let status = match query.status.as_deref() {
            None => None,
            Some(raw) => Some(DatabaseStatus::parse(raw).ok_or_else(|| AppError::Invalid {
                field: Some("status"),
                message: format!(
                    "'{raw}' is not a status: {}",
                    DatabaseStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ),
            })?),
        };
        // A filter naming something that does not exist matches nothing.
        let mut nothing = false;
        let project_id = match query.project.as_deref() {
            None => None,
            Some(raw) => match parse_reference(ResourceKind::Project, "project", raw)? {
                Ref::Id(id) => Some(id),
                by_name => self.store.project_find(&by_name).await.map(|p| p.id).ok().or_else(|| {
                    nothing = true;
                    None
                }),
            },
        };
        let environment_id = match query.environment.as_deref() {
            None => None,
            Some(raw) => match parse_reference(ResourceKind::Environment, "environment", raw)? {
                Ref::Id(id) => Some(id),
                by_name => self
                    .store
                    .environment_find(&by_name)
                    .await
                    .map(|e| e.id)
                    .ok()
                    .or_else(|| {
                        nothing = true;
                        None
                    }),
            },
        };
        let filter = DatabaseFilter {
            teams_in: (!caller.is_admin).then(|| caller.team_ids.clone()),
            name: query.name.map(|n| normalize_database_name(&n).unwrap_or(n)),
            project_id: if nothing { Some(-1) } else { project_id },
            environment_id,
            team_id: query.team,
            status,
            show_deleted: query.show_deleted || status == Some(DatabaseStatus::Deleted),
        };
        let page = self.store.database_list(filter, page).await?;
        let details = self.store.database_details(page.items.clone()).await?;
        Ok(page.map_with(details))
    }

    /// Changes a database's tenant-owned fields.
    pub async fn database_update(&self, caller: &Caller, id: i64, update: DatabaseUpdate) -> AppResult<DatabaseDetail> {
        let current = self.database_get(caller, id).await?;
        if current.database.status() == DatabaseStatus::Deleted {
            return Err(AppError::Conflict(
                "the database is deleted; it can no longer be changed".into(),
            ));
        }
        if let Some(description) = &update.description {
            check_description(description)?;
        }
        if let Some(tags) = &update.tags {
            check_tags(tags)?;
        }
        let project_id = match update.project {
            None => None,
            Some(None) => Some(None),
            Some(Some(raw)) => Some(Some(self.project_for(caller, &raw).await?)),
        };
        if update
            .quarantine_days
            .flatten()
            .is_some_and(|d| !(0..=3650).contains(&d))
        {
            return Err(AppError::Invalid {
                field: Some("quarantine_days"),
                message: "quarantine_days must be between 0 and 3650".into(),
            });
        }
        let changes = DatabaseChanges {
            project_id,
            quarantine_days: update.quarantine_days,
            description: update.description,
            tags: update.tags,
            is_protected: update.is_protected,
        };
        self.store.database_update(id, changes).await?;
        Ok(self.store.database_detail(id).await?)
    }

    /// Brings a quarantined database back within its period; every credential gets a new
    /// password.
    pub async fn database_restore(&self, caller: &Caller, id: i64) -> AppResult<Waited<DatabaseDetail>> {
        let current = self.database_get(caller, id).await?;
        if current.database.status() != DatabaseStatus::Quarantined {
            return Err(AppError::Conflict(format!(
                "the database is {}; only a quarantined database can be restored",
                current.database.status
            )));
        }
        if current.database.port.is_none() || current.database.admin_password_enc.is_none() {
            return Err(AppError::Conflict(
                "the database was never provisioned, so there is nothing to restore; delete it again to remove it"
                    .into(),
            ));
        }
        if quarantine_ends_at(&current).is_some_and(|end| end <= chrono::Utc::now()) {
            return Err(AppError::Conflict(
                "the quarantine period is over: the database is being destroyed".into(),
            ));
        }
        let (_, task) = self
            .store
            .database_task_start(id, TaskKind::RestoreDatabase, &[DatabaseStatus::Quarantined], None)
            .await?;
        self.enqueue(&task).await;
        let task = self.task_wait(task.id).await?;
        match TaskStatus::parse(&task.status) {
            Some(TaskStatus::Succeeded) => Ok(Waited::Done(self.store.database_detail(id).await?)),
            Some(TaskStatus::Failed) => Err(AppError::Unavailable(format!(
                "task {} failed: {}",
                task.id,
                task.last_error.as_deref().unwrap_or("no reason recorded")
            ))),
            _ => Ok(Waited::Pending(task)),
        }
    }

    /// The final dumps of a database the caller may see (destroyed ones included).
    pub async fn dump_list(&self, caller: &Caller, database_id: i64) -> AppResult<Vec<Dump>> {
        self.database_get(caller, database_id).await?;
        Ok(self.store.dump_list(database_id).await?)
    }

    pub async fn dump_get(&self, caller: &Caller, database_id: i64, dump_id: i64) -> AppResult<Dump> {
        self.database_get(caller, database_id).await?;
        Ok(self.store.dump_get(database_id, dump_id).await?)
    }

    /// Bytes `start..end` of a dump got with [`Self::dump_get`].
    pub async fn dump_read(&self, dump: &Dump, start: i64, end: i64) -> AppResult<Vec<u8>> {
        Ok(self.store.dump_read(dump.id, start, end).await?)
    }

    /// The first DELETE quarantines the database; a DELETE of a quarantined one destroys it.
    pub async fn database_delete(&self, caller: &Caller, id: i64) -> AppResult<DatabaseDetail> {
        let current = self.database_get(caller, id).await?;
        if current.database.is_protected {
            return Err(AppError::Conflict(
                "the database is protected: set is_protected to false before deleting it".into(),
            ));
        }
        let (_, task) = match current.database.status() {
            DatabaseStatus::Ready | DatabaseStatus::Failed => {
                self.store
                    .database_task_start(
                        id,
                        TaskKind::QuarantineDatabase,
                        &[DatabaseStatus::Ready, DatabaseStatus::Failed],
                        Some(DatabaseStatus::Quarantined),
                    )
                    .await?
            }
            DatabaseStatus::Quarantined => {
                self.store
                    .database_task_start(id, TaskKind::DestroyDatabase, &[DatabaseStatus::Quarantined], None)
                    .await?
            }
            DatabaseStatus::Creating => {
                return Err(AppError::Conflict(
                    "the database is still being created; delete it once it is ready or failed".into(),
                ))
            }
            DatabaseStatus::Deleted => return Err(AppError::Conflict("the database is already deleted".into())),
        };
        self.enqueue(&task).await;
        Ok(self.store.database_detail(id).await?)
    }
}
