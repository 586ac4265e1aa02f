//! Simulated `clb` service: load balancers, listeners and their async tasks.
//!
//! Every change (create/delete a CLB, a listener, bind/unbind/reweight
//! targets) is a task: the call answers at once with its `RequestId`, the
//! change is applied when the task ends (`durations.clb_create` or
//! `durations.clb_task` later) and `DescribeTaskStatus` reports 2 (running),
//! then 0 (done) or 1 (failed, from the `task-fail` fault: nothing changes).
//! As on the real API a CLB accepts one change at a time: any other change
//! while one of its tasks runs is `FailedOperation.ResourceInOperating`.
//!
//! Targets and health live in [`crate::sim::clb_targets`]; Auto Scaling binds
//! its instances through the same [`crate::sim::clb_targets::start_register`].

use std::collections::BTreeMap;

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cloud::models::clb;
use crate::sim::clb_targets::{self, Binding};
use crate::sim::svc_util::{beijing_time, page, parse, reply, window};
use crate::sim::world::{Ctx, SimError, SimResult, World};

/// The CLB part of the world.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ClbState {
    /// All load balancers, all regions, in creation order.
    pub load_balancers: Vec<SimLoadBalancer>,
    /// Every task ever started (their status stays queryable).
    pub tasks: Vec<ClbTask>,
    /// CreateLoadBalancer `ClientToken` → the task that created the CLBs.
    pub client_tokens: BTreeMap<String, String>,
}

/// One load balancer: what DescribeLoadBalancers shows, plus its listeners.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SimLoadBalancer {
    pub region: String,
    pub id: String,
    pub name: String,
    /// `OPEN` or `INTERNAL`.
    pub lb_type: String,
    pub forward: u64,
    pub vpc_id: String,
    /// Only for INTERNAL CLBs: the subnet the VIP comes from.
    pub subnet_id: String,
    pub project_id: u64,
    pub vips: Vec<String>,
    /// 0 creating, 1 normal.
    pub status: u64,
    /// `YYYY-MM-DD HH:mm:ss` (Beijing time), as the API shows it.
    pub create_time: String,
    pub status_time: String,
    /// When set, backends' security groups are not checked (the CLB's own are).
    pub pass_to_target: bool,
    pub tags: Vec<clb::TagInfo>,
    pub charge_type: String,
    /// Zone of a public CLB (`MasterZone`), e.g. `ap-guangzhou-3`.
    pub master_zone: String,
    pub bandwidth_out: i64,
    pub listeners: Vec<SimListener>,
}

impl Default for SimLoadBalancer {
    fn default() -> Self {
        SimLoadBalancer {
            region: String::new(),
            id: String::new(),
            name: String::new(),
            lb_type: "OPEN".into(),
            forward: 1,
            vpc_id: String::new(),
            subnet_id: String::new(),
            project_id: 0,
            vips: Vec::new(),
            status: 1,
            create_time: String::new(),
            status_time: String::new(),
            pass_to_target: false,
            tags: Vec::new(),
            charge_type: "POSTPAID_BY_HOUR".into(),
            master_zone: String::new(),
            bandwidth_out: 10,
            listeners: Vec::new(),
        }
    }
}

/// One listener. Layer-4 ones (TCP/UDP/TCP_SSL/QUIC) hold targets directly;
/// layer-7 ones (HTTP/HTTPS) hold them in rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimListener {
    pub id: String,
    pub name: String,
    pub protocol: String,
    pub port: i64,
    pub health_check: Option<clb::HealthCheck>,
    pub scheduler: String,
    pub session_expire_time: i64,
    pub create_time: String,
    /// The id DescribeTargetHealth shows as the rule of a layer-4 listener.
    pub location_id: String,
    pub targets: Vec<SimTarget>,
    pub rules: Vec<SimRule>,
}

impl SimListener {
    pub fn is_layer7(&self) -> bool {
        is_layer7(&self.protocol)
    }
}

/// A layer-7 forwarding rule (seeded; this simulator has no CreateRule).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimRule {
    pub location_id: String,
    pub domain: String,
    pub url: String,
    pub health_check: Option<clb::HealthCheck>,
    pub targets: Vec<SimTarget>,
}

/// A bound backend.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimTarget {
    pub instance_id: String,
    pub port: i64,
    pub weight: i64,
    /// Sim time the binding took effect (health is Unknown until
    /// `durations.health` later); seeded targets use a negative time.
    pub registered_at: f64,
    pub registered_time: String,
}

/// One async CLB task (the RequestId of the call that started it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ClbTask {
    pub id: String,
    /// Other request ids answered with this task (a retried ClientToken).
    pub aliases: Vec<String>,
    /// CreateLoadBalancer's order number.
    pub deal_name: String,
    /// The CLBs the task changes (locked while it runs).
    pub load_balancer_ids: Vec<String>,
    pub started_at: f64,
    pub ends_at: f64,
    /// Decided when the task starts (the `task-fail` fault).
    pub fails: bool,
    /// 2 running, 0 done, 1 failed.
    pub status: i64,
    pub message: String,
    /// Wall-clock Unix time at start (for the times the change stamps).
    pub started_unix: f64,
    pub change: ClbChange,
}

/// What a task does when it succeeds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum ClbChange {
    /// The CLBs already exist with status 0; success makes them 1.
    #[default]
    CreateLoadBalancers,
    DeleteLoadBalancers,
    CreateListeners {
        load_balancer_id: String,
        listeners: Vec<SimListener>,
    },
    DeleteListener {
        load_balancer_id: String,
        listener_id: String,
    },
    Register {
        load_balancer_id: String,
        bindings: Vec<Binding>,
    },
    Deregister {
        load_balancer_id: String,
        bindings: Vec<Binding>,
    },
    ModifyWeight {
        load_balancer_id: String,
        bindings: Vec<Binding>,
    },
}

