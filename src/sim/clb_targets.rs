//! Simulated CLB backends: binding, unbinding and reweighting targets (as
//! tasks), DescribeTargets, and the health checks of DescribeTargetHealth.
//!
//! Binding rules (checked when the call is made, as the real API does):
//! the instance exists in the region and is in the CLB's VPC; port 1-65535;
//! weight 0-100 (default 10); at most 20 targets per call; a layer-7
//! listener needs a rule (`LocationId`, or `Domain` + `Url`). Registering a
//! target that is already bound on that port is accepted and only updates
//! its weight, so a retried RegisterTargets never fails; deregistering one
//! that is not bound is `InvalidParameter`.
//!
//! Health (computed when asked, from the current world):
//! - `Unknown` until `durations.health` after the binding took effect;
//! - `Alive` when the instance is RUNNING and its security groups let the
//!   health-check source reach the backend port (protocol TCP, or UDP for
//!   UDP/QUIC listeners; `CheckPort` if set); `Dead` otherwise;
//! - the source is the CLB's VIP for INTERNAL CLBs (`SourceIpType` 0, the
//!   default) and `100.64.0.1` — the documented 100.64.0.0/10 health-check
//!   range — for `SourceIpType` 1 and for public (OPEN) CLBs, whose public
//!   VIP is not an address inside the VPC;
//! - `Dead` for one health period after a TAT command restarted the
//!   instance's service (for good with `restart_breaks_service`);
//! - `LoadBalancerPassToTarget` CLBs skip the backend security groups;
//! - `HealthSwitch` 0 reports `Close`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cloud::models::clb;
use crate::sim::clb::{
    ensure_idle, lookup, start_task, ClbChange, SimListener, SimLoadBalancer, SimTarget,
};
use crate::sim::svc_util::{parse, reply};
use crate::sim::world::{Ctx, SimError, SimResult, World};

/// The health-check source of public CLBs and of `SourceIpType` 1.
pub const HEALTH_CHECK_RANGE_SOURCE: &str = "100.64.0.1";

/// One target of one listener (or layer-7 rule).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Binding {
    pub listener_id: String,
    /// The rule of a layer-7 listener.
    pub location_id: Option<String>,
    pub instance_id: String,
    pub port: i64,
    pub weight: i64,
}

pub fn handle(world: &mut World, ctx: &Ctx, action: &str, params: &Value) -> SimResult {
    match action {
        "RegisterTargets" => register_targets(world, ctx, params),
        "BatchRegisterTargets" => batch_register_targets(world, ctx, params),
        "DeregisterTargets" => deregister_targets(world, ctx, params),
        "ModifyTargetWeight" => modify_target_weight(world, ctx, params),
        "DescribeTargets" => describe_targets(world, ctx, params),
        "DescribeTargetHealth" => describe_target_health(world, ctx, params),
        _ => Err(SimError::new(
            "InvalidAction",
            format!("The action `{action}` is not supported by the simulated clb."),
        )),
    }
}

/// Starts binding `bindings` to CLB `lb_id` as a task with id
/// `ctx.request_id` (Auto Scaling uses this path too). Validates like
/// RegisterTargets; `FailedOperation.ResourceInOperating` while another task runs.
pub fn start_register(
    world: &mut World,
    ctx: &Ctx,
    lb_id: &str,
    bindings: Vec<Binding>,
) -> Result<String, SimError> {
    let bindings = resolve_bindings(world, ctx, lb_id, bindings, true)?;
    let duration = world.duration(world.durations.clb_task, &ctx.request_id);
    start_task(
        world,
        ctx,
        vec![lb_id.to_string()],
        duration,
        ClbChange::Register {
            load_balancer_id: lb_id.to_string(),
            bindings,
        },
    )
}

