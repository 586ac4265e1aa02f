//! `run_plan`: performs a plan file's steps, in the order
//! [`crate::scaleout::steps::steps_of`] gives. Each step is skipped when the
//! journal says it is done (its output is read back), else started,
//! journaled and reported. After a failure, [`recovery_options`] says what
//! the user may do: retry (resume), skip (where nothing later depends on
//! the step), or clean up.

use std::collections::BTreeMap;
use std::future::Future;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::cloud::models::cvm;
use crate::i18n::{tf, Text};
use crate::scaleout::consistency::{Attribute, Placement};
use crate::scaleout::discover::{discover, Architecture, Role};
use crate::scaleout::journal::{Journal, Resource, StepState};
use crate::scaleout::plan::{self, Plan, SourceRef};
use crate::scaleout::steps::{steps_of, Step};

use super::bind::{register_targets, target_health, BindInput, BindOutput};
use super::image::{create_image, ImageInput, ImageOutput};
use super::kill_hook::Boundary;
use super::launch::{run_instances, LaunchInput, LaunchOutput};
use super::load_balancer::{
    ensure_listener, ensure_load_balancer, ClbChoice, ClbInput, ClbOutput, ListenerInput,
    ListenerOutput,
};
use super::overlap::Overlap;
use super::record::Phase;
use super::sdk_config_step::{update_sdk_configs_read, SdkInput, SdkOutput};
use super::security_group_step::{ensure_vip_allowed, SgInput, SgOutput};
use super::{Engine, Progress, StepError};

/// What a run produced, for the summary and the last lines of `apply`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    pub run_id: String,
    pub created: Vec<Resource>,
    pub session: Option<PhaseOutcome>,
    pub business: Option<PhaseOutcome>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseOutcome {
    pub image_id: String,
    pub instance_ids: Vec<String>,
    pub load_balancer_id: String,
    pub vip: String,
    pub listener_ids: Vec<String>,
    pub bound: Vec<String>,
    pub skipped: Vec<(String, String)>,
    /// Business servers whose sdk.config still has the old authServerUrl
    /// (TAT agent offline, or the step skipped), with why: the run is only
    /// partly done until they are switched by hand.
    #[serde(default)]
    pub left_as_is: Vec<(String, String)>,
    /// Steps the user skipped after they failed.
    #[serde(default)]
    pub skipped_steps: Vec<Step>,
}

/// What the user may do after a step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Recovery {
    /// Run the step again (it re-attaches to what it already created).
    Retry,
    /// Go on without it: only where no later step needs its result.
    Skip,
    /// Delete what the run created.
    CleanUp,
}

/// The steps nothing later depends on: skipping them loses their effect,
/// never the run's consistency.
pub fn can_skip(step: Step) -> bool {
    matches!(
        step,
        Step::SecurityGroup | Step::SdkConfig | Step::AutoScaling | Step::Summary
    )
}

/// What may be done after `step` failed, in the order to offer it.
pub fn recovery_options(step: Step) -> Vec<Recovery> {
    let mut v = vec![Recovery::Retry];
    if can_skip(step) {
        v.push(Recovery::Skip);
    }
    v.push(Recovery::CleanUp);
    v
}

/// The failed step of a run, if any: (phase, step, reason).
pub fn failed_step(journal: &Journal) -> Option<(String, Step, String)> {
    journal.steps.iter().find_map(|s| match &s.state {
        StepState::Failed { reason } => Some((s.phase.clone(), s.step, reason.clone())),
        _ => None,
    })
}

/// Marks the failed step skipped, so the next `run_plan` goes on after it.
/// Refused (with the reason) for a step later steps depend on.
pub fn skip_failed(eng: &Engine) -> Result<Step, StepError> {
    let Some((phase, step, _)) = eng.recorded(|r| failed_step(&r.journal)) else {
        return Err(StepError::Blocked(Text::new(
            "engine.recovery.nothing_failed",
            &[],
        )));
    };
    if !can_skip(step) {
        return Err(StepError::Blocked(
            Text::new("engine.recovery.cannot_skip", &[]).with("step", step.title_text()),
        ));
    }
    eng.journal(|r| r.skipped(&phase, step))?
        .map_err(StepError::Journal)?;
    Ok(step)
}

/// Makes failed steps pending again: the next `run_plan` retries them.
pub fn prepare_retry(eng: &Engine) -> Result<(), StepError> {
    eng.journal(|r| r.journal.reopen(chrono::Utc::now()))
}