impl ClbState {
    /// The load balancer with this id in `region`.
    pub fn load_balancer(&self, region: &str, id: &str) -> Option<&SimLoadBalancer> {
        self.load_balancers
            .iter()
            .find(|lb| lb.id == id && lb.region == region)
    }
    pub fn load_balancer_mut(&mut self, region: &str, id: &str) -> Option<&mut SimLoadBalancer> {
        self.load_balancers
            .iter_mut()
            .find(|lb| lb.id == id && lb.region == region)
    }
    /// The task with this id (RequestId, an alias, or the DealName).
    pub fn task(&self, id: &str) -> Option<&ClbTask> {
        self.tasks
            .iter()
            .find(|t| t.id == id || t.deal_name == id || t.aliases.iter().any(|a| a == id))
    }
    /// Whether a task on this CLB is still running.
    pub fn is_busy(&self, lb_id: &str) -> bool {
        self.tasks
            .iter()
            .any(|t| t.status == 2 && t.load_balancer_ids.iter().any(|id| id == lb_id))
    }
}

pub fn is_layer7(protocol: &str) -> bool {
    matches!(protocol, "HTTP" | "HTTPS")
}

pub fn handle(world: &mut World, ctx: &Ctx, action: &str, params: &Value) -> SimResult {
    match action {
        "CreateLoadBalancer" => create_load_balancer(world, ctx, params),
        "DescribeLoadBalancers" => describe_load_balancers(world, ctx, params),
        "DeleteLoadBalancer" => delete_load_balancer(world, ctx, params),
        "CreateListener" => create_listener(world, ctx, params),
        "DescribeListeners" => describe_listeners(world, ctx, params),
        "DeleteListener" => delete_listener(world, ctx, params),
        "DescribeTaskStatus" => describe_task_status(world, params),
        "RegisterTargets"
        | "BatchRegisterTargets"
        | "DeregisterTargets"
        | "ModifyTargetWeight"
        | "DescribeTargets"
        | "DescribeTargetHealth" => clb_targets::handle(world, ctx, action, params),
        _ => Err(SimError::new(
            "InvalidAction",
            format!("The action `{action}` is not supported by the simulated clb."),
        )),
    }
}

/// Finishes the tasks whose time has come: success applies the change,
/// failure leaves everything as it was (a failed create removes the CLBs).
pub fn tick(world: &mut World, now: f64) {
    reserve_internal_vips(world);
    let due: Vec<usize> = world
        .clb
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.status == 2 && t.ends_at <= now)
        .map(|(i, _)| i)
        .collect();
    for i in due {
        let task = world.clb.tasks[i].clone();
        let at_unix = task.started_unix + (task.ends_at - task.started_at);
        let result = if task.fails {
            Err("The task failed (simulated fault); nothing was changed.".to_string())
        } else {
            apply_change(world, &task, at_unix)
        };
        if task.fails || result.is_err() {
            undo_failed_create(world, &task);
        }
        let t = &mut world.clb.tasks[i];
        match result {
            Ok(()) => {
                t.status = 0;
                t.message = String::new();
            }
            Err(message) => {
                t.status = 1;
                t.message = message;
            }
        }
    }
}

/// Marks INTERNAL CLBs' VIPs as used in their subnets, so seeded VIPs are
/// never handed out again by `allocate_ip`.
fn reserve_internal_vips(world: &mut World) {
    let vips: Vec<(String, String)> = world
        .clb
        .load_balancers
        .iter()
        .filter(|lb| lb.lb_type == "INTERNAL")
        .flat_map(|lb| lb.vips.iter().map(|v| (lb.subnet_id.clone(), v.clone())))
        .collect();
    for (subnet, vip) in vips {
        if let Some(s) = world.vpc.subnets.iter_mut().find(|s| s.id() == subnet) {
            if !s.allocated.contains(&vip) {
                s.allocated.insert(vip);
            }
        }
    }
}

/// Applies a finished task's change. An error (the target of the change
/// vanished meanwhile) fails the task.
fn apply_change(world: &mut World, task: &ClbTask, at_unix: f64) -> Result<(), String> {
    let stamp = beijing_time(at_unix);
    match &task.change {
        ClbChange::CreateLoadBalancers => {
            for lb in world
                .clb
                .load_balancers
                .iter_mut()
                .filter(|lb| task.load_balancer_ids.contains(&lb.id))
            {
                lb.status = 1;
                lb.status_time = stamp.clone();
            }
            Ok(())
        }
        ClbChange::DeleteLoadBalancers => {
            let doomed: Vec<SimLoadBalancer> = world
                .clb
                .load_balancers
                .iter()
                .filter(|lb| task.load_balancer_ids.contains(&lb.id))
                .cloned()
                .collect();
            for lb in &doomed {
                if lb.lb_type == "INTERNAL" {
                    release_ip(world, &lb.subnet_id, &lb.vips);
                }
            }
            world
                .clb
                .load_balancers
                .retain(|lb| !task.load_balancer_ids.contains(&lb.id));
            Ok(())
        }
        ClbChange::CreateListeners {
            load_balancer_id,
            listeners,
        } => {
            let lb = find_any_mut(world, load_balancer_id)?;
            for l in listeners {
                let mut l = l.clone();
                l.create_time = stamp.clone();
                lb.listeners.push(l);
            }
            Ok(())
        }
        ClbChange::DeleteListener {
            load_balancer_id,
            listener_id,
        } => {
            let lb = find_any_mut(world, load_balancer_id)?;
            lb.listeners.retain(|l| &l.id != listener_id);
            Ok(())
        }
        ClbChange::Register {
            load_balancer_id,
            bindings,
        } => {
            let lb = find_any_mut(world, load_balancer_id)?;
            clb_targets::apply_register(lb, bindings, task.ends_at, &stamp)
        }
        ClbChange::Deregister {
            load_balancer_id,
            bindings,
        } => {
            let lb = find_any_mut(world, load_balancer_id)?;
            clb_targets::apply_deregister(lb, bindings);
            Ok(())
        }
        ClbChange::ModifyWeight {
            load_balancer_id,
            bindings,
        } => {
            let lb = find_any_mut(world, load_balancer_id)?;
            clb_targets::apply_weights(lb, bindings);
            Ok(())
        }
    }
}

