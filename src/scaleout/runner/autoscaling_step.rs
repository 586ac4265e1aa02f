//! Step "Auto Scaling": a launch configuration from the image, a scaling
//! group on the source's VPC/subnets attached to the CLB listener, the
//! scheduled actions and CPU policies; then live progress of the group
//! (status, activities, instances joining the CLB), "test this policy now"
//! (ExecuteScalingPolicy) and cleanup.
//!
//! AS creations take no ClientToken, so each resource is found by its name
//! before it is created (a retry or a resume re-attaches instead of failing
//! on a duplicate), and every id is journaled as soon as it is known.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::cloud::models::{autoscaling as asm, cvm};
use crate::i18n::{tf, Lang, Text};
use crate::scaleout::autoscaling::{
    explain_activity_status, explain_group_status, explain_life_cycle,
    launch_configuration_request, CpuPolicy, GroupSpec, ListenerTarget, Schedule,
};

use super::bind::bound_targets;
use super::record::Step;
use super::wait::{Polled, Sent};
use super::{Engine, Progress, StepError};

/// The journal's phase of this step (AS has no phase of the guide).
pub const JOURNAL_PHASE: &str = "autoscaling";

/// How far the setup got, for the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepStatus {
    Started,
    Done,
}

/// How long a scale-out may take on the real cloud (launch, then the CLB
/// binding) before tcscale calls it stuck.
pub const SCALE_OUT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20 * 60);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsInput {
    /// The server the launch configuration copies.
    pub source: cvm::Instance,
    pub image_id: String,
    pub launch_configuration_name: String,
    pub instance_type: Option<String>,
    pub group: GroupSpec,
    pub schedules: Vec<Schedule>,
    /// (policy name, policy).
    pub policies: Vec<(String, CpuPolicy)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsOutput {
    pub launch_configuration_id: String,
    pub group_id: String,
    pub scheduled_action_ids: Vec<String>,
    pub policy_ids: Vec<String>,
}

/// The phase the journal keeps the Auto Scaling step under: the plan's
/// (`apply` lists it in the half the group serves), else
/// [`JOURNAL_PHASE`] (a wizard run adds it when the user gets there). One
/// step record, wherever it was listed, so the Runs screen and resume read
/// the step that was performed.
/// A journal written before this rule may hold the step twice (listed in
/// the plan's phase, performed under [`JOURNAL_PHASE`]): the one with a
/// record wins, so its resources are still found and cleaned up.
pub fn phase_in(j: &crate::scaleout::journal::Journal) -> String {
    let mut steps = j.steps.iter().filter(|s| s.step == Step::AutoScaling);
    let first = steps.clone().next();
    steps
        .find(|s| !s.output.is_null())
        .or(first)
        .map_or_else(|| JOURNAL_PHASE.to_string(), |s| s.phase.clone())
}

/// The Auto Scaling resources a journal records (what the Runs screen lists
/// as created, and what `cleanup` deletes).
pub fn recorded_in(j: &crate::scaleout::journal::Journal) -> Option<AsOutput> {
    j.step(&phase_in(j), Step::AutoScaling)
        .and_then(|s| serde_json::from_value(s.output.clone()).ok())
}

/// The ids recorded by a run (also what `cleanup` deletes).
pub fn recorded(eng: &Engine) -> Option<AsOutput> {
    eng.recorded(|r| recorded_in(&r.journal))
}

fn remember(eng: &Engine, out: &AsOutput, status: StepStatus) -> Result<(), StepError> {
    let value = serde_json::to_value(out).unwrap_or_default();
    eng.journal(|r| {
        let phase = phase_in(&r.journal);
        r.set_output(&phase, Step::AutoScaling, value)?;
        match status {
            // Under way from its first resource on: a run killed now was
            // interrupted during the step, not before it.
            StepStatus::Started => r.start(&phase, Step::AutoScaling),
            StepStatus::Done => r.done(&phase, Step::AutoScaling),
        }
    })?
    .map_err(StepError::Journal)
}

fn filter(name: &str, value: &str) -> asm::Filter {
    asm::Filter {
        name: Some(name.to_string()),
        values: Some(vec![value.to_string()]),
    }
}

async fn find_launch_configuration(eng: &Engine, name: &str) -> Result<Option<String>, StepError> {
    let resp = eng
        .call(&asm::DescribeLaunchConfigurationsRequest {
            filters: Some(vec![filter("launch-configuration-name", name)]),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .launch_configuration_set
        .unwrap_or_default()
        .into_iter()
        .find(|l| l.launch_configuration_name.as_deref() == Some(name))
        .and_then(|l| l.launch_configuration_id))
}

async fn find_group(eng: &Engine, name: &str) -> Result<Option<String>, StepError> {
    let resp = eng
        .call(&asm::DescribeAutoScalingGroupsRequest {
            filters: Some(vec![filter("auto-scaling-group-name", name)]),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .auto_scaling_group_set
        .unwrap_or_default()
        .into_iter()
        .find(|g| g.auto_scaling_group_name.as_deref() == Some(name))
        .and_then(|g| g.auto_scaling_group_id))
}

async fn find_scheduled_action(
    eng: &Engine,
    group: &str,
    name: &str,
) -> Result<Option<String>, StepError> {
    let resp = eng
        .call(&asm::DescribeScheduledActionsRequest {
            filters: Some(vec![
                filter("auto-scaling-group-id", group),
                filter("scheduled-action-name", name),
            ]),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .scheduled_action_set
        .unwrap_or_default()
        .into_iter()
        .find(|a| a.scheduled_action_name.as_deref() == Some(name))
        .and_then(|a| a.scheduled_action_id))
}

async fn find_policy(eng: &Engine, group: &str, name: &str) -> Result<Option<String>, StepError> {
    let resp = eng
        .call(&asm::DescribeScalingPoliciesRequest {
            filters: Some(vec![
                filter("auto-scaling-group-id", group),
                filter("scaling-policy-name", name),
            ]),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .scaling_policy_set
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.scaling_policy_name.as_deref() == Some(name))
        .and_then(|p| p.auto_scaling_policy_id))
}

// ---------------------------------------------------------------- the requests

/// CreateLaunchConfiguration as the setup sends it: the source copied, on
/// the chosen image, type and name.
pub fn create_launch_configuration_request(
    input: &AsInput,
) -> asm::CreateLaunchConfigurationRequest {
    launch_configuration_request(
        &input.source,
        &input.image_id,
        &input.launch_configuration_name,
        input.instance_type.as_deref(),
    )
}

/// CreateAutoScalingGroup as the setup sends it, on the launch
/// configuration `launch_configuration_id` (with its listener target).
pub fn create_auto_scaling_group_request(
    input: &AsInput,
    launch_configuration_id: &str,
) -> asm::CreateAutoScalingGroupRequest {
    input.group.request(launch_configuration_id)
}

/// CreateScheduledAction of `schedule` on the group `group_id`.
pub fn create_scheduled_action_request(
    schedule: &Schedule,
    group_id: &str,
) -> asm::CreateScheduledActionRequest {
    schedule.request(group_id)
}

/// CreateScalingPolicy (alarm or target tracking) named `name` on the group `group_id`.
pub fn create_scaling_policy_request(
    policy: &CpuPolicy,
    group_id: &str,
    name: &str,
) -> asm::CreateScalingPolicyRequest {
    policy.request(group_id, name)
}

/// One creation of the setup, as the API gets it.
#[derive(Debug, Clone, PartialEq)]
pub enum AsCreate {
    LaunchConfiguration(Box<asm::CreateLaunchConfigurationRequest>),
    Group(Box<asm::CreateAutoScalingGroupRequest>),
    ScheduledAction(asm::CreateScheduledActionRequest),
    Policy(asm::CreateScalingPolicyRequest),
}

impl AsCreate {
    /// The API action.
    pub fn action(&self) -> &'static str {
        match self {
            AsCreate::LaunchConfiguration(_) => "CreateLaunchConfiguration",
            AsCreate::Group(_) => "CreateAutoScalingGroup",
            AsCreate::ScheduledAction(_) => "CreateScheduledAction",
            AsCreate::Policy(_) => "CreateScalingPolicy",
        }
    }

    /// The request's parameters, one line of JSON.
    pub fn json(&self) -> String {
        match self {
            AsCreate::LaunchConfiguration(r) => serde_json::to_string(r),
            AsCreate::Group(r) => serde_json::to_string(r),
            AsCreate::ScheduledAction(r) => serde_json::to_string(r),
            AsCreate::Policy(r) => serde_json::to_string(r),
        }
        .unwrap_or_default()
    }
}

/// Every creation [`setup_auto_scaling`] sends for `input`, in its order,
/// built by the builders it sends them with. The ids the setup only learns
/// as it goes are `launch_configuration_id` and `group_id` (a preview
/// passes a placeholder).
pub fn setup_requests(
    input: &AsInput,
    launch_configuration_id: &str,
    group_id: &str,
) -> Vec<AsCreate> {
    let mut out = vec![
        AsCreate::LaunchConfiguration(Box::new(create_launch_configuration_request(input))),
        AsCreate::Group(Box::new(create_auto_scaling_group_request(
            input,
            launch_configuration_id,
        ))),
    ];
    out.extend(
        input
            .schedules
            .iter()
            .map(|s| AsCreate::ScheduledAction(create_scheduled_action_request(s, group_id))),
    );
    out.extend(
        input
            .policies
            .iter()
            .map(|(name, p)| AsCreate::Policy(create_scaling_policy_request(p, group_id, name))),
    );
    out
}

/// Finds by name, else creates (once; after an outage, looks again before retrying).
async fn ensure<F, C, Fut1, Fut2>(find: F, create: C) -> Result<String, StepError>
where
    F: Fn() -> Fut1,
    Fut1: std::future::Future<Output = Result<Option<String>, StepError>>,
    C: Fn() -> Fut2,
    Fut2: std::future::Future<Output = Result<Sent<Option<String>>, StepError>>,
{
    loop {
        if let Some(id) = find().await? {
            return Ok(id);
        }
        match create().await? {
            Sent::Done(Some(id)) => return Ok(id),
            Sent::Done(None) => {
                return Err(StepError::Failed {
                    what: "Auto Scaling".into(),
                    request_id: None,
                    reason: "no id in the answer".into(),
                })
            }
            Sent::Unknown => continue,
        }
    }
}

/// Creates (or finds) the launch configuration, group, scheduled actions and
/// policies, journaling each id as it is known.
/// The group may grow to its MaxSize (or a schedule's) in pay-as-you-go
/// instances of the source's zone. CreateAutoScalingGroup does not check the
/// account's quota: the scaling activities would fail later, where nobody
/// watches. So the sizes are refused before anything is created.
async fn check_quota(eng: &Engine, input: &AsInput) -> Result<(), StepError> {
    let zone = input
        .source
        .placement
        .as_ref()
        .and_then(|p| p.zone.clone())
        .unwrap_or_default();
    let Some(q) = super::launch::zone_quota(eng, &zone).await? else {
        return Ok(());
    };
    let remaining = q.remaining_quota.unwrap_or(0);
    for sizes in std::iter::once(input.group.sizes).chain(input.schedules.iter().map(|s| s.sizes)) {
        crate::scaleout::autoscaling::check_sizes(sizes, Some(remaining)).map_err(|e| {
            StepError::Blocked(Text::per_lang(|lang| {
                format!("{} ({zone})", e.message(lang))
            }))
        })?;
    }
    Ok(())
}

pub async fn setup_auto_scaling(eng: &Engine, input: &AsInput) -> Result<AsOutput, StepError> {
    let mut out = recorded(eng).unwrap_or_default();
    if out.group_id.is_empty() {
        check_quota(eng, input).await?;
    }

    let lc_req = create_launch_configuration_request(input);
    out.launch_configuration_id = ensure(
        || find_launch_configuration(eng, &input.launch_configuration_name),
        || async {
            Ok(match eng.send(&lc_req).await? {
                Sent::Done(r) => Sent::Done(r.launch_configuration_id),
                Sent::Unknown => Sent::Unknown,
            })
        },
    )
    .await?;
    remember(eng, &out, StepStatus::Started)?;
    eng.log(
        "autoscaling.engine.lc_ready",
        &[
            ("id", &out.launch_configuration_id),
            ("name", &input.launch_configuration_name),
        ],
    );

    let group_req = create_auto_scaling_group_request(input, &out.launch_configuration_id);
    out.group_id = ensure(
        || find_group(eng, &input.group.name),
        || async {
            Ok(match eng.send(&group_req).await? {
                Sent::Done(r) => Sent::Done(r.auto_scaling_group_id),
                Sent::Unknown => Sent::Unknown,
            })
        },
    )
    .await?;
    remember(eng, &out, StepStatus::Started)?;
    eng.log(
        "autoscaling.engine.group_ready",
        &[("id", &out.group_id), ("name", &input.group.name)],
    );

    for s in &input.schedules {
        let req = create_scheduled_action_request(s, &out.group_id);
        let id = ensure(
            || find_scheduled_action(eng, &out.group_id, &s.name),
            || async {
                Ok(match eng.send(&req).await? {
                    Sent::Done(r) => Sent::Done(r.scheduled_action_id),
                    Sent::Unknown => Sent::Unknown,
                })
            },
        )
        .await?;
        if !out.scheduled_action_ids.contains(&id) {
            out.scheduled_action_ids.push(id.clone());
        }
        remember(eng, &out, StepStatus::Started)?;
        eng.say(
            Text::new("autoscaling.engine.schedule_ready", &[("id", &id)])
                .with("what", Text::per_lang(|lang| s.describe(lang))),
        );
    }

    for (name, p) in &input.policies {
        let req = create_scaling_policy_request(p, &out.group_id, name);
        let id = ensure(
            || find_policy(eng, &out.group_id, name),
            || async {
                Ok(match eng.send(&req).await? {
                    Sent::Done(r) => Sent::Done(r.auto_scaling_policy_id),
                    Sent::Unknown => Sent::Unknown,
                })
            },
        )
        .await?;
        if !out.policy_ids.contains(&id) {
            out.policy_ids.push(id.clone());
        }
        remember(eng, &out, StepStatus::Started)?;
        eng.say(
            Text::new("autoscaling.engine.policy_ready", &[("id", &id)])
                .with("what", Text::per_lang(|lang| p.describe(lang))),
        );
    }
    remember(eng, &out, StepStatus::Done)?;
    Ok(out)
}

/// The `[autoscaling]` section of a plan, run after its phase: the group
/// copies the phase's source server from the phase's image and joins the
/// listener the phase bound. Everything is validated before anything is made.
pub async fn apply_plan_section(
    eng: &Engine,
    section: &crate::scaleout::plan::AutoScaling,
    source: cvm::Instance,
    image_id: &str,
    target: Option<ListenerTarget>,
) -> Result<AsOutput, StepError> {
    let now = chrono::Utc::now().with_timezone(&crate::scaleout::autoscaling::beijing());
    let parts = crate::scaleout::autoscaling::from_plan(section, now)
        .map_err(|e| StepError::Blocked(Text::per_lang(|lang| e.message(lang))))?;
    let base = source
        .instance_name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "tcscale".into());
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(50)
        .collect();
    let group_name = parts
        .group_name
        .clone()
        .unwrap_or_else(|| format!("{clean}-asg"));
    let input = AsInput {
        group: GroupSpec::from_source(&source, &group_name, parts.sizes, target, 60),
        launch_configuration_name: format!("{clean}-lc"),
        image_id: image_id.to_string(),
        instance_type: None,
        schedules: parts.schedules,
        policies: parts.policies,
        source,
    };
    setup_auto_scaling(eng, &input).await
}

/// `apply`'s hook: the `[autoscaling]` section after the phase it names,
/// on that phase's image and its first listener. The backend port is the
/// phase's (session), else the one the source serves the listener on.
pub async fn after_phase(
    eng: &Engine,
    section: &crate::scaleout::plan::AutoScaling,
    source: cvm::Instance,
    phase: &super::flow::PhaseOutcome,
    backend_port: Option<i64>,
) -> Result<AsOutput, StepError> {
    let target = match phase.listener_ids.first() {
        Some(listener) => {
            let port = match backend_port {
                Some(p) => p,
                None => {
                    let src = source.instance_id.clone().unwrap_or_default();
                    bound_targets(eng, &phase.load_balancer_id, listener)
                        .await?
                        .into_iter()
                        .find(|(id, _)| *id == src)
                        .map(|(_, port)| port)
                        .unwrap_or(80)
                }
            };
            Some(ListenerTarget {
                load_balancer_id: phase.load_balancer_id.clone(),
                listener_id: listener.clone(),
                backend_port: port.max(1) as u64,
                weight: 10,
            })
        }
        None => None,
    };
    let out = apply_plan_section(eng, section, source, &phase.image_id, target).await?;
    Ok(out)
}

// ---------------------------------------------------------------- live progress

/// One scaling activity as the screens show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub id: String,
    /// SCALE_OUT, SCALE_IN…
    pub kind: String,
    /// INIT, RUNNING, SUCCESSFUL, PARTIALLY_SUCCESSFUL, FAILED, CANCELLED.
    pub status: String,
    pub cause: String,
    /// Why it failed (StatusMessage), empty otherwise.
    pub message: String,
    pub start_time: String,
}

/// One instance of the group and whether it has joined the CLB listener.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInstanceView {
    pub id: String,
    pub life_cycle: String,
    pub health: String,
    pub zone: String,
    pub creation_type: String,
    /// Bound to the group's listener (DescribeTargets).
    pub in_clb: bool,
}