/// Starts unbinding (the targets must be bound); same rules as [`start_register`].
pub fn start_deregister(
    world: &mut World,
    ctx: &Ctx,
    lb_id: &str,
    bindings: Vec<Binding>,
) -> Result<String, SimError> {
    let bindings = resolve_bindings(world, ctx, lb_id, bindings, false)?;
    {
        let lb = lookup(world, ctx, lb_id)?;
        for b in &bindings {
            if find_target(lb, b).is_none() {
                return Err(SimError::new(
                    "InvalidParameter",
                    format!(
                        "The target {}:{} is not bound to the listener {}.",
                        b.instance_id, b.port, b.listener_id
                    ),
                ));
            }
        }
    }
    let duration = world.duration(world.durations.clb_task, &ctx.request_id);
    start_task(
        world,
        ctx,
        vec![lb_id.to_string()],
        duration,
        ClbChange::Deregister {
            load_balancer_id: lb_id.to_string(),
            bindings,
        },
    )
}

fn register_targets(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::RegisterTargetsRequest = parse(params)?;
    let lb_id = req.load_balancer_id.clone().unwrap_or_default();
    let bindings = bindings_of(
        &req.listener_id,
        &req.location_id,
        &req.domain,
        &req.url,
        &req.targets,
        world,
        ctx,
        &lb_id,
    )?;
    start_register(world, ctx, &lb_id, bindings)?;
    Ok(serde_json::json!({}))
}

fn batch_register_targets(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::BatchRegisterTargetsRequest = parse(params)?;
    let lb_id = req.load_balancer_id.clone().unwrap_or_default();
    let targets = req.targets.clone().unwrap_or_default();
    if targets.is_empty() || targets.len() > 500 {
        return Err(SimError::new(
            "InvalidParameterValue.Length",
            "Targets must hold 1 to 500 entries.",
        ));
    }
    let bindings: Vec<Binding> = targets
        .iter()
        .map(|t| {
            if t.eni_ip.is_some() {
                return Err(eni_unsupported());
            }
            Ok(Binding {
                listener_id: t.listener_id.clone().unwrap_or_default(),
                location_id: t.location_id.clone(),
                instance_id: t.instance_id.clone().unwrap_or_default(),
                port: t.port.unwrap_or(0),
                weight: t.weight.unwrap_or(10),
            })
        })
        .collect::<Result<_, _>>()?;
    start_register(world, ctx, &lb_id, bindings)?;
    Ok(reply(&clb::BatchRegisterTargetsResponse {
        fail_listener_id_set: Some(Vec::new()),
        message: None,
        request_id: None,
    }))
}

fn deregister_targets(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::DeregisterTargetsRequest = parse(params)?;
    let lb_id = req.load_balancer_id.clone().unwrap_or_default();
    let bindings = bindings_of(
        &req.listener_id,
        &req.location_id,
        &req.domain,
        &req.url,
        &req.targets,
        world,
        ctx,
        &lb_id,
    )?;
    start_deregister(world, ctx, &lb_id, bindings)?;
    Ok(serde_json::json!({}))
}

fn modify_target_weight(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::ModifyTargetWeightRequest = parse(params)?;
    let lb_id = req.load_balancer_id.clone().unwrap_or_default();
    let mut targets = req.targets.clone().unwrap_or_default();
    // Targets.Weight wins over the request-level Weight.
    let default_weight = req.weight.unwrap_or(10);
    for t in &mut targets {
        t.weight = Some(t.weight.unwrap_or(default_weight));
    }
    let bindings = bindings_of(
        &req.listener_id,
        &req.location_id,
        &req.domain,
        &req.url,
        &Some(targets),
        world,
        ctx,
        &lb_id,
    )?;
    let bindings = resolve_bindings(world, ctx, &lb_id, bindings, false)?;
    {
        let lb = lookup(world, ctx, &lb_id)?;
        if let Some(b) = bindings.iter().find(|b| find_target(lb, b).is_none()) {
            return Err(SimError::new(
                "InvalidParameter",
                format!(
                    "The target {}:{} is not bound to the listener {}.",
                    b.instance_id, b.port, b.listener_id
                ),
            ));
        }
    }
    let duration = world.duration(world.durations.clb_task, &ctx.request_id);
    start_task(
        world,
        ctx,
        vec![lb_id.clone()],
        duration,
        ClbChange::ModifyWeight {
            load_balancer_id: lb_id,
            bindings,
        },
    )?;
    Ok(serde_json::json!({}))
}