fn undo_failed_create(world: &mut World, task: &ClbTask) {
    if !matches!(task.change, ClbChange::CreateLoadBalancers) {
        return;
    }
    let gone: Vec<SimLoadBalancer> = world
        .clb
        .load_balancers
        .iter()
        .filter(|lb| task.load_balancer_ids.contains(&lb.id) && lb.status == 0)
        .cloned()
        .collect();
    for lb in &gone {
        if lb.lb_type == "INTERNAL" {
            release_ip(world, &lb.subnet_id, &lb.vips);
        }
    }
    world
        .clb
        .load_balancers
        .retain(|lb| !(task.load_balancer_ids.contains(&lb.id) && lb.status == 0));
}

fn release_ip(world: &mut World, subnet_id: &str, ips: &[String]) {
    if let Some(s) = world.vpc.subnets.iter_mut().find(|s| s.id() == subnet_id) {
        for ip in ips {
            s.allocated.remove(ip);
        }
    }
}

fn find_any_mut<'a>(world: &'a mut World, id: &str) -> Result<&'a mut SimLoadBalancer, String> {
    world
        .clb
        .load_balancers
        .iter_mut()
        .find(|lb| lb.id == id)
        .ok_or_else(|| format!("The load balancer {id} no longer exists."))
}

/// Starts a task on `lb_ids` (which must not be busy) and returns its id.
/// The `task-fail` fault is rolled here.
pub(crate) fn start_task(
    world: &mut World,
    ctx: &Ctx,
    lb_ids: Vec<String>,
    duration: f64,
    change: ClbChange,
) -> Result<String, SimError> {
    for id in &lb_ids {
        ensure_idle(world, id)?;
    }
    let fails = world.chance(world.faults.task_fail);
    let task = ClbTask {
        id: ctx.request_id.clone(),
        aliases: Vec::new(),
        deal_name: String::new(),
        load_balancer_ids: lb_ids,
        started_at: ctx.now,
        ends_at: ctx.now + duration.max(0.0),
        fails,
        status: 2,
        message: String::new(),
        started_unix: ctx.unix_time as f64,
        change,
    };
    let id = task.id.clone();
    world.clb.tasks.push(task);
    Ok(id)
}

/// `FailedOperation.ResourceInOperating` while a task runs on the CLB.
pub(crate) fn ensure_idle(world: &World, lb_id: &str) -> Result<(), SimError> {
    if world.clb.is_busy(lb_id) {
        return Err(SimError::new(
            "FailedOperation.ResourceInOperating",
            format!("The load balancer {lb_id} is being changed by another task; retry when it has finished."),
        ));
    }
    Ok(())
}

/// The CLB `id` of the call's region, or `InvalidParameter.LBIdNotFound`.
pub(crate) fn lookup<'a>(
    world: &'a World,
    ctx: &Ctx,
    id: &str,
) -> Result<&'a SimLoadBalancer, SimError> {
    world
        .clb
        .load_balancer(&ctx.region, id)
        .ok_or_else(|| lb_not_found(id))
}

pub(crate) fn lb_not_found(id: &str) -> SimError {
    SimError::new(
        "InvalidParameter.LBIdNotFound",
        format!("The load balancer `{id}` does not exist in this region."),
    )
}

// ---------------------------------------------------------------- load balancers

