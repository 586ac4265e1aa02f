//! What Auto Scaling does over time, advanced by `tick`:
//!
//! - **Activities** (INIT → RUNNING → SUCCESSFUL / PARTIALLY_SUCCESSFUL /
//!   FAILED). A scale-out launches instances through the CVM launch path
//!   ([`crate::sim::cvm::launch_instances`]) from the launch configuration
//!   (image, type, project, security groups, bandwidth, disks) in the
//!   group's subnets (tried in order, PRIORITY), then — once each instance
//!   is RUNNING — binds it to every `ForwardLoadBalancers` listener through
//!   the CLB's own binding path ([`crate::sim::clb_targets::start_register`],
//!   waiting while the CLB is busy with another task, as the real service
//!   does) and marks it IN_SERVICE when the CLB task succeeds. A scale-in
//!   unbinds the chosen instances (OLDEST_INSTANCE or NEWEST_INSTANCE
//!   first), then terminates them through CVM `TerminateInstances`.
//! - **Desired capacity**: when no activity runs and the group's cooldown
//!   has passed, a difference between the desired and the actual number of
//!   instances starts an activity (so failures are retried, as with
//!   `IMMEDIATE_RETRY`).
//! - **Scheduled actions** fire when the simulated wall clock (see
//!   [`crate::sim::autoscaling`]) reaches their next time (cron evaluated
//!   in Beijing time), setting min/max/desired; missed firings collapse into one.
//! - **Alarm policies** read the group's simulated CPU (`POST /_sim/metric`).
//!   A SIMPLE policy fires when its condition has held for
//!   `Period × ContinuousTime` simulated seconds (so `--speed` shortens it
//!   like any other duration) and its cooldown has passed. A
//!   TARGET_TRACKING policy on ASG_AVG_CPU_UTILIZATION scales out after 3
//!   minutes above the target and in after 15 minutes below 80 % of it, to
//!   `ceil(capacity × cpu / target)`, as documented.

use serde_json::{json, Value};

use crate::cloud::models::autoscaling as asm;
use crate::sim::as_schedule::SimCron;
use crate::sim::autoscaling::{GroupInstance, SimActivity, SimScalingGroup};
use crate::sim::clb_targets::{self, Binding};
use crate::sim::svc_util::{iso_utc, parse, reply};
use crate::sim::world::{Ctx, SimError, SimResult, World};

/// Sim seconds an activity stays INIT before it starts working.
const ACTIVITY_START_DELAY: f64 = 1.0;
/// CLB binding attempts before an instance is ATTACH_FAILED.
const MAX_LB_ATTEMPTS: u32 = 5;

fn err(code: &str, msg: impl Into<String>) -> SimError {
    SimError::new(code, msg)
}

fn ctx_at(world: &World, region: &str, now: f64) -> Ctx {
    let mut ctx = Ctx::new(region, now);
    ctx.service = "as".into();
    ctx.unix_time = world.autoscaling.wall(now) as i64;
    ctx
}

pub fn tick(world: &mut World, now: f64) {
    if world.autoscaling.clock_epoch.is_none() {
        let unix = chrono::Utc::now().timestamp() as f64;
        crate::sim::autoscaling::ensure_clock(world, unix, now);
    }
    fire_scheduled_actions(world, now);
    evaluate_alarms(world, now);
    advance_activities(world, now);
    reconcile(world, now);
}

// ---------------------------------------------------------------- activities

/// Starts an activity that brings group `group_id` to its desired capacity;
/// returns its id, or `None` when there is nothing to do.
pub fn start_activity(world: &mut World, now: f64, group_id: &str, cause: &str) -> Option<String> {
    let g = world.autoscaling.group_mut_any(group_id)?;
    let diff = g.desired() - g.live_count();
    if diff == 0 {
        return None;
    }
    let region = g.region.clone();
    let (kind, count) = if diff > 0 {
        ("SCALE_OUT", diff)
    } else {
        ("SCALE_IN", -diff)
    };
    let id = world.new_id("asa");
    let description = if kind == "SCALE_OUT" {
        format!("Activity was launched in response to a difference between desired capacity and actual capacity, scale out {count} instance(s).")
    } else {
        format!("Activity was launched in response to a difference between desired capacity and actual capacity, scale in {count} instance(s).")
    };
    world.autoscaling.activities.push(SimActivity {
        region,
        activity_id: id.clone(),
        group_id: group_id.to_string(),
        activity_type: kind.into(),
        status: "INIT".into(),
        status_message: String::new(),
        cause: cause.to_string(),
        description,
        count,
        instance_ids: Vec::new(),
        created_at: now,
        started_at: None,
        ended_at: None,
        details: Vec::new(),
    });
    Some(id)
}

fn advance_activities(world: &mut World, now: f64) {
    for i in 0..world.autoscaling.activities.len() {
        let a = &world.autoscaling.activities[i];
        if !a.is_running() {
            continue;
        }
        if a.status == "INIT" && now >= a.created_at + ACTIVITY_START_DELAY {
            begin_activity(world, i, now);
        }
        if world.autoscaling.activities[i].status == "RUNNING" {
            progress_activity(world, i, now);
        }
    }
}

