//! Databases: the tenant's request, its place on an engine, and its state.

use std::collections::HashMap;
use std::sync::Arc;

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Nullable};
use diesel_async::{AsyncConnection, RunQueryDsl};
use rand::distr::{Alphanumeric, SampleString};

use super::engines::place;
use super::idempotency::{self, EarlierRequest, IdempotencyKey};
use super::page::{load_rows, Page, PageRequest};
use super::tx::{insert_task, TxError};
use super::{Conn, Store, StoreError, StoreResult};
use crate::model::{
    owner_username, Credential, CredentialName, Database, DatabaseDetail, DatabaseStatus, DatabaseSummary, Engine,
    Environment, Host, NewDatabase, Plan, SummaryRow, Task, TaskKind, TaskStatus,
};
use crate::schema::{credentials, database_counts, databases, engines, environments, hosts, plans, tasks, teams};

/// What recording a new database produced: the row, its owner credential, and the task that
/// will provision it.
#[derive(Debug, Clone)]
pub struct CreatedDatabase {
    pub database: Database,
    pub credential: Credential,
    pub task: Task,
}

/// What a create did: recorded a new database, or found the one an earlier request with the
/// same idempotency key recorded.
#[derive(Debug, Clone)]
pub enum Creation {
    New(Box<CreatedDatabase>),
    Earlier(EarlierRequest),
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

/// A database and what its detail shows beside it, as [`joined!`] reads them.
type Joined = (Database, Plan, Environment, Option<Engine>, Option<Host>, Option<Task>);

/// A [`Joined`] row with one more column (`joined_columns!(extra)`).
type JoinedWith<T> = (
    Database,
    Plan,
    Environment,
    Option<Engine>,
    Option<Host>,
    Option<Task>,
    T,
);

/// Databases joined to their plan, environment and engine (once one serves them) with its
/// host: what a [`SummaryRow`] reads (its latest task is the database's own `latest_task_id`).
macro_rules! summary_joined {
    () => {
        databases::table
            .inner_join(plans::table)
            .inner_join(environments::table)
            .left_join(engines::table.left_join(hosts::table))
    };
}

/// [`summary_joined!`], and the latest task (once there is one): what a detail reads.
macro_rules! joined {
    () => {
        summary_joined!().left_join(tasks::table.on(tasks::id.nullable().eq(databases::latest_task_id)))
    };
}

/// What [`joined!`] selects: a [`Joined`], or with `extra` a [`JoinedWith`] it.
macro_rules! joined_columns {
    ($($extra:expr)?) => {
        (
            Database::as_select(),
            Plan::as_select(),
            Environment::as_select(),
            Option::<Engine>::as_select(),
            Option::<Host>::as_select(),
            Option::<Task>::as_select(),
            $($extra,)?
        )
    };
}

diesel::alias!(databases as counted: CountedDatabases);

/// Applies a list's filters to a query of databases; `|c| …` maps a column of `databases`
/// to the one the query filters on (itself, or its alias in a subquery).
macro_rules! filtered {
    ($query:expr, $filter:expr, |$c:ident| $column:expr) => {{
        let filter: &DatabaseFilter = $filter;
        let mut query = $query;
        match filter.teams_in.as_deref() {
            None => {}
            // One team (most tenants' case) by `=`: an index on (team_id, id) then gives its
            // rows in id order, so a page deep in a team's list reads only its own rows.
            // Postgres 15 cannot keep that order across the values of `= ANY`.
            Some([team]) => {
                query = query.filter(
                    {
                        let $c = databases::team_id;
                        $column
                    }
                    .eq(*team),
                );
            }
            Some(teams) => {
                query = query.filter(
                    {
                        let $c = databases::team_id;
                        $column
                    }
                    .eq_any(teams.to_vec()),
                );
            }
        }
        if let Some(name) = &filter.name {
            query = query.filter(
                {
                    let $c = databases::name;
                    $column
                }
                .eq(name.clone()),
            );
        }
        if let Some(id) = filter.project_id {
            query = query.filter(
                {
                    let $c = databases::project_id;
                    $column
                }
                .eq(id),
            );
        }
        if let Some(id) = filter.environment_id {
            query = query.filter(
                {
                    let $c = databases::environment_id;
                    $column
                }
                .eq(id),
            );
        }
        if let Some(id) = filter.team_id {
            query = query.filter(
                {
                    let $c = databases::team_id;
                    $column
                }
                .eq(id),
            );
        }
        if let Some(status) = filter.status {
            query = query.filter(
                {
                    let $c = databases::status;
                    $column
                }
                .eq(status),
            );
        }
        if !filter.show_deleted {
            query = query.filter(NotDeleted({
                let $c = databases::status;
                $column
            }));
        }
        query
    }};
}

/// `status <> 'deleted'`, the status written into the SQL rather than bound. In the plan
/// Postgres keeps for a prepared statement (the generic one, made without the parameters' values),
/// `status <> $1` is taken to keep next to no rows when most databases share one status: a page
/// was then planned as joining every database and sorting them, so Postgres planned each
/// execution afresh instead, which took longer than running the query.
#[derive(Debug, Clone, Copy, QueryId, ValidGrouping)]
struct NotDeleted<C>(C);

impl<C: Expression> Expression for NotDeleted<C> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, QS: ?Sized> AppearsOnTable<QS> for NotDeleted<C> {}

impl<C: SelectableExpression<QS>, QS: ?Sized> SelectableExpression<QS> for NotDeleted<C> {}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for NotDeleted<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(" <> 'deleted'");
        Ok(())
    }
}

