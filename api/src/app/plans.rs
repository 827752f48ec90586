//! Plan operations: everyone reads the plans, admins change them.

use dbaas_core::model::{Engine, NewPlan, Plan, PlanChanges, Ref};
use dbaas_core::store::{Caller, Page, PageRequest};

use super::validate::{self, invalid};
use super::{admin_only, App, AppResult};

/// Less memory than this and an engine does not start reliably.
pub const MIN_MEMORY_BYTES: i64 = 64 * 1024 * 1024;
/// Docker takes fractions of a core down to a thousandth; more than this is a typo.
const MAX_CPUS: f64 = 1024.0;
const MAX_IMAGE_LEN: usize = 255;

/// A plan as an admin writes it.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub name: String,
    pub engine: String,
    pub image: String,
    pub memory_bytes: i64,
    /// CPU limit in cores: 0.5, 1, 2...
    pub cpus: f64,
    pub size_bytes: i64,
    pub description: Option<String>,
}

/// A plan's fields to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct PlanPatch {
    pub name: Option<String>,
    pub engine: Option<String>,
    pub image: Option<String>,
    pub memory_bytes: Option<i64>,
    pub cpus: Option<f64>,
    pub size_bytes: Option<i64>,
    pub description: Option<String>,
}

fn engine(raw: &str) -> AppResult<()> {
    if Engine::parse(raw).is_none() {
        let known: Vec<&str> = Engine::ALL.iter().map(|e| e.as_str()).collect();
        return Err(invalid(
            "engine",
            format!("engine must be one of: {}", known.join(", ")),
        ));
    }
    Ok(())
}

fn image(raw: &str) -> AppResult<()> {
    if raw.is_empty() || raw.len() > MAX_IMAGE_LEN || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            "image",
            format!("image must be 1 to {MAX_IMAGE_LEN} characters without spaces"),
        ));
    }
    Ok(())
}

fn memory_bytes(value: &i64) -> AppResult<()> {
    if *value < MIN_MEMORY_BYTES {
        return Err(invalid(
            "memory_bytes",
            format!("memory_bytes must be at least {MIN_MEMORY_BYTES} (64 MiB)"),
        ));
    }
    Ok(())
}

fn size_bytes(value: &i64) -> AppResult<()> {
    if *value <= 0 {
        return Err(invalid("size_bytes", "size_bytes must be more than 0"));
    }
    Ok(())
}

/// Cores as the catalog keeps them: thousandths, the finest Docker applies.
fn cpu_millis(cpus: f64) -> AppResult<i32> {
    let millis = (cpus * 1000.0).round();
    if !cpus.is_finite() || cpus > MAX_CPUS || millis < 1.0 {
        return Err(invalid(
            "cpus",
            format!("cpus must be at least 0.001 and at most {MAX_CPUS}"),
        ));
    }
    // Between 1 and 1,024,000 by the check above.
    Ok(millis as i32)
}

impl App {
    pub async fn plan_list(&self, page: PageRequest) -> AppResult<Page<Plan>> {
        Ok(self.store.plan_list(page).await?)
    }

    pub async fn plan_get(&self, id: i64) -> AppResult<Plan> {
        Ok(self.store.plan_find(&Ref::Id(id)).await?)
    }

    pub async fn plan_create(&self, caller: &Caller, request: PlanRequest) -> AppResult<Plan> {
        admin_only(caller, "plans")?;
        let description = request.description.unwrap_or_default();
        validate::name("name", &request.name)?;
        engine(&request.engine)?;
        image(&request.image)?;
        memory_bytes(&request.memory_bytes)?;
        size_bytes(&request.size_bytes)?;
        validate::description(&description)?;
        let new = NewPlan {
            cpu_millis: cpu_millis(request.cpus)?,
            name: request.name,
            engine: request.engine,
            image: request.image,
            memory_bytes: request.memory_bytes,
            size_bytes: request.size_bytes,
            description,
        };
        Ok(self.store.plan_create(new).await?)
    }

    /// Changes a plan. Databases created already keep the resources they were given.
    pub async fn plan_update(&self, caller: &Caller, id: i64, patch: PlanPatch) -> AppResult<Plan> {
        admin_only(caller, "plans")?;
        validate::each(patch.name.as_deref(), |n| validate::name("name", n))?;
        validate::each(patch.engine.as_deref(), engine)?;
        validate::each(patch.image.as_deref(), image)?;
        validate::each(patch.memory_bytes.as_ref(), memory_bytes)?;
        validate::each(patch.size_bytes.as_ref(), size_bytes)?;
        validate::each(patch.description.as_deref(), validate::description)?;
        let changes = PlanChanges {
            cpu_millis: patch.cpus.map(cpu_millis).transpose()?,
            name: patch.name,
            engine: patch.engine,
            image: patch.image,
            memory_bytes: patch.memory_bytes,
            size_bytes: patch.size_bytes,
            description: patch.description,
        };
        Ok(self.store.plan_update(id, changes).await?)
    }

    /// Deletes a plan no live database uses.
    pub async fn plan_delete(&self, caller: &Caller, id: i64) -> AppResult<()> {
        admin_only(caller, "plans")?;
        Ok(self.store.plan_delete(id).await?)
    }
}