fn eni_unsupported() -> SimError {
    SimError::new(
        "InvalidParameter",
        "The simulator binds CVM instances by InstanceId only (EniIp is not supported).",
    )
}

/// The bindings of a Register/Deregister/ModifyTargetWeight request, with
/// the layer-7 rule resolved from `LocationId` or `Domain` + `Url`.
#[allow(clippy::too_many_arguments)]
fn bindings_of(
    listener_id: &Option<String>,
    location_id: &Option<String>,
    domain: &Option<String>,
    url: &Option<String>,
    targets: &Option<Vec<clb::Target>>,
    world: &World,
    ctx: &Ctx,
    lb_id: &str,
) -> Result<Vec<Binding>, SimError> {
    let listener_id = listener_id.clone().unwrap_or_default();
    let targets = targets.clone().unwrap_or_default();
    let max = crate::cloud::limits::TARGETS_PER_CALL;
    if targets.is_empty() || targets.len() > max {
        return Err(SimError::new(
            "InvalidParameterValue.Length",
            format!("Targets must hold 1 to {max} entries."),
        ));
    }
    let mut location = location_id.clone().filter(|l| !l.is_empty());
    if location.is_none() {
        if let (Some(d), Some(u)) = (domain, url) {
            let lb = lookup(world, ctx, lb_id)?;
            let rule = lb
                .listeners
                .iter()
                .filter(|l| l.id == listener_id)
                .flat_map(|l| l.rules.iter())
                .find(|r| &r.domain == d && &r.url == u)
                .ok_or_else(|| {
                    SimError::new(
                        "InvalidParameter.LocationNotFound",
                        format!("No rule {d}{u} on the listener {listener_id}."),
                    )
                })?;
            location = Some(rule.location_id.clone());
        }
    }
    targets
        .iter()
        .map(|t| {
            if t.eni_ip.is_some() {
                return Err(eni_unsupported());
            }
            Ok(Binding {
                listener_id: listener_id.clone(),
                location_id: location.clone(),
                instance_id: t.instance_id.clone().unwrap_or_default(),
                port: t.port.unwrap_or(0),
                weight: t.weight.unwrap_or(10),
            })
        })
        .collect()
}

