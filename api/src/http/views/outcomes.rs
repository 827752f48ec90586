//! Answers of the quick calls that wait for the worker a moment (`DBAAS_REQUEST_WAIT_MS`):
//! the finished object when it finished in time, else the task to follow. One schema for
//! both statuses, so that a generated client has one type to decode (progenitor, among
//! others, takes one success type per operation); the JSON is the object's or the task's
//! own, with no wrapper or tag, and the status says which it is.

use poem_openapi::Union;

use super::{CredentialView, DatabaseView, TaskView};

/// The credential (done), or the task to follow (202).
#[derive(Debug, Clone, Union)]
#[oai(one_of)]
pub enum CredentialOrTask {
    Credential(CredentialView),
    Task(TaskView),
}

/// The database (done), or the task to follow (202).
#[derive(Debug, Clone, Union)]
#[oai(one_of)]
pub enum DatabaseOrTask {
    Database(DatabaseView),
    Task(TaskView),
}