/// Runs one step: skipped (output read back) if the journal has it done.
async fn step<T, F, Fut>(
    eng: &Engine,
    b: &Boundary,
    phase: Phase,
    name: Step,
    f: F,
) -> Result<T, StepError>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, StepError>>,
{
    let key = phase.key();
    let journaled = eng.recorded(|r| {
        r.is_done(key, name)
            .then(|| serde_json::from_value::<T>(r.output(key, name)).ok())
            .flatten()
    });
    // A journaled step counts as done only while what it made is still there.
    let journaled = match journaled {
        Some(out) => {
            match super::verify::why_redo(eng, &eng.recorded(|r| r.journal.clone()), key, name)
                .await?
            {
                None => Some(out),
                Some(why) => {
                    eng.say(
                        Text::new("engine.resume.redo", &[])
                            .with("step", name.title_text())
                            .with("why", why),
                    );
                    None
                }
            }
        }
        None => None,
    };
    if let Some(out) = journaled {
        eng.report(Progress::StepDone {
            step: name,
            summary: crate::i18n::Text::new("engine.step.already_done", &[]),
        });
        b.passed();
        return Ok(out);
    }
    let out = super::perform::perform(eng, phase, name, f()).await?;
    b.passed();
    Ok(out)
}

/// A step the user may skip after it failed: `None` when skipped.
async fn optional_step<T, F, Fut>(
    eng: &Engine,
    b: &Boundary,
    phase: Phase,
    name: Step,
    f: F,
) -> Result<Option<T>, StepError>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, StepError>>,
{
    let skipped = eng.recorded(|r| matches!(r.state(phase.key(), name), Some(StepState::Skipped)));
    if skipped {
        eng.report(Progress::StepDone {
            step: name,
            summary: crate::i18n::Text::new("engine.step.skipped", &[]),
        });
        b.passed();
        return Ok(None);
    }
    step(eng, b, phase, name, f).await.map(Some)
}

/// A branch stopped because the other one failed (whose error is reported).
fn halted() -> StepError {
    StepError::Blocked(Text::new("engine.overlap.halted", &[]))
}