fn begin_activity(world: &mut World, i: usize, now: f64) {
    let a = world.autoscaling.activities[i].clone();
    world.autoscaling.activities[i].status = "RUNNING".into();
    world.autoscaling.activities[i].started_at = Some(now);
    let Some(g) = world.autoscaling.group_mut_any(&a.group_id).cloned() else {
        end_activity(
            world,
            i,
            now,
            "FAILED",
            "The scaling group no longer exists.",
        );
        return;
    };
    if a.activity_type == "SCALE_OUT" {
        match launch(world, &g, a.count, now) {
            Ok(launched) => {
                let ids: Vec<String> = launched.iter().map(|x| x.instance_id.clone()).collect();
                let act = &mut world.autoscaling.activities[i];
                act.instance_ids = ids;
                if let Some(g) = world.autoscaling.group_mut_any(&a.group_id) {
                    for mut inst in launched {
                        inst.activity_id = a.activity_id.clone();
                        g.instances.push(inst);
                    }
                }
            }
            Err(e) => {
                world.autoscaling.activities[i]
                    .details
                    .push(asm::DetailedStatusMessage {
                        code: Some(e.code.clone()),
                        message: Some(e.message.clone()),
                        ..Default::default()
                    });
                end_activity(
                    world,
                    i,
                    now,
                    "FAILED",
                    &format!("{}: {}", e.code, e.message),
                );
            }
        }
    } else {
        let newest_first = g
            .group
            .termination_policy_set
            .as_ref()
            .and_then(|t| t.first())
            .is_some_and(|t| t == "NEWEST_INSTANCE");
        let mut candidates: Vec<&GroupInstance> = g
            .instances
            .iter()
            .filter(|x| {
                matches!(
                    x.lifecycle.as_str(),
                    "IN_SERVICE" | "CREATING" | "ATTACHING"
                )
            })
            .collect();
        candidates.sort_by(|x, y| x.add_unix.total_cmp(&y.add_unix));
        if newest_first {
            candidates.reverse();
        }
        let chosen: Vec<String> = candidates
            .iter()
            .take(a.count as usize)
            .map(|x| x.instance_id.clone())
            .collect();
        let lbs = forward_lb_ids(&g);
        world.autoscaling.activities[i].instance_ids = chosen.clone();
        if let Some(g) = world.autoscaling.group_mut_any(&a.group_id) {
            for inst in g
                .instances
                .iter_mut()
                .filter(|x| chosen.contains(&x.instance_id))
            {
                inst.lifecycle = "DETACHING".into();
                inst.pending_lbs = lbs.clone();
                inst.lb_task = None;
                inst.lb_attempts = 0;
            }
        }
    }
}

fn forward_lb_ids(g: &SimScalingGroup) -> Vec<String> {
    let mut ids: Vec<String> = g
        .group
        .forward_load_balancer_set
        .iter()
        .flatten()
        .filter_map(|f| f.load_balancer_id.clone())
        .collect();
    ids.dedup();
    ids
}

/// Launches `count` instances for the group, trying its subnets in order.
fn launch(
    world: &mut World,
    g: &SimScalingGroup,
    count: i64,
    now: f64,
) -> Result<Vec<GroupInstance>, SimError> {
    let lc_id = g.group.launch_configuration_id.clone().unwrap_or_default();
    let lc = world
        .autoscaling
        .launch_configurations
        .iter()
        .find(|l| l.id() == lc_id)
        .cloned()
        .ok_or_else(|| {
            err(
                "InvalidLaunchConfiguration",
                format!("The launch configuration {lc_id} no longer exists."),
            )
        })?;
    let c = &lc.config;
    let group_name = g.group.auto_scaling_group_name.clone().unwrap_or_default();
    let name = c
        .instance_name_settings
        .as_ref()
        .and_then(|s| s.instance_name.clone())
        .unwrap_or_else(|| format!("as-{group_name}"));
    let mut last_err = err("CallCvmError", "The scaling group has no subnet.");
    for subnet_id in g.group.subnet_id_set.iter().flatten() {
        let Some(subnet) = world.vpc.subnet(subnet_id) else {
            continue;
        };
        let zone = subnet.zone().to_string();
        let mut params = json!({
            "ImageId": c.image_id,
            "InstanceType": c.instance_type,
            "InstanceChargeType": c.instance_charge_type.clone().unwrap_or_else(|| "POSTPAID_BY_HOUR".into()),
            "InstanceCount": count,
            "InstanceName": name,
            "Placement": {"Zone": zone, "ProjectId": g.group.project_id.unwrap_or(0)},
            "VirtualPrivateCloud": {"VpcId": g.group.vpc_id, "SubnetId": subnet_id},
            "SecurityGroupIds": c.security_group_ids.clone().unwrap_or_default(),
            "SystemDisk": c.system_disk,
            "DataDisks": c.data_disks.clone().unwrap_or_default(),
        });
        if let Some(ia) = &c.internet_accessible {
            params["InternetAccessible"] = json!({
                "InternetChargeType": ia.internet_charge_type,
                "InternetMaxBandwidthOut": ia.internet_max_bandwidth_out.unwrap_or(0),
                "PublicIpAssigned": ia.public_ip_assigned.unwrap_or(false),
            });
        }
        if lc.keep_image_login {
            params["LoginSettings"] = json!({"KeepImageLogin": "TRUE"});
        } else if let Some(keys) = c
            .login_settings
            .as_ref()
            .and_then(|l| l.key_ids.clone())
            .filter(|k| !k.is_empty())
        {
            params["LoginSettings"] = json!({"KeyIds": keys});
        }
        if let Some(ud) = &c.user_data {
            params["UserData"] = json!(ud);
        }
        let ctx = ctx_at(world, &g.region, now);
        match crate::sim::cvm::launch_instances(world, &ctx, &params) {
            Ok(ids) => {
                return Ok(ids
                    .into_iter()
                    .map(|id| GroupInstance {
                        instance_id: id,
                        lifecycle: "CREATING".into(),
                        creation_type: "AUTO_CREATION".into(),
                        add_unix: world.autoscaling.wall(now),
                        launch_configuration_id: lc_id.clone(),
                        zone: zone.clone(),
                        instance_type: c.instance_type.clone().unwrap_or_default(),
                        ..Default::default()
                    })
                    .collect())
            }
            Err(e) => last_err = e,
        }
    }
    Err(last_err)
}

