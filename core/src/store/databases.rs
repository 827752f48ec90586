//! Databases: the tenant's request, its place on an engine, and its state.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable};
use diesel_async::{AsyncConnection, RunQueryDsl};
use rand::distr::{Alphanumeric, SampleString};

use super::{Store, StoreError, StoreResult};
use crate::model::{
    owner_username, Credential, Database, DatabaseDetail, DatabaseStatus, Environment, NewDatabase,
    Plan, Task, TaskKind, TaskStatus,
};
use crate::schema::{credentials, databases, environments, plans, tasks};

/// What recording a new database produced: the row, its owner credential, and the task that
/// will provision it.
#[derive(Debug, Clone)]
pub struct CreatedDatabase {
    pub database: Database,
    pub credential: Credential,
    pub task: Task,
}

#[derive(QueryableByName)]
struct AllocatedPort {
    #[diesel(sql_type = Nullable<Integer>)]
    port: Option<i32>,
}

impl Store {
    /// Records a database, its owner credential (no password yet) and a queued provisioning
    /// task, all or nothing. A live database of the same name in the environment is a conflict.
    pub async fn database_create(&self, new: NewDatabase) -> StoreResult<CreatedDatabase> {
        let mut conn = self.conn().await?;
        let uid = Alphanumeric
            .sample_string(&mut rand::rng(), 12)
            .to_lowercase();
        let result = conn
            .transaction::<_, diesel::result::Error, _>(async |conn| {
                let database: Database = diesel::insert_into(databases::table)
                    .values((
                        databases::uid.eq(&uid),
                        databases::name.eq(&new.name),
                        databases::team_id.eq(new.team_id),
                        databases::plan_id.eq(new.plan_id),
                        databases::environment_id.eq(new.environment_id),
                        databases::project_id.eq(new.project_id),
                        databases::status.eq(DatabaseStatus::Creating.as_str()),
                        databases::description.eq(&new.description),
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
                let task: Task = diesel::insert_into(tasks::table)
                    .values((
                        tasks::kind.eq(TaskKind::ProvisionDatabase.as_str()),
                        tasks::status.eq(TaskStatus::Queued.as_str()),
                        tasks::database_id.eq(database.id),
                        tasks::credential_id.eq(credential.id),
                    ))
                    .returning(Task::as_returning())
                    .get_result(conn)
                    .await?;
                Ok(CreatedDatabase {
                    database,
                    credential,
                    task,
                })
            })
            .await;
        result.map_err(|e| {
            if StoreError::is_unique_violation(&e) {
                StoreError::Conflict(format!(
                    "a database named '{}' already exists in this environment",
                    new.name
                ))
            } else {
                StoreError::Query(e)
            }
        })
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

    /// A database with its plan, environment, credentials and latest task.
    pub async fn database_detail(&self, id: i64) -> StoreResult<DatabaseDetail> {
        let mut conn = self.conn().await?;
        let (database, plan, environment) = databases::table
            .inner_join(plans::table)
            .inner_join(environments::table)
            .filter(databases::id.eq(id))
            .select((
                Database::as_select(),
                Plan::as_select(),
                Environment::as_select(),
            ))
            .first::<(Database, Plan, Environment)>(&mut conn)
            .await
            .map_err(StoreError::lookup("database"))?;
        let credentials = credentials::table
            .filter(credentials::database_id.eq(id))
            .order(credentials::id)
            .select(Credential::as_select())
            .load(&mut conn)
            .await?;
        let latest_task = tasks::table
            .filter(tasks::database_id.eq(id))
            .order(tasks::id.desc())
            .select(Task::as_select())
            .first(&mut conn)
            .await
            .optional()?;
        Ok(DatabaseDetail {
            database,
            plan,
            environment,
            credentials,
            latest_task,
        })
    }

    /// Gives the database the lowest free port of its environment's range, once: a database
    /// that has a port keeps it. Two workers racing for one port meet the unique index; the
    /// loser tries the next free one.
    pub async fn database_allocate_port(&self, id: i64) -> StoreResult<i32> {
        let mut conn = self.conn().await?;
        for _ in 0..16 {
            let allocated = diesel::sql_query(
                "UPDATE databases d SET port = (
                     SELECT min(p)::int4 FROM environments e, generate_series(e.port_min, e.port_max) p
                     WHERE e.id = d.environment_id
                       AND p NOT IN (SELECT port FROM databases o
                                     WHERE o.environment_id = d.environment_id
                                       AND o.status <> 'deleted' AND o.port IS NOT NULL)),
                     updated_at = now()
                 WHERE d.id = $1 AND d.port IS NULL
                 RETURNING d.port",
            )
            .bind::<BigInt, _>(id)
            .get_result::<AllocatedPort>(&mut conn)
            .await
            .optional();
            match allocated {
                Ok(Some(AllocatedPort { port: Some(port) })) => return Ok(port),
                Ok(Some(AllocatedPort { port: None })) => {
                    return Err(StoreError::Conflict(
                        "no free port is left in the environment's range".into(),
                    ))
                }
                // Already allocated earlier (a retried or resumed job): keep it.
                Ok(None) => {
                    let db = self.database_get(id).await?;
                    return db.port.ok_or(StoreError::NotFound("database"));
                }
                Err(e) if StoreError::is_unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict(
            "could not allocate a port: too much contention".into(),
        ))
    }

    /// Stores the engine's sealed superuser password unless one is stored already, and returns
    /// the one that is: a resumed job must keep using the password the engine was set up with.
    pub async fn database_admin_password(
        &self,
        id: i64,
        candidate: Vec<u8>,
    ) -> StoreResult<Vec<u8>> {
        let mut conn = self.conn().await?;
        diesel::update(
            databases::table
                .find(id)
                .filter(databases::admin_password_enc.is_null()),
        )
        .set(databases::admin_password_enc.eq(&candidate))
        .execute(&mut conn)
        .await?;
        let stored: Option<Vec<u8>> = databases::table
            .find(id)
            .select(databases::admin_password_enc)
            .first(&mut conn)
            .await
            .map_err(StoreError::lookup("database"))?;
        stored.ok_or(StoreError::NotFound("database"))
    }

    pub async fn database_set_status(&self, id: i64, status: DatabaseStatus) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(databases::table.find(id))
            .set((
                databases::status.eq(status.as_str()),
                databases::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}