fn blocked(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> StepError {
    StepError::Blocked(Text::new(key, args))
}

/// Fresh descriptions of `ids` (state, bandwidth, expiry: what eligibility reads).
async fn describe(eng: &Engine, ids: &[String]) -> Result<Vec<cvm::Instance>, StepError> {
    super::launch::describe_instances(eng, ids).await
}

/// Splits candidates into those placed like the source (zone, project, VPC:
/// what the internal CLB can serve, and what the guide asks) and the
/// others, with why ([`Placement::differs_from`], the one rule).
fn same_placement(
    eng: &Engine,
    source: &cvm::Instance,
    candidates: Vec<cvm::Instance>,
) -> (Vec<cvm::Instance>, Vec<(String, String)>) {
    let region = eng.client.region().to_string();
    let here = Placement::of_instance(source, &region);
    let mut same = Vec::new();
    let mut other = Vec::new();
    for c in candidates {
        let there = Placement::of_instance(&c, &region);
        let id = c.instance_id.clone().unwrap_or_default();
        let why = match here.differs_from(&there) {
            None => {
                same.push(c);
                continue;
            }
            Some(Attribute::Zone) => tf(
                eng.lang,
                "engine.bind.other_zone",
                &[("zone", &there.zone.unwrap_or_default())],
            ),
            Some(Attribute::Project) => tf(
                eng.lang,
                "engine.bind.other_project",
                &[("project", &there.project())],
            ),
            Some(Attribute::Vpc | Attribute::Region) => tf(
                eng.lang,
                "engine.bind.other_vpc",
                &[("vpc", &there.vpc_id.unwrap_or_default())],
            ),
        };
        other.push((id, why));
    }
    (same, other)
}

/// The plan's source server, by id or by name (a name must be unique).
pub(crate) fn source_of(arch: &Architecture, p: &plan::Phase) -> Result<cvm::Instance, StepError> {
    let found: Vec<&cvm::Instance> = match p.source_ref() {
        SourceRef::Id(id) => arch.instance(&id).into_iter().collect(),
        SourceRef::Name(name) => arch
            .instances
            .iter()
            .filter(|i| i.instance_name.as_deref() == Some(name.as_str()))
            .collect(),
    };
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(blocked("engine.source.not_found", &[("id", &p.source)])),
        many => Err(blocked(
            "engine.source.ambiguous",
            &[
                ("name", &p.source),
                (
                    "ids",
                    &many
                        .iter()
                        .filter_map(|i| i.instance_id.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ],
        )),
    }
}

fn id_of(i: &cvm::Instance) -> String {
    i.instance_id.clone().unwrap_or_default()
}

/// The image, then the copies. With `overlap`, the image's being under way
/// is announced (other work waits for it), and the copies are not launched
/// once another branch has failed.
async fn image_and_launch(
    eng: &Engine,
    b: &Boundary,
    phase: Phase,
    p: &plan::Phase,
    source: &cvm::Instance,
    overlap: &Overlap,
) -> Result<(ImageOutput, LaunchOutput), StepError> {
    let r = image_then_launch(eng, b, phase, p, source, overlap).await;
    if r.is_err() {
        overlap.halt();
    }
    r
}

async fn image_then_launch(
    eng: &Engine,
    b: &Boundary,
    phase: Phase,
    p: &plan::Phase,
    source: &cvm::Instance,
    overlap: &Overlap,
) -> Result<(ImageOutput, LaunchOutput), StepError> {
    let image_input = ImageInput {
        instance_id: id_of(source),
        name: p.image_name.clone().unwrap_or_default(),
        description: p.image_description.clone(),
        reuse_image_id: p.reuse_image.clone(),
    };
    let under_way = || overlap.image_under_way();
    let image: ImageOutput = step(eng, b, phase, Step::Image, || {
        create_image(eng, phase, &image_input, &under_way)
    })
    .await?;
    // Also when the journal had it done already.
    overlap.image_under_way();
    if overlap.halted() {
        return Err(halted());
    }
    let launch_input = LaunchInput {
        source: source.clone(),
        image_id: image.image_id.clone(),
        count: p.count as u32,
        instance_name: p
            .instance_name
            .clone()
            .or_else(|| source.instance_name.clone())
            .unwrap_or_else(|| "tcscale".into()),
        instance_type: p.instance_type.clone(),
    };
    let launch: LaunchOutput = step(eng, b, phase, Step::Launch, || {
        run_instances(eng, phase, &launch_input)
    })
    .await?;
    Ok((image, launch))
}

/// Where the run's targets are bound: what the Summary step checks the health of.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Bound {
    load_balancer_id: String,
    /// (listener, instances bound on it)
    listeners: Vec<(String, Vec<String>)>,
}

/// Step "Summary": every target this run bound has a health verdict.
async fn summary(
    eng: &Engine,
    b: &Boundary,
    phase: Phase,
    bound: &[Bound],
) -> Result<(), StepError> {
    let _health: Option<BTreeMap<String, String>> =
        optional_step(eng, b, phase, Step::Summary, || async {
            let mut all = BTreeMap::new();
            for lb in bound {
                for (listener, ids) in &lb.listeners {
                    all.extend(target_health(eng, &lb.load_balancer_id, listener, ids).await?);
                }
            }
            Ok(all)
        })
        .await?;
    Ok(())
}

/// The session phase's step "Load balancer": the plan's CLB (or a new
/// one) in the source's VPC, subnet and project unless the plan names them
/// (the wizard's pick of an existing CLB is journaled through it too).
pub(crate) fn session_clb_input(p: &plan::Phase, source: &cvm::Instance) -> ClbInput {
    let placement = source.placement.clone().unwrap_or_default();
    let vpc = source.virtual_private_cloud.clone().unwrap_or_default();
    let choice = match p.clb_choice(true) {
        plan::ClbChoice::Existing(id) => ClbChoice::Existing(id),
        plan::ClbChoice::Create | plan::ClbChoice::Discover => {
            ClbChoice::Create { name: p.clb_name() }
        }
    };
    ClbInput {
        choice,
        vpc_id: p.clb_vpc.clone().or(vpc.vpc_id).unwrap_or_default(),
        subnet_id: p.clb_subnet.clone().or(vpc.subnet_id).unwrap_or_default(),
        project_id: placement.project_id.unwrap_or(0),
    }
}

async fn session_phase(
    eng: &Engine,
    b: &Boundary,
    plan: &Plan,
    p: &plan::Phase,
) -> Result<(PhaseOutcome, Bound), StepError> {
    let phase = Phase::Session;
    let steps = steps_of(true, plan);
    let arch = discover(eng).await?;
    let source = source_of(&arch, p)?;
    let source_id = id_of(&source);
    let run_id = eng.recorded(|r| r.id().to_string());
    let clb_input = session_clb_input(p, &source);
    // The session servers running today (fresh descriptions: eligibility reads live state).
    let mut ids: Vec<String> = arch
        .with_role(Role::Session)
        .iter()
        .filter_map(|i| i.instance_id.clone())
        .collect();
    if !ids.contains(&source_id) {
        ids.push(source_id.clone());
    }
    // The load balancer does not depend on the copies: it is made (and the
    // servers running today bound to it, their health checks started)
    // while the image builds and the copies launch.
    let overlap = Overlap::default();
    let clb_branch = async {
        // Nothing paid before the image is under way (its step may fail at once).
        if !overlap.wait_image().await {
            return Ok(None);
        }
        let lb: ClbOutput = step(eng, b, phase, Step::LoadBalancer, || {
            ensure_load_balancer(eng, phase, &clb_input)
        })
        .await?;
        if overlap.halted() {
            return Ok(None);
        }
        let listener_input = ListenerInput {
            load_balancer_id: lb.load_balancer_id.clone(),
            protocol: p.protocol().to_string(),
            port: p.listener_port(),
            name: super::load_balancer::listener_name(&run_id),
        };
        let listener: ListenerOutput = step(eng, b, phase, Step::Listener, || {
            ensure_listener(eng, &listener_input)
        })
        .await?;
        if overlap.halted() {
            return Ok(None);
        }
        let (running, _) = same_placement(eng, &source, describe(eng, &ids).await?);
        let (eligible, _) = super::bind::split_eligible(eng, &running);
        let early = BindInput {
            load_balancer_id: lb.load_balancer_id.clone(),
            listener_id: listener.listener_id.clone(),
            instances: running
                .into_iter()
                .filter(|i| {
                    i.instance_id
                        .as_ref()
                        .is_some_and(|id| eligible.contains(id))
                })
                .collect(),
            backend_port: p.backend_port(),
            weight: p.weight() as i64,
        };
        // Bound again (as already bound) by the Bind step, which is what
        // the journal records: this only starts them earlier.
        register_targets(eng, &early).await?;
        Ok::<_, StepError>(Some((lb, listener)))
    };
    let clb_branch = async {
        let r = clb_branch.await;
        if r.is_err() {
            overlap.halt();
        }
        r
    };
    // The business servers' files need no VIP: read them meanwhile too.
    let sdk_servers: Vec<cvm::Instance> = if steps.contains(&Step::SdkConfig) {
        match &p.business_servers {
            Some(ids) => describe(eng, ids).await?,
            None => arch
                .with_role(Role::Business)
                .into_iter()
                .cloned()
                .collect(),
        }
    } else {
        Vec::new()
    };
    let sdk_pending = !sdk_servers.is_empty()
        && eng.recorded(|r| {
            !r.is_done(phase.key(), Step::SdkConfig)
                && !matches!(
                    r.state(phase.key(), Step::SdkConfig),
                    Some(StepState::Skipped)
                )
        });
    let read_branch = async {
        // TAT runs only once the run is under way (a failed image step runs none).
        if sdk_pending && overlap.wait_image().await {
            // A failure here is met again, and reported, by the step itself.
            super::remote_edit::read_all(eng, &sdk_servers).await.ok()
        } else {
            None
        }
    };
    let (copies, clb, reads) = futures::future::join3(
        image_and_launch(eng, b, phase, p, &source, &overlap),
        clb_branch,
        read_branch,
    )
    .await;
    // A branch that stopped for the other's failure reports that failure.
    let clb = clb?;
    let (image, launch) = copies?;
    let (lb, listener) = clb.ok_or_else(halted)?;

    // The session servers, old and new.
    for id in &launch.instance_ids {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let (candidates, elsewhere) = same_placement(eng, &source, describe(eng, &ids).await?);
    for (id, why) in &elsewhere {
        eng.log("engine.bind.skipped", &[("id", id), ("reason", why)]);
    }
    let bind_input = BindInput {
        load_balancer_id: lb.load_balancer_id.clone(),
        listener_id: listener.listener_id.clone(),
        instances: candidates.clone(),
        backend_port: p.backend_port(),
        weight: p.weight() as i64,
    };
    let bind: BindOutput = step(eng, b, phase, Step::Bind, || {
        register_targets(eng, &bind_input)
    })
    .await?;
    let bound: Vec<String> = bind.bound.iter().chain(&bind.already).cloned().collect();

    let sg_input = SgInput {
        instances: candidates
            .iter()
            .filter(|i| i.instance_id.as_ref().is_some_and(|id| bound.contains(id)))
            .cloned()
            .collect(),
        vip: lb.vip.clone(),
        port: p.backend_port(),
        fix: p.fix_security_groups(),
    };
    let mut skipped_steps = Vec::new();
    let sg: Option<SgOutput> = optional_step(eng, b, phase, Step::SecurityGroup, || {
        ensure_vip_allowed(eng, &sg_input)
    })
    .await?;
    if sg.is_none() {
        skipped_steps.push(Step::SecurityGroup);
    }

    let mut left_as_is = Vec::new();
    if steps.contains(&Step::SdkConfig) {
        let sdk_input = SdkInput {
            servers: sdk_servers,
            vip: lb.vip.clone(),
        };
        let sdk: Option<SdkOutput> = optional_step(eng, b, phase, Step::SdkConfig, || {
            update_sdk_configs_read(eng, &sdk_input, reads)
        })
        .await?;
        match sdk {
            Some(out) => left_as_is.extend(out.skipped),
            None => {
                skipped_steps.push(Step::SdkConfig);
                // Listed with the journaled `SdkOutput.skipped` reasons: worded now.
                let why = crate::i18n::t(eng.lang, "engine.partial.sdk_skipped");
                left_as_is.extend(sdk_input.servers.iter().map(|s| (id_of(s), why.clone())));
            }
        }
    }

    let bound_at = Bound {
        load_balancer_id: lb.load_balancer_id.clone(),
        listeners: vec![(listener.listener_id.clone(), bound.clone())],
    };
    if steps.contains(&Step::Summary) {
        summary(eng, b, phase, std::slice::from_ref(&bound_at)).await?;
    }

    Ok((
        PhaseOutcome {
            image_id: image.image_id,
            instance_ids: launch.instance_ids,
            load_balancer_id: lb.load_balancer_id,
            vip: lb.vip,
            listener_ids: vec![listener.listener_id],
            bound,
            skipped: elsewhere.into_iter().chain(bind.skipped).collect(),
            left_as_is,
            skipped_steps,
        },
        bound_at,
    ))
}

/// The business phase's load balancer: the public CLB and the listeners
/// the source serves, with the backend port it serves each on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PublicClb {
    load_balancer_id: String,
    vip: String,
    listeners: Vec<(String, i64)>,
}

pub(crate) fn public_clb(
    arch: &Architecture,
    p: &plan::Phase,
    source_id: &str,
) -> Result<PublicClb, StepError> {
    let public = match p.clb_choice(false) {
        plan::ClbChoice::Existing(id) => arch
            .load_balancers
            .iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| blocked("engine.clb.not_found", &[("id", &id)]))?,
        _ => arch
            .public_clb_of(source_id)
            .ok_or_else(|| blocked("engine.clb.no_public", &[("id", &source_id)]))?,
    };
    let listeners: Vec<(String, i64)> = public
        .listeners
        .iter()
        .filter_map(|l| {
            l.targets
                .iter()
                .find(|t| t.instance_id == source_id)
                .map(|t| (l.listener_id.clone(), t.port))
        })
        .collect();
    if listeners.is_empty() {
        return Err(blocked(
            "engine.clb.source_not_bound",
            &[("id", &source_id), ("clb", &public.id())],
        ));
    }
    Ok(PublicClb {
        load_balancer_id: public.id().to_string(),
        vip: public.vip().to_string(),
        listeners,
    })
}