fn progress_activity(world: &mut World, i: usize, now: f64) {
    let a = world.autoscaling.activities[i].clone();
    let Some(g) = world.autoscaling.group_mut_any(&a.group_id).cloned() else {
        end_activity(
            world,
            i,
            now,
            "FAILED",
            "The scaling group no longer exists.",
        );
        return;
    };
    for id in &a.instance_ids {
        step_instance(world, &g, id, now);
    }
    // Done when every instance of the activity has settled.
    let Some(g) = world.autoscaling.group_mut_any(&a.group_id) else {
        return;
    };
    if a.activity_type == "SCALE_OUT" {
        let states: Vec<String> = a
            .instance_ids
            .iter()
            .map(|id| {
                g.instances
                    .iter()
                    .find(|x| &x.instance_id == id)
                    .map(|x| x.lifecycle.clone())
                    .unwrap_or_else(|| "CREATION_FAILED".into())
            })
            .collect();
        if states
            .iter()
            .any(|s| matches!(s.as_str(), "CREATING" | "ATTACHING"))
        {
            return;
        }
        let ok = states.iter().filter(|s| *s == "IN_SERVICE").count();
        // Failed launches leave the group (the desired-capacity check retries them).
        let messages: Vec<String> = g
            .instances
            .iter()
            .filter(|x| a.instance_ids.contains(&x.instance_id) && x.lifecycle != "IN_SERVICE")
            .map(|x| format!("{}: {}", x.instance_id, x.message))
            .collect();
        g.instances.retain(|x| x.lifecycle != "CREATION_FAILED");
        let (status, message) = if ok == states.len() {
            ("SUCCESSFUL", "Success".to_string())
        } else if ok == 0 {
            ("FAILED", messages.join("; "))
        } else {
            ("PARTIALLY_SUCCESSFUL", messages.join("; "))
        };
        end_activity(world, i, now, status, &message);
    } else {
        let remaining = a
            .instance_ids
            .iter()
            .any(|id| g.instances.iter().any(|x| &x.instance_id == id));
        if !remaining {
            end_activity(world, i, now, "SUCCESSFUL", "Success");
        }
    }
}

fn end_activity(world: &mut World, i: usize, now: f64, status: &str, message: &str) {
    let a = &mut world.autoscaling.activities[i];
    a.status = status.into();
    a.status_message = message.into();
    a.ended_at = Some(now);
    let group_id = a.group_id.clone();
    if let Some(g) = world.autoscaling.group_mut_any(&group_id) {
        g.cooldown_until = now + g.group.default_cooldown.unwrap_or(300) as f64;
    }
}

