//! Credentials as the API shows them: with the password when one is asked for by id, never in
//! lists.

use dbaas_core::model::Credential;
use poem_openapi::Object;

use super::super::links::Links;
use super::super::responses::Located;
use super::ListLinks;
use crate::app::CredentialDetail;

/// Links of a credential.
#[derive(Debug, Clone, Object)]
pub struct CredentialLinks {
    #[oai(rename = "self")]
    pub self_: String,
    pub database: String,
    /// The latest task that worked on the credential.
    #[oai(skip_serializing_if_is_none)]
    pub task: Option<String>,
}

/// A credential with its password.
#[derive(Debug, Clone, Object)]
pub struct CredentialView {
    #[oai(rename = "_links")]
    pub links: CredentialLinks,
    pub id: i64,
    pub user: String,
    pub database: String,
    /// `owner`, `read_write` or `read_only`.
    pub privileges: String,
    /// Concurrent sessions allowed; null for no limit.
    #[oai(nullable)]
    pub connection_limit: Option<i32>,
    /// Null until the database is ready, and from the moment a DELETE is accepted.
    #[oai(nullable)]
    pub password: Option<String>,
    /// A ready-to-use URI with user and password; null when the password is.
    #[oai(nullable)]
    pub connection_uri: Option<String>,
}

impl CredentialView {
    pub fn new(links: &Links, detail: CredentialDetail) -> Self {
        let CredentialDetail {
            credential,
            database,
            password,
            connection_uri,
            latest_task,
        } = detail;
        Self {
            links: CredentialLinks {
                self_: links.credential(credential.id),
                database: links.database(database.id),
                task: latest_task.map(|t| links.task(t.id)),
            },
            id: credential.id,
            user: credential.username,
            database: links.database(database.id),
            privileges: credential.privileges.to_string(),
            connection_limit: credential.connection_limit.filter(|l| *l >= 0),
            password,
            connection_uri,
        }
    }
}

impl Located for CredentialView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}

/// A credential as lists show it: never a password.
#[derive(Debug, Clone, Object)]
pub struct CredentialListItem {
    #[oai(rename = "_links")]
    pub links: CredentialLinks,
    pub id: i64,
    pub user: String,
    pub database: String,
    pub privileges: String,
    #[oai(nullable)]
    pub connection_limit: Option<i32>,
}

impl CredentialListItem {
    pub fn new(links: &Links, credential: Credential) -> Self {
        Self {
            links: CredentialLinks {
                self_: links.credential(credential.id),
                database: links.database(credential.database_id),
                task: None,
            },
            id: credential.id,
            user: credential.username,
            database: links.database(credential.database_id),
            privileges: credential.privileges.to_string(),
            connection_limit: credential.connection_limit.filter(|l| *l >= 0),
        }
    }
}

/// The credentials (without passwords).
#[derive(Debug, Clone, Object)]
pub struct CredentialList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub credential: Vec<CredentialListItem>,
}
