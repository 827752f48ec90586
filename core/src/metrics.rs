//! What the api and the worker share of their metrics: the registry and its text (Prometheus'
//! text format, version 0.0.4, by the `prometheus-client` crate), the errors of the backing
//! services ([`BackendErrors`], counted by the [`Store`] and the job queue where they meet
//! them), and the catalog connection pool ([`CatalogConnections`]).
//!
//! Each process owns its registry (no global one), so that several stacks in one test process
//! count apart. Labels are bounded sets: operation ids, task kinds, step names, states; never a
//! path, a user name or anything a tenant chooses.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
pub use prometheus_client::registry::Registry;

use crate::store::Store;

/// The `Content-Type` of [`render`]'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The registry's metrics in Prometheus' text format.
pub fn render(registry: &Registry) -> String {
    let mut text = String::new();
    // Writing into a String cannot fail; an encoder error would be a bug in a metric's labels.
    if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut text, registry) {
        tracing::error!(error = %e, "cannot encode the metrics");
    }
    text
}

/// Buckets for durations from a few milliseconds (a request) to minutes (a cold engine start,
/// a dump), in seconds.
pub fn duration_histogram() -> Histogram {
    Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
    ])
}

/// A backing service whose errors are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The catalog's Postgres.
    Catalog,
    /// Redis: the job queue, the wake-ups, the login throttle.
    Redis,
}

impl Backend {
    pub const ALL: [Backend; 2] = [Backend::Catalog, Backend::Redis];

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Catalog => "catalog",
            Backend::Redis => "redis",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BackendLabels {
    service: &'static str,
}

/// `dbaas_backend_errors_total{service}`: times a backing service could not be reached or
/// broke off. Cheap to clone; every clone counts into the same family.
#[derive(Debug, Clone)]
pub struct BackendErrors(Family<BackendLabels, Counter>);

impl Default for BackendErrors {
    fn default() -> Self {
        let family = Family::default();
        // Every service shows, at 0, from the first scrape on.
        for backend in Backend::ALL {
            let _ = family.get_or_create(&BackendLabels {
                service: backend.as_str(),
            });
        }
        Self(family)
    }
}

impl BackendErrors {
    pub fn count(&self, backend: Backend) {
        self.0
            .get_or_create(&BackendLabels {
                service: backend.as_str(),
            })
            .inc();
    }

    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "dbaas_backend_errors",
            "Errors reaching a backing service (catalog, redis)",
            self.0.clone(),
        );
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectionLabels {
    state: &'static str,
}

/// `dbaas_catalog_connections{state}`: the process's catalog connection pool, `in_use`,
/// `idle` and its `max`, as of the scrape ([`Self::refresh`]).
#[derive(Debug, Clone, Default)]
pub struct CatalogConnections(Family<ConnectionLabels, Gauge>);

impl CatalogConnections {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "dbaas_catalog_connections",
            "Connections of this process's catalog pool, by state (in_use, idle, max)",
            self.0.clone(),
        );
    }

    pub fn refresh(&self, store: &Store) {
        let usage = store.pool_usage();
        for (state, value) in [("in_use", usage.in_use), ("idle", usage.idle), ("max", usage.max)] {
            self.0
                .get_or_create(&ConnectionLabels { state })
                .set(i64::try_from(value).unwrap_or(i64::MAX));
        }
    }
}