/// Moves one instance of an activity along: launch → bind → IN_SERVICE,
/// or unbind → terminate → gone.
fn step_instance(world: &mut World, g: &SimScalingGroup, instance_id: &str, now: f64) {
    let Some(inst) = g
        .instances
        .iter()
        .find(|x| x.instance_id == instance_id)
        .cloned()
    else {
        return;
    };
    let cvm_state = world
        .cvm
        .instance(instance_id)
        .map(|x| x.state().to_string())
        .unwrap_or_default();
    let mut next = inst.clone();
    match inst.lifecycle.as_str() {
        "CREATING" => match cvm_state.as_str() {
            "RUNNING" => {
                next.pending_lbs = forward_lb_ids(g);
                next.lifecycle = "ATTACHING".into();
            }
            "LAUNCH_FAILED" | "" => {
                next.lifecycle = "CREATION_FAILED".into();
                next.message = "The instance failed to launch.".into();
            }
            _ => {}
        },
        "ATTACHING" => step_lb(world, g, &mut next, now, true),
        "DETACHING" => step_lb(world, g, &mut next, now, false),
        "TERMINATING" => {
            if cvm_state.is_empty() || cvm_state == "TERMINATING" || cvm_state == "SHUTTING_DOWN" {
                // Handed to CVM: leaves the group.
                if let Some(gm) = world.autoscaling.group_mut_any(g.id()) {
                    gm.instances.retain(|x| x.instance_id != instance_id);
                }
                return;
            }
            let ctx = ctx_at(world, &g.region, now);
            let _ = crate::sim::cvm::handle(
                world,
                &ctx,
                "TerminateInstances",
                &json!({"InstanceIds": [instance_id]}),
            );
            if let Some(gm) = world.autoscaling.group_mut_any(g.id()) {
                gm.instances.retain(|x| x.instance_id != instance_id);
            }
            return;
        }
        _ => {}
    }
    if next.lifecycle == "ATTACHING" && next.pending_lbs.is_empty() && next.lb_task.is_none() {
        next.lifecycle = "IN_SERVICE".into();
        next.in_service_at = Some(now);
    }
    if next.lifecycle == "DETACHING" && next.pending_lbs.is_empty() && next.lb_task.is_none() {
        next.lifecycle = "TERMINATING".into();
    }
    if let Some(gm) = world.autoscaling.group_mut_any(g.id()) {
        if let Some(slot) = gm
            .instances
            .iter_mut()
            .find(|x| x.instance_id == instance_id)
        {
            *slot = next;
        }
    }
}

/// One step of binding (`attach`) or unbinding an instance to/from the
/// group's CLBs, one CLB task at a time.
fn step_lb(
    world: &mut World,
    g: &SimScalingGroup,
    inst: &mut GroupInstance,
    now: f64,
    attach: bool,
) {
    if let Some((lb_id, task_id)) = inst.lb_task.clone() {
        match crate::sim::clb::task_status(world, &task_id) {
            Some(2) => return,
            Some(0) => {
                inst.pending_lbs.retain(|l| l != &lb_id);
                inst.lb_task = None;
            }
            _ => {
                inst.lb_task = None;
                inst.lb_attempts += 1;
            }
        }
    }
    if inst.lb_attempts >= MAX_LB_ATTEMPTS {
        if attach {
            inst.lifecycle = "ATTACH_FAILED".into();
            inst.message = "Binding to the load balancer failed.".into();
        } else {
            // Unbinding failed repeatedly: terminate anyway (the CLB drops dead targets).
            inst.pending_lbs.clear();
        }
        return;
    }
    let Some(lb_id) = inst.pending_lbs.first().cloned() else {
        return;
    };
    if world.clb.load_balancers.iter().all(|lb| lb.id != lb_id) {
        inst.pending_lbs.retain(|l| l != &lb_id);
        if attach {
            inst.message = format!("The load balancer {lb_id} no longer exists.");
        }
        return;
    }
    let bindings: Vec<Binding> = if attach {
        g.group
            .forward_load_balancer_set
            .iter()
            .flatten()
            .filter(|f| f.load_balancer_id.as_deref() == Some(lb_id.as_str()))
            .flat_map(|f| {
                f.target_attributes.iter().flatten().map(|t| Binding {
                    listener_id: f.listener_id.clone().unwrap_or_default(),
                    location_id: f.location_id.clone(),
                    instance_id: inst.instance_id.clone(),
                    port: t.port.unwrap_or(0) as i64,
                    weight: t.weight.unwrap_or(10) as i64,
                })
            })
            .collect()
    } else {
        clb_targets::bindings_of_instance(world, &lb_id, &inst.instance_id)
    };
    if bindings.is_empty() {
        inst.pending_lbs.retain(|l| l != &lb_id);
        return;
    }
    let ctx = ctx_at(world, &g.region, now);
    let started = if attach {
        clb_targets::start_register(world, &ctx, &lb_id, bindings)
    } else {
        clb_targets::start_deregister(world, &ctx, &lb_id, bindings)
    };
    match started {
        Ok(task_id) => inst.lb_task = Some((lb_id, task_id)),
        // The CLB is busy with another change: wait for it, as AS does.
        Err(e) if e.code == "FailedOperation.ResourceInOperating" => {}
        Err(e) => {
            inst.lb_attempts += 1;
            inst.message = format!("{}: {}", e.code, e.message);
        }
    }
}

/// Starts an activity for groups whose capacity differs from the desired one.
fn reconcile(world: &mut World, now: f64) {
    let due: Vec<String> = world
        .autoscaling
        .groups
        .iter()
        .filter(|g| g.desired() != g.live_count() && g.cooldown_until <= now)
        .map(|g| g.id().to_string())
        .filter(|id| !world.autoscaling.in_activity(id))
        .collect();
    for id in due {
        start_activity(
            world,
            now,
            &id,
            "Activity was launched in response to a difference between desired capacity and actual capacity.",
        );
    }
}

