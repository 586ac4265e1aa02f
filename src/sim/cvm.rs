//! Simulated `cvm` service: instances, images, quotas, prices.
//!
//! State other services use:
//! - [`CvmState::instances`]: every instance of every region, as
//!   [`SimInstance`] (the wire model `cvm::Instance` plus simulator-only
//!   fields: `region`, `files`, `tat_agent_online`, `runtime`);
//! - [`CvmState::instance`] / [`CvmState::instance_mut`] by id;
//! - [`launch_instances`] starts instances from `RunInstances`-shaped
//!   parameters (Auto Scaling uses it).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cloud::models::cvm;
use crate::sim::world::{Ctx, SimError, SimResult, World};

/// The CVM part of the world.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CvmState {
    /// All instances, all regions, in creation order.
    pub instances: Vec<SimInstance>,
    /// All private images, all regions.
    pub images: Vec<SimImage>,
    /// Private images allowed per region (DescribeImageQuota).
    pub image_quota: i64,
    /// Pay-as-you-go instances allowed per zone (DescribeAccountQuota).
    pub instance_quota_per_zone: i64,
    /// RunInstances `ClientToken` → the instance ids it created.
    pub client_tokens: BTreeMap<String, Vec<String>>,
}

impl Default for CvmState {
    fn default() -> Self {
        CvmState {
            instances: Vec::new(),
            images: Vec::new(),
            image_quota: 10,
            instance_quota_per_zone: 50,
            client_tokens: BTreeMap::new(),
        }
    }
}

/// One instance: the API's view plus what only the simulator knows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimInstance {
    /// Region the instance lives in.
    pub region: String,
    /// Exactly what DescribeInstances returns (state kept current by `tick`).
    pub instance: cvm::Instance,
    /// What the server runs: `nodejs`, `java`, `dotnet` (business servers),
    /// `mina_auth` (session server), or empty. The wizard must not read this
    /// (real clouds don't tell); it is for the simulated TAT.
    pub runtime: String,
    /// Whether the TAT agent answers (the TAT service reads this).
    pub tat_agent_online: bool,
    /// The instance's files, path → content (`/etc/qcloud/sdk.config`,
    /// `C:\qcloud\sdk.config`); TAT commands read and change them.
    pub files: BTreeMap<String, String>,
    /// Sim time RunInstances started it; `None` for seeded instances.
    pub launched_at: Option<f64>,
    /// Decided at launch from `launch-fail`: ends LAUNCH_FAILED instead of RUNNING.
    pub launch_fails: bool,
    /// Sim time TerminateInstances was called.
    pub terminated_at: Option<f64>,
}

impl SimInstance {
    pub fn id(&self) -> &str {
        self.instance.instance_id.as_deref().unwrap_or("")
    }
    pub fn name(&self) -> &str {
        self.instance.instance_name.as_deref().unwrap_or("")
    }
    pub fn state(&self) -> &str {
        self.instance.instance_state.as_deref().unwrap_or("")
    }
    pub fn zone(&self) -> &str {
        self.instance
            .placement
            .as_ref()
            .and_then(|p| p.zone.as_deref())
            .unwrap_or("")
    }
    pub fn project_id(&self) -> i64 {
        self.instance
            .placement
            .as_ref()
            .and_then(|p| p.project_id)
            .unwrap_or(0)
    }
    pub fn vpc_id(&self) -> &str {
        self.instance
            .virtual_private_cloud
            .as_ref()
            .and_then(|v| v.vpc_id.as_deref())
            .unwrap_or("")
    }
    pub fn subnet_id(&self) -> &str {
        self.instance
            .virtual_private_cloud
            .as_ref()
            .and_then(|v| v.subnet_id.as_deref())
            .unwrap_or("")
    }
    /// First private IP ("" if none).
    pub fn private_ip(&self) -> &str {
        self.instance
            .private_ip_addresses
            .as_ref()
            .and_then(|v| v.first().map(String::as_str))
            .unwrap_or("")
    }
    pub fn security_group_ids(&self) -> &[String] {
        self.instance.security_group_ids.as_deref().unwrap_or(&[])
    }
    /// Public bandwidth out in Mbps (0 = no public network).
    pub fn bandwidth_out(&self) -> i64 {
        self.instance
            .internet_accessible
            .as_ref()
            .and_then(|i| i.internet_max_bandwidth_out)
            .unwrap_or(0)
    }
    pub fn is_running(&self) -> bool {
        self.state() == "RUNNING"
    }
}

/// One private image and the configuration it snapshots.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimImage {
    pub region: String,
    /// Exactly what DescribeImages returns (state kept current by `tick`).
    pub image: cvm::Image,
    /// The instance it was made from.
    pub source_instance_id: String,
    /// Snapshot of the source's simulator-only fields, copied to launched instances.
    pub runtime: String,
    pub files: BTreeMap<String, String>,
    /// Instance configuration defaults from the source (type, disks, …).
    pub instance_type: String,
    pub os_name: String,
    /// Sim time CreateImage started it; `None` for seeded images.
    pub created_at: Option<f64>,
    /// Decided at creation from `image-fail`.
    pub fails: bool,
}

impl SimImage {
    pub fn id(&self) -> &str {
        self.image.image_id.as_deref().unwrap_or("")
    }
    pub fn state(&self) -> &str {
        self.image.image_state.as_deref().unwrap_or("")
    }
}

impl CvmState {
    /// The instance with this id (any region).
    pub fn instance(&self, id: &str) -> Option<&SimInstance> {
        self.instances.iter().find(|i| i.id() == id)
    }
    pub fn instance_mut(&mut self, id: &str) -> Option<&mut SimInstance> {
        self.instances.iter_mut().find(|i| i.id() == id)
    }
    pub fn image(&self, id: &str) -> Option<&SimImage> {
        self.images.iter().find(|i| i.id() == id)
    }
}

/// Starts instances from `RunInstances`-shaped parameters (wire names:
/// `ImageId`, `Placement`, `InstanceCount`, `VirtualPrivateCloud`, …) and
/// returns their ids. They start `PENDING` and become `RUNNING` (or
/// `LAUNCH_FAILED`) after `durations.launch`. Checks region, zone, image,
/// subnet and quota like RunInstances does. Auto Scaling calls this.
pub fn launch_instances(
    world: &mut World,
    ctx: &Ctx,
    params: &Value,
) -> Result<Vec<String>, SimError> {
    let _ = (world, ctx, params);
    Err(SimError::new(
        "InternalError",
        "launch_instances is not built yet",
    ))
}

pub fn handle(_world: &mut World, _ctx: &Ctx, action: &str, _params: &Value) -> SimResult {
    Err(SimError::new(
        "InvalidAction",
        format!("{action} is not implemented"),
    ))
}

/// Advances instances and images to `now`.
pub fn tick(_world: &mut World, _now: f64) {}