/// The group as it is now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSnapshot {
    pub group_id: String,
    pub name: String,
    pub status: String,
    pub in_activity: bool,
    pub min: i64,
    pub desired: i64,
    pub max: i64,
    /// Newest first.
    pub activities: Vec<ActivityView>,
    pub instances: Vec<GroupInstanceView>,
}

impl GroupSnapshot {
    pub fn in_service_and_bound(&self) -> usize {
        self.instances
            .iter()
            .filter(|i| i.life_cycle == "IN_SERVICE" && i.in_clb)
            .count()
    }
}

/// Reads the group, its latest activities, its instances and the listener's targets.
pub async fn snapshot(
    eng: &Engine,
    group_id: &str,
    target: Option<&ListenerTarget>,
) -> Result<GroupSnapshot, StepError> {
    let groups = eng
        .call(&asm::DescribeAutoScalingGroupsRequest {
            auto_scaling_group_ids: Some(vec![group_id.to_string()]),
            ..Default::default()
        })
        .await?;
    let g = groups
        .auto_scaling_group_set
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or_else(|| {
            StepError::Blocked(Text::new(
                "autoscaling.engine.group_gone",
                &[("id", &group_id)],
            ))
        })?;
    let acts = eng
        .call(&asm::DescribeAutoScalingActivitiesRequest {
            filters: Some(vec![filter("auto-scaling-group-id", group_id)]),
            limit: Some(10),
            ..Default::default()
        })
        .await?;
    let insts = eng
        .call(&asm::DescribeAutoScalingInstancesRequest {
            filters: Some(vec![filter("auto-scaling-group-id", group_id)]),
            limit: Some(100),
            ..Default::default()
        })
        .await?;
    let bound: BTreeSet<String> = match target {
        Some(t) => bound_targets(eng, &t.load_balancer_id, &t.listener_id)
            .await?
            .into_iter()
            .filter(|(_, port)| *port as u64 == t.backend_port)
            .map(|(id, _)| id)
            .collect(),
        None => BTreeSet::new(),
    };
    Ok(GroupSnapshot {
        group_id: group_id.to_string(),
        name: g.auto_scaling_group_name.unwrap_or_default(),
        status: g.auto_scaling_group_status.unwrap_or_default(),
        in_activity: g.in_activity_status.as_deref() == Some("IN_ACTIVITY"),
        min: g.min_size.unwrap_or(0),
        desired: g.desired_capacity.unwrap_or(0),
        max: g.max_size.unwrap_or(0),
        activities: acts
            .activity_set
            .unwrap_or_default()
            .into_iter()
            .map(|a| ActivityView {
                id: a.activity_id.unwrap_or_default(),
                kind: a.activity_type.unwrap_or_default(),
                status: a.status_code.unwrap_or_default(),
                cause: a.cause.unwrap_or_default(),
                message: a
                    .status_message_simplified
                    .or(a.status_message)
                    .unwrap_or_default(),
                start_time: a.start_time.unwrap_or_default(),
            })
            .collect(),
        instances: insts
            .auto_scaling_instance_set
            .unwrap_or_default()
            .into_iter()
            .map(|i| {
                let id = i.instance_id.unwrap_or_default();
                GroupInstanceView {
                    in_clb: bound.contains(&id),
                    id,
                    life_cycle: i.life_cycle_state.unwrap_or_default(),
                    health: i.health_status.unwrap_or_default(),
                    zone: i.zone.unwrap_or_default(),
                    creation_type: i.creation_type.unwrap_or_default(),
                }
            })
            .collect(),
    })
}