// ---------------------------------------------------------------- scheduled actions

fn fire_scheduled_actions(world: &mut World, now: f64) {
    let wall = world.autoscaling.wall(now);
    for i in 0..world.autoscaling.scheduled_actions.len() {
        let sa = world.autoscaling.scheduled_actions[i].clone();
        let Some(at) = sa.next_fire.filter(|t| *t <= wall) else {
            continue;
        };
        let a = &sa.action;
        // The next time after now (missed firings collapse into this one).
        let end = a
            .end_time
            .as_deref()
            .and_then(|e| crate::sim::as_schedule::parse_beijing_time(e).ok())
            .map(|e| e as f64);
        let next = a
            .recurrence
            .as_deref()
            .and_then(|r| SimCron::parse(r).ok())
            .and_then(|c| c.next_after(wall.max(at) as i64))
            .map(|t| t as f64)
            .filter(|t| end.is_none_or(|e| *t <= e));
        {
            let s = &mut world.autoscaling.scheduled_actions[i];
            s.next_fire = next;
            s.fired += 1;
        }
        let group_id = a.auto_scaling_group_id.clone().unwrap_or_default();
        let Some(g) = world.autoscaling.group_mut_any(&group_id) else {
            continue;
        };
        let (min, max) = (
            a.min_size.unwrap_or(0) as i64,
            a.max_size.unwrap_or(0) as i64,
        );
        let old = g.desired();
        let desired = if a.disable_update_desired_capacity == Some(true) {
            old.clamp(min, max)
        } else {
            a.desired_capacity.unwrap_or(0) as i64
        };
        g.group.min_size = Some(min);
        g.group.max_size = Some(max);
        g.group.desired_capacity = Some(desired);
        let cause = format!(
            "The scheduled action {} ({}) changed the desired capacity from {old} to {desired}.",
            a.scheduled_action_id.as_deref().unwrap_or(""),
            a.scheduled_action_name.as_deref().unwrap_or("")
        );
        if !world.autoscaling.in_activity(&group_id) {
            start_activity(world, now, &group_id, &cause);
        }
    }
}

// ---------------------------------------------------------------- alarms and policies

/// The new desired capacity after a SIMPLE policy's adjustment, within [min, max].
pub fn adjusted_capacity(kind: &str, value: i64, desired: i64, min: i64, max: i64) -> i64 {
    let target = match kind {
        "EXACT_CAPACITY" => value,
        "PERCENT_CHANGE_IN_CAPACITY" => {
            let delta = (desired as f64 * value as f64 / 100.0).round() as i64;
            // A non-zero percentage always moves by at least one instance.
            let delta = if delta == 0 && value != 0 {
                value.signum()
            } else {
                delta
            };
            desired + delta
        }
        _ => desired + value,
    };
    target.clamp(min, max)
}

fn compare(op: &str, value: f64, threshold: f64) -> bool {
    match op {
        "GREATER_THAN" => value > threshold,
        "GREATER_THAN_OR_EQUAL_TO" => value >= threshold,
        "LESS_THAN" => value < threshold,
        "LESS_THAN_OR_EQUAL_TO" => value <= threshold,
        "EQUAL_TO" => value == threshold,
        "NOT_EQUAL_TO" => value != threshold,
        _ => false,
    }
}

