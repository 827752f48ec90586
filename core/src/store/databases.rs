//! Databases: the tenant's request, its place on an engine, and its state.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use rand::distr::{Alphanumeric, SampleString};

use super::page::{load_page, Page, PageRequest};
use super::tx::{insert_task, TxError};
use super::{Store, StoreError, StoreResult};
use crate::model::{
    owner_username, Credential, Database, DatabaseDetail, DatabaseStatus, Engine, Environment, NewDatabase, Plan, Task,
    TaskKind,
};
use crate::schema::{credentials, databases, engines, environments, plans, tasks, teams};

/// What recording a new database produced: the row, its owner credential, and the task that
/// will provision it.
#[derive(Debug, Clone)]
pub struct CreatedDatabase {
    pub database: Database,
    pub credential: Credential,
    pub task: Task,
}

/// Which databases a list shows.
#[derive(Debug, Clone, Default)]
pub struct DatabaseFilter {
    /// `Some`: only these teams' databases (a non-admin caller's scope).
    pub teams_in: Option<Vec<i64>>,
    pub name: Option<String>,
    pub project_id: Option<i64>,
    pub environment_id: Option<i64>,
    pub team_id: Option<i64>,
    pub status: Option<DatabaseStatus>,
    /// Include destroyed databases.
    pub show_deleted: bool,
}

/// Changes to a database's tenant-owned metadata; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = databases)]
pub struct DatabaseChanges {
    pub project_id: Option<Option<i64>>,
    pub quarantine_days: Option<Option<i32>>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    pub is_protected: Option<bool>,
}

impl Store {
    /// Records a database, its owner credential (no password yet) and a queued provisioning
    /// task, all or nothing. Refused when the name is taken in the environment or the team's
    /// quota there is used up.
    pub async fn database_create(&self, new: NewDatabase) -> StoreResult<CreatedDatabase> {
        let mut conn = self.conn().await?;
        let uid = Alphanumeric.sample_string(&mut rand::rng(), 12).to_lowercase();
        let result = conn
            .transaction::<_, TxError, _>(async |conn| {
                // The team row serialises creations, so two requests cannot both take the
                // last database of a quota.
                let limit: i32 = teams::table
                    .find(new.team_id)
                    .select(teams::database_limit)
                    .for_update()
                    .first(conn)
                    .await?;
                let live: i64 = databases::table
                    .filter(databases::team_id.eq(new.team_id))
                    .filter(databases::environment_id.eq(new.environment_id))
                    .filter(databases::status.ne(DatabaseStatus::Deleted))
                    .count()
                    .get_result(conn)
                    .await?;
                if live >= i64::from(limit) {
                    return Err(TxError::Refused(StoreError::OverQuota(format!(
                        "the team has {live} of its {limit} databases in this environment \
                         (quarantined ones count); delete one or ask for a larger quota"
                    ))));
                }
                let database: Database = diesel::insert_into(databases::table)
                    .values((
                        databases::uid.eq(&uid),
                        databases::name.eq(&new.name),
                        databases::team_id.eq(new.team_id),
                        databases::plan_id.eq(new.plan_id),
                        databases::environment_id.eq(new.environment_id),
                        databases::project_id.eq(new.project_id),
                        databases::status.eq(DatabaseStatus::Creating),
                        databases::description.eq(&new.description),
                        databases::tags.eq(&new.tags),
                    ))
                    .returning(Database::as_returning())
                    .get_result(conn)
                    .await?;
                let credential: Credential = diesel::insert_into(credentials::table)
                    .values((
                        credentials::database_id.eq(database.id),
                        credentials::username.eq(owner_username(&database.name)),
                    ))
                    .returning(Credential::as_returning())
                    .get_result(conn)
                    .await?;
                let task = insert_task(conn, TaskKind::ProvisionDatabase, database.id, Some(credential.id)).await?;
                Ok(CreatedDatabase {
                    database,
                    credential,
                    task,
                })
            })
            .await;
        result
            .map_err(|e| e.into_store(|| format!("a database named '{}' already exists in this environment", new.name)))
    }

