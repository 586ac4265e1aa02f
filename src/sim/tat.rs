//! Simulated `tat` service (stub until implemented).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::sim::world::{Ctx, SimError, SimResult, World};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TatState {}

pub fn handle(_world: &mut World, _ctx: &Ctx, action: &str, _params: &Value) -> SimResult {
    Err(SimError::new(
        "InvalidAction",
        format!("{action} is not implemented"),
    ))
}

/// Advances this service's async work to `now`.
pub fn tick(_world: &mut World, _now: f64) {}