/// Lines worth reporting between two snapshots: the group's status, each
/// activity's status (with its cause, and why it failed), each instance's
/// life cycle and its joining the CLB.
pub fn changes(lang: Lang, before: Option<&GroupSnapshot>, now: &GroupSnapshot) -> Vec<String> {
    let mut out = Vec::new();
    if before.map(|b| b.status.as_str()) != Some(now.status.as_str()) && !now.status.is_empty() {
        out.push(tf(
            lang,
            "autoscaling.engine.line.group",
            &[
                ("status", &now.status),
                ("meaning", &explain_group_status(&now.status, lang)),
            ],
        ));
    }
    for a in now.activities.iter().rev() {
        let old = before.and_then(|b| b.activities.iter().find(|x| x.id == a.id));
        if old.map(|o| o.status.as_str()) == Some(a.status.as_str()) {
            continue;
        }
        let mut line = tf(
            lang,
            "autoscaling.engine.line.activity",
            &[
                ("id", &a.id),
                ("kind", &a.kind),
                ("status", &explain_activity_status(&a.status, lang)),
                ("cause", &a.cause),
            ],
        );
        if a.status == "FAILED" && !a.message.is_empty() {
            line.push_str(&format!(" — {}", a.message));
        }
        out.push(line);
    }
    for i in &now.instances {
        let old = before.and_then(|b| b.instances.iter().find(|x| x.id == i.id));
        if old.map(|o| o.life_cycle.as_str()) != Some(i.life_cycle.as_str()) {
            out.push(tf(
                lang,
                "autoscaling.engine.line.instance",
                &[
                    ("id", &i.id),
                    ("state", &explain_life_cycle(&i.life_cycle, lang)),
                ],
            ));
        }
        if i.in_clb && !old.is_some_and(|o| o.in_clb) {
            out.push(tf(lang, "autoscaling.engine.line.joined", &[("id", &i.id)]));
        }
    }
    out
}