fn evaluate_alarms(world: &mut World, now: f64) {
    for i in 0..world.autoscaling.policies.len() {
        let p = world.autoscaling.policies[i].clone();
        let group_id = p.policy.auto_scaling_group_id.clone().unwrap_or_default();
        let Some(g) = world.autoscaling.group_mut_any(&group_id).cloned() else {
            continue;
        };
        // Only the CPU is simulated; other metrics have no data and never alarm.
        let cpu = g.cpu;
        let kind = p.policy.scaling_policy_type.as_deref().unwrap_or("SIMPLE");
        if kind == "SIMPLE" {
            let Some(alarm) = p.policy.metric_alarm.as_ref() else {
                continue;
            };
            let holds = alarm.metric_name.as_deref() == Some("CPU_UTILIZATION")
                && cpu.is_some_and(|c| {
                    compare(
                        alarm.comparison_operator.as_deref().unwrap_or(""),
                        c,
                        alarm.threshold.unwrap_or(0) as f64,
                    )
                });
            let needed = (alarm.period.unwrap_or(60) * alarm.continuous_time.unwrap_or(1)) as f64;
            let since = if holds {
                Some(p.breach_since.unwrap_or(g.cpu_since.min(now)))
            } else {
                None
            };
            world.autoscaling.policies[i].breach_since = since;
            let Some(since) = since else { continue };
            if now - since < needed
                || now < p.cooldown_until
                || world.autoscaling.in_activity(&group_id)
            {
                continue;
            }
            let new = adjusted_capacity(
                p.policy.adjustment_type.as_deref().unwrap_or(""),
                p.policy.adjustment_value.unwrap_or(0),
                g.desired(),
                g.group.min_size.unwrap_or(0),
                g.group.max_size.unwrap_or(0),
            );
            let cause = format!(
                "The alarm of the scaling policy {} ({}) fired: CPU {:.0} % {} {} % for {} s; the desired capacity changes from {} to {new}.",
                p.id(),
                p.policy.scaling_policy_name.as_deref().unwrap_or(""),
                cpu.unwrap_or(0.0),
                alarm.comparison_operator.as_deref().unwrap_or(""),
                alarm.threshold.unwrap_or(0),
                needed,
                g.desired()
            );
            fire_policy(
                world,
                i,
                &group_id,
                new,
                now,
                p.policy.cooldown.unwrap_or(300) as f64,
                &cause,
            );
        } else if p.policy.predefined_metric_type.as_deref() == Some("ASG_AVG_CPU_UTILIZATION") {
            let target = p.policy.target_value.unwrap_or(50) as f64;
            let (Some(c), true) = (cpu, target > 0.0) else {
                world.autoscaling.policies[i].breach_since = None;
                world.autoscaling.policies[i].low_since = None;
                continue;
            };
            let high = c > target;
            let low = c < target * 0.8 && p.policy.disable_scale_in != Some(true);
            let pol = &mut world.autoscaling.policies[i];
            pol.breach_since = if high {
                Some(p.breach_since.unwrap_or(g.cpu_since.min(now)))
            } else {
                None
            };
            pol.low_since = if low {
                Some(p.low_since.unwrap_or(g.cpu_since.min(now)))
            } else {
                None
            };
            let (breach, low_since) = (pol.breach_since, pol.low_since);
            let fire = breach.is_some_and(|s| now - s >= 180.0)
                || low_since.is_some_and(|s| now - s >= 900.0);
            if !fire || now < p.cooldown_until || world.autoscaling.in_activity(&group_id) {
                continue;
            }
            let current = g.desired().max(1);
            let new = ((current as f64 * c / target).ceil() as i64)
                .clamp(g.group.min_size.unwrap_or(0), g.group.max_size.unwrap_or(0));
            let cause = format!(
                "The target tracking policy {} ({}) keeps the average CPU at {target:.0} % (now {c:.0} %); the desired capacity changes from {} to {new}.",
                p.id(),
                p.policy.scaling_policy_name.as_deref().unwrap_or(""),
                g.desired()
            );
            let warmup = p.policy.estimated_instance_warmup.unwrap_or(300) as f64;
            fire_policy(world, i, &group_id, new, now, warmup, &cause);
        }
    }
}

fn fire_policy(
    world: &mut World,
    i: usize,
    group_id: &str,
    new: i64,
    now: f64,
    cooldown: f64,
    cause: &str,
) {
    let pol = &mut world.autoscaling.policies[i];
    pol.breach_since = None;
    pol.low_since = None;
    pol.cooldown_until = now + cooldown;
    pol.fired += 1;
    let Some(g) = world.autoscaling.group_mut_any(group_id) else {
        return;
    };
    if g.desired() == new {
        return;
    }
    g.group.desired_capacity = Some(new);
    start_activity(world, now, group_id, cause);
}

