//! One file per resource, each with its subcommands (clap) and what they do: call the
//! generated client, follow the task, print the result.

pub mod cred;
pub mod db;
pub mod dump;
pub mod engine;
pub mod host;
pub mod orphan;
pub mod reconcile;

use crate::client::Client;
use crate::output::Output;

/// What every command gets: the API client and how to print.
pub struct Ctx {
    pub api: Client,
    pub out: Output,
}