/// Polls until `count` instances are IN_SERVICE and bound to the listener,
/// reporting every change; a FAILED activity stops it with its cause.
pub async fn wait_in_service(
    eng: &Engine,
    group_id: &str,
    target: Option<&ListenerTarget>,
    count: usize,
) -> Result<GroupSnapshot, StepError> {
    let last: std::sync::Mutex<Option<GroupSnapshot>> = Default::default();
    let what = format!("Auto Scaling {group_id}");
    eng.poll_until(&what, SCALE_OUT_DEADLINE, || {
        let last = &last;
        async move {
            let snap = snapshot(eng, group_id, target).await?;
            let mut prev = last.lock().unwrap_or_else(|p| p.into_inner());
            let en = changes(Lang::En, prev.as_ref(), &snap);
            let zh = changes(Lang::Zh, prev.as_ref(), &snap);
            for (en, zh) in en.into_iter().zip(zh) {
                eng.say(Text::per_lang(|lang| match lang {
                    Lang::En => en.clone(),
                    Lang::Zh => zh.clone(),
                }));
            }
            let known: BTreeSet<String> = prev
                .as_ref()
                .map(|p| p.activities.iter().map(|a| a.id.clone()).collect())
                .unwrap_or_default();
            *prev = Some(snap.clone());
            // A new activity that failed: nothing more will come of this wait.
            if let Some(a) = snap
                .activities
                .iter()
                .find(|a| a.status == "FAILED" && !known.contains(&a.id))
            {
                return Err(StepError::Failed {
                    what: format!("{} {}", a.kind, a.id),
                    request_id: None,
                    reason: if a.message.is_empty() {
                        a.cause.clone().into()
                    } else {
                        a.message.clone().into()
                    },
                });
            }
            let ready = match target {
                Some(_) => snap.in_service_and_bound(),
                None => snap
                    .instances
                    .iter()
                    .filter(|i| i.life_cycle == "IN_SERVICE")
                    .count(),
            };
            // Done when the instances serve and the activity that brought
            // them has ended too (its status lags the instances a little).
            let busy = snap
                .activities
                .iter()
                .any(|a| matches!(a.status.as_str(), "INIT" | "RUNNING"));
            Ok(if ready >= count && !busy {
                Polled::Ready(snap)
            } else if ready >= count {
                Polled::Pending("activity RUNNING".into())
            } else {
                Polled::Pending(format!("{ready}/{count} IN_SERVICE"))
            })
        }
    })
    .await
}

