//! Simulated `as` service (Auto Scaling): launch configurations, scaling
//! groups attached to CLB listeners, scheduled actions and alarm policies.
//!
//! This file holds the state and the API calls; what happens over time —
//! activities launching instances and binding them to the CLB, scheduled
//! actions firing, alarms watching the simulated CPU — is in
//! [`crate::sim::as_engine`].
//!
//! Time: Auto Scaling speaks wall-clock times (`StartTime` in Beijing time,
//! cron `Recurrence`). The simulator keeps a *simulated wall clock*: the
//! real time when the simulator started plus the simulated seconds since,
//! so at `--speed 1000` a day of schedule passes in under 90 real seconds.
//! Every AS time field (`CreatedTime`, activity times) is on that clock,
//! so a client can read it back and schedule relative to it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cloud::models::autoscaling as asm;
use crate::sim::as_engine;
use crate::sim::as_schedule::{parse_beijing_time, SimCron};
use crate::sim::svc_util::{iso_beijing, iso_utc, page, parse, reply, window};
use crate::sim::world::{Ctx, SimError, SimResult, World};

/// The Auto Scaling part of the world.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AsState {
    /// Unix time that sim time 0 stands for (set on first use).
    pub clock_epoch: Option<f64>,
    pub launch_configurations: Vec<SimLaunchConfiguration>,
    pub groups: Vec<SimScalingGroup>,
    pub scheduled_actions: Vec<SimScheduledAction>,
    pub policies: Vec<SimScalingPolicy>,
    pub activities: Vec<SimActivity>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimLaunchConfiguration {
    pub region: String,
    /// What DescribeLaunchConfigurations shows (minus the group list).
    pub config: asm::LaunchConfiguration,
    /// Whether a password was given (it is not kept: `/_sim/state` is public).
    pub has_password: bool,
    pub keep_image_login: bool,
}

