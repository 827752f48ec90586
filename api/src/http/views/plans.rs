//! Plans as the API shows them.

use dbaas_core::model::Plan;
use poem_openapi::Object;

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
}

impl PlanView {
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
