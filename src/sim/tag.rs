//! Simulated `tag` service: projects (DescribeProjects). Global: no region.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cloud::models::tag;
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

pub fn handle(_world: &mut World, _ctx: &Ctx, action: &str, _params: &Value) -> SimResult {
    Err(SimError::new(
        "InvalidAction",
        format!("{action} is not implemented"),
    ))
}

/// Projects have no async work.
pub fn tick(_world: &mut World, _now: f64) {}
