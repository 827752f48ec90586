//! Requests that create and change plans (admins only).

use poem_openapi::Object;

use super::Text;

/// A new plan.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PlanCreate {
    /// Unique among plans: letters, digits, `_`, `.` and `-`, up to 64.
    pub name: Text,
    /// `postgres` or `mongodb`.
    pub engine: Text,
    /// The engine's container image: `dbaas/postgres:15`, `postgres:16`, ...
    pub image: Text,
    /// Memory limit of the engine's container; at least 67108864 (64 MiB).
    pub memory_bytes: i64,
    /// CPU limit in cores (0.5, 1, 2...), kept to the thousandth.
    pub cpus: f64,
    /// The storage a database of this plan gets; more than 0.
    pub size_bytes: i64,
    #[oai(nullable)]
    pub description: Option<Text>,
}

/// Changes to a plan: only the fields given change. The engine cannot change while live
/// databases use the plan; databases created already keep the resources they were given.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PlanUpdate {
    #[oai(nullable)]
    pub name: Option<Text>,
    #[oai(nullable)]
    pub engine: Option<Text>,
    #[oai(nullable)]
    pub image: Option<Text>,
    #[oai(nullable)]
    pub memory_bytes: Option<i64>,
    #[oai(nullable)]
    pub cpus: Option<f64>,
    #[oai(nullable)]
    pub size_bytes: Option<i64>,
    #[oai(nullable)]
    pub description: Option<Text>,
}
