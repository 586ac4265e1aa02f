//! The simulated world: every resource of every service, in one struct
//! that each service module reads and changes under the server's lock.

use serde::{Deserialize, Serialize};

/// An API error as the simulator answers it: `{"Error": {"Code", "Message"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    pub code: String,
    pub message: String,
}

impl SimError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        SimError {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

pub type SimResult = Result<serde_json::Value, SimError>;

/// What a handler knows about the call it serves.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// `X-TC-Region` of the call.
    pub region: String,
    /// Simulated seconds since the simulator started (already scaled by `--speed`).
    pub now: f64,
    /// The `RequestId` this call will answer with (CLB task ids are request ids).
    pub request_id: String,
}

/// The whole simulated account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct World {
    pub clb: crate::sim::clb::ClbState,
    pub tat: crate::sim::tat::TatState,
    pub autoscaling: crate::sim::autoscaling::AsState,
}