/// `ExecuteScalingPolicy`: applies a SIMPLE policy's adjustment now.
pub fn execute_scaling_policy(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: asm::ExecuteScalingPolicyRequest = parse(params)?;
    let id = req.auto_scaling_policy_id.unwrap_or_default();
    if !crate::sim::cvm::well_formed(&id, "asp") {
        return Err(err(
            "InvalidParameterValue.InvalidAutoScalingPolicyId",
            format!("The scaling policy id `{id}` is malformed."),
        ));
    }
    let trigger = req.trigger_source.unwrap_or_else(|| "API".into());
    if !matches!(trigger.as_str(), "API" | "CLOUD_MONITOR") {
        return Err(err(
            "InvalidParameterValue",
            format!("TriggerSource `{trigger}` is not one of API, CLOUD_MONITOR."),
        ));
    }
    let i = world
        .autoscaling
        .policies
        .iter()
        .position(|p| p.id() == id && p.region == ctx.region)
        .ok_or_else(|| {
            err(
                "ResourceNotFound.ScalingPolicyNotFound",
                format!("The scaling policy `{id}` does not exist."),
            )
        })?;
    let p = world.autoscaling.policies[i].clone();
    if p.policy.scaling_policy_type.as_deref() == Some("TARGET_TRACKING") {
        return Err(err(
            "InvalidParameterValue.TargetTrackingScalingPolicy",
            "Target tracking policies cannot be executed.",
        ));
    }
    let group_id = p.policy.auto_scaling_group_id.clone().unwrap_or_default();
    if world.autoscaling.in_activity(&group_id) {
        return Err(err(
            "ResourceUnavailable.AutoScalingGroupInActivity",
            format!("The scaling group {group_id} is in a scaling activity."),
        ));
    }
    let g = world.autoscaling.group_mut_any(&group_id).ok_or_else(|| {
        err(
            "ResourceNotFound.AutoScalingGroupNotFound",
            format!("The scaling group `{group_id}` does not exist."),
        )
    })?;
    if req.honor_cooldown == Some(true) && ctx.now < g.cooldown_until {
        return Err(err(
            "FailedOperation.NoActivityToGenerate",
            format!("The scaling group {group_id} is in its cooldown period."),
        ));
    }
    let old = g.desired();
    let new = adjusted_capacity(
        p.policy.adjustment_type.as_deref().unwrap_or(""),
        p.policy.adjustment_value.unwrap_or(0),
        old,
        g.group.min_size.unwrap_or(0),
        g.group.max_size.unwrap_or(0),
    );
    if new == old && g.live_count() == old {
        return Err(err(
            "FailedOperation.NoActivityToGenerate",
            format!("The policy leaves the desired capacity at {old} (within MinSize/MaxSize); no activity was generated."),
        ));
    }
    g.group.desired_capacity = Some(new);
    let cause = format!(
        "A user executed the scaling policy {id} ({}); the desired capacity changes from {old} to {new}.",
        p.policy.scaling_policy_name.as_deref().unwrap_or("")
    );
    let activity = start_activity(world, ctx.now, &group_id, &cause).ok_or_else(|| {
        err(
            "FailedOperation.NoActivityToGenerate",
            "No activity was generated.",
        )
    })?;
    world.autoscaling.policies[i].fired += 1;
    Ok(reply(&asm::ExecuteScalingPolicyResponse {
        activity_id: Some(activity),
        request_id: None,
    }))
}

/// `POST /_sim/metric`: sets a group's simulated average CPU (%).
pub fn set_metric(
    world: &mut World,
    region: &str,
    group_id: &str,
    cpu: f64,
    now: f64,
) -> SimResult {
    if !(0.0..=100.0).contains(&cpu) {
        return Err(err(
            "InvalidParameterValue.Range",
            format!("CpuUtilization {cpu} must be between 0 and 100."),
        ));
    }
    let g = world
        .autoscaling
        .groups
        .iter_mut()
        .find(|g| g.id() == group_id && (region.is_empty() || g.region == region))
        .ok_or_else(|| {
            err(
                "ResourceNotFound.AutoScalingGroupNotFound",
                format!("The scaling group `{group_id}` does not exist."),
            )
        })?;
    g.cpu = Some(cpu);
    g.cpu_since = now;
    Ok(json!({"AutoScalingGroupId": group_id, "CpuUtilization": cpu}))
}

// ---------------------------------------------------------------- describe helpers

/// `AutoScalingGroupStatus`: NORMAL unless an attached CLB or listener is gone.
pub fn group_status(world: &World, g: &SimScalingGroup) -> &'static str {
    for f in g.group.forward_load_balancer_set.iter().flatten() {
        let lb_id = f.load_balancer_id.as_deref().unwrap_or("");
        let Some(lb) = world.clb.load_balancers.iter().find(|lb| lb.id == lb_id) else {
            return "LB_ABNORMAL";
        };
        let listener_id = f.listener_id.as_deref().unwrap_or("");
        let Some(l) = lb.listeners.iter().find(|l| l.id == listener_id) else {
            return "LB_LISTENER_ABNORMAL";
        };
        if let Some(loc) = f.location_id.as_deref() {
            if l.is_layer7() && !l.rules.iter().any(|r| r.location_id == loc) {
                return "LB_LOCATION_ABNORMAL";
            }
        }
        if lb.vpc_id != g.group.vpc_id.as_deref().unwrap_or("") {
            return "LB_BACKEND_VPC_NOT_MATCH";
        }
    }
    if g.group
        .subnet_id_set
        .iter()
        .flatten()
        .any(|s| world.vpc.subnet(s).is_none())
    {
        return "SUBNET_ABNORMAL";
    }
    "NORMAL"
}