async fn business_phase(
    eng: &Engine,
    b: &Boundary,
    plan: &Plan,
    p: &plan::Phase,
    earlier: &[Bound],
) -> Result<PhaseOutcome, StepError> {
    let phase = Phase::Business;
    let steps = steps_of(false, plan);
    let arch = discover(eng).await?;
    let source = source_of(&arch, p)?;
    let source_id = id_of(&source);
    // Checked before anything is created: the source must be behind a public CLB.
    let found = public_clb(&arch, p, &source_id)?;
    let (image, launch) = image_and_launch(eng, b, phase, p, &source, &Overlap::default()).await?;
    let public: PublicClb = step(eng, b, phase, Step::LoadBalancer, || async {
        Ok(found.clone())
    })
    .await?;
    let candidates = describe(eng, &launch.instance_ids).await?;
    let lb_id = public.load_balancer_id.clone();
    let inputs: Vec<BindInput> = public
        .listeners
        .iter()
        .map(|(listener, port)| BindInput {
            load_balancer_id: lb_id.clone(),
            listener_id: listener.clone(),
            instances: candidates.clone(),
            backend_port: *port,
            weight: p.weight() as i64,
        })
        .collect();
    let binds: Vec<BindOutput> = step(eng, b, phase, Step::Bind, || async {
        let mut all = Vec::new();
        for input in &inputs {
            all.push(register_targets(eng, input).await?);
        }
        Ok(all)
    })
    .await?;
    let mut bound: Vec<String> = Vec::new();
    for id in binds.iter().flat_map(|x| x.bound.iter().chain(&x.already)) {
        if !bound.contains(id) {
            bound.push(id.clone());
        }
    }
    // The public VIP must reach every backend port on the new servers too.
    let mut ports: Vec<i64> = public.listeners.iter().map(|(_, port)| *port).collect();
    ports.dedup();
    let bound_instances: Vec<cvm::Instance> = candidates
        .iter()
        .filter(|i| i.instance_id.as_ref().is_some_and(|id| bound.contains(id)))
        .cloned()
        .collect();
    let sg: Option<Vec<SgOutput>> = optional_step(eng, b, phase, Step::SecurityGroup, || async {
        let mut all = Vec::new();
        for port in &ports {
            let input = SgInput {
                instances: bound_instances.clone(),
                vip: public.vip.clone(),
                port: *port,
                fix: p.fix_security_groups(),
            };
            all.push(ensure_vip_allowed(eng, &input).await?);
        }
        Ok(all)
    })
    .await?;
    let mut everything: Vec<Bound> = earlier.to_vec();
    everything.push(Bound {
        load_balancer_id: lb_id.clone(),
        listeners: public
            .listeners
            .iter()
            .map(|(l, _)| (l.clone(), bound.clone()))
            .collect(),
    });
    if steps.contains(&Step::Summary) {
        summary(eng, b, phase, &everything).await?;
    }
    Ok(PhaseOutcome {
        image_id: image.image_id,
        instance_ids: launch.instance_ids,
        load_balancer_id: lb_id,
        vip: public.vip,
        listener_ids: public.listeners.into_iter().map(|(l, _)| l).collect(),
        bound,
        skipped: binds.into_iter().flat_map(|x| x.skipped).collect(),
        left_as_is: Vec::new(),
        skipped_steps: sg
            .is_none()
            .then_some(Step::SecurityGroup)
            .into_iter()
            .collect(),
    })
}