fn create_load_balancer(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::CreateLoadBalancerRequest = parse(params)?;
    if let Some(token) = req.client_token.as_deref().filter(|t| !t.is_empty()) {
        if token.len() > 64 {
            return Err(SimError::new(
                "InvalidParameterValue.Length",
                "ClientToken must be at most 64 characters.",
            ));
        }
        if let Some(task_id) = world.clb.client_tokens.get(token).cloned() {
            // The same logical creation: answer with what it created, and let
            // the new RequestId find the same task.
            let task = world
                .clb
                .tasks
                .iter_mut()
                .find(|t| t.id == task_id)
                .ok_or_else(|| SimError::new("InternalError", "client token without its task"))?;
            task.aliases.push(ctx.request_id.clone());
            return Ok(reply(&clb::CreateLoadBalancerResponse {
                load_balancer_ids: Some(task.load_balancer_ids.clone()),
                deal_name: Some(task.deal_name.clone()),
                request_id: None,
            }));
        }
    }

    let lb_type = req.load_balancer_type.clone().unwrap_or_default();
    if lb_type != "OPEN" && lb_type != "INTERNAL" {
        return Err(SimError::new(
            "InvalidParameterValue",
            format!("LoadBalancerType `{lb_type}` is not one of OPEN, INTERNAL."),
        ));
    }
    if let Some(f) = req.forward {
        if f != 1 {
            return Err(SimError::new(
                "InvalidParameterValue",
                format!("Forward `{f}` is not supported; only 1 may be passed."),
            ));
        }
    }
    let number = req.number.unwrap_or(1);
    if !(1..=20).contains(&number) {
        return Err(SimError::new(
            "InvalidParameterValue.Range",
            format!("Number `{number}` must be between 1 and 20."),
        ));
    }
    if let Some(name) = &req.load_balancer_name {
        let n = name.chars().count();
        if n == 0 || n > 80 {
            return Err(SimError::new(
                "InvalidParameterValue.Length",
                "LoadBalancerName must be 1-80 characters.",
            ));
        }
    }
    let project_id = req.project_id.unwrap_or(0);
    if project_id < 0
        || (project_id > 0
            && !world.tag.projects.is_empty()
            && world.tag.project(project_id as u64).is_none())
    {
        return Err(SimError::new(
            "InvalidParameterValue",
            format!("The project `{project_id}` does not exist."),
        ));
    }

    // Network: INTERNAL needs a VPC and one of its subnets; OPEN takes the
    // given VPC or the region's default one, and no subnet.
    let subnet_id = req.subnet_id.clone().unwrap_or_default();
    let vpc_id = match req.vpc_id.clone().filter(|v| !v.is_empty()) {
        Some(v) => {
            let found = world
                .vpc
                .vpc(&v)
                .filter(|x| x.region == ctx.region)
                .is_some();
            if !found {
                return Err(SimError::new(
                    "InvalidParameterValue",
                    format!("The VPC `{v}` does not exist in {}.", ctx.region),
                ));
            }
            v
        }
        None if lb_type == "INTERNAL" => {
            return Err(SimError::new(
                "MissingParameter",
                "VpcId is required to create an INTERNAL load balancer.",
            ))
        }
        None => default_vpc(world, &ctx.region),
    };
    let mut master_zone = String::new();
    if lb_type == "INTERNAL" {
        if subnet_id.is_empty() {
            return Err(SimError::new(
                "MissingParameter",
                "SubnetId is required to create an INTERNAL load balancer.",
            ));
        }
        match world.vpc.subnet(&subnet_id) {
            Some(s) if s.vpc_id() == vpc_id && s.region == ctx.region => {}
            Some(_) => {
                return Err(SimError::new(
                    "InvalidParameterValue",
                    format!("The subnet `{subnet_id}` is not in the VPC `{vpc_id}`."),
                ))
            }
            None => {
                return Err(SimError::new(
                    "InvalidParameterValue",
                    format!("The subnet `{subnet_id}` does not exist."),
                ))
            }
        }
    } else {
        if !subnet_id.is_empty() {
            return Err(SimError::new(
                "InvalidParameterCombination",
                "SubnetId cannot be given for a public (OPEN) IPv4 load balancer.",
            ));
        }
        master_zone = req
            .master_zone_id
            .clone()
            .or(req.zone_id.clone())
            .unwrap_or_default();
    }

    // Names are unique: a clash gets a generated name, as documented.
    let requested_name = req.load_balancer_name.clone().filter(|_| number == 1);
    let stamp = beijing_time(ctx.unix_time as f64);
    let mut ids = Vec::new();
    let mut created = Vec::new();
    for _ in 0..number {
        let id = world.new_id("lb");
        let vips = if lb_type == "INTERNAL" {
            match crate::sim::vpc::allocate_ip(world, &subnet_id) {
                Ok(ip) => vec![ip],
                Err(e) => {
                    for lb in &created {
                        let lb: &SimLoadBalancer = lb;
                        release_ip(world, &subnet_id, &lb.vips);
                    }
                    return Err(e);
                }
            }
        } else {
            vec![public_vip(world)]
        };
        let name = match &requested_name {
            Some(n)
                if !world
                    .clb
                    .load_balancers
                    .iter()
                    .any(|lb| &lb.name == n && lb.region == ctx.region) =>
            {
                n.clone()
            }
            _ => id.clone(),
        };
        ids.push(id.clone());
        created.push(SimLoadBalancer {
            region: ctx.region.clone(),
            id,
            name,
            lb_type: lb_type.clone(),
            forward: 1,
            vpc_id: vpc_id.clone(),
            subnet_id: subnet_id.clone(),
            project_id: project_id as u64,
            vips,
            status: 0,
            create_time: stamp.clone(),
            status_time: stamp.clone(),
            pass_to_target: req.load_balancer_pass_to_target.unwrap_or(false),
            tags: req.tags.clone().unwrap_or_default(),
            charge_type: req
                .lb_charge_type
                .clone()
                .unwrap_or_else(|| "POSTPAID_BY_HOUR".into()),
            master_zone: master_zone.clone(),
            bandwidth_out: req
                .internet_accessible
                .as_ref()
                .and_then(|i| i.internet_max_bandwidth_out)
                .unwrap_or(10),
            listeners: Vec::new(),
        });
    }
    world.clb.load_balancers.extend(created);
    let duration = world.duration(world.durations.clb_create, &ctx.request_id);
    let task_id = start_task(
        world,
        ctx,
        ids.clone(),
        duration,
        ClbChange::CreateLoadBalancers,
    )?;
    let deal_name = deal_name(world, ctx);
    if let Some(t) = world.clb.tasks.iter_mut().find(|t| t.id == task_id) {
        t.deal_name = deal_name.clone();
    }
    if let Some(token) = req.client_token.filter(|t| !t.is_empty()) {
        world.clb.client_tokens.insert(token, task_id);
    }
    Ok(reply(&clb::CreateLoadBalancerResponse {
        load_balancer_ids: Some(ids),
        deal_name: Some(deal_name),
        request_id: None,
    }))
}

