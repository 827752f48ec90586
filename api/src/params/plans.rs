//! Requests that create and change plans (admins only).

use poem_openapi::Object;

use super::Text;

/// A new plan.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PlanCreate {
    /// Unique among plans (a name in use: 409): 1 to 64 letters, digits, `_`, `.` and `-`,
    /// not only digits.
    #[oai(validator(max_length = 64, pattern = r"^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$"))]
    pub name: Text,
    /// `postgres` or `mongodb`.
    #[oai(validator(pattern = r"^(postgres|mongodb)$"))]
    pub engine: Text,
    /// The engine's container image: `dbaas/postgres:15`, `postgres:16`, ...; 1 to 255
    /// printable ASCII characters, no spaces.
    #[oai(validator(max_length = 255, pattern = r"^[!-~]+$"))]
    pub image: Text,
    /// Memory limit of the engine's container; at least 67108864 (64 MiB).
    #[oai(validator(minimum(value = "67108864")))]
    pub memory_bytes: i64,
    /// CPU limit in cores (0.5, 1, 2...): 0.001 to 1024, kept to the thousandth.
    #[oai(validator(minimum(value = "0.001"), maximum(value = "1024")))]
    pub cpus: f64,
    /// The storage a database of this plan gets; at least 1.
    #[oai(validator(minimum(value = "1")))]
    pub size_bytes: i64,
    /// Up to 1000 characters.
    #[oai(nullable, validator(max_length = 1000, pattern = r"^[^\x00]*$"))]
    pub description: Option<Text>,
    /// Engines kept started and unassigned in each environment, so that a new database of
    /// this plan is ready in the time a role and a database take: 0 (the default: every
    /// database starts its own engine) to 100; null or absent: 0.
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "100")))]
    pub pool_size: Option<i32>,
    /// `dedicated` (the default: every database gets an engine of its own) or `shared`
    /// (databases go into a running engine of the plan with room, up to
    /// `databases_per_engine` each: many small databases per host). Only `postgres` plans
    /// share, and a shared plan keeps no pool.
    #[oai(nullable, validator(pattern = r"^(dedicated|shared)$"))]
    pub placement: Option<Text>,
    /// A shared plan: the most live databases one engine holds, 1 to 1000; null or absent:
    /// 100.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "1000")))]
    pub databases_per_engine: Option<i32>,
}

/// Changes to a plan: only the fields given change, each as in `PlanCreate`. The engine
/// cannot change while live databases use the plan (409); databases created already keep
/// the resources they were given, and pooled engines made otherwise are replaced.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PlanUpdate {
    #[oai(
        nullable,
        validator(max_length = 64, pattern = r"^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$")
    )]
    pub name: Option<Text>,
    #[oai(nullable, validator(pattern = r"^(postgres|mongodb)$"))]
    pub engine: Option<Text>,
    #[oai(nullable, validator(max_length = 255, pattern = r"^[!-~]+$"))]
    pub image: Option<Text>,
    #[oai(nullable, validator(minimum(value = "67108864")))]
    pub memory_bytes: Option<i64>,
    #[oai(nullable, validator(minimum(value = "0.001"), maximum(value = "1024")))]
    pub cpus: Option<f64>,
    #[oai(nullable, validator(minimum(value = "1")))]
    pub size_bytes: Option<i64>,
    #[oai(nullable, validator(max_length = 1000, pattern = r"^[^\x00]*$"))]
    pub description: Option<Text>,
    /// A smaller pool has its extra engines removed; pooled engines made with an image or
    /// limits the plan no longer has are replaced.
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "100")))]
    pub pool_size: Option<i32>,
    /// Cannot change while live databases use the plan (409).
    #[oai(nullable, validator(pattern = r"^(dedicated|shared)$"))]
    pub placement: Option<Text>,
    /// Engines holding more than a lowered figure keep their databases; new ones go where
    /// there is room.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "1000")))]
    pub databases_per_engine: Option<i32>,
}