/// How many databases match the filters, counted row by row, as a subquery of a page's
/// query: for a filter by name, which the [kept counts](kept_total) do not know of (a name
/// has one live database per environment, so this counts few rows).
macro_rules! total_of {
    ($filter:expr) => {
        filtered!(counted.select(diesel::dsl::count_star()).into_boxed(), $filter, |c| {
            counted.field(c)
        })
        .single_value()
    };
}

/// How many databases match the filters (all but a name), as the kept counts say: a sum over
/// the (team, environment, project, status) keys that match, however many rows they hold.
fn kept_total(filter: &DatabaseFilter) -> database_counts::BoxedQuery<'static, Pg, Nullable<BigInt>> {
    let mut query = database_counts::table
        .select(diesel::dsl::sum(database_counts::n))
        .into_boxed();
    // One team by `=`, as in [`filtered!`]: with `= ANY` in it, Postgres planned the page's
    // query afresh on every execution.
    match filter.teams_in.as_deref() {
        None => {}
        Some([team]) => query = query.filter(database_counts::team_id.eq(*team)),
        Some(teams) => query = query.filter(database_counts::team_id.eq_any(teams.to_vec())),
    }
    if let Some(id) = filter.project_id {
        query = query.filter(database_counts::project_id.eq(id));
    }
    if let Some(id) = filter.environment_id {
        query = query.filter(database_counts::environment_id.eq(id));
    }
    if let Some(id) = filter.team_id {
        query = query.filter(database_counts::team_id.eq(id));
    }
    if let Some(status) = filter.status {
        query = query.filter(database_counts::status.eq(status));
    }
    if !filter.show_deleted {
        query = query.filter(database_counts::status.ne(DatabaseStatus::Deleted));
    }
    query
}

/// The live credentials of these databases (one query, oldest first), by database: `$select`
/// is what to read of each, `$database_id` how to tell its database.
macro_rules! live_credentials {
    ($conn:expr, $ids:expr, $select:expr, $database_id:expr) => {{
        let ids: &[i64] = $ids;
        let live = credentials::table
            .filter(credentials::deleted_at.is_null())
            .order(credentials::id)
            .select($select);
        let found: Vec<_> = match ids {
            [] => Vec::new(),
            // One database (a page of one) by `=`: for `= ANY($1)` Postgres' plan that ignores the
            // parameter (the one a prepared statement keeps) reckons with ten ids, so it looked
            // dearer than a plan for one, and one database's credentials were planned every time.
            [id] => live.filter(credentials::database_id.eq(id)).load($conn).await?,
            _ => live.filter(credentials::database_id.eq_any(ids)).load($conn).await?,
        };
        let mut by_database: HashMap<i64, Vec<_>> = HashMap::new();
        for credential in found {
            by_database
                .entry($database_id(&credential))
                .or_default()
                .push(credential);
        }
        by_database
    }};
}

/// Details from joined rows and their live credentials (one query), in the rows' order.
async fn with_credentials(conn: &mut Conn, rows: Vec<Joined>) -> StoreResult<Vec<DatabaseDetail>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.0.id).collect();
    let mut credentials = live_credentials!(conn, &ids, Credential::as_select(), |c: &Credential| c.database_id);
    Ok(rows
        .into_iter()
        .map(|row| {
            let found = credentials.remove(&row.0.id).unwrap_or_default();
            detail(row, found)
        })
        .collect())
}

