//! Simulated `tag` service: projects (DescribeProjects). Global: no region.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::cloud::models::tag;
use crate::sim::query::{page, str_param};
use crate::sim::validate::int_param;
use crate::sim::world::{Ctx, SimError, SimResult, World};

/// The Tag part of the world.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TagState {
    /// Projects (`ProjectId` 0 is the default project, "默认项目").
    pub projects: Vec<tag::Project>,
}

impl TagState {
    pub fn project(&self, id: u64) -> Option<&tag::Project> {
        self.projects.iter().find(|p| p.project_id == Some(id))
    }
}

pub fn handle(world: &mut World, _ctx: &Ctx, action: &str, params: &Value) -> SimResult {
    match action {
        "DescribeProjects" => describe_projects(world, params),
        _ => Err(SimError::new(
            "InvalidAction",
            format!("The action `{action}` is not supported by the simulator."),
        )),
    }
}

fn describe_projects(world: &World, params: &Value) -> SimResult {
    let id = int_param(params, "ProjectId");
    if id.is_some_and(|i| i <= 0) {
        return Err(SimError::new(
            "InvalidParameter",
            "`ProjectId` must be greater than 0.",
        ));
    }
    let name = str_param(params, "ProjectName");
    let selected: Vec<&tag::Project> = world
        .tag
        .projects
        .iter()
        .filter(|p| id.is_none_or(|i| p.project_id == Some(i as u64)))
        .filter(|p| name.is_none_or(|n| p.project_name.as_deref() == Some(n)))
        .collect();
    let (total, items) = page(selected, params);
    Ok(json!({"Total": total, "Projects": serde_json::to_value(&items).unwrap_or(Value::Null)}))
}

/// Projects have no async work.
pub fn tick(_world: &mut World, _now: f64) {}
