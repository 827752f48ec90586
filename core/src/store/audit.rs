//! The audit trail's queries: records are written one by one (a call's before it runs, with
//! its outcome after), read in pages, and dropped once older than the retention period.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::page::{load_page, Page, PageRequest};
use super::{Store, StoreError, StoreResult};
use crate::model::{AuditOutcome, AuditRecord, AuditSubject, NewAuditRecord};
use crate::schema::{audit_records, credentials, databases, projects, tasks, teams};

/// Which records a list shows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// `Some`: only the records about these teams' resources, and those of this user's own
    /// calls (a member's view); `None`: all (an admin's).
    pub visible_to: Option<AuditViewer>,
    /// Only the calls made as this username (as given: failed logins included).
    pub actor_name: Option<String>,
    /// Only the records about this path (`/api/database/7`) or a path under it
    /// (`/api/database/7/restore`).
    pub resource: Option<String>,
    pub operation: Option<String>,
    /// Only the records at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only the records before this time.
    pub until: Option<DateTime<Utc>>,
}

/// Whose part of the trail a member reads.
#[derive(Debug, Clone)]
pub struct AuditViewer {
    pub user_id: i64,
    pub team_ids: Vec<i64>,
}

/// `raw` as a `LIKE` pattern that matches it literally.
fn like_literal(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Store {
    /// Writes a record; answers its id.
    pub async fn audit_record_add(&self, record: &NewAuditRecord) -> StoreResult<i64> {
        let mut conn = self.conn().await?;
        Ok(diesel::insert_into(audit_records::table)
            .values(record)
            .returning(audit_records::id)
            .get_result(&mut conn)
            .await?)
    }

    /// Writes how the call recorded as `id` ended.
    pub async fn audit_record_end(&self, id: i64, outcome: &AuditOutcome) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let updated = diesel::update(audit_records::table.find(id))
            .set(outcome)
            .execute(&mut conn)
            .await?;
        if updated == 0 {
            return Err(StoreError::NotFound("audit record"));
        }
        Ok(())
    }

    /// The team owning `subject`, if it exists and belongs to one (a global project does not).
    /// Retired rows count: a deleted database still names its team.
    pub async fn audit_team_of(&self, subject: AuditSubject) -> StoreResult<Option<i64>> {
        let mut conn = self.conn().await?;
        let conn = &mut conn;
        Ok(match subject {
            AuditSubject::Database(id) => databases::table
                .find(id)
                .select(databases::team_id)
                .first(conn)
                .await
                .optional()?,
            AuditSubject::Credential(id) => credentials::table
                .inner_join(databases::table)
                .filter(credentials::id.eq(id))
                .select(databases::team_id)
                .first(conn)
                .await
                .optional()?,
            AuditSubject::Task(id) => tasks::table
                .inner_join(databases::table)
                .filter(tasks::id.eq(id))
                .select(databases::team_id)
                .first(conn)
                .await
                .optional()?,
            AuditSubject::Team(id) => teams::table.find(id).select(teams::id).first(conn).await.optional()?,
            AuditSubject::Project(id) => projects::table
                .find(id)
                .select(projects::team_id)
                .first::<Option<i64>>(conn)
                .await
                .optional()?
                .flatten(),
        })
    }

    /// One page of records, oldest first.
    pub async fn audit_list(&self, filter: AuditFilter, request: PageRequest) -> StoreResult<Page<AuditRecord>> {
        let mut conn = self.conn().await?;
        let query = || {
            let mut query = audit_records::table.into_boxed();
            if let Some(viewer) = &filter.visible_to {
                query = query.filter(
                    audit_records::team_id
                        .eq_any(viewer.team_ids.clone())
                        .or(audit_records::actor_id.eq(viewer.user_id)),
                );
            }
            if let Some(name) = &filter.actor_name {
                query = query.filter(audit_records::actor_name.eq(name.clone()));
            }
            if let Some(resource) = &filter.resource {
                query = query.filter(
                    audit_records::resource.eq(resource.clone()).or(audit_records::resource
                        .like(format!("{}/%", like_literal(resource)))
                        .escape('\\')),
                );
            }
            if let Some(operation) = &filter.operation {
                query = query.filter(audit_records::operation.eq(operation.clone()));
            }
            if let Some(since) = filter.since {
                query = query.filter(audit_records::at.ge(since));
            }
            if let Some(until) = filter.until {
                query = query.filter(audit_records::at.lt(until));
            }
            query
        };
        Ok(load_page!(
            &mut conn,
            query,
            audit_records::id,
            AuditRecord::as_select(),
            request,
            |r: &AuditRecord| r.id
        ))
    }

    /// Drops the records older than `days` days, on the catalog's clock; answers how many.
    pub async fn audit_expire(&self, days: u32) -> StoreResult<usize> {
        let mut conn = self.conn().await?;
        let now = diesel::dsl::sql::<diesel::sql_types::Timestamptz>("now()");
        let period = diesel::data_types::PgInterval::from_days(i32::try_from(days).unwrap_or(i32::MAX));
        Ok(
            diesel::delete(audit_records::table.filter(audit_records::at.lt(now - period)))
                .execute(&mut conn)
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::like_literal;

    #[test]
    fn like_patterns_match_literally() {
        assert_eq!(
            like_literal("/api/credential/1/reset_password"),
            "/api/credential/1/reset\\_password"
        );
        assert_eq!(like_literal("100%\\"), "100\\%\\\\");
    }
}
