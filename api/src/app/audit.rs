//! The audit trail's operations: writing the records the HTTP layer's
//! [audit trail](crate::http) asks for, and reading them, scoped to the caller.
//!
//! Who reads what: admins the whole trail; everyone else the records about their teams'
//! resources and the records of their own calls. (An operator role, once it exists, reads as a
//! member does.) A record is about a team's resource when its path names a database, a
//! credential or task of one of the team's databases, the team itself or one of its projects,
//! and the caller may act for that team: an outsider's probe of another team's database is
//! recorded without a team, so the team's members never learn the outsider's name from it.

use dbaas_core::model::{AuditOutcome, AuditRecord, AuditSubject, NewAuditRecord};
use dbaas_core::store::{AuditFilter, AuditViewer, Caller, Page, PageRequest};

use super::{validate, App, AppResult};

/// The longest username kept on a record (a failed login's may be anything the client sent).
pub const MAX_ACTOR_NAME_LEN: usize = 256;

/// The operation of a failed login, beside the spec's operation ids.
pub const LOGIN_FAILED: &str = "login_failed";

/// One call, as a record names it.
#[derive(Debug, Clone)]
pub struct AuditCall {
    /// The spec's `operationId` (or [`LOGIN_FAILED`]).
    pub operation: String,
    pub method: String,
    /// The request's path, `/api/database/7` (see [`audit_path`]).
    pub resource: String,
    /// The client's address, as the login throttle counts it.
    pub client_address: String,
}

/// Filters of a list of records, as the request wrote them.
#[derive(Debug, Clone, Default)]
pub struct AuditListQuery {
    pub user: Option<String>,
    pub resource: Option<String>,
    pub operation: Option<String>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

/// The path of an API resource, as records keep it: `/api/database/7`, from a path or an
/// absolute URL, with or without its trailing slash; `None` for anything else.
pub fn audit_path(raw: &str) -> Option<String> {
    let path = match raw.find("://") {
        Some(scheme_end) => {
            let rest = &raw[scheme_end + 3..];
            &rest[rest.find('/')?..]
        }
        None => raw,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
    (path.starts_with("/api/") && path.len() > "/api/".len()).then(|| path.to_owned())
}

/// The resource owned by a team that `path` names, if any.
fn subject_of(path: &str) -> Option<AuditSubject> {
    let mut segments = path.trim_matches('/').split('/').skip(1);
    let kind = segments.next()?;
    let id: i64 = segments.next()?.parse().ok()?;
    Some(match kind {
        "database" => AuditSubject::Database(id),
        "credential" => AuditSubject::Credential(id),
        "task" => AuditSubject::Task(id),
        "team" => AuditSubject::Team(id),
        "project" => AuditSubject::Project(id),
        _ => return None,
    })
}

fn clipped(name: &str) -> String {
    name.chars().take(MAX_ACTOR_NAME_LEN).collect()
}

impl App {
    /// The team owning what `path` names, if `caller` may act for it.
    async fn audit_team(&self, caller: &Caller, path: &str) -> AppResult<Option<i64>> {
        let Some(subject) = subject_of(path) else {
            return Ok(None);
        };
        let team = self.store.audit_team_of(subject).await?;
        Ok(team.filter(|team| caller.can_access_team(*team)))
    }

    /// Records `call` by `caller` with its outcome `status` (`None`: still to come). Answers
    /// the record's id.
    pub async fn audit_record(&self, caller: &Caller, call: AuditCall, status: Option<u16>) -> AppResult<i64> {
        let team_id = self.audit_team(caller, &call.resource).await?;
        let record = NewAuditRecord {
            actor_id: Some(caller.user_id),
            actor_name: clipped(&caller.username),
            client_address: call.client_address,
            operation: call.operation,
            method: call.method,
            resource: call.resource,
            team_id,
            status: status.map(i32::from),
        };
        Ok(self.store.audit_record_add(&record).await?)
    }

    /// Writes how the call recorded as `id` ended: its status, and the resource it made when it
    /// made one (a create), whose team is looked up again.
    pub async fn audit_record_end(&self, caller: &Caller, id: i64, resource: &str, status: u16) -> AppResult<()> {
        let outcome = AuditOutcome {
            status: Some(i32::from(status)),
            resource: resource.to_owned(),
            team_id: self.audit_team(caller, resource).await?,
        };
        Ok(self.store.audit_record_end(id, &outcome).await?)
    }

    /// Records a failed login: the username as given, never the password.
    pub async fn audit_login_failed(&self, username: &str, call: AuditCall) -> AppResult<()> {
        let record = NewAuditRecord {
            actor_id: None,
            actor_name: clipped(username),
            client_address: call.client_address,
            operation: call.operation,
            method: call.method,
            resource: call.resource,
            team_id: None,
            status: Some(401),
        };
        self.store.audit_record_add(&record).await?;
        Ok(())
    }

    pub async fn audit_list(
        &self,
        caller: &Caller,
        query: AuditListQuery,
        page: PageRequest,
    ) -> AppResult<Page<AuditRecord>> {
        validate::each(query.user.as_deref(), validate::audit_user)?;
        let resource = query.resource.as_deref().map(validate::audit_resource).transpose()?;
        validate::each(query.operation.as_deref(), validate::audit_operation)?;
        validate::time_range(query.since, query.until)?;
        let filter = AuditFilter {
            visible_to: (!caller.is_admin).then(|| AuditViewer {
                user_id: caller.user_id,
                team_ids: caller.team_ids.clone(),
            }),
            actor_name: query.user,
            resource,
            operation: query.operation,
            since: query.since,
            until: query.until,
        };
        Ok(self.store.audit_list(filter, page).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_as_records_keep_them() {
        assert_eq!(audit_path("/api/database/7/").as_deref(), Some("/api/database/7"));
        assert_eq!(audit_path("http://h:8000/api/task/3/").as_deref(), Some("/api/task/3"));
        assert_eq!(audit_path("/api/database").as_deref(), Some("/api/database"));
        assert_eq!(audit_path("/api/").as_deref(), None);
        assert_eq!(audit_path("/etc/passwd"), None);
        assert_eq!(audit_path("database"), None);
    }

    #[test]
    fn the_team_owned_resource_of_a_path() {
        assert_eq!(subject_of("/api/database/7"), Some(AuditSubject::Database(7)));
        assert_eq!(subject_of("/api/database/7/dumps/2"), Some(AuditSubject::Database(7)));
        assert_eq!(
            subject_of("/api/credential/3/reset_password"),
            Some(AuditSubject::Credential(3))
        );
        assert_eq!(subject_of("/api/project/1"), Some(AuditSubject::Project(1)));
        assert_eq!(subject_of("/api/plan/1"), None);
        assert_eq!(subject_of("/api/user/1"), None);
        assert_eq!(subject_of("/api/database"), None);
        assert_eq!(subject_of("/api/database/x"), None);
    }
}
