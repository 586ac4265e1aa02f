//! The sandbox: the built-in simulated cloud, started in-process and
//! reached over loopback HTTP with real signatures, so the wizard runs the
//! same code path as against Tencent Cloud.

use crate::cloud::Credential;
use crate::sim::server::{start, SimConfig, SimHandle};

/// The region of the seeded world.
pub const REGION: &str = "ap-guangzhou";

/// Simulated seconds per real second: at the world's default durations
/// (image 60 s, launch 30 s, CLB 10 s, tasks 3 s, TAT 5 s, health 5 s) the
/// waiting of a whole flow takes about ten seconds, so with reading and
/// typing the guide takes about a minute.
pub const GUIDE_SPEED: f64 = 10.0;

pub struct Sandbox {
    handle: SimHandle,
}

impl Sandbox {
    /// Starts the seeded sandbox world on a free loopback port.
    pub async fn start(speed: f64) -> Result<Sandbox, String> {
        let handle = start(SimConfig {
            speed,
            ..SimConfig::default()
        })
        .await
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
        Ok(Sandbox { handle })
    }

    pub fn endpoint(&self) -> String {
        self.handle.endpoint()
    }

    pub fn credential(&self) -> Credential {
        self.handle.credential()
    }

    /// The simulator itself (tests inspect the world through it).
    pub fn handle(&self) -> &SimHandle {
        &self.handle
    }

    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}