/// Checks bindings against the CLB, its listeners and the instances.
/// `fresh` is true for new bindings (instance checks apply).
fn resolve_bindings(
    world: &World,
    ctx: &Ctx,
    lb_id: &str,
    bindings: Vec<Binding>,
    fresh: bool,
) -> Result<Vec<Binding>, SimError> {
    let lb = lookup(world, ctx, lb_id)?;
    ensure_idle(world, lb_id)?;
    if bindings.is_empty() {
        return Err(SimError::new(
            "MissingParameter",
            "Targets must not be empty.",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for b in &bindings {
        let listener = lb
            .listeners
            .iter()
            .find(|l| l.id == b.listener_id)
            .ok_or_else(|| {
                SimError::new(
                    "InvalidParameter.ListenerIdNotFound",
                    format!(
                        "The listener `{}` does not exist on {lb_id}.",
                        b.listener_id
                    ),
                )
            })?;
        if listener.is_layer7() {
            let loc = b.location_id.as_deref().unwrap_or("");
            if !listener.rules.iter().any(|r| r.location_id == loc) {
                return Err(SimError::new(
                    "InvalidParameter.LocationNotFound",
                    format!(
                        "The {} listener {} needs the rule to bind to (LocationId, or Domain and Url).",
                        listener.protocol, listener.id
                    ),
                ));
            }
        }
        if !(1..=65535).contains(&b.port) {
            return Err(SimError::new(
                "InvalidParameterValue.Range",
                format!("Port `{}` is outside 1-65535.", b.port),
            ));
        }
        if !(0..=100).contains(&b.weight) {
            return Err(SimError::new(
                "InvalidParameterValue.Range",
                format!("Weight `{}` is outside 0-100.", b.weight),
            ));
        }
        if b.instance_id.is_empty() {
            return Err(SimError::new(
                "MissingParameter",
                "Targets.InstanceId is required.",
            ));
        }
        if !seen.insert((
            b.listener_id.clone(),
            b.location_id.clone(),
            b.instance_id.clone(),
            b.port,
        )) {
            return Err(SimError::new(
                "InvalidParameterValue.Duplicate",
                format!("The target {}:{} is given twice.", b.instance_id, b.port),
            ));
        }
        if fresh {
            check_instance(world, ctx, lb, &b.instance_id)?;
        }
    }
    Ok(bindings)
}

fn check_instance(
    world: &World,
    ctx: &Ctx,
    lb: &SimLoadBalancer,
    instance_id: &str,
) -> Result<(), SimError> {
    let inst = world
        .cvm
        .instance(instance_id)
        .filter(|i| i.region == ctx.region)
        .ok_or_else(|| {
            SimError::new(
                "InvalidParameterValue",
                format!(
                    "The instance `{instance_id}` does not exist in {}.",
                    ctx.region
                ),
            )
        })?;
    if matches!(
        inst.state(),
        "LAUNCH_FAILED" | "TERMINATING" | "SHUTTING_DOWN"
    ) {
        return Err(SimError::new(
            "FailedOperation",
            format!(
                "The instance {instance_id} is {} and cannot be bound.",
                inst.state()
            ),
        ));
    }
    if !lb.vpc_id.is_empty() && inst.vpc_id() != lb.vpc_id {
        return Err(SimError::new(
            "InvalidParameterValue",
            format!(
                "The instance {instance_id} is in the VPC {} but the load balancer {} is in {}.",
                inst.vpc_id(),
                lb.id,
                lb.vpc_id
            ),
        ));
    }
    Ok(())
}

fn find_target<'a>(lb: &'a SimLoadBalancer, b: &Binding) -> Option<&'a SimTarget> {
    let l = lb.listeners.iter().find(|l| l.id == b.listener_id)?;
    target_list(l, &b.location_id)?
        .iter()
        .find(|t| t.instance_id == b.instance_id && t.port == b.port)
}

fn target_list<'a>(l: &'a SimListener, location: &Option<String>) -> Option<&'a Vec<SimTarget>> {
    if l.is_layer7() {
        let loc = location.as_deref()?;
        l.rules
            .iter()
            .find(|r| r.location_id == loc)
            .map(|r| &r.targets)
    } else {
        Some(&l.targets)
    }
}

fn target_list_mut<'a>(lb: &'a mut SimLoadBalancer, b: &Binding) -> Option<&'a mut Vec<SimTarget>> {
    let l = lb.listeners.iter_mut().find(|l| l.id == b.listener_id)?;
    if l.is_layer7() {
        let loc = b.location_id.as_deref()?;
        l.rules
            .iter_mut()
            .find(|r| r.location_id == loc)
            .map(|r| &mut r.targets)
    } else {
        Some(&mut l.targets)
    }
}

/// A finished Register task: binds (or reweights an existing binding).
pub(crate) fn apply_register(
    lb: &mut SimLoadBalancer,
    bindings: &[Binding],
    at: f64,
    stamp: &str,
) -> Result<(), String> {
    for b in bindings {
        let Some(list) = target_list_mut(lb, b) else {
            return Err(format!("The listener {} no longer exists.", b.listener_id));
        };
        match list
            .iter_mut()
            .find(|t| t.instance_id == b.instance_id && t.port == b.port)
        {
            Some(t) => t.weight = b.weight,
            None => list.push(SimTarget {
                instance_id: b.instance_id.clone(),
                port: b.port,
                weight: b.weight,
                registered_at: at,
                registered_time: stamp.to_string(),
            }),
        }
    }
    Ok(())
}