/// "Test this policy now": ExecuteScalingPolicy, ignoring the cooldown.
/// Returns the activity it started. A group in an activity refuses a new
/// one: the call waits for it to end.
pub async fn execute_policy(eng: &Engine, policy_id: &str) -> Result<String, StepError> {
    let req = asm::ExecuteScalingPolicyRequest {
        auto_scaling_policy_id: Some(policy_id.to_string()),
        honor_cooldown: Some(false),
        trigger_source: Some("API".into()),
    };
    let resp = eng
        .poll_until(
            &format!("ExecuteScalingPolicy {policy_id}"),
            SCALE_OUT_DEADLINE,
            || async {
                match eng.call(&req).await {
                    Ok(r) => Ok(Polled::Ready(r)),
                    Err(StepError::Cloud(e))
                        if e.code().is_some_and(|c| c.ends_with("InActivity")) =>
                    {
                        Ok(Polled::Pending("IN_ACTIVITY".into()))
                    }
                    Err(e) => Err(e),
                }
            },
        )
        .await?;
    let id = resp.activity_id.unwrap_or_default();
    eng.log(
        "autoscaling.engine.executed",
        &[("policy", &policy_id), ("activity", &id)],
    );
    Ok(id)
}

// ---------------------------------------------------------------- cleanup

