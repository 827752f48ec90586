//! Plans as the API shows them.

use dbaas_core::model::Plan;
use dbaas_core::store::PoolStatus;
use poem_openapi::Object;

use crate::app::PlanDetail;

use super::super::links::Links;
use super::super::responses::Located;
use super::{ListLinks, SelfLink};

/// A plan: what a database's engine container gets.
#[derive(Debug, Clone, Object)]
pub struct PlanView {
    #[oai(rename = "_links")]
    pub links: SelfLink,
    pub id: i64,
    pub name: String,
    pub engine: String,
    pub image: String,
    pub memory_bytes: i64,
    /// CPU limit in cores.
    pub cpus: f64,
    pub size_bytes: i64,
    pub description: String,
    /// Engines the plan keeps started and unassigned in each environment (0: none).
    pub pool_size: i32,
    /// `dedicated` (an engine per database) or `shared` (many databases per engine).
    pub placement: String,
    /// A shared plan: the most live databases one engine holds.
    pub databases_per_engine: i32,
    /// Admins, on one plan: its pool in each environment.
    #[oai(skip_serializing_if_is_none)]
    pub pool: Option<Vec<PoolView>>,
}

/// A plan's pool in one environment.
#[derive(Debug, Clone, Object)]
pub struct PoolView {
    pub environment_id: i64,
    pub environment: String,
    /// Engines the plan keeps ready here.
    pub size: i32,
    /// Started and unassigned: a new database takes one at once.
    pub ready: i64,
    /// Being started.
    pub filling: i64,
}

impl From<PoolStatus> for PoolView {
    fn from(p: PoolStatus) -> Self {
        Self {
            environment_id: p.environment_id,
            environment: p.environment,
            size: p.size,
            ready: p.ready,
            filling: p.filling,
        }
    }
}

impl PlanView {
    pub fn detail(links: &Links, detail: PlanDetail) -> Self {
        let mut view = Self::new(links, detail.plan);
        view.pool = detail.pool.map(|pool| pool.into_iter().map(PoolView::from).collect());
        view
    }

    pub fn new(links: &Links, plan: Plan) -> Self {
        Self {
            links: SelfLink {
                self_: links.plan(plan.id),
            },
            id: plan.id,
            name: plan.name,
            engine: plan.engine.to_string(),
            image: plan.image,
            memory_bytes: plan.memory_bytes,
            cpus: f64::from(plan.cpu_millis) / 1000.0,
            size_bytes: plan.size_bytes,
            description: plan.description,
            pool_size: plan.pool_size,
            placement: plan.placement.to_string(),
            databases_per_engine: plan.databases_per_engine,
            pool: None,
        }
    }
}

impl Located for PlanView {
    fn location(&self) -> String {
        self.links.self_.clone()
    }
}

/// The plans.
#[derive(Debug, Clone, Object)]
pub struct PlanList {
    #[oai(rename = "_links")]
    pub links: ListLinks,
    pub plan: Vec<PlanView>,
}
