//! A whole dbaas stack for one test: a fresh catalog database, its own Redis queue prefix, its
//! own Docker label and port block, the real api on a free port and a real worker, all against
//! the real Postgres, Redis and Docker engine of the machine. Stacks do not see each other, so
//! tests run in parallel, and each one removes what it made when it goes away, even when a
//! test fails half-way.
//!
//! - [`stack`]: [`TestStack`], its configuration and start-up, and checks on what it made.
//! - [`teardown`]: what a stack removes when it is dropped or cleaned up.
//! - [`processes`]: the same stack as real processes, for tests that kill them.
//! - [`client`]: requests to a stack's API, as its admin, as a user or as nobody.
//! - [`waiting`]: [`retry`], the one poll loop, and the waits built on it.
//! - [`spec`]: the OpenAPI document, served and committed.
//! - [`services`]: connections to the backing services, and private ones to stop and start.
//! - [`pickup`]: push → start of a job, for the wake-up test and benchmark.
//! - [`engines`]: the engines tests run once each against, with a real client for each.
//! - [`metrics`]: a process's `/metrics`, scraped and parsed as Prometheus reads it.
//! - [`tls`]: the CAs those clients verify engines with.
//! - [`dockerd`]: [`dockerd::ExtraDockerd`], extra Docker engines on this machine, to stand for
//!   several Docker hosts.
//!
//! Configuration: `DBAAS_TEST_ADMIN_URL` (a Postgres role that may create databases),
//! `DBAAS_REDIS_URL`, `DBAAS_POSTGRES_IMAGE`, `DBAAS_MONGODB_IMAGE`, `DBAAS_DOCKER_HOST`.

pub mod client;
pub mod dockerd;
pub mod engines;
pub mod hosts;
pub mod metrics;
pub mod pickup;
pub mod pool;
pub mod processes;
pub mod services;
pub mod spec;
pub mod stack;
pub mod teardown;
pub mod tls;
pub mod waiting;

pub use client::{id_of, names, path_of, refused, task_id, ApiClient, Reply};
pub use engines::{Engine, EngineError, Session};
pub use services::{free_port, pg_connect, pg_connect_verified, PrivatePostgres, PrivateRedis};
pub use stack::{Services, TestStack};
pub use waiting::{retry, retry_blocking};