/// An order number shaped like the real ones (`20220101660009831340631`).
fn deal_name(world: &mut World, ctx: &Ctx) -> String {
    let date = chrono::DateTime::from_timestamp(ctx.unix_time, 0)
        .unwrap_or_default()
        .format("%Y%m%d")
        .to_string();
    let tail: u64 = world
        .rng
        .0
        .gen_range(100_000_000_000_000..999_999_999_999_999);
    format!("{date}{tail}")
}

fn default_vpc(world: &World, region: &str) -> String {
    let in_region = || world.vpc.vpcs.iter().filter(|v| v.region == region);
    in_region()
        .find(|v| v.vpc.is_default == Some(true))
        .or_else(|| in_region().next())
        .and_then(|v| v.vpc.vpc_id.clone())
        .unwrap_or_default()
}

/// A public VIP not used by any other CLB.
fn public_vip(world: &mut World) -> String {
    loop {
        let a: u8 = world.rng.0.gen_range(1..=254);
        let b: u8 = world.rng.0.gen_range(1..=254);
        let ip = format!("119.29.{a}.{b}");
        if !world
            .clb
            .load_balancers
            .iter()
            .any(|lb| lb.vips.contains(&ip))
        {
            return ip;
        }
    }
}

fn describe_load_balancers(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::DescribeLoadBalancersRequest = parse(params)?;
    let win = window(req.offset, req.limit)?;
    let ids = req.load_balancer_ids.clone().unwrap_or_default();
    if ids.len() > 20 {
        return Err(SimError::new(
            "InvalidParameterValue.Length",
            "At most 20 LoadBalancerIds may be given.",
        ));
    }
    let filters = req.filters.clone().unwrap_or_default();
    let known = [
        "charge-type",
        "internet-charge-type",
        "master-zone-id",
        "tag-key",
        "tag:*",
        "function-name",
        "vip-isp",
        "sla-type",
        "exclusive",
    ];
    let specs: Vec<_> = filters
        .iter()
        .map(|f| crate::sim::svc_util::FilterSpec {
            name: f.name.clone().unwrap_or_default(),
            values: f.values.clone().unwrap_or_default(),
        })
        .collect();
    crate::sim::svc_util::check_filter_names(&specs, &known, "InvalidParameter.InvalidFilter")?;

    let backend_ip_matches = |lb: &SimLoadBalancer, ips: &[String], public: bool| {
        lb.listeners.iter().any(|l| {
            all_targets(l).any(|t| {
                world.cvm.instance(&t.instance_id).is_some_and(|i| {
                    let addrs = if public {
                        i.instance.public_ip_addresses.clone().unwrap_or_default()
                    } else {
                        i.instance.private_ip_addresses.clone().unwrap_or_default()
                    };
                    addrs.iter().any(|a| ips.contains(a))
                })
            })
        })
    };

    let mut matched: Vec<&SimLoadBalancer> = world
        .clb
        .load_balancers
        .iter()
        .filter(|lb| lb.region == ctx.region)
        .filter(|lb| ids.is_empty() || ids.contains(&lb.id))
        .filter(|lb| {
            req.load_balancer_type
                .as_ref()
                .is_none_or(|t| &lb.lb_type == t)
        })
        .filter(|lb| req.forward.is_none_or(|f| f < 0 || lb.forward as i64 == f))
        .filter(|lb| {
            req.load_balancer_name
                .as_ref()
                .is_none_or(|n| lb.name.contains(n.as_str()))
        })
        .filter(|lb| {
            req.load_balancer_vips
                .as_ref()
                .is_none_or(|v| v.is_empty() || lb.vips.iter().any(|x| v.contains(x)))
        })
        .filter(|lb| req.project_id.is_none_or(|p| lb.project_id as i64 == p))
        .filter(|lb| {
            req.vpc_id
                .as_ref()
                .is_none_or(|v| v.is_empty() || &lb.vpc_id == v)
        })
        .filter(|lb| {
            req.search_key.as_ref().is_none_or(|k| {
                lb.name.contains(k.as_str())
                    || lb.id.contains(k.as_str())
                    || lb.vips.iter().any(|v| v.contains(k.as_str()))
            })
        })
        .filter(|lb| {
            req.with_rs.is_none_or(|w| {
                let bound = lb.listeners.iter().any(|l| all_targets(l).next().is_some());
                w < 0 || (w == 1) == bound
            })
        })
        .filter(|lb| {
            req.backend_private_ips
                .as_ref()
                .is_none_or(|ips| ips.is_empty() || backend_ip_matches(lb, ips, false))
        })
        .filter(|lb| {
            req.backend_public_ips
                .as_ref()
                .is_none_or(|ips| ips.is_empty() || backend_ip_matches(lb, ips, true))
        })
        .filter(|lb| specs.iter().all(|f| lb_filter_matches(lb, f)))
        .collect();

    // Default order: CreateTime, newest first (OrderType 1).
    let desc = req.order_type.unwrap_or(1) == 1;
    match req.order_by.as_deref().unwrap_or("CreateTime") {
        "LoadBalancerName" => matched.sort_by(|a, b| a.name.cmp(&b.name)),
        "LoadBalancerType" => matched.sort_by(|a, b| a.lb_type.cmp(&b.lb_type)),
        _ => matched.sort_by(|a, b| a.create_time.cmp(&b.create_time)),
    }
    if desc {
        matched.reverse();
    }
    let with_count = req
        .additional_fields
        .as_ref()
        .is_some_and(|f| f.iter().any(|x| x == "TargetCount"));
    let total = matched.len() as u64;
    let set: Vec<clb::LoadBalancer> = page(&matched, win)
        .into_iter()
        .map(|lb| lb_model(world, lb, with_count))
        .collect();
    Ok(reply(&clb::DescribeLoadBalancersResponse {
        total_count: Some(total),
        load_balancer_set: Some(set),
        request_id: None,
    }))
}

