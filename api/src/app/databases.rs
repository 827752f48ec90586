//! Database operations: a tenant's databases, from the request to the quarantine.

use std::sync::Arc;

use dbaas_core::model::{DatabaseDetail, DatabaseStatus, DatabaseSummary, NewDatabase, Plan, Ref, TaskKind, Team};
use dbaas_core::names::normalize_database_name;
use dbaas_core::store::{
    Caller, Creation, DatabaseChanges, DatabaseFilter, EarlierRequest, IdempotencyKey, Page, PageRequest,
    DATABASE_CREATE,
};

use super::{parse_reference, validate, App, AppError, AppResult, ResourceKind, Waited};
use crate::params::{DatabaseCreate, DatabaseUpdate};

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

/// Turns a store's not-found of a referenced resource into "the field names nothing".
pub(super) fn unknown<'a>(field: &'static str, raw: &'a str) -> impl FnOnce(AppError) -> AppError + 'a {
    move |e| match e {
        AppError::NotFound(what) => AppError::Unprocessable {
            field: Some(field),
            message: format!("{what} '{raw}' does not exist"),
        },
        e => e,
    }
}

/// What a database of a team on `plan` is refused with when an admin left the plan out of
/// the team's.
pub(super) fn plan_refused(team: &Team, plan: &Plan) -> AppError {
    AppError::Unprocessable {
        field: Some("plan"),
        message: format!(
            "team '{}' may not use plan '{}' (an admin restricts its plans; GET /api/team/{}/ lists them)",
            team.name, plan.name, team.id
        ),
    }
}

impl App {
    /// Refuses a plan the team's admin left out of its plans.
    async fn plan_allowed(&self, team_id: i64, plan: &Plan) -> AppResult<()> {
        let team = self.store.team_find(&Ref::Id(team_id)).await?;
        if team.may_use_plan(plan.id) {
            Ok(())
        } else {
            Err(plan_refused(&team, plan))
        }
    }

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

    /// Records a database and enqueues its provisioning; the worker does the rest. With an
    /// idempotency key, a request this caller made before with that key answers the database
    /// it made (nothing new is recorded or enqueued); the key reused for another request
    /// answers 422. The key is claimed in the transaction that records the database, which
    /// answers an earlier request (having waited for it to commit when it races this one).
    pub async fn database_create(
        &self,
        caller: &Caller,
        params: DatabaseCreate,
        idempotency_key: Option<String>,
    ) -> AppResult<DatabaseDetail> {
        let key = idempotency_key.map(|key| IdempotencyKey {
            user_id: caller.user_id,
            key,
            operation: DATABASE_CREATE,
            request_hash: request_digest(&params),
        });
        let name = validate::database_name(&params.name)?;
        let description = params.description.unwrap_or_default();
        validate::description(&description)?;
        let tags = params.tags.unwrap_or_default();
        validate::tags(&tags)?;
        let plan_ref = parse_reference(ResourceKind::Plan, "plan", params.plan.as_text())?;
        let environment_ref = parse_reference(ResourceKind::Environment, "environment", params.environment.as_text())?;

        let plan = self
            .store
            .plan_find(&plan_ref)
            .await
            .map_err(AppError::from)
            .map_err(unknown("plan", params.plan.as_text()))?;
        let environment = self
            .store
            .environment_find(&environment_ref)
            .await
            .map_err(AppError::from)
            .map_err(unknown("environment", params.environment.as_text()))?;
        let project_id = match &params.project {
            Some(raw) => Some(self.project_for(caller, raw.as_text()).await?),
            None => None,
        };
        let team_id = caller.default_team().ok_or_else(|| AppError::Unprocessable {
            field: None,
            message: format!(
                "user '{}' belongs to no team, and databases belong to teams",
                caller.username
            ),
        })?;
        self.plan_allowed(team_id, &plan).await?;

        let created = self
            .store
            .database_create(
                NewDatabase {
                    name,
                    team_id,
                    plan_id: plan.id,
                    environment_id: environment.id,
                    project_id,
                    description: description.into(),
                    tags: tags.into_iter().map(String::from).collect(),
                },
                key.as_ref(),
            )
            .await?;
        let created = match created {
            Creation::New(created) => *created,
            // The key was claimed before (by a retried request, or one racing this one).
            Creation::Earlier(earlier) => {
                return self
                    .earlier(caller, key.as_ref().expect("only a key finds"), earlier)
                    .await;
            }
        };
        self.queue.enqueue(&created.task).await;
        tracing::info!(
            database_id = created.database.id,
            task_id = created.task.id,
            "database requested"
        );
        Ok(self.store.database_detail(created.database.id).await?)
    }