pub(crate) fn apply_deregister(lb: &mut SimLoadBalancer, bindings: &[Binding]) {
    for b in bindings {
        if let Some(list) = target_list_mut(lb, b) {
            list.retain(|t| !(t.instance_id == b.instance_id && t.port == b.port));
        }
    }
}

pub(crate) fn apply_weights(lb: &mut SimLoadBalancer, bindings: &[Binding]) {
    for b in bindings {
        if let Some(t) = target_list_mut(lb, b).and_then(|list| {
            list.iter_mut()
                .find(|t| t.instance_id == b.instance_id && t.port == b.port)
        }) {
            t.weight = b.weight;
        }
    }
}

// ---------------------------------------------------------------- describe

fn backend_model(world: &World, t: &SimTarget) -> clb::Backend {
    let inst = world.cvm.instance(&t.instance_id);
    clb::Backend {
        r#type: Some("CVM".into()),
        instance_id: Some(t.instance_id.clone()),
        port: Some(t.port),
        weight: Some(t.weight),
        public_ip_addresses: inst.and_then(|i| i.instance.public_ip_addresses.clone()),
        private_ip_addresses: Some(
            inst.and_then(|i| i.instance.private_ip_addresses.clone())
                .unwrap_or_default(),
        ),
        instance_name: inst.map(|i| i.name().to_string()),
        registered_time: Some(t.registered_time.clone()),
        eni_id: Some(String::new()),
        tag: Some(String::new()),
        zone: inst.map(|i| i.zone().to_string()),
    }
}

fn describe_targets(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::DescribeTargetsRequest = parse(params)?;
    let lb = lookup(world, ctx, req.load_balancer_id.as_deref().unwrap_or(""))?;
    let ids = req.listener_ids.clone().unwrap_or_default();
    if ids.len() > 20 {
        return Err(SimError::new(
            "InvalidParameterValue.Length",
            "At most 20 ListenerIds may be given.",
        ));
    }
    let filters = req.filters.clone().unwrap_or_default();
    let mut by_location: Option<Vec<String>> = None;
    let mut by_ip: Option<Vec<String>> = None;
    let mut by_instance: Option<Vec<String>> = None;
    for f in &filters {
        let values = f.values.clone().unwrap_or_default();
        match f.name.as_deref().unwrap_or("") {
            "location-id" => by_location = Some(values),
            "private-ip-address" => by_ip = Some(values),
            "instance-id" => by_instance = Some(values),
            other => {
                return Err(SimError::new(
                    "InvalidParameter.InvalidFilter",
                    format!("The filter `{other}` is not supported (supported: location-id, private-ip-address, instance-id)."),
                ))
            }
        }
    }
    let keep = |t: &SimTarget| {
        by_instance
            .as_ref()
            .is_none_or(|v| v.contains(&t.instance_id))
            && by_ip.as_ref().is_none_or(|v| {
                world.cvm.instance(&t.instance_id).is_some_and(|i| {
                    i.instance
                        .private_ip_addresses
                        .iter()
                        .flatten()
                        .any(|ip| v.contains(ip))
                })
            })
    };
    let protocol = req.protocol.as_ref().map(|p| p.to_ascii_uppercase());
    let listeners: Vec<clb::ListenerBackend> = lb
        .listeners
        .iter()
        .filter(|l| ids.is_empty() || ids.contains(&l.id))
        .filter(|l| protocol.as_ref().is_none_or(|p| &l.protocol == p))
        .filter(|l| req.port.is_none_or(|p| l.port == p))
        .map(|l| {
            let (targets, rules) = if l.is_layer7() {
                let rules = l
                    .rules
                    .iter()
                    .filter(|r| {
                        by_location
                            .as_ref()
                            .is_none_or(|v| v.contains(&r.location_id))
                    })
                    .map(|r| clb::RuleTargets {
                        location_id: Some(r.location_id.clone()),
                        domain: Some(r.domain.clone()),
                        url: Some(r.url.clone()),
                        targets: Some(
                            r.targets
                                .iter()
                                .filter(|t| keep(t))
                                .map(|t| backend_model(world, t))
                                .collect(),
                        ),
                        function_targets: None,
                    })
                    .collect();
                (None, Some(rules))
            } else {
                let targets = l
                    .targets
                    .iter()
                    .filter(|t| keep(t))
                    .map(|t| backend_model(world, t))
                    .collect();
                (Some(targets), None)
            };
            clb::ListenerBackend {
                listener_id: Some(l.id.clone()),
                protocol: Some(l.protocol.clone()),
                port: Some(l.port),
                rules,
                targets,
                end_port: Some(0),
            }
        })
        .collect();
    Ok(reply(&clb::DescribeTargetsResponse {
        listeners: Some(listeners),
        request_id: None,
    }))
}