fn lb_filter_matches(lb: &SimLoadBalancer, f: &crate::sim::svc_util::FilterSpec) -> bool {
    let any = |v: &str| f.values.iter().any(|x| x == v);
    match f.name.as_str() {
        "charge-type" => any(&lb.charge_type),
        "internet-charge-type" => any("TRAFFIC_POSTPAID_BY_HOUR"),
        "master-zone-id" => any(&lb.master_zone),
        "vip-isp" => any(if lb.lb_type == "INTERNAL" {
            "INTERNAL"
        } else {
            "BGP"
        }),
        "exclusive" => any("0"),
        "sla-type" | "function-name" => false,
        "tag-key" => lb
            .tags
            .iter()
            .any(|t| t.tag_key.as_deref().is_some_and(any)),
        name => match name.strip_prefix("tag:") {
            Some(key) => lb.tags.iter().any(|t| {
                t.tag_key.as_deref() == Some(key) && t.tag_value.as_deref().is_some_and(any)
            }),
            None => false,
        },
    }
}

/// Every target of a listener, layer 4 or 7.
pub(crate) fn all_targets(l: &SimListener) -> impl Iterator<Item = &SimTarget> {
    l.targets
        .iter()
        .chain(l.rules.iter().flat_map(|r| r.targets.iter()))
}

/// The zone an answer names for `lb`: a public CLB's master zone, or the
/// zone of an internal CLB's subnet (where its VIP lives).
fn lb_zone<'w>(world: &'w World, lb: &'w SimLoadBalancer) -> &'w str {
    if !lb.master_zone.is_empty() {
        return &lb.master_zone;
    }
    world.vpc.subnet(&lb.subnet_id).map_or("", |s| s.zone())
}

/// A stable numeric form of a VPC id (`NumericalVpcId`), as the API gives
/// one for every VPC.
fn numerical_vpc_id(vpc_id: &str) -> u64 {
    let h = crate::cloud::sign::sha256_hex(vpc_id.as_bytes());
    100_000 + u64::from_str_radix(&h[..8], 16).unwrap_or(0) % 900_000
}

fn lb_model(world: &World, lb: &SimLoadBalancer, with_count: bool) -> clb::LoadBalancer {
    let zone_name = lb_zone(world, lb);
    let zone = (!zone_name.is_empty())
        .then(|| world.zone(zone_name))
        .flatten()
        .map(|(r, z)| clb::ZoneInfo {
            zone_id: z.zone_id.parse().ok(),
            zone: Some(z.zone.clone()),
            zone_name: Some(z.name.clone()),
            zone_region: Some(r.region.clone()),
            local_zone: Some(false),
            edge_zone: Some(false),
        });
    let target_count: u64 = lb
        .listeners
        .iter()
        .map(|l| all_targets(l).count() as u64)
        .sum();
    clb::LoadBalancer {
        load_balancer_id: Some(lb.id.clone()),
        load_balancer_name: Some(lb.name.clone()),
        load_balancer_type: Some(lb.lb_type.clone()),
        forward: Some(lb.forward),
        domain: Some(String::new()),
        load_balancer_vips: Some(lb.vips.clone()),
        status: Some(lb.status),
        create_time: Some(lb.create_time.clone()),
        status_time: Some(lb.status_time.clone()),
        project_id: Some(lb.project_id),
        vpc_id: Some(lb.vpc_id.clone()),
        open_bgp: Some(0),
        snat: Some(false),
        isolation: Some(0),
        subnet_id: Some(lb.subnet_id.clone()),
        tags: Some(lb.tags.clone()),
        secure_groups: Some(Vec::new()),
        target_region_info: Some(clb::TargetRegionInfo {
            region: Some(lb.region.clone()),
            vpc_id: Some(lb.vpc_id.clone()),
            numerical_vpc_id: Some(numerical_vpc_id(&lb.vpc_id) as i64),
        }),
        numerical_vpc_id: Some(numerical_vpc_id(&lb.vpc_id)),
        // features the sandbox's CLBs do not use, as the API answers them
        log_set_id: Some(String::new()),
        log_topic_id: Some(String::new()),
        health_log_set_id: Some(String::new()),
        health_log_topic_id: Some(String::new()),
        config_id: Some(String::new()),
        exclusive_cluster: Some(clb::ExclusiveCluster::default()),
        sla_type: Some(String::new()),
        is_block_time: Some(String::new()),
        attribute_flags: Some(Vec::new()),
        egress: Some(String::new()),
        anycast_zone: Some(String::new()),
        address_ip_version: Some("ipv4".into()),
        vip_isp: Some(
            if lb.lb_type == "INTERNAL" {
                "INTERNAL"
            } else {
                "BGP"
            }
            .into(),
        ),
        master_zone: zone,
        charge_type: Some(lb.charge_type.clone()),
        network_attributes: Some(clb::InternetAccessible {
            internet_charge_type: Some("TRAFFIC_POSTPAID_BY_HOUR".into()),
            internet_max_bandwidth_out: Some(lb.bandwidth_out),
            bandwidthpkg_sub_type: Some("BGP".into()),
        }),
        load_balancer_pass_to_target: Some(lb.pass_to_target),
        is_d_dos: Some(false),
        snat_pro: Some(false),
        snat_ips: Some(Vec::new()),
        is_block: Some(false),
        local_bgp: Some(false),
        mix_ip_target: Some(false),
        load_balancer_domain: Some(String::new()),
        target_count: with_count.then_some(target_count),
        ..Default::default()
    }
}

