//! The worker's metrics, served by its own listener ([`crate::status`]):
//!
//! - `dbaas_task_duration_seconds{kind, outcome}`: each task this worker ran, from its first
//!   attempt to its end (`succeeded`, `failed`, or `lost`: another worker took it over);
//!   `_count` counts tasks.
//! - `dbaas_task_retries_total{kind}`: attempts that failed and were tried again.
//! - `dbaas_provisioning_step_duration_seconds{step}`: each named step of starting an engine
//!   and provisioning a database ([`crate::steps`]: `provision.port`, ..., `pool.ready`).
//! - Read from the catalog at each scrape, the same on every worker (take one, or `max`):
//!   `dbaas_queue_tasks{kind, status}` (queued and running, zeros included),
//!   `dbaas_queue_oldest_seconds`, `dbaas_engines{engine, health, drift}` and
//!   `dbaas_pool_engines{plan, environment, state}` (`ready`, `filling`, `size`).
//! - Shared with the api ([`dbaas_core::metrics`]): `dbaas_backend_errors_total{service}`,
//!   `dbaas_catalog_connections{state}`.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use dbaas_core::metrics::{duration_histogram, render, BackendErrors, CatalogConnections, Registry};
use dbaas_core::model::{EngineKind, Health, TaskKind, TaskStatus};
use dbaas_core::store::FleetFigures;
use dbaas_core::Store;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;