impl SimLaunchConfiguration {
    pub fn id(&self) -> &str {
        self.config.launch_configuration_id.as_deref().unwrap_or("")
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimScalingGroup {
    pub region: String,
    /// The configured fields (counts and statuses are filled in when described).
    pub group: asm::AutoScalingGroup,
    pub instances: Vec<GroupInstance>,
    /// Simulated average CPU (%), set by `POST /_sim/metric`; `None` = no data.
    pub cpu: Option<f64>,
    /// Sim time `cpu` was set (the metric holds that value since then).
    pub cpu_since: f64,
    /// Sim time before which the group does not start a new activity on its own.
    pub cooldown_until: f64,
    /// Sequence for the names of launched instances.
    pub launched: u64,
}

impl SimScalingGroup {
    pub fn id(&self) -> &str {
        self.group.auto_scaling_group_id.as_deref().unwrap_or("")
    }
    pub fn desired(&self) -> i64 {
        self.group.desired_capacity.unwrap_or(0)
    }
    /// Instances that count towards the capacity (not failed, not leaving).
    pub fn live_count(&self) -> i64 {
        self.instances
            .iter()
            .filter(|i| {
                matches!(
                    i.lifecycle.as_str(),
                    "CREATING" | "ATTACHING" | "IN_SERVICE"
                )
            })
            .count() as i64
    }
}

/// One instance of a group and where it is in its life cycle.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupInstance {
    pub instance_id: String,
    /// CREATING, ATTACHING, IN_SERVICE, CREATION_FAILED, ATTACH_FAILED,
    /// DETACHING, TERMINATING.
    pub lifecycle: String,
    pub creation_type: String,
    pub add_unix: f64,
    pub launch_configuration_id: String,
    pub activity_id: String,
    pub zone: String,
    pub instance_type: String,
    /// CLBs still to bind to (ATTACHING) or unbind from (DETACHING).
    pub pending_lbs: Vec<String>,
    /// The CLB task binding/unbinding it now: (load balancer, task id).
    pub lb_task: Option<(String, String)>,
    pub lb_attempts: u32,
    pub in_service_at: Option<f64>,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimScheduledAction {
    pub region: String,
    pub action: asm::ScheduledAction,
    /// Unix time (simulated wall clock) of the next firing; `None` = done.
    pub next_fire: Option<f64>,
    pub fired: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimScalingPolicy {
    pub region: String,
    pub policy: asm::ScalingPolicy,
    /// Sim time the alarm condition started holding (scale-out side).
    pub breach_since: Option<f64>,
    /// Sim time the scale-in condition started holding (target tracking).
    pub low_since: Option<f64>,
    /// Sim time before which the policy does not fire again.
    pub cooldown_until: f64,
    pub fired: u64,
}

impl SimScalingPolicy {
    pub fn id(&self) -> &str {
        self.policy.auto_scaling_policy_id.as_deref().unwrap_or("")
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimActivity {
    pub region: String,
    pub activity_id: String,
    pub group_id: String,
    /// SCALE_OUT or SCALE_IN.
    pub activity_type: String,
    /// INIT, RUNNING, SUCCESSFUL, PARTIALLY_SUCCESSFUL, FAILED.
    pub status: String,
    pub status_message: String,
    pub cause: String,
    pub description: String,
    /// How many instances to add or remove.
    pub count: i64,
    pub instance_ids: Vec<String>,
    pub created_at: f64,
    pub started_at: Option<f64>,
    pub ended_at: Option<f64>,
    pub details: Vec<asm::DetailedStatusMessage>,
}

impl SimActivity {
    pub fn is_running(&self) -> bool {
        matches!(self.status.as_str(), "INIT" | "RUNNING")
    }
}

impl AsState {
    pub fn group(&self, region: &str, id: &str) -> Option<&SimScalingGroup> {
        self.groups
            .iter()
            .find(|g| g.id() == id && g.region == region)
    }
    pub fn group_mut_any(&mut self, id: &str) -> Option<&mut SimScalingGroup> {
        self.groups.iter_mut().find(|g| g.id() == id)
    }
    pub fn in_activity(&self, group_id: &str) -> bool {
        self.activities
            .iter()
            .any(|a| a.group_id == group_id && a.is_running())
    }
    /// The simulated wall clock (Unix seconds) at sim time `now`.
    pub fn wall(&self, now: f64) -> f64 {
        self.clock_epoch.unwrap_or(0.0) + now
    }
}

/// Fixes the simulated wall clock's origin on first use.
pub fn ensure_clock(world: &mut World, unix_now: f64, now: f64) {
    if world.autoscaling.clock_epoch.is_none() {
        world.autoscaling.clock_epoch = Some(unix_now - now);
    }
}

pub fn handle(world: &mut World, ctx: &Ctx, action: &str, params: &Value) -> SimResult {
    ensure_clock(world, ctx.unix_time as f64, ctx.now);
    match action {
        "CreateLaunchConfiguration" => create_launch_configuration(world, ctx, params),
        "DescribeLaunchConfigurations" => describe_launch_configurations(world, ctx, params),
        "DeleteLaunchConfiguration" => delete_launch_configuration(world, ctx, params),
        "CreateAutoScalingGroup" => create_group(world, ctx, params),
        "DescribeAutoScalingGroups" => describe_groups(world, ctx, params),
        "DeleteAutoScalingGroup" => delete_group(world, ctx, params),
        "CreateScheduledAction" => create_scheduled_action(world, ctx, params),
        "DescribeScheduledActions" => describe_scheduled_actions(world, ctx, params),
        "CreateScalingPolicy" => create_scaling_policy(world, ctx, params),
        "DescribeScalingPolicies" => describe_scaling_policies(world, ctx, params),
        "ExecuteScalingPolicy" => as_engine::execute_scaling_policy(world, ctx, params),
        "DescribeAutoScalingActivities" => describe_activities(world, ctx, params),
        "DescribeAutoScalingInstances" => describe_instances(world, ctx, params),
        // Simulator-only control, signed like an API call (`POST /_sim/metric`).
        "_sim/metric" => {
            let group_id = params
                .get("AutoScalingGroupId")
                .and_then(Value::as_str)
                .ok_or_else(|| err("MissingParameter", "AutoScalingGroupId is required."))?;
            let cpu = params
                .get("CpuUtilization")
                .and_then(Value::as_f64)
                .ok_or_else(|| {
                    err(
                        "MissingParameter",
                        "CpuUtilization (a number, %) is required.",
                    )
                })?;
            as_engine::set_metric(world, &ctx.region, group_id, cpu, ctx.now)
        }
        _ => Err(SimError::new(
            "InvalidAction",
            format!("The action `{action}` is not supported by the simulated as."),
        )),
    }
}

/// Advances activities, fires due scheduled actions and alarm policies.
pub fn tick(world: &mut World, now: f64) {
    as_engine::tick(world, now);
}

fn err(code: &str, msg: impl Into<String>) -> SimError {
    SimError::new(code, msg)
}

/// Names: Chinese, letters, digits, `_`, `-`, `.`; at most `max` bytes.
fn check_name(name: &str, field: &str, max: usize) -> Result<(), SimError> {
    if name.is_empty() || name.len() > max {
        return Err(err(
            "InvalidParameterValue.TooLong",
            format!("{field} must be 1 to {max} bytes long."),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(err(
            "InvalidParameterValue",
            format!(
                "{field} `{name}` may only contain Chinese, letters, digits, `_`, `-` and `.`."
            ),
        ));
    }
    Ok(())
}

fn check_project(world: &World, project_id: u64) -> Result<(), SimError> {
    if project_id != 0 && !world.tag.projects.is_empty() && world.tag.project(project_id).is_none()
    {
        return Err(err(
            "InvalidParameterValue.ProjectIdNotFound",
            format!("The project {project_id} does not exist."),
        ));
    }
    Ok(())
}

/// `Filters` of an AS Describe call: names checked, at most 5 values each.
struct Filters(Vec<(String, Vec<String>)>);

impl Filters {
    fn from(filters: &Option<Vec<asm::Filter>>, known: &[&str]) -> Result<Filters, SimError> {
        let mut out = Vec::new();
        let list = filters.clone().unwrap_or_default();
        if list.len() > 10 {
            return Err(err(
                "LimitExceeded.FilterValuesTooLong",
                "At most 10 Filters may be given.",
            ));
        }
        for f in list {
            let name = f.name.unwrap_or_default();
            let values = f.values.unwrap_or_default();
            let ok = known.iter().any(|k| match k.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => *k == name,
            });
            if !ok {
                return Err(err(
                    "InvalidParameterValue.Filter",
                    format!(
                        "The filter `{name}` is not supported (supported: {}).",
                        known.join(", ")
                    ),
                ));
            }
            if values.len() > 5 {
                return Err(err(
                    "LimitExceeded.FilterValuesTooLong",
                    format!("The filter `{name}` has more than 5 values."),
                ));
            }
            out.push((name, values));
        }
        Ok(Filters(out))
    }
    fn accepts(&self, name: &str, value: &str) -> bool {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .all(|(_, vs)| vs.iter().any(|v| v == value))
    }
    fn accepts_fuzzy(&self, name: &str, value: &str) -> bool {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .all(|(_, vs)| vs.iter().any(|v| value.contains(v.as_str())))
    }
    fn accepts_tags(&self, tags: &[asm::Tag]) -> bool {
        self.0.iter().all(|(n, vs)| match n.as_str() {
            "tag-key" => tags
                .iter()
                .any(|t| t.key.as_ref().is_some_and(|k| vs.contains(k))),
            "tag-value" => tags
                .iter()
                .any(|t| t.value.as_ref().is_some_and(|v| vs.contains(v))),
            other => match other.strip_prefix("tag:") {
                Some(key) => tags.iter().any(|t| {
                    t.key.as_deref() == Some(key)
                        && t.value.as_ref().is_some_and(|v| vs.contains(v))
                }),
                None => true,
            },
        })
    }
}

fn ids_xor_filters(
    ids: &Option<Vec<String>>,
    filters: &Option<Vec<asm::Filter>>,
    ids_name: &str,
) -> Result<Vec<String>, SimError> {
    let ids = ids.clone().unwrap_or_default();
    if !ids.is_empty() && filters.as_ref().is_some_and(|f| !f.is_empty()) {
        return Err(err(
            "InvalidParameterConflict",
            format!("{ids_name} and Filters cannot be given together."),
        ));
    }
    if ids.len() > 100 {
        return Err(err(
            "InvalidParameterValue.LimitExceeded",
            format!("At most 100 {ids_name} may be given."),
        ));
    }
    Ok(ids)
}

fn as_window(offset: Option<u64>, limit: Option<u64>) -> Result<(usize, usize), SimError> {
    window(offset.map(|o| o as i64), limit.map(|l| l.min(1000) as i64))
}

// ---------------------------------------------------------------- launch configurations

fn create_launch_configuration(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::CreateLaunchConfigurationRequest = parse(params)?;
    let name = req.launch_configuration_name.clone().unwrap_or_default();
    check_name(&name, "LaunchConfigurationName", 60)?;
    if world.autoscaling.launch_configurations.iter().any(|l| {
        l.region == ctx.region
            && l.config.launch_configuration_name.as_deref() == Some(name.as_str())
    }) {
        return Err(err(
            "InvalidParameterValue.LaunchConfigurationNameDuplicated",
            format!("A launch configuration named `{name}` already exists."),
        ));
    }
    match (&req.image_id, &req.image_family) {
        (Some(_), Some(_)) => {
            return Err(err(
                "InvalidParameter.Conflict",
                "Give ImageId or ImageFamily, not both.",
            ))
        }
        (None, None) => {
            return Err(err(
                "InvalidParameter.MustOneParameter",
                "One of ImageId and ImageFamily is required.",
            ))
        }
        _ => {}
    }
    if let Some(image_id) = &req.image_id {
        if !crate::sim::cvm::well_formed(image_id, "img") {
            return Err(err(
                "InvalidParameterValue.InvalidImageId",
                format!("The image id `{image_id}` is malformed."),
            ));
        }
        let ok = world
            .cvm
            .image(image_id)
            .is_some_and(|i| i.region == ctx.region || i.region.is_empty());
        if !ok {
            return Err(err(
                "InvalidParameterValue.ImageNotFound",
                format!("The image `{image_id}` does not exist in {}.", ctx.region),
            ));
        }
    }
    let types = match (&req.instance_type, &req.instance_types) {
        (Some(_), Some(_)) => {
            return Err(err(
                "InvalidParameter.Conflict",
                "Give InstanceType or InstanceTypes, not both.",
            ))
        }
        (Some(t), None) => vec![t.clone()],
        (None, Some(ts)) if !ts.is_empty() && ts.len() <= 10 => ts.clone(),
        (None, Some(_)) => {
            return Err(err(
                "InvalidParameterValue.Range",
                "InstanceTypes must hold 1 to 10 types.",
            ))
        }
        (None, None) => {
            return Err(err(
                "InvalidParameter.MustOneParameter",
                "One of InstanceType and InstanceTypes is required.",
            ))
        }
    };
    if let Some(t) = types
        .iter()
        .find(|t| crate::sim::cvm::instance_type_shape(t).is_none())
    {
        return Err(err(
            "InvalidParameterValue.InvalidInstanceType",
            format!("The instance type `{t}` is not valid."),
        ));
    }
    let project_id = req.project_id.unwrap_or(0);
    check_project(world, project_id)?;
    let sgs = req.security_group_ids.clone().unwrap_or_default();
    for sg in &sgs {
        if world
            .vpc
            .security_group(sg)
            .filter(|g| g.region == ctx.region)
            .is_none()
        {
            return Err(err(
                "InvalidParameterValue.InvalidSecurityGroupId",
                format!(
                    "The security group `{sg}` does not exist in {}.",
                    ctx.region
                ),
            ));
        }
    }
    let charge = req
        .instance_charge_type
        .clone()
        .unwrap_or_else(|| "POSTPAID_BY_HOUR".into());
    if !matches!(
        charge.as_str(),
        "POSTPAID_BY_HOUR" | "SPOTPAID" | "PREPAID" | "CDCPAID"
    ) {
        return Err(err(
            "InvalidParameterValue",
            format!("InstanceChargeType `{charge}` is not one of POSTPAID_BY_HOUR, SPOTPAID, PREPAID, CDCPAID."),
        ));
    }
    let login = req.login_settings.clone().unwrap_or_default();
    let given = [
        login.password.is_some(),
        login.key_ids.as_ref().is_some_and(|k| !k.is_empty()),
        login.keep_image_login == Some(true),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(err(
            "InvalidParameter.Conflict",
            "LoginSettings: give only one of Password, KeyIds and KeepImageLogin.",
        ));
    }
    if let Some(ud) = &req.user_data {
        if ud.len() > 16 * 1024 {
            return Err(err(
                "InvalidParameterValue.UserDataSizeExceeded",
                "UserData must be at most 16 KB.",
            ));
        }
    }
    let id = world.new_id("asc");
    let now = iso_utc(world.autoscaling.wall(ctx.now));
    let config = asm::LaunchConfiguration {
        project_id: Some(project_id as i64),
        launch_configuration_id: Some(id.clone()),
        launch_configuration_name: Some(name),
        instance_type: Some(types[0].clone()),
        system_disk: Some(req.system_disk.clone().unwrap_or(asm::SystemDisk {
            disk_type: Some("CLOUD_PREMIUM".into()),
            disk_size: Some(50),
            ..Default::default()
        })),
        data_disks: Some(req.data_disks.clone().unwrap_or_default()),
        login_settings: Some(asm::LimitedLoginSettings {
            key_ids: Some(login.key_ids.clone().unwrap_or_default()),
        }),
        internet_accessible: Some(req.internet_accessible.clone().unwrap_or(
            asm::InternetAccessible {
                internet_charge_type: Some("TRAFFIC_POSTPAID_BY_HOUR".into()),
                internet_max_bandwidth_out: Some(0),
                public_ip_assigned: Some(false),
                ..Default::default()
            },
        )),
        security_group_ids: Some(sgs),
        user_data: req.user_data.clone(),
        created_time: Some(now.clone()),
        enhanced_service: Some(
            req.enhanced_service
                .clone()
                .unwrap_or(asm::EnhancedService {
                    security_service: Some(asm::RunSecurityServiceEnabled {
                        enabled: Some(true),
                    }),
                    monitor_service: Some(asm::RunMonitorServiceEnabled {
                        enabled: Some(true),
                    }),
                    automation_tools_service: Some(asm::RunAutomationServiceEnabled {
                        enabled: Some(true),
                    }),
                }),
        ),
        image_id: req.image_id.clone(),
        launch_configuration_status: Some("NORMAL".into()),
        instance_charge_type: Some(charge),
        instance_market_options: req.instance_market_options.clone(),
        instance_types: Some(types),
        instance_tags: Some(req.instance_tags.clone().unwrap_or_default()),
        tags: Some(req.tags.clone().unwrap_or_default()),
        version_number: Some(1),
        updated_time: Some(now),
        cam_role_name: req.cam_role_name.clone(),
        last_operation_instance_types_check_policy: Some(
            req.instance_types_check_policy
                .clone()
                .unwrap_or_else(|| "ANY".into()),
        ),
        host_name_settings: req.host_name_settings.clone(),
        instance_name_settings: req.instance_name_settings.clone(),
        instance_charge_prepaid: req.instance_charge_prepaid.clone(),
        disk_type_policy: Some(
            req.disk_type_policy
                .clone()
                .unwrap_or_else(|| "ORIGINAL".into()),
        ),
        hpc_cluster_id: req.hpc_cluster_id.clone(),
        ipv6_internet_accessible: req.ipv6_internet_accessible.clone(),
        disaster_recover_group_ids: Some(
            req.disaster_recover_group_ids.clone().unwrap_or_default(),
        ),
        image_family: req.image_family.clone(),
        dedicated_cluster_id: req.dedicated_cluster_id.clone(),
        network_interfaces: req.network_interfaces.clone(),
        ..Default::default()
    };
    world
        .autoscaling
        .launch_configurations
        .push(SimLaunchConfiguration {
            region: ctx.region.clone(),
            config,
            has_password: login.password.is_some(),
            keep_image_login: login.keep_image_login == Some(true),
        });
    Ok(reply(&asm::CreateLaunchConfigurationResponse {
        launch_configuration_id: Some(id),
        request_id: None,
    }))
}

fn describe_launch_configurations(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::DescribeLaunchConfigurationsRequest = parse(params)?;
    let ids = ids_xor_filters(
        &req.launch_configuration_ids,
        &req.filters,
        "LaunchConfigurationIds",
    )?;
    let filters = Filters::from(
        &req.filters,
        &[
            "launch-configuration-id",
            "launch-configuration-name",
            "vague-launch-configuration-name",
            "tag-key",
            "tag-value",
            "tag:*",
        ],
    )?;
    let win = as_window(req.offset, req.limit)?;
    let st = &world.autoscaling;
    let mut matched: Vec<asm::LaunchConfiguration> = st
        .launch_configurations
        .iter()
        .filter(|l| l.region == ctx.region)
        .filter(|l| ids.is_empty() || ids.iter().any(|i| i == l.id()))
        .filter(|l| filters.accepts("launch-configuration-id", l.id()))
        .filter(|l| {
            let name = l.config.launch_configuration_name.as_deref().unwrap_or("");
            filters.accepts("launch-configuration-name", name)
                && filters.accepts_fuzzy("vague-launch-configuration-name", name)
        })
        .filter(|l| filters.accepts_tags(l.config.tags.as_deref().unwrap_or(&[])))
        .map(|l| {
            let mut c = l.config.clone();
            complete_launch_configuration(&mut c);
            c.auto_scaling_group_abstract_set = Some(
                st.groups
                    .iter()
                    .filter(|g| g.group.launch_configuration_id.as_deref() == Some(l.id()))
                    .map(|g| asm::AutoScalingGroupAbstract {
                        auto_scaling_group_id: Some(g.id().to_string()),
                        auto_scaling_group_name: g.group.auto_scaling_group_name.clone(),
                    })
                    .collect(),
            );
            c
        })
        .collect();
    matched.reverse();
    let total = matched.len() as u64;
    Ok(reply(&asm::DescribeLaunchConfigurationsResponse {
        total_count: Some(total),
        launch_configuration_set: Some(page(&matched, win)),
        request_id: None,
    }))
}

fn delete_launch_configuration(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::DeleteLaunchConfigurationRequest = parse(params)?;
    let id = req.launch_configuration_id.unwrap_or_default();
    if !crate::sim::cvm::well_formed(&id, "asc") {
        return Err(err(
            "InvalidParameterValue.InvalidLaunchConfigurationId",
            format!("The launch configuration id `{id}` is malformed."),
        ));
    }
    let st = &mut world.autoscaling;
    if !st
        .launch_configurations
        .iter()
        .any(|l| l.id() == id && l.region == ctx.region)
    {
        return Err(err(
            "ResourceNotFound.LaunchConfigurationIdNotFound",
            format!("The launch configuration `{id}` does not exist."),
        ));
    }
    if st
        .groups
        .iter()
        .any(|g| g.group.launch_configuration_id.as_deref() == Some(id.as_str()))
    {
        return Err(err(
            "ResourceInUse.LaunchConfigurationIdInUse",
            format!("The launch configuration {id} is used by a scaling group."),
        ));
    }
    st.launch_configurations.retain(|l| l.id() != id);
    Ok(serde_json::json!({}))
}

// ---------------------------------------------------------------- groups

fn create_group(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::CreateAutoScalingGroupRequest = parse(params)?;
    let name = req.auto_scaling_group_name.clone().unwrap_or_default();
    check_name(&name, "AutoScalingGroupName", 55)?;
    if world
        .autoscaling
        .groups
        .iter()
        .any(|g| g.group.auto_scaling_group_name.as_deref() == Some(name.as_str()))
    {
        return Err(err(
            "InvalidParameterValue.GroupNameDuplicated",
            format!("A scaling group named `{name}` already exists."),
        ));
    }
    let lc_id = req.launch_configuration_id.clone().unwrap_or_default();
    let lc = world
        .autoscaling
        .launch_configurations
        .iter()
        .find(|l| l.id() == lc_id && l.region == ctx.region)
        .ok_or_else(|| {
            err(
                "ResourceNotFound.LaunchConfigurationIdNotFound",
                format!("The launch configuration `{lc_id}` does not exist."),
            )
        })?
        .clone();
    let (min, max) = (req.min_size.unwrap_or(0), req.max_size.unwrap_or(0));
    let desired = req.desired_capacity.unwrap_or(min);
    check_sizes(min, desired, max)?;
    let cooldown = req.default_cooldown.unwrap_or(300);
    if cooldown > 3600 {
        return Err(err(
            "InvalidParameterValue.Range",
            "DefaultCooldown must be between 0 and 3600.",
        ));
    }
    let project_id = req.project_id.unwrap_or(0);
    check_project(world, project_id)?;

    let vpc_id = req.vpc_id.clone().unwrap_or_default();
    if world
        .vpc
        .vpc(&vpc_id)
        .filter(|v| v.region == ctx.region)
        .is_none()
    {
        return Err(err(
            "InvalidParameterValue",
            format!("The VPC `{vpc_id}` does not exist in {}.", ctx.region),
        ));
    }
    let subnets = req.subnet_ids.clone().unwrap_or_default();
    if subnets.is_empty() {
        return Err(err(
            "MissingParameter.InScenario",
            "SubnetIds is required for a scaling group in a VPC.",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut zones = Vec::new();
    for s in &subnets {
        if !seen.insert(s) {
            return Err(err(
                "InvalidParameterValue.DuplicatedSubnet",
                format!("The subnet {s} is given twice."),
            ));
        }
        let subnet = world
            .vpc
            .subnet(s)
            .filter(|x| x.region == ctx.region)
            .ok_or_else(|| {
                err(
                    "InvalidParameterValue.InvalidSubnetId",
                    format!("The subnet `{s}` does not exist."),
                )
            })?;
        if subnet.vpc_id() != vpc_id {
            return Err(err(
                "InvalidParameterValue.SubnetIds",
                format!("The subnet {s} is not in the VPC {vpc_id}."),
            ));
        }
        if !zones.contains(&subnet.zone().to_string()) {
            zones.push(subnet.zone().to_string());
        }
    }
    if req
        .load_balancer_ids
        .as_ref()
        .is_some_and(|l| !l.is_empty())
    {
        if req
            .forward_load_balancers
            .as_ref()
            .is_some_and(|l| !l.is_empty())
        {
            return Err(err(
                "InvalidParameter.Conflict",
                "LoadBalancerIds and ForwardLoadBalancers cannot be given together.",
            ));
        }
        return Err(err(
            "InvalidParameterValue.ClassicLb",
            "LoadBalancerIds takes classic load balancers; these are application load balancers (use ForwardLoadBalancers).",
        ));
    }
    let forward = check_forward_lbs(
        world,
        ctx,
        req.forward_load_balancers.clone().unwrap_or_default(),
        &vpc_id,
        project_id,
    )?;
    let health_type = req
        .health_check_type
        .clone()
        .unwrap_or_else(|| "CLB".into());
    if !matches!(health_type.as_str(), "CVM" | "CLB") {
        return Err(err(
            "InvalidParameterValue",
            format!("HealthCheckType `{health_type}` is not one of CVM, CLB."),
        ));
    }
    let grace = req.load_balancer_health_check_grace_period.unwrap_or(0);
    if grace > 7200 {
        return Err(err(
            "InvalidParameterValue.Range",
            "LoadBalancerHealthCheckGracePeriod must be between 0 and 7200.",
        ));
    }
    let termination = req
        .termination_policies
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| vec!["OLDEST_INSTANCE".into()]);
    if termination.len() > 1
        || !matches!(
            termination[0].as_str(),
            "OLDEST_INSTANCE" | "NEWEST_INSTANCE"
        )
    {
        return Err(err(
            "InvalidParameterValue",
            "TerminationPolicies takes one of OLDEST_INSTANCE, NEWEST_INSTANCE.",
        ));
    }
    let retry = req
        .retry_policy
        .clone()
        .unwrap_or_else(|| "IMMEDIATE_RETRY".into());
    if !matches!(
        retry.as_str(),
        "IMMEDIATE_RETRY" | "INCREMENTAL_INTERVALS" | "NO_RETRY"
    ) {
        return Err(err(
            "InvalidParameterValue",
            format!("RetryPolicy `{retry}` is not valid."),
        ));
    }
    let id = world.new_id("asg");
    let group = asm::AutoScalingGroup {
        auto_scaling_group_id: Some(id.clone()),
        auto_scaling_group_name: Some(name),
        auto_scaling_group_status: Some("NORMAL".into()),
        created_time: Some(iso_utc(world.autoscaling.wall(ctx.now))),
        default_cooldown: Some(cooldown as i64),
        desired_capacity: Some(desired as i64),
        enabled_status: Some("ENABLED".into()),
        forward_load_balancer_set: Some(forward),
        launch_configuration_id: Some(lc_id),
        launch_configuration_name: lc.config.launch_configuration_name.clone(),
        load_balancer_id_set: Some(Vec::new()),
        max_size: Some(max as i64),
        min_size: Some(min as i64),
        project_id: Some(project_id as i64),
        subnet_id_set: Some(subnets),
        termination_policy_set: Some(termination),
        vpc_id: Some(vpc_id),
        zone_set: Some(req.zones.clone().unwrap_or_default()),
        retry_policy: Some(retry),
        tags: Some(req.tags.clone().unwrap_or_default()),
        service_settings: Some(
            req.service_settings
                .clone()
                .unwrap_or(asm::ServiceSettings {
                    replace_monitor_unhealthy: Some(false),
                    scaling_mode: Some("CLASSIC_SCALING".into()),
                    replace_load_balancer_unhealthy: Some(false),
                    replace_mode: Some("RECREATE".into()),
                    ..Default::default()
                }),
        ),
        ipv6_address_count: Some(req.ipv6_address_count.unwrap_or(0)),
        multi_zone_subnet_policy: Some(
            req.multi_zone_subnet_policy
                .clone()
                .unwrap_or_else(|| "PRIORITY".into()),
        ),
        health_check_type: Some(health_type),
        load_balancer_health_check_grace_period: Some(grace),
        instance_allocation_policy: Some(
            req.instance_allocation_policy
                .clone()
                .unwrap_or_else(|| "LAUNCH_CONFIGURATION".into()),
        ),
        capacity_rebalance: Some(req.capacity_rebalance.unwrap_or(false)),
        instance_name_index_settings: req.instance_name_index_settings.clone(),
        host_name_index_settings: req.host_name_index_settings.clone(),
        concurrent_scale_out_for_desired_capacity: Some(
            req.concurrent_scale_out_for_desired_capacity
                .unwrap_or(false),
        ),
        ..Default::default()
    };
    let _ = zones;
    world.autoscaling.groups.push(SimScalingGroup {
        region: ctx.region.clone(),
        group,
        ..Default::default()
    });
    if desired > 0 {
        as_engine::start_activity(
            world,
            ctx.now,
            &id,
            "Activity was launched in response to a difference between desired capacity and actual capacity.",
        );
    }
    Ok(reply(&asm::CreateAutoScalingGroupResponse {
        auto_scaling_group_id: Some(id),
        request_id: None,
    }))
}

/// `MinSize ≤ DesiredCapacity ≤ MaxSize`, each within [0, 2000].
pub fn check_sizes(min: u64, desired: u64, max: u64) -> Result<(), SimError> {
    if max > 2000 {
        return Err(err(
            "LimitExceeded.MaxSizeLimitExceeded",
            format!("MaxSize {max} is above 2000."),
        ));
    }
    if !(min <= desired && desired <= max) {
        return Err(err(
            "InvalidParameterValue.Size",
            format!("The sizes must satisfy MinSize ≤ DesiredCapacity ≤ MaxSize (got {min} ≤ {desired} ≤ {max})."),
        ));
    }
    Ok(())
}

/// Checks `ForwardLoadBalancers` against the CLBs: they exist in this
/// region, in the group's VPC and project; the listener (and rule, for
/// layer 7) exists; ports 1-65535, weights 0-100, no duplicates.
fn check_forward_lbs(
    world: &World,
    ctx: &Ctx,
    lbs: Vec<asm::ForwardLoadBalancer>,
    vpc_id: &str,
    project_id: u64,
) -> Result<Vec<asm::ForwardLoadBalancer>, SimError> {
    if lbs.len() > 100 {
        return Err(err(
            "LimitExceeded.AfterAttachLbLimitExceeded",
            "At most 100 ForwardLoadBalancers.",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut ports = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for mut f in lbs {
        let lb_id = f.load_balancer_id.clone().unwrap_or_default();
        let listener_id = f.listener_id.clone().unwrap_or_default();
        let region = f.region.clone().unwrap_or_else(|| ctx.region.clone());
        if region != ctx.region {
            return Err(err(
                "InvalidParameterValue.InvalidClbRegion",
                format!(
                    "The CLB region {region} differs from the scaling group's region {}.",
                    ctx.region
                ),
            ));
        }
        let lb = world
            .clb
            .load_balancer(&ctx.region, &lb_id)
            .ok_or_else(|| {
                err(
                    "ResourceNotFound.LoadBalancerNotFound",
                    format!("The load balancer `{lb_id}` does not exist."),
                )
            })?;
        let listener = lb
            .listeners
            .iter()
            .find(|l| l.id == listener_id)
            .ok_or_else(|| {
                err(
                    "ResourceNotFound.ListenerNotFound",
                    format!("The listener `{listener_id}` does not exist on {lb_id}."),
                )
            })?;
        let location = f.location_id.clone().filter(|l| !l.is_empty());
        if listener.is_layer7() {
            let loc = location.clone().ok_or_else(|| {
                err(
                    "MissingParameter.InScenario",
                    format!(
                        "LocationId is required for the {} listener {listener_id}.",
                        listener.protocol
                    ),
                )
            })?;
            if !listener.rules.iter().any(|r| r.location_id == loc) {
                return Err(err(
                    "ResourceNotFound.LocationNotFound",
                    format!("The rule `{loc}` does not exist on {listener_id}."),
                ));
            }
        }
        if lb.vpc_id != vpc_id {
            return Err(err(
                "ResourceUnavailable.LbVpcInconsistent",
                format!(
                    "The load balancer {lb_id} is in {}, the scaling group in {vpc_id}.",
                    lb.vpc_id
                ),
            ));
        }
        if lb.project_id != project_id {
            return Err(err(
                "ResourceUnavailable.LbProjectInconsistent",
                format!(
                    "The load balancer {lb_id} is in project {}, the scaling group in project {project_id}.",
                    lb.project_id
                ),
            ));
        }
        if !seen.insert((lb_id.clone(), listener_id.clone(), location.clone())) {
            return Err(err(
                "InvalidParameterValue.DuplicatedForwardLb",
                format!("The listener {listener_id} of {lb_id} is given twice."),
            ));
        }
        let attrs = f.target_attributes.clone().unwrap_or_default();
        if attrs.is_empty() {
            return Err(err(
                "MissingParameter",
                "ForwardLoadBalancers.TargetAttributes is required.",
            ));
        }
        for a in &attrs {
            let port = a.port.unwrap_or(0);
            let weight = a.weight.unwrap_or(0);
            if !(1..=65535).contains(&port) || weight > 100 {
                return Err(err(
                    "InvalidParameterValue.Range",
                    format!(
                        "TargetAttributes: port {port} must be 1-65535 and weight {weight} 0-100."
                    ),
                ));
            }
            if !ports.insert((lb_id.clone(), listener_id.clone(), location.clone(), port)) {
                return Err(err(
                    if listener.is_layer7() {
                        "InvalidParameterValue.TargetPortDuplicatedInForwardLb"
                    } else {
                        "InvalidParameterValue.TargetPortDuplicated"
                    },
                    format!("The backend port {port} of {listener_id} is given twice."),
                ));
            }
        }
        f.region = Some(region);
        f.location_id = location;
        out.push(f);
    }
    Ok(out)
}

/// The group as DescribeAutoScalingGroups shows it now.
/// The members a launch configuration's answer always has, as the API
/// gives them when the feature is not used (the definitions' example).
/// Applied to the answer only: the stored request stays as it was asked.
fn complete_launch_configuration(c: &mut asm::LaunchConfiguration) {
    c.cam_role_name.get_or_insert_with(String::new);
    c.dedicated_cluster_id.get_or_insert_with(String::new);
    c.hpc_cluster_id.get_or_insert_with(String::new);
    c.image_family.get_or_insert_with(String::new);
    c.host_name_settings
        .get_or_insert_with(asm::HostNameSettings::default);
    c.instance_name_settings
        .get_or_insert_with(|| asm::InstanceNameSettings {
            instance_name: Some(String::new()),
            instance_name_style: Some("ORIGINAL".into()),
            ..Default::default()
        });
    c.instance_charge_prepaid
        .get_or_insert_with(|| asm::InstanceChargePrepaid {
            period: Some(0),
            renew_flag: Some("NOTIFY_AND_MANUAL_RENEW".into()),
        });
    c.ipv6_internet_accessible
        .get_or_insert_with(|| asm::IPv6InternetAccessible {
            internet_charge_type: Some("TRAFFIC_POSTPAID_BY_HOUR".into()),
            internet_max_bandwidth_out: Some(0),
            bandwidth_package_id: None,
        });
}

/// The same for a group: a layer-4 target has `LocationId: ""`, the unused
/// naming index and spot policy come as in the definitions' example.
fn complete_group(m: &mut asm::AutoScalingGroup) {
    for f in m.forward_load_balancer_set.iter_mut().flatten() {
        f.location_id.get_or_insert_with(String::new);
    }
    m.instance_name_index_settings
        .get_or_insert_with(|| asm::InstanceNameIndexSettings {
            enabled: Some(false),
            begin_index: Some(0),
            ..Default::default()
        });
    m.spot_mixed_allocation_policy
        .get_or_insert_with(asm::SpotMixedAllocationPolicy::default);
    if let Some(s) = m.service_settings.as_mut() {
        s.desired_capacity_sync_with_max_min_size
            .get_or_insert(false);
    }
}

pub fn group_model(world: &World, g: &SimScalingGroup) -> asm::AutoScalingGroup {
    let mut m = g.group.clone();
    complete_group(&mut m);
    m.instance_count = Some(g.instances.len() as i64);
    m.in_service_instance_count = Some(
        g.instances
            .iter()
            .filter(|i| i.lifecycle == "IN_SERVICE")
            .count() as i64,
    );
    m.in_activity_status = Some(
        if world.autoscaling.in_activity(g.id()) {
            "IN_ACTIVITY"
        } else {
            "NOT_IN_ACTIVITY"
        }
        .into(),
    );
    m.auto_scaling_group_status = Some(as_engine::group_status(world, g).into());
    m
}

fn describe_groups(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::DescribeAutoScalingGroupsRequest = parse(params)?;
    let ids = ids_xor_filters(
        &req.auto_scaling_group_ids,
        &req.filters,
        "AutoScalingGroupIds",
    )?;
    let filters = Filters::from(
        &req.filters,
        &[
            "auto-scaling-group-id",
            "auto-scaling-group-name",
            "vague-auto-scaling-group-name",
            "launch-configuration-id",
            "tag-key",
            "tag-value",
            "tag:*",
        ],
    )?;
    let win = as_window(req.offset, req.limit)?;
    let mut matched: Vec<asm::AutoScalingGroup> = world
        .autoscaling
        .groups
        .iter()
        .filter(|g| g.region == ctx.region)
        .filter(|g| ids.is_empty() || ids.iter().any(|i| i == g.id()))
        .filter(|g| filters.accepts("auto-scaling-group-id", g.id()))
        .filter(|g| {
            let name = g.group.auto_scaling_group_name.as_deref().unwrap_or("");
            filters.accepts("auto-scaling-group-name", name)
                && filters.accepts_fuzzy("vague-auto-scaling-group-name", name)
        })
        .filter(|g| {
            filters.accepts(
                "launch-configuration-id",
                g.group.launch_configuration_id.as_deref().unwrap_or(""),
            )
        })
        .filter(|g| filters.accepts_tags(g.group.tags.as_deref().unwrap_or(&[])))
        .map(|g| group_model(world, g))
        .collect();
    matched.reverse();
    let total = matched.len() as u64;
    Ok(reply(&asm::DescribeAutoScalingGroupsResponse {
        auto_scaling_group_set: Some(page(&matched, win)),
        total_count: Some(total),
        request_id: None,
    }))
}

fn lookup_group<'a>(
    world: &'a World,
    ctx: &Ctx,
    id: &str,
) -> Result<&'a SimScalingGroup, SimError> {
    if !crate::sim::cvm::well_formed(id, "asg") {
        return Err(err(
            "InvalidParameterValue.InvalidAutoScalingGroupId",
            format!("The scaling group id `{id}` is malformed."),
        ));
    }
    world.autoscaling.group(&ctx.region, id).ok_or_else(|| {
        err(
            "ResourceNotFound.AutoScalingGroupNotFound",
            format!("The scaling group `{id}` does not exist."),
        )
    })
}

fn delete_group(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::DeleteAutoScalingGroupRequest = parse(params)?;
    let id = req.auto_scaling_group_id.unwrap_or_default();
    let g = lookup_group(world, ctx, &id)?;
    if world.autoscaling.in_activity(&id) {
        return Err(err(
            "ResourceInUse.ActivityInProgress",
            format!("The scaling group {id} is in a scaling activity."),
        ));
    }
    if g.instances.iter().any(|i| i.lifecycle == "IN_SERVICE") {
        return Err(err(
            "ResourceInUse.InstanceInGroup",
            format!("The scaling group {id} still has IN_SERVICE instances; scale it to 0 first."),
        ));
    }
    let st = &mut world.autoscaling;
    st.groups.retain(|g| g.id() != id);
    st.scheduled_actions
        .retain(|a| a.action.auto_scaling_group_id.as_deref() != Some(id.as_str()));
    st.policies
        .retain(|p| p.policy.auto_scaling_group_id.as_deref() != Some(id.as_str()));
    Ok(serde_json::json!({}))
}

// ---------------------------------------------------------------- scheduled actions

fn create_scheduled_action(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::CreateScheduledActionRequest = parse(params)?;
    let group_id = req.auto_scaling_group_id.clone().unwrap_or_default();
    lookup_group(world, ctx, &group_id)?;
    let name = req.scheduled_action_name.clone().unwrap_or_default();
    if name.is_empty() || name.len() > 60 {
        return Err(err(
            "InvalidParameterValue.TooLong",
            "ScheduledActionName must be 1 to 60 bytes long.",
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(err(
            "InvalidParameterValue.InvalidScheduledActionNameIncludeIllegalChar",
            format!("ScheduledActionName `{name}` may only contain Chinese, letters, digits, `_`, `-` and `.`."),
        ));
    }
    if world.autoscaling.scheduled_actions.iter().any(|a| {
        a.action.auto_scaling_group_id.as_deref() == Some(group_id.as_str())
            && a.action.scheduled_action_name.as_deref() == Some(name.as_str())
    }) {
        return Err(err(
            "InvalidParameterValue.ScheduledActionNameDuplicate",
            format!("The scaling group {group_id} already has a scheduled action named `{name}`."),
        ));
    }
    let (min, max, desired) = (
        req.min_size.unwrap_or(0),
        req.max_size.unwrap_or(0),
        req.desired_capacity.unwrap_or(0),
    );
    check_sizes(min, desired, max)?;
    let start_text = req.start_time.clone().unwrap_or_default();
    let start = parse_beijing_time(&start_text).map_err(|m| {
        err(
            "InvalidParameterValue.TimeFormat",
            format!("StartTime: {m}"),
        )
    })? as f64;
    let wall_now = world.autoscaling.wall(ctx.now);
    if start < wall_now.floor() {
        return Err(err(
            "InvalidParameterValue.StartTimeBeforeCurrentTime",
            format!(
                "StartTime {start_text} is before the current time {}.",
                iso_beijing(wall_now)
            ),
        ));
    }
    let recurrence = req.recurrence.clone().filter(|r| !r.trim().is_empty());
    let end_text = req.end_time.clone().filter(|e| !e.is_empty());
    if recurrence.is_some() != end_text.is_some() {
        return Err(err(
            "MissingParameter.InScenario",
            "Recurrence and EndTime must be given together.",
        ));
    }
    let mut end = None;
    if let Some(e) = &end_text {
        let t = parse_beijing_time(e)
            .map_err(|m| err("InvalidParameterValue.TimeFormat", format!("EndTime: {m}")))?;
        if (t as f64) < start {
            return Err(err(
                "InvalidParameterValue.EndTimeBeforeStartTime",
                format!("EndTime {e} is before StartTime {start_text}."),
            ));
        }
        end = Some(t as f64);
    }
    let next_fire = match &recurrence {
        None => Some(start),
        Some(r) => {
            let cron = SimCron::parse(r)
                .map_err(|m| err("InvalidParameterValue.CronExpressionIllegal", m))?;
            cron.next_after(start as i64 - 1)
                .map(|t| t as f64)
                .filter(|t| end.is_none_or(|e| *t <= e))
        }
    };
    let id = world.new_id("asst");
    let action = asm::ScheduledAction {
        scheduled_action_id: Some(id.clone()),
        scheduled_action_name: Some(name),
        auto_scaling_group_id: Some(group_id),
        start_time: Some(iso_beijing(start)),
        recurrence: recurrence.clone(),
        end_time: end.map(iso_beijing),
        max_size: Some(max),
        desired_capacity: Some(desired),
        min_size: Some(min),
        created_time: Some(iso_utc(wall_now)),
        scheduled_type: Some(
            if recurrence.is_some() {
                "CRONTAB"
            } else {
                "ONCE"
            }
            .into(),
        ),
        disable_update_desired_capacity: Some(req.disable_update_desired_capacity.unwrap_or(false)),
    };
    world
        .autoscaling
        .scheduled_actions
        .push(SimScheduledAction {
            region: ctx.region.clone(),
            action,
            next_fire,
            fired: 0,
        });
    Ok(reply(&asm::CreateScheduledActionResponse {
        scheduled_action_id: Some(id),
        request_id: None,
    }))
}

fn describe_scheduled_actions(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::DescribeScheduledActionsRequest = parse(params)?;
    let ids = ids_xor_filters(
        &req.scheduled_action_ids,
        &req.filters,
        "ScheduledActionIds",
    )?;
    let filters = Filters::from(
        &req.filters,
        &[
            "scheduled-action-id",
            "scheduled-action-name",
            "auto-scaling-group-id",
        ],
    )?;
    let win = as_window(req.offset, req.limit)?;
    let mut matched: Vec<asm::ScheduledAction> = world
        .autoscaling
        .scheduled_actions
        .iter()
        .filter(|a| a.region == ctx.region)
        .map(|a| &a.action)
        .filter(|a| {
            ids.is_empty() || ids.contains(a.scheduled_action_id.as_ref().unwrap_or(&String::new()))
        })
        .filter(|a| {
            filters.accepts(
                "scheduled-action-id",
                a.scheduled_action_id.as_deref().unwrap_or(""),
            )
        })
        .filter(|a| {
            filters.accepts(
                "scheduled-action-name",
                a.scheduled_action_name.as_deref().unwrap_or(""),
            )
        })
        .filter(|a| {
            filters.accepts(
                "auto-scaling-group-id",
                a.auto_scaling_group_id.as_deref().unwrap_or(""),
            )
        })
        .cloned()
        .collect();
    matched.reverse();
    let total = matched.len() as u64;
    Ok(reply(&asm::DescribeScheduledActionsResponse {
        total_count: Some(total),
        scheduled_action_set: Some(page(&matched, win)),
        request_id: None,
    }))
}

// ---------------------------------------------------------------- scaling policies

const METRICS: [&str; 8] = [
    "CPU_UTILIZATION",
    "MEM_UTILIZATION",
    "LAN_TRAFFIC_OUT",
    "LAN_TRAFFIC_IN",
    "WAN_TRAFFIC_OUT",
    "WAN_TRAFFIC_IN",
    "TCP_CURR_ESTAB",
    "WAN_TRAFFIC_OUT_UTILIZATION",
];
const OPERATORS: [&str; 6] = [
    "GREATER_THAN",
    "GREATER_THAN_OR_EQUAL_TO",
    "LESS_THAN",
    "LESS_THAN_OR_EQUAL_TO",
    "EQUAL_TO",
    "NOT_EQUAL_TO",
];
const PREDEFINED: [&str; 5] = [
    "ASG_AVG_CPU_UTILIZATION",
    "ASG_AVG_LAN_TRAFFIC_OUT",
    "ASG_AVG_LAN_TRAFFIC_IN",
    "ASG_AVG_WAN_TRAFFIC_OUT",
    "ASG_AVG_WAN_TRAFFIC_IN",
];

fn check_metric_alarm(alarm: &asm::MetricAlarm) -> Result<asm::MetricAlarm, SimError> {
    let op = alarm.comparison_operator.clone().unwrap_or_default();
    if !OPERATORS.contains(&op.as_str()) {
        return Err(err(
            "InvalidParameterValue",
            format!(
                "MetricAlarm.ComparisonOperator `{op}` is not one of {}.",
                OPERATORS.join(", ")
            ),
        ));
    }
    let metric = alarm.metric_name.clone().unwrap_or_default();
    if !METRICS.contains(&metric.as_str()) {
        return Err(err(
            "InvalidParameterValue",
            format!(
                "MetricAlarm.MetricName `{metric}` is not one of {}.",
                METRICS.join(", ")
            ),
        ));
    }
    let threshold = alarm.threshold.unwrap_or(0);
    let percent = matches!(
        metric.as_str(),
        "CPU_UTILIZATION" | "MEM_UTILIZATION" | "WAN_TRAFFIC_OUT_UTILIZATION"
    );
    if (percent && !(1..=100).contains(&threshold)) || threshold == 0 {
        return Err(err(
            "InvalidParameterValue.ThresholdOutOfRange",
            format!(
                "MetricAlarm.Threshold {threshold} is out of range for {metric}{}.",
                if percent { " (1-100 %)" } else { "" }
            ),
        ));
    }
    let period = alarm.period.unwrap_or(0);
    if !matches!(period, 60 | 300) {
        return Err(err(
            "InvalidParameterValue.Range",
            format!("MetricAlarm.Period {period} must be 60 or 300."),
        ));
    }
    let times = alarm.continuous_time.unwrap_or(0);
    if !(1..=10).contains(&times) {
        return Err(err(
            "InvalidParameterValue.Range",
            format!("MetricAlarm.ContinuousTime {times} must be between 1 and 10."),
        ));
    }
    let statistic = alarm.statistic.clone().unwrap_or_else(|| "AVERAGE".into());
    if !matches!(statistic.as_str(), "AVERAGE" | "MAXIMUM" | "MINIMUM") {
        return Err(err(
            "InvalidParameterValue",
            format!("MetricAlarm.Statistic `{statistic}` is not one of AVERAGE, MAXIMUM, MINIMUM."),
        ));
    }
    Ok(asm::MetricAlarm {
        comparison_operator: Some(op),
        metric_name: Some(metric),
        threshold: Some(threshold),
        period: Some(period),
        continuous_time: Some(times),
        statistic: Some(statistic),
        precise_threshold: Some(threshold as f64),
    })
}

fn create_scaling_policy(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::CreateScalingPolicyRequest = parse(params)?;
    let group_id = req.auto_scaling_group_id.clone().unwrap_or_default();
    lookup_group(world, ctx, &group_id)?;
    let name = req.scaling_policy_name.clone().unwrap_or_default();
    check_name(&name, "ScalingPolicyName", 60)?;
    if world
        .autoscaling
        .policies
        .iter()
        .any(|p| p.policy.scaling_policy_name.as_deref() == Some(name.as_str()))
    {
        return Err(err(
            "InvalidParameterValue.ScalingPolicyNameDuplicate",
            format!("A scaling policy named `{name}` already exists."),
        ));
    }
    let kind = req
        .scaling_policy_type
        .clone()
        .unwrap_or_else(|| "SIMPLE".into());
    let id = world.new_id("asp");
    let policy = match kind.as_str() {
        "SIMPLE" => {
            if req.predefined_metric_type.is_some() || req.target_value.is_some() {
                return Err(err(
                    "InvalidParameter.InScenario",
                    "PredefinedMetricType and TargetValue apply to TARGET_TRACKING policies only.",
                ));
            }
            let adjustment_type = req.adjustment_type.clone().ok_or_else(|| {
                err(
                    "MissingParameter.InScenario",
                    "AdjustmentType is required for a SIMPLE policy.",
                )
            })?;
            if !matches!(
                adjustment_type.as_str(),
                "CHANGE_IN_CAPACITY" | "EXACT_CAPACITY" | "PERCENT_CHANGE_IN_CAPACITY"
            ) {
                return Err(err(
                    "InvalidParameterValue",
                    format!("AdjustmentType `{adjustment_type}` is not one of CHANGE_IN_CAPACITY, EXACT_CAPACITY, PERCENT_CHANGE_IN_CAPACITY."),
                ));
            }
            let value = req.adjustment_value.ok_or_else(|| {
                err(
                    "MissingParameter.InScenario",
                    "AdjustmentValue is required for a SIMPLE policy.",
                )
            })?;
            if adjustment_type == "EXACT_CAPACITY" && value < 0 {
                return Err(err(
                    "InvalidParameterValue.Range",
                    "AdjustmentValue must be ≥ 0 with EXACT_CAPACITY.",
                ));
            }
            if adjustment_type != "EXACT_CAPACITY" && value == 0 {
                return Err(err(
                    "InvalidParameterValue.Range",
                    "AdjustmentValue must not be 0.",
                ));
            }
            let alarm = req.metric_alarm.as_ref().ok_or_else(|| {
                err(
                    "MissingParameter.InScenario",
                    "MetricAlarm is required for a SIMPLE policy.",
                )
            })?;
            let alarm = check_metric_alarm(alarm)?;
            let cooldown = req.cooldown.unwrap_or(300);
            if cooldown > 3600 {
                return Err(err(
                    "InvalidParameterValue.Range",
                    "Cooldown must be between 0 and 3600.",
                ));
            }
            asm::ScalingPolicy {
                auto_scaling_group_id: Some(group_id),
                auto_scaling_policy_id: Some(id.clone()),
                scaling_policy_type: Some(kind),
                scaling_policy_name: Some(name),
                adjustment_type: Some(adjustment_type),
                adjustment_value: Some(value),
                cooldown: Some(cooldown),
                metric_alarm: Some(alarm),
                metric_alarms: Some(Vec::new()),
                notification_user_group_ids: Some(
                    req.notification_user_group_ids.clone().unwrap_or_default(),
                ),
                ..Default::default()
            }
        }
        "TARGET_TRACKING" => {
            if req.adjustment_type.is_some()
                || req.adjustment_value.is_some()
                || req.metric_alarm.is_some()
            {
                return Err(err(
                    "InvalidParameter.InScenario",
                    "AdjustmentType, AdjustmentValue and MetricAlarm apply to SIMPLE policies only.",
                ));
            }
            if world.autoscaling.policies.iter().any(|p| {
                p.policy.auto_scaling_group_id.as_deref() == Some(group_id.as_str())
                    && p.policy.scaling_policy_type.as_deref() == Some("TARGET_TRACKING")
            }) {
                return Err(err(
                    "LimitExceeded.TargetTrackingScalingPolicy",
                    format!("The scaling group {group_id} already has a target tracking policy."),
                ));
            }
            let metric = req.predefined_metric_type.clone().ok_or_else(|| {
                err(
                    "MissingParameter.InScenario",
                    "PredefinedMetricType is required for a TARGET_TRACKING policy.",
                )
            })?;
            if !PREDEFINED.contains(&metric.as_str()) {
                return Err(err(
                    "InvalidParameterValue",
                    format!(
                        "PredefinedMetricType `{metric}` is not one of {}.",
                        PREDEFINED.join(", ")
                    ),
                ));
            }
            let target = req.target_value.ok_or_else(|| {
                err(
                    "MissingParameter.InScenario",
                    "TargetValue is required for a TARGET_TRACKING policy.",
                )
            })?;
            if (metric == "ASG_AVG_CPU_UTILIZATION" && !(1..100).contains(&target)) || target == 0 {
                return Err(err(
                    "InvalidParameterValue.Range",
                    format!("TargetValue {target} is out of range for {metric} (CPU: 1-99 %)."),
                ));
            }
            let warmup = req.estimated_instance_warmup.unwrap_or(300);
            if warmup > 3600 {
                return Err(err(
                    "InvalidParameterValue.Range",
                    "EstimatedInstanceWarmup must be between 0 and 3600.",
                ));
            }
            let metric_name = metric.trim_start_matches("ASG_AVG_").to_string();
            // The two alarms the documented rule implies: 3 periods of 1 min
            // above the target scale out; 15 below 80 % of it scale in.
            let alarms = vec![
                asm::MetricAlarm {
                    comparison_operator: Some("GREATER_THAN".into()),
                    metric_name: Some(metric_name.clone()),
                    threshold: Some(target),
                    period: Some(60),
                    continuous_time: Some(3),
                    statistic: Some("AVERAGE".into()),
                    precise_threshold: Some(target as f64),
                },
                asm::MetricAlarm {
                    comparison_operator: Some("LESS_THAN".into()),
                    metric_name: Some(metric_name),
                    threshold: Some(target * 8 / 10),
                    period: Some(60),
                    continuous_time: Some(15),
                    statistic: Some("AVERAGE".into()),
                    precise_threshold: Some(target as f64 * 0.8),
                },
            ];
            asm::ScalingPolicy {
                auto_scaling_group_id: Some(group_id),
                auto_scaling_policy_id: Some(id.clone()),
                scaling_policy_type: Some(kind),
                scaling_policy_name: Some(name),
                predefined_metric_type: Some(metric),
                target_value: Some(target),
                estimated_instance_warmup: Some(warmup),
                disable_scale_in: Some(req.disable_scale_in.unwrap_or(false)),
                metric_alarms: Some(alarms),
                notification_user_group_ids: Some(Vec::new()),
                ..Default::default()
            }
        }
        other => {
            return Err(err(
                "InvalidParameterValue",
                format!("ScalingPolicyType `{other}` is not one of SIMPLE, TARGET_TRACKING."),
            ))
        }
    };
    world.autoscaling.policies.push(SimScalingPolicy {
        region: ctx.region.clone(),
        policy,
        ..Default::default()
    });
    Ok(reply(&asm::CreateScalingPolicyResponse {
        auto_scaling_policy_id: Some(id),
        request_id: None,
    }))
}

fn describe_scaling_policies(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::DescribeScalingPoliciesRequest = parse(params)?;
    let ids = ids_xor_filters(
        &req.auto_scaling_policy_ids,
        &req.filters,
        "AutoScalingPolicyIds",
    )?;
    let filters = Filters::from(
        &req.filters,
        &[
            "auto-scaling-policy-id",
            "auto-scaling-group-id",
            "scaling-policy-name",
            "scaling-policy-type",
        ],
    )?;
    let win = as_window(req.offset, req.limit)?;
    let mut matched: Vec<asm::ScalingPolicy> = world
        .autoscaling
        .policies
        .iter()
        .filter(|p| p.region == ctx.region)
        .filter(|p| ids.is_empty() || ids.iter().any(|i| i == p.id()))
        .map(|p| &p.policy)
        .filter(|p| {
            filters.accepts(
                "auto-scaling-policy-id",
                p.auto_scaling_policy_id.as_deref().unwrap_or(""),
            )
        })
        .filter(|p| {
            filters.accepts(
                "auto-scaling-group-id",
                p.auto_scaling_group_id.as_deref().unwrap_or(""),
            )
        })
        .filter(|p| {
            filters.accepts(
                "scaling-policy-name",
                p.scaling_policy_name.as_deref().unwrap_or(""),
            )
        })
        .filter(|p| {
            filters.accepts(
                "scaling-policy-type",
                p.scaling_policy_type.as_deref().unwrap_or(""),
            )
        })
        .cloned()
        .collect();
    matched.reverse();
    let total = matched.len() as u64;
    Ok(reply(&asm::DescribeScalingPoliciesResponse {
        scaling_policy_set: Some(page(&matched, win)),
        total_count: Some(total),
        request_id: None,
    }))
}

// ---------------------------------------------------------------- activities and instances

fn describe_activities(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::DescribeAutoScalingActivitiesRequest = parse(params)?;
    let ids = ids_xor_filters(&req.activity_ids, &req.filters, "ActivityIds")?;
    let filters = Filters::from(
        &req.filters,
        &[
            "auto-scaling-group-id",
            "activity-status-code",
            "activity-type",
            "activity-id",
        ],
    )?;
    let win = as_window(req.offset, req.limit)?;
    let utc = |s: &Option<String>, field: &str| -> Result<Option<f64>, SimError> {
        match s.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| Some(t.timestamp() as f64))
                .map_err(|_| {
                    err(
                        "InvalidParameterValue.TimeFormat",
                        format!("{field} `{s}` is not of the form YYYY-MM-DDThh:mm:ssZ."),
                    )
                }),
        }
    };
    let (from, to) = if ids.is_empty() {
        (
            utc(&req.start_time, "StartTime")?,
            utc(&req.end_time, "EndTime")?,
        )
    } else {
        (None, None)
    };
    let st = &world.autoscaling;
    let mut matched: Vec<asm::Activity> = st
        .activities
        .iter()
        .filter(|a| a.region == ctx.region)
        .filter(|a| ids.is_empty() || ids.contains(&a.activity_id))
        .filter(|a| filters.accepts("auto-scaling-group-id", &a.group_id))
        .filter(|a| filters.accepts("activity-status-code", &a.status))
        .filter(|a| filters.accepts("activity-type", &a.activity_type))
        .filter(|a| filters.accepts("activity-id", &a.activity_id))
        .filter(|a| from.is_none_or(|f| st.wall(a.created_at) >= f))
        .filter(|a| to.is_none_or(|t| st.wall(a.ended_at.unwrap_or(a.created_at)) <= t))
        .map(|a| as_engine::activity_model(world, a))
        .collect();
    matched.reverse();
    let total = matched.len() as u64;
    Ok(reply(&asm::DescribeAutoScalingActivitiesResponse {
        total_count: Some(total),
        activity_set: Some(page(&matched, win)),
        request_id: None,
    }))
}

fn describe_instances(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::DescribeAutoScalingInstancesRequest = parse(params)?;
    let ids = ids_xor_filters(&req.instance_ids, &req.filters, "InstanceIds")?;
    let filters = Filters::from(
        &req.filters,
        &["instance-id", "auto-scaling-group-id", "private-ip-address"],
    )?;
    let win = window(req.offset, req.limit)?;
    let mut out = Vec::new();
    for g in world
        .autoscaling
        .groups
        .iter()
        .filter(|g| g.region == ctx.region)
    {
        for i in &g.instances {
            let ip = world
                .cvm
                .instance(&i.instance_id)
                .map(|x| x.private_ip().to_string())
                .unwrap_or_default();
            if (ids.is_empty() || ids.contains(&i.instance_id))
                && filters.accepts("instance-id", &i.instance_id)
                && filters.accepts("auto-scaling-group-id", g.id())
                && filters.accepts("private-ip-address", &ip)
            {
                out.push(as_engine::instance_model(world, ctx.now, g, i));
            }
        }
    }
    let total = out.len() as u64;
    Ok(reply(&asm::DescribeAutoScalingInstancesResponse {
        auto_scaling_instance_set: Some(page(&out, win)),
        total_count: Some(total),
        request_id: None,
    }))
}