fn delete_load_balancer(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::DeleteLoadBalancerRequest = parse(params)?;
    let ids = req.load_balancer_ids.unwrap_or_default();
    if ids.is_empty() || ids.len() > 20 {
        return Err(SimError::new(
            "InvalidParameterValue.Length",
            "LoadBalancerIds must hold 1 to 20 ids.",
        ));
    }
    for id in &ids {
        let lb = lookup(world, ctx, id)?;
        let targets: usize = lb.listeners.iter().map(|l| all_targets(l).count()).sum();
        if targets >= 20 && !req.force_delete.unwrap_or(false) {
            return Err(SimError::new(
                "FailedOperation.TargetNumCheckRisk",
                format!("The load balancer {id} has {targets} bound targets; pass ForceDelete=true to delete it."),
            ));
        }
    }
    let duration = world.duration(world.durations.clb_task, &ctx.request_id);
    start_task(world, ctx, ids, duration, ClbChange::DeleteLoadBalancers)?;
    Ok(serde_json::json!({}))
}

fn describe_task_status(world: &mut World, params: &Value) -> SimResult {
    let req: clb::DescribeTaskStatusRequest = parse(params)?;
    let key = req
        .task_id
        .filter(|s| !s.is_empty())
        .or(req.deal_name.filter(|s| !s.is_empty()))
        .ok_or_else(|| {
            SimError::new(
                "MissingParameter",
                "One of TaskId and DealName is required.",
            )
        })?;
    let task = world.clb.task(&key).ok_or_else(|| {
        SimError::new(
            "InvalidParameter",
            format!("The task `{key}` does not exist."),
        )
    })?;
    let ids = matches!(task.change, ClbChange::CreateLoadBalancers)
        .then(|| task.load_balancer_ids.clone());
    Ok(reply(&clb::DescribeTaskStatusResponse {
        status: Some(task.status),
        load_balancer_ids: ids,
        message: (!task.message.is_empty()).then(|| task.message.clone()),
        request_id: None,
    }))
}

// ---------------------------------------------------------------- listeners

const PROTOCOLS: [&str; 6] = ["TCP", "UDP", "HTTP", "HTTPS", "TCP_SSL", "QUIC"];

/// Listeners of these protocols share a port space (TCP-based vs UDP-based).
fn port_family(protocol: &str) -> &'static str {
    match protocol {
        "UDP" | "QUIC" => "udp",
        _ => "tcp",
    }
}