/// Performs the plan (or continues it: steps the journal has done are
/// skipped, steps the user skipped are passed over).
pub async fn run_plan(eng: &Engine, plan: &Plan) -> Result<RunOutcome, StepError> {
    let b = Boundary::from_env();
    // The [autoscaling] section's own rules, before any call: nothing half-done.
    if let Some(a) = &plan.autoscaling {
        let now = chrono::Utc::now().with_timezone(&crate::scaleout::autoscaling::beijing());
        crate::scaleout::autoscaling::from_plan(a, now)
            .map_err(|e| StepError::Blocked(Text::per_lang(|lang| e.message(lang))))?;
    }
    let mut outcome = RunOutcome::default();
    let mut earlier = Vec::new();
    if plan.role.has_session() {
        let p = plan
            .session
            .as_ref()
            .ok_or_else(|| blocked("engine.plan.missing_phase", &[("phase", &"session")]))?;
        let (o, bound) = session_phase(eng, &b, plan, p).await?;
        outcome.session = Some(o);
        earlier.push(bound);
    }
    if plan.role.has_business() {
        let p = plan
            .business
            .as_ref()
            .ok_or_else(|| blocked("engine.plan.missing_phase", &[("phase", &"business")]))?;
        outcome.business = Some(business_phase(eng, &b, plan, p, &earlier).await?);
    }
    if let Some(a) = &plan.autoscaling {
        let (p, done, port) = if a.phase == "session" {
            let p = plan.session.as_ref();
            (p, outcome.session.as_ref(), p.map(|p| p.backend_port()))
        } else {
            (plan.business.as_ref(), outcome.business.as_ref(), None)
        };
        if let (Some(p), Some(done)) = (p, done) {
            let source = source_of(&discover(eng).await?, p)?;
            super::autoscaling_step::after_phase(eng, a, source, done, port).await?;
        }
    }
    eng.recorded(|r| {
        outcome.run_id = r.id().to_string();
        outcome.created = r.created().to_vec();
    });
    Ok(outcome)
}