/// The verdict of one target's health check at `now`: `Alive`, `Dead`,
/// `Unknown` or `Close` (see the module docs for the rules).
pub fn target_health(
    world: &World,
    lb: &SimLoadBalancer,
    listener: &SimListener,
    health_check: Option<&clb::HealthCheck>,
    target: &SimTarget,
    now: f64,
) -> &'static str {
    if health_check.and_then(|h| h.health_switch) == Some(0) {
        return "Close";
    }
    let health = world.duration(
        world.durations.health,
        &format!("{}@{}", target.instance_id, target.registered_at),
    );
    if now < target.registered_at + health {
        return "Unknown";
    }
    let Some(inst) = world.cvm.instance(&target.instance_id) else {
        return "Dead";
    };
    if !inst.is_running() {
        return "Dead";
    }
    // A restarted service is down for one health-check period (or for
    // good, if it fails to start): what a rolling restart waits out.
    if let Some(at) = inst.restarted_at {
        let period = world.duration(
            world.durations.health,
            &format!("{}@restart{at}", target.instance_id),
        );
        if inst.restart_breaks_service || (now >= at && now < at + period) {
            return "Dead";
        }
    }
    if lb.pass_to_target {
        return "Alive";
    }
    let source_ip_type = health_check.and_then(|h| h.source_ip_type).unwrap_or(0);
    let source = if lb.lb_type == "INTERNAL" && source_ip_type != 1 {
        lb.vips
            .first()
            .map(String::as_str)
            .unwrap_or(HEALTH_CHECK_RANGE_SOURCE)
    } else {
        HEALTH_CHECK_RANGE_SOURCE
    };
    let protocol = match listener.protocol.as_str() {
        "UDP" | "QUIC" => "UDP",
        _ => "TCP",
    };
    let port = health_check
        .and_then(|h| h.check_port)
        .filter(|p| (1..=65535).contains(p))
        .unwrap_or(target.port);
    let port = u16::try_from(port).unwrap_or(0);
    if crate::sim::vpc::ingress_allows(world, inst.security_group_ids(), source, protocol, port) {
        "Alive"
    } else {
        "Dead"
    }
}

/// The health of instance `instance_id` behind any listener of CLB `lb_id`
/// (Auto Scaling's CLB health check): the worst verdict, `None` if unbound.
pub fn instance_health(
    world: &World,
    lb_id: &str,
    instance_id: &str,
    now: f64,
) -> Option<&'static str> {
    let lb = world.clb.load_balancers.iter().find(|lb| lb.id == lb_id)?;
    let mut verdict = None;
    for l in &lb.listeners {
        let hc = l.health_check.as_ref();
        for t in l.targets.iter().filter(|t| t.instance_id == instance_id) {
            verdict = worst(verdict, target_health(world, lb, l, hc, t, now));
        }
        for r in &l.rules {
            for t in r.targets.iter().filter(|t| t.instance_id == instance_id) {
                verdict = worst(
                    verdict,
                    target_health(world, lb, l, r.health_check.as_ref(), t, now),
                );
            }
        }
    }
    verdict
}

fn worst(a: Option<&'static str>, b: &'static str) -> Option<&'static str> {
    let rank = |s: &str| match s {
        "Dead" => 3,
        "Unknown" => 2,
        "Close" => 1,
        _ => 0,
    };
    match a {
        Some(a) if rank(a) >= rank(b) => Some(a),
        _ => Some(b),
    }
}