fn create_listener(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::CreateListenerRequest = parse(params)?;
    let lb_id = req.load_balancer_id.clone().unwrap_or_default();
    let protocol = req
        .protocol
        .clone()
        .unwrap_or_default()
        .to_ascii_uppercase();
    if !PROTOCOLS.contains(&protocol.as_str()) {
        return Err(SimError::new(
            "InvalidParameterValue",
            format!(
                "Protocol `{protocol}` is not one of {}.",
                PROTOCOLS.join(", ")
            ),
        ));
    }
    let ports = req.ports.clone().unwrap_or_default();
    if ports.is_empty() {
        return Err(SimError::new(
            "MissingParameter",
            "Ports must hold at least one port.",
        ));
    }
    if let Some(p) = ports.iter().find(|p| !(1..=65535).contains(*p)) {
        return Err(SimError::new(
            "InvalidParameterValue.Range",
            format!("Port `{p}` is outside 1-65535."),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(p) = ports.iter().find(|p| !seen.insert(**p)) {
        return Err(SimError::new(
            "InvalidParameterValue.Duplicate",
            format!("Port `{p}` is given twice."),
        ));
    }
    let names = req.listener_names.clone().unwrap_or_default();
    if !names.is_empty() && names.len() != ports.len() {
        return Err(SimError::new(
            "InvalidParameterValue.Length",
            "ListenerNames must have one name per port.",
        ));
    }
    if (protocol == "TCP_SSL" || (protocol == "HTTPS" && req.sni_switch.unwrap_or(0) != 1))
        && req.certificate.is_none()
        && req.multi_cert_info.is_none()
    {
        return Err(SimError::new(
            "InvalidParameter",
            format!("A {protocol} listener needs Certificate or MultiCertInfo."),
        ));
    }
    if req.health_check.is_some() && is_layer7(&protocol) {
        return Err(SimError::new(
            "InvalidParameter.ProtocolCheckFailed",
            "HealthCheck applies to TCP/UDP/TCP_SSL/QUIC listeners only; HTTP(S) rules carry their own.",
        ));
    }
    let lb = lookup(world, ctx, &lb_id)?;
    // The default quota: 50 listeners per CLB instance.
    let max = crate::cloud::limits::LISTENERS_PER_CLB;
    if lb.listeners.len() + ports.len() > max {
        return Err(SimError::new(
            "LimitExceeded",
            format!(
                "{lb_id} has {} listeners; {} more would pass the quota of {max} per load balancer.",
                lb.listeners.len(),
                ports.len()
            ),
        ));
    }
    for p in &ports {
        if let Some(l) = lb
            .listeners
            .iter()
            .find(|l| l.port == *p && port_family(&l.protocol) == port_family(&protocol))
        {
            return Err(SimError::new(
                "InvalidParameter.PortCheckFailed",
                format!(
                    "Port {p} is already used by the {} listener {} of {lb_id}.",
                    l.protocol, l.id
                ),
            ));
        }
    }
    ensure_idle(world, &lb_id)?;

    let health =
        (!is_layer7(&protocol)).then(|| with_health_defaults(req.health_check.clone(), &protocol));
    let mut listeners = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let id = world.new_id("lbl");
        let location_id = world.new_id("loc");
        listeners.push(SimListener {
            id,
            name: names
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("{protocol}-{port}")),
            protocol: protocol.clone(),
            port: *port,
            health_check: health.clone(),
            scheduler: req.scheduler.clone().unwrap_or_else(|| "WRR".into()),
            session_expire_time: req.session_expire_time.unwrap_or(0),
            create_time: String::new(),
            location_id,
            targets: Vec::new(),
            rules: Vec::new(),
        });
    }
    let ids: Vec<String> = listeners.iter().map(|l| l.id.clone()).collect();
    let duration = world.duration(world.durations.clb_task, &ctx.request_id);
    start_task(
        world,
        ctx,
        vec![lb_id.clone()],
        duration,
        ClbChange::CreateListeners {
            load_balancer_id: lb_id,
            listeners,
        },
    )?;
    Ok(reply(&clb::CreateListenerResponse {
        listener_ids: Some(ids),
        request_id: None,
    }))
}

/// The documented defaults of a layer-4 listener's health check.
pub(crate) fn with_health_defaults(
    hc: Option<clb::HealthCheck>,
    protocol: &str,
) -> clb::HealthCheck {
    let hc = hc.unwrap_or_default();
    clb::HealthCheck {
        health_switch: Some(hc.health_switch.unwrap_or(1)),
        time_out: Some(hc.time_out.unwrap_or(2)),
        interval_time: Some(hc.interval_time.unwrap_or(5)),
        health_num: Some(hc.health_num.unwrap_or(3)),
        un_health_num: Some(hc.un_health_num.unwrap_or(3)),
        check_type: Some(
            hc.check_type
                .clone()
                .unwrap_or_else(|| if protocol == "UDP" { "PING" } else { "TCP" }.into()),
        ),
        source_ip_type: Some(hc.source_ip_type.unwrap_or(0)),
        ..hc
    }
}

fn describe_listeners(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::DescribeListenersRequest = parse(params)?;
    let lb = lookup(world, ctx, req.load_balancer_id.as_deref().unwrap_or(""))?;
    let ids = req.listener_ids.clone().unwrap_or_default();
    let protocol = req.protocol.as_ref().map(|p| p.to_ascii_uppercase());
    let listeners: Vec<clb::Listener> = lb
        .listeners
        .iter()
        .filter(|l| ids.is_empty() || ids.contains(&l.id))
        .filter(|l| protocol.as_ref().is_none_or(|p| &l.protocol == p))
        .filter(|l| req.port.is_none_or(|p| l.port == p))
        .map(listener_model)
        .collect();
    Ok(reply(&clb::DescribeListenersResponse {
        total_count: Some(listeners.len() as u64),
        listeners: Some(listeners),
        request_id: None,
    }))
}

fn listener_model(l: &SimListener) -> clb::Listener {
    let rules = l.is_layer7().then(|| {
        l.rules
            .iter()
            .map(|r| clb::RuleOutput {
                location_id: Some(r.location_id.clone()),
                domain: Some(r.domain.clone()),
                url: Some(r.url.clone()),
                health_check: Some(with_health_defaults(r.health_check.clone(), "HTTP")),
                scheduler: Some("WRR".into()),
                listener_id: Some(l.id.clone()),
                forward_type: Some(l.protocol.clone()),
                create_time: Some(l.create_time.clone()),
                target_type: Some("NODE".into()),
                domains: Some(vec![r.domain.clone()]),
                ..Default::default()
            })
            .collect()
    });
    clb::Listener {
        listener_id: Some(l.id.clone()),
        protocol: Some(l.protocol.clone()),
        port: Some(l.port),
        health_check: l.health_check.clone(),
        scheduler: Some(l.scheduler.clone()),
        session_expire_time: Some(l.session_expire_time),
        sni_switch: Some(0),
        rules,
        listener_name: Some(l.name.clone()),
        create_time: Some(l.create_time.clone()),
        end_port: Some(0),
        target_type: Some("NODE".into()),
        session_type: Some("NORMAL".into()),
        toa: Some(false),
        deregister_target_rst: Some(false),
        attr_flags: Some(Vec::new()),
        max_conn: Some(-1),
        max_cps: Some(-1),
        idle_connect_timeout: Some(if l.protocol == "UDP" { 300 } else { 900 }),
        ..Default::default()
    }
}

fn delete_listener(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::DeleteListenerRequest = parse(params)?;
    let lb_id = req.load_balancer_id.unwrap_or_default();
    let listener_id = req.listener_id.unwrap_or_default();
    let lb = lookup(world, ctx, &lb_id)?;
    if !lb.listeners.iter().any(|l| l.id == listener_id) {
        return Err(SimError::new(
            "InvalidParameter.ListenerIdNotFound",
            format!("The listener `{listener_id}` does not exist on {lb_id}."),
        ));
    }
    let duration = world.duration(world.durations.clb_task, &ctx.request_id);
    start_task(
        world,
        ctx,
        vec![lb_id.clone()],
        duration,
        ClbChange::DeleteListener {
            load_balancer_id: lb_id,
            listener_id,
        },
    )?;
    Ok(serde_json::json!({}))
}

/// A finished task's status by id: `Some(0|1|2)`, `None` if unknown.
pub fn task_status(world: &World, task_id: &str) -> Option<i64> {
    world.clb.task(task_id).map(|t| t.status)
}

/// Removes `instances` from every listener and rule of every CLB (a
/// terminated instance, as the real CLB unbinds it).
pub fn unbind_instances(world: &mut World, instances: &[String]) {
    if instances.is_empty() {
        return;
    }
    let gone = |t: &SimTarget| instances.contains(&t.instance_id);
    for lb in &mut world.clb.load_balancers {
        for l in &mut lb.listeners {
            l.targets.retain(|t| !gone(t));
            for r in &mut l.rules {
                r.targets.retain(|t| !gone(t));
            }
        }
    }
}