    /// What an earlier request with the caller's key made, when it was this request.
    async fn earlier(
        &self,
        caller: &Caller,
        key: &IdempotencyKey,
        earlier: EarlierRequest,
    ) -> AppResult<DatabaseDetail> {
        let same = earlier.operation == key.operation && earlier.request_hash == key.request_hash;
        match earlier.database_id {
            Some(id) if same => {
                tracing::info!(database_id = id, "database request repeated with its idempotency key");
                self.database_get(caller, id).await
            }
            _ => Err(AppError::Unprocessable {
                field: Some("Idempotency-Key"),
                message: format!(
                    "the Idempotency-Key '{}' was used for another request: a retry must repeat \
                     the request exactly, and a new request needs a new key",
                    key.key
                ),
            }),
        }
    }

    /// A database the caller may see (operators see every team's).
    pub async fn database_get(&self, caller: &Caller, id: i64) -> AppResult<DatabaseDetail> {
        let detail = self.store.database_detail(id).await?;
        if !caller.can_read_team(detail.database.team_id) {
            return Err(AppError::NotFound("database"));
        }
        Ok(detail)
    }

    /// What the caller sees of a database it may see: its [summary](DatabaseSummary), one
    /// narrow query.
    pub async fn database_read(&self, caller: &Caller, id: i64) -> AppResult<Arc<DatabaseSummary>> {
        let summary = self.store.database_summary(id).await?;
        if !caller.can_read_team(summary.row.team_id) {
            return Err(AppError::NotFound("database"));
        }
        Ok(summary)
    }