    pub async fn database_get(&self, id: i64) -> StoreResult<Database> {
        let mut conn = self.conn().await?;
        databases::table
            .find(id)
            .select(Database::as_select())
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("database"))
    }

    /// A database with its plan, environment, live credentials and latest task.
    pub async fn database_detail(&self, id: i64) -> StoreResult<DatabaseDetail> {
        let database = self.database_get(id).await?;
        self.database_details(vec![database])
            .await?
            .pop()
            .ok_or(StoreError::NotFound("database"))
    }

    /// Details of several databases in five queries, whatever their number.
    pub async fn database_details(&self, databases: Vec<Database>) -> StoreResult<Vec<DatabaseDetail>> {
        let mut conn = self.conn().await?;
        let ids: Vec<i64> = databases.iter().map(|d| d.id).collect();
        let plan_ids: Vec<i64> = databases.iter().map(|d| d.plan_id).collect();
        let environment_ids: Vec<i64> = databases.iter().map(|d| d.environment_id).collect();
        let plans: HashMap<i64, Plan> = plans::table
            .filter(plans::id.eq_any(&plan_ids))
            .select(Plan::as_select())
            .load(&mut conn)
            .await?
            .into_iter()
            .map(|p: Plan| (p.id, p))
            .collect();
        let environments: HashMap<i64, Environment> = environments::table
            .filter(environments::id.eq_any(&environment_ids))
            .select(Environment::as_select())
            .load(&mut conn)
            .await?
            .into_iter()
            .map(|e: Environment| (e.id, e))
            .collect();
        let engine_ids: Vec<i64> = databases.iter().filter_map(|d| d.engine_id).collect();
        let engines: HashMap<i64, Engine> = if engine_ids.is_empty() {
            HashMap::new()
        } else {
            engines::table
                .filter(engines::id.eq_any(&engine_ids))
                .select(Engine::as_select())
                .load(&mut conn)
                .await?
                .into_iter()
                .map(|e: Engine| (e.id, e))
                .collect()
        };
        let mut credentials: HashMap<i64, Vec<Credential>> = HashMap::new();
        for credential in credentials::table
            .filter(credentials::database_id.eq_any(&ids))
            .filter(credentials::deleted_at.is_null())
            .order(credentials::id)
            .select(Credential::as_select())
            .load::<Credential>(&mut conn)
            .await?
        {
            credentials.entry(credential.database_id).or_default().push(credential);
        }
        let mut latest: HashMap<i64, Task> = tasks::table
            .filter(tasks::database_id.eq_any(&ids))
            .distinct_on(tasks::database_id)
            .order((tasks::database_id, tasks::id.desc()))
            .select(Task::as_select())
            .load::<Task>(&mut conn)
            .await?
            .into_iter()
            .filter_map(|t| t.database_id.map(|id| (id, t)))
            .collect();
        databases
            .into_iter()
            .map(|database| {
                let plan = plans
                    .get(&database.plan_id)
                    .cloned()
                    .ok_or(StoreError::NotFound("plan"))?;
                let environment = environments
                    .get(&database.environment_id)
                    .cloned()
                    .ok_or(StoreError::NotFound("environment"))?;
                Ok(DatabaseDetail {
                    engine: database.engine_id.and_then(|id| engines.get(&id).cloned()),
                    credentials: credentials.remove(&database.id).unwrap_or_default(),
                    latest_task: latest.remove(&database.id),
                    plan,
                    environment,
                    database,
                })
            })
            .collect()
    }

    pub async fn database_list(&self, filter: DatabaseFilter, request: PageRequest) -> StoreResult<Page<Database>> {
        let mut conn = self.conn().await?;
        let query = || {
            let mut query = databases::table.into_boxed();
            if let Some(teams) = &filter.teams_in {
                query = query.filter(databases::team_id.eq_any(teams.clone()));
            }
            if let Some(name) = &filter.name {
                query = query.filter(databases::name.eq(name.clone()));
            }
            if let Some(id) = filter.project_id {
                query = query.filter(databases::project_id.eq(id));
            }
            if let Some(id) = filter.environment_id {
                query = query.filter(databases::environment_id.eq(id));
            }
            if let Some(id) = filter.team_id {
                query = query.filter(databases::team_id.eq(id));
            }
            if let Some(status) = filter.status {
                query = query.filter(databases::status.eq(status));
            }
            if !filter.show_deleted {
                query = query.filter(databases::status.ne(DatabaseStatus::Deleted));
            }
            query
        };
        Ok(load_page!(
            &mut conn,
            query,
            databases::id,
            Database::as_select(),
            request,
            |d: &Database| d.id
        ))
    }

    pub async fn database_update(&self, id: i64, changes: DatabaseChanges) -> StoreResult<Database> {
        let mut conn = self.conn().await?;
        if changes.project_id.is_none()
            && changes.quarantine_days.is_none()
            && changes.description.is_none()
            && changes.tags.is_none()
            && changes.is_protected.is_none()
        {
            return self.database_get(id).await;
        }
        diesel::update(databases::table.find(id))
            .set((&changes, databases::updated_at.eq(diesel::dsl::now)))
            .returning(Database::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::lookup("database"))
    }
}
