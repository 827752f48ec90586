//! The dbaas API: validates requests, records them in the catalog and enqueues the work.
//!
//! Layers: [`http`] (handlers, views, error mapping) → [`app`] (operations and tenant scope)
//! → `dbaas_core::store` (queries). The request bodies, [`params`], are shared by the first
//! two: a handler hands the body it unpacked to the operation as it is.

pub mod app;
pub mod http;
pub mod params;
mod reseal;

use std::future::Future;

use dbaas_core::queue::JobQueue;
use dbaas_core::{Config, Store};

pub use http::spec_json;
pub use reseal::reseal;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Store(#[from] dbaas_core::StoreError),
    #[error("{0}")]
    Queue(#[from] dbaas_core::queue::QueueError),
    #[error("certificate authority: {0}")]
    Tls(String),
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
}

/// Applies migrations and fills an empty catalog. Prints a generated admin password once.
pub async fn prepare(config: &Config) -> Result<Store, ServeError> {
    let store = Store::connect(&config.database_url, 16)?;
    let applied = store.migrate().await?;
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    let outcome = store.bootstrap(config).await?;
    // The deployment's CA, made on first start (or a successor, when one is due).
    dbaas_core::tls::ensure_authorities(&store, &config.secrets, &config.deployment)
        .await
        .map_err(|e| match e {
            dbaas_core::tls::TlsError::Store(e) => ServeError::Store(e),
            e => ServeError::Tls(e.to_string()),
        })?;
    if let Some(password) = outcome.generated_admin_password {
        // Shown once, on the console only: it is not kept anywhere in clear.
        println!(
            "dbaas: created admin user '{}' with password: {password}",
            config.admin_user
        );
    } else if outcome.created_admin {
        tracing::info!(user = %config.admin_user, "created admin user from DBAAS_ADMIN_PASSWORD");
    }
    Ok(store)
}

/// Serves on `listener` until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let store = prepare(&config).await?;
    let queue = JobQueue::connect(&config.redis_url, &config.queue_prefix)
        .await?
        .counting_errors(store.backend_errors());
    // Logins and reads of databases are answered from memory while the catalog can be heard
    // announcing changes.
    let watchers = store.watch_changes();
    let app = app::App {
        store,
        queue,
        config,
        docker: Default::default(),
    };
    let local = listener.local_addr()?;
    tracing::info!(%local, "api listening");
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener)?;
    poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(http::endpoint(app), shutdown, Some(std::time::Duration::from_secs(10)))
        .await?;
    for watcher in watchers {
        watcher.abort();
    }
    Ok(())
}