    /// A database the caller may act on and read the data of: its team's members and admins.
    pub(super) async fn database_owned(&self, caller: &Caller, id: i64) -> AppResult<DatabaseDetail> {
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
    ) -> AppResult<Page<Arc<DatabaseSummary>>> {
        let status = query.status.as_deref().map(validate::database_status).transpose()?;
        // A filter naming something that does not exist matches nothing.
        let mut nothing = false;
        let project_id = match query.project.as_deref() {
            None => None,
            Some(raw) => match parse_reference(ResourceKind::Project, "project", raw) {
                Ok(Ref::Id(id)) => Some(id),
                Ok(by_name) => self.store.project_find(&by_name).await.map(|p| p.id).ok().or_else(|| {
                    nothing = true;
                    None
                }),
                Err(_) => {
                    nothing = true;
                    None
                }
            },
        };
        let environment_id = match query.environment.as_deref() {
            None => None,
            Some(raw) => match parse_reference(ResourceKind::Environment, "environment", raw) {
                Ok(Ref::Id(id)) => Some(id),
                Err(_) => {
                    nothing = true;
                    None
                }
                Ok(by_name) => self
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
            teams_in: (!caller.reads_every_team()).then(|| caller.team_ids.clone()),
            // A name the create rule would refuse matches nothing, as it is.
            name: query.name.map(|n| normalize_database_name(&n).unwrap_or(n)),
            project_id: if nothing { Some(-1) } else { project_id },
            environment_id,
            team_id: query.team,
            status,
            show_deleted: query.show_deleted || status == Some(DatabaseStatus::Deleted),
        };
        Ok(self.store.database_page(filter, page).await?)
    }

    /// Changes a database's tenant-owned fields, and its plan (a resize, waited for briefly:
    /// pending while it is still under way). A resize is started before the other fields
    /// change, so that a refused one changes nothing.
    pub async fn database_update(
        &self,
        caller: &Caller,
        id: i64,
        params: DatabaseUpdate,
    ) -> AppResult<Waited<DatabaseDetail>> {
        let current = self.database_owned(caller, id).await?;
        if current.database.status == DatabaseStatus::Deleted {
            return Err(AppError::Conflict(
                "the database is deleted; it can no longer be changed".into(),
            ));
        }
        validate::each(params.description.as_deref(), validate::description)?;
        validate::each(params.tags.as_deref(), validate::tags)?;
        // `Some(None)` takes the database out of its project.
        let project_id = match Option::<Option<_>>::from(params.project) {
            None => None,
            Some(None) => Some(None),
            Some(Some(raw)) => Some(Some(self.project_for(caller, raw.as_text()).await?)),
        };
        // `Some(None)` goes back to the environment's quarantine period.
        let quarantine_days = Option::<Option<i32>>::from(params.quarantine_days);
        validate::each(quarantine_days.flatten().as_ref(), validate::quarantine_days)?;
        if params.restart.is_some() && params.plan.is_none() {
            return Err(AppError::Unprocessable {
                field: Some("restart"),
                message: "restart goes with a plan: it allows the restart a resize may need".into(),
            });
        }
        let resized = match &params.plan {
            Some(raw) => {
                self.database_resize(&current, raw.as_text(), params.restart.unwrap_or(false))
                    .await?
            }
            None => None,
        };
        let changes = DatabaseChanges {
            project_id,
            quarantine_days,
            description: params.description.map(String::from),
            tags: params.tags.map(|tags| tags.into_iter().map(String::from).collect()),
            is_protected: params.is_protected,
        };
        self.store.database_update(id, changes).await?;
        Ok(match resized {
            Some(task) => Waited::Pending(Box::new(task)),
            None => Waited::Done(self.store.database_detail(id).await?),
        })
    }

    /// Brings a quarantined database back within its period; every credential gets a new
    /// password. The database is `restoring` until they all work, then `ready`; a restore
    /// that failed is asked again the same way.
    pub async fn database_restore(&self, caller: &Caller, id: i64) -> AppResult<Waited<DatabaseDetail>> {
        let current = self.database_owned(caller, id).await?;
        if !matches!(
            current.database.status,
            DatabaseStatus::Quarantined | DatabaseStatus::Restoring
        ) {
            return Err(AppError::Conflict(format!(
                "the database is {}; only a quarantined database can be restored",
                current.database.status
            )));
        }
        if !current.was_provisioned() {
            return Err(AppError::Conflict(
                "the database was never provisioned, so there is nothing to restore; delete it again to remove it"
                    .into(),
            ));
        }
        if current
            .quarantine_ends_at()
            .is_some_and(|end| end <= chrono::Utc::now())
        {
            return Err(AppError::Conflict(
                "the quarantine period is over: the database is being destroyed".into(),
            ));
        }
        let (_, task) = self
            .queue
            .start_task(&self.store, id, TaskKind::RestoreDatabase)
            .await?;
        Ok(match self.task_settle(&task).await? {
            Waited::Done(()) => Waited::Done(self.store.database_detail(id).await?),
            Waited::Pending(task) => Waited::Pending(task),
        })
    }

    /// The first DELETE quarantines the database (`quarantining` at once, `quarantined` when
    /// no old password connects any more); a DELETE of a quarantined one destroys it
    /// (`deleting`, then `deleted`). A DELETE of a database whose quarantine, restore or
    /// destruction failed asks for that again.
    pub async fn database_delete(&self, caller: &Caller, id: i64) -> AppResult<DatabaseDetail> {
        let current = self.database_owned(caller, id).await?;
        if current.database.is_protected {
            return Err(AppError::Conflict(
                "the database is protected: set is_protected to false before deleting it".into(),
            ));
        }
        let kind = match current.database.status {
            DatabaseStatus::Ready
            | DatabaseStatus::Failed
            | DatabaseStatus::Quarantining
            | DatabaseStatus::Restoring => TaskKind::QuarantineDatabase,
            DatabaseStatus::Quarantined | DatabaseStatus::Deleting => TaskKind::DestroyDatabase,
            DatabaseStatus::Creating => {
                return Err(AppError::Conflict(
                    "the database is still being created; delete it once it is ready or failed".into(),
                ))
            }
            DatabaseStatus::Deleted => return Err(AppError::Conflict("the database is already deleted".into())),
        };
        self.queue.start_task(&self.store, id, kind).await?;
        Ok(self.store.database_detail(id).await?)
    }
}

/// A digest of a create request, to tell a retry from another request under the same key.
fn request_digest(params: &DatabaseCreate) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{params:?}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
