//! One module per job kind. Each exposes `run`, the handler registered in [`crate::run`].

pub mod provision_database;
mod retry;
