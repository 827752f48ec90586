//! Projects: a tenant's grouping of databases.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Store, StoreError, StoreResult};
use crate::model::{Project, Ref};
use crate::schema::projects;

impl Store {
    pub async fn project_find(&self, by: &Ref) -> StoreResult<Project> {
        let mut conn = self.conn().await?;
        let query = projects::table.select(Project::as_select()).into_boxed();
        let query = match by {
            Ref::Id(id) => query.filter(projects::id.eq(*id)),
            Ref::Name(name) => query.filter(projects::name.eq(name)),
        };
        query.first(&mut conn).await.map_err(StoreError::lookup("project"))
    }
}
