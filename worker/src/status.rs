//! The worker's own small listener (`DBAAS_WORKER_METRICS_LISTEN`, loopback by default):
//! `/metrics` ([`crate::metrics`]), `/health` (the process runs) and `/ready` (the catalog
//! and Redis answer, [`dbaas_core::readiness`]), as the api answers them. Anything else is a
//! plain 404. Nothing here is the tenants' API: no auth, no spec.

use std::future::Future;
use std::sync::Arc;

use dbaas_core::metrics::CONTENT_TYPE;
use dbaas_core::readiness::Readiness;
use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{get, handler, EndpointExt, IntoResponse, Response, Route};

use crate::Context;

#[handler]
async fn metrics(Data(ctx): Data<&Arc<Context>>) -> Response {
    let text = ctx.metrics.scrape(&ctx.store).await;
    Response::builder().content_type(CONTENT_TYPE).body(text)
}

#[handler]
fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

#[handler]
async fn ready(Data(ctx): Data<&Arc<Context>>) -> Response {
    let readiness = Readiness::probe(&ctx.store, &ctx.queue).await;
    let status = if readiness.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Json(readiness.body()).with_status(status).into_response()
}

/// Binds the listener now (so that a taken address stops the worker at start-up), and
/// returns the task that serves it until `shutdown`.
pub async fn bind(
    ctx: Arc<Context>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(ctx.config.worker_metrics_listen).await?;
    let local = listener.local_addr()?;
    tracing::info!(%local, "worker metrics listening");
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener)?;
    let app = Route::new()
        .at("/metrics", get(metrics))
        .at("/health", get(health))
        .at("/ready", get(ready))
        .data(ctx);
    Ok(tokio::spawn(async move {
        if let Err(e) = poem::Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(app, shutdown, Some(std::time::Duration::from_secs(2)))
            .await
        {
            tracing::error!(error = %e, "the worker's metrics listener stopped");
        }
    }))
}