/// How a task ended on this worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    /// The claim was lost: another worker holds the task now.
    Lost,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Lost => "lost",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabels {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StepLabels {
    step: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    kind: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EngineLabels {
    engine: String,
    health: String,
    drift: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    plan: String,
    environment: String,
    state: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// The worker process's registry and what it counts.
#[derive(Debug)]
pub struct WorkerMetrics {
    registry: Registry,
    tasks: Histograms<TaskLabels>,
    retries: Family<KindLabels, Counter>,
    steps: Histograms<StepLabels>,
    queue: Family<QueueLabels, Gauge>,
    oldest_queued: Gauge<f64, AtomicU64>,
    engines: Family<EngineLabels, Gauge>,
    pools: Family<PoolLabels, Gauge>,
    connections: CatalogConnections,
    errors: BackendErrors,
    /// One scrape at a time: each clears the catalog's figures before it sets them anew.
    scraping: tokio::sync::Mutex<()>,
}

impl WorkerMetrics {
    /// Metrics counting backend errors into `errors` (the store's and the queue's).
    pub fn new(errors: BackendErrors) -> Self {
        let mut registry = Registry::default();
        let tasks: Histograms<TaskLabels> = Family::new_with_constructor(duration_histogram);
        let retries = Family::<KindLabels, Counter>::default();
        let steps: Histograms<StepLabels> = Family::new_with_constructor(duration_histogram);
        let queue = Family::<QueueLabels, Gauge>::default();
        let oldest_queued = Gauge::<f64, AtomicU64>::default();
        let engines = Family::<EngineLabels, Gauge>::default();
        let pools = Family::<PoolLabels, Gauge>::default();
        let connections = CatalogConnections::default();
        registry.register(
            "dbaas_task_duration_seconds",
            "Tasks this worker ran, by kind and outcome, from the first attempt to the end",
            tasks.clone(),
        );
        registry.register(
            "dbaas_task_retries",
            "Attempts of a task that failed and were tried again, by kind",
            retries.clone(),
        );
        registry.register(
            "dbaas_provisioning_step_duration_seconds",
            "Time of each named step of starting an engine and provisioning a database",
            steps.clone(),
        );
        registry.register(
            "dbaas_queue_tasks",
            "Tasks queued or running in the catalog, by kind and status (the deployment's, as of the scrape)",
            queue.clone(),
        );
        registry.register(
            "dbaas_queue_oldest_seconds",
            "Age of the oldest queued task in the catalog (0 when none waits)",
            oldest_queued.clone(),
        );
        registry.register(
            "dbaas_engines",
            "Engines that are not removed, by engine kind, health and drift (none for no drift)",
            engines.clone(),
        );
        registry.register(
            "dbaas_pool_engines",
            "Each live plan's pool in each live environment: engines ready, filling, and its size",
            pools.clone(),
        );
        connections.register(&mut registry);
        errors.register(&mut registry);
        // Every series a dashboard draws shows from the first scrape on, at 0: a kind's tasks
        // (those that end for good), its retries, each step.
        for kind in TaskKind::ALL {
            for outcome in [Outcome::Succeeded, Outcome::Failed] {
                let _ = tasks.get_or_create(&TaskLabels {
                    kind: kind.as_str(),
                    outcome: outcome.as_str(),
                });
            }
            let _ = retries.get_or_create(&KindLabels { kind: kind.as_str() });
        }
        for step in crate::steps::ALL {
            let _ = steps.get_or_create(&StepLabels {
                step: (*step).to_owned(),
            });
        }
        Self {
            registry,
            tasks,
            retries,
            steps,
            queue,
            oldest_queued,
            engines,
            pools,
            connections,
            errors,
            scraping: tokio::sync::Mutex::new(()),
        }
    }

    pub fn task_ended(&self, kind: TaskKind, outcome: Outcome, took: Duration) {
        self.tasks
            .get_or_create(&TaskLabels {
                kind: kind.as_str(),
                outcome: outcome.as_str(),
            })
            .observe(took.as_secs_f64());
    }

    pub fn task_retried(&self, kind: TaskKind) {
        self.retries.get_or_create(&KindLabels { kind: kind.as_str() }).inc();
    }

    /// `step` is a step's name as its fault point has it (`provision.port`): a fixed set.
    pub fn step_done(&self, step: String, took: Duration) {
        self.steps
            .get_or_create(&StepLabels { step })
            .observe(took.as_secs_f64());
    }

    /// The text of a scrape: the catalog's figures as of now, and what this worker counted.
    /// A catalog that cannot be read leaves its figures out (and counts the error).
    pub async fn scrape(&self, store: &Store) -> String {
        let _one_at_a_time = self.scraping.lock().await;
        self.connections.refresh(store);
        match store.fleet_figures().await {
            Ok(figures) => self.set_figures(&figures),
            Err(e) => {
                tracing::debug!(error = %e, "metrics: the catalog's figures cannot be read");
                self.queue.clear();
                self.engines.clear();
                self.pools.clear();
            }
        }
        render(&self.registry)
    }

    fn set_figures(&self, figures: &FleetFigures) {
        self.queue.clear();
        // Every kind shows in both statuses, at 0 when idle, so that graphs have no gaps.
        for kind in TaskKind::ALL {
            for status in [TaskStatus::Queued, TaskStatus::Running] {
                let tasks = figures
                    .queue
                    .iter()
                    .filter(|q| q.kind == kind.as_str() && q.status == status.as_str())
                    .map(|q| q.tasks)
                    .sum();
                self.queue
                    .get_or_create(&QueueLabels {
                        kind: kind.as_str().to_owned(),
                        status: status.as_str().to_owned(),
                    })
                    .set(tasks);
            }
        }
        self.oldest_queued.set(figures.oldest_queued_seconds);
        self.engines.clear();
        // Every engine kind in every health shows, at 0 when there is none.
        for kind in EngineKind::ALL {
            for health in Health::ALL {
                self.engines
                    .get_or_create(&EngineLabels {
                        engine: kind.as_str().to_owned(),
                        health: health.as_str().to_owned(),
                        drift: "none".to_owned(),
                    })
                    .set(0);
            }
        }
        for count in &figures.engines {
            self.engines
                .get_or_create(&EngineLabels {
                    engine: count.engine.clone(),
                    health: count.health.clone(),
                    drift: count.drift.clone(),
                })
                .set(count.engines);
        }
        self.pools.clear();
        for pool in &figures.pools {
            for (state, value) in [
                ("ready", pool.ready),
                ("filling", pool.filling),
                ("size", i64::from(pool.size)),
            ] {
                self.pools
                    .get_or_create(&PoolLabels {
                        plan: pool.plan.clone(),
                        environment: pool.environment.clone(),
                        state,
                    })
                    .set(value);
            }
        }
    }

    /// Where this worker counts failures to reach the catalog and Redis.
    pub fn backend_errors(&self) -> &BackendErrors {
        &self.errors
    }
}