/// These databases as their readers see them, in id order, each with its latest task's status
/// (whether it may be [remembered](super::database_memory)): one query, with a row for each
/// live credential (a database has one, or a few).
async fn read_summaries(conn: &mut Conn, ids: &[i64]) -> StoreResult<Vec<(Arc<DatabaseSummary>, Option<TaskStatus>)>> {
    let live = credentials::database_id
        .eq(databases::id)
        .and(credentials::deleted_at.is_null());
    let query = summary_joined!()
        .left_join(tasks::table.on(tasks::id.nullable().eq(databases::latest_task_id)))
        .left_join(credentials::table.on(live))
        .select((
            SummaryRow::as_select(),
            tasks::status.nullable(),
            Option::<CredentialName>::as_select(),
        ))
        .order((databases::id.asc(), credentials::id.asc()))
        .into_boxed();
    // One database by `=`: see [`live_credentials`] on why not `= ANY` for one.
    let query = match ids {
        [id] => query.filter(databases::id.eq(*id)),
        _ => query.filter(databases::id.eq_any(ids)),
    };
    let rows: Vec<(SummaryRow, Option<TaskStatus>, Option<CredentialName>)> = query.load(conn).await?;
    let mut read: Vec<(DatabaseSummary, Option<TaskStatus>)> = Vec::with_capacity(ids.len());
    for (row, task, credential) in rows {
        match read.last_mut() {
            Some((summary, _)) if summary.row.id == row.id => summary.credentials.extend(credential),
            _ => read.push((
                DatabaseSummary {
                    row,
                    credentials: credential.into_iter().collect(),
                    rendered: std::sync::OnceLock::new(),
                },
                task,
            )),
        }
    }
    Ok(read
        .into_iter()
        .map(|(summary, task)| (Arc::new(summary), task))
        .collect())
}

/// A detail from its joined row and its live credentials.
fn detail(row: Joined, credentials: Vec<Credential>) -> DatabaseDetail {
    let (database, plan, environment, engine, host, latest_task) = row;
    DatabaseDetail {
        database,
        plan,
        environment,
        engine,
        host,
        credentials,
        latest_task,
    }
}