/// What cleanup did to one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AsCleanup {
    Deleted(String),
    AlreadyGone(String),
    /// Left for the user, with what to do.
    Manual(String, String),
}

fn gone(e: &StepError) -> bool {
    matches!(e, StepError::Cloud(c) if c.code().is_some_and(|code| code.contains("NotFound")))
}

/// Deletes the group (emptied first when its minimum size allows: an
/// EXACT_CAPACITY 0 policy executed, then waited on), then the launch configuration.
pub async fn cleanup(eng: &Engine, out: &AsOutput) -> Result<Vec<AsCleanup>, StepError> {
    let mut done = Vec::new();
    if !out.group_id.is_empty() {
        done.push(delete_group(eng, &out.group_id).await?);
    }
    if !out.launch_configuration_id.is_empty()
        && !matches!(done.last(), Some(AsCleanup::Manual(..)))
    {
        let id = &out.launch_configuration_id;
        match eng
            .call(&asm::DeleteLaunchConfigurationRequest {
                launch_configuration_id: Some(id.clone()),
            })
            .await
        {
            Ok(_) => done.push(AsCleanup::Deleted(id.clone())),
            Err(e) if gone(&e) => done.push(AsCleanup::AlreadyGone(id.clone())),
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// `tcscale cleanup`'s part: what this run's journal says Auto Scaling
/// created, deleted first (a group left behind would launch instances again
/// and keeps its listener and image in use); each outcome is a log line.
pub async fn cleanup_recorded(eng: &Engine) -> Result<Vec<AsCleanup>, StepError> {
    let Some(out) = recorded(eng) else {
        return Ok(Vec::new());
    };
    let done = cleanup(eng, &out).await?;
    for d in &done {
        match d {
            AsCleanup::Deleted(id) => eng.log("autoscaling.engine.cleanup_deleted", &[("id", id)]),
            AsCleanup::AlreadyGone(id) => eng.log("autoscaling.engine.cleanup_gone", &[("id", id)]),
            AsCleanup::Manual(_, what) => {
                eng.report(Progress::Log(crate::i18n::Text::raw(what.clone())))
            }
        }
    }
    Ok(done)
}

async fn delete_group(eng: &Engine, id: &str) -> Result<AsCleanup, StepError> {
    let snap = match snapshot(eng, id, None).await {
        Ok(s) => s,
        Err(StepError::Blocked(_)) => return Ok(AsCleanup::AlreadyGone(id.to_string())),
        Err(e) if gone(&e) => return Ok(AsCleanup::AlreadyGone(id.to_string())),
        Err(e) => return Err(e),
    };
    let live = snap
        .instances
        .iter()
        .filter(|i| i.life_cycle != "TERMINATING")
        .count();
    if live > 0 {
        if snap.min > 0 {
            return Ok(AsCleanup::Manual(
                id.to_string(),
                tf(
                    eng.lang,
                    "autoscaling.engine.cleanup_min",
                    &[("id", &id), ("min", &snap.min)],
                ),
            ));
        }
        let name = "tcscale-cleanup-to-zero";
        let policy = match find_policy(eng, id, name).await? {
            Some(p) => p,
            None => {
                eng.call(&asm::CreateScalingPolicyRequest {
                    auto_scaling_group_id: Some(id.to_string()),
                    scaling_policy_name: Some(name.into()),
                    scaling_policy_type: Some("SIMPLE".into()),
                    adjustment_type: Some("EXACT_CAPACITY".into()),
                    adjustment_value: Some(0),
                    cooldown: Some(0),
                    // Never fires by itself: it exists to be executed once.
                    metric_alarm: Some(asm::MetricAlarm {
                        comparison_operator: Some("GREATER_THAN".into()),
                        metric_name: Some("CPU_UTILIZATION".into()),
                        threshold: Some(100),
                        period: Some(300),
                        continuous_time: Some(10),
                        statistic: Some("AVERAGE".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await?
                .auto_scaling_policy_id
                .unwrap_or_default()
            }
        };
        // Wait for a running activity to end before asking for another.
        wait_idle(eng, id).await?;
        execute_policy(eng, &policy).await?;
        wait_empty(eng, id).await?;
    }
    wait_idle(eng, id).await?;
    match eng
        .call(&asm::DeleteAutoScalingGroupRequest {
            auto_scaling_group_id: Some(id.to_string()),
        })
        .await
    {
        Ok(_) => Ok(AsCleanup::Deleted(id.to_string())),
        Err(e) if gone(&e) => Ok(AsCleanup::AlreadyGone(id.to_string())),
        Err(e) => Err(e),
    }
}

async fn wait_idle(eng: &Engine, id: &str) -> Result<(), StepError> {
    eng.poll_until(
        &format!("Auto Scaling {id}"),
        SCALE_OUT_DEADLINE,
        || async move {
            let s = snapshot(eng, id, None).await?;
            Ok(if s.in_activity {
                Polled::Pending("IN_ACTIVITY".into())
            } else {
                Polled::Ready(())
            })
        },
    )
    .await
}

async fn wait_empty(eng: &Engine, id: &str) -> Result<(), StepError> {
    eng.poll_until(
        &format!("Auto Scaling {id}"),
        SCALE_OUT_DEADLINE,
        || async move {
            let s = snapshot(eng, id, None).await?;
            Ok(if s.instances.is_empty() && !s.in_activity {
                Polled::Ready(())
            } else {
                Polled::Pending(format!("{} instances", s.instances.len()))
            })
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaleout::journal::Journal;

    fn output() -> serde_json::Value {
        serde_json::to_value(AsOutput {
            launch_configuration_id: "asc-1".into(),
            group_id: "asg-1".into(),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn the_step_is_kept_where_it_was_listed_and_an_old_record_is_still_found() {
        let now = chrono::Utc::now();
        // A wizard run: no step listed yet, so the step's own phase.
        let mut j = Journal::open("r1", "ap-guangzhou", now);
        assert_eq!(phase_in(&j), JOURNAL_PHASE);
        // apply: listed in the plan's phase, performed there.
        j.ensure_step("business", Step::AutoScaling);
        assert_eq!(phase_in(&j), "business");
        assert_eq!(recorded_in(&j), None);
        // A journal from before: listed under business, recorded under
        // "autoscaling": the record is what counts.
        j.ensure_step(JOURNAL_PHASE, Step::AutoScaling);
        j.set_output(JOURNAL_PHASE, Step::AutoScaling, output(), now)
            .unwrap();
        assert_eq!(phase_in(&j), JOURNAL_PHASE);
        assert_eq!(recorded_in(&j).unwrap().group_id, "asg-1");
    }
}
