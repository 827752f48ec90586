//! Projects: a tenant's grouping of databases, owned by a team or global (`team_id` NULL).
//! Deleting one retires it (`deleted_at`): databases that were in it still name it.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::page::{load_page, Page, PageRequest};
use super::{live_databases, Store, StoreError, StoreResult};
use crate::model::{NewProject, Project, ProjectChanges, Ref};
use crate::schema::{databases, projects};

impl Store {
    /// One page of live projects; with `teams`, only global ones and those of these teams.
    pub async fn project_list(&self, teams: Option<&[i64]>, request: PageRequest) -> StoreResult<Page<Project>> {
        let mut conn = self.conn().await?;
        Ok(load_page!(
            &mut conn,
            || {
                let query = projects::table.filter(projects::deleted_at.is_null()).into_boxed();
                match teams {
                    Some(teams) => {
                        query.filter(projects::team_id.is_null().or(projects::team_id.eq_any(teams.to_vec())))
                    }
                    None => query,
                }
            },
            projects::id,
            Project::as_select(),
            request,
            |p: &Project| p.id
        ))
    }

    pub async fn project_find(&self, by: &Ref) -> StoreResult<Project> {
        let mut conn = self.conn().await?;
        let query = projects::table
            .filter(projects::deleted_at.is_null())
            .select(Project::as_select())
            .into_boxed();
        let query = match by {
            Ref::Id(id) => query.filter(projects::id.eq(*id)),
            Ref::Name(name) => query.filter(projects::name.eq(name)),
        };
        query.first(&mut conn).await.map_err(StoreError::lookup("project"))
    }

    pub async fn project_create(&self, new: NewProject) -> StoreResult<Project> {
        let mut conn = self.conn().await?;
        diesel::insert_into(projects::table)
            .values(&new)
            .returning(Project::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::write("project", Some(&new.name)))
    }

    pub async fn project_update(&self, id: i64, changes: ProjectChanges) -> StoreResult<Project> {
        if changes == ProjectChanges::default() {
            return self.project_find(&Ref::Id(id)).await;
        }
        let mut conn = self.conn().await?;
        diesel::update(projects::table.find(id).filter(projects::deleted_at.is_null()))
            .set(&changes)
            .returning(Project::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(StoreError::write("project", changes.name.as_deref()))
    }

    /// Retires a project no live database is in.
    pub async fn project_delete(&self, id: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            // The row lock waits for databases being recorded in this project, so they count.
            let name: String = projects::table
                .find(id)
                .filter(projects::deleted_at.is_null())
                .select(projects::name)
                .for_update()
                .first(conn)
                .await
                .map_err(StoreError::lookup("project"))?;
            let live: i64 = live_databases()
                .filter(databases::project_id.eq(id))
                .count()
                .get_result(conn)
                .await?;
            if live > 0 {
                return Err(StoreError::in_use("project", &name, live));
            }
            diesel::update(projects::table.find(id))
                .set(projects::deleted_at.eq(diesel::dsl::now))
                .execute(conn)
                .await?;
            Ok(())
        })
        .await
    }
}
