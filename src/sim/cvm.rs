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
use serde_json::{json, Value};

use crate::cloud::models::cvm;
use crate::sim::answer::{from_tree, Answer, AnswerResult};
use crate::sim::query::{check_filter_names, filters, page, page_of, str_param, string_list};
use crate::sim::validate::int_param;
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

fn yes() -> bool {
    true
}

/// One instance: the API's view plus what only the simulator knows.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Whether the TAT agent answers (the TAT service reads this). Default true.
    #[serde(default = "yes")]
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
    /// Sim time from which Describe calls list it (eventual consistency);
    /// `None`: listed at once.
    pub visible_at: Option<f64>,
    /// Sim time a TAT command last restarted its service: CLB health
    /// checks see it down for one health-check period after that.
    pub restarted_at: Option<f64>,
    /// World-file flag: the service does not come back after a restart
    /// (an app that fails to start), so its health checks stay `Dead`.
    pub restart_breaks_service: bool,
}

impl Default for SimInstance {
    fn default() -> Self {
        SimInstance {
            region: String::new(),
            instance: cvm::Instance::default(),
            runtime: String::new(),
            tat_agent_online: true,
            files: BTreeMap::new(),
            launched_at: None,
            launch_fails: false,
            terminated_at: None,
            visible_at: None,
            restarted_at: None,
            restart_breaks_service: false,
        }
    }
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
    /// Sim time from which DescribeImages lists it; `None`: at once.
    pub visible_at: Option<f64>,
}

