//! The domain shared by the api and the worker: the model, configuration, secrets, job
//! payloads and the metadata store.

pub mod allowlist;
pub mod config;
pub mod logging;
pub mod metrics;
pub mod model;
pub mod names;
pub mod queue;
pub mod readiness;
pub mod schema;
pub mod secrets;
pub mod shutdown;
pub mod store;
pub mod tls;

pub use config::Config;
pub use store::{Store, StoreError};
