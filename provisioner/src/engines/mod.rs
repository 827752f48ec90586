//! The engines this build can run, one module each, and the registry that finds them by the
//! name plans use. Adding an engine: a module here implementing [`crate::Engine`], a line in
//! [`engine_for`] (see `docs/architecture.md`).

mod mongodb;
mod postgres;

pub use mongodb::MongoDb;
pub use postgres::Postgres;

use crate::engine::Engine;

/// The engine a plan names, if this build knows it.
pub fn engine_for(name: &str) -> Option<Box<dyn Engine>> {
    match name {
        "postgres" => Some(Box::new(Postgres)),
        "mongodb" => Some(Box::new(MongoDb::default())),
        _ => None,
    }
}