/// Whether a resource created with `visible_at` is listed at `now`.
pub fn listed(visible_at: Option<f64>, now: f64) -> bool {
    visible_at.is_none_or(|t| now >= t)
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

/// Whether `id` looks like `prefix-xxxxxxxx` (8 lowercase letters/digits).
pub fn well_formed(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|t| t.strip_prefix('-'))
        .is_some_and(|t| {
            t.len() == 8
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn err(code: &str, msg: impl Into<String>) -> SimError {
    SimError::new(code, msg)
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// (CPU, memory GB) of an instance type such as `S5.MEDIUM4` or `SA2.2XLARGE16`.
pub fn instance_type_shape(ty: &str) -> Option<(i64, i64)> {
    let (family, size) = ty.split_once('.')?;
    if family.is_empty()
        || !family
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return None;
    }
    let (cpu, rest) = if let Some(r) = size.strip_prefix("SMALL") {
        (1, r)
    } else if let Some(r) = size.strip_prefix("MEDIUM") {
        (2, r)
    } else if let Some(r) = size.strip_prefix("LARGE") {
        (4, r)
    } else if let Some((n, r)) = size.split_once("XLARGE") {
        let n: i64 = if n.is_empty() { 1 } else { n.parse().ok()? };
        (4 * n, r)
    } else {
        return None;
    };
    let mem: i64 = rest.parse().ok()?;
    Some((cpu, mem))
}

fn iso(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The server's entry: like [`handle`], but the hot listing answers come
/// already serialized (see [`crate::sim::answer`]).
pub fn answer(world: &mut World, ctx: &Ctx, action: &str, params: &Value) -> AnswerResult {
    match action {
        "DescribeInstances" => describe_instances(world, ctx, params),
        _ => from_tree(handle(world, ctx, action, params)),
    }
}

pub fn handle(world: &mut World, ctx: &Ctx, action: &str, params: &Value) -> SimResult {
    match action {
        "DescribeRegions" => describe_regions(world),
        "DescribeZones" => describe_zones(world, ctx),
        "DescribeInstances" => describe_instances(world, ctx, params).map(Answer::into_value),
        "DescribeInstancesStatus" => describe_instances_status(world, ctx, params),
        "CreateImage" => create_image(world, ctx, params),
        "DescribeImages" => describe_images(world, ctx, params),
        "DescribeImageQuota" => Ok(json!({"ImageNumQuota": world.cvm.image_quota})),
        "DeleteImages" => delete_images(world, ctx, params),
        "RunInstances" => run_instances(world, ctx, params),
        "InquiryPriceRunInstances" => inquiry_price(world, ctx, params),
        "TerminateInstances" => terminate_instances(world, ctx, params),
        "DescribeAccountQuota" => describe_account_quota(world, ctx, params),
        _ => Err(err(
            "InvalidAction",
            format!("The action `{action}` is not supported by the simulator."),
        )),
    }
}

fn describe_regions(world: &World) -> SimResult {
    let set: Vec<cvm::RegionInfo> = world
        .regions
        .iter()
        .map(|r| cvm::RegionInfo {
            region: Some(r.region.clone()),
            region_name: Some(r.name.clone()),
            region_state: Some("AVAILABLE".into()),
        })
        .collect();
    Ok(json!({"TotalCount": set.len(), "RegionSet": to_value(&set)}))
}

fn describe_zones(world: &World, ctx: &Ctx) -> SimResult {
    let set: Vec<cvm::ZoneInfo> = world
        .region(&ctx.region)
        .map(|r| {
            r.zones
                .iter()
                .map(|z| cvm::ZoneInfo {
                    zone: Some(z.zone.clone()),
                    zone_name: Some(z.name.clone()),
                    zone_id: Some(z.zone_id.clone()),
                    zone_state: Some("AVAILABLE".into()),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(json!({"TotalCount": set.len(), "ZoneSet": to_value(&set)}))
}

const INSTANCE_FILTERS: &[&str] = &[
    "zone",
    "project-id",
    "vpc-id",
    "subnet-id",
    "instance-id",
    "uuid",
    "security-group-id",
    "instance-name",
    "instance-charge-type",
    "instance-state",
    "private-ip-address",
    "public-ip-address",
    "image-id",
    "instance-type",
    "tag-key",
    "tag-value",
    "tag:*",
];

fn instance_filter_matches(inst: &SimInstance, name: &str, values: &[String]) -> bool {
    let i = &inst.instance;
    let any = |v: &str| values.iter().any(|x| x == v);
    match name {
        "zone" => any(inst.zone()),
        "project-id" => any(&inst.project_id().to_string()),
        "vpc-id" => any(inst.vpc_id()),
        "subnet-id" => any(inst.subnet_id()),
        "instance-id" => any(inst.id()),
        "uuid" => any(i.uuid.as_deref().unwrap_or("")),
        "security-group-id" => inst.security_group_ids().iter().any(|s| any(s)),
        // The console's name search is fuzzy.
        "instance-name" => values.iter().any(|v| inst.name().contains(v.as_str())),
        "instance-charge-type" => any(i.instance_charge_type.as_deref().unwrap_or("")),
        "instance-state" => any(inst.state()),
        "private-ip-address" => i.private_ip_addresses.iter().flatten().any(|ip| any(ip)),
        "public-ip-address" => i.public_ip_addresses.iter().flatten().any(|ip| any(ip)),
        "image-id" => any(i.image_id.as_deref().unwrap_or("")),
        "instance-type" => any(i.instance_type.as_deref().unwrap_or("")),
        "tag-key" => i
            .tags
            .iter()
            .flatten()
            .any(|t| any(t.key.as_deref().unwrap_or(""))),
        "tag-value" => i
            .tags
            .iter()
            .flatten()
            .any(|t| any(t.value.as_deref().unwrap_or(""))),
        other => {
            match other.strip_prefix("tag:") {
                Some(key) => i.tags.iter().flatten().any(|t| {
                    t.key.as_deref() == Some(key) && any(t.value.as_deref().unwrap_or(""))
                }),
                None => false,
            }
        }
    }
}

/// Which instances of the call's region `InstanceIds` and `Filters` select.
struct Selection {
    ids: Vec<String>,
    filters: Vec<(String, Vec<String>)>,
}

impl Selection {
    fn of(params: &Value) -> Result<Selection, SimError> {
        let ids = string_list(params, "InstanceIds");
        if ids.len() > 100 {
            return Err(err(
                "InvalidParameterValueLimit",
                "At most 100 `InstanceIds` per request.",
            ));
        }
        if let Some(bad) = ids.iter().find(|id| !well_formed(id, "ins")) {
            return Err(err(
                "InvalidInstanceId.Malformed",
                format!("The instance id `{bad}` is malformed."),
            ));
        }
        let filters = filters(params);
        check_filter_names(&filters, INSTANCE_FILTERS, "InvalidFilter")?;
        Ok(Selection { ids, filters })
    }

    fn matches(&self, ctx: &Ctx, i: &SimInstance) -> bool {
        i.region == ctx.region
            && listed(i.visible_at, ctx.now)
            && (self.ids.is_empty() || self.ids.iter().any(|id| id == i.id()))
            && self
                .filters
                .iter()
                .all(|(n, v)| instance_filter_matches(i, n, v))
    }

    /// `TotalCount` and the requested page, without collecting every match
    /// (a large world would otherwise be copied into a list per call).
    fn page<'w>(
        &self,
        world: &'w World,
        ctx: &Ctx,
        params: &Value,
    ) -> (usize, Vec<&'w SimInstance>) {
        let matching = world.cvm.instances.iter().filter(|i| self.matches(ctx, i));
        page_of(matching, params)
    }
}

/// A page of DescribeInstances, serialized straight from the models. Members
/// come in the models' order rather than sorted (as a `Value` tree had
/// them); JSON member order carries no meaning, and the real API's own
/// examples use no fixed order either.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InstancePage<'a> {
    total_count: usize,
    instance_set: Vec<InstanceOut<'a>>,
}

/// An instance as the API writes it: the model's members, then `null` for
/// each member the real API answers as null rather than leaving it out
/// (the server's `fill_nulls` does this for tree answers).
#[derive(Serialize)]
struct InstanceOut<'a> {
    #[serde(flatten)]
    instance: &'a cvm::Instance,
    #[serde(flatten)]
    nulls: std::collections::BTreeMap<&'static str, ()>,
}

/// The output-required members of `i` that are unset and that the real API
/// answers as `null` (pay-as-you-go: `RenewFlag`, `ExpiredTime`; no data
/// disk, no public or IPv6 address, no CAM role, no operation yet).
fn instance_nulls(i: &cvm::Instance) -> std::collections::BTreeMap<&'static str, ()> {
    [
        ("DataDisks", i.data_disks.is_none()),
        ("PublicIpAddresses", i.public_ip_addresses.is_none()),
        ("RenewFlag", i.renew_flag.is_none()),
        ("ExpiredTime", i.expired_time.is_none()),
        (
            "LatestOperationRequestId",
            i.latest_operation_request_id.is_none(),
        ),
        ("IPv6Addresses", i.ipv6_addresses.is_none()),
        ("CamRoleName", i.cam_role_name.is_none()),
        ("RdmaIpAddresses", i.rdma_ip_addresses.is_none()),
    ]
    .into_iter()
    .filter(|(_, unset)| *unset)
    .map(|(name, _)| (name, ()))
    .collect()
}

fn describe_instances(world: &World, ctx: &Ctx, params: &Value) -> AnswerResult {
    let (total, items) = Selection::of(params)?.page(world, ctx, params);
    Ok(Answer::object(&InstancePage {
        total_count: total,
        instance_set: items
            .iter()
            .map(|i| InstanceOut {
                instance: &i.instance,
                nulls: instance_nulls(&i.instance),
            })
            .collect(),
    }))
}

fn describe_instances_status(world: &World, ctx: &Ctx, params: &Value) -> SimResult {
    let (total, items) = Selection::of(params)?.page(world, ctx, params);
    let set: Vec<cvm::InstanceStatus> = items
        .iter()
        .map(|i| cvm::InstanceStatus {
            instance_id: Some(i.id().to_string()),
            instance_state: Some(i.state().to_string()),
        })
        .collect();
    Ok(json!({"TotalCount": total, "InstanceStatusSet": to_value(&set)}))
}

/// The instance `id` in the call's region, or the API's not-found / malformed error.
fn region_instance<'w>(world: &'w World, ctx: &Ctx, id: &str) -> Result<&'w SimInstance, SimError> {
    if !well_formed(id, "ins") {
        return Err(err(
            "InvalidInstanceId.Malformed",
            format!("The instance id `{id}` is malformed."),
        ));
    }
    world
        .cvm
        .instance(id)
        .filter(|i| i.region == ctx.region && i.terminated_at.is_none())
        .ok_or_else(|| {
            err(
                "InvalidInstanceId.NotFound",
                format!("The instance `{id}` does not exist."),
            )
        })
}

fn private_image_count(world: &World, region: &str) -> usize {
    world
        .cvm
        .images
        .iter()
        .filter(|i| i.region == region && i.image.image_type.as_deref() == Some("PRIVATE_IMAGE"))
        .count()
}

/// The tags a creation's `TagSpecification` puts on resources of `resource_type`.
fn tags_for(params: &Value, resource_type: &str) -> Vec<cvm::Tag> {
    params
        .get("TagSpecification")
        .and_then(Value::as_array)
        .map(|specs| {
            specs
                .iter()
                .filter(|s| str_param(s, "ResourceType") == Some(resource_type))
                .filter_map(|s| s.get("Tags").cloned())
                .filter_map(|t| serde_json::from_value::<Vec<cvm::Tag>>(t).ok())
                .flatten()
                .collect()
        })
        .unwrap_or_default()
}

fn create_image(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let name = str_param(params, "ImageName")
        .unwrap_or("")
        .trim()
        .to_string();
    if name.is_empty() {
        return Err(err(
            "InvalidParameterValue",
            "`ImageName` must not be empty.",
        ));
    }
    if name.chars().count() > 60 {
        return Err(err(
            "InvalidParameterValue.TooLong",
            "`ImageName` is longer than 60 characters.",
        ));
    }
    let description = str_param(params, "ImageDescription")
        .unwrap_or("")
        .to_string();
    if description.chars().count() > 256 {
        return Err(err(
            "InvalidParameterValue.TooLong",
            "`ImageDescription` is longer than 256 characters.",
        ));
    }
    let Some(instance_id) = str_param(params, "InstanceId") else {
        return Err(err(
            "MissingParameter",
            "`InstanceId` is required (snapshot images are not simulated).",
        ));
    };
    let source = region_instance(world, ctx, instance_id)?.clone();
    match source.state() {
        "RUNNING" | "STOPPED" => {}
        "PENDING" => {
            return Err(err(
                "UnsupportedOperation.InstanceStatePending",
                format!("The instance `{instance_id}` is still PENDING."),
            ))
        }
        other => {
            return Err(err(
                "InvalidInstanceState",
                format!("The instance `{instance_id}` is {other}; an image needs a RUNNING or STOPPED instance."),
            ))
        }
    }
    if world
        .cvm
        .images
        .iter()
        .any(|i| i.region == ctx.region && i.image.image_name.as_deref() == Some(name.as_str()))
    {
        return Err(err(
            "InvalidImageName.Duplicate",
            format!("An image named `{name}` already exists."),
        ));
    }
    if world
        .cvm
        .images
        .iter()
        .any(|i| i.source_instance_id == instance_id && i.state() == "CREATING")
    {
        return Err(err(
            "OperationDenied.InstanceOperationInProgress",
            format!("An image of `{instance_id}` is already being created."),
        ));
    }
    if private_image_count(world, &ctx.region) as i64 >= world.cvm.image_quota {
        return Err(err(
            "ImageQuotaLimitExceeded",
            format!(
                "The image quota ({}) of the region is used up.",
                world.cvm.image_quota
            ),
        ));
    }
    if params.get("DryRun").and_then(Value::as_bool) == Some(true) {
        return Ok(json!({}));
    }
    let image_id = world.new_id("img");
    let fails = world.chance(world.faults.image_fail);
    let visible_at = world.visible_at(ctx.now);
    let os_name = source.instance.os_name.clone().unwrap_or_default();
    let platform = if os_name.contains("Windows") {
        "Windows"
    } else {
        "CentOS"
    };
    let image = cvm::Image {
        image_id: Some(image_id.clone()),
        os_name: Some(os_name.clone()),
        image_type: Some("PRIVATE_IMAGE".into()),
        created_time: Some(ctx.timestamp_iso()),
        image_name: Some(name),
        image_description: Some(description),
        image_size: Some(50),
        architecture: Some("x86_64".into()),
        image_state: Some("CREATING".into()),
        platform: Some(platform.into()),
        image_creator: Some(world.account.owner_uin.clone()),
        image_source: Some("CREATE_IMAGE".into()),
        sync_percent: Some(0),
        is_support_cloudinit: Some(true),
        tags: Some(tags_for(params, "image")),
        ..Default::default()
    };
    let mut image = image;
    crate::sim::seed::complete_image(&mut image);
    world.cvm.images.push(SimImage {
        region: ctx.region.clone(),
        image,
        source_instance_id: instance_id.to_string(),
        runtime: source.runtime.clone(),
        files: source.files.clone(),
        instance_type: source.instance.instance_type.clone().unwrap_or_default(),
        os_name,
        created_at: Some(ctx.now),
        fails,
        visible_at,
    });
    if let Some(inst) = world.cvm.instance_mut(instance_id) {
        inst.instance.latest_operation = Some("CreateImage".into());
        inst.instance.latest_operation_state = Some("OPERATING".into());
        inst.instance.latest_operation_request_id = Some(ctx.request_id.clone());
    }
    Ok(json!({"ImageId": image_id}))
}

const IMAGE_FILTERS: &[&str] = &[
    "image-id",
    "image-type",
    "image-name",
    "image-state",
    "platform",
    "image-source",
    "image-family",
];

fn image_filter_matches(img: &SimImage, name: &str, values: &[String]) -> bool {
    let i = &img.image;
    let any = |v: Option<&str>| values.iter().any(|x| Some(x.as_str()) == v);
    match name {
        "image-id" => any(i.image_id.as_deref()),
        "image-type" => any(i.image_type.as_deref()),
        "image-name" => values
            .iter()
            .any(|v| i.image_name.as_deref().unwrap_or("").contains(v.as_str())),
        "image-state" => any(i.image_state.as_deref()),
        "platform" => any(i.platform.as_deref()),
        "image-source" => any(i.image_source.as_deref()),
        "image-family" => any(i.image_family.as_deref()),
        _ => false,
    }
}

/// Public images are visible in every region; private ones in their own.
fn image_visible(img: &SimImage, region: &str) -> bool {
    img.region == region || img.image.image_type.as_deref() == Some("PUBLIC_IMAGE")
}

fn describe_images(world: &World, ctx: &Ctx, params: &Value) -> SimResult {
    let ids = string_list(params, "ImageIds");
    if let Some(bad) = ids.iter().find(|id| !well_formed(id, "img")) {
        return Err(err(
            "InvalidImageId.Malformed",
            format!("The image id `{bad}` is malformed."),
        ));
    }
    let fs = filters(params);
    check_filter_names(&fs, IMAGE_FILTERS, "InvalidFilter")?;
    let selected: Vec<&SimImage> = world
        .cvm
        .images
        .iter()
        .filter(|i| image_visible(i, &ctx.region) && listed(i.visible_at, ctx.now))
        .filter(|i| ids.is_empty() || ids.iter().any(|id| id == i.id()))
        .filter(|i| fs.iter().all(|(n, v)| image_filter_matches(i, n, v)))
        .collect();
    let (total, items) = page(selected, params);
    let set: Vec<&cvm::Image> = items.iter().map(|i| &i.image).collect();
    Ok(json!({"TotalCount": total, "ImageSet": to_value(&set)}))
}

fn delete_images(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let ids = string_list(params, "ImageIds");
    for id in &ids {
        if !well_formed(id, "img") {
            return Err(err(
                "InvalidImageId.Malformed",
                format!("The image id `{id}` is malformed."),
            ));
        }
        let img = world
            .cvm
            .image(id)
            .filter(|i| image_visible(i, &ctx.region))
            .ok_or_else(|| {
                err(
                    "InvalidImageId.NotFound",
                    format!("The image `{id}` does not exist."),
                )
            })?;
        if img.image.image_type.as_deref() != Some("PRIVATE_IMAGE") {
            return Err(err(
                "UnauthorizedOperation.ImageNotBelongToAccount",
                format!("The image `{id}` is not a private image of this account."),
            ));
        }
        if img.state() == "CREATING" {
            return Err(err(
                "InvalidImageId.IncorrectState",
                format!("The image `{id}` is still being created."),
            ));
        }
    }
    if params.get("DryRun").and_then(Value::as_bool) == Some(true) {
        return Ok(json!({}));
    }
    world
        .cvm
        .images
        .retain(|i| !ids.iter().any(|id| id == i.id()));
    Ok(json!({}))
}

/// Everything RunInstances decided before creating anything.
#[derive(Debug, Clone)]
struct LaunchPlan {
    region: String,
    zone: String,
    project_id: i64,
    charge_type: String,
    instance_type: String,
    cpu: i64,
    memory: i64,
    image: SimImage,
    vpc_id: String,
    subnet_id: String,
    fixed_ip: Option<String>,
    security_group_ids: Vec<String>,
    internet: cvm::InternetAccessible,
    system_disk: cvm::SystemDisk,
    count: i64,
    name: String,
    host_name: Option<String>,
    tags: Vec<cvm::Tag>,
}

fn instances_in_zone(world: &World, zone: &str) -> i64 {
    world
        .cvm
        .instances
        .iter()
        .filter(|i| i.zone() == zone && i.terminated_at.is_none())
        .count() as i64
}

/// Checks RunInstances parameters exactly as the real service would and
/// returns what it would create. Changes nothing.
fn plan_launch(
    world: &World,
    ctx: &Ctx,
    params: &Value,
    need_image: bool,
) -> Result<LaunchPlan, SimError> {
    let charge_type = str_param(params, "InstanceChargeType")
        .unwrap_or("POSTPAID_BY_HOUR")
        .to_string();
    if !["POSTPAID_BY_HOUR", "PREPAID", "SPOTPAID"].contains(&charge_type.as_str()) {
        return Err(err(
            "InvalidParameterValue",
            format!("`InstanceChargeType` {charge_type} is not one of POSTPAID_BY_HOUR, PREPAID, SPOTPAID."),
        ));
    }
    let placement = params.get("Placement").ok_or_else(|| {
        err(
            "MissingParameter",
            "The request is missing a required parameter `Placement`.",
        )
    })?;
    let zone = str_param(placement, "Zone")
        .ok_or_else(|| {
            err(
                "MissingParameter",
                "The request is missing a required parameter `Placement.Zone`.",
            )
        })?
        .to_string();
    match world.zone(&zone) {
        Some((r, _)) if r.region == ctx.region => {}
        Some(_) => {
            return Err(err(
                "InvalidZone.MismatchRegion",
                format!("The zone `{zone}` is not in the region `{}`.", ctx.region),
            ))
        }
        None => {
            return Err(err(
                "InvalidZone.MismatchRegion",
                format!(
                    "The zone `{zone}` does not exist in the region `{}`.",
                    ctx.region
                ),
            ))
        }
    }
    let project_id = int_param(placement, "ProjectId").unwrap_or(0);
    if world.tag.project(project_id.max(0) as u64).is_none() {
        return Err(err(
            "InvalidProjectId.NotFound",
            format!("The project {project_id} does not exist."),
        ));
    }
    let image = match str_param(params, "ImageId") {
        None if need_image => {
            return Err(err(
                "MissingParameter",
                "The request is missing a required parameter `ImageId`.",
            ))
        }
        None => SimImage {
            os_name: "CentOS 7.9 64位".into(),
            ..Default::default()
        },
        Some(id) => {
            if !well_formed(id, "img") {
                return Err(err(
                    "InvalidImageId.Malformed",
                    format!("The image id `{id}` is malformed."),
                ));
            }
            let img = world
                .cvm
                .image(id)
                .filter(|i| image_visible(i, &ctx.region))
                .ok_or_else(|| {
                    err(
                        "InvalidImageId.NotFound",
                        format!("The image `{id}` does not exist."),
                    )
                })?;
            if img.state() != "NORMAL" {
                return Err(err(
                    "InvalidImageId.IncorrectState",
                    format!("The image `{id}` is {}, not NORMAL.", img.state()),
                ));
            }
            img.clone()
        }
    };
    let instance_type = str_param(params, "InstanceType")
        .map(str::to_string)
        .or_else(|| Some(image.instance_type.clone()).filter(|t| !t.is_empty()))
        .unwrap_or_else(|| "S5.MEDIUM4".to_string());
    let (cpu, memory) = instance_type_shape(&instance_type).ok_or_else(|| {
        err(
            "InvalidInstanceType.Malformed",
            format!("The instance type `{instance_type}` is malformed."),
        )
    })?;
    let count = int_param(params, "InstanceCount").unwrap_or(1);
    let allowed = crate::cloud::limits::RUN_INSTANCES_COUNT;
    if !allowed.contains(&count) {
        return Err(err(
            "InvalidParameterValue.Range",
            format!(
                "`InstanceCount` must be between {} and {}.",
                allowed.start(),
                allowed.end()
            ),
        ));
    }
    // Network: the given VPC/subnet, else the region's default subnet in the zone.
    let (vpc_id, subnet_id, fixed_ip) = match params.get("VirtualPrivateCloud") {
        Some(v) => {
            let vpc_id = str_param(v, "VpcId").unwrap_or("").to_string();
            let subnet_id = str_param(v, "SubnetId").unwrap_or("").to_string();
            if !well_formed(&vpc_id, "vpc") {
                return Err(err(
                    "InvalidParameterValue.VpcIdMalformed",
                    format!("The VPC id `{vpc_id}` is malformed."),
                ));
            }
            if !well_formed(&subnet_id, "subnet") {
                return Err(err(
                    "InvalidParameterValue.SubnetIdMalformed",
                    format!("The subnet id `{subnet_id}` is malformed."),
                ));
            }
            if world
                .vpc
                .vpc(&vpc_id)
                .filter(|x| x.region == ctx.region)
                .is_none()
            {
                return Err(err(
                    "InvalidParameterValue.VpcIdNotExist",
                    format!("The VPC `{vpc_id}` does not exist."),
                ));
            }
            let subnet = world
                .vpc
                .subnet(&subnet_id)
                .filter(|s| s.region == ctx.region)
                .ok_or_else(|| {
                    err(
                        "InvalidParameterValue.SubnetNotExist",
                        format!("The subnet `{subnet_id}` does not exist."),
                    )
                })?;
            if subnet.vpc_id() != vpc_id {
                return Err(err(
                    "InvalidParameterValue.VpcIdSubnetIdNotMatch",
                    format!("The subnet `{subnet_id}` is not in the VPC `{vpc_id}`."),
                ));
            }
            if subnet.zone() != zone {
                return Err(err(
                    "InvalidParameterValue.SubnetIdZoneIdNotMatch",
                    format!(
                        "The subnet `{subnet_id}` is in {}, not in {zone}.",
                        subnet.zone()
                    ),
                ));
            }
            let fixed_ip = v
                .get("PrivateIpAddresses")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(ip) = &fixed_ip {
                let cidr = subnet.subnet.cidr_block.as_deref().unwrap_or("");
                if !crate::sim::vpc::cidr_contains(cidr, ip) {
                    return Err(err(
                        "VpcAddrNotInSubNet",
                        format!("The IP {ip} is not in the subnet {cidr}."),
                    ));
                }
                let used = subnet.allocated.contains(ip)
                    || world.cvm.instances.iter().any(|i| {
                        i.instance
                            .private_ip_addresses
                            .iter()
                            .flatten()
                            .any(|x| x == ip)
                    });
                if used {
                    return Err(err(
                        "VpcIpIsUsed",
                        format!("The IP {ip} is already in use."),
                    ));
                }
            }
            (vpc_id, subnet_id, fixed_ip)
        }
        None => {
            let subnet = world
                .vpc
                .subnets
                .iter()
                .filter(|s| s.region == ctx.region && s.zone() == zone)
                .max_by_key(|s| s.subnet.is_default == Some(true))
                .ok_or_else(|| {
                    err(
                        "InvalidParameterValue.VpcIdNotExist",
                        format!("There is no VPC subnet in {zone}; give `VirtualPrivateCloud`."),
                    )
                })?;
            (subnet.vpc_id().to_string(), subnet.id().to_string(), None)
        }
    };
    let mut security_group_ids = string_list(params, "SecurityGroupIds");
    if security_group_ids.len() > 5 {
        return Err(err(
            "LimitExceeded.AssociateUSGLimitExceeded",
            "An instance can be in at most 5 security groups.",
        ));
    }
    for sg in &security_group_ids {
        if !well_formed(sg, "sg") {
            return Err(err(
                "InvalidSgId.Malformed",
                format!("The security group id `{sg}` is malformed."),
            ));
        }
        if world
            .vpc
            .security_group(sg)
            .filter(|g| g.region == ctx.region)
            .is_none()
        {
            return Err(err(
                "InvalidSecurityGroupId.NotFound",
                format!("The security group `{sg}` does not exist."),
            ));
        }
    }
    if security_group_ids.is_empty() {
        if let Some(g) = world
            .vpc
            .security_groups
            .iter()
            .find(|g| g.region == ctx.region && g.group.is_default == Some(true))
        {
            security_group_ids.push(g.id().to_string());
        }
    }
    let mut internet: cvm::InternetAccessible = params
        .get("InternetAccessible")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let bandwidth = internet.internet_max_bandwidth_out.unwrap_or(0);
    if !(0..=200).contains(&bandwidth) {
        return Err(err(
            "InvalidParameterValue.Range",
            "`InternetAccessible.InternetMaxBandwidthOut` must be between 0 and 200.",
        ));
    }
    internet.internet_max_bandwidth_out = Some(bandwidth);
    internet
        .internet_charge_type
        .get_or_insert_with(|| "TRAFFIC_POSTPAID_BY_HOUR".to_string());
    internet.public_ip_assigned = Some(bandwidth > 0 && internet.public_ip_assigned != Some(false));
    let system_disk: cvm::SystemDisk = params
        .get("SystemDisk")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let name = str_param(params, "InstanceName")
        .unwrap_or("未命名")
        .to_string();
    if name.chars().count() > 128 {
        return Err(err(
            "InvalidInstanceName.TooLong",
            "`InstanceName` is longer than 128 characters.",
        ));
    }
    let in_zone = instances_in_zone(world, &zone);
    if in_zone + count > world.cvm.instance_quota_per_zone {
        return Err(err(
            "InstancesQuotaLimitExceeded",
            format!(
                "{count} more instance(s) would exceed the quota of {} in {zone} ({in_zone} in use).",
                world.cvm.instance_quota_per_zone
            ),
        ));
    }
    let tags = tags_for(params, "instance");
    Ok(LaunchPlan {
        region: ctx.region.clone(),
        zone,
        project_id,
        charge_type,
        instance_type,
        cpu,
        memory,
        image,
        vpc_id,
        subnet_id,
        fixed_ip,
        security_group_ids,
        internet,
        system_disk,
        count,
        name,
        host_name: str_param(params, "HostName").map(str::to_string),
        tags,
    })
}

/// `server_{R:3}` with n instances → server_3, server_4, …; without a
/// pattern and n > 1 → name1, name2, … (as RunInstances documents).
pub fn instance_names(pattern: &str, count: i64) -> Vec<String> {
    (0..count)
        .map(|i| {
            if pattern.contains("{R:") {
                let mut out = String::new();
                let mut rest = pattern;
                while let Some(start) = rest.find("{R:") {
                    out.push_str(&rest[..start]);
                    let after = &rest[start + 3..];
                    match after
                        .find('}')
                        .and_then(|end| after[..end].parse::<i64>().ok().map(|x| (end, x)))
                    {
                        Some((end, x)) => {
                            out.push_str(&(x + i).to_string());
                            rest = &after[end + 1..];
                        }
                        None => {
                            out.push_str("{R:");
                            rest = after;
                        }
                    }
                }
                out.push_str(rest);
                out
            } else if count > 1 {
                format!("{pattern}{}", i + 1)
            } else {
                pattern.to_string()
            }
        })
        .collect()
}

fn public_ip(world: &mut World) -> String {
    use rand::Rng;
    let r = &mut world.rng.0;
    format!(
        "119.{}.{}.{}",
        r.gen_range(28..=29),
        r.gen_range(0..=255),
        r.gen_range(2..=254)
    )
}

fn commit_launch(world: &mut World, ctx: &Ctx, plan: LaunchPlan) -> Result<Vec<String>, SimError> {
    let names = instance_names(&plan.name, plan.count);
    let mut ids = Vec::with_capacity(names.len());
    for (n, name) in names.into_iter().enumerate() {
        let ip = match (&plan.fixed_ip, n) {
            (Some(ip), 0) => {
                if let Some(s) = world
                    .vpc
                    .subnets
                    .iter_mut()
                    .find(|s| s.id() == plan.subnet_id)
                {
                    s.allocated.insert(ip.clone());
                }
                ip.clone()
            }
            _ => crate::sim::vpc::allocate_ip(world, &plan.subnet_id)?,
        };
        let id = world.new_id("ins");
        let public = if plan.internet.public_ip_assigned == Some(true) {
            Some(vec![public_ip(world)])
        } else {
            None
        };
        let launch_fails = world.chance(world.faults.launch_fail);
        let windows = plan.image.os_name.contains("Windows");
        let disk_id = world.new_id("disk");
        let instance = cvm::Instance {
            placement: Some(cvm::Placement {
                zone: Some(plan.zone.clone()),
                project_id: Some(plan.project_id),
                ..Default::default()
            }),
            instance_id: Some(id.clone()),
            instance_type: Some(plan.instance_type.clone()),
            cpu: Some(plan.cpu),
            memory: Some(plan.memory),
            restrict_state: Some("NORMAL".into()),
            instance_name: Some(name),
            instance_charge_type: Some(plan.charge_type.clone()),
            system_disk: Some(cvm::SystemDisk {
                disk_type: Some(
                    plan.system_disk
                        .disk_type
                        .clone()
                        .unwrap_or_else(|| "CLOUD_PREMIUM".into()),
                ),
                disk_id: Some(disk_id),
                disk_size: Some(plan.system_disk.disk_size.unwrap_or(50)),
                ..Default::default()
            }),
            private_ip_addresses: Some(vec![ip]),
            public_ip_addresses: public,
            internet_accessible: Some(plan.internet.clone()),
            virtual_private_cloud: Some(cvm::VirtualPrivateCloud {
                vpc_id: Some(plan.vpc_id.clone()),
                subnet_id: Some(plan.subnet_id.clone()),
                as_vpc_gateway: Some(false),
                ..Default::default()
            }),
            image_id: plan.image.image.image_id.clone(),
            renew_flag: (plan.charge_type == "PREPAID")
                .then(|| "NOTIFY_AND_MANUAL_RENEW".to_string()),
            created_time: Some(ctx.timestamp_iso()),
            expired_time: (plan.charge_type == "PREPAID").then(|| iso(ctx.unix_time + 30 * 86_400)),
            os_name: Some(plan.image.os_name.clone()),
            security_group_ids: Some(plan.security_group_ids.clone()),
            login_settings: Some(cvm::LoginSettings::default()),
            instance_state: Some("PENDING".into()),
            tags: Some(plan.tags.clone()),
            stop_charging_mode: Some("NOT_APPLICABLE".into()),
            uuid: Some(uuid::Uuid::new_v4().to_string()),
            latest_operation: Some("RunInstances".into()),
            latest_operation_state: Some("OPERATING".into()),
            latest_operation_request_id: Some(ctx.request_id.clone()),
            isolated_source: Some("NOTISOLATED".into()),
            license_type: Some("TencentCloud".into()),
            disable_api_termination: Some(false),
            host_name: plan.host_name.clone(),
            default_login_user: Some(if windows { "Administrator" } else { "root" }.into()),
            default_login_port: Some(if windows { 3389 } else { 22 }),
            latest_operation_error_msg: Some(String::new()),
            ..Default::default()
        };
        let mut instance = instance;
        crate::sim::seed::complete_instance(&mut instance);
        let visible_at = world.visible_at(ctx.now);
        world.cvm.instances.push(SimInstance {
            region: plan.region.clone(),
            instance,
            runtime: plan.image.runtime.clone(),
            tat_agent_online: true,
            files: plan.image.files.clone(),
            launched_at: Some(ctx.now),
            launch_fails,
            visible_at,
            ..SimInstance::default()
        });
        ids.push(id);
    }
    Ok(ids)
}

/// Starts instances from `RunInstances`-shaped parameters (wire names:
/// `ImageId`, `Placement`, `InstanceCount`, `VirtualPrivateCloud`,
/// `SecurityGroupIds`, `InternetAccessible`, `InstanceName`, …) in
/// `ctx.region` and returns their ids. They start `PENDING` and become
/// `RUNNING` (or `LAUNCH_FAILED` with the `launch-fail` fault) after
/// `durations.launch`; they inherit the image's `runtime` and `files`.
/// Checks zone, project, image, network, security groups and quota like
/// RunInstances does. `DryRun` and `ClientToken` are RunInstances' business,
/// not handled here. Auto Scaling calls this.
pub fn launch_instances(
    world: &mut World,
    ctx: &Ctx,
    params: &Value,
) -> Result<Vec<String>, SimError> {
    let plan = plan_launch(world, ctx, params, true)?;
    commit_launch(world, ctx, plan)
}

fn run_instances(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let token = str_param(params, "ClientToken").filter(|t| !t.is_empty());
    if let Some(t) = token {
        if t.len() > 64 {
            return Err(err(
                "InvalidClientToken.TooLong",
                "`ClientToken` is longer than 64 characters.",
            ));
        }
        if let Some(ids) = world.cvm.client_tokens.get(t) {
            return Ok(json!({"InstanceIdSet": ids}));
        }
    }
    let plan = plan_launch(world, ctx, params, true)?;
    if params.get("DryRun").and_then(Value::as_bool) == Some(true) {
        return Ok(json!({}));
    }
    let ids = commit_launch(world, ctx, plan)?;
    if let Some(t) = token {
        world.cvm.client_tokens.insert(t.to_string(), ids.clone());
    }
    Ok(json!({"InstanceIdSet": ids}))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Yuan per hour for a shape: a plausible, deterministic table.
pub fn hourly_price(cpu: i64, memory: i64) -> f64 {
    round2(0.11 * cpu as f64 + 0.05 * memory as f64)
}

fn inquiry_price(world: &World, ctx: &Ctx, params: &Value) -> SimResult {
    let plan = plan_launch(world, ctx, params, false)?;
    let hourly = hourly_price(plan.cpu, plan.memory) * plan.count as f64;
    let instance_price = if plan.charge_type == "PREPAID" {
        let months = params
            .get("InstanceChargePrepaid")
            .and_then(|p| int_param(p, "Period"))
            .unwrap_or(1)
            .max(1);
        let original = round2(hourly * 24.0 * 30.0 * months as f64);
        cvm::ItemPrice {
            original_price: Some(original),
            discount_price: Some(round2(original * 0.8)),
            discount: Some(80.0),
            ..Default::default()
        }
    } else {
        cvm::ItemPrice {
            unit_price: Some(round2(hourly)),
            charge_unit: Some("HOUR".into()),
            unit_price_discount: Some(round2(hourly)),
            discount: Some(100.0),
            ..Default::default()
        }
    };
    let bandwidth = plan.internet.internet_max_bandwidth_out.unwrap_or(0);
    let bandwidth_price = match plan.internet.internet_charge_type.as_deref() {
        Some("BANDWIDTH_POSTPAID_BY_HOUR") => cvm::ItemPrice {
            unit_price: Some(round2(0.063 * bandwidth as f64 * plan.count as f64)),
            charge_unit: Some("HOUR".into()),
            unit_price_discount: Some(round2(0.063 * bandwidth as f64 * plan.count as f64)),
            discount: Some(100.0),
            ..Default::default()
        },
        _ => cvm::ItemPrice {
            unit_price: Some(0.8),
            charge_unit: Some("GB".into()),
            unit_price_discount: Some(0.8),
            discount: Some(100.0),
            ..Default::default()
        },
    };
    let price = cvm::Price {
        instance_price: Some(instance_price),
        bandwidth_price: Some(bandwidth_price),
    };
    Ok(json!({"Price": to_value(&price)}))
}

fn terminate_instances(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let ids = string_list(params, "InstanceIds");
    if ids.is_empty() || ids.len() > 100 {
        return Err(err(
            "InvalidParameterValueLimit",
            "`InstanceIds` takes 1 to 100 ids.",
        ));
    }
    for id in &ids {
        let inst = region_instance(world, ctx, id)?;
        if inst.instance.disable_api_termination == Some(true) {
            return Err(err(
                "UnsupportedOperation.InstancesProtected",
                format!("The instance `{id}` has termination protection on."),
            ));
        }
    }
    for id in &ids {
        if let Some(inst) = world.cvm.instance_mut(id) {
            inst.terminated_at = Some(ctx.now);
            inst.instance.instance_state = Some("TERMINATING".into());
            inst.instance.latest_operation = Some("TerminateInstances".into());
            inst.instance.latest_operation_state = Some("OPERATING".into());
            inst.instance.latest_operation_request_id = Some(ctx.request_id.clone());
        }
    }
    Ok(json!({}))
}

fn describe_account_quota(world: &World, ctx: &Ctx, params: &Value) -> SimResult {
    let fs = filters(params);
    check_filter_names(&fs, &["zone", "quota-type"], "InvalidFilter")?;
    let wanted = |name: &str, v: &str| {
        fs.iter()
            .filter(|(n, _)| n == name)
            .all(|(_, vals)| vals.iter().any(|x| x == v))
    };
    let zones: Vec<&str> = world
        .region(&ctx.region)
        .map(|r| {
            r.zones
                .iter()
                .map(|z| z.zone.as_str())
                .filter(|z| wanted("zone", z))
                .collect()
        })
        .unwrap_or_default();
    let total = world.cvm.instance_quota_per_zone;
    let mut quota = cvm::AccountQuota {
        // the sandbox has no spot instances nor placement groups
        spot_paid_quota_set: Some(Vec::new()),
        disaster_recover_group_quota_set: Some(Vec::new()),
        ..Default::default()
    };
    if wanted("quota-type", "PostPaidQuotaSet") {
        quota.post_paid_quota_set = Some(
            zones
                .iter()
                .map(|z| {
                    let used = instances_in_zone(world, z);
                    cvm::PostPaidQuota {
                        used_quota: Some(used as u64),
                        remaining_quota: Some((total - used).max(0) as u64),
                        total_quota: Some(total as u64),
                        zone: Some(z.to_string()),
                    }
                })
                .collect(),
        );
    }
    if wanted("quota-type", "PrePaidQuotaSet") {
        quota.pre_paid_quota_set = Some(
            zones
                .iter()
                .map(|z| cvm::PrePaidQuota {
                    used_quota: Some(0),
                    once_quota: Some(100),
                    remaining_quota: Some(total as u64),
                    total_quota: Some(total as u64),
                    zone: Some(z.to_string()),
                })
                .collect(),
        );
    }
    if wanted("quota-type", "ImageQuotaSet") {
        quota.image_quota_set = Some(vec![cvm::ImageQuota {
            used_quota: Some(private_image_count(world, &ctx.region) as u64),
            total_quota: Some(world.cvm.image_quota.max(0) as u64),
        }]);
    }
    let overview = cvm::AccountQuotaOverview {
        region: Some(ctx.region.clone()),
        account_quota: Some(quota),
    };
    Ok(json!({"AppId": world.account.app_id, "AccountQuotaOverview": to_value(&overview)}))
}

/// Advances instances and images to `now`.
pub fn tick(world: &mut World, now: f64) {
    let d = world.durations.clone();
    let took = world.duration_fn();
    let mut gone = false;
    for inst in &mut world.cvm.instances {
        if let (Some(t), "PENDING") = (inst.launched_at, inst.state()) {
            if now >= t + took(d.launch, inst.id()) {
                let failed = inst.launch_fails;
                inst.instance.instance_state =
                    Some(if failed { "LAUNCH_FAILED" } else { "RUNNING" }.into());
                inst.instance.latest_operation_state =
                    Some(if failed { "FAILED" } else { "SUCCESS" }.into());
                if failed {
                    inst.instance.latest_operation_error_msg =
                        Some("LaunchFailed: simulated fault".into());
                }
            }
        }
        if let Some(t) = inst.terminated_at {
            gone |= now >= t + took(d.terminate, inst.id());
        }
    }
    if gone {
        let (keep, dropped): (Vec<_>, Vec<_>) = std::mem::take(&mut world.cvm.instances)
            .into_iter()
            .partition(|i| {
                i.terminated_at
                    .is_none_or(|t| now < t + took(d.terminate, i.id()))
            });
        world.cvm.instances = keep;
        // As the real CLB does: a terminated instance leaves every listener.
        let gone_ids: Vec<String> = dropped.iter().map(|i| i.id().to_string()).collect();
        super::clb::unbind_instances(world, &gone_ids);
        for inst in dropped {
            if let Some(s) = world
                .vpc
                .subnets
                .iter_mut()
                .find(|s| s.id() == inst.subnet_id())
            {
                for ip in inst.instance.private_ip_addresses.iter().flatten() {
                    s.allocated.remove(ip);
                }
            }
        }
    }
    let mut finished: Vec<(String, bool)> = Vec::new();
    for img in &mut world.cvm.images {
        if let (Some(t), "CREATING") = (img.created_at, img.state()) {
            let image_took = took(d.image, img.id());
            if now >= t + image_took {
                img.image.image_state =
                    Some(if img.fails { "CREATEFAILED" } else { "NORMAL" }.into());
                img.image.sync_percent = Some(100);
                finished.push((img.source_instance_id.clone(), img.fails));
            } else {
                img.image.sync_percent =
                    Some((((now - t) / image_took.max(1e-9)) * 100.0).clamp(0.0, 99.0) as i64);
            }
        }
    }
    for (source, failed) in finished {
        if let Some(inst) = world.cvm.instance_mut(&source) {
            if inst.instance.latest_operation.as_deref() == Some("CreateImage") {
                inst.instance.latest_operation_state =
                    Some(if failed { "FAILED" } else { "SUCCESS" }.into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_shapes() {
        assert!(well_formed("ins-bizn0de1", "ins"));
        assert!(!well_formed("ins-BIZ", "ins"));
        assert!(!well_formed("img-bizn0de1", "ins"));
        assert_eq!(instance_type_shape("S5.MEDIUM4"), Some((2, 4)));
        assert_eq!(instance_type_shape("S5.SMALL2"), Some((1, 2)));
        assert_eq!(instance_type_shape("S5.LARGE8"), Some((4, 8)));
        assert_eq!(instance_type_shape("SA2.2XLARGE16"), Some((8, 16)));
        assert_eq!(instance_type_shape("S5.XLARGE16"), Some((4, 16)));
        assert_eq!(instance_type_shape("bogus"), None);
    }

    #[test]
    fn names_follow_the_documented_patterns() {
        assert_eq!(instance_names("web", 1), vec!["web"]);
        assert_eq!(instance_names("web-", 2), vec!["web-1", "web-2"]);
        assert_eq!(instance_names("auth_{R:3}", 2), vec!["auth_3", "auth_4"]);
    }
}
