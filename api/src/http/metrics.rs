//! The api's metrics, at `/metrics` beside `/health` (outside the tenants' spec, as `/health`
//! is), in Prometheus' text format:
//!
//! - `dbaas_http_request_duration_seconds{operation, status}`: every request, from the moment
//!   it reaches the api to its answer's head; `_count` counts requests. `operation` is the
//!   spec's `operationId` (`database_create`: the route template and method, never the raw
//!   path, so never a name or an id), `health`, `ready`, `metrics`, `openapi` or `docs` for
//!   the api's own pages, and `unknown` for everything else (a 404 or a 405): one bucket, so
//!   that a scan of random paths cannot grow the series.
//! - `dbaas_failed_logins_total{reason}`: `wrong` (a wrong password or an unknown user) or
//!   `throttled` (answered 401 unchecked, [`super::throttle`]). Never the username.
//! - Shared with the worker ([`dbaas_core::metrics`]): `dbaas_backend_errors_total{service}`,
//!   `dbaas_catalog_connections{state}`.

use std::sync::Arc;
use std::time::Instant;

use dbaas_core::metrics::{duration_histogram, render, BackendErrors, CatalogConnections, Registry, CONTENT_TYPE};
use poem::web::Data;
use poem::{handler, Endpoint, EndpointExt, IntoResponse, Request, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

use super::allow::AllowTable;
use crate::app::App;

/// The one label of every request that names no operation of the api.
pub const UNKNOWN_OPERATION: &str = "unknown";

/// Why a login failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedLogin {
    /// A wrong password, or a username that does not exist.
    Wrong,
    /// Too many attempts of the pair at once: answered unchecked.
    Throttled,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

/// The api process's registry and what it counts.
#[derive(Debug)]
pub struct ApiMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Histogram, fn() -> Histogram>,
    failed_logins: Family<ReasonLabels, Counter>,
    connections: CatalogConnections,
}

impl ApiMetrics {
    /// Metrics counting backend errors into `errors` (the store's and the queue's).
    pub fn new(errors: &BackendErrors) -> Self {
        let mut registry = Registry::default();
        let requests: Family<RequestLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(duration_histogram);
        let failed_logins = Family::<ReasonLabels, Counter>::default();
        for reason in ["wrong", "throttled"] {
            let _ = failed_logins.get_or_create(&ReasonLabels { reason });
        }
        let connections = CatalogConnections::default();
        registry.register(
            "dbaas_http_request_duration_seconds",
            "Requests to the api by operation (the spec's operationId) and status, and how long they took",
            requests.clone(),
        );
        registry.register(
            "dbaas_failed_logins",
            "Failed logins, by reason (wrong, throttled)",
            failed_logins.clone(),
        );
        connections.register(&mut registry);
        errors.register(&mut registry);
        Self {
            registry,
            requests,
            failed_logins,
            connections,
        }
    }

    pub fn login_failed(&self, why: FailedLogin) {
        let reason = match why {
            FailedLogin::Wrong => "wrong",
            FailedLogin::Throttled => "throttled",
        };
        self.failed_logins.get_or_create(&ReasonLabels { reason }).inc();
    }

    fn answered(&self, operation: String, status: u16, since: Instant) {
        self.requests
            .get_or_create(&RequestLabels { operation, status })
            .observe(since.elapsed().as_secs_f64());
    }
}

/// The operation label of a request: the spec's `operationId`, one of the api's own pages,
/// or [`UNKNOWN_OPERATION`].
pub fn operation_of(allow: &AllowTable, method: &str, path: &str) -> String {
    let own = match path {
        "/health" => Some("health"),
        "/ready" => Some("ready"),
        "/metrics" => Some("metrics"),
        "/openapi.json" => Some("openapi"),
        p if p == "/docs" || p.starts_with("/docs/") => Some("docs"),
        _ => None,
    };
    own.or_else(|| allow.operation_id(method, path))
        .unwrap_or(UNKNOWN_OPERATION)
        .to_owned()
}

/// Counts every request to `ep` (the whole api, errors mapped already).
pub fn counted<E: Endpoint + 'static>(
    ep: E,
    metrics: Arc<ApiMetrics>,
    allow: Arc<AllowTable>,
) -> impl Endpoint<Output = Response> {
    ep.around(move |ep, req: Request| {
        let (metrics, allow) = (metrics.clone(), allow.clone());
        async move {
            let since = Instant::now();
            let operation = operation_of(&allow, req.method().as_str(), req.uri().path());
            let answer = ep.call(req).await.map(IntoResponse::into_response);
            let status = match &answer {
                Ok(response) => response.status(),
                Err(e) => e.status(),
            };
            metrics.answered(operation, status.as_u16(), since);
            answer
        }
    })
}

/// `GET /metrics`.
#[handler]
pub fn scrape(Data(counts): Data<&Arc<ApiMetrics>>, Data(app): Data<&App>) -> Response {
    counts.connections.refresh(&app.store);
    Response::builder()
        .content_type(CONTENT_TYPE)
        .body(render(&counts.registry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_the_spec_ids_or_one_unknown_bucket() {
        let allow =
            AllowTable::from_spec(r#"{"paths": {"/api/database/{id}": {"get": {"operationId": "database_get"}}}}"#);
        assert_eq!(operation_of(&allow, "GET", "/api/database/7"), "database_get");
        assert_eq!(operation_of(&allow, "GET", "/api/database/7/"), "database_get");
        assert_eq!(operation_of(&allow, "DELETE", "/api/database/7"), UNKNOWN_OPERATION);
        assert_eq!(operation_of(&allow, "GET", "/api/alice-secret"), UNKNOWN_OPERATION);
        assert_eq!(operation_of(&allow, "GET", "/wp-login.php"), UNKNOWN_OPERATION);
        assert_eq!(operation_of(&allow, "GET", "/health"), "health");
        assert_eq!(operation_of(&allow, "GET", "/docs/index.css"), "docs");
    }
}