fn describe_target_health(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: clb::DescribeTargetHealthRequest = parse(params)?;
    let ids = req.load_balancer_ids.clone().unwrap_or_default();
    if ids.is_empty() || ids.len() > 30 {
        return Err(SimError::new(
            "InvalidParameterValue.Length",
            "LoadBalancerIds must hold 1 to 30 ids.",
        ));
    }
    let listener_ids = req.listener_ids.clone().unwrap_or_default();
    let location_ids = req.location_ids.clone().unwrap_or_default();
    let world = &*world;
    let mut out = Vec::new();
    for id in &ids {
        let lb = lookup(world, ctx, id)?;
        let health_of = |l: &SimListener, hc: Option<&clb::HealthCheck>, t: &SimTarget| {
            let detail = target_health(world, lb, l, hc, t, ctx.now);
            clb::TargetHealth {
                ip: world
                    .cvm
                    .instance(&t.instance_id)
                    .map(|i| i.private_ip().to_string()),
                port: Some(t.port),
                health_status: Some(detail == "Alive"),
                target_id: Some(t.instance_id.clone()),
                health_status_detail: Some(detail.to_string()),
                target_group_id: None,
                weight: Some(t.weight.max(0) as u64),
            }
        };
        let listeners = lb
            .listeners
            .iter()
            .filter(|l| listener_ids.is_empty() || listener_ids.contains(&l.id))
            .map(|l| {
                let rules: Vec<clb::RuleHealth> = if l.is_layer7() {
                    l.rules
                        .iter()
                        .filter(|r| {
                            location_ids.is_empty() || location_ids.contains(&r.location_id)
                        })
                        .map(|r| clb::RuleHealth {
                            location_id: Some(r.location_id.clone()),
                            domain: Some(r.domain.clone()),
                            url: Some(r.url.clone()),
                            rule_id: None,
                            targets: Some(
                                r.targets
                                    .iter()
                                    .map(|t| health_of(l, r.health_check.as_ref(), t))
                                    .collect(),
                            ),
                        })
                        .collect()
                } else {
                    vec![clb::RuleHealth {
                        location_id: Some(l.location_id.clone()),
                        domain: None,
                        url: None,
                        rule_id: None,
                        targets: Some(
                            l.targets
                                .iter()
                                .map(|t| health_of(l, l.health_check.as_ref(), t))
                                .collect(),
                        ),
                    }]
                };
                clb::ListenerHealth {
                    listener_id: Some(l.id.clone()),
                    listener_name: Some(l.name.clone()),
                    protocol: Some(l.protocol.clone()),
                    port: Some(l.port),
                    rules: Some(rules),
                }
            })
            .collect();
        out.push(clb::LoadBalancerHealth {
            load_balancer_id: Some(lb.id.clone()),
            load_balancer_name: Some(lb.name.clone()),
            listeners: Some(listeners),
        });
    }
    Ok(reply(&clb::DescribeTargetHealthResponse {
        load_balancers: Some(out),
        request_id: None,
    }))
}

/// Every (listener, target) bound to instance `instance_id` on CLB `lb_id`.
pub fn bindings_of_instance(world: &World, lb_id: &str, instance_id: &str) -> Vec<Binding> {
    let Some(lb) = world.clb.load_balancers.iter().find(|lb| lb.id == lb_id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for l in &lb.listeners {
        for t in l.targets.iter().filter(|t| t.instance_id == instance_id) {
            out.push(Binding {
                listener_id: l.id.clone(),
                location_id: None,
                instance_id: t.instance_id.clone(),
                port: t.port,
                weight: t.weight,
            });
        }
        for r in &l.rules {
            for t in r.targets.iter().filter(|t| t.instance_id == instance_id) {
                out.push(Binding {
                    listener_id: l.id.clone(),
                    location_id: Some(r.location_id.clone()),
                    instance_id: t.instance_id.clone(),
                    port: t.port,
                    weight: t.weight,
                });
            }
        }
    }
    out
}