impl Store {
    /// Records a database, its owner credential (no password yet) and a queued provisioning
    /// task, all or nothing. Refused when the name is taken in the environment or the team's
    /// quota there is used up.
    /// Records a database, its owner credential and its provisioning task, placed on a host.
    /// With `key`, the key is recorded in the same transaction; a key this user gave before
    /// (or gives at the same moment) records nothing and answers [`Creation::Earlier`].
    pub async fn database_create(&self, new: NewDatabase, key: Option<&IdempotencyKey>) -> StoreResult<Creation> {
        let mut conn = self.conn().await?;
        let uid = Alphanumeric.sample_string(&mut rand::rng(), 12).to_lowercase();
        let result = conn
            .transaction::<_, TxError, _>(async |conn| {
                if let Some(key) = key {
                    // A concurrent request with the key waits here until the first commits.
                    if let Some(earlier) = idempotency::claim(conn, key).await? {
                        return Ok(Creation::Earlier(earlier));
                    }
                }
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
                // Placed now, so that an environment with no room answers 409 and records
                // nothing, rather than a task that fails later.
                let plan: Plan = plans::table
                    .find(new.plan_id)
                    .select(Plan::as_select())
                    .first(conn)
                    .await?;
                place(conn, database.id, &plan).await?;
                let task = insert_task(conn, TaskKind::ProvisionDatabase, database.id, Some(credential.id)).await?;
                if let Some(key) = key {
                    idempotency::settle(conn, key, database.id).await?;
                }
                Ok(Creation::New(Box::new(CreatedDatabase {
                    database,
                    credential,
                    task,
                })))
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

    /// A database with its plan, environment, engine, live credentials and latest task: one
    /// query, with a row for each live credential (a database has one, or a few).
    pub async fn database_detail(&self, id: i64) -> StoreResult<DatabaseDetail> {
        let mut conn = self.conn().await?;
        let live = credentials::database_id
            .eq(databases::id)
            .and(credentials::deleted_at.is_null());
        let rows: Vec<JoinedWith<Option<Credential>>> = joined!()
            .left_join(credentials::table.on(live))
            .filter(databases::id.eq(id))
            .select(joined_columns!(Option::<Credential>::as_select()))
            .order(credentials::id.asc())
            .load(&mut conn)
            .await?;
        let mut rows = rows.into_iter();
        let (database, plan, environment, engine, host, latest_task, first) =
            rows.next().ok_or(StoreError::NotFound("database"))?;
        let credentials = first.into_iter().chain(rows.filter_map(|row| row.6)).collect();
        Ok(detail(
            (database, plan, environment, engine, host, latest_task),
            credentials,
        ))
    }

    /// A database as its readers see it: from memory, else one query (see
    /// [`super::database_memory`]).
    pub async fn database_summary(&self, id: i64) -> StoreResult<Arc<DatabaseSummary>> {
        if let Some(summary) = self.databases.recall(id) {
            return Ok(summary);
        }
        let generation = self.databases.generation();
        let mut conn = self.conn().await?;
        let read = read_summaries(&mut conn, &[id]).await?;
        let summary = <[_]>::first(&read).map(|(summary, _): &(Arc<DatabaseSummary>, _)| summary.clone());
        self.databases.remember(generation, read);
        summary.ok_or(StoreError::NotFound("database"))
    }

    /// Details of these databases, in the same order: two queries, whatever their number.
    pub async fn database_details(&self, databases: Vec<Database>) -> StoreResult<Vec<DatabaseDetail>> {
        let ids: Vec<i64> = databases.iter().map(|d| d.id).collect();
        let mut conn = self.conn().await?;
        let mut rows: HashMap<i64, Joined> = joined!()
            .filter(databases::id.eq_any(&ids))
            .select(joined_columns!())
            .load::<Joined>(&mut conn)
            .await?
            .into_iter()
            .map(|row| (row.0.id, row))
            .collect();
        let rows = ids.iter().filter_map(|id| rows.remove(id)).collect();
        with_credentials(&mut conn, rows).await
    }

    /// One page of databases as their readers see them, and how many match in all: the page's
    /// ids (the total rides along), then those not [in memory](super::database_memory) in one
    /// query; a third query counts for a page past the end.
    pub async fn database_page(
        &self,
        filter: DatabaseFilter,
        request: PageRequest,
    ) -> StoreResult<Page<Arc<DatabaseSummary>>> {
        let generation = self.databases.generation();
        let mut conn = self.conn().await?;
        let query = || filtered!(databases::table.into_boxed(), &filter, |c| c);
        type Counted = (i64, Option<i64>);
        // The total rides along: counted where the filter names a database, else kept.
        macro_rules! page_with {
            ($total:expr) => {
                load_rows!(&mut conn, query, databases::id, (databases::id, $total), request)
            };
        }
        let rows: Vec<Counted> = match filter.name {
            Some(_) => page_with!(total_of!(&filter)),
            None => page_with!(kept_total(&filter).single_value()),
        };
        let total = match <[Counted]>::first(&rows) {
            Some(row) => row.1.unwrap_or_default(),
            None if filter.name.is_some() => {
                filtered!(databases::table.into_boxed(), &filter, |c| c)
                    .count()
                    .get_result(&mut conn)
                    .await?
            }
            None => kept_total(&filter)
                .get_result::<Option<i64>>(&mut conn)
                .await?
                .unwrap_or_default(),
        };
        let ids: Vec<i64> = rows.into_iter().map(|(id, _)| id).collect();
        let page = Page::from_rows(ids, total, &request, |id| *id);
        let mut known = self
            .databases
            .recall_all(&page.items)
            .unwrap_or_else(|| vec![None; page.items.len()]);
        let missing: Vec<i64> = page
            .items
            .iter()
            .zip(&known)
            .filter(|(_, known)| known.is_none())
            .map(|(id, _)| *id)
            .collect();
        if !missing.is_empty() {
            let read = read_summaries(&mut conn, &missing).await?;
            let mut found: HashMap<i64, Arc<DatabaseSummary>> = read
                .iter()
                .map(|(summary, _)| (summary.row.id, summary.clone()))
                .collect();
            self.databases.remember(generation, read);
            for (id, known) in page.items.iter().zip(&mut known) {
                if known.is_none() {
                    *known = found.remove(id);
                }
            }
        }
        // A database removed between the two queries (rows are only removed by hand) is left out.
        let summaries = known.into_iter().flatten().collect();
        Ok(page.map_with(summaries))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_deleted_writes_the_status_deleted_has() {
        let sql = diesel::debug_query::<Pg, _>(
            &databases::table
                .select(databases::id)
                .filter(NotDeleted(databases::status)),
        )
        .to_string();
        assert!(
            sql.contains(&format!("\"databases\".\"status\" <> '{}'", DatabaseStatus::Deleted)),
            "{sql}"
        );
    }
}