pub fn activity_model(world: &World, a: &SimActivity) -> asm::Activity {
    let st = &world.autoscaling;
    let g = st.groups.iter().find(|g| g.id() == a.group_id);
    let related: Vec<asm::RelatedInstance> = a
        .instance_ids
        .iter()
        .map(|id| {
            let lifecycle = g
                .and_then(|g| g.instances.iter().find(|x| &x.instance_id == id))
                .map(|x| x.lifecycle.as_str());
            let status = match (a.status.as_str(), lifecycle) {
                ("SUCCESSFUL", _) => "SUCCESSFUL",
                (_, Some("IN_SERVICE")) if a.activity_type == "SCALE_OUT" => "SUCCESSFUL",
                (_, Some("CREATION_FAILED" | "ATTACH_FAILED")) => "FAILED",
                (_, None) if a.activity_type == "SCALE_OUT" => "FAILED",
                (_, None) => "SUCCESSFUL",
                ("INIT", _) => "INIT",
                _ => "RUNNING",
            };
            asm::RelatedInstance {
                instance_id: Some(id.clone()),
                instance_status: Some(status.into()),
            }
        })
        .collect();
    let simplified = match a.status.as_str() {
        "SUCCESSFUL" => "Success".to_string(),
        "INIT" | "RUNNING" => String::new(),
        _ => a.status_message.chars().take(80).collect(),
    };
    asm::Activity {
        auto_scaling_group_id: Some(a.group_id.clone()),
        activity_id: Some(a.activity_id.clone()),
        activity_type: Some(a.activity_type.clone()),
        status_code: Some(a.status.clone()),
        status_message: Some(a.status_message.clone()),
        cause: Some(a.cause.clone()),
        description: Some(a.description.clone()),
        start_time: Some(iso_utc(st.wall(a.started_at.unwrap_or(a.created_at)))),
        end_time: a.ended_at.map(|t| iso_utc(st.wall(t))),
        created_time: Some(iso_utc(st.wall(a.created_at))),
        status_message_simplified: Some(simplified),
        lifecycle_action_result_set: Some(Vec::new()),
        detailed_status_message_set: Some(a.details.clone()),
        invocation_result_set: Some(Vec::new()),
        related_instance_set: Some(related),
    }
}

pub fn instance_model(
    world: &World,
    now: f64,
    g: &SimScalingGroup,
    i: &GroupInstance,
) -> asm::Instance {
    let running = world
        .cvm
        .instance(&i.instance_id)
        .is_some_and(|x| x.is_running());
    let mut health = Vec::new();
    if !running && matches!(i.lifecycle.as_str(), "IN_SERVICE") {
        health.push("UNHEALTHY");
    }
    let grace = g.group.load_balancer_health_check_grace_period.unwrap_or(0) as f64;
    let past_grace = i.in_service_at.is_some_and(|t| now >= t + grace);
    if g.group.health_check_type.as_deref() == Some("CLB") && past_grace {
        let dead = forward_lb_ids(g)
            .iter()
            .any(|lb| clb_targets::instance_health(world, lb, &i.instance_id, now) == Some("Dead"));
        if dead {
            health.push("CLB_UNHEALTHY");
        }
    }
    let lc_name = world
        .autoscaling
        .launch_configurations
        .iter()
        .find(|l| l.id() == i.launch_configuration_id)
        .and_then(|l| l.config.launch_configuration_name.clone());
    asm::Instance {
        instance_id: Some(i.instance_id.clone()),
        auto_scaling_group_id: Some(g.id().to_string()),
        launch_configuration_id: Some(i.launch_configuration_id.clone()),
        launch_configuration_name: lc_name,
        life_cycle_state: Some(i.lifecycle.clone()),
        health_status: Some(if health.is_empty() {
            "HEALTHY".into()
        } else {
            health.join("|")
        }),
        protected_from_scale_in: Some(false),
        zone: Some(i.zone.clone()),
        creation_type: Some(i.creation_type.clone()),
        add_time: Some(iso_utc(i.add_unix)),
        instance_type: Some(i.instance_type.clone()),
        version_number: Some(1),
        auto_scaling_group_name: g.group.auto_scaling_group_name.clone(),
        warmup_status: Some("NO_NEED_WARMUP".into()),
        disaster_recover_group_ids: Some(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustments_follow_the_documented_types_and_bounds() {
        assert_eq!(adjusted_capacity("CHANGE_IN_CAPACITY", 1, 2, 0, 10), 3);
        assert_eq!(adjusted_capacity("CHANGE_IN_CAPACITY", -5, 2, 1, 10), 1);
        assert_eq!(adjusted_capacity("CHANGE_IN_CAPACITY", 20, 2, 0, 10), 10);
        assert_eq!(adjusted_capacity("EXACT_CAPACITY", 4, 2, 0, 10), 4);
        assert_eq!(
            adjusted_capacity("PERCENT_CHANGE_IN_CAPACITY", 50, 4, 0, 10),
            6
        );
        // 10 % of 2 rounds to 0 but still moves by one.
        assert_eq!(
            adjusted_capacity("PERCENT_CHANGE_IN_CAPACITY", 10, 2, 0, 10),
            3
        );
        assert_eq!(
            adjusted_capacity("PERCENT_CHANGE_IN_CAPACITY", -10, 2, 0, 10),
            1
        );
    }

    #[test]
    fn alarm_comparisons() {
        assert!(compare("GREATER_THAN", 80.0, 70.0));
        assert!(!compare("GREATER_THAN", 70.0, 70.0));
        assert!(compare("GREATER_THAN_OR_EQUAL_TO", 70.0, 70.0));
        assert!(compare("LESS_THAN", 10.0, 20.0));
        assert!(compare("NOT_EQUAL_TO", 1.0, 2.0));
        assert!(!compare("BOGUS", 1.0, 2.0));
    }
}
